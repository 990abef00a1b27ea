/**
 * The life of a session: the pure state machine, then the real app on each store (a real SQLite
 * file, and a PostgreSQL database when the test command provides one) — random interleavings
 * (fast-check scheduler), races, deadlines across a restart, refund caps, no PAN at rest, and the
 * customer's last used card.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import pg from 'pg';
import { ManualClock, MINUTE_MS } from '../../server/clock';
import {
  MAX_FAILED_PAYMENTS,
  StateConflict,
  abandon,
  beginPayment,
  cancel,
  confirm,
  expire,
  railAnswered,
  refund,
  renewCustomerAction,
  type Step,
  type Timing,
} from '../../server/domain/session-machine';
import type { RailPaymentState } from '../../server/acquirers/port';
import type { PaymentState, RailOp, SessionState, SessionStatus } from '../../server/domain/types';
import { SANDBOX_TEST_CARDS } from '../../server/sandbox/cards';
import { freshDatabase } from '../support/pg-databases';
import { AUTHORIZED, CAPTURED, DAY_MS, declined, fresh, later, NOW, session, T } from './machine-fixtures';
import { forEachStore, newKeyPair, PUBLIC_URL, RUB, sessionWithToken, startHarness, tokenize, type Harness, type StoreKind } from './helpers';

const FINAL: readonly SessionStatus[] = ['accepted', 'cancelled', 'error'];

const testCard = (scenario: string) => {
  const card = SANDBOX_TEST_CARDS.find((c) => c.brand === 'visa' && c.scenario === scenario);
  if (!card) throw new Error(`no visa test card for ${scenario}`);
  return card.pan;
};
const VISA_SUCCESS = testCard('success'); // 4242424242424242
const VISA_3DS = testCard('challenge'); // 4000000000003220
const VISA_DECLINE = testCard('decline');

// ---------------------------------------------------------------------------------------------
// 1. The state machine as pure functions
// ---------------------------------------------------------------------------------------------
// (Answers lost, repeated or reordered on their way from the rail: rail-answers.test.ts.)

describe('session machine (pure functions)', () => {

  // What else the rail may answer (server/acquirers/port.ts).
  const CUSTOMER: RailPaymentState = {
    state: 'awaiting_customer',
    interaction: { type: 'redirect', redirect: { url: 'https://bank.example/3ds/pm_test', method: 'GET' } },
    railRef: 'rr_test',
    expiresAt: null,
  };
  // The codes the customer's own refusal comes with (the sandbox rail's, as a real issuer's or bank app's).
  const FAILED_3DS = declined('authentication_failed');
  const REFUSED_IN_APP = declined('declined_by_customer');
  const EVERY_ANSWER: readonly RailPaymentState[] = [
    CUSTOMER,
    AUTHORIZED,
    CAPTURED,
    REFUSED_IN_APP,
    { state: 'voided' },
    { state: 'processing', railRef: null },
    { state: 'not_found' },
  ];

  /** The step `railAnswered` takes for `answer` to `op`, which the test expects to change something. */
  const told = (from: { session: SessionState; payment: PaymentState }, op: RailOp, answer: RailPaymentState, t: Timing = T): Step => {
    const step = railAnswered(from.session, from.payment, op, answer, t);
    assert.ok(step, `${op} answered ${answer.state} changed nothing for a ${from.payment.stage} payment`);
    return step;
  };
  /** beginPayment for a payment that goes straight to the rail: asserts the start is asked for. */
  const started = (s: SessionState, p: PaymentState, t: Timing = T): Step => {
    const step = beginPayment(s, p, t);
    assert.deepEqual([step.session.status, step.payment.status, step.payment.stage, step.call, step.events], ['in_progress', 'in_progress', 'starting', 'start', []]);
    return step;
  };

  /** A card the rail has authorised under manual confirmation: held, waiting for the merchant. */
  const heldCard = (): Step => told(started(session({ confirmation: 'manual' }), fresh('card')), 'start', AUTHORIZED);
  /** A held card the merchant confirmed: its capture is out at the rail. */
  const capturingCard = (): Step => {
    const held = heldCard();
    return confirm(held.session, held.payment);
  };

  /**
   * Asserts that `fn` throws a StateConflict carrying the session's `status`, whose message names
   * `named` (the session status by default; "in progress" may be spelt out).
   */
  const conflictNaming = (fn: () => unknown, status: string, named = status) =>
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof StateConflict, `expected StateConflict, got ${String(err)}`);
      assert.equal(err.currentStatus, status);
      assert.match(err.message, new RegExp(`\\b${named.replace('_', '[_ ]')}\\b`));
      return true;
    });

  test('a frictionless card with auto confirmation goes to the rail, and is accepted on its capture with one payment_finished', () => {
    const sent = started(session(), fresh('card'));
    const step = told(sent, 'start', CAPTURED);
    assert.equal(step.session.status, 'accepted');
    assert.equal(step.session.closeReason, null);
    assert.equal(step.payment.status, 'succeeded');
    assert.equal(step.payment.stage, 'done');
    assert.equal(step.call, undefined);
    assert.deepEqual(step.events, ['payment_finished']);
  });

  test('a frictionless card with manual confirmation holds (pending) until confirm has the rail capture it', () => {
    const held = heldCard();
    assert.equal(held.session.status, 'in_progress');
    assert.equal(held.payment.status, 'pending');
    assert.equal(held.payment.stage, 'awaiting_confirmation');
    assert.equal(held.payment.confirmExpiresAt, NOW + 240 * MINUTE_MS);
    assert.equal(held.payment.actionExpiresAt, null);
    assert.equal(held.call, undefined);
    assert.deepEqual(held.events, ['ready_to_confirm']);

    const capturing = confirm(held.session, held.payment);
    assert.equal(capturing.session.status, 'in_progress');
    assert.equal(capturing.payment.status, 'in_progress');
    assert.equal(capturing.payment.stage, 'capturing');
    assert.equal(capturing.payment.confirmExpiresAt, null);
    assert.equal(capturing.call, 'capture');
    assert.deepEqual(capturing.events, []);

    const captured = told(capturing, 'capture', CAPTURED, later(MINUTE_MS));
    assert.equal(captured.session.status, 'accepted');
    assert.equal(captured.payment.status, 'succeeded');
    assert.equal(captured.payment.confirmExpiresAt, null);
    assert.deepEqual(captured.events, ['payment_finished']);
  });

  test('a challenge card waits for 3-D Secure, then succeeds (auto) or waits for confirm (manual)', () => {
    const auto = told(started(session(), fresh('card')), 'start', CUSTOMER);
    assert.equal(auto.session.status, 'in_progress');
    assert.equal(auto.payment.status, 'in_progress');
    assert.equal(auto.payment.stage, 'awaiting_customer');
    assert.equal(auto.payment.actionExpiresAt, NOW + 15 * MINUTE_MS);
    assert.deepEqual(auto.events, ['action_required']);
    // The customer passed 3-D Secure; the rail, asked to capture on approval, took the money.
    const approved = told(auto, 'start', CAPTURED, later(MINUTE_MS));
    assert.equal(approved.session.status, 'accepted');
    assert.equal(approved.payment.status, 'succeeded');
    assert.deepEqual(approved.events, ['payment_finished']);

    const manual = told(started(session({ confirmation: 'manual' }), fresh('card')), 'start', CUSTOMER);
    const authorised = told(manual, 'start', AUTHORIZED, later(MINUTE_MS));
    assert.equal(authorised.payment.status, 'pending');
    assert.equal(authorised.payment.actionExpiresAt, null);
    assert.equal(authorised.payment.confirmExpiresAt, NOW + MINUTE_MS + 240 * MINUTE_MS);
    assert.deepEqual(authorised.events, ['ready_to_confirm']);
    const capturing = confirm(authorised.session, authorised.payment);
    assert.equal(capturing.call, 'capture');
    assert.equal(told(capturing, 'capture', CAPTURED).session.status, 'accepted');
  });

  test('a failed 3-D Secure fails the payment with authentication_failed and hands the session back', () => {
    const waiting = told(started(session(), fresh('card')), 'start', CUSTOMER);
    const step = told(waiting, 'start', FAILED_3DS);
    assert.equal(step.payment.status, 'failed');
    assert.equal(step.payment.failureCode, 'authentication_failed');
    assert.equal(step.session.status, 'created');
    assert.equal(step.session.failedAttempts, 1);
    assert.equal(step.session.closeReason, null);
    assert.deepEqual(step.events, ['payment_finished']);
  });

  for (const code of ['card_declined', 'insufficient_funds']) {
    test(`a card refused with ${code} fails the payment and hands the session back to created`, () => {
      const step = told(started(session(), fresh('card')), 'start', declined(code));
      assert.equal(step.payment.status, 'failed');
      assert.equal(step.payment.failureCode, code);
      assert.equal(step.payment.failureDescription, `${code} description`);
      assert.equal(step.session.status, 'created');
      assert.equal(step.session.failedAttempts, 1);
      assert.deepEqual(step.events, ['payment_finished']);
    });
  }

  test('a capture the rail refuses fails the payment and closes the session: the merchant had confirmed', () => {
    const step = told(capturingCard(), 'capture', declined('authorization_expired'));
    assert.deepEqual([step.payment.status, step.payment.failureCode], ['failed', 'authorization_expired']);
    assert.deepEqual([step.session.status, step.session.closeReason], ['cancelled', 'authorization_expired']);
    assert.deepEqual(step.events, ['payment_finished']);
  });

  for (const method of ['fps', 'sberpay'] as const) {
    test(`${method} with auto confirmation goes to the rail, shows the customer its QR, then succeeds on the bank's approval`, () => {
      const sent = started(session(), fresh(method));
      const shown = told(sent, 'start', { ...CUSTOMER, interaction: { type: 'qr', redirect: { url: 'https://qr.nspk.ru/test', method: 'GET' } } });
      assert.equal(shown.session.status, 'in_progress');
      assert.equal(shown.payment.stage, 'awaiting_customer');
      assert.equal(shown.payment.actionExpiresAt, NOW + 15 * MINUTE_MS);
      assert.deepEqual(shown.events, ['action_required']);
      const paid = told(shown, 'start', CAPTURED, later(MINUTE_MS));
      assert.equal(paid.session.status, 'accepted');
      assert.equal(paid.payment.status, 'succeeded');
      assert.deepEqual(paid.events, ['payment_finished']);
    });

    test(`${method} with manual confirmation waits for confirm before the rail or the customer hears of it`, () => {
      const pending = beginPayment(session({ confirmation: 'manual' }), fresh(method), T);
      assert.equal(pending.payment.status, 'pending');
      assert.equal(pending.payment.stage, 'awaiting_confirmation');
      assert.equal(pending.payment.actionExpiresAt, null);
      assert.equal(pending.payment.confirmExpiresAt, NOW + 240 * MINUTE_MS);
      assert.equal(pending.call, undefined, 'the rail is not asked before the merchant confirms');
      assert.deepEqual(pending.events, ['ready_to_confirm']);

      const sent = confirm(pending.session, pending.payment);
      assert.deepEqual([sent.session.status, sent.payment.status, sent.payment.stage, sent.call], ['in_progress', 'in_progress', 'starting', 'start']);
      assert.equal(sent.payment.confirmExpiresAt, null);
      assert.deepEqual(sent.events, []);

      const shown = told(sent, 'start', CUSTOMER, later(MINUTE_MS));
      assert.equal(shown.payment.status, 'in_progress');
      assert.equal(shown.payment.stage, 'awaiting_customer');
      assert.equal(shown.payment.actionExpiresAt, NOW + MINUTE_MS + 15 * MINUTE_MS);
      assert.equal(shown.payment.confirmExpiresAt, null);
      assert.deepEqual(shown.events, ['action_required']);

      const refused = told(shown, 'start', REFUSED_IN_APP);
      assert.equal(refused.payment.failureCode, 'declined_by_customer');
      assert.equal(refused.session.status, 'created');
      const paid = told(shown, 'start', CAPTURED, later(2 * MINUTE_MS));
      assert.equal(paid.session.status, 'accepted');
    });
  }

  // Under manual confirmation an FPS or SberPay payment has not been sent to the rail before the
  // merchant confirms, so nothing the rail says can concern it (the customer cannot pay a QR that
  // has not been shown yet).
  for (const method of ['fps', 'sberpay'] as const) {
    test(
      `${method} waiting for the merchant's confirmation is not at the rail: no rail answer moves it`,
      () => {
        const pending = beginPayment(session({ confirmation: 'manual' }), fresh(method), T);
        for (const answer of EVERY_ANSWER) {
          assert.equal(railAnswered(pending.session, pending.payment, 'start', answer, T), null, `${answer.state} moved a payment the rail never received`);
        }
      },
    );
  }

  test('confirm without a payment waiting for it is a StateConflict naming the status', () => {
    conflictNaming(() => confirm(session(), null), 'created');
    const shown = told(started(session(), fresh('fps')), 'start', CUSTOMER);
    conflictNaming(() => confirm(shown.session, shown.payment), 'in_progress');
    const capturing = capturingCard();
    conflictNaming(() => confirm(capturing.session, capturing.payment), 'in_progress'); // confirmed twice
    const done = told(started(session(), fresh('card')), 'start', CAPTURED);
    conflictNaming(() => confirm(done.session, done.payment), 'accepted');
  });

  test('a session with a payment running, or closed, refuses a new payment naming its status', () => {
    for (const status of ['in_progress', 'accepted', 'cancelled', 'error'] as const) {
      conflictNaming(() => beginPayment(session({ status }), fresh('card'), T), status);
    }
    conflictNaming(() => beginPayment(session({ expiresAt: NOW }), fresh('card'), T), 'created', 'expired');
  });

  test('cancel closes an open session; a closed one refuses naming its status', () => {
    const empty = cancel(session(), null);
    assert.equal(empty.session.status, 'cancelled');
    assert.equal(empty.session.closeReason, 'cancelled');
    assert.deepEqual(empty.events, []);

    const held = heldCard();
    const cancelled = cancel(held.session, held.payment);
    assert.equal(cancelled.session.status, 'cancelled');
    assert.equal(cancelled.payment?.status, 'failed');
    assert.equal(cancelled.payment?.failureCode, 'cancelled');
    assert.deepEqual(cancelled.events, ['payment_finished']);

    for (const status of ['accepted', 'cancelled', 'error'] as const) conflictNaming(() => cancel(session({ status }), null), status);
  });

  test('a rail answer for a payment that ended changes nothing; renewing its QR is a StateConflict', () => {
    const shown = told(started(session(), fresh('fps')), 'start', CUSTOMER);
    const paid = told(shown, 'start', CAPTURED);
    for (const op of ['start', 'capture', 'void'] as const) {
      for (const answer of EVERY_ANSWER) {
        assert.equal(railAnswered(paid.session, paid.payment, op, answer, T), null, `${op} answered ${answer.state} moved a succeeded payment`);
      }
    }
    const failed = told(shown, 'start', REFUSED_IN_APP);
    assert.equal(railAnswered(failed.session, failed.payment, 'start', CAPTURED, T), null, 'a late capture does not resurrect a failed payment (the service refunds it)');
    // The message names the payment's status; the conflict carries the session's.
    conflictNaming(() => renewCustomerAction(paid.session, paid.payment, T), 'accepted', 'succeeded');
  });

  test('a customer walks away from a payment before money moves: handed back, not a failed attempt, payment_finished for the merchant', () => {
    const qr = told(started(session({ failedAttempts: 2 }), fresh('fps')), 'start', CUSTOMER);
    const waitingShop = beginPayment(session({ confirmation: 'manual' }), fresh('sberpay'), T);
    const challenge = told(started(session(), fresh('card')), 'start', CUSTOMER);
    for (const [step, reason] of [[qr, 'superseded'], [waitingShop, 'superseded'], [challenge, 'abandoned']] as const) {
      const left = abandon(step.session, step.payment, reason);
      assert.deepEqual([left.session.status, left.session.failedAttempts, left.session.closeReason], ['created', step.session.failedAttempts, null]);
      assert.deepEqual([left.payment.status, left.payment.failureCode], ['failed', reason]);
      assert.deepEqual(left.events, ['payment_finished']);
    }
    // A card held for the shop's confirmation has moved money: the customer cannot walk away from it.
    const held = heldCard();
    conflictNaming(() => abandon(held.session, held.payment, 'superseded'), 'in_progress', 'pending');
    // Nor from one the rail has not answered for yet: it may be charging it.
    const sent = started(session(), fresh('fps'));
    conflictNaming(() => abandon(sent.session, sent.payment, 'superseded'), 'in_progress');
  });

  test(`the ${MAX_FAILED_PAYMENTS}th failed payment puts the session in error; before that it is handed back`, () => {
    let s = session();
    for (let attempt = 1; attempt <= MAX_FAILED_PAYMENTS; attempt++) {
      const step = told(started(s, fresh('card', { id: `pm_${attempt}` })), 'start', declined('card_declined'));
      s = step.session;
      assert.equal(s.failedAttempts, attempt);
      assert.equal(s.status, attempt < MAX_FAILED_PAYMENTS ? 'created' : 'error', `after attempt ${attempt}`);
    }
    assert.equal(s.closeReason, 'card_declined');
    conflictNaming(() => beginPayment(s, fresh('card'), T), 'error');
  });

  test('a failed recurrent (merchant-initiated) payment puts the session in error at once', () => {
    const step = told(started(session(), fresh('recurrent')), 'start', declined('insufficient_funds'));
    assert.equal(step.session.status, 'error');
    assert.equal(step.session.failedAttempts, 1);
    assert.equal(step.session.closeReason, 'insufficient_funds');
    assert.equal(step.payment.status, 'failed');
  });

  test('expire applies each deadline exactly at its time and nothing before', () => {
    const held = heldCard();
    assert.equal(expire(held.session, held.payment, later(240 * MINUTE_MS - 1)), null);
    const lapsed = expire(held.session, held.payment, later(240 * MINUTE_MS));
    assert.equal(lapsed?.session.status, 'cancelled');
    assert.equal(lapsed?.session.closeReason, 'confirmation_expired');
    assert.equal(lapsed?.payment?.failureCode, 'confirmation_expired');
    assert.deepEqual(lapsed?.events, ['payment_finished']);

    const shown = told(started(session(), fresh('fps')), 'start', CUSTOMER);
    assert.equal(expire(shown.session, shown.payment, later(15 * MINUTE_MS - 1)), null);
    const gone = expire(shown.session, shown.payment, later(15 * MINUTE_MS));
    assert.equal(gone?.session.status, 'created');
    assert.equal(gone?.payment?.failureCode, 'expired');

    assert.equal(expire(session(), null, later(DAY_MS - 1)), null);
    const old = expire(session(), null, later(DAY_MS));
    assert.equal(old?.session.status, 'cancelled');
    assert.equal(old?.session.closeReason, 'expired');
    assert.deepEqual(old?.events, []);
  });

  test('no deadline ends a payment while it is at the rail, not even the session’s own', () => {
    const sent = started(session(), fresh('card'));
    const capturing = capturingCard();
    const unknown = told(sent, 'start', { state: 'processing', railRef: null });
    for (const step of [sent, capturing, unknown]) {
      assert.equal(expire(step.session, step.payment, later(DAY_MS + 240 * MINUTE_MS)), null, `a ${step.payment.stage} payment expired`);
    }
  });

  test('refund allows up to what was captured and names what is left when asked for more', () => {
    const paid = told(started(session(), fresh('card')), 'start', CAPTURED);
    const first = refund(paid.session, paid.payment, 600);
    assert.equal(first.refundedAmount, 600);
    assert.throws(
      () => refund(paid.session, first, 401),
      (err: unknown) => err instanceof StateConflict && /400 of 1000/.test(err.message),
    );
    assert.equal(refund(paid.session, first, 400).refundedAmount, 1000);
    conflictNaming(() => refund(session(), null, 1), 'created');
    const sent = started(session(), fresh('card'));
    conflictNaming(() => refund(sent.session, sent.payment, 1), 'in_progress');
  });
});

