/**
 * The session service: every change to a session runs here, inside the caller's transaction: it
 * takes the session (`sessions.lock`), applies a transition of the domain machine to what it
 * read, saves the result with the version it read, writes the webhook outbox rows and announces
 * the change (which, once committed, wakes the long-polls on every instance). Deadlines are
 * applied first, on the server clock, so a late request never acts on a session that has
 * already expired.
 *
 * Methods that take a `tx` run inside it; the caller opens it (a merchant call's transaction
 * also holds its idempotency key), usually through `act`. `act`, `current`,
 * `customerAnswer` and `expireDue` open their own.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock';
import { iso, MINUTE_MS } from '../clock';
import { badRequest, conflict, notFound } from '../errors';
import { newId, newSecretId } from '../ids';
import * as machine from '../domain/session-machine';
import type { Confirmation, PaymentMethod, PaymentStage, RailOp, WebhookType } from '../domain/types';
import type { RailPaymentState, RailRefundState } from '../acquirers/port';
import type { Reads, SessionReads, Storage, Tx } from '../store/port';
import type { Project } from '../store/rows';
import type { CardTokenRow } from '../store/rows';
import type { PaymentRow, RefundRow, SessionData, SessionRow } from '../store/rows';
import { renderSession } from './render';
import { actionLifetimeMs, confirmWindowMs } from './windows';
import { CommitOutcomeUnknown, StorageUnavailable } from '../store/errors';
import { asBindingAnswer, bindsWithoutPaying, chargeableBinding, checkBindingInput, isBindingToken, keepBinding } from './bindings';
import { methodOf, paymentDetailsRecord, type PaymentDetailsInput, type StartPaymentInput } from './payment-record';
import { paymentState, sessionState, withPaymentState } from './state';

export type SessionDeps = {
  store: Storage;
  clock: Clock;
  /** Whether the rail is the sandbox: every rendered session says so (`"sandbox": true`). */
  sandbox: boolean;
  /** Called after a commit that wrote webhook rows, so the sender need not wait for its next poll. */
  onWebhookQueued?: () => void;
  /** Called after a commit that asks the rail for something (see PaymentRails.dispatch). */
  onRailCall?: (call: RailCall) => void;
  /** Called in the transaction of every change that leaves a session closed (accepted, cancelled, error): a subscription waits on some. */
  onSessionClosed?: (tx: Tx, project: Project, row: SessionRow) => Promise<void>;
  /** How long a call to the rail may take: past it, its outcome is unknown and the reconciler asks. */
  railTimeoutMs: number;
  sessionLifetimeMinutes: number;
};

/** A call for the rail, made once the transaction that asks for it has committed. */
export type RailCall = { sessionId: string; paymentId: string; op: RailOp } | { sessionId: string; refundId: string };

/** The card shown by a rail's card form: what the customer typed, as brand, last four digits and expiry. */
export type RailCardShown = { brand: string; last4: string; expiry_month: number; expiry_year: number };
/** The `scenario` of a rail's card: the rail decides, not the sandbox issuer. */
export const RAIL_CARD = 'rail';

/** How often a payment that waits for the customer is asked about at the rail, in case its callback was lost. */
export const AWAITING_CUSTOMER_POLL_MS = 20_000;
/** The reconciler's backoff for an unknown outcome: 1 s, 2 s, 4 s … up to a minute, until the rail knows. */
export const reconcileDelayMs = (checks: number) => Math.min(60_000, 1000 * 2 ** Math.min(checks, 6));

export type CreateSessionInput = {
  amount: number;
  currency: string;
  confirmation?: Confirmation;
  lifetimeMinutes?: number;
  webhookUrl?: string;
  linkId?: string;
  orderCheckUrl?: string;
  data: SessionData;
};

const ACTIVE = new Set(['in_progress', 'pending']);
/** Public tokens are stored only as this hash: a copy of the database opens no checkout. */
export const publicTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * The customer a saved card may be offered to or kept for: one that someone vouched for, the
 * merchant's backend (which created the session for its own customer) or Telegram (a verified
 * Mini App user). A value a customer typed on a link page is anybody's claim: null.
 */
export function vouchedCustomer(session: SessionRow): string | null {
  return vouchedReference((JSON.parse(session.data_json) as SessionData).customer);
}

function vouchedReference(customer: SessionData['customer']): string | null {
  return customer?.reference && customer.verified !== false ? customer.reference : null;
}

export class SessionService {
  constructor(private readonly d: SessionDeps) {}

