/**
 * The gateway's side of the acquirer port: every call to the rail, made outside any transaction.
 *
 * A transition that needs the rail (start, capture, void, refund) commits first, with the call
 * leased on its row (`rail_op`, `reconcile_at`); once that is on disk the call is made with the
 * payment (or refund) id as its idempotency key and a timeout; its answer is recorded in a
 * transaction of its own. A call that fails or times out leaves its outcome unknown, never
 * failed: the reconciler asks the rail (`status`) until it knows, and so does anyone who finds
 * the lease run out (an instance that died mid-call). The rail's own callbacks (`RailReports`)
 * end in the same transitions as the answers, once.
 */
import type { Acquirer, RailCardForm, RailPaymentState, RailRefundState, RailReports, RefundRequest } from '../acquirers/port';
import type { Clock } from '../clock';
import { ApiError } from '../errors';
import type { Storage } from '../store/port';
import type { PaymentRow, RefundRow, SessionRow } from '../store/rows';
import { railRefOf } from './rail-request';
import type { SessionService } from './service';
import type { RailCall } from './writer';

export type PaymentRailsDeps = {
  store: Storage;
  clock: Clock;
  sessions: SessionService;
  acquirer: Acquirer;
  /** How long a call may take before its outcome counts as unknown. */
  timeoutMs: number;
};

/** How many due payments and refunds one reconciliation round takes on. */
const RECONCILE_BATCH = 50;

/** How long a session's card form at the rail is handed out again (a reload, a second tab) before a new one is opened. */
export const CARD_FORM_REUSE_MS = 10 * 60_000;
/** How many sessions' card forms are kept; past it the oldest is forgotten (its checkout then opens another). */
const CARD_FORMS_KEPT = 10_000;

export class PaymentRails implements RailReports {
  /** This instance's calls under way, by session: a reply waits for them, so it shows the rail's answer. */
  private readonly inFlight = new Map<string, Set<Promise<void>>>();

  /** The card forms opened at the rail, by session (insertion order is age). */
  private readonly cardForms = new Map<string, { form: Promise<RailCardForm | null>; until: number }>();

  constructor(private readonly d: PaymentRailsDeps) {}

  /** Makes a call that a committed transition asked for. */
  dispatch(call: RailCall): void {
    const running = ('refundId' in call ? this.refundCall(call.refundId) : this.paymentCall(call.paymentId, call.op)).catch((error: unknown) =>
      // The lease stays on the row: the reconciler picks the call up when it runs out.
      console.error(`acquirer ${this.d.acquirer.name}: recording a call's outcome failed; it will be reconciled:`, error instanceof Error ? error.message : error),
    );
    let calls = this.inFlight.get(call.sessionId);
    if (!calls) this.inFlight.set(call.sessionId, (calls = new Set()));
    calls.add(running);
    void running.finally(() => {
      calls.delete(running);
      if (calls.size === 0 && this.inFlight.get(call.sessionId) === calls) this.inFlight.delete(call.sessionId);
    });
  }

  /** Settles once this instance has no call under way for the session (a start that leads to a capture is waited for too). */
  async settled(sessionId: string): Promise<void> {
    for (let calls = this.inFlight.get(sessionId); calls?.size; calls = this.inFlight.get(sessionId)) {
      await Promise.all(calls);
    }
  }

  /** Whether this instance has a call under way for the session. */
  busy(sessionId: string): boolean {
    return (this.inFlight.get(sessionId)?.size ?? 0) > 0;
  }

  // RailReports: the rail's callbacks.
  async payment(paymentId: string, state: RailPaymentState): Promise<void> {
    const payment = await this.d.store.sessions.payment(paymentId);
    if (!payment) return; // not ours (or not yet committed: then the start's own answer says it)
    await this.d.sessions.act(payment.session_id, (tx) => this.d.sessions.railAnswered(tx, paymentId, state));
  }

