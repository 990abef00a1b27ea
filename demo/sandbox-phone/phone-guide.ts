/**
 * What the sandbox phone shows for a state of the checkout, as plain data: the widget's
 * `sg-status` detail goes in, one screen comes out. The customer's part of each rail maps to a
 * sandbox page: an FPS QR to the bank app that scanned it, a SberPay invoice to the SberPay app,
 * a 3-D Secure redirect to the challenge the checkout shows in its own dialog.
 */
import type { SgStatusDetail } from '../../widget/events';

export type PhoneScreen =
  | { kind: 'idle' }
  | { kind: 'fps'; paymentId: string; link: string; bankPageUrl: string }
  | { kind: 'sberpay'; paymentId: string; appPageUrl: string }
  | { kind: 'three_ds'; paymentId: string }
  | { kind: 'awaiting_merchant'; paymentId: string }
  | { kind: 'processing'; paymentId: string }
  | { kind: 'paid'; paymentId: string }
  | { kind: 'failed'; paymentId: string; code: string; description: string | null }
  | { kind: 'closed'; status: 'cancelled' | 'error' };

export function phoneScreen(detail: Pick<SgStatusDetail, 'status' | 'payment'> & { method?: SgStatusDetail['method'] }): PhoneScreen {
  const p = detail.payment;
  if (detail.status === 'cancelled' || detail.status === 'error') return { kind: 'closed', status: detail.status };
  if (!p || p.failure?.code === 'superseded') return { kind: 'idle' }; // the customer switched methods
  // A QR still waits, but the customer is looking at another tab (a card): guide them there.
  const looking = detail.method;
  if (looking && p.status === 'in_progress' && (p.method === 'fps' || p.method === 'sberpay') && p.method !== looking) return { kind: 'idle' };
  if (p.status === 'succeeded') return { kind: 'paid', paymentId: p.id };
  if (p.status === 'failed') return { kind: 'failed', paymentId: p.id, code: p.failure?.code ?? 'declined', description: p.failure?.description ?? null };
  if (p.status === 'pending') return { kind: 'awaiting_merchant', paymentId: p.id };
  const url = p.customer_interaction?.redirect.url;
  if (!url) return { kind: 'processing', paymentId: p.id };
  if (p.method === 'fps') return { kind: 'fps', paymentId: p.id, link: url, bankPageUrl: `/sandbox/bank?link=${encodeURIComponent(url)}` };
  if (p.method === 'sberpay') {
    const invoiceId = sberPayInvoiceId(url);
    return invoiceId ? { kind: 'sberpay', paymentId: p.id, appPageUrl: `/sandbox/sberpay/${invoiceId}` } : { kind: 'processing', paymentId: p.id };
  }
  return { kind: 'three_ds', paymentId: p.id };
}

/**
 * The SberPay order id in either form the widget is given: the deep link
 * `sberpay://invoicing/v2?bankInvoiceId=<32 hex>&…` (phone) or the QR's page URL `…/sandbox/sberpay/<32 hex>`.
 */
export function sberPayInvoiceId(url: string): string | null {
  const match = /[?&]bankInvoiceId=([0-9a-f]{32})\b/i.exec(url) ?? /\/sberpay\/([0-9a-f]{32})(?:[?#]|$)/i.exec(url);
  return match?.[1] ?? null;
}

/** Two screens are the same when the phone need not redraw (and lose a half-typed bank search). */
export const sameScreen = (a: PhoneScreen, b: PhoneScreen) => JSON.stringify(a) === JSON.stringify(b);
