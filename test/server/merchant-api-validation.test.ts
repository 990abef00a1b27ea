/**
 * The errors of every merchant method: 400 naming the field, 404 for ids this project does not
 * own, 409 naming the current status, 415 for a body that is not JSON. Each error is checked to
 * leave the database exactly as it was (every row of every table).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { RUB, startHarness, tokenize, sessionWithToken, type Harness } from './helpers';
import { FPS, VISA_SUCCESS, assertError, otherProject, paidByCard, sberPay, send, writesNothing } from './merchant-fixtures';

async function harness(t: TestContext, opts: Parameters<typeof startHarness>[0] = {}) {
  const h = await startHarness(opts);
  t.after(() => h.close());
  return h;
}

/** A harness with some history, so that "nothing written" is checked against real rows. */
async function withHistory(t: TestContext) {
  const h = await harness(t);
  const created = (await h.call('session/create', { amount_details: RUB(1000) })).body.session.id as string;
  const running = (await h.call('session/init/payment', { amount_details: RUB(2000), payment_details: FPS })).body.session.id as string;
  const paid = await paidByCard(h, { amount: 3000 });
  return { h, created, running, paid: paid.id };
}

const UNKNOWN_SESSION = 'ps_00000000000000000000';

type Case = { name: string; body: unknown; field: string; says?: RegExp };

/** Sends each case and checks its 400, its field, its message, and that it wrote nothing. */
async function expect400(h: Harness, method: string, cases: Case[]) {
  for (const c of cases) {
    const reply = await writesNothing(h, () => h.call(method, c.body));
    assert.equal(reply.status, 400, `${method} ${c.name}: ${JSON.stringify(reply.body)}`);
    assert.equal(reply.body.error.code, 'invalid_request', c.name);
    assert.equal(reply.body.error.field, c.field, `${method} ${c.name}: ${reply.body.error.description}`);
    assert.ok(reply.body.error.description.includes(c.field), `${c.name}: the description names the field`);
    if (c.says) assert.match(reply.body.error.description, c.says, `${method} ${c.name}`);
  }
}

const amount = (value: unknown, currency: unknown = 'RUB') => ({ amount_details: { amount: value, currency } });

test('session/create: a missing amount_details is a 400 saying it is required', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/create', [
    { name: 'empty body', body: {}, field: 'amount_details', says: /is required/ },
    { name: 'no amount', body: { amount_details: { currency: 'RUB' } }, field: 'amount_details.amount', says: /is required/ },
    { name: 'no currency', body: { amount_details: { amount: 100 } }, field: 'amount_details.currency', says: /is required/ },
  ]);
});

test('session/create: an amount that is not a positive whole number of kopecks within the maximum is a 400', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/create', [
    { name: 'zero', body: amount(0), field: 'amount_details.amount', says: /at least 1 kopeck/ },
    { name: 'negative', body: amount(-100), field: 'amount_details.amount', says: /at least 1 kopeck/ },
    { name: 'over the maximum', body: amount(10_000_000_001), field: 'amount_details.amount', says: /at most 10000000000 kopecks/ },
  ]);
  const maximum = await h.call('session/create', amount(10_000_000_000));
  assert.equal(maximum.status, 200, 'the maximum itself is allowed');
});

test('session/create: a fractional amount is a 400 saying to send whole kopecks, not "is required"', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/create', [{ name: '10.5', body: amount(10.5), field: 'amount_details.amount', says: /whole number of kopecks/ }]);
});

test('session/create: an amount sent as a string is a 400 saying it must be a number, not "is required"', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/create', [
    { name: '"1000"', body: amount('1000'), field: 'amount_details.amount', says: /must be a number of kopecks/ },
    { name: 'null', body: amount(null), field: 'amount_details.amount', says: /must be a number of kopecks/ },
  ]);
});

test('session/create: a currency other than RUB is a 400 naming amount_details.currency', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/create', [
    { name: 'USD', body: amount(100, 'USD'), field: 'amount_details.currency', says: /must be RUB/ },
    { name: 'usd', body: amount(100, 'usd'), field: 'amount_details.currency', says: /must be RUB/ },
  ]);
});

test('session/create: a currency that is not a string is a 400 saying what a currency looks like', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/create', [{ name: '643', body: amount(100, 643), field: 'amount_details.currency', says: /currency code such as RUB/ }]);
});

test('session/create: an unknown field is a 400 naming it', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/create', [
    { name: 'descripton', body: { ...amount(100), descripton: 'x' }, field: 'descripton', says: /not a known field/ },
    { name: 'amount_details.cents', body: { amount_details: { amount: 100, currency: 'RUB', cents: 1 } }, field: 'amount_details.cents', says: /not a known field/ },
  ]);
});