// ---------------------------------------------------------------------------------------------
// Helpers over the real app
// ---------------------------------------------------------------------------------------------

// One RSA key pair for every harness of this file: generating one per test costs more than the test.
const KEYS = newKeyPair();

async function harness(t: TestContext, store: StoreKind, opts: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness({ clock: new ManualClock(), keys: KEYS, store, ...opts });
  t.after(() => h.close());
  return h;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function sandbox(h: Harness, paymentId: string, answer: 'approve' | 'decline') {
  const res = await h.app.request(`/sandbox/payments/${paymentId}/${answer}`, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as any };
}

/** A session (auto unless told) with a card payment started through the merchant API. */
async function cardPayment(h: Harness, pan: string, create: Record<string, unknown> = {}) {
  const { id, token } = await sessionWithToken(h, create);
  const card = await tokenize(h, token, pan);
  const started = await h.call('session/start/payment', { session_id: id, payment_details: { type: 'card', card: { token: card } } });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  return { id, token, paymentId: started.body.session.acquiring_payments[0].id as string, started: started.body.session };
}

async function startPayment(h: Harness, sessionId: string, details: Record<string, unknown>) {
  const res = await h.call('session/start/payment', { session_id: sessionId, payment_details: details });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.session;
}

const FPS = { type: 'faster_payment_system' };
const SBERPAY_WEB = { type: 'internet_banking', internet_banking: { type: 'sber_pay', sber_pay: { channel: 'web' } } };

const finishedEvents = async (h: Harness, sessionId: string) => (await h.events(sessionId)).filter((e) => e.type === 'payment_finished');

// ---------------------------------------------------------------------------------------------
// 2. Random interleavings over the real app
// ---------------------------------------------------------------------------------------------

type Kind = 'card' | 'challenge' | 'fps' | 'sberpay';
type Action =
  | { op: 'confirm' | 'cancel' | 'status' | 'retry'; s: number }
  | { op: 'approve' | 'decline'; s: number; stale: boolean }
  | { op: 'refund'; s: number; amount: number | null }
  | { op: 'advance'; minutes: number }
  | { op: 'expireDue' };

const SESSIONS_PER_RUN = 2;
const sessionIndex = fc.integer({ min: 0, max: SESSIONS_PER_RUN - 1 });
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('confirm' as const), s: sessionIndex }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), s: sessionIndex }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('approve' as const), s: sessionIndex, stale: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('decline' as const), s: sessionIndex, stale: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('status' as const, 'retry' as const), s: sessionIndex }) },
  // Amounts around the edges of a 1000 payment; null refunds whatever is left.
  { weight: 3, arbitrary: fc.record({ op: fc.constant('refund' as const), s: sessionIndex, amount: fc.constantFrom(null, 1, 300, 700, 999, 1000, 1001) }) },
  // 16, 21 and 241 minutes cross the FPS QR lifetime, the SberPay window and the confirm window.
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), minutes: fc.constantFrom(1, 16, 21, 241) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'expireDue' as const }) },
);

