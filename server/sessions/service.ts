/**
 * The session service: every change to a session runs here, inside the caller's transaction,
 * and is written the one way writer.ts writes them: it takes the session (`sessions.lock`),
 * applies a transition of the domain machine to what it read, saves the result with the version
 * it read, writes the webhook outbox rows and announces the change (which, once committed, wakes
 * the long-polls on every instance). Deadlines are applied first, on the server clock, so a late
 * request never acts on a session that has already expired.
 *
 * Methods that take a `tx` run inside it; the caller opens it (a merchant call's transaction
 * also holds its idempotency key), usually through `act`. `act`, `current` and `expireDue` open
 * their own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { MINUTE_MS } from '../clock';
import { badRequest, conflict, notFound } from '../errors';
import { newId } from '../ids';
import * as machine from '../domain/session-machine';
import type { Confirmation, RailOp } from '../domain/types';
import type { RailPaymentState, RailRefundState } from '../acquirers/port';
import type { Reads, SessionReads, Storage, Tx } from '../store/port';
import type { PaymentRow, Project, RefundRow, SessionData, SessionRow } from '../store/rows';
import { renderSession } from './render';
import { CommitOutcomeUnknown, StorageUnavailable } from '../store/errors';
import { asBindingAnswer, bindsWithoutPaying, chargeableBinding, checkBindingInput, isBindingToken, keepBinding } from './bindings';
import { cardFor, recordRailCard, savedCardOwner, type RailCardShown } from './cards';
import { methodOf, startedPayment, type StartPaymentInput } from './payment-record';
import { leaseUntil, nextCheckAt, reconcileDelayMs } from './rail-schedule';
import { activePayment, paymentState, running, sessionState, touched, withPaymentState } from './state';
import { SessionWriter, type Settled, type SessionWriterDeps } from './writer';

export type SessionDeps = SessionWriterDeps & {
  store: Storage;
  sessionLifetimeMinutes: number;
};

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

/** Public tokens are stored only as this hash: a copy of the database opens no checkout. */
export const publicTokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export class SessionService {
  private readonly writer: SessionWriter;

  constructor(private readonly d: SessionDeps) {
    this.writer = new SessionWriter(d);
  }

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
    return (await this.writer.take(tx, project, sessionId)).row;
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
    if (!this.writer.isDue(row, payment)) return { row, payment, latest };
    return this.d.store.transaction(async (tx) => {
      const locked = (await tx.sessions.lock(sessionId))!;
      return this.writer.settle(tx, locked, await this.writer.project(tx, locked.project));
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
    const taken = await this.writer.take(tx, project, sessionId);
    let row = taken.row;
    const waiting = opts.byCustomer ? taken.payment : null;
    if (waiting && machine.isAbandonable(paymentState(waiting))) {
      row = await this.writer.commit(tx, project, row, waiting, machine.abandon(sessionState(row), paymentState(waiting), 'superseded'));
    }
    const method = methodOf(input.payment_details);
    const d = input.payment_details;
    checkBindingInput(row, input);
    // SberPay keeps nothing to charge later: a session that must keep the means of payment (a subscription's) is paid otherwise.
    if (method === 'sberpay' && (JSON.parse(row.data_json) as SessionData).payment_options?.recurrent === true) {
      throw badRequest('payment_details.type', 'this session keeps the means of payment for later charges (payment_options.recurrent): pay it by card or faster_payment_system, which can recur');
    }
    const binding = d.type === 'recurrent' && isBindingToken(d.recurrent.token) ? await chargeableBinding(tx, project, d.recurrent.token) : null;
    const card = binding ? null : await cardFor(tx, project, row, d, opts.byCustomer === true);
    const now = this.d.clock.now();
    const payment = startedPayment(row, method, input, card, binding, now);
    const step = machine.beginPayment(sessionState(row), paymentState(payment), this.writer.timing(project, method));
    if (method === 'card' && card && !(await tx.cards.markUsed(card.id, now))) {
      throw conflict(`card token ${card.id} was already used for a payment: tokenise the card again`);
    }
    await tx.sessions.insertPayment(payment);
    return this.writer.commit(tx, project, row, payment, step);
  }

  /** The customer closed the 3-D Secure page (or left a QR): the waiting payment ends, the methods come back. */
  abandon(tx: Tx, project: Project, sessionId: string, paymentId: string): Promise<SessionRow> {
    return this.writer.transition(tx, project, sessionId, (s, p) => {
      if (!p || p.id !== paymentId) throw new machine.StateConflict(`payment ${paymentId} is not the one waiting for the customer`, s.status);
      return machine.abandon(s, p, 'abandoned');
    });
  }

  /** Records a token of the rail's own card form on its first use (see cards.ts's `recordRailCard`). */
  recordRailCard(tx: Tx, project: Project, sessionId: string, token: string, shown: RailCardShown | undefined): Promise<void> {
    return recordRailCard(tx, project, sessionId, token, shown, this.d.clock);
  }

  /** The customer removes their saved card: it is no longer offered for one-tap payment. */
  async forgetSavedCard(tx: Tx, project: Project, sessionId: string): Promise<SessionRow> {
    const row = await this.load(tx, project, sessionId);
    const reference = await savedCardOwner(tx, project, row);
    const now = this.d.clock.now();
    await tx.cards.forgetLastCard(project.name, reference, now);
    await tx.sessions.touch(row.id, row.version, now);
    return this.writer.afterChange(tx, project, touched(row, now), []);
  }

  confirm(tx: Tx, project: Project, sessionId: string): Promise<SessionRow> {
    return this.writer.transition(tx, project, sessionId, (s, p) => machine.confirm(s, p));
  }

  cancel(tx: Tx, project: Project, sessionId: string): Promise<SessionRow> {
    return this.writer.transition(tx, project, sessionId, (s, p) => machine.cancel(s, p));
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
    this.writer.callRail(tx, { sessionId: row.id, refundId: refund.id });
    return this.writer.afterChange(tx, project, touched(row, now), []);
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
      if (answer?.state === 'not_found') this.writer.callRail(tx, { sessionId: row.id, refundId });
      return;
    }
    const project = await this.writer.project(tx, row.project);
    if (answer.state === 'failed') {
      await tx.sessions.updateRefund({ ...refund, status: 'failed', failure_code: answer.code, failure_description: answer.description, reconcile_at: null, updated_at: now });
      const latest = (await tx.sessions.payment(payment.id))!;
      await tx.sessions.updatePayment({ ...latest, refunded_amount: latest.refunded_amount - refund.amount, updated_at: now });
      await tx.sessions.touch(row.id, row.version, now);
      await this.writer.afterChange(tx, project, touched(row, now), []);
      return;
    }
    await tx.sessions.updateRefund({ ...refund, status: 'succeeded', reconcile_at: null, updated_at: now });
    await tx.sessions.touch(row.id, row.version, now);
    await this.writer.afterChange(tx, project, touched(row, now), ['payment_refunded']);
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
    const project = await this.writer.project(tx, locked.project);
    const { row } = await this.writer.settle(tx, locked, project);
    const payment = (await tx.sessions.payment(paymentId))!;
    const answer = asBindingAnswer(payment, told);
    const asked = op ?? payment.rail_op ?? 'start';
    const now = this.d.clock.now();
    if (payment.status === 'succeeded' || payment.status === 'failed') return this.endedHere(tx, project, row, payment, answer);
    const step = answer && machine.railAnswered(sessionState(row), paymentState(payment), asked, answer, this.writer.timing(project, payment.method));
    if (!step) {
      // Nothing new: ask again later (a lost answer sooner, a customer who may have paid unseen every AWAITING_CUSTOMER_POLL_MS).
      const unknown = !answer && (payment.stage === 'starting' || payment.stage === 'capturing');
      await tx.sessions.updatePayment({ ...payment, stage: unknown ? 'unknown' : payment.stage, reconcile_at: nextCheckAt(payment.stage, payment.rail_checks, now), updated_at: now });
      if (unknown) {
        await tx.sessions.touch(row.id, row.version, now);
        await this.writer.afterChange(tx, project, touched(row, now), []);
      }
      return;
    }
    await this.writer.commit(tx, project, row, payment, step, answer);
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
      this.writer.callRail(tx, { sessionId: row.id, refundId: refund.id });
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
    const claimed = { ...payment, reconcile_at: leaseUntil(now, this.d.railTimeoutMs), rail_checks: payment.rail_checks + 1 };
    await tx.sessions.updatePayment(claimed);
    return { session, payment: claimed, project: await this.writer.project(tx, session.project) };
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
    const claimed = { ...refund, reconcile_at: leaseUntil(now, this.d.railTimeoutMs), rail_checks: refund.rail_checks + 1, updated_at: now };
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

  /** The SberPay payment waiting for the customer, and the phone to push to (given, or its sber_pay.phone): PaymentRails.sberPayPush sends it. */
  async sberPayPushable(tx: Tx, project: Project, sessionId: string, phone: string | undefined): Promise<{ session: SessionRow; payment: PaymentRow; phone: string }> {
    const { row, payment } = await this.writer.take(tx, project, sessionId);
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
    const { row, payment } = await this.writer.take(tx, project, sessionId);
    if (!payment || payment.stage !== 'awaiting_customer') throw conflict(`session ${row.id} is ${row.status} and shows the customer nothing to renew`);
    return { session: row, payment };
  }

  /** Puts the rail's fresh QR or deep link in front of the customer (new reference, new lifetime). */
  async renewed(tx: Tx, project: Project, sessionId: string, paymentId: string, answer: RailPaymentState): Promise<SessionRow> {
    const { row, payment } = await this.writer.take(tx, project, sessionId);
    if (!payment || payment.id !== paymentId || answer.state !== 'awaiting_customer') {
      throw conflict(`session ${row.id} is ${row.status}: its payment ended while the bank renewed the QR`);
    }
    const renewed = machine.renewCustomerAction(sessionState(row), paymentState(payment), this.writer.timing(project, payment.method));
    const now = this.d.clock.now();
    await tx.sessions.updatePayment({ ...withPaymentState(payment, renewed, now), rail_ref: answer.railRef, interaction_json: JSON.stringify(answer.interaction) });
    await tx.sessions.touch(row.id, row.version, now);
    return this.writer.afterChange(tx, project, touched(row, now), ['action_required']);
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
        const settled = await this.writer.settle(tx, row, await this.writer.project(tx, row.project));
        if (settled.row.version !== row.version) applied++;
      });
    }
    return applied;
  }

  activePayment(reads: SessionReads, sessionId: string): Promise<PaymentRow | null> {
    return activePayment(reads, sessionId);
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
      reconcile_at: leaseUntil(now, this.d.railTimeoutMs),
      rail_checks: 0,
      created_at: now,
      updated_at: now,
    };
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
    await this.writer.queueWebhooks(tx, await this.writer.project(tx, row.project), row, ['recurrent_disabled']);
  }
}
