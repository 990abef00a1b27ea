/**
 * The session and payment state machine, as plain functions over plain data. The merchant API,
 * the public API, the sandbox bank and the deadline scheduler all move payments through these
 * functions only, so a rule lives in one place.
 *
 * Session:  created → in_progress → accepted | cancelled | error
 *           (a failed payment hands the session back to `created` so the customer can try
 *           another method, as a Stripe PaymentIntent returns to `requires_payment_method`)
 * Payment:  in_progress → pending (waits for confirm) → in_progress → succeeded | failed
 */
import type { RailPaymentState } from '../acquirers/port';
import type { PaymentMethod, PaymentState, RailOp, SessionState, WebhookType } from './types';

/** A transition that the current state does not allow; the API answers it with 409. */
export class StateConflict extends Error {
  constructor(
    message: string,
    readonly currentStatus: string,
  ) {
    super(message);
    this.name = 'StateConflict';
  }
}

/** After this many failed payments a session stops taking new ones (card-testing guard). */
export const MAX_FAILED_PAYMENTS = 5;

/**
 * Where the merchant's confirmation sits in each rail. A card is authorised first and the
 * confirmation captures it (a hold); FPS and SberPay cannot hold money, so the merchant confirms
 * before the customer is shown the QR or deep link (the documented SberPay flow).
 */
export const CONFIRM_BEFORE_CUSTOMER: Record<PaymentMethod, boolean> = {
  card: false,
  saved_card: false,
  recurrent: false,
  fps: true,
  sberpay: true,
};

export type Timing = {
  now: number;
  /** How long the merchant has to confirm a pending payment. */
  confirmWindowMs: number;
  /** How long a QR, deep link or 3-D Secure page stays valid. */
  actionLifetimeMs: number;
};

/** A transition, and the call to make to the rail once it has committed (`call`), if any. */
export type Step = { session: SessionState; payment: PaymentState; events: WebhookType[]; call?: RailOp };

/** The stages in which a call to the rail is out, or its answer is still to learn. */
const AT_THE_RAIL = new Set<PaymentState['stage']>(['starting', 'capturing', 'unknown']);

/** Whether the payment's outcome is being learnt from the rail (the customer is told "checking the payment"). */
export const isAtTheRail = (stage: PaymentState['stage']): boolean => AT_THE_RAIL.has(stage);

/** Whether a payment in this status is still running (waits for the customer, the bank or the merchant): only such a payment can change. */
export const isRunningStatus = (status: PaymentState['status']): boolean => status === 'in_progress' || status === 'pending';

const isActive = (p: PaymentState) => isRunningStatus(p.status);

/**
 * Starts a new payment on a session that has none running: it is sent to the rail (`starting`),
 * unless the merchant must confirm it first (FPS and SberPay under manual confirmation: they
 * cannot hold money, so the rail is asked only once the merchant has confirmed).
 */
export function beginPayment(session: SessionState, payment: PaymentState, t: Timing): Step {
  if (session.status !== 'created') {
    throw new StateConflict(
      session.status === 'in_progress'
        ? `session ${session.id} already has a payment in progress: wait for its result or cancel the session`
        : `session ${session.id} is ${session.status} and takes no more payments: create a new session`,
      session.status,
    );
  }
  if (session.expiresAt <= t.now) {
    throw new StateConflict(`session ${session.id} has expired: create a new session`, session.status);
  }
  const step: Step = { session: { ...session, status: 'in_progress' }, payment, events: [] };
  if (CONFIRM_BEFORE_CUSTOMER[payment.method] && session.confirmation === 'manual') return awaitConfirmation(step, t);
  return toRail(step, 'starting', 'start');
}

/**
 * What the rail said of the payment, as the answer to `op` (`start`, `capture`), as its callback,
 * or as reconciliation found it. Null when it changes nothing: an answer told twice, or one that
 * does not concern this stage; so however often and in whatever order a rail reports, each
 * transition happens once.
 */
