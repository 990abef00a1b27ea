/**
 * FPS account binding, on both stores: a recurrent session paid by FPS shows NSPK's binding link
 * (sub.nspk.ru, type 03, with the sum); the customer's bank approves, which pays and binds; the
 * payment's `recurrent` is a `bnd_…` token of type faster_payment_system; the merchant charges it
 * with no customer; the customer revokes it at their bank, and the merchant hears
 * `recurrent_disabled`; a subscription paid by FPS renews on the binding and ends once it is revoked.
 */
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../server/clock';
import { parseFpsLink } from '../../server/sandbox/fps';
import { forEachStore, newKeyPair, RUB, sessionWithToken, startHarness, type Harness, type StoreKind } from './helpers';

const KEYS = newKeyPair();
const START = Date.parse('2026-12-01T10:00:00Z');
const T_BANK = '100000000004';

async function harness(t: TestContext, store: StoreKind): Promise<Harness> {
  const h = await startHarness({ store, keys: KEYS, clock: new ManualClock(START) });
  t.after(() => h.close());
  return h;
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The customer picks FPS on a recurrent checkout, agreeing to later charges: the binding link to scan. */
async function fpsCheckout(h: Harness, publicToken: string) {
  const started = await h.publicCall(`sessions/${publicToken}/payments`, post({ method: 'fps', recurrent_consent: true }));
  assert.equal(started.status, 200, JSON.stringify(started.body));
  return { paymentId: started.body.payment.id as string, link: started.body.payment.customer_interaction.redirect.url as string };
}

/** The customer's bank (`bank`) approves the scanned link, as the sandbox bank page does. */
async function approveAtBank(h: Harness, paymentId: string, bank?: string) {
  const res = await h.app.request(`/sandbox/payments/${paymentId}/approve${bank ? `?bank=${bank}` : ''}`, { method: 'POST' });
  assert.equal(res.status, 200, await res.clone().text());
}

async function boundAccount(h: Harness) {
  const s = await sessionWithToken(h, { payment_options: { recurrent: true }, customer: { reference: 'cus-fps' } });
  const { paymentId } = await fpsCheckout(h, s.token);
  await approveAtBank(h, paymentId, T_BANK);
  const finished = (await h.events(s.id)).find((e) => e.type === 'payment_finished')!;
  return { session: s.id, token: finished.payload.session.acquiring_payments[0].recurrent.token as string };
}

const charge = (h: Harness, token: string) =>
  h.call('session/init/payment', { amount_details: RUB(49_900), payment_details: { type: 'recurrent', recurrent: { token } } });

forEachStore('FPS account binding', (store) => {
  test('a recurrent FPS payment shows the binding link, and the bank approving it pays and binds the account', async (t) => {
    const h = await harness(t, store);
    const s = await sessionWithToken(h, { payment_options: { recurrent: true }, customer: { reference: 'cus-fps' } });
    const { paymentId, link } = await fpsCheckout(h, s.token);
    const parsed = parseFpsLink(link);
    assert.ok(parsed?.binding, `a binding link: ${link}`);
    assert.deepEqual([parsed.amountMinor, parsed.crcValid], [1000, true]);
    assert.match(parsed.qrId, /^AB[A-Z0-9]{30}$/);
    const bankPage = await (await h.app.request(`/sandbox/bank?link=${encodeURIComponent(link)}&lang=en`)).text();
    assert.match(bankPage, /Pay and link account/);
    assert.match(bankPage, /may take the next payments from your account/);

    await approveAtBank(h, paymentId, T_BANK);
    const finished = (await h.events(s.id)).find((e) => e.type === 'payment_finished')!;
    const payment = finished.payload.session.acquiring_payments[0];
    assert.equal(payment.status, 'succeeded');
    assert.match(payment.recurrent.token, /^bnd_[0-9a-z]{20}$/);
    assert.deepEqual(payment.recurrent, {
      token: payment.recurrent.token,
      type: 'faster_payment_system',
      is_active: true,
      created_at: '2026-12-01T10:00:00.000Z',
      finished_at: '2026-12-01T10:00:00.000Z',
      bank: { id: T_BANK, name: 'Т-Банк' },
    });
    const status = await h.call('recurrent/status', { token: payment.recurrent.token });
    assert.deepEqual([status.status, status.body.recurrent], [200, payment.recurrent]);
  });

  test('an FPS payment that did not ask to keep anything shows a plain QR and binds nothing', async (t) => {
    const h = await harness(t, store);
    const s = await sessionWithToken(h);
    const started = await h.publicCall(`sessions/${s.token}/payments`, post({ method: 'fps' }));
    assert.equal(parseFpsLink(started.body.payment.customer_interaction.redirect.url)?.binding, false);
    await approveAtBank(h, started.body.payment.id);
    const session = (await h.call('session/status', { session_id: s.id })).body.session;
    assert.equal(session.acquiring_payments[0].status, 'succeeded');
    assert.equal('recurrent' in session.acquiring_payments[0], false);
  });

  test('the merchant charges the binding with no customer; revoked at the bank, it is inactive, the merchant is told, and charges are refused', async (t) => {
    const h = await harness(t, store);
    const { session, token } = await boundAccount(h);
    const charged = await charge(h, token);
    assert.equal(charged.status, 200, JSON.stringify(charged.body));
    await h.server.rails.settled(charged.body.session.id);
    const paid = (await h.call('session/status', { session_id: charged.body.session.id })).body.session;
    assert.equal(paid.status, 'accepted', 'paid with nobody there');
    assert.deepEqual(paid.acquiring_payments[0].payment_details.recurrent, { token, initiator: 'merchant' });

    const atBank = await h.server.store.sandboxRail.bindings(10);
    assert.equal(atBank.length, 1);
    const listed = await (await h.app.request('/sandbox/bindings?lang=en')).text();
    assert.match(listed, /Т-Банк/);
    assert.match(listed, /Disable/);
    const revoked = await h.app.request(`/sandbox/bindings/${atBank[0]!.ref}/revoke`, { method: 'POST' });
    assert.equal(revoked.status, 200);
    const again = await h.app.request(`/sandbox/bindings/${atBank[0]!.ref}/revoke`, { method: 'POST' });
    assert.equal(again.status, 409, 'revoked once');

    const told = (await h.events(session)).filter((e) => e.type === 'recurrent_disabled');
    assert.equal(told.length, 1);
    assert.equal(told[0]!.payload.session.acquiring_payments[0].recurrent.is_active, false);
    assert.equal((await h.call('recurrent/status', { token })).body.recurrent.is_active, false);
    const refused = await charge(h, token);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.description, /revoked the binding in their bank app/);
  });

  test('a binding revoked at the bank whose notice was lost: the bank declines the charge', async (t) => {
    const h = await harness(t, store);
    const { token } = await boundAccount(h);
    const [binding] = await h.server.store.sandboxRail.bindings(1);
    h.server.sandbox!.faults.inject('report', 'lost');
    await h.app.request(`/sandbox/bindings/${binding!.ref}/revoke`, { method: 'POST' });
    const charged = await charge(h, token);
    await h.server.rails.settled(charged.body.session.id);
    const payment = (await h.call('session/status', { session_id: charged.body.session.id })).body.session.acquiring_payments[0];
    assert.deepEqual([payment.status, payment.failure.code], ['failed', 'binding_revoked']);
  });

  test('recurrent/disable ends a binding for this gateway; bad tokens are told apart', async (t) => {
    const h = await harness(t, store);
    const { token } = await boundAccount(h);
    const disabled = await h.call('recurrent/disable', { token });
    assert.deepEqual([disabled.status, disabled.body.disabled], [200, true]);
    const refused = await charge(h, token);
    assert.equal(refused.status, 409);
    assert.match(refused.body.error.description, /was disabled \(recurrent\/disable\)/);
    assert.equal((await h.call('recurrent/status', { token: 'bnd_00000000000000000000' })).status, 404);
    const malformed = await h.call('recurrent/status', { token: 'sub_1' });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error.description, /tok_… \(a card\) or bnd_… \(an FPS account binding\)/);
  });

  test('a subscription paid by FPS renews on the binding, and ends at its next date once the customer revoked it', async (t) => {
    const h = await harness(t, store);
    const created = await h.call('subscription/create', { amount_details: RUB(49_900), period: { unit: 'month' }, description: 'Чай', customer: { reference: 'cus-fps' } });
    const { paymentId } = await fpsCheckout(h, created.body.public_token);
    await approveAtBank(h, paymentId, T_BANK);
    const id = created.body.subscription.id as string;
    const active = (await h.call('subscription/get', { id })).body.subscription;
    assert.equal(active.status, 'active');
    assert.equal(active.recurrent.type, 'faster_payment_system');
    assert.match(active.recurrent.token, /^bnd_/);

    h.clock.advance(Date.parse(active.next_charge_at) - h.clock.now());
    assert.equal(await h.server.subscriptions.chargeDue(), 1);
    for (const c of await h.server.store.subscriptions.charges(id)) await h.server.rails.settled(c.session_id);
    const renewed = (await h.call('subscription/get', { id })).body.subscription;
    assert.deepEqual([renewed.status, renewed.periods_paid], ['active', 2]);

    const [binding] = await h.server.store.sandboxRail.bindings(1);
    await h.app.request(`/sandbox/bindings/${binding!.ref}/revoke`, { method: 'POST' });
    h.clock.advance(Date.parse(renewed.next_charge_at) - h.clock.now());
    await h.server.subscriptions.chargeDue();
    const ended = (await h.call('subscription/get', { id })).body.subscription;
    assert.deepEqual([ended.status, ended.cancel_reason, ended.periods_paid], ['cancelled', 'token_inactive', 2]);
  });

  test('under manual confirmation a charge of the binding waits for the merchant (ready_to_confirm), and is debited on the confirm', async (t) => {
    const h = await harness(t, store);
    const { token } = await boundAccount(h);
    const charged = await h.call('session/init/payment', { amount_details: RUB(49_900), payment_options: { confirmation: 'manual' }, payment_details: { type: 'recurrent', recurrent: { token } } });
    assert.equal(charged.status, 200, JSON.stringify(charged.body));
    const id = charged.body.session.id as string;
    await h.server.rails.settled(id);
    const waiting = (await h.call('session/status', { session_id: id })).body.session;
    assert.deepEqual([waiting.next_action, waiting.acquiring_payments[0].status], ['confirm', 'pending'], JSON.stringify(waiting));
    assert.equal((await h.call('session/confirm', { session_id: id })).status, 200);
    await h.server.rails.settled(id);
    const paid = (await h.call('session/status', { session_id: id })).body.session;
    assert.deepEqual([paid.status, paid.acquiring_payments[0].status], ['accepted', 'succeeded']);
    assert.equal('rail_ref' in (paid.acquiring_payments[0].payment_details.faster_payment_system ?? {}), false, "the rail's own id of the binding is not the merchant's to see");
  });

  test('a recurrent session is not paid by SberPay, which keeps nothing to charge later', async (t) => {
    const h = await harness(t, store);
    const created = await h.call('session/create', { amount_details: RUB(1000), payment_options: { recurrent: true } });
    const refused = await h.call('session/start/payment', { session_id: created.body.session.id, payment_details: { type: 'internet_banking', internet_banking: { type: 'sber_pay', sber_pay: { channel: 'web' } } } });
    assert.deepEqual([refused.status, refused.body.error.field], [400, 'payment_details.type']);
  });

  test('the bank page refuses a bank that is not in the FPS directory', async (t) => {
    const h = await harness(t, store);
    const s = await sessionWithToken(h, { payment_options: { recurrent: true } });
    const { paymentId } = await fpsCheckout(h, s.token);
    const res = await h.app.request(`/sandbox/payments/${paymentId}/approve?bank=999999999999`, { method: 'POST' });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as any).error.description, /no FPS bank has member id/);
  });
});
