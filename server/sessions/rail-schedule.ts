/**
 * When the rail is asked about a payment or refund, as its row records it (`rail_op`,
 * `reconcile_at`, `rail_checks`): a call a transition asks for is leased to its caller until
 * past its timeout (so a crash mid-call is reconciled), an unknown outcome is asked about with
 * backoff, and a payment that waits for the customer is polled in case its callback was lost.
 */
import type { RailPaymentState } from '../acquirers/port';
import type * as machine from '../domain/session-machine';
import type { PaymentStage, RailOp } from '../domain/types';
import type { PaymentRow } from '../store/rows';

/** How often a payment that waits for the customer is asked about at the rail, in case its callback was lost. */
export const AWAITING_CUSTOMER_POLL_MS = 20_000;
/** The reconciler's backoff for an unknown outcome: 1 s, 2 s, 4 s … up to a minute, until the rail knows. */
export const reconcileDelayMs = (checks: number) => Math.min(60_000, 1000 * 2 ** Math.min(checks, 6));

/** How long past a call's timeout its lease lasts: by then the caller has recorded its answer, or died. */
const RAIL_LEASE_MARGIN_MS = 5_000;

/** Until when a call made `now` is leased to its caller: past its timeout (`railTimeoutMs`), by when its answer is recorded or its caller died. */
export function leaseUntil(now: number, railTimeoutMs: number): number {
  return now + railTimeoutMs + RAIL_LEASE_MARGIN_MS;
}

/**
 * When the rail is next asked about a payment in `stage` without a call under way: soon, with
 * backoff, while its outcome is unknown; every AWAITING_CUSTOMER_POLL_MS while it waits for the
 * customer (a callback may be lost); never otherwise.
 */
export function nextCheckAt(stage: PaymentStage, checks: number, now: number): number | null {
  if (stage === 'awaiting_customer') return now + AWAITING_CUSTOMER_POLL_MS;
  return stage === 'starting' || stage === 'capturing' || stage === 'unknown' ? now + reconcileDelayMs(checks) : null;
}

/**
 * What a transition means for the rail: the call it asks for (leased until the call's timeout
 * has passed, so a crash mid-call is reconciled), when to ask the rail next, and the rail's own
 * reference and customer interaction from its answer. A payment that ended here while the rail
 * held it or showed the customer something is withdrawn there (`void`). The caller makes `call`
 * once its transaction has committed.
 */
export function railFields(
  before: PaymentRow,
  step: machine.Step,
  answer: RailPaymentState | null | undefined,
  now: number,
  railTimeoutMs: number,
): { fields: Partial<PaymentRow>; call: RailOp | undefined } {
  const fields: Partial<PaymentRow> = {};
  if (answer && 'railRef' in answer && answer.railRef) fields.rail_ref = answer.railRef;
  if (answer?.state === 'awaiting_customer') fields.interaction_json = JSON.stringify(answer.interaction);
  const call = step.call ?? (heldAtTheRail(before) && step.payment.status === 'failed' && !answer ? 'void' : undefined);
  if (call) return { fields: { ...fields, rail_op: call, reconcile_at: call === 'void' ? now : leaseUntil(now, railTimeoutMs), rail_checks: 0 }, call };
  return { fields: { ...fields, reconcile_at: nextCheckAt(step.payment.stage, before.rail_checks, now) }, call };
}

/** Whether the rail has the payment in hand (a hold, or a QR or page the customer may still answer). */
function heldAtTheRail(p: PaymentRow): boolean {
  return p.rail_op !== null && (p.stage === 'awaiting_customer' || p.stage === 'awaiting_confirmation');
}
