/**
 * Subscriptions, on both stores: created by the merchant, paid the first time by the customer in
 * the widget (a card kept as a recurrent token, with consent), then charged by the server on its
 * own clock each period, once per period even with two schedulers at once; a declined renewal
 * retried and then ended; cancel at the period's end, restore, cancel at once; webhooks in order.
 */
import test, { describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../server/clock';
import { periodEnd, retryAt } from '../../server/subscriptions/schedule';
import { forEachStore, newKeyPair, RUB, startHarness, tokenize, type Harness, type StoreKind } from './helpers';
import { VISA_SUCCESS } from './merchant-fixtures';

const KEYS = newKeyPair();
const START = Date.parse('2026-12-01T10:00:00Z');
const DAY = 86_400_000;
/** Pays with the customer there; declines every recurrent charge (server/sandbox/cards.ts). */
const RECURRING_DECLINE = '4000000000000341';

async function harness(t: TestContext, store: StoreKind): Promise<Harness> {
  const h = await startHarness({ store, keys: KEYS, clock: new ManualClock(START) });
  t.after(() => h.close());
  return h;
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const MONTHLY = { amount_details: RUB(49_900), period: { unit: 'month' }, description: 'Подписка на канал', customer: { reference: 'cus-1', email: 'reader@example.com' } };

/** The merchant creates a subscription; the customer pays its first payment in the widget, agreeing to later charges. */
async function subscribe(h: Harness, number = VISA_SUCCESS) {
  const created = await h.call('subscription/create', MONTHLY);
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const card = await tokenize(h, created.body.public_token, number);
  const paid = await h.publicCall(`sessions/${created.body.public_token}/payments`, post({ method: 'card', card_token: card, recurrent_consent: true }));
  assert.equal(paid.body.payment?.status, 'succeeded', JSON.stringify(paid.body));
  return { id: created.body.subscription.id as string, firstSession: created.body.session.id as string, card };
}

const get = async (h: Harness, id: string) => {
  const reply = await h.call('subscription/get', { id });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.subscription;
};

/** `times` schedulers' rounds at once, then the rail's answers to the charges of `ids`. */
async function runScheduler(h: Harness, ids: string[], times = 1): Promise<number> {
  const taken = await Promise.all(Array.from({ length: times }, () => h.server.subscriptions.chargeDue()));
  for (const id of ids) for (const c of await chargesOf(h, id)) await h.server.rails.settled(c.session_id);
  return taken.reduce((a, b) => a + b, 0);
}

/** Moves the server clock forward to `at` (never back). */
function advanceTo(h: Harness, at: number): void {
  assert.ok(at >= h.clock.now(), 'the clock only moves forward');
  h.clock.advance(at - h.clock.now());
}

const chargesOf = (h: Harness, id: string) => h.server.store.subscriptions.charges(id);

const subscriptionEvents = async (h: Harness, firstSession: string) =>
  (await h.events(firstSession)).filter((e) => e.type.startsWith('subscription_')).map((e) => `${e.type} ${e.payload.subscription.status}`);

forEachStore('subscriptions', (store) => {
  test('subscription/create gives the first payment to the widget; paid with consent, it is active, due a month from the day it began', async (t) => {
    const h = await harness(t, store);
    const created = await h.call('subscription/create', MONTHLY);
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const s = created.body.subscription;
    assert.match(s.id, /^sub_[0-9a-z]{20}$/);
    assert.equal(s.status, 'pending');
    assert.deepEqual([s.amount_details, s.period, s.periods_paid, s.next_charge_at], [RUB(49_900), { unit: 'month', count: 1 }, 0, null]);
    assert.match(s.unsubscribe_url, /^http:\/\/localhost:3000\/s\/[A-Za-z0-9_-]{32}$/);
    assert.equal(created.body.payment_url, `http://localhost:3000/pay/${created.body.public_token}`);
    assert.equal(created.body.session.payment_options.recurrent, true);
    assert.equal(created.body.session.subscription_id, s.id);
    const view = (await h.publicCall(`sessions/${created.body.public_token}`)).body;
    assert.deepEqual([view.recurrent, view.methods, view.description], [true, ['fps', 'card'], 'Подписка на канал']);
    assert.deepEqual(view.subscription, { amount_details: RUB(49_900), period: { unit: 'month', count: 1 }, next_payment_at: '2027-01-01T10:00:00.000Z' }, 'the notice: what, how often, next when paid now');

    const card = await tokenize(h, created.body.public_token, VISA_SUCCESS);
    await h.publicCall(`sessions/${created.body.public_token}/payments`, post({ method: 'card', card_token: card, recurrent_consent: true }));
    const active = await get(h, s.id);
    assert.equal(active.status, 'active');
    assert.equal(active.periods_paid, 1);
    assert.equal(active.started_at, '2026-12-01T10:00:00.000Z');
    assert.equal(active.current_period_end, '2027-01-01T10:00:00.000Z');
    assert.equal(active.next_charge_at, '2027-01-01T10:00:00.000Z');
    assert.deepEqual(active.recurrent, { token: card, type: 'card' });
    assert.equal(active.unsubscribe_url, s.unsubscribe_url, 'the same page for the life of the subscription');
    const receipt = await (await h.app.request(`/receipt/${(await h.server.store.sessions.payments(created.body.session.id))[0]!.id}`)).text();
    assert.ok(receipt.includes(`href="${new URL(s.unsubscribe_url).pathname}"`), 'the receipt links to the subscription page');
    const types = (await h.events(created.body.session.id)).map((e) => e.type);
    assert.deepEqual(types.slice(-2), ['payment_finished', 'subscription_activated'], 'the payment, then what it made of the subscription');
  });

  test('each period is charged once, on the server clock, even by two schedulers at once; nothing before it is due', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    h.clock.advance(30 * DAY); // 31 December: not yet
    assert.equal(await runScheduler(h, [sub.id]), 0);
    advanceTo(h, Date.parse('2027-01-01T10:00:00Z'));
    assert.equal(await runScheduler(h, [sub.id], 2), 1, 'two schedulers, one charge');
    let s = await get(h, sub.id);
    assert.deepEqual([s.status, s.periods_paid, s.next_charge_at], ['active', 2, '2027-02-01T10:00:00.000Z']);
    assert.equal(await runScheduler(h, [sub.id], 2), 0, 'charged: not due again until February');
    advanceTo(h, Date.parse('2027-02-01T10:00:01Z'));
    assert.equal(await runScheduler(h, [sub.id]), 1);
    s = await get(h, sub.id);
    assert.deepEqual([s.periods_paid, s.next_charge_at], [3, '2027-03-01T10:00:00.000Z']);
    const charges = await chargesOf(h, sub.id);
    assert.deepEqual(charges.map((c) => [c.period, c.attempt]), [[1, 1], [2, 1], [3, 1]]);
    for (const c of charges.slice(1)) {
      const session = (await h.call('session/status', { session_id: c.session_id })).body.session;
      assert.deepEqual([session.status, session.amount_details.amount, session.acquiring_payments[0].payment_details.type], ['accepted', 49_900, 'recurrent']);
      assert.equal(session.acquiring_payments[0].payment_details.recurrent.initiator, 'merchant');
    }
    assert.deepEqual(await subscriptionEvents(h, sub.firstSession), ['subscription_activated active', 'subscription_charged active', 'subscription_charged active']);
  });

  test('a declined renewal is retried after 1, 3 and 4 days, then the subscription ends', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h, RECURRING_DECLINE);
    advanceTo(h, Date.parse('2027-01-01T10:00:00Z'));
    const dueAt: string[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      assert.equal(await runScheduler(h, [sub.id]), 1, `attempt ${attempt}`);
      const s = await get(h, sub.id);
      dueAt.push(s.next_charge_at);
      assert.equal(s.failed_attempts, attempt);
      if (s.next_charge_at) advanceTo(h, Date.parse(s.next_charge_at));
    }
    assert.deepEqual(dueAt, ['2027-01-02T10:00:00.000Z', '2027-01-05T10:00:00.000Z', '2027-01-09T10:00:00.000Z', null]);
    const ended = await get(h, sub.id);
    assert.deepEqual([ended.status, ended.cancel_reason, ended.periods_paid], ['cancelled', 'payment_failed', 1]);
    assert.deepEqual((await chargesOf(h, sub.id)).map((c) => [c.period, c.attempt]), [[1, 1], [2, 1], [2, 2], [2, 3], [2, 4]]);
    assert.deepEqual(await subscriptionEvents(h, sub.firstSession), [
      'subscription_activated active',
      'subscription_payment_failed past_due',
      'subscription_payment_failed past_due',
      'subscription_payment_failed past_due',
      'subscription_payment_failed cancelled',
      'subscription_cancelled cancelled',
    ]);
    h.clock.advance(60 * DAY);
    assert.equal(await runScheduler(h, [sub.id]), 0, 'an ended subscription is never charged');
  });

  test('cancel at the period end (and restore before it), cancel at once; a disabled token ends it at its next date', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    const atEnd = await h.call('subscription/cancel', { id: sub.id });
    assert.deepEqual([atEnd.body.subscription.status, atEnd.body.subscription.cancel_at_period_end], ['active', true]);
    const restored = await h.call('subscription/restore', { id: sub.id });
    assert.equal(restored.body.subscription.cancel_at_period_end, false);
    assert.equal((await h.call('subscription/restore', { id: sub.id })).status, 409, 'nothing left to restore');
    await h.call('subscription/cancel', { id: sub.id, at_period_end: true });
    advanceTo(h, Date.parse('2027-01-01T10:00:00Z'));
    assert.equal(await runScheduler(h, [sub.id]), 1);
    let s = await get(h, sub.id);
    assert.deepEqual([s.status, s.cancel_reason, s.periods_paid], ['cancelled', 'merchant', 1], 'ended at the period end, not charged');
    assert.deepEqual(await subscriptionEvents(h, sub.firstSession), [
      'subscription_activated active',
      'subscription_updated active', // set to end
      'subscription_updated active', // restored
      'subscription_updated active', // set to end again
      'subscription_cancelled cancelled',
    ]);

    assert.equal((await h.call('subscription/cancel', { id: sub.id })).status, 409);

    const other = await subscribe(h);
    const now = await h.call('subscription/cancel', { id: other.id, at_period_end: false });
    assert.deepEqual([now.body.subscription.status, now.body.subscription.next_charge_at], ['cancelled', null]);

    const third = await subscribe(h);
    await h.call('recurrent/disable', { token: third.card });
    advanceTo(h, Date.parse('2027-02-01T10:00:00Z'));
    await runScheduler(h, [third.id]);
    s = await get(h, third.id);
    assert.deepEqual([s.status, s.cancel_reason], ['cancelled', 'token_inactive']);
    assert.deepEqual((await chargesOf(h, third.id)).length, 1, 'a disabled token is not tried');

    const late = await subscribe(h); // 1 February: its period ends on 1 March
    await h.call('subscription/cancel', { id: late.id });
    advanceTo(h, Date.parse('2027-03-20T10:00:00Z')); // the scheduler gets to it late (a clock moved far, every instance down)
    await runScheduler(h, [late.id]);
    const ended = await get(h, late.id);
    assert.deepEqual([ended.status, ended.cancelled_at], ['cancelled', '2027-03-01T10:00:00.000Z'], 'it ended when its period did');
  });

  test('a first payment never made ends the pending subscription; the list is newest first; unknown ids are 404', async (t) => {
    const h = await harness(t, store);
    const created = await h.call('subscription/create', MONTHLY);
    const cancelled = await h.call('session/cancel', { session_id: created.body.session.id });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    const s = await get(h, created.body.subscription.id);
    assert.deepEqual([s.status, s.cancel_reason], ['cancelled', 'not_paid']);
    assert.deepEqual(await subscriptionEvents(h, created.body.session.id), ['subscription_cancelled cancelled']);

    const second = await h.call('subscription/create', { ...MONTHLY, period: { unit: 'year' } });
    const listed = await h.call('subscription/list', {});
    assert.deepEqual(listed.body.subscriptions.map((x: { id: string }) => x.id), [second.body.subscription.id, created.body.subscription.id]);
    const stopped = await h.call('subscription/cancel', { id: second.body.subscription.id, at_period_end: false });
    assert.equal(stopped.body.subscription.cancel_reason, 'merchant');
    const first = (await h.call('session/status', { session_id: second.body.session.id })).body.session;
    assert.equal(first.status, 'cancelled', 'its first payment can no longer be made');

    assert.equal((await h.call('subscription/get', { id: `sub_${'0'.repeat(20)}` })).status, 404);
    const bad = await h.call('subscription/create', { ...MONTHLY, period: { unit: 'fortnight' } });
    assert.deepEqual([bad.status, bad.body.error.field], [400, 'period.unit']);
    const noCustomer = await h.call('subscription/create', { ...MONTHLY, customer: undefined });
    assert.deepEqual([noCustomer.status, noCustomer.body.error.field], [400, 'customer']);
    const update = await h.call('subscription/update', { id: second.body.subscription.id, description: 'x' });
    assert.equal(update.status, 409, 'an ended subscription takes no changes');
  });

  test('a trial: the first payment is its price, the first full period is charged when it ends, and every period counts from that day', async (t) => {
    const h = await harness(t, store);
    const created = await h.call('subscription/create', { ...MONTHLY, trial: { days: 7 } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(created.body.subscription.trial, { days: 7, amount_details: RUB(100) }, '1 ₽ when the merchant names no price');
    assert.deepEqual(created.body.session.amount_details, RUB(100));
    const view = (await h.publicCall(`sessions/${created.body.public_token}`)).body;
    assert.deepEqual(view.subscription, {
      amount_details: RUB(49_900),
      period: { unit: 'month', count: 1 },
      next_payment_at: '2026-12-08T10:00:00.000Z',
      trial: { days: 7, amount_details: RUB(100) },
    });
    const card = await tokenize(h, created.body.public_token, VISA_SUCCESS);
    await h.publicCall(`sessions/${created.body.public_token}/payments`, post({ method: 'card', card_token: card, recurrent_consent: true }));
    const id = created.body.subscription.id as string;
    const trialing = await get(h, id);
    assert.deepEqual([trialing.status, trialing.periods_paid, trialing.next_charge_at], ['active', 0, '2026-12-08T10:00:00.000Z']);

    advanceTo(h, Date.parse('2026-12-08T10:00:00Z'));
    assert.equal(await runScheduler(h, [id]), 1);
    const charged = await get(h, id);
    assert.deepEqual([charged.periods_paid, charged.next_charge_at], [1, '2027-01-08T10:00:00.000Z'], 'a month from the trial\'s end');
    const [, first] = await chargesOf(h, id);
    assert.deepEqual((await h.call('session/status', { session_id: first!.session_id })).body.session.amount_details, RUB(49_900), 'the full price');
  });

  test("a trial cancelled at its end costs nothing more; a trial's price must be in the subscription's currency", async (t) => {
    const h = await harness(t, store);
    const created = await h.call('subscription/create', { ...MONTHLY, trial: { days: 14, amount_details: RUB(1_000) } });
    const card = await tokenize(h, created.body.public_token, VISA_SUCCESS);
    await h.publicCall(`sessions/${created.body.public_token}/payments`, post({ method: 'card', card_token: card, recurrent_consent: true }));
    const id = created.body.subscription.id as string;
    assert.equal((await h.call('subscription/cancel', { id })).status, 200);
    advanceTo(h, Date.parse('2026-12-15T10:00:00Z'));
    await runScheduler(h, [id]);
    const ended = await get(h, id);
    assert.deepEqual([ended.status, ended.periods_paid], ['cancelled', 0]);
    assert.equal((await chargesOf(h, id)).length, 1, 'only the trial was paid');

    const free = await h.call('subscription/create', { ...MONTHLY, trial: { days: 7, amount_details: RUB(0) } });
    assert.deepEqual([free.status, free.body.error.field], [400, 'trial.amount_details.amount']);
    const dollars = await h.call('subscription/create', { ...MONTHLY, trial: { days: 7, amount_details: { amount: 100, currency: 'USD' } } });
    assert.equal(dollars.status, 400);
    const long = await h.call('subscription/create', { ...MONTHLY, trial: { days: 400 } });
    assert.deepEqual([long.status, long.body.error.field], [400, 'trial.days']);
  });
});

describe('the schedule', () => {
  test('months keep the day they began on, or the last day of a shorter month; each period counts from the start', () => {
    const jan31 = Date.parse('2027-01-31T08:00:00Z');
    assert.deepEqual([1, 2, 3, 13].map((n) => new Date(periodEnd(jan31, 'month', 1, n)).toISOString()), [
      '2027-02-28T08:00:00.000Z',
      '2027-03-31T08:00:00.000Z',
      '2027-04-30T08:00:00.000Z',
      '2028-02-29T08:00:00.000Z',
    ]);
    const leap = Date.parse('2028-02-29T00:00:00Z');
    assert.equal(new Date(periodEnd(leap, 'year', 1, 1)).toISOString(), '2029-02-28T00:00:00.000Z');
    assert.equal(new Date(periodEnd(leap, 'month', 3, 2)).toISOString(), '2028-08-29T00:00:00.000Z');
    assert.equal(periodEnd(START, 'week', 2, 1) - START, 14 * DAY);
    assert.equal(periodEnd(START, 'day', 1, 30) - START, 30 * DAY);
  });

  test('three retries after 1, 3 and 4 days, then none', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => retryAt(0, n)), [DAY, 3 * DAY, 4 * DAY, null]);
  });
});
