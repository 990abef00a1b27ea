/** The merchant-facing JSON of a session, in the documented (Smart Glocal) shape. */
import { iso } from '../clock';
import { isRunningStatus, nextAction } from '../domain/session-machine';
import type { CustomerInteraction } from '../acquirers/port';
import type { Reads } from '../store/port';
import type { CardTokenRow, FpsBindingRow, PaymentRow, RefundRow, SessionData, SessionRow } from '../store/rows';
import { isBindingToken } from './bindings';
import { paymentState } from './state';

/** `sandbox`: the server runs the sandbox rail, so no money moves; said in every session it renders. */
export async function renderSession(row: SessionRow, reads: Pick<Reads, 'sessions' | 'cards' | 'bindings'>, sandbox: boolean) {
  const data = JSON.parse(row.data_json) as SessionData;
  const payments = await reads.sessions.payments(row.id);
  // Only a payment that took money can have refunds (a failed one only when the rail took it late: refunded_amount then): the others have no rows to read.
  const refunds = await Promise.all(payments.map((p) => (p.status === 'succeeded' || p.refunded_amount > 0 ? reads.sessions.refunds(p.id) : [])));
  const details = payments.map((p) => JSON.parse(p.details_json) as PaymentDetails);
  // Only a succeeded payment made to keep its card (or bind the account) has a recurrent token to show: the others' are not read.
  const kept = (p: PaymentRow, d: PaymentDetails) => p.status === 'succeeded' && p.method !== 'recurrent' && d.payment_options?.recurrent === true;
  const recurrent = await Promise.all(
    payments.map(async (p, i) => {
      if (!kept(p, details[i]!)) return undefined;
      if (p.card_token) {
        const card = await reads.cards.get(p.card_token);
        return card?.recurrent ? renderRecurrent(card) : undefined;
      }
      const binding = p.method === 'fps' ? await reads.bindings.byPayment(p.id) : undefined;
      return binding && renderBinding(binding);
    }),
  );
  const active = payments.find((p) => isRunningStatus(p.status)) ?? null;
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
    acquiring_payments: payments.map((p, i) => renderPayment(p, details[i]!, refunds[i]!, recurrent[i])),
    ...(sandbox ? { sandbox: true } : {}),
  };
}

export type RenderedSession = Awaited<ReturnType<typeof renderSession>>;

/** What the rail said to show the customer, while the payment waits for them. */
export const interactionOf = (p: PaymentRow): CustomerInteraction | null =>
  p.stage === 'awaiting_customer' && p.interaction_json ? (JSON.parse(p.interaction_json) as CustomerInteraction) : null;

/**
 * A recurrent token as Smart Glocal shows it: `finished_at` is when it became one (its first
 * payment succeeded), `is_active` false once disabled (recurrent/disable, or the customer's bank).
 */
export function renderRecurrent(card: CardTokenRow) {
  return { token: card.id, type: 'card' as const, is_active: card.disabled_at === null, created_at: iso(card.created_at), finished_at: card.recurrent_at === null ? null : iso(card.recurrent_at) };
}

/** An FPS account binding as a recurrent token, in the same shape, with the customer's bank. */
export function renderBinding(b: FpsBindingRow) {
  return {
    token: b.id,
    type: 'faster_payment_system' as const,
    is_active: b.disabled_at === null,
    created_at: iso(b.created_at),
    finished_at: iso(b.created_at),
    ...(b.bank_id ? { bank: { id: b.bank_id, name: b.bank_name } } : {}),
  };
}

/** A project's recurrent token (a card's `tok_…` or a binding's `bnd_…`) as recurrent/status shows it, if it has it. */
export async function findRecurrent(reads: Pick<Reads, 'cards' | 'bindings'>, project: string, token: string) {
  if (isBindingToken(token)) {
    const binding = await reads.bindings.get(token);
    return binding?.project === project ? renderBinding(binding) : undefined;
  }
  const card = await reads.cards.get(token);
  return card?.project === project && card.recurrent ? renderRecurrent(card) : undefined;
}

/** What a payment records of its request (sessions/payment-record.ts), as rendering reads it. */
type PaymentDetails = { payment_details: unknown; metadata?: unknown; customer?: unknown; payment_options?: Record<string, unknown> };

type RenderedRecurrent = ReturnType<typeof renderRecurrent> | ReturnType<typeof renderBinding>;

/** `recurrent`: the token a payment made with payment_options.recurrent kept (its card, or the account it bound). */
function renderPayment(p: PaymentRow, details: PaymentDetails, refunds: RefundRow[], recurrent: RenderedRecurrent | undefined) {
  const interaction = interactionOf(p);
  const refunded = refunds.reduce((sum, r) => sum + (r.status === 'succeeded' ? r.amount : 0), 0);
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
    ...(recurrent ? { recurrent } : {}),
    ...(refunds.length
      ? {
          refunded_amount_details: { amount: refunded, currency: p.currency },
          refunds: refunds.map((r) => ({
            id: r.id,
            status: r.status,
            amount_details: { amount: r.amount, currency: r.currency },
            created_at: iso(r.created_at),
            ...(r.failure_code ? { failure: { code: r.failure_code, description: r.failure_description } } : {}),
          })),
        }
      : {}),
  };
}