  async refund(refundId: string, state: RailRefundState): Promise<void> {
    const refund = await this.d.store.sessions.refund(refundId);
    if (!refund) return;
    await this.d.store.transaction((tx) => this.d.sessions.refundAnswered(tx, refundId, state));
  }

  async reconcileRefunds(paymentId: string): Promise<void> {
    const payment = await this.d.store.sessions.payment(paymentId);
    if (!payment) return;
    await this.d.store.transaction((tx) => this.d.sessions.reconcileRefundsNow(tx, paymentId));
    await this.reconcileDue();
  }

  async bindingRevoked(bindingRef: string): Promise<void> {
    await this.d.store.transaction((tx) => this.d.sessions.bindingRevoked(tx, bindingRef));
  }

  async paymentIdByRailRef(railRef: string): Promise<string | null> {
    return (await this.d.store.sessions.paymentByRailRef(railRef))?.id ?? null;
  }

  /** A fresh QR or deep link from the rail for the payment waiting for the customer; null when the rail cannot renew one. */
  async renew(session: SessionRow, payment: PaymentRow): Promise<RailPaymentState | null> {
    const project = (await this.d.store.projects.get(session.project))!;
    return this.withTimeout((signal) => this.d.acquirer.renew(railRefOf(session, payment, project), signal));
  }

  /**
   * Has the rail send the SberPay push for the payment. A 502 when it has no pushes or did not
   * send one in time: nothing was charged, the QR and the app link still pay, and asking again is safe.
   */
  async sberPayPush(session: SessionRow, payment: PaymentRow, phone: string): Promise<void> {
    const push = this.d.acquirer.sberPayPush?.bind(this.d.acquirer);
    const project = (await this.d.store.projects.get(session.project))!;
    const sent = push
      ? await push(railRefOf(session, payment, project), phone, AbortSignal.timeout(this.d.timeoutMs)).then(
          () => true,
          (error: unknown) => (console.warn(`acquirer ${this.d.acquirer.name}: no SberPay push for ${payment.id} (${error instanceof Error ? error.message : String(error)})`), false),
        )
      : false;
    if (!sent) throw new ApiError(502, 'acquirer_unavailable', 'the bank did not send the SberPay push: show the customer the QR or the SberPay link instead, or ask again');
  }

  /**
   * The rail's card form for a checkout of `session` (the same one for CARD_FORM_REUSE_MS), or
   * null when the rail has none or gave none in time. Opening one charges nothing, so a failed or
   * forgotten one is simply opened again.
   */
  cardForm(session: SessionRow): Promise<RailCardForm | null> {
    const open = this.d.acquirer.cardForm?.bind(this.d.acquirer);
    if (!open) return Promise.resolve(null);
    const now = this.d.clock.now();
    const kept = this.cardForms.get(session.id);
    if (kept && kept.until > now) return kept.form;
    this.cardForms.delete(session.id);
    const form = open({ amount: session.amount, currency: session.currency }, AbortSignal.timeout(this.d.timeoutMs)).catch((error: unknown) => {
      console.warn(`acquirer ${this.d.acquirer.name}: no card form (${error instanceof Error ? error.message : String(error)}); the customer may ask again`);
      return null;
    });
    const entry = { form, until: now + CARD_FORM_REUSE_MS };
    this.cardForms.set(session.id, entry);
    void form.then((f) => !f && this.cardForms.get(session.id) === entry && this.cardForms.delete(session.id)); // a failure is not kept
    if (this.cardForms.size > CARD_FORMS_KEPT) this.cardForms.delete(this.cardForms.keys().next().value!);
    return form;
  }

