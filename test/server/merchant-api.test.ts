/**
 * The signed merchant API: signatures, and the success of every method with its reply shape.
 * Errors are in merchant-api-validation.test.ts, idempotency and docs in
 * merchant-api-idempotency.test.ts, the documented SberPay example in merchant-api-reference.test.ts.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { RUB, forEachStore, newKeyPair, signBody, startHarness, type StoreKind } from './helpers';
import {
  FPS, ISO, PAYMENT_ID, PHONE, REFUND_ID, SESSION_ID, VISA_3DS, VISA_SUCCESS,
  approve, assertError, count, paidByCard, rows, sberPay, send, writesNothing,
} from './merchant-fixtures';
import { publicTokenHash } from '../../server/sessions/service';
import { sessionWithToken, tokenize } from './helpers';

async function harness(t: TestContext, store: StoreKind, opts: Parameters<typeof startHarness>[0] = {}) {
  const h = await startHarness({ store, ...opts });
  t.after(() => h.close());
  return h;
}

const CREATE = JSON.stringify({ amount_details: RUB(1000) });

forEachStore('the signed merchant API', (store) => {
  // ─── Signatures ──────────────────────────────────────────────────────────────────────────────

  test('a body signed with the project key is accepted and creates one session', async (t) => {
    const h = await harness(t, store);
    const reply = await send(h, 'session/create', CREATE);
    assert.equal(reply.status, 200);
    assert.equal(reply.body.status, 'ok');
    assert.match(reply.body.session.id, SESSION_ID);
    assert.equal(await count(h, 'sessions'), 1);
  });

  test('the signature covers the raw bytes: whitespace and key order are the merchant’s choice', async (t) => {
    const h = await harness(t, store);
    const raw = '{\n  "amount_details" : { "currency": "RUB", "amount": 1000 }\n}\n';
    const reply = await send(h, 'session/create', raw);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(reply.body.session.amount_details, RUB(1000));
  });

  test('a body signed with another key is refused with 401 and writes nothing', async (t) => {
    const h = await harness(t, store);
    const stranger = newKeyPair();
    const reply = await writesNothing(h, () => send(h, 'session/create', CREATE, { privateKey: stranger.privateKey }));
    assertError(reply, 401, 'unauthorized');
    assert.match(reply.body.error.description, /X-PARTNER-SIGN does not match/);
    assert.match(reply.body.error.description, /private key/);
    assert.equal(await count(h, 'sessions'), 0);
  });

  test('a tampered body (one body signed, another sent) is refused with 401', async (t) => {
    const h = await harness(t, store);
    const signed = JSON.stringify({ amount_details: RUB(1000) });
    const sent = JSON.stringify({ amount_details: RUB(1) });
    const reply = await writesNothing(h, () => send(h, 'session/create', sent, { sign: signed }));
    assertError(reply, 401, 'unauthorized');
    assert.match(reply.body.error.description, /sign the exact bytes you send/);
    assert.equal(await count(h, 'sessions'), 0);
  });

  test('a missing X-PARTNER-SIGN is refused with 401 naming the header', async (t) => {
    const h = await harness(t, store);
    const reply = await writesNothing(h, () => send(h, 'session/create', CREATE, { omit: ['x-partner-sign'] }));
    assertError(reply, 401, 'unauthorized');
    assert.match(reply.body.error.description, /X-PARTNER-SIGN header is missing/);
    assert.equal(await count(h, 'sessions'), 0);
  });

  test('a signature that is not base64 is refused with 401 saying to base64-encode it', async (t) => {
    const h = await harness(t, store);
    for (const bad of ['not base64!', 'abc', '****']) {
      const reply = await writesNothing(h, () => send(h, 'session/create', CREATE, { headers: { 'x-partner-sign': bad } }));
      assertError(reply, 401, 'unauthorized');
      assert.match(reply.body.error.description, /not base64/, bad);
    }
    // Valid base64 of the wrong bytes is a mismatch, not a format error.
    const wrong = await send(h, 'session/create', CREATE, { headers: { 'x-partner-sign': Buffer.from('x'.repeat(256)).toString('base64') } });
    assertError(wrong, 401, 'unauthorized');
    assert.match(wrong.body.error.description, /does not match/);
    assert.equal(await count(h, 'sessions'), 0);
  });

  test('a missing X-PARTNER-PROJECT is refused with 401 naming the header', async (t) => {
    const h = await harness(t, store);
    const reply = await writesNothing(h, () => send(h, 'session/create', CREATE, { omit: ['x-partner-project'] }));
    assertError(reply, 401, 'unauthorized');
    assert.match(reply.body.error.description, /X-PARTNER-PROJECT header is missing/);
  });

  test('an unknown project is refused with 401 naming it and how to register it', async (t) => {
    const h = await harness(t, store);
    const reply = await writesNothing(h, () => send(h, 'session/create', CREATE, { headers: { 'x-partner-project': 'nobody' } }));
    assertError(reply, 401, 'unauthorized');
    assert.match(reply.body.error.description, /project "nobody" is not registered/);
    assert.match(reply.body.error.description, /project add/);
    assert.equal(await count(h, 'sessions'), 0);
  });

  test('a signature made with another project’s key does not authenticate as this project', async (t) => {
    const h = await harness(t, store);
    const { privateKey } = newKeyPair();
    const reply = await send(h, 'session/create', CREATE, { headers: { 'x-partner-sign': signBody(privateKey, CREATE) } });
    assertError(reply, 401, 'unauthorized');
    assert.equal(await count(h, 'sessions'), 0);
  });

  // ─── Every method's success ──────────────────────────────────────────────────────────────────

  test('session/create answers the session in kopecks with an upper-case currency', async (t) => {
    const h = await harness(t, store);
    const reply = await h.call('session/create', {
      amount_details: { amount: 149900, currency: 'rub' },
      description: 'Annual subscription',
      metadata: { order: 'A-1' },
      customer: { reference: 'cust-1', email: 'ivan@example.com', phone: PHONE },
      payment_options: { return_url: 'https://shop.example/return' },
    });
    assert.equal(reply.status, 200);
    const s = reply.body.session;
    assert.match(s.id, SESSION_ID);
    assert.equal(s.status, 'created');
    assert.deepEqual(s.amount_details, { amount: 149900, currency: 'RUB' });
    assert.equal(s.description, 'Annual subscription');
    assert.deepEqual(s.metadata, { order: 'A-1' });
    assert.deepEqual(s.customer, { reference: 'cust-1', email: 'ivan@example.com', phone: PHONE });
    assert.deepEqual(s.acquiring_payments, []);
    for (const key of ['created_at', 'updated_at', 'expires_at']) assert.match(s[key], ISO, key);
    assert.equal(Date.parse(s.expires_at) - Date.parse(s.created_at), 24 * 60 * 60_000);
    const row = (await h.server.store.sessions.get(s.id))!;
    assert.equal(row.amount, 149900);
    assert.equal(row.currency, 'RUB');
  });

  test('session/init/payment with a tokenised card pays at once (frictionless card, auto confirmation)', async (t) => {
    const h = await harness(t, store);
    // A card is tokenised against a session; init/payment then charges it in a new one.
    const { token } = await sessionWithToken(h);
    const card = await tokenize(h, token, VISA_SUCCESS);
    const reply = await h.call('session/init/payment', {
      amount_details: { amount: 2500, currency: 'rub' },
      payment_details: { type: 'card', card: { token: card } },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const s = reply.body.session;
    assert.equal(s.status, 'accepted');
    assert.equal(s.acquiring_payments.length, 1);
    const p = s.acquiring_payments[0];
    assert.match(p.id, PAYMENT_ID);
    assert.equal(p.status, 'succeeded');
    assert.deepEqual(p.amount_details, { amount: 2500, currency: 'RUB' });
    assert.equal(p.payment_details.type, 'card');
    assert.equal(p.payment_details.card.token, card);
    assert.equal(p.payment_details.card.last4, '4242');
    assert.equal(p.payment_details.card.brand, 'visa');
    assert.deepEqual((await h.events(s.id)).map((e) => e.type), ['payment_finished']);
  });

  test('session/init/payment by FPS answers an NSPK QR link for the amount', async (t) => {
    const h = await harness(t, store);
    const reply = await h.call('session/init/payment', { amount_details: RUB(12345), payment_details: FPS });
    assert.equal(reply.status, 200);
    const p = reply.body.session.acquiring_payments[0];
    assert.equal(reply.body.session.status, 'in_progress');
    assert.equal(p.status, 'in_progress');
    assert.equal(p.customer_interaction.type, 'qr');
    assert.match(p.customer_interaction.redirect.url, /^https:\/\/qr\.nspk\.ru\/[0-9A-Z]{32}\?type=02&bank=\d{12}&sum=12345&cur=RUB&crc=[0-9A-F]{4}$/);
    assert.match(p.customer_interaction.expires_at, ISO);
    assert.deepEqual((await h.events(reply.body.session.id)).map((e) => e.type), ['action_required']);
  });

  test('session/init/payment by SberPay: web gives a QR page, app and mobile_web the sberpay:// deep link', async (t) => {
    const h = await harness(t, store);
    const web = await h.call('session/init/payment', { amount_details: RUB(1000), payment_details: sberPay('web') });
    assert.equal(web.status, 200);
    const wi = web.body.session.acquiring_payments[0].customer_interaction;
    assert.equal(wi.type, 'qr');
    assert.match(wi.redirect.url, /^http:\/\/localhost:3000\/sandbox\/sberpay\/[0-9a-f]{32}$/);
    for (const channel of ['app', 'mobile_web'] as const) {
      const reply = await h.call('session/init/payment', { amount_details: RUB(1000), payment_details: sberPay(channel) });
      assert.equal(reply.status, 200);
      const p = reply.body.session.acquiring_payments[0];
      assert.equal(p.status, 'in_progress');
      assert.deepEqual(p.payment_details, sberPay(channel));
      assert.match(p.customer_interaction.redirect.url, /^sberpay:\/\/invoicing\/v2\?bankInvoiceId=[0-9a-f]{32}&operationType=Web2App$/, channel);
      // The SberPay order lives 20 minutes.
      assert.equal(Date.parse(p.customer_interaction.expires_at) - h.clock.now(), 20 * 60_000);
    }
  });

  test('session/start/payment starts a payment on a created session, taking payment-level fields', async (t) => {
    const h = await harness(t, store);
    const created = await h.call('session/create', { amount_details: RUB(5000), metadata: 'session-meta' });
    const id = created.body.session.id;
    const reply = await h.call('session/start/payment', {
      session_id: id,
      payment_details: FPS,
      amount_details: { amount: 5000, currency: 'rub' },
      metadata: 'payment-meta',
      customer: { reference: 'c-7' },
      payment_options: { return_url: 'https://shop.example/done' },
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const s = reply.body.session;
    assert.equal(s.id, id);
    assert.equal(s.status, 'in_progress');
    const p = s.acquiring_payments[0];
    assert.equal(p.metadata, 'payment-meta');
    assert.deepEqual(p.customer, { reference: 'c-7' });
    assert.deepEqual(p.payment_options, { recurrent: false, return_url: 'https://shop.example/done' });
    assert.equal(await count(h, 'payments'), 1);
  });

  test('session/confirm captures a card payment of a project with manual confirmation', async (t) => {
    const h = await harness(t, store, { confirmation: 'manual' });
    const { id, token } = await sessionWithToken(h);
    const card = await tokenize(h, token, VISA_SUCCESS);
    const started = await h.call('session/start/payment', { session_id: id, payment_details: { type: 'card', card: { token: card } } });
    assert.equal(started.body.session.status, 'in_progress');
    assert.equal(started.body.session.next_action, 'confirm');
    assert.equal(started.body.session.acquiring_payments[0].status, 'pending');
    assert.match(started.body.session.acquiring_payments[0].confirm_expires_at, ISO);
    const confirmed = await h.call('session/confirm', { session_id: id });
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.session.status, 'accepted');
    assert.equal(confirmed.body.session.next_action, undefined);
    assert.equal(confirmed.body.session.acquiring_payments[0].status, 'succeeded');
    assert.deepEqual((await h.events(id)).map((e) => e.type), ['ready_to_confirm', 'payment_finished']);
  });

  test('session/confirm works for a session that asks for manual confirmation on an auto project', async (t) => {
    const h = await harness(t, store);
    const init = await h.call('session/init/payment', { amount_details: RUB(700), payment_details: FPS, payment_options: { confirmation: 'manual' } });
    const id = init.body.session.id;
    assert.equal(init.body.session.next_action, 'confirm');
    assert.equal(init.body.session.acquiring_payments[0].status, 'pending');
    assert.equal(init.body.session.acquiring_payments[0].customer_interaction, undefined, 'no QR before the merchant confirms');
    const confirmed = await h.call('session/confirm', { session_id: id });
    assert.equal(confirmed.status, 200);
    const p = confirmed.body.session.acquiring_payments[0];
    assert.equal(p.status, 'in_progress');
    assert.match(p.customer_interaction.redirect.url, /^https:\/\/qr\.nspk\.ru\//);
    assert.equal((await approve(h, p.id)).status, 200);
    assert.equal((await h.call('session/status', { session_id: id })).body.session.status, 'accepted');
    assert.deepEqual((await h.events(id)).map((e) => e.type), ['ready_to_confirm', 'action_required', 'payment_finished']);
  });

  test('session/cancel closes a session and fails the payment it runs', async (t) => {
    const h = await harness(t, store);
    const bare = await h.call('session/create', { amount_details: RUB(100) });
    const c1 = await h.call('session/cancel', { session_id: bare.body.session.id });
    assert.equal(c1.status, 200);
    assert.equal(c1.body.session.status, 'cancelled');
    assert.equal(c1.body.session.close_reason, 'cancelled');

    const running = await h.call('session/init/payment', { amount_details: RUB(100), payment_details: FPS });
    const id = running.body.session.id;
    const c2 = await h.call('session/cancel', { session_id: id });
    assert.equal(c2.status, 200);
    assert.equal(c2.body.session.status, 'cancelled');
    assert.equal(c2.body.session.acquiring_payments[0].status, 'failed');
    assert.equal(c2.body.session.acquiring_payments[0].failure.code, 'cancelled');
    assert.deepEqual((await h.events(id)).map((e) => e.type), ['action_required', 'payment_finished']);
    assert.equal((await h.events(id))[1]!.payload.session.status, 'cancelled');
  });

  test('session/status reads the session as it is now, and writes nothing', async (t) => {
    const h = await harness(t, store);
    const init = await h.call('session/init/payment', { amount_details: RUB(4200), payment_details: FPS, metadata: 'm' });
    const id = init.body.session.id;
    await approve(h, init.body.session.acquiring_payments[0].id);
    const reply = await writesNothing(h, () => h.call('session/status', { session_id: id }));
    assert.equal(reply.status, 200);
    assert.equal(reply.body.session.id, id);
    assert.equal(reply.body.session.status, 'accepted');
    assert.deepEqual(reply.body.session.amount_details, RUB(4200));
    assert.equal(reply.body.session.acquiring_payments[0].status, 'succeeded');
  });

  test('session/refund refunds part, then the rest when no amount is given', async (t) => {
    const h = await harness(t, store);
    const { id, paymentId } = await paidByCard(h, { amount: 1000 });
    const part = await h.call('session/refund', { session_id: id, amount_details: { amount: 300, currency: 'rub' } });
    assert.equal(part.status, 200, JSON.stringify(part.body));
    let p = part.body.session.acquiring_payments[0];
    assert.equal(p.id, paymentId);
    assert.equal(p.refunds.length, 1);
    assert.match(p.refunds[0].id, REFUND_ID);
    assert.deepEqual(p.refunds[0].amount_details, RUB(300));
    assert.deepEqual(p.refunded_amount_details, RUB(300));

    const rest = await h.call('session/refund', { session_id: id });
    assert.equal(rest.status, 200);
    p = rest.body.session.acquiring_payments[0];
    assert.deepEqual(p.refunds.map((r: any) => r.amount_details.amount), [300, 700]);
    assert.deepEqual(p.refunded_amount_details, RUB(1000));
    assert.equal(await count(h, 'refunds'), 2);
    assert.deepEqual((await h.events(id)).map((e) => e.type), ['payment_finished', 'payment_refunded', 'payment_refunded']);
  });

  test('token issues a public token that opens this session in the public API', async (t) => {
    const h = await harness(t, store);
    const created = await h.call('session/create', { amount_details: RUB(999), description: 'Tea' });
    const reply = await h.call('token', { session_id: created.body.session.id });
    assert.equal(reply.status, 200);
    assert.equal(reply.body.status, 'ok');
    assert.match(reply.body.public_token, /^pt_[A-Za-z0-9_-]{32}$/);
    const view = await h.publicCall(`sessions/${reply.body.public_token}`);
    assert.equal(view.status, 200);
    assert.equal(view.body.session_id, created.body.session.id);
    assert.deepEqual(view.body.amount_details, RUB(999));
    // Only the token's hash is stored.
    const stored = await rows(h, 'public_tokens');
    assert.equal(stored.length, 1);
    assert.notEqual(stored[0]!.token_hash, reply.body.public_token);
    assert.equal((await h.server.store.sessions.byPublicToken(publicTokenHash(reply.body.public_token)))?.id, created.body.session.id, 'found by its hash');
    assert.equal(await h.server.store.sessions.byPublicToken(reply.body.public_token), undefined, 'not by the token itself');
  });

  test('sberpay/push records a push to the payment’s phone in the sandbox inbox', async (t) => {
    const h = await harness(t, store);
    const init = await h.call('session/init/payment', { amount_details: RUB(1000), payment_details: sberPay('app') });
    const id = init.body.session.id;
    const paymentId = init.body.session.acquiring_payments[0].id;
    const reply = await h.call('sberpay/push', { session_id: id });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.push.payment_id, paymentId);
    assert.equal(reply.body.push.phone, PHONE);
    assert.match(reply.body.push.created_at, ISO);
    const other = await h.call('sberpay/push', { session_id: id, phone: '79990001122' });
    assert.equal(other.body.push.phone, '79990001122');
    const pushes = (await h.server.store.pushes.recent(10)).reverse(); // newest first: oldest first here
    assert.deepEqual(pushes.map((r) => [r.payment_id, r.phone]), [[paymentId, PHONE], [paymentId, '79990001122']]);
    assert.equal(pushes[0]!.text, "SberPay: оплата 10,00\u00a0₽ в магазин «shop»", "in Russian, in kopecks formatted, never a float");
    const inbox = await h.app.request('/sandbox/pushes');
    assert.equal(inbox.status, 200);
    const page = await inbox.text();
    assert.ok(page.includes(`+${PHONE}`));
    assert.ok(page.includes(`/sandbox/payments/${paymentId}`));
  });

  test('recurrent/disable: a recurrent token charges without 3-D Secure until it is disabled', async (t) => {
    const h = await harness(t, store);
    // The first payment is customer-initiated with a 3-D Secure card and asks for a recurrent token.
    const first = await paidByCard(h, { number: VISA_3DS, paymentOptions: { recurrent: true } });
    assert.equal(first.session.status, 'accepted');
    assert.deepEqual((await h.events(first.id)).map((e) => e.type), ['action_required', 'payment_finished'], 'the first payment passed 3-D Secure');
    assert.equal(first.session.acquiring_payments[0].payment_options.recurrent, true);

    const charge = () =>
      h.call('session/init/payment', { amount_details: RUB(1500), payment_details: { type: 'recurrent', recurrent: { token: first.card } } });
    const again = await charge();
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.session.status, 'accepted');
    const p = again.body.session.acquiring_payments[0];
    assert.equal(p.status, 'succeeded');
    assert.equal(p.customer_interaction, undefined, 'no 3-D Secure step for a merchant-initiated charge');
    assert.equal(p.payment_details.type, 'recurrent');
    assert.equal(p.payment_details.recurrent.token, first.card);

    const disabled = await h.call('recurrent/disable', { token: first.card });
    assert.equal(disabled.status, 200);
    assert.deepEqual(disabled.body, { status: 'ok', token: first.card, disabled: true });
    assert.notEqual((await h.server.store.cards.get(first.card))!.disabled_at, null);

    const sessionsBefore = await count(h, 'sessions');
    const refused = await charge();
    assertError(refused, 409, 'invalid_state');
    assert.match(refused.body.error.description, /disabled/);
    assert.equal(await count(h, 'sessions'), sessionsBefore, 'a refused init/payment leaves no session behind');
  });
});