forEachStore('random interleavings', (store) => {
  test('random interleavings of confirm, cancel, bank answers, refunds and deadlines keep every invariant', async (t) => {
    const h = await harness(t, store);
    const setupKind = fc.constantFrom<Kind>('card', 'challenge', 'fps', 'sberpay');

    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(setupKind, { minLength: SESSIONS_PER_RUN, maxLength: SESSIONS_PER_RUN }),
        fc.array(actionArb, { minLength: 1, maxLength: 16 }),
        async (s, kinds, actions) => {
          // Manual-confirmation sessions, each with a payment running.
          const ids: string[] = [];
          for (const kind of kinds) {
            const create = { payment_options: { confirmation: 'manual' } };
            if (kind === 'card' || kind === 'challenge') {
              ids.push((await cardPayment(h, kind === 'card' ? VISA_SUCCESS : VISA_3DS, create)).id);
            } else {
              const created = await h.call('session/create', { amount_details: RUB(1000), ...create });
              await startPayment(h, created.body.session.id, kind === 'fps' ? FPS : SBERPAY_WEB);
              ids.push(created.body.session.id);
            }
          }
          const history = new Map<string, SessionStatus[]>(ids.map((id) => [id, []]));
          // One snapshot at a time, each read begun after the one before ended, so the history is in
          // commit order even where reads run on several connections (PostgreSQL's pool).
          let snapshots = Promise.resolve();
          const snapshot = () =>
            (snapshots = snapshots.then(async () => {
              for (const id of ids) history.get(id)!.push((await h.server.store.sessions.get(id))!.status);
            }));
          await snapshot();

          const outcomes: { action: Action; status: number; body: any }[] = [];
          const perform = async (a: Action): Promise<{ status: number; body: any } | null> => {
            if (a.op === 'advance') {
              h.clock.advance(a.minutes * MINUTE_MS);
              return null;
            }
            if (a.op === 'expireDue') {
              await h.server.sessions.expireDue();
              return null;
            }
            const id = ids[a.s]!;
            switch (a.op) {
              case 'confirm':
              case 'cancel':
              case 'status':
                return h.call(`session/${a.op}`, { session_id: id });
              case 'retry':
                return h.call('session/start/payment', { session_id: id, payment_details: FPS });
              case 'refund':
                return h.call('session/refund', { session_id: id, ...(a.amount === null ? {} : { amount_details: RUB(a.amount) }) });
              case 'approve':
              case 'decline': {
                const payments = await h.server.store.sessions.payments(id);
                const target = a.stale ? payments[0]! : payments[payments.length - 1]!;
                return sandbox(h, target.id, a.op);
              }
            }
          };

          // Every action waits for the scheduler's go; several are then in flight at once.
          const tasks = actions.map((a, i) =>
            s.schedule(Promise.resolve(i), `${i}:${JSON.stringify(a)}`).then(async () => {
              const reply = await perform(a);
              if (reply) outcomes.push({ action: a, status: reply.status, body: reply.body });
              await snapshot();
            }),
          );
          await s.waitFor(Promise.all(tasks));

          // Every reply is a success or a state conflict: never a 5xx, never a 404.
          for (const o of outcomes) {
            assert.ok(o.status === 200 || o.status === 409, `${JSON.stringify(o.action)} answered ${o.status}: ${JSON.stringify(o.body)}`);
            if (o.status === 409) assert.equal(o.body.error?.code ?? o.body.error, 'invalid_state');
          }

          // Apply every deadline that is still due, then look at the end state.
          for (const id of ids) assert.equal((await h.call('session/status', { session_id: id })).status, 200);
          await snapshot();

          for (const id of ids) {
            // Once accepted, cancelled or error, a session stays exactly that.
            const seen = history.get(id)!;
            const firstFinal = seen.findIndex((st) => FINAL.includes(st));
            if (firstFinal >= 0) assert.ok(seen.slice(firstFinal).every((st) => st === seen[firstFinal]), `${id} went ${seen.join(' → ')}`);

            const row = (await h.server.store.sessions.get(id))!;
            const payments = await h.server.store.sessions.payments(id);
            const succeeded = payments.filter((p) => p.status === 'succeeded');
            assert.ok(succeeded.length <= 1, `${id} has ${succeeded.length} succeeded payments`);
            assert.equal(row.status === 'accepted', succeeded.length === 1, `${id} is ${row.status} with ${succeeded.length} succeeded payments`);
            if (FINAL.includes(row.status)) {
              assert.deepEqual(payments.filter((p) => p.status === 'in_progress' || p.status === 'pending').map((p) => p.id), [], `${id} is ${row.status} with a live payment`);
            }

            // A cancel or a lapsed confirmation closes the session for good; other failures count as attempts.
            const closing = payments.filter((p) => p.failure_code === 'cancelled' || p.failure_code === 'confirmation_expired');
            assert.ok(closing.length <= 1, `${id} was closed ${closing.length} times`);
            if (closing[0]) {
              assert.equal(row.status, 'cancelled', `${id} lost a payment to ${closing[0].failure_code} but is ${row.status}`);
              assert.equal(row.close_reason, closing[0].failure_code);
            }
            assert.equal(row.failed_attempts, payments.filter((p) => p.status === 'failed').length);

            // One payment_finished per finished payment, each announcing exactly one new outcome that never changes.
            const finished = await finishedEvents(h, id);
            const outcomeOf = new Map<string, string>();
            let lastSessionFinal: string | null = null;
            for (const e of await h.events(id)) {
              const st = e.payload.session.status as SessionStatus;
              if (lastSessionFinal) assert.equal(st, lastSessionFinal, `webhook ${e.type} shows ${id} ${st} after ${lastSessionFinal}`);
              if (FINAL.includes(st)) lastSessionFinal = st;
            }
            for (const e of finished) {
              const finals = (e.payload.session.acquiring_payments as any[]).filter((p) => p.status === 'succeeded' || p.status === 'failed');
              for (const [pid, status] of outcomeOf) assert.equal(finals.find((p) => p.id === pid)?.status, status, `${pid} changed its outcome`);
              const added = finals.filter((p) => !outcomeOf.has(p.id));
              assert.equal(added.length, 1, `a payment_finished of ${id} announces ${added.length} new outcomes`);
              outcomeOf.set(added[0].id, added[0].status);
            }
            const finalInDb = payments.filter((p) => p.status === 'succeeded' || p.status === 'failed');
            assert.deepEqual(new Map(finalInDb.map((p) => [p.id, p.status])), outcomeOf, `${id}: payment_finished webhooks and stored outcomes differ`);

            // Refunds never exceed the captured amount, and each one has its webhook.
            let refundRows = 0;
            for (const p of payments) {
              const refunds = await h.server.store.sessions.refunds(p.id);
              refundRows += refunds.length;
              const total = refunds.reduce((sum, r) => sum + r.amount, 0);
              assert.equal(p.refunded_amount, total);
              assert.ok(total <= (p.status === 'succeeded' ? p.amount : 0), `${p.id} (${p.status}) refunded ${total} of ${p.amount}`);
            }
            assert.equal((await h.events(id)).filter((e) => e.type === 'payment_refunded').length, refundRows);
          }

          // On these manual-confirmation sessions no payment succeeds without a successful confirm
          // that saw it (a card captured, or an FPS/SberPay QR shown to the customer).
          for (const id of ids) {
            for (const p of (await h.server.store.sessions.payments(id)).filter((p) => p.status === 'succeeded')) {
              const confirmed = outcomes.some(
                (o) => o.action.op === 'confirm' && o.status === 200 && (o.body.session.acquiring_payments as any[]).some((q) => q.id === p.id && q.status !== 'pending'),
              );
              assert.ok(confirmed, `${p.method} payment ${p.id} succeeded without a confirm`);
            }
          }

          // The winners agree with the end state.
          for (const o of outcomes) {
            if (o.status !== 200 || !('s' in o.action)) continue;
            const final = (await h.server.store.sessions.get(ids[o.action.s]!))!.status;
            if (o.action.op === 'cancel') assert.equal(final, 'cancelled', 'a cancel succeeded but the session ended otherwise');
            if (o.action.op === 'refund') assert.equal(final, 'accepted');
            if (o.action.op === 'approve' && o.body.payment.status === 'succeeded') assert.equal(final, 'accepted');
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Races
// ---------------------------------------------------------------------------------------------

forEachStore('races', (store) => {
  for (const order of ['confirm first', 'cancel first'] as const) {
    test(`confirm and cancel fired together (${order}): exactly one wins and the session agrees with it`, async (t) => {
      const h = await harness(t, store);
      for (let round = 0; round < 5; round++) {
        const { id, paymentId } = await cardPayment(h, VISA_SUCCESS, { payment_options: { confirmation: 'manual' } });
        const calls = [() => h.call('session/confirm', { session_id: id }), () => h.call('session/cancel', { session_id: id })];
        if (order === 'cancel first') calls.reverse();
        const replies = await Promise.all(calls.map((c) => c()));
        const [confirmReply, cancelReply] = order === 'confirm first' ? [replies[0]!, replies[1]!] : [replies[1]!, replies[0]!];

        assert.deepEqual(replies.map((r) => r.status).sort(), [200, 409]);
        const status = (await h.call('session/status', { session_id: id })).body.session;
        const payment = (await h.server.store.sessions.payment(paymentId))!;
        if (confirmReply.status === 200) {
          assert.equal(status.status, 'accepted');
          assert.equal(payment.status, 'succeeded');
          // Refused as accepted, or while the capture was still at the bank (which then took it).
          assert.match(cancelReply.body.error.description, /accepted|being processed by the bank/);
        } else {
          assert.equal(status.status, 'cancelled');
          assert.equal(payment.status, 'failed');
          assert.equal(payment.failure_code, 'cancelled');
          assert.match(confirmReply.body.error.description, /cancelled/);
        }
        assert.equal((await finishedEvents(h, id)).length, 1);
      }
    });
  }

  test('confirm after the confirm window is refused with 409 and the session is cancelled with one confirmation_expired', async (t) => {
    const h = await harness(t, store);
    const { id, paymentId, started } = await cardPayment(h, VISA_SUCCESS, { payment_options: { confirmation: 'manual' } });
    assert.equal(started.next_action, 'confirm');
    h.clock.advance(240 * MINUTE_MS);

    const late = await h.call('session/confirm', { session_id: id });
    assert.equal(late.status, 409);
    assert.equal(late.body.error.code, 'invalid_state');
    assert.match(late.body.error.description, /cancelled/);

    const status = (await h.call('session/status', { session_id: id })).body.session;
    assert.equal(status.status, 'cancelled');
    assert.equal(status.close_reason, 'confirmation_expired');
    assert.equal(status.next_action, undefined);
    assert.equal((await h.server.store.sessions.payment(paymentId))!.failure_code, 'confirmation_expired');
    const finished = await finishedEvents(h, id);
    assert.equal(finished.length, 1);
    assert.equal(finished[0]!.payload.session.acquiring_payments[0].failure.code, 'confirmation_expired');
    // A second late confirm changes nothing.
    assert.equal((await h.call('session/confirm', { session_id: id })).status, 409);
    assert.equal((await finishedEvents(h, id)).length, 1);
  });

  test('a request refused because a deadline passed still records the expiry it observed', async (t) => {
    // The 409 says "cancelled": that must already be true in the database (and its webhook
    // queued), not only after some later read or scheduler tick.
    const h = await harness(t, store);
    const { id, paymentId } = await cardPayment(h, VISA_SUCCESS, { payment_options: { confirmation: 'manual' } });
    h.clock.advance(240 * MINUTE_MS);
    const late = await h.call('session/confirm', { session_id: id });
    assert.equal(late.status, 409);
    assert.match(late.body.error.description, /cancelled/);
    assert.equal((await h.server.store.sessions.get(id))!.status, 'cancelled', 'the reply said cancelled but the stored session is not');
    assert.equal((await h.server.store.sessions.payment(paymentId))!.status, 'failed');
    assert.equal((await finishedEvents(h, id)).length, 1);
  });

  test('a bank approval after the QR expired is refused by the bank, and the payment ends expired once', async (t) => {
    const h = await harness(t, store);
    const id = (await h.call('session/create', { amount_details: RUB(1000) })).body.session.id as string;
    const paymentId = (await startPayment(h, id, FPS)).acquiring_payments[0].id as string;
    h.clock.advance(15 * MINUTE_MS);
    const late = await sandbox(h, paymentId, 'approve');
    assert.equal(late.status, 409, 'the bank keeps the QR lifetime it was given');
    assert.match(late.body.error.description, /expired/);
    assert.equal((await h.call('session/status', { session_id: id })).body.session.acquiring_payments[0].failure.code, 'expired');
    assert.equal((await h.server.store.sessions.payment(paymentId))!.failure_code, 'expired');
    assert.equal((await finishedEvents(h, id)).length, 1);
  });

  test('a bank approval racing a cancel on a shown FPS QR: one outcome, one payment_finished, never money kept for a cancelled session', async (t) => {
    const h = await harness(t, store);
    for (let round = 0; round < 5; round++) {
      const created = await h.call('session/create', { amount_details: RUB(1000) });
      const id = created.body.session.id as string;
      const paymentId = (await startPayment(h, id, FPS)).acquiring_payments[0].id as string;
      const [approve, cancelled] = await Promise.all([sandbox(h, paymentId, 'approve'), h.call('session/cancel', { session_id: id })]);
      await h.server.rails.settled(id);
      const row = (await h.server.store.sessions.get(id))!;
      const payment = (await h.server.store.sessions.payment(paymentId))!;
      const atBank = (await h.server.store.sandboxRail.payment(paymentId))!;
      if (cancelled.status === 200) {
        // The cancel won here. The bank either withdrew the QR first (its approval refused), or took
        // the money before the withdrawal reached it: then it is refunded in full at once.
        assert.equal(row.status, 'cancelled');
        if (approve.status === 200) assert.equal(atBank.refunded_amount, atBank.amount, 'a late capture is refunded in full');
        else assert.equal(atBank.status, 'voided');
      } else {
        assert.equal(approve.status, 200);
        assert.equal(row.status, 'accepted');
        assert.equal(payment.status, 'succeeded');
      }
      assert.equal((await finishedEvents(h, id)).length, 1);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Deadlines, also across a restart
// ---------------------------------------------------------------------------------------------

forEachStore('deadlines', (store) => {
  /** A first server on a fresh folder; `reopen` closes the current one and starts another on the same file. */
  async function restartable(t: TestContext, clock: ManualClock) {
    // The data outlives each server: a folder (SQLite) or a database (PostgreSQL) of the test's own.
    const db = store === 'postgres' ? await freshDatabase() : null;
    let current = await startHarness({ clock, keys: KEYS, store, databaseUrl: db?.url });
    const { dir, keys } = current;
    t.after(async () => {
      await current.close(true);
      rmSync(dir, { recursive: true, force: true });
      await db?.drop();
    });
    return {
      get h() {
        return current;
      },
      async reopen() {
        await current.close(true);
        current = await startHarness({ dir, clock, keys, store, databaseUrl: db?.url });
        return current;
      },
    };
  }

  test('an FPS QR that outlives its 15 minutes while the server is down fails as expired after the restart', async (t) => {
    const clock = new ManualClock();
    const r = await restartable(t, clock);
    const created = await r.h.call('session/create', { amount_details: RUB(1000) });
    const id = created.body.session.id as string;
    const shown = await startPayment(r.h, id, FPS);
    assert.equal(shown.acquiring_payments[0].customer_interaction.expires_at, new Date(clock.now() + 15 * MINUTE_MS).toISOString());

    clock.advance(14 * MINUTE_MS);
    let h = await r.reopen();
    let status = (await h.call('session/status', { session_id: id })).body.session;
    assert.equal(status.status, 'in_progress', 'still inside its lifetime');
    assert.equal(status.acquiring_payments[0].status, 'in_progress');

    clock.advance(2 * MINUTE_MS);
    h = await r.reopen();
    status = (await h.call('session/status', { session_id: id })).body.session;
    assert.equal(status.status, 'created');
    assert.equal(status.acquiring_payments[0].status, 'failed');
    assert.equal(status.acquiring_payments[0].failure.code, 'expired');
    assert.equal(status.acquiring_payments[0].customer_interaction, undefined);
    const finished = await finishedEvents(h, id);
    assert.equal(finished.length, 1);
    assert.equal(finished[0]!.payload.session.acquiring_payments[0].failure.code, 'expired');
  });

  test('a manual SberPay payment not confirmed within 20 minutes cancels the session, also across a restart', async (t) => {
    const clock = new ManualClock();
    const r = await restartable(t, clock);
    const created = await r.h.call('session/create', { amount_details: RUB(1000), payment_options: { confirmation: 'manual' } });
    const id = created.body.session.id as string;
    const pending = await startPayment(r.h, id, SBERPAY_WEB);
    assert.equal(pending.next_action, 'confirm');
    assert.equal(pending.acquiring_payments[0].status, 'pending');
    assert.equal(pending.acquiring_payments[0].confirm_expires_at, new Date(clock.now() + 20 * MINUTE_MS).toISOString());

    clock.advance(20 * MINUTE_MS + 1);
    const h = await r.reopen();
    const status = (await h.call('session/status', { session_id: id })).body.session;
    assert.equal(status.status, 'cancelled');
    assert.equal(status.close_reason, 'confirmation_expired');
    assert.equal(status.acquiring_payments[0].failure.code, 'confirmation_expired');
    const late = await h.call('session/confirm', { session_id: id });
    assert.equal(late.status, 409);
    assert.match(late.body.error.description, /cancelled/);
    assert.equal((await finishedEvents(h, id)).length, 1);
  });

  test('a confirmed SberPay QR that the customer never pays expires after 20 minutes and hands the session back', async (t) => {
    const h = await harness(t, store);
    const created = await h.call('session/create', { amount_details: RUB(1000), payment_options: { confirmation: 'manual' } });
    const id = created.body.session.id as string;
    await startPayment(h, id, SBERPAY_WEB);
    h.clock.advance(19 * MINUTE_MS);
    const confirmed = await h.call('session/confirm', { session_id: id });
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.session.acquiring_payments[0].customer_interaction.expires_at, new Date(h.clock.now() + 20 * MINUTE_MS).toISOString());
    h.clock.advance(20 * MINUTE_MS);
    const status = (await h.call('session/status', { session_id: id })).body.session;
    assert.equal(status.status, 'created');
    assert.equal(status.acquiring_payments[0].failure.code, 'expired');
  });

  test('expireDue applies passed deadlines without any request and queues their webhooks', async (t) => {
    const h = await harness(t, store);
    const fps = (await h.call('session/create', { amount_details: RUB(1000) })).body.session.id as string;
    const fpsPayment = (await startPayment(h, fps, FPS)).acquiring_payments[0].id as string;
    const held = await cardPayment(h, VISA_SUCCESS, { payment_options: { confirmation: 'manual' } });
    const short = (await h.call('session/create', { amount_details: RUB(1000), payment_options: { lifetime_minutes: 5 } })).body.session.id as string;
    const untouched = (await h.call('session/create', { amount_details: RUB(1000) })).body.session.id as string;

    assert.equal(await h.server.sessions.expireDue(), 0, 'nothing is due yet');
    h.clock.advance(16 * MINUTE_MS);
    assert.equal(await h.server.sessions.expireDue(), 2);

    const sessions = h.server.store.sessions;
    assert.equal((await sessions.get(fps))!.status, 'created');
    assert.equal((await sessions.payment(fpsPayment))!.status, 'failed');
    assert.equal((await sessions.payment(fpsPayment))!.failure_code, 'expired');
    assert.deepEqual((await finishedEvents(h, fps)).map((e) => e.payload.session.acquiring_payments[0].failure.code), ['expired']);
    assert.equal((await sessions.get(short))!.status, 'cancelled');
    assert.equal((await sessions.get(short))!.close_reason, 'expired');
    assert.equal((await sessions.get(held.id))!.status, 'in_progress', 'the 240-minute confirm window is still open');
    assert.equal((await sessions.get(untouched))!.status, 'created');

    h.clock.advance(224 * MINUTE_MS);
    assert.equal(await h.server.sessions.expireDue(), 1);
    assert.equal((await sessions.get(held.id))!.status, 'cancelled');
    assert.equal((await sessions.payment(held.paymentId))!.failure_code, 'confirmation_expired');
    assert.equal(await h.server.sessions.expireDue(), 0, 'an applied deadline is not applied twice');
    assert.equal((await finishedEvents(h, held.id)).length, 1);
  });

  test('a session whose QR and own lifetime both passed reads as cancelled in one read', async (t) => {
    const h = await harness(t, store);
    const created = await h.call('session/create', { amount_details: RUB(1000), payment_options: { lifetime_minutes: 10 } });
    const id = created.body.session.id as string;
    await startPayment(h, id, FPS);
    h.clock.advance(16 * MINUTE_MS);
    const status = (await h.call('session/status', { session_id: id })).body.session;
    assert.equal(status.acquiring_payments[0].failure.code, 'expired');
    assert.equal(status.status, 'cancelled');
    assert.equal(status.close_reason, 'expired');
  });
});

// ---------------------------------------------------------------------------------------------
// 5. Refund caps
// ---------------------------------------------------------------------------------------------

forEachStore('refunds', (store) => {
  test('partial refunds add up to the captured amount and no further', async (t) => {
    const h = await harness(t, store);
    const { id, paymentId } = await cardPayment(h, VISA_SUCCESS);
    const refund = (amount?: number) => h.call('session/refund', { session_id: id, ...(amount ? { amount_details: RUB(amount) } : {}) });

    assert.equal((await refund(300)).status, 200);
    const second = await refund(400);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body.session.acquiring_payments[0].refunded_amount_details, RUB(700));

    const tooMuch = await refund(301);
    assert.equal(tooMuch.status, 409);
    assert.equal(tooMuch.body.error.code, 'invalid_state');
    assert.match(tooMuch.body.error.description, /300 of 1000/);

    const rest = await refund();
    assert.equal(rest.status, 200);
    const payment = rest.body.session.acquiring_payments[0];
    assert.deepEqual(payment.refunded_amount_details, RUB(1000));
    assert.deepEqual(payment.refunds.map((r: any) => r.amount_details.amount), [300, 400, 300]);
    assert.ok(payment.refunds.every((r: any) => /^rf_[0-9a-z]{20}$/.test(r.id) && r.status === 'succeeded'));
    assert.equal(rest.body.session.status, 'accepted', 'a refund does not reopen or close the session');

    const after = await refund(1);
    assert.equal(after.status, 409);
    assert.match(after.body.error.description, /fully refunded/);
    assert.equal((await h.server.store.sessions.payment(paymentId))!.refunded_amount, 1000);

    const hooks = (await h.events(id)).filter((e) => e.type === 'payment_refunded');
    assert.deepEqual(hooks.map((e) => e.payload.session.acquiring_payments[0].refunded_amount_details.amount), [300, 700, 1000]);
  });

  test('10 concurrent refunds of 300 on a 1000 payment: exactly 3 succeed', async (t) => {
    const h = await harness(t, store);
    const { id, paymentId } = await cardPayment(h, VISA_SUCCESS);
    const replies = await Promise.all(Array.from({ length: 10 }, () => h.call('session/refund', { session_id: id, amount_details: RUB(300) })));
    assert.equal(replies.filter((r) => r.status === 200).length, 3);
    const refused = replies.filter((r) => r.status !== 200);
    assert.equal(refused.length, 7);
    for (const r of refused) {
      assert.equal(r.status, 409);
      assert.match(r.body.error.description, /100 of 1000/);
    }
    assert.equal((await h.server.store.sessions.payment(paymentId))!.refunded_amount, 900);
    assert.equal((await h.server.store.sessions.refunds(paymentId)).length, 3);
    assert.equal((await h.events(id)).filter((e) => e.type === 'payment_refunded').length, 3);
  });

  test('a session that was never paid cannot be refunded', async (t) => {
    const h = await harness(t, store);
    const { id } = await sessionWithToken(h);
    const reply = await h.call('session/refund', { session_id: id });
    assert.equal(reply.status, 409);
    assert.match(reply.body.error.description, /created/);
  });
});

// ---------------------------------------------------------------------------------------------
// 6. No PAN at rest
// ---------------------------------------------------------------------------------------------

/** Every row of every table of the harness's database, read on a connection of the test's own (read-only on SQLite). */
async function everyTable(h: Harness): Promise<Map<string, Record<string, unknown>[]>> {
  const tables = new Map<string, Record<string, unknown>[]>();
  if (h.kind === 'sqlite') {
    const db = new Database(join(h.dir, 'db.sqlite'), { readonly: true });
    try {
      for (const { name } of db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all()) {
        tables.set(name, db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]);
      }
    } finally {
      db.close();
    }
    return tables;
  }
  const client = new pg.Client({ connectionString: h.databaseUrl });
  await client.connect();
  try {
    const { rows: names } = await client.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = current_schema()');
    for (const { tablename } of names) tables.set(tablename, (await client.query(`SELECT * FROM "${tablename}"`)).rows);
  } finally {
    await client.end();
  }
  return tables;
}

forEachStore('no PAN at rest', (store) => {
  test('no PAN or CVC reaches the database file, its WAL, the logs or the webhooks', async (t) => {
    const CVC = '987';
    const logged: string[] = [];
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = methods.map((m) => console[m]);
    for (const m of methods) console[m] = (...args: unknown[]) => void logged.push(args.map(String).join(' '));
    t.after(() => methods.forEach((m, i) => (console[m] = originals[i]!)));

    const h = await harness(t, store);
    const pay = async (pan: string) => {
      const { id, token } = await sessionWithToken(h, { customer: { reference: 'cust-pan' } });
      const card = await h.publicCall(`sessions/${token}/cards`, json({ number: pan.replace(/(\d{4})/g, '$1 ').trim(), expiry_month: 12, expiry_year: 2030, cvc: CVC, holder: 'IVAN PETROV' }));
      assert.equal(card.status, 200, JSON.stringify(card.body));
      assert.deepEqual(Object.keys(card.body).sort(), ['brand', 'expiry_month', 'expiry_year', 'last4', 'token']);
      const started = await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: card.body.token }));
      assert.equal(started.status, 200, JSON.stringify(started.body));
      return { id, view: started.body };
    };
    const plain = await pay(VISA_SUCCESS);
    assert.equal(plain.view.status, 'accepted');
    const challenged = await pay(VISA_3DS);
    assert.equal(challenged.view.payment.customer_interaction.redirect.url, `${PUBLIC_URL}/sandbox/3ds/${challenged.view.payment.id}`);
    assert.equal((await sandbox(h, challenged.view.payment.id, 'approve')).status, 200);
    // A failed tokenisation must not leave the number anywhere either.
    assert.equal((await h.publicCall(`sessions/${(await sessionWithToken(h)).token}/cards`, json({ number: '4242424242424241', expiry_month: 12, expiry_year: 2030, cvc: CVC }))).status, 400);

    // Deliver the webhooks through the fake endpoint, as the merchant would receive them.
    await h.server.sender.deliverDue();
    assert.ok(h.delivered.length >= 2);

    const cvcAlone = new RegExp(`(?<![0-9A-Za-z])${CVC}(?![0-9A-Za-z])`);
    const leaks = (text: string) =>
      [VISA_SUCCESS, VISA_3DS, '4242424242424241', VISA_SUCCESS.slice(0, 12), VISA_3DS.slice(0, 12), '4242 4242 4242 4242', '4000 0000 0000 3220'].filter((pan) => text.includes(pan));

    // The database's bytes (SQLite: the file and its log; PostgreSQL's files are the cluster's, read through SQL below).
    const dbFile = join(h.dir, 'db.sqlite');
    for (const file of store === 'sqlite' ? [dbFile, `${dbFile}-wal`] : []) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file).toString('latin1');
      assert.deepEqual(leaks(bytes), [], `${file} holds a card number`);
      assert.doesNotMatch(bytes, cvcAlone, `${file} holds the CVC`);
    }
    // Every table, cell by cell through SQL (catches a value the page layout splits), on a connection of our own.
    const tables = await everyTable(h);
    assert.ok((tables.get('sessions')?.length ?? 0) > 0 && (tables.get('card_tokens')?.length ?? 0) > 0, `the scan reads the sessions and their cards (tables: ${[...tables.keys()].join(', ')})`);
    for (const [name, rows] of tables) {
      for (const row of rows) {
        const text = JSON.stringify(row);
        assert.deepEqual(leaks(text), [], `table ${name} holds a card number`);
        assert.doesNotMatch(text, cvcAlone, `table ${name} holds the CVC`);
      }
    }
    assert.deepEqual(leaks(logged.join('\n')), [], 'a log line holds a card number');

    for (const { body } of h.delivered) {
      assert.deepEqual(leaks(body), []);
      assert.doesNotMatch(body, cvcAlone);
      const card = JSON.parse(body).session.acquiring_payments[0].payment_details.card;
      assert.ok(card.last4 === '4242' || card.last4 === '3220');
      assert.deepEqual(Object.keys(card).sort(), ['brand', 'expiry_month', 'expiry_year', 'holder', 'last4', 'token']);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 7. The customer's last used card (SG Pay one tap)
// ---------------------------------------------------------------------------------------------

forEachStore('last used card', (store) => {
  async function payOnce(h: Harness, reference: string, pan: string) {
    const { token } = await sessionWithToken(h, { customer: { reference } });
    const card = await tokenize(h, token, pan);
    const view = (await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: card, remember_card: true }))).body;
    if (view.payment.status === 'in_progress') await sandbox(h, view.payment.id, 'approve');
  }

  test('a customer who paid by card once is offered that card first and pays with one tap', async (t) => {
    const h = await harness(t, store);
    await payOnce(h, 'cust-1', VISA_SUCCESS);

    const { id, token } = await sessionWithToken(h, { customer: { reference: 'cust-1' } });
    const view = (await h.publicCall(`sessions/${token}`)).body;
    assert.equal(view.methods[0], 'saved_card');
    assert.deepEqual(view.methods, ['saved_card', 'fps', 'card', 'sberpay']);
    assert.deepEqual(view.saved_card, { brand: 'visa', last4: '4242' });

    const paid = await h.publicCall(`sessions/${token}/payments`, json({ method: 'saved_card' }));
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    assert.equal(paid.body.status, 'accepted');
    assert.equal(paid.body.payment.method, 'saved_card');
    assert.equal(paid.body.payment.status, 'succeeded');
    const merchant = (await h.call('session/status', { session_id: id })).body.session;
    assert.equal(merchant.acquiring_payments[0].payment_details.card.last4, '4242');
    assert.equal(merchant.acquiring_payments[0].payment_details.card.saved, true);
  });

  test('a saved challenge card still asks for 3-D Secure on the one-tap payment', async (t) => {
    const h = await harness(t, store);
    await payOnce(h, 'cust-3ds', VISA_3DS);
    const { token } = await sessionWithToken(h, { customer: { reference: 'cust-3ds' } });
    assert.deepEqual((await h.publicCall(`sessions/${token}`)).body.saved_card, { brand: 'visa', last4: '3220' });

    const started = (await h.publicCall(`sessions/${token}/payments`, json({ method: 'saved_card' }))).body;
    assert.equal(started.status, 'in_progress');
    assert.equal(started.payment.status, 'in_progress');
    assert.equal(started.payment.customer_interaction.type, 'redirect');
    assert.equal(started.payment.customer_interaction.redirect.url, `${PUBLIC_URL}/sandbox/3ds/${started.payment.id}`);
    const page = await h.app.request(`/sandbox/3ds/${started.payment.id}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Visa\s••••\s3220/);
    assert.equal((await sandbox(h, started.payment.id, 'approve')).body.session.status, 'accepted');
  });

  test('another customer, or one whose card was declined, is offered no saved card', async (t) => {
    const h = await harness(t, store);
    await payOnce(h, 'cust-a', VISA_SUCCESS);
    await payOnce(h, 'cust-declined', VISA_DECLINE);

    for (const create of [{ customer: { reference: 'cust-b' } }, { customer: { reference: 'cust-declined' } }, {}]) {
      const { token } = await sessionWithToken(h, create);
      const view = (await h.publicCall(`sessions/${token}`)).body;
      assert.deepEqual(view.methods, ['fps', 'card', 'sberpay'], JSON.stringify(create));
      assert.equal(view.saved_card, null);
      const tap = await h.publicCall(`sessions/${token}/payments`, json({ method: 'saved_card' }));
      assert.equal(tap.status, 409);
      assert.match(tap.body.error.description, /no saved card/);
    }
  });

  test('a card paid with customer.reference given at session/start/payment is remembered too', async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h);
    const card = await tokenize(h, token, VISA_SUCCESS);
    const paid = await h.call('session/start/payment', {
      session_id: id,
      customer: { reference: 'cust-late' },
      payment_details: { type: 'card', card: { token: card } },
      payment_options: { save_card: true },
    });
    assert.equal(paid.body.session.status, 'accepted');
    assert.deepEqual(paid.body.session.acquiring_payments[0].customer, { reference: 'cust-late' });

    const next = await sessionWithToken(h, { customer: { reference: 'cust-late' } });
    assert.deepEqual((await h.publicCall(`sessions/${next.token}`)).body.saved_card, { brand: 'visa', last4: '4242' });
  });
});

// ---------------------------------------------------------------------------------------------
// 8. The customer's consent to keep a card, and walking away before any money moves
// ---------------------------------------------------------------------------------------------

forEachStore('a saved card needs the customer', (store) => {
  test('a card is kept only when the customer ticked "remember this card"', async (t) => {
    const h = await harness(t, store);
    const { token } = await sessionWithToken(h, { customer: { reference: 'cust-no' } });
    assert.equal((await h.publicCall(`sessions/${token}`)).body.can_save_card, true, 'the shop vouched for its customer');
    const card = await tokenize(h, token, VISA_SUCCESS);
    assert.equal((await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: card }))).body.status, 'accepted');
    const next = await sessionWithToken(h, { customer: { reference: 'cust-no' } });
    const view = (await h.publicCall(`sessions/${next.token}`)).body;
    assert.deepEqual([view.saved_card, view.methods], [null, ['fps', 'card', 'sberpay']]);
    assert.equal((await sessionWithToken(h).then((s) => h.publicCall(`sessions/${s.token}`))).body.can_save_card, false, 'no customer, nothing to keep a card for');
  });

  test('its owner removes the saved card: it is offered and charged no more', async (t) => {
    const h = await harness(t, store);
    const { token: firstToken } = await sessionWithToken(h, { customer: { reference: 'cust-rm' } });
    const card = await tokenize(h, firstToken, VISA_SUCCESS);
    await h.publicCall(`sessions/${firstToken}/payments`, json({ method: 'card', card_token: card, remember_card: true }));
    const { token } = await sessionWithToken(h, { customer: { reference: 'cust-rm' } });
    assert.deepEqual((await h.publicCall(`sessions/${token}`)).body.saved_card, { brand: 'visa', last4: '4242' });

    const removed = await h.publicCall(`sessions/${token}/saved-card/remove`, json({}));
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    assert.deepEqual([removed.body.saved_card, removed.body.methods], [null, ['fps', 'card', 'sberpay']]);
    assert.equal((await h.publicCall(`sessions/${token}/payments`, json({ method: 'saved_card' }))).status, 409);
    assert.equal((await h.publicCall(`sessions/${token}/saved-card/remove`, json({}))).status, 409, 'nothing left to remove');
  });
});

forEachStore('the customer walks away before money moves', (store) => {
  test('closing 3-D Secure ends that attempt: nothing charged, no failed attempt, the methods back, the merchant told', async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h);
    const card = await tokenize(h, token, VISA_3DS);
    const started = (await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: card }))).body;
    assert.equal(started.payment.customer_interaction.type, 'redirect');

    const left = await h.publicCall(`sessions/${token}/payments/${started.payment.id}/abandon`, json({}));
    assert.equal(left.status, 200, JSON.stringify(left.body));
    assert.equal(left.body.status, 'created');
    assert.deepEqual([left.body.payment.status, left.body.payment.failure.code], ['failed', 'abandoned']);
    assert.deepEqual((await h.events(id)).map((e) => e.type), ['action_required', 'payment_finished']);
    assert.equal((await h.events(id))[1]!.payload.session.acquiring_payments[0].status, 'failed');
    assert.equal((await sandbox(h, started.payment.id, 'approve')).status, 409, 'the 3-D Secure page left behind approves nothing');
    assert.equal((await h.server.store.sessions.get(id))!.failed_attempts, 0);
    const again = await tokenize(h, token, VISA_SUCCESS);
    assert.equal((await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: again }))).body.status, 'accepted');
  });

  test('under manual confirmation, an FPS payment waiting for the shop is replaced by a card: payment_finished for the one replaced', async (t) => {
    const h = await harness(t, store, { confirmation: 'manual' });
    const { id, token } = await sessionWithToken(h);
    const fps = (await h.publicCall(`sessions/${token}/payments`, json({ method: 'fps' }))).body;
    assert.equal(fps.payment.status, 'pending');
    const card = await tokenize(h, token, VISA_SUCCESS);
    const byCard = await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: card }));
    assert.equal(byCard.status, 200, JSON.stringify(byCard.body));
    assert.deepEqual([byCard.body.payment.method, byCard.body.payment.status], ['card', 'pending']);
    const events = await h.events(id);
    assert.deepEqual(events.map((e) => e.type), ['ready_to_confirm', 'payment_finished', 'ready_to_confirm']);
    const replaced = events[1]!.payload.session.acquiring_payments.find((p: any) => p.id === fps.payment.id);
    assert.deepEqual([replaced.status, events[1]!.payload.session.status], ['failed', 'created']);
    // The merchant confirms what is waiting now: the card.
    assert.equal((await h.call('session/confirm', { session_id: id })).body.session.status, 'accepted');
  });

  test('a card held for the shop cannot be replaced or abandoned: money is held', async (t) => {
    const h = await harness(t, store, { confirmation: 'manual' });
    const { token } = await sessionWithToken(h);
    const card = await tokenize(h, token, VISA_SUCCESS);
    const held = (await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: card }))).body;
    assert.equal(held.payment.status, 'pending');
    assert.equal((await h.publicCall(`sessions/${token}/payments`, json({ method: 'fps' }))).status, 409);
    assert.equal((await h.publicCall(`sessions/${token}/payments/${held.payment.id}/abandon`, json({}))).status, 409);
  });
});
