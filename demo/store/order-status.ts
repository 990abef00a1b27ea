/** The line the shop shows under the checkout: the order as the store's own backend knows it. */
import { formatRub } from '../../server/pages/format';

export type OrderView = {
  order_id: string;
  status: 'awaiting_payment' | 'paid' | 'refunded' | 'cancelled';
  amount_details: { amount: number; currency: string };
  refunded_amount: number;
  token?: string;
};

export function orderStatusLine(order: OrderView): string {
  switch (order.status) {
    case 'awaiting_payment':
      return 'Awaiting payment.';
    case 'paid':
      return order.refunded_amount > 0
        ? `Paid; ${formatRub(order.refunded_amount)} refunded.`
        : 'Paid: the store received a verified payment_finished webhook. Thank you!';
    case 'refunded':
      return 'Refunded: the store received a verified payment_refunded webhook.';
    case 'cancelled':
      return 'Cancelled: the payment session ended unpaid.';
  }
}

/** Until one of these, the page keeps asking (a paid order can still be refunded from the console). */
export const isFinal = (status: OrderView['status']) => status === 'refunded' || status === 'cancelled';
