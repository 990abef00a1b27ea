/**
 * Issue 11's findings, one test each: what an attacker or a confused developer could do before.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { HTTPException } from 'hono/http-exception';
import { toApiError } from '../../server/app';
import { configFromEnv } from '../../server/config';
import type { ApiError } from '../../server/errors';
import { parseJson } from '../../server/http/body';
import { DEFAULT_RATE_LIMITS, rateLimitsFromEnv } from '../../server/http/rate-limits';
import { mountDemo } from '../../demo/mount';
import { createLink, PUBLIC_URL, sessionWithToken, startHarness, tokenize, type Harness } from './helpers';

async function harness(t: TestContext): Promise<Harness> {
  const h = await startHarness();
  t.after(() => h.close());
  return h;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('bound tokens', () => {
  test("a customer's card token pays only the session whose card form made it", async (t) => {
    const h = await harness(t);
    const s1 = await sessionWithToken(h);
    const s2 = await sessionWithToken(h);
    const token = await tokenize(h, s2.token, '4242424242424242');
    const viaWidget = await h.publicCall(`sessions/${s1.token}/payments`, json({ method: 'card', card_token: token }));
    assert.equal(viaWidget.status, 409, JSON.stringify(viaWidget.body));
    assert.match(viaWidget.body.error.description, /another session/);
    assert.equal((await h.call('session/status', { session_id: s1.id })).body.session.status, 'created', 'nothing was charged on S1');
    // On its own session it pays.
    assert.equal((await h.publicCall(`sessions/${s2.token}/payments`, json({ method: 'card', card_token: token }))).body.status, 'accepted');
  });
});

describe('errors keep their status', () => {
  test('an HTTPException is answered with its own status, never as a 500', () => {
    for (const status of [400, 401, 404, 405, 413, 415, 429] as const) {
      const error = toApiError(new HTTPException(status, { message: 'from the framework' }));
      assert.deepEqual([error.status, error.message], [status, 'from the framework']);
    }
    assert.equal(toApiError(new HTTPException(413)).code, 'body_too_large');
    assert.equal(toApiError(new HTTPException(503)).status, 503);
  });
});

describe('the listening address', () => {
  test('HOST defaults to loopback for a local PUBLIC_URL and to every interface for a public one', () => {
    assert.equal(configFromEnv({}).host, '127.0.0.1');
    assert.equal(configFromEnv({ PUBLIC_URL: 'http://127.0.0.1:3000' }).host, '127.0.0.1');
    assert.equal(configFromEnv({ PUBLIC_URL: 'https://pay.example.com' }).host, '0.0.0.0');
    assert.equal(configFromEnv({ PUBLIC_URL: 'https://pay.example.com', HOST: '127.0.0.1' }).host, '127.0.0.1');
    assert.equal(configFromEnv({ HOST: '::' }).host, '::');
    assert.throws(() => configFromEnv({ HOST: 'not an address!' }), /HOST=not an address! is not an address to listen on/);
    assert.equal(configFromEnv({ TRUST_PROXY: 'on' }).trustProxy, true);
    assert.throws(() => configFromEnv({ TRUST_PROXY: 'yes' }), /TRUST_PROXY=yes must be on or off/);
    assert.deepEqual([configFromEnv({}).fetchBankLogos, configFromEnv({ BANK_LOGOS: 'fetch' }).fetchBankLogos], [false, true]);
    assert.throws(() => configFromEnv({ BANK_LOGOS: 'yes' }), /BANK_LOGOS=yes must be fetch/);
  });
});

describe('bodies are capped while they stream in', () => {
  /** A chunked body of `total` bytes (no Content-Length), counting how much of it the server pulled. */
  function hugeBody(total = 48 * 1024 * 1024, chunk = 64 * 1024) {
    const counter = { pulled: 0 };
    const piece = new TextEncoder().encode('{"pad":"'.padEnd(chunk, 'x'));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (counter.pulled >= total) return controller.close();
        counter.pulled += piece.byteLength;
        controller.enqueue(piece);
      },
    });
    return { stream, counter, chunk };
  }

  test('a 48 MiB chunked body is refused with 413 naming the cap, after reading no more than the cap', async (t) => {
    const h = await harness(t);
    const { token } = await sessionWithToken(h);
    const routes: [string, Record<string, string>, number][] = [
      [`/public/v1/sessions/${token}/cards`, {}, 16 * 1024],
      [`/public/v1/sessions/${token}/payments`, {}, 16 * 1024],
      ['/api/v1/session/create', { 'x-partner-project': 'shop', 'x-partner-sign': 'AAAA' }, 64 * 1024],
    ];
    for (const [path, headers, cap] of routes) {
      const { stream, counter, chunk } = hugeBody();
      const res = await h.app.request(path, { method: 'POST', body: stream, headers: { 'content-type': 'application/json', ...headers }, duplex: 'half' } as RequestInit);
      const body = (await res.json()) as any;
      assert.equal(res.status, 413, `${path}: ${JSON.stringify(body)}`);
      assert.equal(body.error.code, 'body_too_large');
      assert.match(body.error.description, new RegExp(`over ${cap} bytes`));
      assert.ok(counter.pulled <= cap + 2 * chunk, `${path} read ${counter.pulled} bytes of a 48 MiB body`);
    }
  });

  test("the demo store's own routes, mounted in the same server, cap their bodies too", async (t) => {
    const h = await harness(t);
    mountDemo(h.server, { publicUrl: PUBLIC_URL, dataDir: h.dir });
    for (const path of ['/demo/orders', '/demo/webhooks']) {
      const { stream, counter, chunk } = hugeBody(8 * 1024 * 1024);
      const res = await h.app.request(path, { method: 'POST', body: stream, headers: { 'content-type': 'application/json' }, duplex: 'half' } as RequestInit);
      assert.equal(res.status, 413, path);
      assert.ok(counter.pulled <= 64 * 1024 + 2 * chunk, `${path} read ${counter.pulled} bytes`);
    }
  });

  test('a declared Content-Length over the cap is refused before any byte is read', async (t) => {
    const h = await harness(t);
    const { token } = await sessionWithToken(h);
    const res = await h.app.request(`/public/v1/sessions/${token}/cards`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json', 'content-length': String(1 << 30) } });
    assert.equal(res.status, 413);
  });
});

