/**
 * The session machine's two-phase rail calls (server/domain/session-machine.ts): a transition asks
 * for a call (`call`), the rail's answer comes back through `railAnswered` — as the call's reply,
 * as the rail's callback, or as reconciliation found it, once or many times, in any order, or
 * never. Pure functions over plain data: no store, no HTTP. The rules every rail shares (auto and
 * manual confirmation, declines, deadlines) are in session-lifecycle.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MINUTE_MS } from '../../server/clock';
import type { RailPaymentState } from '../../server/acquirers/port';
import {
  CONFIRM_BEFORE_CUSTOMER,
  StateConflict,
  abandon,
  beginPayment,
  cancel,
  confirm,
  expire,
  isAbandonable,
  railAnswered,
  type Step,
  type Timing,
} from '../../server/domain/session-machine';
import type { Confirmation, PaymentMethod, PaymentStage, PaymentState, RailOp, SessionState, SessionStatus, WebhookType } from '../../server/domain/types';
import { AUTHORIZED, CAPTURED, CONFIRM_WINDOW_MS, declined, fresh, later, LIFETIME_MS, NOW, session, T } from './machine-fixtures';

const PROCESSING: RailPaymentState = { state: 'processing', railRef: 'rr_test' };
const VOIDED: RailPaymentState = { state: 'voided' };
const NOT_FOUND: RailPaymentState = { state: 'not_found' };
const customer = (expiresAt: number | null = null): RailPaymentState => ({
  state: 'awaiting_customer',
  interaction: { type: 'qr', redirect: { url: 'https://qr.nspk.ru/test', method: 'GET' } },
  railRef: 'rr_test',
  expiresAt,
});

type At = { session: SessionState; payment: PaymentState };

/** The step `railAnswered` takes for `answer` to `op`, which the test expects to change something. */
function told(from: At, op: RailOp, answer: RailPaymentState, t: Timing = T): Step {
  const step = railAnswered(from.session, from.payment, op, answer, t);
  assert.ok(step, `${op} answered ${answer.state} changed nothing for a ${from.payment.stage} payment`);
  return step;
}

/** A payment sent to the rail: its start is out (`starting`). */
function sent(method: PaymentMethod = 'card', confirmation: Confirmation = 'auto'): Step {
  const step = beginPayment(session({ confirmation }), fresh(method), T);
  assert.equal(step.call, 'start');
  return step;
}
/** A held card the merchant confirmed: its capture is out (`capturing`). */
function capturing(): Step {
  const held = told(sent('card', 'manual'), 'start', AUTHORIZED);
  const step = confirm(held.session, held.payment);
  assert.equal(step.call, 'capture');
  return step;
}
/** A start whose answer was lost: the service records it as `unknown` (the machine does too, on `processing`). */
const lost = (step: Step): At => ({ session: step.session, payment: { ...step.payment, stage: 'unknown' } });

