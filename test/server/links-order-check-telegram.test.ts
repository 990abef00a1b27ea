/**
 * Payment links (issue 4): the order check (Telegram's pre-checkout rule) that runs before a
 * customer's payment starts, with a fake merchant and a fake clock for its 10-second timeout; and
 * the Telegram Mini App's initData, checked against HMAC-SHA256 computed here by the documented
 * algorithm.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../../server/clock';
import { ORDER_CHECK_TIMEOUT_MS } from '../../server/links/order-check';
import { INIT_DATA_MAX_AGE_S, telegramHash, verifyInitData } from '../../server/links/telegram';
import { createLink, linkCheckout, newKeyPair, sessionWithToken, startHarness, tokenize, type Harness } from './helpers';
import { approve, assertError, count, VISA_SUCCESS, writesNothing } from './merchant-fixtures';

// One RSA key pair for every harness of this file: generating one per test costs more than the test.
const KEYS = newKeyPair();
const ORDER_CHECK_URL = 'https://example.com/hooks/order-check';
const DUCKS = "Sorry, we're all out of rubber ducks!";
const BOT_TOKEN = '7012345678:AAHk3mW9xQ2vTz8bLp5nRc4sYd6eFg1hJ0o';
const OTHER_BOT_TOKEN = '7098765432:AAF0q1w2e3r4t5y6u7i8o9p0asdfghjklzx';

const post = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const buyer = { user: '@Ivan_Petrov', extra: ['ivan@example.com'], consent: true };

type Call = { url: string; init: RequestInit };

/**
 * A harness whose `fetch` plays the merchant's order-check endpoint with `answer` (other URLs,
 * the webhooks, answer 200), and whose `sleep` records the wait asked for and resolves at once
 * (`timeout: 'now'`) or never (the merchant always answers before the 10 seconds are up).
 */
async function orderCheckHarness(t: TestContext, answer: (call: Call) => Promise<Response>, opts: { timeout?: 'now' | 'never'; clock?: ManualClock } = {}) {
  const checks: Call[] = [];
  const sleeps: number[] = [];
  const h = await startHarness({
    keys: KEYS,
    clock: opts.clock ?? new ManualClock(Date.now()),
    fetch: async (input, init = {}) => {
      const url = String(input);
      if (url !== ORDER_CHECK_URL) return new Response('ok');
      checks.push({ url, init });
      return answer({ url, init });
    },
    sleep: (ms) => {
      sleeps.push(ms);
      return opts.timeout === 'now' ? Promise.resolve() : new Promise<void>(() => {});
    },
  });
  t.after(() => h.close());
  return { h, checks, sleeps };
}

const json = (body: unknown, status = 200) => Promise.resolve(new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));

/** A purchase on a link with an order check, ready to pay: its session id and public token. */
async function purchase(h: Harness, overrides: Record<string, unknown> = {}) {
  const link = await createLink(h, { order_check_url: ORDER_CHECK_URL, ...overrides });
  const res = await linkCheckout(h, link.id, buyer);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { link, sessionId: res.body.session_id as string, token: res.body.token as string };
}

const payByFps = (h: Harness, token: string) => h.publicCall(`sessions/${token}/payments`, post({ method: 'fps' }));