describe('duplicate keys', () => {
  test('a JSON body that names a key twice is refused with 400 naming it, at any depth', async (t) => {
    const h = await harness(t);
    const { token } = await sessionWithToken(h);
    const twice = '{"amount_details": {"amount": 1000, "currency": "RUB", "amount": 99999999}}';
    const merchant = await h.call('session/create', twice);
    assert.deepEqual([merchant.status, merchant.body.error.code, merchant.body.error.field], [400, 'duplicate_key', 'amount_details.amount']);
    const pub = await h.publicCall(`sessions/${token}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"method": "fps", "method": "card"}' });
    assert.deepEqual([pub.status, pub.body.error.field], [400, 'method']);
    const fine = await h.call('session/create', '{"amount_details": {"amount": 1000, "currency": "RUB"}, "metadata": {"q\\"": "1", "q": "2"}}');
    assert.equal(fine.status, 200, `keys that differ only once unescaped are distinct: ${JSON.stringify(fine.body)}`);
  });

  test('the duplicate is found at any depth, and the same key in sibling objects is fine', () => {
    const path = (text: string) => {
      try {
        parseJson(new TextEncoder().encode(text));
        return null;
      } catch (error) {
        return (error as ApiError).field;
      }
    };
    assert.equal(path('{"a": [{"x": 1}, {"x": 2, "x": 3}]}'), 'a.1.x');
    assert.equal(path('{"a": {"b": {"c": 1, "d": "}", "c": 2}}}'), 'a.b.c');
    assert.equal(path('[{"k": 1}, {"k": 1}, {"k": [1, {"k": 1, "k": 2}]}]'), '2.k.1.k');
    assert.equal(path('{"a": {"x": 1}, "b": {"x": 2}, "s": "\\"x\\": 1, \\"x\\": 2"}'), null);
    assert.equal(path('{"\\u0061": 1, "a": 2}'), 'a', 'an escaped spelling of the same key is the same key');
  });
});

describe('webhooks carry what a receiver needs to order them', () => {
  test("each payload has the event's time and the session's version, growing with every change", async (t) => {
    const h = await harness(t);
    const { id, token } = await sessionWithToken(h);
    await h.publicCall(`sessions/${token}/payments`, json({ method: 'fps' })); // action_required
    h.clock.advance(1000);
    const started = (await h.publicCall(`sessions/${token}`)).body;
    await h.app.request(`/sandbox/payments/${started.payment.id}/approve`, { method: 'POST' }); // payment_finished
    const events = (await h.events(id)).map((e) => e.payload);
    assert.deepEqual(events.map((e) => e.type), ['action_required', 'payment_finished']);
    const [first, last] = events;
    assert.ok(first.session.version < last.session.version, `versions ${first.session.version} then ${last.session.version}`);
    assert.ok(Date.parse(first.created_at) < Date.parse(last.created_at));
    assert.equal((await h.call('session/status', { session_id: id })).body.session.version, last.session.version, 'session/status shows the same version');
  });
});

describe('rate limits', () => {
  const forwardedFrom = (address: string): Record<string, string> => ({ 'x-forwarded-for': address });
  const cardBody = (number = '4000000000000002') => JSON.stringify({ number, expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123' });

  test('card tokenisations per session: the 11th in ten minutes is 429 with Retry-After, and the window passes', async (t) => {
    const h = await startHarness();
    t.after(() => h.close());
    const { token } = await sessionWithToken(h);
    const tokenise = () => h.publicCall(`sessions/${token}/cards`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: cardBody() });
    for (let i = 0; i < 10; i++) assert.equal((await tokenise()).status, 200, `tokenisation ${i + 1}`);
    const limited = await tokenise();
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.match(limited.body.error.description, /at most 10 in 600 s/);
    assert.equal(limited.headers.get('retry-after'), '600');
    h.clock.advance(10 * 60_000);
    assert.equal((await tokenise()).status, 200, 'a new window');
  });

  test('card payments per address: new sessions do not reset it (the five-failures guard cannot be sidestepped)', async (t) => {
    const h = await startHarness({ trustProxy: true });
    t.after(() => h.close());
    const statuses: number[] = [];
    for (let s = 0; s < 8; s++) {
      const { token } = await sessionWithToken(h);
      for (let i = 0; i < 5; i++) {
        const card = await tokenize(h, token, '4000000000000002');
        const res = await h.publicCall(`sessions/${token}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', ...forwardedFrom('203.0.113.7') }, body: JSON.stringify({ method: 'card', card_token: card }) });
        statuses.push(res.status);
      }
    }
    assert.equal(statuses.filter((s) => s === 200).length, 20, 'twenty declined cards from one address, then no more');
    assert.equal(statuses.filter((s) => s === 429).length, 20);
    const { token } = await sessionWithToken(h);
    const card = await tokenize(h, token, '4242424242424242');
    const other = await h.publicCall(`sessions/${token}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', ...forwardedFrom('198.51.100.4') }, body: JSON.stringify({ method: 'card', card_token: card }) });
    assert.equal(other.body.status, 'accepted', 'another customer is not held up');
  });

  test('merchant API calls per project, configurable: over the limit is 429 before any work', async (t) => {
    const h = await startHarness({ rateLimits: { ...DEFAULT_RATE_LIMITS, merchant_calls_per_project: { max: 3, windowMs: 60_000 } } });
    t.after(() => h.close());
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.call('session/create', { amount_details: { amount: 1000, currency: 'RUB' } })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
  });

  test('SG_RATE_LIMITS sets each limit or turns it off, and says how to fix a wrong one', () => {
    const limits = rateLimitsFromEnv('card_tokens_per_session=20/5m, merchant_calls_per_project=off');
    assert.deepEqual(limits.card_tokens_per_session, { max: 20, windowMs: 300_000 });
    assert.equal(limits.merchant_calls_per_project, null);
    assert.deepEqual(limits.card_payments_per_card, DEFAULT_RATE_LIMITS.card_payments_per_card);
    assert.throws(() => rateLimitsFromEnv('cards=1/1m'), /cards is not a limit: use one of card_tokens_per_session/);
    assert.throws(() => rateLimitsFromEnv('card_tokens_per_session=fast'), /must be <max>\/<window> such as 20\/10m, or off/);
  });
});

describe('400s in words written for this API', () => {
  test('an amount of 1e16 names the maximum; lifetime_minutes its real range; a wrong method the methods', async (t) => {
    const h = await harness(t);
    const huge = await h.call('session/create', { amount_details: { amount: 1e16, currency: 'RUB' } });
    assert.deepEqual([huge.status, huge.body.error.field, huge.body.error.description], [400, 'amount_details.amount', 'amount_details.amount: must be at most 10000000000 kopecks']);
    for (const minutes of [1, 1e9, 7.5]) {
      const life = await h.call('session/create', { amount_details: { amount: 1000, currency: 'RUB' }, payment_options: { lifetime_minutes: minutes } });
      assert.equal(life.body.error.description, 'payment_options.lifetime_minutes: must be a whole number of minutes from 5 to 43200 (30 days)', String(minutes));
    }
    const { token } = await sessionWithToken(h);
    const method = await h.publicCall(`sessions/${token}/payments`, json({ method: 'cash' }));
    assert.deepEqual([method.status, method.body.error.field], [400, 'method']);
    assert.match(method.body.error.description, /method must be one of card, saved_card, fps, sberpay/);
    const token2 = await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: 'tok_short' }));
    assert.equal(token2.body.error.description, 'card_token: must be a card token tok_… from the card form');
  });

  test("where a schema has no words of its own, the API's words say what is allowed, never the library's", async (t) => {
    const h = await harness(t);
    const cases: [unknown, RegExp][] = [
      [{ amount_details: { amount: 1000, currency: 'RUB' }, description: 7 }, /^description: must be a string$/],
      [{ amount_details: { amount: 1000, currency: 'RUB' }, description: 'x'.repeat(300) }, /^description: must be at most 255 characters$/],
      [{ amount_details: { amount: 1000, currency: 'RUB' }, payment_options: { confirmation: 'later' } }, /^payment_options.confirmation: must be one of "auto", "manual"$/],
      [{ amount_details: { amount: 1000, currency: 'RUB' }, customer: { email: 'nope' } }, /^customer.email: must be an email address/],
    ];
    for (const [body, message] of cases) {
      const res = await h.call('session/create', body);
      assert.equal(res.status, 400);
      assert.match(res.body.error.description, message);
      assert.doesNotMatch(res.body.error.description, /Invalid|expected|received|pattern \//);
    }
  });
});

describe('public POSTs take JSON only', () => {
  test('a form, text or no type is 415 on every public POST, and nothing happens', async (t) => {
    const h = await harness(t);
    const { id, token } = await sessionWithToken(h);
    for (const path of ['payments', 'cards', 'renew', 'saved-card/remove', 'sberpay/push', 'payments/pm_0000000000000000000a/abandon']) {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
        const res = await h.publicCall(`sessions/${token}/${path}`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: '{"method":"fps"}' });
        assert.deepEqual([path, type, res.status, res.body.error.code], [path, type, 415, 'unsupported_media_type']);
      }
    }
    assert.deepEqual(await h.events(id), [], 'no payment was started');
  });
});

describe('link checkouts', () => {
  test('a purchase on a link is capped while its body streams in, takes JSON only, and is rate limited per address and per link', async (t) => {
    const h = await startHarness({ trustProxy: true, rateLimits: { ...DEFAULT_RATE_LIMITS, link_checkouts_per_link: { max: 14, windowMs: 600_000 } } });
    t.after(() => h.close());
    const link = await createLink(h, { order_check_url: undefined });
    const open = (address: string, body = JSON.stringify({ user: '@duck', extra: ['d@example.com'], consent: true }), type = 'application/json') =>
      h.app.request(`/l/${link.id}/checkout`, { method: 'POST', body, headers: { 'content-type': type, 'x-forwarded-for': address } });
    const huge = await h.app.request(`/l/${link.id}/checkout`, { method: 'POST', body: '{"user":"'.padEnd(64 * 1024, 'x'), headers: { 'content-type': 'application/json' } });
    assert.equal(huge.status, 413);
    assert.equal((await open('192.0.2.99', '{}', 'text/plain')).status, 415);
    const fromOne = [];
    for (let i = 0; i < 11; i++) fromOne.push((await open('192.0.2.1')).status);
    assert.deepEqual(fromOne, [...Array(10).fill(200), 429], 'ten purchases from one address in ten minutes');
    const others = [];
    for (let i = 0; i < 4; i++) others.push((await open(`198.51.100.${i}`)).status);
    assert.deepEqual(others, [200, 200, 429, 429], 'fourteen attempts on the link in all, whoever makes them (a refused one counts too)');
    const unknown = await h.app.request(`/l/pl_${'0'.repeat(20)}/checkout`, { method: 'POST', body: JSON.stringify({ user: '@duck', consent: true }), headers: { 'content-type': 'application/json' } });
    assert.equal(unknown.status, 404);
  });
});