  /**
   * Asks the rail about every payment and refund whose `reconcile_at` has come: unknown outcomes,
   * calls whose lease ran out, payments waiting for a customer whose callback may have been lost,
   * withdrawals still to make. The scheduler runs this every second on every instance; each row is
   * claimed by one (`claimForReconcile`).
   */
  async reconcileDue(): Promise<number> {
    const now = this.d.clock.now();
    let asked = 0;
    for (const p of await this.d.store.sessions.paymentsToReconcile(now, RECONCILE_BATCH)) {
      if (await this.reconcilePayment(p.id)) asked++;
    }
    for (const r of await this.d.store.sessions.refundsToReconcile(now, RECONCILE_BATCH)) {
      if (await this.reconcileRefund(r.id)) asked++;
    }
    return asked;
  }

  private async reconcilePayment(paymentId: string): Promise<boolean> {
    const claimed = await this.d.store.transaction((tx) => this.d.sessions.claimForReconcile(tx, paymentId));
    if (!claimed) return false;
    const { session, payment, project } = claimed;
    const ref = railRefOf(session, payment, project);
    const op = payment.rail_op!;
    const answer = await this.withTimeout(async (signal) => {
      if (op === 'void') return this.d.acquirer.void(ref, signal);
      const state = await this.d.acquirer.status(ref, signal);
      // A capture asked for but not made (its answer lost before the rail acted): made now, with the same key.
      return op === 'capture' && state.state === 'authorized' ? this.d.acquirer.capture(ref, signal) : state;
    });
    await this.d.sessions.act(session.id, (tx) => this.d.sessions.railAnswered(tx, paymentId, answer, op));
    return true;
  }

  private async reconcileRefund(refundId: string): Promise<boolean> {
    const claimed = await this.d.store.transaction((tx) => this.d.sessions.claimRefundForReconcile(tx, refundId));
    if (!claimed) return false;
    const request = refundRequest(claimed.refund, claimed.payment);
    const answer = await this.withTimeout((signal) => this.d.acquirer.refundStatus(request, signal));
    await this.d.store.transaction((tx) => this.d.sessions.refundAnswered(tx, refundId, answer));
    return true;
  }

  private async paymentCall(paymentId: string, op: PaymentRow['rail_op'] & string): Promise<void> {
    await this.d.store.whenDurable(); // the attempt is on disk before the rail hears of it
    const payment = (await this.d.store.sessions.payment(paymentId))!;
    const session = (await this.d.store.sessions.get(payment.session_id))!;
    const project = (await this.d.store.projects.get(session.project))!;
    const ref = railRefOf(session, payment, project);
    const answer = await this.withTimeout((signal) =>
      op === 'start' ? this.d.acquirer.start(ref.start, signal) : op === 'capture' ? this.d.acquirer.capture(ref, signal) : this.d.acquirer.void(ref, signal),
    );
    await this.d.sessions.act(session.id, (tx) => this.d.sessions.railAnswered(tx, paymentId, answer, op));
  }

  private async refundCall(refundId: string): Promise<void> {
    await this.d.store.whenDurable();
    const refund = (await this.d.store.sessions.refund(refundId))!;
    const payment = (await this.d.store.sessions.payment(refund.payment_id))!;
    const answer = await this.withTimeout((signal) => this.d.acquirer.refund(refundRequest(refund, payment), signal));
    await this.d.store.transaction((tx) => this.d.sessions.refundAnswered(tx, refundId, answer));
  }

  /** The rail's answer, or null when there was none in time (thrown, refused by the network, timed out): unknown. */
  private async withTimeout<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T | null> {
    const signal = AbortSignal.timeout(this.d.timeoutMs);
    try {
      return await call(signal);
    } catch (error) {
      if (!signal.aborted) console.warn(`acquirer ${this.d.acquirer.name}: no answer (${error instanceof Error ? error.message : String(error)}); the outcome will be reconciled`);
      return null;
    }
  }
}

const refundRequest = (refund: RefundRow, payment: PaymentRow): RefundRequest => ({
  refundId: refund.id,
  paymentId: payment.id,
  railRef: payment.rail_ref,
  amount: { amount: refund.amount, currency: refund.currency },
});
