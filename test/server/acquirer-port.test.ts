/**
 * The acquirer port end to end: the gateway's two-phase calls to the rail (server/sessions/rail-calls.ts)
 * against the sandbox rail with injected faults (server/sandbox/faults.ts). Each case checks the
 * gateway's payment row, the sandbox rail's own books and the webhooks: a lost, late or failed
 * answer leaves the payment unknown ("checking"), reconciliation learns the truth, and the money
 * moves exactly once. Without the sandbox, nothing of it is mounted and nothing says "sandbox".
 * The background loop is not running: the tests advance the manual clock and call
 * `rails.reconcileDue()` themselves.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock, MINUTE_MS } from '../../server/clock';
import type { Acquirer, RailPaymentRef, RailPaymentState, RailRefundState, RefundRequest, StartRequest } from '../../server/acquirers/port';
import { AWAITING_CUSTOMER_POLL_MS, reconcileDelayMs } from '../../server/sessions/rail-schedule';
import type { SandboxRail } from '../../server/sandbox/rail';
import { forEachStore, newKeyPair, RUB, sessionWithToken, startHarness, tokenize, type Harness, type StoreKind } from './helpers';
import { FPS, rows, VISA_SUCCESS } from './merchant-fixtures';

const KEYS = newKeyPair();

async function harness(t: TestContext, store: StoreKind, opts: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness({ store, keys: KEYS, clock: new ManualClock(Date.parse('2026-03-02T10:00:00Z')), ...opts });
  t.after(() => h.close());
  return h;
}

/**
 * AbortSignal.timeout's timer does not keep the process alive, and a test has no listening socket
 * that would: a `late` fault waits for that signal, so the test holds the event loop open itself.
 */