  async create(tx: Tx, project: Project, input: CreateSessionInput): Promise<SessionRow> {
    const now = this.d.clock.now();
    const row: SessionRow = {
      id: newId('ps'),
      project: project.name,
      status: 'created',
      version: 1,
      amount: input.amount,
      currency: input.currency,
      confirmation: input.confirmation ?? project.confirmation,
      customer_reference: input.data.customer?.reference ?? null,
      webhook_url: input.webhookUrl ?? null,
      failed_attempts: 0,
      close_reason: null,
      data_json: JSON.stringify(input.data),
      expires_at: now + (input.lifetimeMinutes ?? this.d.sessionLifetimeMinutes) * MINUTE_MS,
      created_at: now,
      updated_at: now,
      link_id: input.linkId ?? null,
      order_check_url: input.orderCheckUrl ?? null,
    };
    await tx.sessions.insert(row);
    return row;
  }

  /** The session of this project, taken for the transaction, with any passed deadline applied; 404 for another project's. */
  async load(tx: Tx, project: Project, sessionId: string): Promise<SessionRow> {
    return (await this.take(tx, project, sessionId)).row;
  }

  /** `load`, with the payment still running once the deadlines are applied. */
  private async take(tx: Tx, project: Project, sessionId: string): Promise<Settled> {
    const row = await tx.sessions.lock(sessionId);
    if (!row || row.project !== project.name) throw notFound('session', sessionId);
    return this.settle(tx, row, project);
  }

  /**
   * The session as committed, for a read: its passed deadlines applied (in a transaction of
   * their own, only when one has passed). Undefined when it does not exist.
   */
  async current(sessionId: string): Promise<Settled | undefined> {
    const row = await this.d.store.sessions.get(sessionId);
    if (!row) return undefined;
    const latest = (await this.d.store.sessions.latestPayment(row.id)) ?? null;
    const payment = running(latest);
    if (!this.isDue(row, payment)) return { row, payment, latest };
    return this.d.store.transaction(async (tx) => {
      const locked = (await tx.sessions.lock(sessionId))!;
      return this.settle(tx, locked, await this.project(tx, locked.project));
    });
  }