export function railAnswered(session: SessionState, payment: PaymentState, op: RailOp, answer: RailPaymentState, t: Timing): Step | null {
  if (!isActive(payment)) return null; // ended here already: the service withdraws it at the rail, or refunds a late capture
  // Not sent yet (FPS or SberPay waiting for the merchant's confirmation): the rail can know nothing of it.
  if (payment.stage === 'awaiting_confirmation' && CONFIRM_BEFORE_CUSTOMER[payment.method]) return null;
  // The capture is out: only its own answer (or what reconciliation learns of it) moves the payment on.
  if (payment.stage === 'capturing' && op !== 'capture' && answer.state === 'authorized') return null;
  const step: Step = { session, payment, events: [] };
  const sent = AT_THE_RAIL.has(payment.stage);
  switch (answer.state) {
    case 'processing':
      return sent && payment.stage !== 'unknown' ? { ...step, payment: { ...payment, stage: 'unknown' } } : null;
    case 'awaiting_customer':
      return sent && op === 'start' ? awaitCustomer(step, { ...t, actionLifetimeMs: lifetimeWithin(answer.expiresAt, t) }) : null;
    case 'authorized':
      if (CONFIRM_BEFORE_CUSTOMER[payment.method] || payment.stage === 'awaiting_confirmation') return null;
      // A capture answered with the hold still there: the capture is to be made again, after asking the rail.
      if (op === 'capture') return payment.stage === 'unknown' ? null : { ...step, payment: { ...payment, stage: 'unknown' } };
      return session.confirmation === 'manual' ? awaitConfirmation(step, t) : toRail(step, 'capturing', 'capture');
    case 'captured':
      return succeed(step);
    case 'declined':
      return payment.stage === 'capturing' || op === 'capture'
        ? fail(step, answer.code, answer.description, 'close')
        : fail(step, answer.code, answer.description, 'retry');
    case 'voided':
      return fail(step, 'expired', 'The bank withdrew the payment before it was completed', 'retry');
    case 'not_found':
      // The start never reached the rail: nothing was charged, and the customer may try again.
      return sent && op === 'start' ? fail(step, 'acquirer_unavailable', 'The bank did not receive the payment; nothing was charged', 'retry') : null;
  }
}

/** The QR's or page's lifetime: the project's, shortened to the rail's own deadline when it has one. */
function lifetimeWithin(expiresAt: number | null, t: Timing): number {
  return expiresAt === null ? t.actionLifetimeMs : Math.max(0, Math.min(t.actionLifetimeMs, expiresAt - t.now));
}

/** The merchant confirms a pending payment (`session/confirm`): a card's hold is captured, a QR is asked for. */
export function confirm(session: SessionState, payment: PaymentState | null): Step {
  if (!payment || payment.stage !== 'awaiting_confirmation') {
    throw new StateConflict(
      `session ${session.id} is ${session.status}${payment ? ` (payment ${payment.status})` : ''} and waits for no confirmation: confirm only after ready_to_confirm`,
      session.status,
    );
  }
  const step: Step = { session, payment, events: [] };
  return CONFIRM_BEFORE_CUSTOMER[payment.method] ? toRail(step, 'starting', 'start') : toRail(step, 'capturing', 'capture');
}

/** The merchant cancels (`session/cancel`): a running payment fails and the session closes. */
export function cancel(session: SessionState, payment: PaymentState | null): Step | { session: SessionState; payment: null; events: [] } {
  if (session.status !== 'created' && session.status !== 'in_progress') {
    throw new StateConflict(`session ${session.id} is ${session.status} and can no longer be cancelled`, session.status);
  }
  if (payment && AT_THE_RAIL.has(payment.stage)) {
    throw new StateConflict(`payment ${payment.id} is being processed by the bank: cancel once it has answered (a moment; read the session)`, session.status);
  }
  if (payment && isActive(payment)) {
    return fail({ session, payment, events: [] }, 'cancelled', 'The merchant cancelled the payment', 'close');
  }
  return { session: { ...session, status: 'cancelled', closeReason: 'cancelled' }, payment: null, events: [] };
}

/** Why a payment that waited for the customer ended without any money moving. */
export type AbandonReason = 'superseded' | 'abandoned';

const ABANDON_DESCRIPTIONS: Record<AbandonReason, string> = {
  superseded: 'The customer chose another way to pay',
  abandoned: 'The customer closed the 3-D Secure page',
};

/** Whether the customer may still walk away from this payment: nothing is charged or held yet. */
export function isAbandonable(payment: PaymentState): boolean {
  return payment.stage === 'awaiting_customer' || (payment.stage === 'awaiting_confirmation' && CONFIRM_BEFORE_CUSTOMER[payment.method]);
}

/**
 * The customer turned to another method (`superseded`) or closed the 3-D Secure page
 * (`abandoned`) while this payment waited for them, or, for FPS and SberPay, while it waited for
 * the merchant's confirmation (they cannot hold money, so nothing was charged). It fails without
 * counting as a failed attempt and the session takes a new payment. The merchant, who was told of
 * it by action_required or ready_to_confirm, gets its payment_finished (failed, with the reason as
 * the code): a ready_to_confirm is never left standing for a payment that no longer exists.
 */
export function abandon(session: SessionState, payment: PaymentState, reason: AbandonReason): Step {
  if (!isAbandonable(payment)) {
    throw new StateConflict(`payment ${payment.id} is ${payment.status} and can no longer be abandoned by the customer`, session.status);
  }
  const step = fail({ session, payment, events: [] }, reason, ABANDON_DESCRIPTIONS[reason], 'retry');
  return { ...step, session: { ...step.session, status: 'created', failedAttempts: session.failedAttempts, closeReason: null } };
}

