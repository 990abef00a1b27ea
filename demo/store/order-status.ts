/** The line the shop shows under the checkout: the order as the store's own backend knows it. */
import { formatAmount } from '../../widget/i18n/money';
import type { StoreLanguage } from './catalog';
import { STORE_WORDS } from './words';

export type OrderView = {
  order_id: string;
  status: 'awaiting_payment' | 'paid' | 'refunded' | 'cancelled';
  amount_details: { amount: number; currency: string };
  refunded_amount: number;
  token?: string;
};

export function orderStatusLine(order: OrderView, lang: StoreLanguage): string {
  const words = STORE_WORDS[lang].status;
  if (order.status === 'paid' && order.refunded_amount > 0) return words.partlyRefunded(formatAmount(order.refunded_amount, order.amount_details.currency, lang));
  return words[order.status];
}

/** Until one of these, the page keeps asking (a paid order can still be refunded from the console). */
export const isFinal = (status: OrderView['status']) => status === 'refunded' || status === 'cancelled';