describe('rail answers (pure session machine)', () => {
  test('a card start answered authorized under auto confirmation goes capturing and asks for the capture', () => {
    const step = told(sent('card'), 'start', AUTHORIZED);
    assert.deepEqual([step.session.status, step.payment.status, step.payment.stage, step.call], ['in_progress', 'in_progress', 'capturing', 'capture']);
    assert.deepEqual(step.events, [], 'the merchant hears of it once the money is taken');
    // The same after 3-D Secure: a rail that only authorised on approval is asked to capture.
    const challenged = told(told(sent('card'), 'start', customer()), 'start', AUTHORIZED);
    assert.deepEqual([challenged.payment.stage, challenged.call, challenged.payment.actionExpiresAt], ['capturing', 'capture', null]);
    assert.equal(told(step, 'capture', CAPTURED).session.status, 'accepted');
  });

  test('processing puts a payment at the rail in unknown, asking for nothing; told again it changes nothing', () => {
    for (const [from, op] of [[sent('card'), 'start'], [sent('fps'), 'start'], [capturing(), 'capture']] as const) {
      const step = told(from, op, PROCESSING);
      assert.deepEqual([step.session.status, step.payment.status, step.payment.stage], ['in_progress', 'in_progress', 'unknown']);
      assert.equal(step.call, undefined);
      assert.deepEqual(step.events, []);
      assert.equal(railAnswered(step.session, step.payment, op, PROCESSING, T), null);
    }
    // A payment waiting for the customer or the merchant is not "processing" at the rail's say-so.
    const shown = told(sent('fps'), 'start', customer());
    assert.equal(railAnswered(shown.session, shown.payment, 'start', PROCESSING, T), null);
  });

  test('a lost answer is learnt later from reconciliation: captured succeeds the payment once', () => {
    for (const unknown of [lost(sent('card')), told(sent('card'), 'start', PROCESSING), lost(capturing())]) {
      const paid = told(unknown, 'start', CAPTURED, later(MINUTE_MS));
      assert.deepEqual([paid.session.status, paid.payment.status, paid.payment.stage], ['accepted', 'succeeded', 'done']);
      assert.deepEqual(paid.events, ['payment_finished']);
      // The callback, or a second reconciliation, tells it again: nothing more happens.
      assert.equal(railAnswered(paid.session, paid.payment, 'start', CAPTURED, later(2 * MINUTE_MS)), null);
    }
    // A lost start learnt as a challenge or a hold goes on as the answer would have.
    assert.equal(told(lost(sent('fps')), 'start', customer()).payment.stage, 'awaiting_customer');
    assert.equal(told(lost(sent('card', 'manual')), 'start', AUTHORIZED).payment.stage, 'awaiting_confirmation');
    assert.equal(told(lost(sent('card')), 'start', declined('card_declined')).session.status, 'created');
  });

  test('a capture answered authorized goes unknown, to be captured again after asking; the capture then succeeds once', () => {
    const stillHeld = told(capturing(), 'capture', AUTHORIZED);
    assert.deepEqual([stillHeld.payment.status, stillHeld.payment.stage], ['in_progress', 'unknown']);
    assert.equal(stillHeld.call, undefined, 'the reconciler asks the rail before capturing again');
    assert.deepEqual(stillHeld.events, []);
    assert.equal(railAnswered(stillHeld.session, stillHeld.payment, 'capture', AUTHORIZED, T), null, 'still held: still unknown');
    // The reconciler found the hold and captured it (rail-calls.ts): the answer to that capture.
    const paid = told(stillHeld, 'capture', CAPTURED);
    assert.deepEqual([paid.session.status, paid.payment.status], ['accepted', 'succeeded']);
    assert.deepEqual(paid.events, ['payment_finished']);
    assert.equal(railAnswered(paid.session, paid.payment, 'capture', CAPTURED, T), null);
    // A capture refused after all closes the session: the merchant had confirmed.
    const refused = told(stillHeld, 'capture', declined('authorization_expired'));
    assert.deepEqual([refused.session.status, refused.payment.failureCode], ['cancelled', 'authorization_expired']);
  });

  test('not_found for a start fails the payment with acquirer_unavailable and hands the session back', () => {
    for (const from of [sent('card'), lost(sent('fps')), told(sent('sberpay'), 'start', PROCESSING)]) {
      const step = told(from, 'start', NOT_FOUND);
      assert.deepEqual([step.payment.status, step.payment.stage, step.payment.failureCode], ['failed', 'done', 'acquirer_unavailable']);
      assert.match(step.payment.failureDescription ?? '', /nothing was charged/);
      assert.deepEqual([step.session.status, step.session.closeReason], ['created', null]);
      assert.deepEqual(step.events, ['payment_finished']);
      assert.equal(railAnswered(step.session, step.payment, 'start', NOT_FOUND, T), null);
    }
    // A capture's payment was authorised there: a not_found then is no proof of anything.
    assert.equal(railAnswered(capturing().session, capturing().payment, 'capture', NOT_FOUND, T), null);
    const shown = told(sent('fps'), 'start', customer());
    assert.equal(railAnswered(shown.session, shown.payment, 'start', NOT_FOUND, T), null);
  });

  test('voided on a live payment fails it and hands the session back', () => {
    const held = told(sent('card', 'manual'), 'start', AUTHORIZED);
    for (const from of [sent('card'), told(sent('fps'), 'start', customer()), held]) {
      const step = told(from, 'start', VOIDED);
      assert.deepEqual([step.payment.status, step.payment.failureCode], ['failed', 'expired']);
      assert.deepEqual([step.session.status, step.session.failedAttempts], ['created', 1]);
      assert.deepEqual(step.events, ['payment_finished']);
      assert.equal(railAnswered(step.session, step.payment, 'start', VOIDED, T), null);
    }
  });

  test("awaiting_customer's lifetime is the project's, shortened to the rail's expiresAt when that is sooner", () => {
    const at = (expiresAt: number | null, t: Timing = T) => told(sent('fps'), 'start', customer(expiresAt), t).payment.actionExpiresAt;
    assert.equal(at(null), NOW + LIFETIME_MS);
    assert.equal(at(NOW + 5 * MINUTE_MS), NOW + 5 * MINUTE_MS);
    assert.equal(at(NOW + 60 * MINUTE_MS), NOW + LIFETIME_MS, 'a later deadline at the rail does not lengthen ours');
    // Told only after the rail's deadline passed: the QR is already over, and expire ends it at once.
    const late = told(sent('fps'), 'start', customer(NOW), later(MINUTE_MS));
    assert.equal(late.payment.actionExpiresAt, NOW + MINUTE_MS);
    assert.equal(expire(late.session, late.payment, later(MINUTE_MS))?.payment?.failureCode, 'expired');
  });

  test('cancel is a StateConflict while the payment is at the rail (starting, capturing, unknown), and works once it answered', () => {
    for (const from of [sent('card'), sent('fps'), capturing(), lost(sent('card')), told(capturing(), 'capture', AUTHORIZED)]) {
      assert.throws(
        () => cancel(from.session, from.payment),
        (err: unknown) => err instanceof StateConflict && err.currentStatus === 'in_progress' && /being processed by the bank/.test(err.message),
        `cancel during ${from.payment.stage}`,
      );
    }
    const shown = told(sent('fps'), 'start', customer());
    assert.equal(cancel(shown.session, shown.payment).session.status, 'cancelled');
  });

  // The same answer told twice, after every answer that moves a payment: the second time is null.
  const moves: { name: string; from: () => At; op: RailOp; answer: RailPaymentState }[] = [
    { name: 'start → awaiting_customer', from: () => sent('fps'), op: 'start', answer: customer() },
    { name: 'start → authorized (manual)', from: () => sent('card', 'manual'), op: 'start', answer: AUTHORIZED },
    { name: 'start → captured', from: () => sent('card'), op: 'start', answer: CAPTURED },
    { name: 'start → declined', from: () => sent('card'), op: 'start', answer: declined('card_declined') },
    { name: 'start → processing', from: () => sent('card'), op: 'start', answer: PROCESSING },
    { name: 'start → voided', from: () => sent('card'), op: 'start', answer: VOIDED },
    { name: 'start → not_found', from: () => lost(sent('card')), op: 'start', answer: NOT_FOUND },
    { name: '3-D Secure → authorized (manual)', from: () => told(sent('card', 'manual'), 'start', customer()), op: 'start', answer: AUTHORIZED },
    { name: 'QR → captured', from: () => told(sent('fps'), 'start', customer()), op: 'start', answer: CAPTURED },
    { name: 'capture → captured', from: capturing, op: 'capture', answer: CAPTURED },
    { name: 'capture → authorized', from: capturing, op: 'capture', answer: AUTHORIZED },
    { name: 'capture → declined', from: capturing, op: 'capture', answer: declined('authorization_expired') },
  ];
  test('railAnswered is idempotent: the same answer told twice changes nothing the second time', () => {
    for (const { name, from, op, answer } of moves) {
      const first = told(from(), op, answer);
      assert.equal(railAnswered(first.session, first.payment, op, answer, later(MINUTE_MS)), null, name);
    }
  });
  test(
    'railAnswered is idempotent under auto confirmation too: a start told authorized twice asks for one capture',
    () => {
      for (const from of [sent('card'), told(sent('card'), 'start', customer())]) {
        const first = told(from, 'start', AUTHORIZED);
        assert.equal(railAnswered(first.session, first.payment, 'start', AUTHORIZED, later(MINUTE_MS)), null);
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Random interleavings against a simulated rail
// ---------------------------------------------------------------------------------------------

/** Where a payment stands in the simulated rail's own books. */
type Book = {
  state: 'processing' | 'awaiting_customer' | 'authorized' | 'captured' | 'declined' | 'voided';
  /** What a `processing` payment becomes when the rail decides. */
  decides: Exclude<Book['state'], 'processing'>;
  /** Take the money on authorisation (auto confirmation, and FPS/SberPay always). */
  capture: boolean;
  card: boolean;
  expiresAt: number | null;
};
type Scenario = 'frictionless' | 'challenge' | 'decline';
type Pay = {
  method: PaymentMethod;
  scenario: Scenario;
  /** The rail answers `processing` first, and decides later. */
  slow: boolean;
  /** A card rail that only authorises, even when asked to capture on approval: the gateway captures. */
  holdsOnly: boolean;
  railTtlMinutes: number;
  /** Started by the customer (the widget), who may replace a payment waiting for them. */
  byCustomer: boolean;
};
type Action =
  | ({ op: 'pay' } & Pay)
  | { op: 'railReceives'; pick: number; fate: 'answered' | 'answerLost' | 'requestLost' }
  | { op: 'deliver'; pick: number; then: 'drop' | 'keep' }
  | { op: 'railDecides' }
  | { op: 'customer'; approve: boolean; stale: boolean }
  /** `early`: before the call's lease ran out, so a call still on its way may reach the rail after it was found missing. */
  | { op: 'reconcile'; early: boolean }
  | { op: 'confirm' | 'cancel' | 'abandon' | 'expire' }
  | { op: 'advance'; minutes: number };

const payArb = fc.record({
  method: fc.constantFrom<PaymentMethod>('card', 'card', 'fps', 'sberpay', 'recurrent'),
  scenario: fc.constantFrom<Scenario>('frictionless', 'challenge', 'decline'),
  slow: fc.boolean(),
  holdsOnly: fc.boolean(),
  // 5 minutes: the rail's QR dies before the project's 15.
  railTtlMinutes: fc.constantFrom(5, 15),
  byCustomer: fc.boolean(),
});
const pick = fc.nat({ max: 7 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: payArb.map((p) => ({ op: 'pay' as const, ...p })) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('railReceives' as const), pick, fate: fc.constantFrom('answered' as const, 'answered' as const, 'answerLost' as const, 'requestLost' as const) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('deliver' as const), pick, then: fc.constantFrom('drop' as const, 'drop' as const, 'keep' as const) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'railDecides' as const }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('customer' as const), approve: fc.boolean(), stale: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reconcile' as const), early: fc.constantFrom(false, false, false, true) }) },
  { weight: 3, arbitrary: fc.constantFrom({ op: 'confirm' as const }, { op: 'cancel' as const }, { op: 'abandon' as const }, { op: 'expire' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), minutes: fc.constantFrom(1, 6, 16, 241) }) },
);

const AT_THE_RAIL: readonly PaymentStage[] = ['starting', 'capturing', 'unknown'];
const FINAL: readonly SessionStatus[] = ['accepted', 'cancelled', 'error'];
const WALKED_AWAY = ['superseded', 'abandoned'];
const isLive = (p: PaymentState) => p.status === 'in_progress' || p.status === 'pending';

/**
 * One session, its payments as the machine has them, and a rail with books of its own that
 * answers truthfully: the calls the machine asks for reach it (or not), its answers and callbacks
 * reach the machine late, twice, or never, and a reconciler asks it what happened. The service's
 * part is played as server/sessions does it: deadlines settled before each transition, a lost
 * answer recorded as `unknown`, callbacks and reconciliation told as the answer to the last call.
 */
class World {
  now = NOW;
  session: SessionState;
  readonly payments: PaymentState[] = [];
  private readonly pays = new Map<string, Pay>();
  /** The last call asked for each payment (the service's `rail_op`). */
  private readonly railOp = new Map<string, RailOp>();
  private readonly confirmed = new Set<string>();
  readonly rail = new Map<string, Book>();
  private requests: { paymentId: string; op: RailOp }[] = [];
  private inbox: { paymentId: string; op: RailOp; answer: RailPaymentState }[] = [];
  private readonly finished = new Map<string, number>();
  readonly history: SessionStatus[] = [];
  readonly log: string[] = [];

  constructor(confirmation: Confirmation) {
    this.session = session({ confirmation, expiresAt: NOW + 60 * MINUTE_MS });
    this.history.push(this.session.status);
  }

  private get t(): Timing {
    return { now: this.now, confirmWindowMs: CONFIRM_WINDOW_MS, actionLifetimeMs: LIFETIME_MS };
  }
  private live(): PaymentState | undefined {
    return this.payments.find(isLive);
  }

  run(a: Action): void {
    this.log.push(JSON.stringify(a));
    try {
      this.act(a);
    } catch (err) {
      if (!(err instanceof StateConflict)) throw err;
      this.log.push(`  409 ${err.message}`);
    }
    this.checkInvariants();
  }

  private act(a: Action): void {
    switch (a.op) {
      case 'advance':
        this.now += a.minutes * MINUTE_MS;
        return this.railTick();
      case 'railReceives':
        return this.railReceives(a.pick, a.fate);
      case 'railDecides':
        return this.railDecides();
      case 'customer':
        return this.customer(a.approve, a.stale);
      case 'deliver':
        return this.deliver(a.pick, a.then);
      case 'reconcile':
        return this.reconcile(a.early);
    }
    // What follows goes through the service, which settles passed deadlines first.
    this.settle();
    const p = this.live() ?? null;
    switch (a.op) {
      case 'expire':
        return;
      case 'confirm': {
        const step = confirm(this.session, p);
        this.confirmed.add(step.payment.id);
        return this.apply(step, p);
      }
      case 'cancel':
        return this.apply(cancel(this.session, p), p);
      case 'abandon':
        if (!p) throw new StateConflict('no payment to abandon', this.session.status);
        return this.apply(abandon(this.session, p, 'abandoned'), p);
      case 'pay': {
        if (p && a.byCustomer && isAbandonable(p)) this.apply(abandon(this.session, p, 'superseded'), p);
        const payment = fresh(a.method, { id: `pm_${this.payments.length + 1}` });
        const step = beginPayment(this.session, payment, this.t);
        this.payments.push(step.payment);
        this.pays.set(payment.id, a);
        return this.apply(step, null);
      }
    }
  }

  /** Records a transition, checking that its events and call fit what changed. */
  private apply(step: { session: SessionState; payment: PaymentState | null; events: WebhookType[]; call?: RailOp }, before: PaymentState | null): void {
    const after = step.payment;
    const count = (type: WebhookType) => step.events.filter((e) => e === type).length;
    const ended = before !== null && isLive(before) && after !== null && !isLive(after);
    assert.equal(count('payment_finished'), ended ? 1 : 0, `payment_finished for ${before?.stage} → ${after?.stage}`);
    const into = (stage: PaymentStage) => after?.stage === stage && before?.stage !== stage;
    assert.equal(count('action_required'), into('awaiting_customer') ? 1 : 0, `action_required for ${before?.stage} → ${after?.stage}`);
    assert.equal(count('ready_to_confirm'), into('awaiting_confirmation') ? 1 : 0, `ready_to_confirm for ${before?.stage} → ${after?.stage}`);
    if (step.call === 'start') assert.equal(after?.stage, 'starting');
    if (step.call === 'capture') assert.equal(after?.stage, 'capturing');
    if (into('starting') || into('capturing')) assert.ok(step.call, `${before?.stage} → ${after?.stage} without a call`);

    this.session = step.session;
    if (after) {
      if (before) assert.equal(after.id, before.id);
      this.payments[this.payments.findIndex((p) => p.id === after.id)] = after;
      if (ended) this.finished.set(after.id, (this.finished.get(after.id) ?? 0) + 1);
      if (step.call) {
        this.railOp.set(after.id, step.call);
        this.requests.push({ paymentId: after.id, op: step.call });
      }
    }
    this.history.push(this.session.status);
  }

  private settle(): void {
    const p = this.live() ?? null;
    const step = expire(this.session, p, this.t);
    if (step) this.apply(step, p);
  }

  /** An answer reaches the machine, as the service's railAnswered hands it on. */
  private answered(paymentId: string, op: RailOp, answer: RailPaymentState | null): void {
    this.settle();
    const index = this.payments.findIndex((p) => p.id === paymentId);
    const payment = this.payments[index]!;
    if (!isLive(payment)) {
      // Ended here: the service voids or refunds at the rail; the machine must not move it.
      if (answer) assert.equal(railAnswered(this.session, payment, op, answer, this.t), null, `${answer.state} moved a ${payment.status} payment`);
      return;
    }
    if (!answer) {
      if (payment.stage === 'starting' || payment.stage === 'capturing') this.payments[index] = { ...payment, stage: 'unknown' };
      return;
    }
    const step = railAnswered(this.session, payment, op, answer, this.t);
    if (step) this.apply(step, payment);
  }

  private railTick(): void {
    for (const [id, book] of this.rail) {
      if (book.state === 'awaiting_customer' && book.expiresAt !== null && book.expiresAt <= this.now) {
        book.state = 'voided';
        this.callback(id);
      }
    }
  }

  private stateOf(id: string): RailPaymentState {
    const book = this.rail.get(id);
    if (!book) return NOT_FOUND;
    switch (book.state) {
      case 'awaiting_customer':
        return customer(book.expiresAt);
      case 'declined':
        return declined(book.card ? 'card_declined' : 'declined_by_customer');
      case 'voided':
        return VOIDED;
      default:
        return { state: book.state, railRef: `rr_${id}` };
    }
  }

  /** The rail does what was asked, keyed by the payment id: a repeated call changes nothing there. */
  private railCall(paymentId: string, op: RailOp): RailPaymentState {
    this.railTick();
    const book = this.rail.get(paymentId);
    if (op === 'start' && !book) {
      const pay = this.pays.get(paymentId)!;
      const card = !CONFIRM_BEFORE_CUSTOMER[pay.method];
      const capture = !card || (this.session.confirmation === 'auto' && !pay.holdsOnly);
      const scenario = pay.method === 'recurrent' && pay.scenario === 'challenge' ? 'frictionless' : pay.scenario;
      const decides =
        scenario === 'decline' ? 'declined' : !card || scenario === 'challenge' ? 'awaiting_customer' : capture ? 'captured' : 'authorized';
      this.rail.set(paymentId, {
        state: pay.slow ? 'processing' : decides,
        decides,
        capture,
        card,
        expiresAt: decides === 'awaiting_customer' ? this.now + pay.railTtlMinutes * MINUTE_MS : null,
      });
    }
    if (op === 'capture' && book?.state === 'authorized') book.state = 'captured';
    return this.stateOf(paymentId);
  }

  private callback(paymentId: string): void {
    this.inbox.push({ paymentId, op: this.railOp.get(paymentId) ?? 'start', answer: this.stateOf(paymentId) });
  }

  private railReceives(index: number, fate: 'answered' | 'answerLost' | 'requestLost'): void {
    if (this.requests.length === 0) return;
    const [request] = this.requests.splice(index % this.requests.length, 1);
    const { paymentId, op } = request!;
    const answer = fate === 'requestLost' ? null : this.railCall(paymentId, op);
    if (fate === 'answered') this.inbox.push({ paymentId, op, answer: answer! });
    else this.answered(paymentId, op, null);
  }

  private railDecides(): void {
    for (const [id, book] of this.rail) {
      if (book.state !== 'processing') continue;
      book.state = book.decides;
      if (book.state === 'awaiting_customer') book.expiresAt = this.now + this.pays.get(id)!.railTtlMinutes * MINUTE_MS;
      this.callback(id);
    }
  }

  private customer(approve: boolean, stale: boolean): void {
    this.railTick();
    const target = stale ? this.payments[0] : this.payments[this.payments.length - 1];
    const book = target && this.rail.get(target.id);
    if (!target || book?.state !== 'awaiting_customer') return;
    book.state = approve ? (book.capture ? 'captured' : 'authorized') : 'declined';
    this.callback(target.id);
  }

  private deliver(index: number, then: 'drop' | 'keep'): void {
    if (this.inbox.length === 0) return;
    const i = index % this.inbox.length;
    const message = this.inbox[i]!;
    if (then === 'drop') this.inbox.splice(i, 1);
    this.answered(message.paymentId, message.op, message.answer);
  }

  /** The reconciler (rail-calls.ts): asks the rail, and makes a capture that was asked for but not made. */
  private reconcile(early = false): void {
    const p = this.live();
    const op = p && this.railOp.get(p.id);
    if (!p || !op || p.stage === 'awaiting_confirmation') return;
    if (!early && this.requests.some((r) => r.paymentId === p.id)) return; // its call is still under way
    this.railTick();
    let answer = this.stateOf(p.id);
    if (op === 'capture' && answer.state === 'authorized') answer = this.railCall(p.id, 'capture');
    this.answered(p.id, op, answer);
  }

  /** Lets every call reach the rail and every answer the machine, until nothing is left at the rail. */
  drain(): void {
    for (let round = 0; round < 20; round++) {
      while (this.requests.length) this.railReceives(0, 'answered');
      this.railDecides();
      while (this.inbox.length) this.deliver(0, 'drop');
      this.checkInvariants();
      const p = this.live();
      if (!p || !(AT_THE_RAIL.includes(p.stage) || p.stage === 'awaiting_customer')) return;
      if (p.stage === 'awaiting_customer' && this.rail.get(p.id)?.state === 'awaiting_customer') return; // up to the customer
      this.reconcile();
    }
    assert.fail(`still at the rail after draining: ${JSON.stringify(this.live())}`);
  }

  checkInvariants(): void {
    const where = () => `\n${this.log.join('\n')}`;
    const live = this.payments.filter(isLive);
    const succeeded = this.payments.filter((p) => p.status === 'succeeded');
    assert.ok(live.length <= 1, `two live payments${where()}`);
    assert.ok(succeeded.length <= 1, `charged twice: ${succeeded.map((p) => p.id).join(', ')}${where()}`);
    assert.equal(this.session.status === 'accepted', succeeded.length === 1, `${this.session.status} with ${succeeded.length} succeeded${where()}`);
    assert.equal(this.session.status === 'in_progress', live.length === 1, `${this.session.status} with ${live.length} live payments${where()}`);
    for (const p of succeeded) {
      assert.equal(this.rail.get(p.id)?.state, 'captured', `${p.id} succeeded but the rail has it ${this.rail.get(p.id)?.state}${where()}`);
      if (this.session.confirmation === 'manual') assert.ok(this.confirmed.has(p.id), `${p.method} ${p.id} succeeded without a confirm${where()}`);
    }
    for (const p of this.payments.filter((p) => !isLive(p))) assert.equal(this.finished.get(p.id), 1, `${p.id} ended without exactly one payment_finished${where()}`);
    const p = live[0];
    if (p?.stage === 'awaiting_customer') {
      // Never offered past the rail's own deadline (one told after it passed ends at the next settle).
      const railDeadline = this.rail.get(p.id)?.expiresAt ?? null;
      assert.ok(railDeadline !== null && p.actionExpiresAt! <= Math.max(railDeadline, this.now), `QR shown past the rail's deadline${where()}`);
    }
    const attempts = this.payments.filter((q) => q.status === 'failed' && !WALKED_AWAY.includes(q.failureCode!)).length;
    assert.equal(this.session.failedAttempts, attempts, `failedAttempts${where()}`);
    const firstFinal = this.history.findIndex((s) => FINAL.includes(s));
    if (firstFinal >= 0) assert.ok(this.history.slice(firstFinal).every((s) => s === this.history[firstFinal]), `went ${this.history.join(' → ')}${where()}`);
  }

  /** Once everything has been told: what the rail took is succeeded here, or failed here (and refunded by the service). */
  checkSettled(): void {
    for (const [id, book] of this.rail) {
      const p = this.payments.find((q) => q.id === id)!;
      if (book.state === 'captured') assert.ok(!isLive(p), `${id} captured at the rail but still ${p.stage} here\n${this.log.join('\n')}`);
    }
  }
}

describe('rail answers in random interleavings (pure session machine)', () => {
  test('lost, late, repeated and reordered rail answers never charge twice, never leave two live payments, and settle', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Confirmation>('auto', 'manual'),
        payArb,
        fc.array(actionArb, { minLength: 1, maxLength: 50 }),
        (confirmation, first, actions) => {
          const world = new World(confirmation);
          world.run({ op: 'pay', ...first });
          for (const a of actions) world.run(a);
          world.drain();
          world.checkSettled();
        },
      ),
      { numRuns: 1000, includeErrorInReport: true },
    );
  });
});