describe('the order check before a payment starts', () => {
  test('{"ok": true}: the payment starts', async (t) => {
    const { h, checks, sleeps } = await orderCheckHarness(t, () => json({ ok: true }));
    const { token, sessionId } = await purchase(h);
    const started = await payByFps(h, token);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.status, 'in_progress');
    assert.equal(started.body.payment.method, 'fps');
    assert.equal(started.body.payment.status, 'in_progress');
    assert.equal(checks.length, 1, 'asked once');
    assert.deepEqual(sleeps, [ORDER_CHECK_TIMEOUT_MS]);
    assert.equal(ORDER_CHECK_TIMEOUT_MS, 10_000);
    assert.equal((await h.server.store.sessions.payments(sessionId)).length, 1);
    assert.equal((await approve(h, started.body.payment.id)).status, 200);
    assert.equal((await h.publicCall(`sessions/${token}`)).body.status, 'accepted');
  });

  test('the request is a POST signed like the webhooks, with the project’s secret, and carries the session', async (t) => {
    const { h, checks } = await orderCheckHarness(t, () => json({ ok: true }));
    const { token, sessionId, link } = await purchase(h);
    await payByFps(h, token);
    const [check] = checks;
    assert.equal(check!.url, ORDER_CHECK_URL);
    assert.equal(check!.init.method, 'POST');
    const headers = new Headers(check!.init.headers);
    assert.equal(headers.get('content-type'), 'application/json');
    const body = String(check!.init.body);
    const signed = Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [name, headers.get(name) ?? '']));
    assert.match(signed['webhook-id']!, /^evt_/);
    const verified = new Webhook(h.webhookSecret).verify(body, signed) as any;
    assert.deepEqual(verified, JSON.parse(body));
    assert.throws(() => new Webhook('whsec_' + Buffer.from('another secret, 24 bytes').toString('base64')).verify(body, signed), /signature/i);
    assert.throws(() => new Webhook(h.webhookSecret).verify(body.replace('149900', '100'), signed), 'the signature covers the body');

    assert.equal(verified.type, 'order_check');
    assert.equal(verified.payment_method, 'fps');
    assert.equal(verified.session.id, sessionId);
    assert.equal(verified.session.status, 'created');
    assert.deepEqual(verified.session.amount_details, { amount: 149900, currency: 'RUB' });
    assert.deepEqual(verified.session.customer, { reference: 'typed:@ivan_petrov', verified: false });
    assert.equal(verified.session.metadata.link_id, link.id);
    assert.equal(verified.session.metadata['Telegram username'], '@Ivan_Petrov');
    assert.equal(verified.session.metadata['Email for the receipt'], 'ivan@example.com');
    assert.deepEqual(verified.session.acquiring_payments, [], 'asked before any payment exists');
    assert.ok(!body.includes(h.webhookSecret));
  });

  test(`{"ok": false, "error_message": "${DUCKS}"}: 409 with exactly that message, and no payment`, async (t) => {
    const { h, checks } = await orderCheckHarness(t, () => json({ ok: false, error_message: DUCKS }));
    const { token, sessionId } = await purchase(h);
    const refused = await writesNothing(h, () => payByFps(h, token));
    assertError(refused, 409, 'order_refused');
    assert.equal(refused.body.error.description, DUCKS);
    assert.equal(checks.length, 1);
    assert.equal((await h.server.store.sessions.payments(sessionId)).length, 0);
    assert.equal(await count(h, 'payments'), 0);
    const view = (await h.publicCall(`sessions/${token}`)).body;
    assert.equal(view.status, 'created');
    assert.equal(view.payment, null);
  });

  test('{"ok": false} without a message: 409 with a default message', async (t) => {
    const { h } = await orderCheckHarness(t, () => json({ ok: false }));
    const { token } = await purchase(h);
    const refused = await writesNothing(h, () => payByFps(h, token));
    assertError(refused, 409, 'order_refused');
    assert.equal(refused.body.error.description, 'The shop cannot accept this order.');
  });

  test('no answer within 10 seconds (fake clock): 502 with a clear message, the request aborted, nothing charged', async (t) => {
    let signal: AbortSignal | undefined;
    const { h, sleeps } = await orderCheckHarness(
      t,
      ({ init }) => {
        signal = init.signal ?? undefined;
        return new Promise<Response>(() => {}); // the merchant never answers
      },
      { timeout: 'now' },
    );
    const { token, sessionId } = await purchase(h);
    const started = Date.now();
    const failed = await writesNothing(h, () => payByFps(h, token));
    assert.ok(Date.now() - started < 2_000, 'the fake clock, not a 10-second wait');
    assertError(failed, 502, 'order_check_failed');
    assert.equal(failed.body.error.description, 'The shop could not confirm the order (no answer in 10 seconds). Nothing was charged; please try again later.');
    assert.deepEqual(sleeps, [10_000]);
    assert.equal(signal?.aborted, true, 'the request is given up');
    assert.equal((await h.server.store.sessions.payments(sessionId)).length, 0);
  });

  const failures: [string, () => Promise<Response>, RegExp][] = [
    ['HTTP 500', () => json({ ok: true }, 500), /\(HTTP 500\)/],
    ['a redirect', () => Promise.resolve(new Response(null, { status: 302, headers: { location: 'https://evil.example/' } })), /\(HTTP 302\)/],
    ['an unreachable merchant', () => Promise.reject(new TypeError('fetch failed')), /\(unreachable\)/],
    ['an answer that is not JSON', () => Promise.resolve(new Response('OK')), /without "ok"/],
    ['an answer with "ok": "true" (a string)', () => json({ ok: 'true' }), /without "ok"/],
  ];
  for (const [what, answer, message] of failures) {
    test(`${what}: 502 order_check_failed, nothing charged`, async (t) => {
      const { h } = await orderCheckHarness(t, answer);
      const { token, sessionId } = await purchase(h);
      const failed = await writesNothing(h, () => payByFps(h, token));
      assertError(failed, 502, 'order_check_failed');
      assert.match(failed.body.error.description, message);
      assert.match(failed.body.error.description, /Nothing was charged/);
      assert.equal((await h.server.store.sessions.payments(sessionId)).length, 0);
    });
  }

  test('after a refusal the customer may try again, and pays once the shop says yes', async (t) => {
    let inStock = false;
    const { h, checks } = await orderCheckHarness(t, () => json(inStock ? { ok: true } : { ok: false, error_message: DUCKS }));
    const { token } = await purchase(h);
    assertError(await payByFps(h, token), 409, 'order_refused');
    inStock = true;
    const started = await payByFps(h, token);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(checks.length, 2);
  });

  test('each method is checked, a card too: a refused card payment leaves the card unused', async (t) => {
    const { h, checks } = await orderCheckHarness(t, () => json({ ok: false, error_message: DUCKS }));
    const { token } = await purchase(h);
    const card = await tokenize(h, token, VISA_SUCCESS);
    const refused = await writesNothing(h, () => h.publicCall(`sessions/${token}/payments`, post({ method: 'card', card_token: card })));
    assertError(refused, 409, 'order_refused');
    assert.equal(JSON.parse(String(checks[0]!.init.body)).payment_method, 'card');
    assert.equal((await h.server.store.cards.get(card))!.used_at, null);
  });

  test('a link without an order-check URL asks nobody', async (t) => {
    const { h, checks, sleeps } = await orderCheckHarness(t, () => json({ ok: false, error_message: DUCKS }));
    const { token } = await purchase(h, { order_check_url: undefined });
    assert.equal((await payByFps(h, token)).status, 200);
    assert.deepEqual(checks, []);
    assert.deepEqual(sleeps, []);
  });

  test('a plain session created with order_check_url is checked the same way', async (t) => {
    const { h } = await orderCheckHarness(t, () => json({ ok: false, error_message: DUCKS }));
    const { token } = await sessionWithToken(h, { order_check_url: ORDER_CHECK_URL });
    const refused = await payByFps(h, token);
    assertError(refused, 409, 'order_refused');
    assert.equal(refused.body.error.description, DUCKS);
  });
});