/** Applies whatever deadline has passed at `t.now`; null when nothing is due. */
export function expire(session: SessionState, payment: PaymentState | null, t: Timing): Step | { session: SessionState; payment: null; events: [] } | null {
  if (payment && payment.stage === 'awaiting_confirmation' && payment.confirmExpiresAt !== null && payment.confirmExpiresAt <= t.now) {
    return fail({ session, payment, events: [] }, 'confirmation_expired', 'The merchant did not confirm in time', 'close');
  }
  if (payment && payment.stage === 'awaiting_customer' && payment.actionExpiresAt !== null && payment.actionExpiresAt <= t.now) {
    return fail({ session, payment, events: [] }, 'expired', 'The customer did not complete the payment in time', 'retry');
  }
  if ((!payment || !isActive(payment)) && session.status === 'created' && session.expiresAt <= t.now) {
    return { session: { ...session, status: 'cancelled', closeReason: 'expired' }, payment: null, events: [] };
  }
  return null;
}

/** Checks a refund against what the payment captured and has refunded; returns the new payment. */
export function refund(session: SessionState, payment: PaymentState | null, amount: number): PaymentState {
  if (!payment || payment.status !== 'succeeded') {
    throw new StateConflict(`session ${session.id} is ${session.status}: only an accepted session can be refunded`, session.status);
  }
  const refundable = payment.amount - payment.refundedAmount;
  if (amount > refundable) {
    throw new StateConflict(
      `refund of ${amount} exceeds what is left to refund on payment ${payment.id} (${refundable} of ${payment.amount} kopecks)`,
      session.status,
    );
  }
  return { ...payment, refundedAmount: payment.refundedAmount + amount };
}

/** Puts a new QR or deep link in front of the customer, replacing an expiring one. */
export function renewCustomerAction(session: SessionState, payment: PaymentState, t: Timing): PaymentState {
  requireAwaitingCustomer(session, payment);
  return { ...payment, actionExpiresAt: t.now + t.actionLifetimeMs };
}

export const nextAction = (payment: PaymentState | null): 'confirm' | null =>
  payment?.stage === 'awaiting_confirmation' ? 'confirm' : null;

function requireAwaitingCustomer(session: SessionState, payment: PaymentState): void {
  if (payment.stage !== 'awaiting_customer') {
    throw new StateConflict(`payment ${payment.id} is ${payment.status} and waits for no customer action`, session.status);
  }
}

function toRail(step: Step, stage: 'starting' | 'capturing', call: RailOp): Step {
  return { ...step, payment: { ...step.payment, status: 'in_progress', stage, actionExpiresAt: null, confirmExpiresAt: null }, call };
}

function awaitConfirmation(step: Step, t: Timing): Step {
  return {
    session: step.session,
    payment: { ...step.payment, status: 'pending', stage: 'awaiting_confirmation', confirmExpiresAt: t.now + t.confirmWindowMs, actionExpiresAt: null },
    events: [...step.events, 'ready_to_confirm'],
  };
}

function awaitCustomer(step: Step, t: Timing): Step {
  return {
    session: step.session,
    payment: { ...step.payment, status: 'in_progress', stage: 'awaiting_customer', actionExpiresAt: t.now + t.actionLifetimeMs, confirmExpiresAt: null },
    events: [...step.events, 'action_required'],
  };
}

function succeed(step: Step): Step {
  return {
    session: { ...step.session, status: 'accepted', closeReason: null },
    payment: { ...step.payment, status: 'succeeded', stage: 'done', actionExpiresAt: null, confirmExpiresAt: null },
    events: [...step.events, 'payment_finished'],
  };
}

/**
 * Fails the payment. `close` ends the session (the merchant cancelled or let the confirmation
 * lapse); `retry` hands it back to the customer unless the payment was merchant-initiated or the
 * session has failed too often.
 */
function fail(step: Step, code: string, description: string, then: 'close' | 'retry'): Step {
  const failedAttempts = step.session.failedAttempts + 1;
  const status =
    then === 'close' ? 'cancelled' : step.payment.method === 'recurrent' || failedAttempts >= MAX_FAILED_PAYMENTS ? 'error' : 'created';
  return {
    session: { ...step.session, status, failedAttempts, closeReason: status === 'created' ? null : code },
    payment: {
      ...step.payment,
      status: 'failed',
      stage: 'done',
      failureCode: code,
      failureDescription: description,
      actionExpiresAt: null,
      confirmExpiresAt: null,
    },
    events: [...step.events, 'payment_finished'],
  };
}
