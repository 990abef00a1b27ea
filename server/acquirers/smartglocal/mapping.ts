/**
 * How a Smart Glocal session reads in the port's terms. One function per direction, used by every
 * call's answer, by `status` and by the webhooks alike, so they can never disagree.
 *
 * | upstream payment                                | RailPaymentState                             |
 * |-------------------------------------------------|----------------------------------------------|
 * | `in_progress` with `customer_interaction`       | awaiting_customer (interaction, expires_at)  |
 * | `in_progress` without one                       | processing                                   |
 * | `pending` (session `next_action: confirm`)      | authorized                                   |
 * | `succeeded`                                     | captured (with the FPS binding it made, if any) |
 * | `failed`, failure code `cancelled`              | voided (only our session/cancel makes it)    |
 * | `failed`, any other code                        | declined (code, description)                 |
 * | no payment, session `cancelled`                 | voided                                       |
 * | no payment otherwise, or a status we do not know| processing                                   |
 *
 * railRef is always the upstream's session id (`ps_…`): every later call names the session.
 */
import type { CustomerInteraction, RailPaymentState, RailRefundState } from '../port';
import type { UpstreamPayment, UpstreamRefund, UpstreamSession } from './protocol';

/** The newest of `items` by created_at: the later in the list on a tie, or when one has no time to read. */
function newest<T extends { created_at?: string }>(items: readonly T[]): T | null {
  let found: T | null = null;
  let foundAt = -Infinity;
  for (const item of items) {
    const at = item.created_at ? Date.parse(item.created_at) : NaN;
    const t = Number.isNaN(at) ? foundAt : at;
    if (t >= foundAt) {
      found = item;
      foundAt = t;
    }
  }
  return found;
}

/** The payment a session runs now: its newest. */
export const latestPayment = (session: UpstreamSession): UpstreamPayment | null => newest(session.acquiring_payments);

export function railStateOf(session: UpstreamSession): RailPaymentState {
  const railRef = session.id;
  const p = latestPayment(session);
  if (!p) return session.status === 'cancelled' ? { state: 'voided' } : { state: 'processing', railRef };
  switch (p.status) {
    case 'in_progress': {
      const i = p.customer_interaction;
      if (!i) return { state: 'processing', railRef };
      const interaction: CustomerInteraction = { type: i.type, redirect: { url: i.redirect.url, method: 'GET' } };
      const expiresAt = i.expires_at ? Date.parse(i.expires_at) : NaN;
      return { state: 'awaiting_customer', interaction, railRef, expiresAt: Number.isNaN(expiresAt) ? null : expiresAt };
    }
    case 'pending':
      return { state: 'authorized', railRef };
    case 'succeeded': {
      // The upstream's own binding token (bnd_…) is the binding's railRef: later charges name it, its revocation names it.
      const r = p.recurrent;
      return r?.type === 'faster_payment_system' ? { state: 'captured', railRef, binding: { ref: r.token, bankId: r.bank?.id ?? null, active: r.is_active !== false } } : { state: 'captured', railRef };
    }
    case 'failed': {
      const code = p.failure?.code ?? 'declined';
      if (code === 'cancelled') return { state: 'voided' };
      return { state: 'declined', code, description: p.failure?.description ?? `The upstream gateway declined the payment (${code})` };
    }
    default:
      return { state: 'processing', railRef };
  }
}

/** The FPS bindings a session's payments made that the upstream now shows inactive (the customer revoked them at their bank). */
export const revokedBindings = (session: UpstreamSession): string[] =>
  session.acquiring_payments.flatMap((p) => (p.recurrent?.type === 'faster_payment_system' && p.recurrent.is_active === false ? [p.recurrent.token] : []));

/** The payment's refund `refundId`, if the session shows it. */
export function findRefund(session: UpstreamSession, refundId: string): UpstreamRefund | null {
  for (const p of session.acquiring_payments) {
    const found = p.refunds?.find((r) => r.id === refundId);
    if (found) return found;
  }
  return null;
}

/**
 * The refund that a `session/refund` reply has just added: the newest refund of the captured
 * payment (the reply is rendered in the transaction that added it, and a replay returns that
 * same reply, so the newest is ours).
 */
export function newestRefund(session: UpstreamSession): UpstreamRefund | null {
  const refunded = session.acquiring_payments.filter((p) => p.refunds?.length);
  const payment = refunded.find((p) => p.status === 'succeeded') ?? refunded.at(-1);
  return payment?.refunds ? newest(payment.refunds) : null;
}

/** succeeded → succeeded; failed → failed (code, description); pending or anything else → processing. */
export function refundStateOf(refund: UpstreamRefund): RailRefundState {
  if (refund.status === 'succeeded') return { state: 'succeeded' };
  if (refund.status === 'failed') {
    const code = refund.failure?.code ?? 'refund_failed';
    return { state: 'failed', code, description: refund.failure?.description ?? `The upstream gateway could not refund (${code})` };
  }
  return { state: 'processing' };
}
