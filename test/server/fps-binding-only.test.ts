/**
 * Binding an FPS account without paying, on both stores: a session with `binding` (or
 * session/init/payment with payment_details.type faster_payment_system_binding) has no amount; the
 * customer gets NSPK's binding link with no sum, their bank links the account and takes nothing,
 * and the payment's `recurrent` is a `bnd_…` token the merchant charges later. Nothing about it
 * reads as money taken: no receipt, no refund, nothing to confirm. Every wrong mix is a 400 that
 * says what to send.
 */
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../server/clock';
import { parseFpsLink } from '../../server/sandbox/fps';
import { forEachStore, newKeyPair, RUB, startHarness, type Harness, type StoreKind } from './helpers';
import type { Confirmation } from '../../server/domain/types';

const KEYS = newKeyPair();
const START = Date.parse('2026-12-01T10:00:00Z');
const SBER = '100000000111';

async function harness(t: TestContext, store: StoreKind, confirmation: Confirmation = 'auto'): Promise<Harness> {
  const h = await startHarness({ store, keys: KEYS, clock: new ManualClock(START), confirmation });
  t.after(() => h.close());
  return h;
}

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A session that only binds, and its public token. */
async function bindingSession(h: Harness, body: Record<string, unknown> = {}) {
  const created = await h.call('session/create', { binding: { type: 'faster_payment_system' }, description: 'Автоплатёж', customer: { reference: 'cus-bind' }, ...body });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const token = await h.call('token', { session_id: created.body.session.id });
  return { session: created.body.session, token: token.body.public_token as string };
}

async function approveAtBank(h: Harness, paymentId: string, bank?: string) {
  const res = await h.app.request(`/sandbox/payments/${paymentId}/approve${bank ? `?bank=${bank}` : ''}`, { method: 'POST' });
  assert.equal(res.status, 200, await res.clone().text());
}

