/**
 * FPS account bindings as recurrent tokens (`bnd_…`): made when an FPS payment with
 * payment_options.recurrent succeeds and its rail reports the binding, charged later by
 * `payment_details {type: "recurrent", recurrent {token: "bnd_…"}}` like a card's `tok_…`, and
 * ended by the merchant (recurrent/disable) or by the customer in their bank app (the rail says so).
 */
import { badRequest, conflict, notFound } from '../errors';
import { newId } from '../ids';
import type { RailPaymentState } from '../acquirers/port';
import { BANKS } from '../sandbox/banks';
import type { Tx } from '../store/port';
import type { FpsBindingRow, PaymentRow, Project, SessionData, SessionRow } from '../store/rows';
import type { StartPaymentInput } from './payment-record';

/**
 * Whether a session only binds an account (payment_details.type faster_payment_system_binding):
 * it takes no money, so its amount is 0, and nothing else has that amount.
 */
export const bindsWithoutPaying = (row: { amount: number }) => row.amount === 0;

/**
 * A session that binds an FPS account without paying, from what else it says (`data`): no amount
 * (RUB, as FPS settles), it keeps what it binds (payment_options.recurrent), and it is confirmed
 * at once, since it holds no money. The merchant's `binding` and a subscription's method change
 * both make theirs here.
 */
export function bindingSession(data: SessionData): { amount: number; currency: string; confirmation: 'auto'; data: SessionData } {
  return {
    amount: 0,
    currency: 'RUB',
    confirmation: 'auto',
    data: { ...data, binding: { type: 'faster_payment_system' }, payment_options: { ...data.payment_options, recurrent: true, confirmation: 'auto' } },
  };
}

/** Whether payment details ask to bind an account without paying. */
export const isBindingDetails = (d: { type: string }) => d.type === 'faster_payment_system_binding';

/**
 * What a payment may ask of a session: a binding session only its binding, which keeps what it
 * binds (so no `recurrent: false`) and is no card to remember; a paying one anything but a
 * binding (400s that say what to send).
 */
export function checkBindingInput(session: SessionRow, input: StartPaymentInput): void {
  const binds = isBindingDetails(input.payment_details);
  if (!bindsWithoutPaying(session)) {
    if (binds) throw badRequest('payment_details.type', `session ${session.id} is for ${session.amount} kopecks: faster_payment_system_binding takes no money (create a session with binding for that); to pay and bind, use faster_payment_system with payment_options.recurrent`);
    return;
  }
  if (!binds) throw badRequest('payment_details.type', `session ${session.id} binds an FPS account without paying: start it with payment_details.type faster_payment_system_binding`);
  if (input.payment_options?.recurrent === false) throw badRequest('payment_options.recurrent', 'must be true or omitted: a binding keeps the account it binds');
  if (input.payment_options?.save_card !== undefined) throw badRequest('payment_options.save_card', 'must be omitted: a binding keeps a bank account, not a card');
}

/**
 * The rail's answer to a binding that took no money, as the gateway applies it: "captured" with
 * no binding bound nothing, which for a binding is a decline (nothing was taken to give back).
 */
export function asBindingAnswer(payment: PaymentRow, answer: RailPaymentState | null): RailPaymentState | null {
  if (!bindsWithoutPaying(payment) || answer?.state !== 'captured' || answer.binding) return answer;
  return { state: 'declined', code: 'binding_failed', description: 'The bank confirmed, but bound no account' };
}

/** Whether a recurrent token names an FPS account binding rather than a card. */
export const isBindingToken = (token: string) => token.startsWith('bnd_');

/** The binding a recurrent charge names, if the project may charge it. */
export async function chargeableBinding(tx: Tx, project: Project, token: string): Promise<FpsBindingRow> {
  const binding = await tx.bindings.get(token);
  if (!binding || binding.project !== project.name) throw notFound('recurrent token', token);
  if (binding.disabled_at !== null) {
    const by = binding.disabled_by === 'bank' ? 'the customer revoked the binding in their bank app' : 'it was disabled (recurrent/disable)';
    throw conflict(`recurrent token ${token} is inactive: ${by}; ask the customer to pay again with payment_options.recurrent`);
  }
  return binding;
}

/**
 * Records the binding a succeeded FPS payment made, in the transaction of its success: only when
 * it was made to keep one (payment_options.recurrent, with the customer's consent) and the rail
 * reported one. A payment already recorded is left as it is (a success is applied once, but a
 * rail's answer may be seen twice).
 */
export async function keepBinding(tx: Tx, project: Project, payment: PaymentRow, answer: RailPaymentState | null | undefined, now: number, opts: { unusable?: boolean } = {}): Promise<void> {
  if (payment.method !== 'fps' || answer?.state !== 'captured' || !answer.binding) return;
  const details = JSON.parse(payment.details_json) as { payment_options?: { recurrent?: boolean } };
  if ((details.payment_options?.recurrent !== true && !bindsWithoutPaying(payment)) || (await tx.bindings.byPayment(payment.id))) return;
  const bankId = answer.binding.bankId;
  // Revoked before we heard of it (the rail's revocation came first, or with it), or bound for a payment that had already
  // failed here (`unusable`): kept, so it can be found, but never charged.
  const disabledBy = answer.binding.active === false ? 'bank' : opts.unusable ? 'merchant' : null;
  await tx.bindings.insert({
    id: newId('bnd'),
    project: project.name,
    session_id: payment.session_id,
    payment_id: payment.id,
    rail_ref: answer.binding.ref,
    bank_id: bankId,
    bank_name: (bankId && BANKS.find((b) => b.id === bankId)?.name) || null,
    disabled_at: disabledBy ? now : null,
    disabled_by: disabledBy,
    created_at: now,
  });
}
