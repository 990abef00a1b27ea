/** The merchant-facing JSON of a session, in the documented (Smart Glocal) shape. */
import { iso } from '../clock';
import { nextAction } from '../domain/session-machine';
import type { Acquirer } from '../sandbox/acquirer';
import type { SessionReads } from '../store/port';
import type { PaymentRow, RefundRow, SessionData, SessionRow } from '../store/rows';
import { paymentState } from './state';

export async function renderSession(row: SessionRow, repo: SessionReads, acquirer: Acquirer) {
  const data = JSON.parse(row.data_json) as SessionData;
  const payments = await repo.payments(row.id);
  // Every refund so far succeeded and counts in refunded_amount: a payment with none refunded has no rows to read.
  const refunds = await Promise.all(payments.map((p) => (p.refunded_amount > 0 ? repo.refunds(p.id) : [])));
  const active = payments.find((p) => p.status === 'in_progress' || p.status === 'pending') ?? null;
  const next = nextAction(active && paymentState(active));
  return {
    id: row.id,
    status: row.status,
    /** Grows with every change: a webhook receiver keeps the highest it has seen and ignores older ones. */
    version: row.version,
    ...(next ? { next_action: next } : {}),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    expires_at: iso(row.expires_at),
    amount_details: { amount: row.amount, currency: row.currency },
    ...data,
    ...(row.close_reason ? { close_reason: row.close_reason } : {}),
    acquiring_payments: payments.map((p, i) => renderPayment(p, refunds[i]!, acquirer)),
  };
}

export type RenderedSession = Awaited<ReturnType<typeof renderSession>>;

function renderPayment(p: PaymentRow, refunds: RefundRow[], acquirer: Acquirer) {
  const details = JSON.parse(p.details_json) as { payment_details: unknown; metadata?: unknown; customer?: unknown; payment_options?: Record<string, unknown> };
  const interaction = acquirer.interaction(p);
  return {
    id: p.id,
    status: p.status,
    created_at: iso(p.created_at),
    updated_at: iso(p.updated_at),
    ...(details.customer ? { customer: details.customer } : {}),
    payment_details: details.payment_details,
    amount_details: { amount: p.amount, currency: p.currency },
    ...(details.metadata !== undefined ? { metadata: details.metadata } : {}),
    payment_options: { recurrent: false, ...details.payment_options },
    ...(interaction && p.action_expires_at ? { customer_interaction: { ...interaction, expires_at: iso(p.action_expires_at) } } : {}),
    ...(p.confirm_expires_at ? { confirm_expires_at: iso(p.confirm_expires_at) } : {}),
    ...(p.failure_code ? { failure: { code: p.failure_code, description: p.failure_description } } : {}),
    ...(refunds.length
      ? {
          refunded_amount_details: { amount: p.refunded_amount, currency: p.currency },
          refunds: refunds.map((r) => ({ id: r.id, status: r.status, amount_details: { amount: r.amount, currency: r.currency }, created_at: iso(r.created_at) })),
        }
      : {}),
  };
}