// ---- Telegram ----

/**
 * Signs initData as Telegram does, computed here from the documentation, independently of
 * server/links/telegram.ts: data_check_string = the fields but hash, `key=value`, sorted by key,
 * joined by "\n"; secret_key = HMAC-SHA256(key "WebAppData", bot_token); hash =
 * hex(HMAC-SHA256(secret_key, data_check_string)). Values are URL-encoded as Telegram sends them.
 */
function signInitData(botToken: string, fields: Record<string, string>): { initData: string; hash: string } {
  const dataCheckString = Object.keys(fields)
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('\n');
  const secretKey = createHmac('sha256', 'WebAppData').update(botToken).digest();
  const hash = createHmac('sha256', secretKey).update(dataCheckString).digest('hex');
  const initData = [...Object.entries(fields), ['hash', hash]].map(([k, v]) => `${k}=${encodeURIComponent(v!)}`).join('&');
  return { initData, hash };
}

const TG_USER = { id: 279058397, first_name: 'Vladislav', last_name: 'Kibenko', username: 'vdkfrost', language_code: 'ru', is_premium: true, allows_write_to_pm: true };
const AUTH_DATE = 1740819600; // 2025-03-01T09:00:00Z
const initFields = (user: object = TG_USER, authDate = AUTH_DATE) => ({ query_id: 'AAHdF6IQAAAAAN0XohDhrOrc', user: JSON.stringify(user), auth_date: String(authDate) });

/** A harness whose clock stands `ageSeconds` after AUTH_DATE. */
async function telegramHarness(t: TestContext, ageSeconds = 60) {
  const h = await startHarness({ keys: KEYS, clock: new ManualClock((AUTH_DATE + ageSeconds) * 1000) });
  t.after(() => h.close());
  return h;
}