function keepAlive(t: TestContext): void {
  const timer = setInterval(() => {}, 1000);
  t.after(() => clearInterval(timer));
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const rail = (h: Harness): SandboxRail => {
  assert.ok(h.server.sandbox, 'the harness runs the sandbox rail');
  return h.server.sandbox;
};

/** The gateway's own payment row. */
const gatewayPayment = async (h: Harness, id: string) => {
  const p = await h.server.store.sessions.payment(id);
  assert.ok(p, `the gateway has payment ${id}`);
  return p;
};

/** The sandbox rail's own row of the payment (its books, not the gateway's). */
const railPayment = (h: Harness, id: string) => h.server.store.sandboxRail.payment(id);

/** How many payments the sandbox rail has in its books at all. */
const railPayments = async (h: Harness) => (await rows(h, 'sandbox_rail_payments')).length;

const eventTypes = async (h: Harness, sessionId: string) => (await h.events(sessionId)).map((e) => e.type);
const countOf = (types: string[], type: string) => types.filter((t) => t === type).length;

const view = async (h: Harness, token: string) => {
  const res = await h.publicCall(`sessions/${token}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};

const status = async (h: Harness, sessionId: string) => {
  const res = await h.call('session/status', { session_id: sessionId });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.session;
};

/** Starts a payment through the public API, as the widget does; the reply waits for the rail's answer (or "checking"). */
async function publicStart(h: Harness, token: string, body: Record<string, unknown>) {
  const res = await h.publicCall(`sessions/${token}/payments`, post(body));
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Advances the clock by `ms` and runs one reconciliation round; answers how many rows were asked about. */
async function reconcileAfter(h: Harness, ms: number): Promise<number> {
  h.clock.advance(ms);
  const asked = await h.server.rails.reconcileDue();
  return asked;
}

async function approveAtBank(h: Harness, paymentId: string) {
  const res = await h.app.request(`/sandbox/payments/${paymentId}/approve`, post({}));
  return { status: res.status, body: (await res.json()) as any };
}

/** A card session whose payment is unknown after its start met `fault`; answers the ids and the reply of the start. */
async function cardStartMeeting(h: Harness, fault: 'lost' | 'late' | 'error') {
  const { id, token } = await sessionWithToken(h, { amount_details: RUB(1000) });
  const card = await tokenize(h, token, VISA_SUCCESS);
  rail(h).faults.inject('start', fault);
  const reply = await publicStart(h, token, { method: 'card', card_token: card });
  return { id, token, reply, paymentId: reply.payment.id as string };
}

forEachStore('the acquirer port (two-phase calls, faults, reconciliation)', (store) => {
  // ─── 1. A lost start ──────────────────────────────────────────────────────────────────────────

  test('a card start whose answer is lost shows checking, then reconciles to one succeeded charge', async (t) => {
    const h = await harness(t, store);
    const { id, token, reply, paymentId } = await cardStartMeeting(h, 'lost');
    assert.equal(reply.status, 'in_progress');
    assert.equal(reply.payment.status, 'in_progress');
    assert.equal(reply.payment.checking, true);
    const before = await view(h, token);
    assert.equal(before.payment.status, 'in_progress');
    assert.equal(before.payment.checking, true);
    assert.equal((await gatewayPayment(h, paymentId)).stage, 'unknown');
    // The rail did charge: its books say so, though the gateway does not know yet.
    assert.equal((await railPayment(h, paymentId))?.status, 'captured');
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 0, 'no payment_finished while the outcome is unknown');
    assert.equal((await status(h, id)).acquiring_payments[0].status, 'in_progress');

    // Before the backoff, nothing is asked.
    assert.equal(await reconcileAfter(h, reconcileDelayMs(0) - 10), 0);
    assert.equal((await gatewayPayment(h, paymentId)).stage, 'unknown');
    assert.ok((await reconcileAfter(h, 20)) >= 1);

    const p = await gatewayPayment(h, paymentId);
    assert.deepEqual([p.status, p.stage], ['succeeded', 'done']);
    const s = await status(h, id);
    assert.equal(s.status, 'accepted');
    assert.equal(s.acquiring_payments.length, 1);
    assert.equal(s.acquiring_payments[0].status, 'succeeded');
    const after = await view(h, token);
    assert.equal(after.payment.status, 'succeeded');
    assert.equal(after.payment.checking, undefined);
    assert.equal(await railPayments(h), 1, 'exactly one payment at the rail');
    assert.equal((await railPayment(h, paymentId))?.status, 'captured');
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 1);

    // Reconciling again changes nothing and sends nothing more.
    await reconcileAfter(h, 10 * MINUTE_MS);
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 1);
    assert.equal(await railPayments(h), 1);
  });

  test('an FPS start whose answer is lost reconciles to the QR, awaiting the customer; approved, one payment_finished', async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h, { amount_details: RUB(1500) });
    rail(h).faults.inject('start', 'lost');
    const reply = await publicStart(h, token, { method: 'fps' });
    const paymentId = reply.payment.id as string;
    assert.equal(reply.payment.status, 'in_progress');
    assert.equal(reply.payment.checking, true);
    assert.equal(reply.payment.customer_interaction, undefined, 'no QR before the rail is known to have issued one');
    assert.equal((await railPayment(h, paymentId))?.status, 'awaiting_customer');
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 0);

    await reconcileAfter(h, reconcileDelayMs(0) + 1);
    const p = await gatewayPayment(h, paymentId);
    assert.deepEqual([p.status, p.stage], ['in_progress', 'awaiting_customer']);
    const v = await view(h, token);
    assert.equal(v.payment.checking, undefined);
    assert.equal(v.payment.customer_interaction.type, 'qr');
    assert.match(v.payment.customer_interaction.redirect.url, /^https:\/\/qr\.nspk\.ru\//);
    // The QR shown is the one the rail issued (its reference), not a second one.
    const railRow = await railPayment(h, paymentId);
    assert.equal(p.rail_ref, railRow?.ref);
    assert.equal(JSON.parse(railRow!.interaction_json!).redirect.url, v.payment.customer_interaction.redirect.url);
    assert.equal((await status(h, id)).acquiring_payments[0].customer_interaction.redirect.url, v.payment.customer_interaction.redirect.url);
    assert.equal(await railPayments(h), 1);
    assert.deepEqual(await eventTypes(h, id), ['action_required']);

    assert.equal((await approveAtBank(h, paymentId)).status, 200);
    assert.equal((await gatewayPayment(h, paymentId)).status, 'succeeded');
    assert.equal((await railPayment(h, paymentId))?.status, 'captured');
    assert.equal(await railPayments(h), 1);
    assert.deepEqual(await eventTypes(h, id), ['action_required', 'payment_finished']);
  });

  // ─── 2. A late start ──────────────────────────────────────────────────────────────────────────

  test('a start answered after the timeout is unknown, then reconciled: charged once', async (t) => {
    keepAlive(t);
    const h = await harness(t, store, { railTimeoutMs: 200 });
    const started = Date.now();
    const { id, token, reply, paymentId } = await cardStartMeeting(h, 'late');
    assert.ok(Date.now() - started >= 150, 'the reply waited for the timeout');
    assert.equal(reply.payment.status, 'in_progress');
    assert.equal(reply.payment.checking, true);
    assert.equal((await view(h, token)).payment.checking, true);
    assert.equal((await gatewayPayment(h, paymentId)).stage, 'unknown');
    assert.equal((await railPayment(h, paymentId))?.status, 'captured', 'the rail did it, only its answer came too late');
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 0);

    await reconcileAfter(h, reconcileDelayMs(0) + 1);
    assert.deepEqual([(await gatewayPayment(h, paymentId)).status, (await status(h, id)).status], ['succeeded', 'accepted']);
    assert.equal((await view(h, token)).payment.checking, undefined);
    assert.equal(await railPayments(h), 1);
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 1);
  });

  test('a late FPS start is reconciled to its QR', async (t) => {
    keepAlive(t);
    const h = await harness(t, store, { railTimeoutMs: 200 });
    const { id, token } = await sessionWithToken(h);
    rail(h).faults.inject('start', 'late');
    const reply = await publicStart(h, token, { method: 'fps' });
    const paymentId = reply.payment.id as string;
    assert.equal(reply.payment.checking, true);
    await reconcileAfter(h, reconcileDelayMs(0) + 1);
    const v = await view(h, token);
    assert.equal(v.payment.status, 'in_progress');
    assert.equal(v.payment.customer_interaction.type, 'qr');
    assert.equal((await gatewayPayment(h, paymentId)).stage, 'awaiting_customer');
    assert.equal(await railPayments(h), 1);
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 0);
  });

  // ─── 3. A start that failed before the rail did anything ──────────────────────────────────────

  test('a start that failed before the rail acted is found not_found: acquirer_unavailable, the session is created again, a new payment works', async (t) => {
    const h = await harness(t, store);
    const { id, token, reply, paymentId } = await cardStartMeeting(h, 'error');
    assert.equal(reply.payment.checking, true);
    assert.equal((await gatewayPayment(h, paymentId)).stage, 'unknown');
    assert.equal(await railPayment(h, paymentId), undefined, 'the rail has nothing');
    assert.equal(await railPayments(h), 0);

    await reconcileAfter(h, reconcileDelayMs(0) + 1);
    const failed = await gatewayPayment(h, paymentId);
    assert.deepEqual([failed.status, failed.stage, failed.failure_code], ['failed', 'done', 'acquirer_unavailable']);
    const s = await status(h, id);
    assert.equal(s.status, 'created', 'the customer can retry');
    assert.equal(s.acquiring_payments[0].failure.code, 'acquirer_unavailable');
    const v = await view(h, token);
    assert.equal(v.status, 'created');
    assert.equal(v.payment.status, 'failed');
    assert.equal(v.payment.checking, undefined);
    assert.equal(v.payment.failure.code, 'acquirer_unavailable');
    assert.deepEqual(await eventTypes(h, id), ['payment_finished']);
    assert.equal((await h.events(id))[0]!.payload.session.acquiring_payments[0].status, 'failed');
    assert.equal(await railPayments(h), 0, 'nothing was charged');

    // Not asked again: the rail never had it.
    assert.equal(await reconcileAfter(h, 10 * MINUTE_MS), 0);

    const card = await tokenize(h, token, VISA_SUCCESS);
    const retry = await publicStart(h, token, { method: 'card', card_token: card });
    assert.equal(retry.payment.status, 'succeeded');
    assert.notEqual(retry.payment.id, paymentId);
    assert.equal((await status(h, id)).status, 'accepted');
    assert.equal((await railPayment(h, retry.payment.id))?.status, 'captured');
    assert.equal(await railPayments(h), 1);
    assert.deepEqual(await eventTypes(h, id), ['payment_finished', 'payment_finished']);
  });

  // ─── 4. Manual confirmation ───────────────────────────────────────────────────────────────────

  test('session/confirm whose capture answer is lost is in_progress (unknown), then reconciled: succeeded once, captured at the rail', async (t) => {
    const h = await harness(t, store, { confirmation: 'manual' });
    const { id, token } = await sessionWithToken(h);
    const card = await tokenize(h, token, VISA_SUCCESS);
    const started = await h.call('session/start/payment', { session_id: id, payment_details: { type: 'card', card: { token: card } } });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const paymentId = started.body.session.acquiring_payments[0].id as string;
    assert.equal(started.body.session.acquiring_payments[0].status, 'pending');
    assert.equal((await railPayment(h, paymentId))?.status, 'authorized');

    rail(h).faults.inject('capture', 'lost');
    const confirmed = await h.call('session/confirm', { session_id: id });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.session.status, 'in_progress');
    assert.equal(confirmed.body.session.acquiring_payments[0].status, 'in_progress');
    assert.equal((await gatewayPayment(h, paymentId)).stage, 'unknown');
    assert.equal((await view(h, token)).payment.checking, true);
    assert.equal((await railPayment(h, paymentId))?.status, 'captured', 'the capture was made; its answer was lost');
    assert.deepEqual(await eventTypes(h, id), ['ready_to_confirm']);

    await reconcileAfter(h, reconcileDelayMs(0) + 1);
    const p = await gatewayPayment(h, paymentId);
    assert.deepEqual([p.status, p.stage], ['succeeded', 'done']);
    assert.equal((await status(h, id)).status, 'accepted');
    assert.equal((await railPayment(h, paymentId))?.status, 'captured');
    assert.equal(await railPayments(h), 1);
    assert.deepEqual(await eventTypes(h, id), ['ready_to_confirm', 'payment_finished']);
    await reconcileAfter(h, 10 * MINUTE_MS);
    assert.deepEqual(await eventTypes(h, id), ['ready_to_confirm', 'payment_finished']);
  });

  test('session/confirm whose capture failed before the rail acted is captured by the reconciler, once', async (t) => {
    const h = await harness(t, store, { confirmation: 'manual' });
    const { id, token } = await sessionWithToken(h);
    const card = await tokenize(h, token, VISA_SUCCESS);
    const started = await h.call('session/start/payment', { session_id: id, payment_details: { type: 'card', card: { token: card } } });
    const paymentId = started.body.session.acquiring_payments[0].id as string;

    rail(h).faults.inject('capture', 'error');
    const confirmed = await h.call('session/confirm', { session_id: id });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    assert.equal(confirmed.body.session.acquiring_payments[0].status, 'in_progress');
    assert.equal((await railPayment(h, paymentId))?.status, 'authorized', 'nothing was captured yet');

    await reconcileAfter(h, reconcileDelayMs(0) + 1);
    assert.equal((await gatewayPayment(h, paymentId)).status, 'succeeded');
    assert.equal((await railPayment(h, paymentId))?.status, 'captured');
    assert.deepEqual(await eventTypes(h, id), ['ready_to_confirm', 'payment_finished']);
  });

  // ─── 5. A lost callback ───────────────────────────────────────────────────────────────────────

  test('an FPS approval whose callback is lost is learnt by polling after AWAITING_CUSTOMER_POLL_MS: one payment_finished', async (t) => {
    const h = await harness(t, store);
    const init = await h.call('session/init/payment', { amount_details: RUB(2500), payment_details: FPS });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const id = init.body.session.id as string;
    const paymentId = init.body.session.acquiring_payments[0].id as string;
    assert.equal((await gatewayPayment(h, paymentId)).stage, 'awaiting_customer');

    rail(h).faults.inject('report', 'silent');
    const approved = await approveAtBank(h, paymentId);
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.payment.status, 'in_progress', 'the gateway has not heard');
    assert.equal((await railPayment(h, paymentId))?.status, 'captured');
    const still = await status(h, id);
    assert.equal(still.status, 'in_progress');
    assert.equal(still.acquiring_payments[0].status, 'in_progress');
    assert.ok(still.acquiring_payments[0].customer_interaction, 'still shows the QR');
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 0);

    // Not before the poll interval.
    assert.equal(await reconcileAfter(h, AWAITING_CUSTOMER_POLL_MS - 1000), 0);
    assert.equal((await gatewayPayment(h, paymentId)).status, 'in_progress');

    assert.ok((await reconcileAfter(h, 1001)) >= 1);
    assert.equal((await gatewayPayment(h, paymentId)).status, 'succeeded');
    assert.equal((await status(h, id)).status, 'accepted');
    assert.deepEqual(await eventTypes(h, id), ['action_required', 'payment_finished']);
    await reconcileAfter(h, AWAITING_CUSTOMER_POLL_MS + 1);
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 1);
    assert.equal(await railPayments(h), 1);
  });

  // ─── 6. Refunds ───────────────────────────────────────────────────────────────────────────────

  test('a refund whose answer is lost stays pending without payment_refunded, then succeeds once; one that failed before the rail is sent again', async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h, { amount_details: RUB(1000) });
    const card = await tokenize(h, token, VISA_SUCCESS);
    const paid = await h.call('session/start/payment', { session_id: id, payment_details: { type: 'card', card: { token: card } } });
    assert.equal(paid.body.session.status, 'accepted', JSON.stringify(paid.body));
    const paymentId = paid.body.session.acquiring_payments[0].id as string;

    // Lost: the rail refunded, the gateway does not know yet.
    rail(h).faults.inject('refund', 'lost');
    const lost = await h.call('session/refund', { session_id: id, amount_details: RUB(300) });
    assert.equal(lost.status, 200, JSON.stringify(lost.body));
    let p = lost.body.session.acquiring_payments[0];
    assert.deepEqual(p.refunds.map((r: any) => [r.status, r.amount_details.amount]), [['pending', 300]]);
    assert.deepEqual(p.refunded_amount_details, RUB(0), 'only succeeded refunds count');
    assert.equal((await railPayment(h, paymentId))?.refunded_amount, 300);
    assert.equal(countOf(await eventTypes(h, id), 'payment_refunded'), 0);
    const firstRefund = p.refunds[0].id as string;
    assert.equal((await h.server.store.sessions.refund(firstRefund))?.status, 'pending');
    assert.equal((await h.server.store.sandboxRail.refund(firstRefund))?.status, 'succeeded');

    await reconcileAfter(h, reconcileDelayMs(0) + 1);
    assert.equal((await h.server.store.sessions.refund(firstRefund))?.status, 'succeeded');
    p = (await status(h, id)).acquiring_payments[0];
    assert.deepEqual(p.refunds.map((r: any) => [r.status, r.amount_details.amount]), [['succeeded', 300]]);
    assert.deepEqual(p.refunded_amount_details, RUB(300));
    assert.equal(countOf(await eventTypes(h, id), 'payment_refunded'), 1);
    assert.equal((await railPayment(h, paymentId))?.refunded_amount, 300, 'refunded once at the rail');
    await reconcileAfter(h, 10 * MINUTE_MS);
    assert.equal(countOf(await eventTypes(h, id), 'payment_refunded'), 1);

    // Error: the rail did nothing; reconciliation finds not_found and sends it again (the same id).
    rail(h).faults.inject('refund', 'error');
    const failedFirst = await h.call('session/refund', { session_id: id, amount_details: RUB(200) });
    assert.equal(failedFirst.status, 200, JSON.stringify(failedFirst.body));
    p = failedFirst.body.session.acquiring_payments[0];
    const secondRefund = p.refunds[1].id as string;
    assert.deepEqual(p.refunds.map((r: any) => r.status), ['succeeded', 'pending']);
    assert.deepEqual(p.refunded_amount_details, RUB(300));
    assert.equal(await h.server.store.sandboxRail.refund(secondRefund), undefined, 'the rail has no such refund');
    assert.equal((await railPayment(h, paymentId))?.refunded_amount, 300);

    await reconcileAfter(h, reconcileDelayMs(0) + 1);
    await h.server.rails.settled(id); // the refund sent again
    assert.equal((await h.server.store.sessions.refund(secondRefund))?.status, 'succeeded');
    assert.equal((await h.server.store.sandboxRail.refund(secondRefund))?.status, 'succeeded');
    assert.equal((await railPayment(h, paymentId))?.refunded_amount, 500, 'each refund taken once at the rail');
    p = (await status(h, id)).acquiring_payments[0];
    assert.deepEqual(p.refunds.map((r: any) => [r.status, r.amount_details.amount]), [['succeeded', 300], ['succeeded', 200]]);
    assert.deepEqual(p.refunded_amount_details, RUB(500));
    assert.equal((await gatewayPayment(h, paymentId)).refunded_amount, 500);
    assert.deepEqual(await eventTypes(h, id), ['payment_finished', 'payment_refunded', 'payment_refunded']);
    const lastRefunded = (await h.events(id)).at(-1)!.payload.session.acquiring_payments[0];
    assert.deepEqual(lastRefunded.refunded_amount_details, RUB(500));
    assert.equal((await rows(h, 'sandbox_rail_refunds')).length, 2);

    // The rest is refundable; more than the rest is refused by the gateway before the rail hears of it.
    const tooMuch = await h.call('session/refund', { session_id: id, amount_details: RUB(600) });
    assert.equal(tooMuch.status, 409, JSON.stringify(tooMuch.body));
    assert.equal(tooMuch.body.error.code, 'invalid_state');
    assert.match(tooMuch.body.error.description, /exceeds what is left/);
    assert.equal((await rows(h, 'sandbox_rail_refunds')).length, 2);
  });

  // ─── 7. An expired FPS QR ─────────────────────────────────────────────────────────────────────

  test('an expired FPS QR fails expired and is voided at the rail; approving it at the bank is a 409', async (t) => {
    const h = await harness(t, store);
    const init = await h.call('session/init/payment', { amount_details: RUB(1000), payment_details: FPS });
    const id = init.body.session.id as string;
    const paymentId = init.body.session.acquiring_payments[0].id as string;
    assert.equal((await railPayment(h, paymentId))?.status, 'awaiting_customer');

    h.clock.advance(15 * MINUTE_MS + 1000); // the project's fpsQrLifetimeMinutes (helpers.ts)
    await h.server.sessions.expireDue();
    await h.server.rails.settled(id);
    const p = await gatewayPayment(h, paymentId);
    assert.deepEqual([p.status, p.failure_code], ['failed', 'expired']);
    const s = await status(h, id);
    assert.equal(s.acquiring_payments[0].status, 'failed');
    assert.equal(s.acquiring_payments[0].failure.code, 'expired');
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 1);

    await h.server.rails.reconcileDue();
    assert.equal((await railPayment(h, paymentId))?.status, 'voided');
    assert.equal((await gatewayPayment(h, paymentId)).reconcile_at, null, 'nothing more to ask');
    const late = await approveAtBank(h, paymentId);
    assert.equal(late.status, 409, JSON.stringify(late.body));
    assert.equal((await gatewayPayment(h, paymentId)).status, 'failed');
    assert.equal((await railPayment(h, paymentId))?.status, 'voided');
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 1);
  });

  test('an expired FPS QR whose void failed before the rail acted is voided by reconcileDue', async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h);
    const started = await publicStart(h, token, { method: 'fps' });
    const paymentId = started.payment.id as string;
    rail(h).faults.inject('void', 'error');

    h.clock.advance(15 * MINUTE_MS + 1000);
    const v = await view(h, token); // a read applies the deadline
    assert.equal(v.payment.status, 'failed');
    assert.equal(v.payment.failure.code, 'expired');
    await h.server.rails.settled(id);
    assert.equal((await railPayment(h, paymentId))?.status, 'awaiting_customer', 'the first void did nothing');

    await reconcileAfter(h, reconcileDelayMs(0) + 1);
    assert.equal((await railPayment(h, paymentId))?.status, 'voided');
    assert.equal((await approveAtBank(h, paymentId)).status, 409);
    assert.equal((await gatewayPayment(h, paymentId)).status, 'failed');
    assert.equal(countOf(await eventTypes(h, id), 'payment_finished'), 1);
  });

  // ─── 8. Switching methods ─────────────────────────────────────────────────────────────────────

  test('switching from FPS to a card voids the FPS payment at the rail', async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h);
    const fps = await publicStart(h, token, { method: 'fps' });
    const fpsId = fps.payment.id as string;
    assert.equal((await railPayment(h, fpsId))?.status, 'awaiting_customer');

    const card = await tokenize(h, token, VISA_SUCCESS);
    const paid = await publicStart(h, token, { method: 'card', card_token: card });
    assert.equal(paid.payment.status, 'succeeded');
    await h.server.rails.settled(id);
    await h.server.rails.reconcileDue();
    assert.equal((await railPayment(h, fpsId))?.status, 'voided');
    assert.equal((await gatewayPayment(h, fpsId)).status, 'failed');
    assert.equal((await railPayment(h, paid.payment.id))?.status, 'captured');
    assert.equal(await railPayments(h), 2);
    assert.equal((await approveAtBank(h, fpsId)).status, 409, 'the old QR cannot be paid');
    const s = await status(h, id);
    assert.equal(s.status, 'accepted');
    assert.deepEqual(s.acquiring_payments.map((p: any) => p.status).sort(), ['failed', 'succeeded']);
  });

  // ─── 9. Without the sandbox ───────────────────────────────────────────────────────────────────

  test('with the sandbox, views, replies and webhooks say "sandbox": true', async (t) => {
    const h = await harness(t, store);
    const { id, token } = await sessionWithToken(h);
    assert.equal((await view(h, token)).sandbox, true);
    assert.equal((await status(h, id)).sandbox, true);
    await publicStart(h, token, { method: 'fps' });
    const events = await h.events(id);
    assert.ok(events.length >= 1);
    for (const e of events) assert.equal(e.payload.session.sandbox, true);
    await h.server.sender.deliverDue();
    assert.ok(h.delivered.length >= 1);
    for (const d of h.delivered) assert.equal(JSON.parse(d.body).session.sandbox, true);
    assert.equal((await h.app.request('/sandbox/bank')).status, 400, 'the sandbox bank is there (asks for a link)');
  });

  test('without the sandbox: no /sandbox routes, no card tokenisation, sandbox false in the view and absent in replies and webhooks', async (t) => {
    const h = await harness(t, store, { acquirer: () => new AnsweringRail() });
    assert.equal(h.server.sandbox, null);
    assert.equal(h.server.acquirer.sandbox, false);
    const init = await h.call('session/init/payment', { amount_details: RUB(1000), payment_details: FPS });
    assert.equal(init.status, 200, JSON.stringify(init.body));
    const id = init.body.session.id as string;
    const paymentId = init.body.session.acquiring_payments[0].id as string;
    assert.match(paymentId, /^pm_/);
    assert.equal(init.body.session.status, 'accepted', 'the stub rail captured it');
    assert.equal('sandbox' in init.body.session, false);
    assert.equal('sandbox' in (await status(h, id)), false);

    assert.equal((await h.app.request(`/sandbox/payments/${paymentId}/approve`, post({}))).status, 404);
    assert.equal((await h.app.request('/sandbox/bank')).status, 404);
    assert.equal((await h.app.request(`/sandbox/payments/${paymentId}`)).status, 404);

    const { token } = await sessionWithToken(h);
    const cards = await h.publicCall(`sessions/${token}/cards`, post({ number: VISA_SUCCESS, expiry_month: 12, expiry_year: 2040, cvc: '123', holder: 'IVAN PETROV' }));
    assert.equal(cards.status, 404);
    const v = await view(h, token);
    assert.equal(v.sandbox, false);

    const events = await h.events(id);
    assert.ok(events.some((e) => e.type === 'payment_finished'));
    for (const e of events) assert.equal('sandbox' in e.payload.session, false);
    await h.server.sender.deliverDue();
    assert.ok(h.delivered.length >= 1);
    for (const d of h.delivered) assert.equal('sandbox' in JSON.parse(d.body).session, false);
  });
});

/** A non-sandbox rail that takes every payment at once: enough to show what the sandbox adds. */
class AnsweringRail implements Acquirer {
  readonly name = 'stub';
  readonly sandbox = false;
  async start(request: StartRequest): Promise<RailPaymentState> {
    return { state: 'captured', railRef: `stub-${request.paymentId}` };
  }
  async capture(payment: RailPaymentRef): Promise<RailPaymentState> {
    return { state: 'captured', railRef: `stub-${payment.paymentId}` };
  }
  async void(): Promise<RailPaymentState> {
    return { state: 'voided' };
  }
  async renew(): Promise<RailPaymentState | null> {
    return null;
  }
  async refund(_request: RefundRequest): Promise<RailRefundState> {
    return { state: 'succeeded' };
  }
  async status(payment: RailPaymentRef): Promise<RailPaymentState> {
    return { state: 'captured', railRef: `stub-${payment.paymentId}` };
  }
  async refundStatus(): Promise<RailRefundState> {
    return { state: 'succeeded' };
  }
}