forEachStore('FPS binding without paying', (store) => {
  test('the customer links their account in the widget: a binding link with no sum, the bank takes nothing, and the bnd_ token is charged later', async (t) => {
    const h = await harness(t, store);
    const { session, token } = await bindingSession(h);
    assert.deepEqual(session.amount_details, RUB(0));
    assert.deepEqual(session.binding, { type: 'faster_payment_system' });
    assert.equal(session.payment_options.recurrent, true);

    const hosted = await (await h.app.request(`/pay/${token}?lang=en`)).text();
    assert.match(hosted, /<title>Account link · /, 'the hosted page asks for no payment');
    const view = (await h.publicCall(`sessions/${token}`)).body;
    assert.deepEqual([view.binding, view.recurrent, view.methods], [true, true, ['fps']]);
    const card = await h.publicCall(`sessions/${token}/payments`, post({ method: 'card', card_token: 'tok_00000000000000000000', recurrent_consent: true }));
    assert.equal(card.status, 400);
    assert.match(card.body.error.description, /links your bank account .* by fps/);
    const unticked = await h.publicCall(`sessions/${token}/payments`, post({ method: 'fps' }));
    assert.deepEqual([unticked.status, unticked.body.error.field], [400, 'recurrent_consent']);

    const started = await h.publicCall(`sessions/${token}/payments`, post({ method: 'fps', recurrent_consent: true }));
    assert.equal(started.status, 200, JSON.stringify(started.body));
    const link = started.body.payment.customer_interaction.redirect.url as string;
    const parsed = parseFpsLink(link);
    assert.ok(parsed?.binding, `a binding link: ${link}`);
    assert.deepEqual([parsed.amountMinor, parsed.crcValid], [null, true], 'no sum: nothing is paid');
    assert.doesNotMatch(link, /sum=/);

    const bankPage = await (await h.app.request(`/sandbox/bank?link=${encodeURIComponent(link)}&lang=en`)).text();
    assert.match(bankPage, />Link account</);
    assert.match(bankPage, /Account link for/);
    assert.doesNotMatch(bankPage, /0\.00|Pay and link/);

    await approveAtBank(h, started.body.payment.id, SBER);
    const finished = (await h.events(session.id)).filter((e) => e.type === 'payment_finished');
    assert.equal(finished.length, 1);
    const done = finished[0]!.payload.session;
    assert.equal(done.status, 'accepted');
    const payment = done.acquiring_payments[0];
    assert.deepEqual([payment.status, payment.payment_details, payment.amount_details], ['succeeded', { type: 'faster_payment_system_binding' }, RUB(0)]);
    assert.match(payment.recurrent.token, /^bnd_[0-9a-z]{20}$/);
    assert.deepEqual([payment.recurrent.type, payment.recurrent.is_active, payment.recurrent.bank], ['faster_payment_system', true, { id: SBER, name: 'Сбербанк' }]);
    assert.equal((await h.publicCall(`sessions/${token}`)).body.payment.status, 'succeeded');
    const atBank = await h.server.store.sandboxRail.bindings(10);
    assert.deepEqual(atBank.map((b) => [b.bank_id, b.status]), [[SBER, 'active']]);

    const charged = await h.call('session/init/payment', { amount_details: RUB(49_900), payment_details: { type: 'recurrent', recurrent: { token: payment.recurrent.token } } });
    assert.equal(charged.status, 200, JSON.stringify(charged.body));
    await h.server.rails.settled(charged.body.session.id);
    const paid = (await h.call('session/status', { session_id: charged.body.session.id })).body.session;
    assert.deepEqual([paid.status, paid.acquiring_payments[0].amount_details], ['accepted', RUB(49_900)]);
  });

  test('session/init/payment binds at once; a bank that declines leaves nothing bound', async (t) => {
    const h = await harness(t, store);
    const started = await h.call('session/init/payment', { payment_details: { type: 'faster_payment_system_binding' }, customer: { reference: 'cus-bind' } });
    assert.equal(started.status, 200, JSON.stringify(started.body));
    await h.server.rails.settled(started.body.session.id);
    const waiting = (await h.call('session/status', { session_id: started.body.session.id })).body.session;
    assert.deepEqual([waiting.amount_details, waiting.binding], [RUB(0), { type: 'faster_payment_system' }]);
    const payment = waiting.acquiring_payments[0];
    assert.equal(parseFpsLink(payment.customer_interaction.redirect.url)?.amountMinor, null);

    // As the bank page's form posts it: the bank answers with its page.
    const declined = await h.app.request(`/sandbox/payments/${payment.id}/decline?lang=en`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    assert.equal(declined.status, 303);
    const after = await h.app.request(declined.headers.get('location')!);
    assert.match(await after.text(), /Not linked:/);
    const failed = (await h.call('session/status', { session_id: started.body.session.id })).body.session.acquiring_payments[0];
    assert.deepEqual([failed.status, failed.failure.code, 'recurrent' in failed], ['failed', 'declined_by_customer', false]);
    assert.equal((await h.server.store.sandboxRail.bindings(10)).length, 0);
  });

  test('a rail that says "captured" but reports no binding bound nothing: the binding failed, and no token is made', async (t) => {
    const h = await harness(t, store);
    const { session, token } = await bindingSession(h);
    const started = await h.publicCall(`sessions/${token}/payments`, post({ method: 'fps', recurrent_consent: true }));
    // What an upstream that does not bind answers (the port's RailPaymentState), told as its callback would tell it.
    await h.server.store.transaction((tx) => h.server.sessions.railAnswered(tx, started.body.payment.id, { state: 'captured', railRef: null }));
    const payment = (await h.call('session/status', { session_id: session.id })).body.session.acquiring_payments[0];
    assert.deepEqual([payment.status, payment.failure?.code, 'recurrent' in payment], ['failed', 'binding_failed', false]);
  });

  test('bound at the bank after the binding ended here (its callback lost, the QR closed): recorded but never charged, nothing refunded', async (t) => {
    const h = await harness(t, store);
    const { session, token } = await bindingSession(h);
    const started = await h.publicCall(`sessions/${token}/payments`, post({ method: 'fps', recurrent_consent: true }));
    const paymentId = started.body.payment.id as string;
    h.server.sandbox!.faults.inject('report', 'lost');
    await approveAtBank(h, paymentId);
    // The customer closes the QR before the gateway heard: the payment ends here, and the rail is asked to withdraw it.
    const abandoned = await h.publicCall(`sessions/${token}/payments/${paymentId}/abandon`, post({}));
    assert.equal(abandoned.status, 200, JSON.stringify(abandoned.body));
    await h.server.rails.settled(session.id);
    const payment = (await h.call('session/status', { session_id: session.id })).body.session.acquiring_payments[0];
    assert.deepEqual([payment.status, payment.failure.code, payment.refunds], ['failed', 'abandoned', undefined]);
    const binding = await h.server.store.bindings.byPayment(paymentId);
    assert.ok(binding, 'the account the bank bound is on record');
    assert.deepEqual([binding.disabled_by, binding.disabled_at !== null], ['merchant', true], 'and never charged');
    assert.equal((await h.server.store.sessions.payment(paymentId))?.reconcile_at, null, 'nothing left to ask the bank');
  });

  test('a binding keeps what it binds and takes no card: recurrent false, save_card and card entry are refused', async (t) => {
    const h = await harness(t, store);
    const { session, token } = await bindingSession(h);
    const off = await h.call('session/start/payment', { session_id: session.id, payment_details: { type: 'faster_payment_system_binding' }, payment_options: { recurrent: false } });
    assert.deepEqual([off.status, off.body.error.field], [400, 'payment_options.recurrent']);
    const card = await h.call('session/start/payment', { session_id: session.id, payment_details: { type: 'faster_payment_system_binding' }, payment_options: { save_card: true } });
    assert.deepEqual([card.status, card.body.error.field], [400, 'payment_options.save_card']);
    const created = await h.call('session/create', { binding: { type: 'faster_payment_system' }, payment_options: { recurrent: false } });
    assert.deepEqual([created.status, created.body.error.field], [400, 'payment_options.recurrent']);
    const typed = await h.publicCall(`sessions/${token}/cards`, post({ number: '4242424242424242', expiry_month: 12, expiry_year: 2031, cvc: '123' }));
    assert.equal(typed.status, 409);
    assert.match(typed.body.error.description, /takes no card/);
    assert.equal((await h.call('session/status', { session_id: session.id })).body.session.acquiring_payments.length, 0);
  });

  test('under manual confirmation a binding is confirmed at once: it holds no money', async (t) => {
    const h = await harness(t, store, 'manual');
    const { session, token } = await bindingSession(h);
    assert.equal(session.payment_options.confirmation, 'auto');
    const started = await h.publicCall(`sessions/${token}/payments`, post({ method: 'fps', recurrent_consent: true }));
    await approveAtBank(h, started.body.payment.id);
    const done = (await h.call('session/status', { session_id: session.id })).body.session;
    assert.deepEqual([done.status, 'next_action' in done, done.acquiring_payments[0].status], ['accepted', false, 'succeeded']);
  });

  test('nothing reads a binding as money taken: no refund, no receipt', async (t) => {
    const h = await harness(t, store);
    const { session, token } = await bindingSession(h);
    const started = await h.publicCall(`sessions/${token}/payments`, post({ method: 'fps', recurrent_consent: true }));
    await approveAtBank(h, started.body.payment.id);
    const refund = await h.call('session/refund', { session_id: session.id });
    assert.equal(refund.status, 409);
    assert.match(refund.body.error.description, /takes no money: there is nothing to refund/);
    const receipt = await h.app.request(`/receipt/${started.body.payment.id}?lang=en`);
    assert.equal(receipt.status, 404);
    assert.equal((await h.events(session.id)).some((e) => e.type === 'payment_refunded'), false);
  });

  test('every wrong mix of amount and binding is a 400 that says what to send', async (t) => {
    const h = await harness(t, store);
    const refusal = async (method: string, body: Record<string, unknown>, field: string, words: RegExp) => {
      const res = await h.call(method, body);
      assert.equal(res.status, 400, `${method} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.field, field);
      assert.match(res.body.error.description, words);
    };
    const binding = { type: 'faster_payment_system' };
    await refusal('session/create', {}, 'amount_details', /is required.*send binding/);
    await refusal('session/create', { binding, amount_details: RUB(100) }, 'amount_details', /must be omitted: a binding takes no money/);
    await refusal('session/create', { binding, payment_options: { confirmation: 'manual' } }, 'payment_options.confirmation', /nothing to confirm/);
    await refusal('session/create', { binding, payment_options: { save_card: true } }, 'payment_options.save_card', /not a card/);
    await refusal('session/create', { binding, payment_options: { recurrent: false } }, 'payment_options.recurrent', /keeps the account it binds/);
    await refusal('session/create', { binding: { type: 'card' } }, 'binding.type', /faster_payment_system/);
    await refusal('session/init/payment', { payment_details: { type: 'faster_payment_system' } }, 'amount_details', /faster_payment_system_binding/);
    await refusal('session/init/payment', { amount_details: RUB(100), payment_details: { type: 'faster_payment_system_binding' } }, 'amount_details', /must be omitted/);

    const paying = await h.call('session/create', { amount_details: RUB(1000) });
    await refusal('session/start/payment', { session_id: paying.body.session.id, payment_details: { type: 'faster_payment_system_binding' } }, 'payment_details.type', /takes no money/);
    const { session } = await bindingSession(h);
    await refusal('session/start/payment', { session_id: session.id, payment_details: { type: 'faster_payment_system' } }, 'payment_details.type', /start it with payment_details.type faster_payment_system_binding/);
    await refusal(
      'session/start/payment',
      { session_id: session.id, payment_details: { type: 'internet_banking', internet_banking: { type: 'sber_pay', sber_pay: { channel: 'web' } } } },
      'payment_details.type',
      /faster_payment_system_binding/,
    );
    // Refused whole: nothing was created or started by any of them.
    assert.equal((await h.call('session/status', { session_id: session.id })).body.session.acquiring_payments.length, 0);
  });
});