test('session/create: a typo of a required field (amount_detail) is a 400 naming the typo', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/create', [{ name: 'amount_detail', body: { amount_detail: RUB(100) }, field: 'amount_detail', says: /not a known field/ }]);
});

test('session/create: a bad phone, return_url, description or option is a 400 naming the field', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/create', [
    { name: 'phone with +', body: { ...amount(100), customer: { phone: '+71234567890' } }, field: 'customer.phone', says: /11 digits starting with 7/ },
    { name: 'phone with 8', body: { ...amount(100), customer: { phone: '81234567890' } }, field: 'customer.phone' },
    { name: 'email', body: { ...amount(100), customer: { email: 'ivan@' } }, field: 'customer.email' },
    { name: 'return_url not a URL', body: { ...amount(100), payment_options: { return_url: 'shop.example/return' } }, field: 'payment_options.return_url', says: /http\(s\) URL/ },
    { name: 'return_url javascript:', body: { ...amount(100), payment_options: { return_url: 'javascript:alert(1)' } }, field: 'payment_options.return_url' },
    { name: 'description too long', body: { ...amount(100), description: 'x'.repeat(256) }, field: 'description' },
    { name: 'confirmation', body: { ...amount(100), payment_options: { confirmation: 'later' } }, field: 'payment_options.confirmation' },
    { name: 'lifetime', body: { ...amount(100), payment_options: { lifetime_minutes: 1 } }, field: 'payment_options.lifetime_minutes' },
  ]);
});

test('a body that is not JSON is a 400 invalid_json naming the body, even when correctly signed', async (t) => {
  const { h } = await withHistory(t);
  for (const raw of ['{"amount_details": ', '', 'amount=1000']) {
    const reply = await writesNothing(h, () => send(h, 'session/create', raw));
    assertError(reply, 400, 'invalid_json', 'body');
  }
});

test('a JSON body that is not an object is a 400 naming the body, not "is required"', async (t) => {
  const { h } = await withHistory(t);
  for (const raw of ['[]', '"text"', '42', 'null']) {
    const reply = await writesNothing(h, () => send(h, 'session/create', raw));
    assertError(reply, 400, 'invalid_request', 'body');
    assert.doesNotMatch(reply.body.error.description, /is required/, raw);
  }
});

test('a content type other than JSON is a 415', async (t) => {
  const { h } = await withHistory(t);
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
    const reply = await writesNothing(h, () => send(h, 'session/create', JSON.stringify(amount(100)), { headers: { 'content-type': type } }));
    assertError(reply, 415, 'unsupported_media_type');
    assert.match(reply.body.error.description, /application\/json/);
  }
  const charset = await send(h, 'session/create', JSON.stringify(amount(100)), { headers: { 'content-type': 'application/json; charset=utf-8' } });
  assert.equal(charset.status, 200, 'a charset parameter is fine');
});