  /**
   * Runs an action on a session in a transaction. The transaction applies passed deadlines first
   * (`load`); if the action is then refused, all of it rolls back, so the deadlines are applied
   * again in a transaction of their own before the refusal reaches the caller: an expiry that
   * the action tripped over (a confirm after the window) is committed all the same.
   */
  async act<T>(sessionId: string, action: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await this.d.store.transaction(action);
    } catch (error) {
      // Not when the database itself failed: that would only wait for it to fail again.
      if (!(error instanceof StorageUnavailable || error instanceof CommitOutcomeUnknown)) {
        await this.current(sessionId).catch(() => {}); // applies them; the refusal is the answer, whatever this meets
      }
      throw error;
    }
  }

  render(reads: Pick<Reads, 'sessions' | 'cards' | 'bindings'>, row: SessionRow) {
    return renderSession(row, reads, this.d.sandbox);
  }

  /**
   * Starts a payment. `byCustomer`: the customer started it in the widget, so a payment that
   * nothing was charged for yet (see `machine.isAbandonable`) is replaced (they switched
   * methods), and a card token must come from this session's own card form (a customer cannot
   * carry tokens between sessions, to dodge a session's limits, say). The merchant's signed calls
   * may charge any token of their project.
   */
  async startPayment(tx: Tx, project: Project, sessionId: string, input: StartPaymentInput, opts: { byCustomer?: boolean } = {}): Promise<SessionRow> {
    const taken = await this.take(tx, project, sessionId);
    let row = taken.row;
    const waiting = opts.byCustomer ? taken.payment : null;
    if (waiting && machine.isAbandonable(paymentState(waiting))) {
      row = await this.commit(tx, project, row, waiting, machine.abandon(sessionState(row), paymentState(waiting), 'superseded'));
    }
    const method = methodOf(input.payment_details);
    const d = input.payment_details;
    checkBindingInput(row, input);
    // SberPay keeps nothing to charge later: a session that must keep the means of payment (a subscription's) is paid otherwise.
    if (method === 'sberpay' && (JSON.parse(row.data_json) as SessionData).payment_options?.recurrent === true) {
      throw badRequest('payment_details.type', 'this session keeps the means of payment for later charges (payment_options.recurrent): pay it by card or faster_payment_system, which can recur');
    }
    const binding = d.type === 'recurrent' && isBindingToken(d.recurrent.token) ? await chargeableBinding(tx, project, d.recurrent.token) : null;
    const card = binding ? null : await this.cardFor(tx, project, row, d, opts.byCustomer === true);
    const now = this.d.clock.now();
    const payment: PaymentRow = {
      id: newSecretId('pm'),
      session_id: row.id,
      status: 'in_progress',
      method,
      stage: 'awaiting_customer',
      amount: row.amount,
      currency: row.currency,
      refunded_amount: 0,
      card_token: card?.id ?? null,
      rail_ref: null,
      details_json: JSON.stringify(paymentDetailsRecord(row, input, card, binding)),
      rail_op: null,
      reconcile_at: null,
      rail_checks: 0,
      interaction_json: null,
      failure_code: null,
      failure_description: null,
      action_expires_at: null,
      confirm_expires_at: null,
      created_at: now,
      updated_at: now,
    };
    const step = machine.beginPayment(sessionState(row), paymentState(payment), this.timing(project, method));
    if (method === 'card' && card && !(await tx.cards.markUsed(card.id, now))) {
      throw conflict(`card token ${card.id} was already used for a payment: tokenise the card again`);
    }
    await tx.sessions.insertPayment(payment);
    return this.commit(tx, project, row, payment, step);
  }

  /** The customer closed the 3-D Secure page (or left a QR): the waiting payment ends, the methods come back. */
  abandon(tx: Tx, project: Project, sessionId: string, paymentId: string): Promise<SessionRow> {
    return this.transition(tx, project, sessionId, (s, p) => {
      if (!p || p.id !== paymentId) throw new machine.StateConflict(`payment ${paymentId} is not the one waiting for the customer`, s.status);
      return machine.abandon(s, p, 'abandoned');
    });
  }

  /** The customer removes their saved card: it is no longer offered for one-tap payment. */
  /**
   * A token of the rail's own card form, recorded on its first use so the payment can name it,
   * with the card as that form showed it to the customer (`shown`). A token already known is left
   * as it is: startPayment checks it as any other (its session, whether it was used).
   */
  async recordRailCard(tx: Tx, project: Project, sessionId: string, token: string, shown: RailCardShown | undefined): Promise<void> {
    if (await tx.cards.get(token)) return;
    if (!shown) throw badRequest('card', "a token from the bank's card form needs the card as the form showed it: brand, last4, expiry_month and expiry_year");
    const row: CardTokenRow = { id: token, project: project.name, session_id: sessionId, ...shown, holder: null, scenario: RAIL_CARD, recurrent: 0, recurrent_at: null, used_at: null, disabled_at: null, created_at: this.d.clock.now() };
    await tx.cards.insert(row);
  }

  async forgetSavedCard(tx: Tx, project: Project, sessionId: string): Promise<SessionRow> {
    const row = await this.load(tx, project, sessionId);
    const reference = vouchedCustomer(row);
    if (!reference || !(await tx.cards.lastCard(project.name, reference))) throw conflict(`session ${row.id} has no saved card to remove`);
    const now = this.d.clock.now();
    await tx.cards.forgetLastCard(project.name, reference, now);
    await tx.sessions.touch(row.id, row.version, now);
    return this.afterChange(tx, project, touched(row, now), []);
  }

  confirm(tx: Tx, project: Project, sessionId: string): Promise<SessionRow> {
    return this.transition(tx, project, sessionId, (s, p) => machine.confirm(s, p));
  }

  cancel(tx: Tx, project: Project, sessionId: string): Promise<SessionRow> {
    return this.transition(tx, project, sessionId, (s, p) => machine.cancel(s, p));
  }

  /**
   * Refunds `amount` kopecks (all that is left when omitted) of the session's captured payment: the
   * refund is `pending`, its amount held against what may still be refunded, until the rail
   * answers (`refundAnswered`); its payment_refunded webhook follows the rail's answer.
   */
  async refund(tx: Tx, project: Project, sessionId: string, amount: number | undefined, currency: string | undefined): Promise<SessionRow> {
    const row = await this.load(tx, project, sessionId);
    if (bindsWithoutPaying(row)) throw conflict(`session ${row.id} binds an FPS account and takes no money: there is nothing to refund (to stop charging the account, recurrent/disable its token)`);
    const payment = (await tx.sessions.payments(row.id)).find((p) => p.status === 'succeeded') ?? null;
    if (currency && payment && currency !== payment.currency) {
      throw conflict(`refund currency ${currency} differs from the payment's ${payment.currency}`);
    }
    const left = payment ? payment.amount - payment.refunded_amount : 0;
    if (payment && left === 0) throw conflict(`payment ${payment.id} is already fully refunded (or its refunds are pending at the bank)`);
    const refunded = machine.refund(sessionState(row), payment && paymentState(payment), amount ?? left);
    const now = this.d.clock.now();
    const refund = this.pendingRefund(payment!, amount ?? left, now);
    await tx.sessions.updatePayment(withPaymentState(payment!, refunded, now));
    await tx.sessions.insertRefund(refund);
    await tx.sessions.touch(row.id, row.version, now);
    this.callRail(tx, { sessionId: row.id, refundId: refund.id });
    return this.afterChange(tx, project, touched(row, now), []);
  }

  /** The rail's answer about a pending refund: it succeeds (payment_refunded) or fails (its amount may be refunded again); told twice, once. */
  async refundAnswered(tx: Tx, refundId: string, answer: RailRefundState | null): Promise<void> {
    const known = await tx.sessions.refund(refundId);
    if (!known) throw notFound('refund', refundId);
    const payment = (await tx.sessions.payment(known.payment_id))!;
    const row = (await tx.sessions.lock(payment.session_id))!;
    const refund = (await tx.sessions.refund(refundId))!;
    if (refund.status !== 'pending') return;
    const now = this.d.clock.now();
    if (!answer || answer.state === 'processing' || answer.state === 'not_found') {
      // Unknown, or still under way; not_found: it never reached the rail, so it is sent again (the same id: never twice).
      await tx.sessions.updateRefund({ ...refund, reconcile_at: now + reconcileDelayMs(refund.rail_checks), updated_at: now });
      if (answer?.state === 'not_found') this.callRail(tx, { sessionId: row.id, refundId });
      return;
    }
    const project = await this.project(tx, row.project);
    if (answer.state === 'failed') {
      await tx.sessions.updateRefund({ ...refund, status: 'failed', failure_code: answer.code, failure_description: answer.description, reconcile_at: null, updated_at: now });
      const latest = (await tx.sessions.payment(payment.id))!;
      await tx.sessions.updatePayment({ ...latest, refunded_amount: latest.refunded_amount - refund.amount, updated_at: now });
      await tx.sessions.touch(row.id, row.version, now);
      await this.afterChange(tx, project, touched(row, now), []);
      return;
    }
    await tx.sessions.updateRefund({ ...refund, status: 'succeeded', reconcile_at: null, updated_at: now });
    await tx.sessions.touch(row.id, row.version, now);
    await this.afterChange(tx, project, touched(row, now), ['payment_refunded']);
  }

  /** A new public token for the widget and hosted page. Only its hash is stored. */
  async issuePublicToken(tx: Tx, project: Project, sessionId: string): Promise<string> {
    const row = await this.load(tx, project, sessionId);
    const token = `pt_${randomBytes(24).toString('base64url')}`;
    await tx.sessions.insertPublicToken(publicTokenHash(token), row.id, this.d.clock.now());
    return token;
  }

  /**
   * What the rail said of a payment: the answer to `op`, its callback, or what reconciliation
   * learnt. Applied once: an answer that changes nothing (told twice, or about a stage left
   * already) only re-arms the reconciler. A payment that ended here while the rail could still
   * take the money is being withdrawn there (`void`); if the rail took it all the same, it is
   * refunded in full.
   */
  async railAnswered(tx: Tx, paymentId: string, told: RailPaymentState | null, op?: RailOp): Promise<void> {
    const known = await tx.sessions.payment(paymentId);
    if (!known) throw notFound('payment', paymentId);
    const locked = (await tx.sessions.lock(known.session_id))!;
    const project = await this.project(tx, locked.project);
    const { row } = await this.settle(tx, locked, project);
    const payment = (await tx.sessions.payment(paymentId))!;
    const answer = asBindingAnswer(payment, told);
    const asked = op ?? payment.rail_op ?? 'start';
    const now = this.d.clock.now();
    if (payment.status === 'succeeded' || payment.status === 'failed') return this.endedHere(tx, project, row, payment, answer);
    const step = answer && machine.railAnswered(sessionState(row), paymentState(payment), asked, answer, this.timing(project, payment.method));
    if (!step) {
      // Nothing new: ask again later (a lost answer sooner, a customer who may have paid unseen every AWAITING_CUSTOMER_POLL_MS).
      const unknown = !answer && (payment.stage === 'starting' || payment.stage === 'capturing');
      await tx.sessions.updatePayment({ ...payment, stage: unknown ? 'unknown' : payment.stage, reconcile_at: nextCheckAt(payment.stage, payment.rail_checks, now), updated_at: now });
      if (unknown) {
        await tx.sessions.touch(row.id, row.version, now);
        await this.afterChange(tx, project, touched(row, now), []);
      }
      return;
    }
    await this.commit(tx, project, row, payment, step, answer);
  }

  /** A payment that ended here, and what the rail says of it now: withdrawn (done), still to withdraw, or taken after all (refunded). */
  private async endedHere(tx: Tx, project: Project, row: SessionRow, payment: PaymentRow, answer: RailPaymentState | null): Promise<void> {
    const now = this.d.clock.now();
    const lateCapture = payment.status === 'failed' && answer?.state === 'captured';
    if (lateCapture && bindsWithoutPaying(payment)) {
      // No money to give back, but an account bound for a binding the merchant was told failed: recorded, never charged.
      console.warn(`payment ${payment.id}: the bank bound the account after the binding had failed here; it is recorded disabled and never charged`);
      await keepBinding(tx, project, payment, answer, now, { unusable: true });
      await tx.sessions.updatePayment({ ...payment, reconcile_at: null, updated_at: now });
      return;
    }
    if (lateCapture && payment.refunded_amount === 0) {
      // The customer's money was taken for a payment the merchant was told failed: it goes back at once.
      console.warn(`payment ${payment.id}: the rail took the money after the payment had failed here; refunding it in full`);
      const refund = this.pendingRefund(payment, payment.amount, now);
      await tx.sessions.insertRefund(refund);
      await tx.sessions.updatePayment({ ...payment, refunded_amount: payment.amount, reconcile_at: null, updated_at: now });
      this.callRail(tx, { sessionId: row.id, refundId: refund.id });
      return;
    }
    if (payment.reconcile_at === null) return;
    const settled = !answer ? false : answer.state === 'voided' || answer.state === 'declined' || answer.state === 'not_found' || answer.state === 'captured';
    await tx.sessions.updatePayment({ ...payment, reconcile_at: settled ? null : now + reconcileDelayMs(payment.rail_checks), updated_at: now });
  }

  /**
   * Takes a payment whose `reconcile_at` has come for one reconciliation: pushes it on by the
   * lease (so no other instance asks at the same time) and counts the check. Null when another
   * instance holds the session, or it no longer needs asking.
   */
  async claimForReconcile(tx: Tx, paymentId: string): Promise<{ session: SessionRow; payment: PaymentRow; project: Project } | null> {
    const known = await tx.sessions.payment(paymentId);
    if (!known) return null;
    const session = await tx.sessions.lock(known.session_id, { skipLocked: true });
    if (!session) return null;
    const payment = (await tx.sessions.payment(paymentId))!;
    const now = this.d.clock.now();
    if (payment.reconcile_at === null || payment.reconcile_at > now || !payment.rail_op) return null;
    const claimed = { ...payment, reconcile_at: this.leaseUntil(now), rail_checks: payment.rail_checks + 1 };
    await tx.sessions.updatePayment(claimed);
    return { session, payment: claimed, project: await this.project(tx, session.project) };
  }

  /** The same for a pending refund. */
  async claimRefundForReconcile(tx: Tx, refundId: string): Promise<{ session: SessionRow; payment: PaymentRow; refund: RefundRow } | null> {
    const known = await tx.sessions.refund(refundId);
    if (!known) return null;
    const payment = (await tx.sessions.payment(known.payment_id))!;
    const session = await tx.sessions.lock(payment.session_id, { skipLocked: true });
    if (!session) return null;
    const refund = (await tx.sessions.refund(refundId))!;
    const now = this.d.clock.now();
    if (refund.status !== 'pending' || refund.reconcile_at === null || refund.reconcile_at > now) return null;
    const claimed = { ...refund, reconcile_at: this.leaseUntil(now), rail_checks: refund.rail_checks + 1, updated_at: now };
    await tx.sessions.updateRefund(claimed);
    return { session, payment, refund: claimed };
  }

  /** Pending refunds of a payment are asked about now (the rail said they changed). */
  async reconcileRefundsNow(tx: Tx, paymentId: string): Promise<void> {
    const now = this.d.clock.now();
    for (const refund of await tx.sessions.refunds(paymentId)) {
      if (refund.status === 'pending') await tx.sessions.updateRefund({ ...refund, reconcile_at: now, updated_at: now });
    }
  }

  /** Sends the SberPay push (to the sandbox inbox) for the payment waiting for the customer. */
  /** The SberPay payment waiting for the customer, and the phone to push to (given, or its sber_pay.phone): PaymentRails.sberPayPush sends it. */
  async sberPayPushable(tx: Tx, project: Project, sessionId: string, phone: string | undefined): Promise<{ session: SessionRow; payment: PaymentRow; phone: string }> {
    const { row, payment } = await this.take(tx, project, sessionId);
    if (!payment || payment.method !== 'sberpay' || payment.stage !== 'awaiting_customer') {
      throw conflict(`session ${row.id} is ${row.status} and has no SberPay payment waiting for the customer: push after action_required`);
    }
    const details = JSON.parse(payment.details_json) as { payment_details: { internet_banking: { sber_pay: { phone?: string } } } };
    const to = phone ?? details.payment_details.internet_banking.sber_pay.phone;
    if (!to) throw badRequest('phone', "phone is required: the payment's sber_pay has no phone to default to");
    return { session: row, payment, phone: to };
  }

  /** The payment whose QR or deep link the customer asks to renew: it must be waiting for them. */
  async renewable(tx: Tx, project: Project, sessionId: string): Promise<{ session: SessionRow; payment: PaymentRow }> {
    const { row, payment } = await this.take(tx, project, sessionId);
    if (!payment || payment.stage !== 'awaiting_customer') throw conflict(`session ${row.id} is ${row.status} and shows the customer nothing to renew`);
    return { session: row, payment };
  }

  /** Puts the rail's fresh QR or deep link in front of the customer (new reference, new lifetime). */
  async renewed(tx: Tx, project: Project, sessionId: string, paymentId: string, answer: RailPaymentState): Promise<SessionRow> {
    const { row, payment } = await this.take(tx, project, sessionId);
    if (!payment || payment.id !== paymentId || answer.state !== 'awaiting_customer') {
      throw conflict(`session ${row.id} is ${row.status}: its payment ended while the bank renewed the QR`);
    }
    const renewed = machine.renewCustomerAction(sessionState(row), paymentState(payment), this.timing(project, payment.method));
    const now = this.d.clock.now();
    await tx.sessions.updatePayment({ ...withPaymentState(payment, renewed, now), rail_ref: answer.railRef, interaction_json: JSON.stringify(answer.interaction) });
    await tx.sessions.touch(row.id, row.version, now);
    return this.afterChange(tx, project, touched(row, now), ['action_required']);
  }

  /**
   * Applies every deadline that has passed; the scheduler calls this every second, on every
   * instance. A session another instance is settling right now is skipped (it holds the row):
   * each deadline is applied once, by whoever takes the row first.
   */
  async expireDue(): Promise<number> {
    const ids = await this.d.store.sessions.dueForExpiry(this.d.clock.now());
    let applied = 0;
    for (const id of ids) {
      await this.d.store.transaction(async (tx) => {
        const row = await tx.sessions.lock(id, { skipLocked: true });
        if (!row) return;
        const settled = await this.settle(tx, row, await this.project(tx, row.project));
        if (settled.row.version !== row.version) applied++;
      });
    }
    return applied;
  }

  activePayment(reads: SessionReads, sessionId: string): Promise<PaymentRow | null> {
    return activePayment(reads, sessionId);
  }

  private async project(reads: Pick<Reads, 'projects'>, name: string): Promise<Project> {
    const project = await reads.projects.get(name);
    if (!project) throw new Error(`project ${name} vanished`);
    return project;
  }

  private timing(project: Project, method: PaymentMethod): machine.Timing {
    return {
      now: this.d.clock.now(),
      confirmWindowMs: confirmWindowMs(method, project),
      actionLifetimeMs: actionLifetimeMs(method, project),
    };
  }

  private static readonly NO_WINDOWS = { confirmWindowMs: 0, actionLifetimeMs: 0 };

  /** Whether a deadline of the session has passed (so a read must apply it before answering). */
  private isDue(row: SessionRow, payment: PaymentRow | null): boolean {
    return machine.expire(sessionState(row), payment && paymentState(payment), { now: this.d.clock.now(), ...SessionService.NO_WINDOWS }) !== null;
  }

  /** Applies every passed deadline: an expired QR can hand back a session that has itself expired. */
  private async settle(tx: Tx, row: SessionRow, project: Project): Promise<Settled> {
    for (;;) {
      const latest = (await tx.sessions.latestPayment(row.id)) ?? null;
      const payment = running(latest);
      const step = machine.expire(sessionState(row), payment && paymentState(payment), { now: this.d.clock.now(), ...SessionService.NO_WINDOWS });
      if (!step) return { row, payment, latest };
      row = await this.commit(tx, project, row, payment, step);
    }
  }

  private async transition(
    tx: Tx,
    project: Project,
    sessionId: string,
    apply: (s: ReturnType<typeof sessionState>, p: ReturnType<typeof paymentState> | null, t: machine.Timing) => machine.Step | { session: ReturnType<typeof sessionState>; payment: null; events: [] },
  ): Promise<SessionRow> {
    const { row, payment } = await this.take(tx, project, sessionId);
    const step = apply(sessionState(row), payment && paymentState(payment), this.timing(project, payment?.method ?? 'card'));
    return this.commit(tx, project, row, payment, step);
  }

  private async commit(
    tx: Tx,
    project: Project,
    row: SessionRow,
    payment: PaymentRow | null,
    step: { session: ReturnType<typeof sessionState>; payment: ReturnType<typeof paymentState> | null; events: WebhookType[]; call?: RailOp },
    answer?: RailPaymentState | null,
  ): Promise<SessionRow> {
    const now = this.d.clock.now();
    const update = { id: row.id, status: step.session.status, failed_attempts: step.session.failedAttempts, close_reason: step.session.closeReason, updated_at: now };
    await tx.sessions.update(update, row.version);
    if (payment && step.payment) {
      const saved = { ...withPaymentState(payment, step.payment, now), ...this.railFields(tx, row.id, payment, { ...step, payment: step.payment }, answer) };
      await tx.sessions.updatePayment(saved);
      if (saved.status === 'succeeded') {
        await this.rememberCard(tx, project, row, saved);
        await keepBinding(tx, project, saved, answer, now);
      }
    }
    return this.afterChange(tx, project, { ...row, ...update, version: row.version + 1 }, step.events);
  }

  /**
   * What a transition means for the rail: the call it asks for (leased until the call's timeout
   * has passed, so a crash mid-call is reconciled), when to ask the rail next, and the rail's own
   * reference and customer interaction from its answer. A payment that ended here while the rail
   * held it or showed the customer something is withdrawn there (`void`).
   */
  private railFields(tx: Tx, sessionId: string, before: PaymentRow, step: machine.Step, answer: RailPaymentState | null | undefined): Partial<PaymentRow> {
    const now = this.d.clock.now();
    const fields: Partial<PaymentRow> = {};
    if (answer && 'railRef' in answer && answer.railRef) fields.rail_ref = answer.railRef;
    if (answer?.state === 'awaiting_customer') fields.interaction_json = JSON.stringify(answer.interaction);
    const call = step.call ?? (this.heldAtTheRail(before) && step.payment.status === 'failed' && !answer ? 'void' : undefined);
    if (call) {
      this.callRail(tx, { sessionId, paymentId: before.id, op: call });
      return { ...fields, rail_op: call, reconcile_at: call === 'void' ? now : this.leaseUntil(now), rail_checks: 0 };
    }
    return { ...fields, reconcile_at: nextCheckAt(step.payment.stage, before.rail_checks, now) };
  }

  /** Until when a call made now is leased to its caller: past its timeout, by when its answer is recorded or its caller died. */
  private leaseUntil(now: number): number {
    return now + this.d.railTimeoutMs + RAIL_LEASE_MARGIN_MS;
  }

  /** A refund of `amount` sent to the rail now (leased like any call), pending until it answers. */
  private pendingRefund(payment: PaymentRow, amount: number, now: number): RefundRow {
    return {
      id: newId('rf'),
      payment_id: payment.id,
      amount,
      currency: payment.currency,
      status: 'pending',
      failure_code: null,
      failure_description: null,
      reconcile_at: this.leaseUntil(now),
      rail_checks: 0,
      created_at: now,
      updated_at: now,
    };
  }

  /** Whether the rail has the payment in hand (a hold, or a QR or page the customer may still answer). */
  private heldAtTheRail(p: PaymentRow): boolean {
    return p.rail_op !== null && (p.stage === 'awaiting_customer' || p.stage === 'awaiting_confirmation');
  }

  /** Asks for a rail call once this transaction has committed. */
  private callRail(tx: Tx, call: RailCall): void {
    tx.afterCommit(() => this.d.onRailCall?.(call));
  }

  /** Writes the outbox rows of `events` with the session as it now is (`row`, as written), and announces the change. */
  private async afterChange(tx: Tx, project: Project, row: SessionRow, events: WebhookType[]): Promise<SessionRow> {
    await this.queueWebhooks(tx, project, row, events);
    if (row.status === 'accepted' || row.status === 'cancelled' || row.status === 'error') await this.d.onSessionClosed?.(tx, project, row);
    tx.sessionChanged(row.id);
    return row;
  }

  private async queueWebhooks(tx: Tx, project: Project, row: SessionRow, events: WebhookType[]): Promise<void> {
    if (!events.length) return;
    const now = this.d.clock.now();
    const url = row.webhook_url ?? project.webhookUrl;
    const session = await this.render(tx, row);
    for (const type of events) {
      await tx.outbox.insert({ id: newId('evt'), project: project.name, session_id: row.id, type, url, payload_json: JSON.stringify({ type, created_at: iso(now), session }), created_at: now });
    }
    tx.afterCommit(() => this.d.onWebhookQueued?.());
  }

  /**
   * The customer revoked an FPS account binding in their bank app (the rail says so): it is
   * inactive from now on, and the merchant hears it as `recurrent_disabled` with the session that
   * made it (whose payment's `recurrent.is_active` is now false). Told twice, it changes nothing.
   */
  async bindingRevoked(tx: Tx, railRef: string): Promise<void> {
    const binding = await tx.bindings.byRailRef(railRef);
    if (!binding || !(await tx.bindings.disable(binding.id, this.d.clock.now(), 'bank'))) return;
    const row = (await tx.sessions.get(binding.session_id))!;
    await this.queueWebhooks(tx, await this.project(tx, row.project), row, ['recurrent_disabled']);
  }

  /**
   * Keeps a card for the customer's next one-tap payment only when they agreed to it (the widget's
   * "remember this card" box, or the merchant's own form through payment_options.save_card) and
   * someone vouched for who they are (see `vouchedCustomer`).
   */
  private async rememberCard(tx: Tx, project: Project, session: SessionRow, payment: PaymentRow): Promise<void> {
    if (!payment.card_token || payment.method === 'recurrent') return;
    const details = JSON.parse(payment.details_json) as { payment_options?: { recurrent?: boolean; save_card?: boolean }; customer?: SessionData['customer'] };
    if (details.payment_options?.recurrent) await tx.cards.setRecurrent(payment.card_token, this.d.clock.now());
    if (payment.method === 'saved_card' || details.payment_options?.save_card !== true) return;
    // The payment's customer, which session/start/payment may have given, else the session's.
    const reference = details.customer?.reference ? vouchedReference(details.customer) : vouchedCustomer(session);
    if (reference) await tx.cards.rememberLastCard(project.name, reference, payment.card_token, this.d.clock.now());
  }

  private async cardFor(tx: Tx, project: Project, session: SessionRow, details: PaymentDetailsInput, byCustomer: boolean): Promise<CardTokenRow | null> {
    if (details.type === 'saved_card') {
      const reference = vouchedCustomer(session);
      const card = reference ? await tx.cards.lastCard(project.name, reference) : undefined;
      if (!card) throw conflict(`session ${session.id} has no saved card: its customer has not paid by card before`);
      return card;
    }
    const token = details.type === 'card' ? details.card.token : details.type === 'recurrent' ? details.recurrent.token : null;
    if (!token) return null;
    const card = await tx.cards.get(token);
    if (!card || card.project !== project.name) throw notFound('card token', token);
    if (byCustomer && details.type === 'card' && card.session_id !== session.id) {
      throw conflict(`card token ${token} was made on another session's card form: tokenise the card on this session's page (the widget does)`);
    }
    if (card.disabled_at !== null) throw conflict(`card token ${token} was disabled: ask the customer to pay by card again`);
    if (details.type === 'recurrent' && !card.recurrent) {
      throw conflict(`card token ${token} is not a recurrent token: pay once with payment_options.recurrent = true to get one`);
    }
    return card;
  }
}