describe('Telegram Mini App initData', () => {
  test('the server’s hash equals the documented HMAC-SHA256 (a vector computed outside, and here)', () => {
    const fields = initFields();
    // Computed with Python's hmac/hashlib by the same documented steps.
    const vector = '1df2c58613f77a626873e9d5999b263c8eccf537d0f3b1691d94b26f3aa1bda7';
    const { hash, initData } = signInitData(BOT_TOKEN, fields);
    assert.equal(hash, vector);
    assert.equal(telegramHash(Object.entries(fields), BOT_TOKEN), vector);
    assert.equal(telegramHash([...new URLSearchParams(initData).entries()], BOT_TOKEN), vector, 'the hash field itself is left out');
    const verified = verifyInitData(initData, BOT_TOKEN, (AUTH_DATE + 60) * 1000);
    assert.deepEqual(verified, { ok: true, user: TG_USER });
  });

  test('any initData signed by the documented algorithm is accepted, and any change to it refused (property)', () => {
    const user = fc.record({
      id: fc.integer({ min: 1, max: 2 ** 52 }),
      first_name: fc.string({ minLength: 1, maxLength: 30, unit: 'grapheme' }),
      username: fc.option(fc.stringMatching(/^[A-Za-z0-9_]{5,32}$/), { nil: undefined }),
    });
    fc.assert(
      fc.property(user, fc.string({ maxLength: 40 }), fc.integer({ min: 0, max: INIT_DATA_MAX_AGE_S - 1 }), (u, queryId, age) => {
        const fields = { query_id: queryId, user: JSON.stringify(u), auth_date: String(AUTH_DATE) };
        const { initData, hash } = signInitData(BOT_TOKEN, fields);
        assert.equal(telegramHash(Object.entries(fields), BOT_TOKEN), hash);
        const verified = verifyInitData(initData, BOT_TOKEN, (AUTH_DATE + age) * 1000);
        assert.ok(verified.ok, JSON.stringify(verified));
        assert.equal(verified.user.id, u.id);
        const tampered = initData.replace(`%22id%22%3A${u.id}`, `%22id%22%3A${u.id + 1}`);
        assert.notEqual(tampered, initData);
        assert.equal(verifyInitData(tampered, BOT_TOKEN, (AUTH_DATE + age) * 1000).ok, false);
        assert.equal(verifyInitData(initData, OTHER_BOT_TOKEN, (AUTH_DATE + age) * 1000).ok, false);
      }),
      { numRuns: 200 },
    );
  });

  test('a link with a bot token and a valid initData: the session’s customer.reference is tg:<user id>', async (t) => {
    const h = await telegramHarness(t);
    const link = await createLink(h, { telegram_bot_token: BOT_TOKEN, order_check_url: undefined });
    const res = await linkCheckout(h, link.id, { ...buyer, init_data: signInitData(BOT_TOKEN, initFields()).initData });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const session = (await h.call('session/status', { session_id: res.body.session_id })).body.session;
    assert.deepEqual(session.customer, { reference: 'tg:279058397', verified: true });
    assert.equal(session.metadata.telegram_user_id, '279058397');
    assert.equal(session.metadata['Telegram username'], '@Ivan_Petrov', 'the fields are still recorded');
    assert.equal(session.metadata.link_id, link.id);
  });

  test('a tampered initData (another user, same hash): 401 and no session', async (t) => {
    const h = await telegramHarness(t);
    const link = await createLink(h, { telegram_bot_token: BOT_TOKEN, order_check_url: undefined });
    const { initData } = signInitData(BOT_TOKEN, initFields());
    const tampered = initData.replace(encodeURIComponent(JSON.stringify(TG_USER)), encodeURIComponent(JSON.stringify({ ...TG_USER, id: 1 })));
    assert.notEqual(tampered, initData);
    const refused = await writesNothing(h, () => linkCheckout(h, link.id, { ...buyer, init_data: tampered }));
    assertError(refused, 401, 'invalid_init_data');
    assert.match(refused.body.error.description, /hash does not match/);
    assert.equal(await count(h, 'sessions'), 0);
  });

  test('an initData signed for another bot, or without a hash, or with a malformed one: 401 and no session', async (t) => {
    const h = await telegramHarness(t);
    const link = await createLink(h, { telegram_bot_token: BOT_TOKEN, order_check_url: undefined });
    const otherBot = signInitData(OTHER_BOT_TOKEN, initFields()).initData;
    const noHash = otherBot.replace(/&hash=.*$/, '');
    const badHash = otherBot.replace(/&hash=.*$/, '&hash=XYZ');
    for (const initData of [otherBot, noHash, badHash, 'garbage']) {
      const refused = await writesNothing(h, () => linkCheckout(h, link.id, { ...buyer, init_data: initData }));
      assertError(refused, 401, 'invalid_init_data');
    }
    assert.equal(await count(h, 'sessions'), 0);
  });

  test('an initData older than 24 hours is refused; one a little younger is accepted', async (t) => {
    const old = await telegramHarness(t, INIT_DATA_MAX_AGE_S - 60);
    const link = await createLink(old, { telegram_bot_token: BOT_TOKEN, order_check_url: undefined });
    const { initData } = signInitData(BOT_TOKEN, initFields());
    assert.equal((await linkCheckout(old, link.id, { ...buyer, init_data: initData })).status, 200, '23 h 59 min old');

    old.clock.advance(2 * 60_000);
    const refused = await writesNothing(old, () => linkCheckout(old, link.id, { ...buyer, init_data: initData }));
    assertError(refused, 401, 'invalid_init_data');
    assert.match(refused.body.error.description, /too old/);
  });

  test('an initData dated in the future is refused (it would never grow old), beyond five minutes of clock difference', async (t) => {
    const h = await telegramHarness(t, -4 * 60); // Telegram's clock 4 minutes ahead of ours: still taken
    const link = await createLink(h, { telegram_bot_token: BOT_TOKEN, order_check_url: undefined });
    const { initData } = signInitData(BOT_TOKEN, initFields());
    assert.equal((await linkCheckout(h, link.id, { ...buyer, init_data: initData })).status, 200, '4 minutes ahead');
    const future = signInitData(BOT_TOKEN, initFields(TG_USER, AUTH_DATE + 10 * 365 * 24 * 3600)).initData;
    const refused = await writesNothing(h, () => linkCheckout(h, link.id, { ...buyer, init_data: future }));
    assertError(refused, 401, 'invalid_init_data');
    assert.match(refused.body.error.description, /future/);
  });

  test('a link without a bot token ignores initData: the reference comes from the identifying field', async (t) => {
    const h = await telegramHarness(t);
    const link = await createLink(h, { order_check_url: undefined });
    const res = await linkCheckout(h, link.id, { ...buyer, init_data: 'user=%7B%22id%22%3A1%7D&hash=00' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const session = (await h.call('session/status', { session_id: res.body.session_id })).body.session;
    assert.deepEqual(session.customer, { reference: 'typed:@ivan_petrov', verified: false });
    assert.equal(session.metadata.telegram_user_id, undefined);
  });

  test('the Telegram user who paid by card is offered that card on the next purchase, whatever they type', async (t) => {
    const h = await telegramHarness(t);
    const link = await createLink(h, { telegram_bot_token: BOT_TOKEN, order_check_url: undefined });
    const init_data = signInitData(BOT_TOKEN, initFields()).initData;
    const first = (await linkCheckout(h, link.id, { ...buyer, init_data })).body;
    assert.equal((await h.publicCall(`sessions/${first.token}`)).body.can_save_card, true, 'Telegram vouches for its user: "remember this card" is offered');
    const card = await tokenize(h, first.token, VISA_SUCCESS);
    assert.equal((await h.publicCall(`sessions/${first.token}/payments`, post({ method: 'card', card_token: card, remember_card: true }))).body.status, 'accepted');
    const second = (await linkCheckout(h, link.id, { user: '@someone_else', extra: ['x@example.com'], consent: true, init_data })).body;
    const view = (await h.publicCall(`sessions/${second.token}`)).body;
    assert.deepEqual(view.saved_card, { brand: 'visa', last4: '4242' });
    assert.equal(view.methods[0], 'saved_card');
  });

  test('a customer outside Telegram who types "tg:<id>" is not taken for that Telegram user (no saved card of theirs)', async (t) => {
    const h = await telegramHarness(t);
    const link = await createLink(h, { telegram_bot_token: BOT_TOKEN, order_check_url: undefined });
    const first = (await linkCheckout(h, link.id, { ...buyer, init_data: signInitData(BOT_TOKEN, initFields()).initData })).body;
    const card = await tokenize(h, first.token, VISA_SUCCESS);
    assert.equal((await h.publicCall(`sessions/${first.token}/payments`, post({ method: 'card', card_token: card, remember_card: true }))).body.status, 'accepted');

    // No initData (a browser, not Telegram), the victim's verified reference typed by hand.
    const impostor = await linkCheckout(h, link.id, { user: 'TG:279058397', extra: ['impostor@example.com'], consent: true });
    assert.equal(impostor.status, 200, 'a typed identifier is accepted as typed: it is only kept out of the tg: namespace');
    const session = (await h.call('session/status', { session_id: impostor.body.session_id })).body.session;
    const view = (await h.publicCall(`sessions/${impostor.body.token}`)).body;
    const oneTap = await h.publicCall(`sessions/${impostor.body.token}/payments`, post({ method: 'saved_card' }));
    assert.deepEqual(
      { referenceInTelegramNamespace: session.customer.reference.startsWith('tg:'), savedCardOffered: view.saved_card, oneTap: oneTap.status === 200 ? oneTap.body.status : oneTap.status },
      { referenceInTelegramNamespace: false, savedCardOffered: null, oneTap: 409 },
      "a typed value must not land in the verified tg: namespace, nor be offered or charged the Telegram user's card",
    );
  });
});
