/**
 * Recurring tokens in Smart Glocal's shape, on both stores: a session with
 * `payment_options.recurrent: true` paid in the widget only with the customer's consent; its
 * `payment_finished` carries `recurrent {token, type, is_active, created_at, finished_at}`; later
 * charges by `payment_details.type: recurrent` with `initiator` merchant (no customer, no 3-D
 * Secure) or client (one click: the issuer may ask); `recurrent/status` and `recurrent/disable`.
 */
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../server/clock';
import { forEachStore, newKeyPair, RUB, sessionWithToken, startHarness, tokenize, type Harness, type StoreKind } from './helpers';
import { ISO, VISA_3DS, VISA_SUCCESS } from './merchant-fixtures';

const KEYS = newKeyPair();

async function harness(t: TestContext, store: StoreKind): Promise<Harness> {
  const h = await startHarness({ store, keys: KEYS, clock: new ManualClock(Date.parse('2026-12-01T10:00:00Z')) });
  t.after(() => h.close());
  return h;
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A recurrent session, and the customer's attempts to pay it in the widget. */
async function recurrentCheckout(h: Harness, number = VISA_SUCCESS) {
  const s = await sessionWithToken(h, { payment_options: { recurrent: true }, customer: { reference: 'cus-7' } });
  const card = await tokenize(h, s.token, number);
  const pay = (body: Record<string, unknown>) => h.publicCall(`sessions/${s.token}/payments`, post(body));
  return { ...s, card, pay };
}

/** The customer agreed and paid (frictionless): the token is recurrent. */
async function subscribedCard(h: Harness): Promise<string> {
  const c = await recurrentCheckout(h);
  const paid = await c.pay({ method: 'card', card_token: c.card, recurrent_consent: true });
  assert.equal(paid.body.payment?.status, 'succeeded', JSON.stringify(paid.body));
  return c.card;
}

const charge = (h: Harness, token: string, initiator?: 'merchant' | 'client') =>
  h.call('session/init/payment', { amount_details: RUB(49_900), payment_details: { type: 'recurrent', recurrent: { token, ...(initiator ? { initiator } : {}) } } });

forEachStore('recurring tokens', (store) => {
  test("the widget's customer must agree to later charges, and may pay only by what can recur (card, FPS with binding)", async (t) => {
    const h = await harness(t, store);
    const c = await recurrentCheckout(h);
    const view = (await h.publicCall(`sessions/${c.token}`)).body;
    assert.equal(view.recurrent, true);
    assert.deepEqual(view.methods, ['fps', 'card'], 'the sandbox binds FPS accounts');
    assert.equal(view.can_save_card, false, 'the card is kept anyway: no "remember this card"');

    const unticked = await c.pay({ method: 'card', card_token: c.card });
    assert.deepEqual([unticked.status, unticked.body.error.field], [400, 'recurrent_consent']);
    const fps = await c.pay({ method: 'fps' });
    assert.deepEqual([fps.status, fps.body.error.field], [400, 'recurrent_consent']);
    const sberPay = await c.pay({ method: 'sberpay', channel: 'web', recurrent_consent: true });
    assert.deepEqual([sberPay.status, sberPay.body.error.field], [400, 'method']);
    assert.match(sberPay.body.error.description, /pay by fps or card/);
    assert.equal((await h.publicCall(`sessions/${c.token}`)).body.payment, null, 'nothing was started');

    const paid = await c.pay({ method: 'card', card_token: c.card, recurrent_consent: true });
    assert.equal(paid.body.payment.status, 'succeeded', JSON.stringify(paid.body));
    const finished = (await h.events(c.id)).find((e) => e.type === 'payment_finished')!;
    const payment = finished.payload.session.acquiring_payments[0];
    assert.deepEqual(payment.recurrent, { token: c.card, type: 'card', is_active: true, created_at: payment.recurrent.created_at, finished_at: '2026-12-01T10:00:00.000Z' });
    assert.match(payment.recurrent.created_at, ISO);
    const [row] = await h.server.store.sessions.payments(c.id);
    assert.deepEqual(JSON.parse(row!.details_json).recurrent_consent, { accepted_at: '2026-12-01T10:00:00.000Z' });
  });

  test('a payment that did not ask to keep the card shows no recurrent token', async (t) => {
    const h = await harness(t, store);
    const s = await sessionWithToken(h);
    const card = await tokenize(h, s.token, VISA_SUCCESS);
    const paid = await h.publicCall(`sessions/${s.token}/payments`, post({ method: 'card', card_token: card }));
    assert.equal(paid.body.payment.status, 'succeeded');
    assert.equal(paid.body.recurrent, false);
    const session = (await h.call('session/status', { session_id: s.id })).body.session;
    assert.equal('recurrent' in session.acquiring_payments[0], false);
    assertError(await h.call('recurrent/status', { token: card }), 404);
  });

  test('merchant-initiated charges need no customer; a client-initiated one with a 3-D Secure card asks the customer', async (t) => {
    const h = await harness(t, store);
    const c = await recurrentCheckout(h, VISA_3DS);
    const first = await c.pay({ method: 'card', card_token: c.card, recurrent_consent: true });
    assert.equal(first.body.payment.customer_interaction?.type, 'redirect', 'the first payment passes 3-D Secure');
    const approved = await h.app.request(`/sandbox/payments/${first.body.payment.id}/approve`, post({}));
    assert.equal(approved.status, 200);

    const byMerchant = await charge(h, c.card);
    assert.equal(byMerchant.status, 200, JSON.stringify(byMerchant.body));
    const charged = byMerchant.body.session.acquiring_payments[0];
    assert.equal(charged.status, 'succeeded');
    assert.equal(charged.customer_interaction, undefined);
    assert.equal(charged.payment_details.recurrent.initiator, 'merchant', 'the default, recorded');

    const byClient = await charge(h, c.card, 'client');
    assert.equal(byClient.status, 200, JSON.stringify(byClient.body));
    const asked = byClient.body.session.acquiring_payments[0];
    assert.equal(asked.status, 'in_progress');
    assert.equal(asked.customer_interaction?.type, 'redirect', 'the issuer asks the customer who clicked');
    assert.deepEqual((await h.events(byClient.body.session.id)).map((e) => e.type), ['action_required']);
  });

  test('recurrent/status tells whether the token can be charged; disabled, it cannot', async (t) => {
    const h = await harness(t, store);
    const token = await subscribedCard(h);
    const status = await h.call('recurrent/status', { token });
    assert.equal(status.status, 200, JSON.stringify(status.body));
    assert.deepEqual({ ...status.body.recurrent, created_at: 'x' }, { token, type: 'card', is_active: true, created_at: 'x', finished_at: '2026-12-01T10:00:00.000Z' });
    h.clock.advance(60_000);
    assert.equal((await h.call('recurrent/disable', { token })).status, 200);
    assert.equal((await h.call('recurrent/status', { token })).body.recurrent.is_active, false);
    assertError(await charge(h, token), 409);
    assertError(await h.call('recurrent/status', { token: `tok_${'0'.repeat(20)}` }), 404);
  });
});

function assertError(reply: { status: number; body: any }, status: number): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.status, 'error');
}