test('a method other than POST is a 405 that says to POST, and an unknown method name a 404', async (t) => {
  const { h } = await withHistory(t);
  for (const method of ['GET', 'PUT', 'DELETE']) {
    const res = await h.app.request('/api/v1/session/create', { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.get('allow'), 'POST');
    const body = (await res.json()) as any;
    assert.equal(body.error.code, 'method_not_allowed');
    assert.match(body.error.description, /POST/);
  }
  const unknown = await h.call('session/creat', amount(100));
  assertError(unknown, 404, 'not_found');
  assert.match(unknown.body.error.description, /session\/creat.*\/docs/);
});

test('a body over 64 KiB is a 413 before any work', async (t) => {
  const { h } = await withHistory(t);
  const raw = JSON.stringify({ ...amount(100), description: 'x'.repeat(70_000) });
  const reply = await writesNothing(h, () => send(h, 'session/create', raw));
  assertError(reply, 413, 'body_too_large');
});

test('session/init/payment: bad payment_details are a 400 naming the field, and no session is left behind', async (t) => {
  const { h } = await withHistory(t);
  const init = (payment_details: unknown, extra: object = {}) => ({ ...amount(100), payment_details, ...extra });
  await expect400(h, 'session/init/payment', [
    { name: 'missing', body: amount(100), field: 'payment_details', says: /is required/ },
    { name: 'unknown type', body: init({ type: 'bitcoin' }), field: 'payment_details.type', says: /card, recurrent, faster_payment_system, faster_payment_system_binding, internet_banking/ },
    { name: 'sber_pay phone', body: init(sberPay('app', '8 912 345-67-89')), field: 'payment_details.internet_banking.sber_pay.phone' },
    { name: 'sber_pay channel', body: init({ type: 'internet_banking', internet_banking: { type: 'sber_pay', sber_pay: { channel: 'desktop' } } }), field: 'payment_details.internet_banking.sber_pay.channel' },
    { name: 'card token format', body: init({ type: 'card', card: { token: '4242424242424242' } }), field: 'payment_details.card.token', says: /tok_/ },
    { name: 'amount 0', body: { amount_details: RUB(0), payment_details: FPS }, field: 'amount_details.amount' },
  ]);
  const unknownCard = await writesNothing(h, () => h.call('session/init/payment', init({ type: 'card', card: { token: 'tok_00000000000000000000' } })));
  assertError(unknownCard, 404, 'not_found');
});

test('session/start/payment: bad id 400, unknown or foreign session 404, amount mismatch 400, second start 409', async (t) => {
  const { h, created, running } = await withHistory(t);
  const other = await otherProject(h);
  const foreign = (await other.call('session/create', amount(1000))).body.session.id;
  await expect400(h, 'session/start/payment', [
    { name: 'bad id', body: { session_id: 'ps_123', payment_details: FPS }, field: 'session_id', says: /ps_/ },
    { name: 'missing id', body: { payment_details: FPS }, field: 'session_id', says: /is required/ },
    { name: 'amount differs', body: { session_id: created, payment_details: FPS, amount_details: RUB(999) }, field: 'amount_details', says: /1000 RUB/ },
  ]);
  for (const id of [UNKNOWN_SESSION, foreign]) {
    const reply = await writesNothing(h, () => h.call('session/start/payment', { session_id: id, payment_details: FPS }));
    assertError(reply, 404, 'not_found');
    assert.ok(reply.body.error.description.includes(id));
  }
  const twice = await writesNothing(h, () => h.call('session/start/payment', { session_id: running, payment_details: FPS }));
  assertError(twice, 409, 'invalid_state');
  assert.match(twice.body.error.description, /in[ _]progress/);
  assert.equal((await h.server.store.sessions.payments(running)).length, 1);
});

test('session/start/payment: a card token already charged is a 409 and writes nothing', async (t) => {
  const h = await harness(t);
  const first = await sessionWithToken(h);
  const card = await tokenize(h, first.token, VISA_SUCCESS);
  const paid = await h.call('session/start/payment', { session_id: first.id, payment_details: { type: 'card', card: { token: card } } });
  assert.equal(paid.body.session.status, 'accepted');
  const second = (await h.call('session/create', amount(1000))).body.session.id;
  const reply = await writesNothing(h, () => h.call('session/start/payment', { session_id: second, payment_details: { type: 'card', card: { token: card } } }));
  assertError(reply, 409, 'invalid_state');
  assert.match(reply.body.error.description, /already used/);
});

test('session/confirm: 409 naming the status when nothing waits for confirmation; 400 and 404 for bad ids', async (t) => {
  const { h, created, running, paid } = await withHistory(t);
  for (const [id, status] of [[created, 'created'], [running, 'in_progress'], [paid, 'accepted']] as const) {
    const reply = await writesNothing(h, () => h.call('session/confirm', { session_id: id }));
    assertError(reply, 409, 'invalid_state');
    assert.match(reply.body.error.description, new RegExp(`is ${status}\\b`));
  }
  await expect400(h, 'session/confirm', [{ name: 'bad id', body: { session_id: 'session-1' }, field: 'session_id' }]);
  assertError(await writesNothing(h, () => h.call('session/confirm', { session_id: UNKNOWN_SESSION })), 404, 'not_found');
});

test('session/cancel: 409 naming the status once a session is accepted or cancelled; 404 for a foreign session', async (t) => {
  const { h, created, paid } = await withHistory(t);
  const accepted = await writesNothing(h, () => h.call('session/cancel', { session_id: paid }));
  assertError(accepted, 409, 'invalid_state');
  assert.match(accepted.body.error.description, /is accepted and can no longer be cancelled/);
  assert.equal((await h.call('session/cancel', { session_id: created })).status, 200);
  const again = await writesNothing(h, () => h.call('session/cancel', { session_id: created }));
  assertError(again, 409, 'invalid_state');
  assert.match(again.body.error.description, /is cancelled/);
  const other = await otherProject(h);
  const foreign = (await other.call('session/create', amount(1000))).body.session.id;
  assertError(await writesNothing(h, () => h.call('session/cancel', { session_id: foreign })), 404, 'not_found');
  assert.equal((await h.server.store.sessions.get(foreign))!.status, 'created', "another project's session is untouched");
});

test('session/status: 400 for a bad or missing id, 404 for an unknown or foreign session', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'session/status', [
    { name: 'missing', body: {}, field: 'session_id', says: /is required/ },
    { name: 'number', body: { session_id: 42 }, field: 'session_id' },
    { name: 'payment id', body: { session_id: 'pm_00000000000000000000' }, field: 'session_id' },
    { name: 'extra field', body: { session_id: UNKNOWN_SESSION, verbose: true }, field: 'verbose' },
  ]);
  const other = await otherProject(h);
  const foreign = (await other.call('session/create', amount(1000))).body.session.id;
  for (const id of [UNKNOWN_SESSION, foreign]) {
    const reply = await writesNothing(h, () => h.call('session/status', { session_id: id }));
    assertError(reply, 404, 'not_found');
  }
  assert.equal((await other.call('session/status', { session_id: foreign })).status, 200, 'its own project reads it');
});

