/** The line the shop shows under the checkout: the order as the store's own backend knows it. */
import { formatAmount } from '../../widget/i18n/money';
import type { StoreLanguage } from './catalog';
import type { SubscriptionView } from './order-routes';
import { STORE_WORDS } from './words';

export type OrderView = {
  order_id: string;
  status: 'awaiting_payment' | 'paid' | 'refunded' | 'cancelled';
  amount_details: { amount: number; currency: string };
  refunded_amount: number;
  token?: string;
  /** The order's subscription, when it is one (GET /demo/orders/:id). */
  subscription?: SubscriptionView | null;
};

export function orderStatusLine(order: OrderView, lang: StoreLanguage): string {
  const words = STORE_WORDS[lang].status;
  if (order.status === 'paid' && order.refunded_amount > 0) return words.partlyRefunded(formatAmount(order.refunded_amount, order.amount_details.currency, lang));
  return words[order.status];
}

/** What the status says of a paid order's subscription: its state, then details, then a link to the customer's page. */
export type SubscriptionLines = { headline: string; details: string[]; link: { text: string; href: string } };

/**
 * The subscription of a paid order, in the customer's words, or null when the order is no
 * subscription or not paid (then `orderStatusLine` says it all). `timeZone`: the customer's by
 * default (tests pass UTC).
 */
export function subscriptionStatus(order: OrderView, lang: StoreLanguage, timeZone?: string): SubscriptionLines | null {
  const s = order.subscription;
  if (!s || order.status !== 'paid') return null;
  const t = STORE_WORDS[lang].subscription;
  // As the widget beside it writes its dates ("1 January 2027", "1 января 2027 г."), kept on one line.
  const dayFormat = new Intl.DateTimeFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone });
  const day = (iso: string | null) => (iso ? dayFormat.format(new Date(iso)).replace(/ /g, '\u00a0') : '');
  const amount = formatAmount(order.amount_details.amount, order.amount_details.currency, lang);
  // The customer's page in the shop's language, whatever their browser says.
  const href = new URL(s.manage_url);
  href.searchParams.set('lang', lang);
  const link = (text: string) => ({ text, href: href.href });
  const paid = s.periods_paid > 0 && s.last_paid_at ? [t.paid(s.periods_paid, day(s.last_paid_at))] : [];

  if (s.status === 'pending') return { headline: t.starting, details: [], link: link(t.manage) };
  if (s.status === 'cancelled') return { headline: t.ended(day(s.cancelled_at)), details: paid, link: link(t.page) };
  if (s.cancel_at_period_end) return { headline: t.ending(day(s.current_period_end)), details: paid, link: link(t.manage) };
  if (s.status === 'past_due') return { headline: t.pastDue, details: [...paid, ...(s.next_charge_at ? [t.retry(day(s.next_charge_at))] : [])], link: link(t.manage) };
  return { headline: t.active, details: [...paid, ...(s.next_charge_at ? [t.next(amount, day(s.next_charge_at))] : [])], link: link(t.manage) };
}

/** Until one of these, the page keeps asking (a paid order can still be refunded from the console). */
export const isFinal = (status: OrderView['status']) => status === 'refunded' || status === 'cancelled';