/** How long past a call's timeout its lease lasts: by then the caller has recorded its answer, or died. */
const RAIL_LEASE_MARGIN_MS = 5_000;

/**
 * When the rail is next asked about a payment in `stage` without a call under way: soon, with
 * backoff, while its outcome is unknown; every AWAITING_CUSTOMER_POLL_MS while it waits for the
 * customer (a callback may be lost); never otherwise.
 */
function nextCheckAt(stage: PaymentStage, checks: number, now: number): number | null {
  if (stage === 'awaiting_customer') return now + AWAITING_CUSTOMER_POLL_MS;
  return stage === 'starting' || stage === 'capturing' || stage === 'unknown' ? now + reconcileDelayMs(checks) : null;
}

/** A session with its passed deadlines applied, the payment it still runs (if any) and its latest, running or not. */
export type Settled = { row: SessionRow; payment: PaymentRow | null; latest: PaymentRow | null };

/** The session as `touch` leaves it: a new version, nothing else changed but the time. */
const touched = (row: SessionRow, now: number): SessionRow => ({ ...row, version: row.version + 1, updated_at: now });

/** The payment that is still running (waits for the customer, the bank or the merchant), if any. */
async function activePayment(reads: SessionReads, sessionId: string): Promise<PaymentRow | null> {
  return running((await reads.latestPayment(sessionId)) ?? null);
}

/** The latest payment if it is still running: only the latest one can be. */
const running = (latest: PaymentRow | null): PaymentRow | null => (latest && ACTIVE.has(latest.status) ? latest : null);