test('session/refund: 409 before the payment succeeded; 400 for a bad amount; 404 for a foreign session', async (t) => {
  const { h, created, running, paid } = await withHistory(t);
  for (const [id, status] of [[created, 'created'], [running, 'in_progress']] as const) {
    const reply = await writesNothing(h, () => h.call('session/refund', { session_id: id }));
    assertError(reply, 409, 'invalid_state');
    assert.match(reply.body.error.description, new RegExp(`is ${status}\\b`));
  }
  await expect400(h, 'session/refund', [
    { name: 'amount 0', body: { session_id: paid, amount_details: RUB(0) }, field: 'amount_details.amount' },
    { name: 'USD', body: { session_id: paid, amount_details: { amount: 100, currency: 'USD' } }, field: 'amount_details.currency' },
    { name: 'fraction', body: { session_id: paid, amount_details: RUB(1.5) }, field: 'amount_details.amount' },
  ]);
  const other = await otherProject(h);
  const foreign = (await other.call('session/create', amount(1000))).body.session.id;
  assertError(await writesNothing(h, () => h.call('session/refund', { session_id: foreign })), 404, 'not_found');
});

test('token: 400 for a bad id, 404 for an unknown or foreign session, and no token is stored', async (t) => {
  const { h } = await withHistory(t);
  await expect400(h, 'token', [{ name: 'bad id', body: { session_id: 'ps_' }, field: 'session_id' }]);
  const other = await otherProject(h);
  const foreign = (await other.call('session/create', amount(1000))).body.session.id;
  for (const id of [UNKNOWN_SESSION, foreign]) assertError(await writesNothing(h, () => h.call('token', { session_id: id })), 404, 'not_found');
});

test('sberpay/push: 409 when no SberPay payment waits for the customer; 400 for a bad phone', async (t) => {
  const { h, created, running } = await withHistory(t);
  for (const id of [created, running]) {
    const reply = await writesNothing(h, () => h.call('sberpay/push', { session_id: id }));
    assertError(reply, 409, 'invalid_state');
    assert.match(reply.body.error.description, /no SberPay payment/);
  }
  const sber = (await h.call('session/init/payment', { ...amount(100), payment_details: sberPay('app', null) })).body.session.id;
  await expect400(h, 'sberpay/push', [
    { name: 'bad phone', body: { session_id: sber, phone: '12345' }, field: 'phone', says: /11 digits/ },
    { name: 'no phone anywhere', body: { session_id: sber }, field: 'phone', says: /phone is required/ },
  ]);
  assertError(await writesNothing(h, () => h.call('sberpay/push', { session_id: UNKNOWN_SESSION })), 404, 'not_found');
});

test('recurrent/disable: 400 for a malformed token, 404 for an unknown or foreign one', async (t) => {
  const h = await harness(t);
  await expect400(h, 'recurrent/disable', [
    { name: 'malformed', body: { token: 'card-1' }, field: 'token', says: /tok_/ },
    { name: 'missing', body: {}, field: 'token', says: /is required/ },
  ]);
  assertError(await writesNothing(h, () => h.call('recurrent/disable', { token: 'tok_00000000000000000000' })), 404, 'not_found');
  const other = await otherProject(h);
  const theirs = (await other.call('session/create', amount(1000))).body.session.id;
  const token = (await other.call('token', { session_id: theirs })).body.public_token;
  const card = await tokenize(h, token, VISA_SUCCESS);
  const reply = await writesNothing(h, () => h.call('recurrent/disable', { token: card }));
  assertError(reply, 404, 'not_found');
  assert.equal((await h.server.store.cards.get(card))!.disabled_at, null);
});
