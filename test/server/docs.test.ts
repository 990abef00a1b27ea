/**
 * The API reference (/docs, /docs/openapi.json) against the running app: the public API is in it
 * with the schemas that validate it, a real session view fits the documented reply, and every
 * status a test can provoke from an operation is one that operation documents.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RATE_LIMITS } from '../../server/http/rate-limits';
import { sessionViewReply } from '../../server/public-api/docs';
import { createLink, sessionWithToken, signBody, startHarness, tokenize, type Harness } from './helpers';
import { MERCHANT_METHODS } from './merchant-fixtures';

type Operation = {
  tags?: string[];
  summary?: string;
  parameters?: { in: string; name: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: Schema }> }>;
};
type Schema = { $ref?: string; properties?: Record<string, Schema>; oneOf?: Schema[]; anyOf?: Schema[]; required?: string[] };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

async function harness(t: TestContext, opts: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const h = await startHarness(opts);
  t.after(() => h.close());
  return h;
}

async function openApi(h: Harness): Promise<Doc> {
  const res = await h.app.request('/docs/openapi.json');
  assert.equal(res.status, 200);
  return (await res.json()) as Doc;
}

const PUBLIC_OPERATIONS = [
  'get /public/v1/banks',
  'get /public/v1/sessions/{token}',
  'options /public/v1/sessions/{token}',
  'post /public/v1/sessions/{token}/payments',
  'post /public/v1/sessions/{token}/cards',
  'post /public/v1/sessions/{token}/sberpay/push',
  'post /public/v1/sessions/{token}/renew',
  'post /public/v1/sessions/{token}/payments/{paymentId}/abandon',
  'post /public/v1/sessions/{token}/saved-card/remove',
  'get /public/v1/sessions/{token}/banks',
  'post /l/{linkId}/checkout',
];


const operation = (doc: Doc, key: string): Operation => {
  const [verb, path] = key.split(' ') as [string, string];
  const op = doc.paths[path]?.[verb];
  assert.ok(op, `${key} is documented`);
  return op;
};

const resolve = (doc: Doc, s: Schema): Schema => (s.$ref ? resolve(doc, doc.components.schemas[s.$ref.split('/').at(-1)!]!) : s);

test('the public API and the link checkout are documented under "Public API", their bodies from the schemas that validate them', async (t) => {
  const h = await harness(t);
  const doc = await openApi(h);
  for (const key of PUBLIC_OPERATIONS) assert.deepEqual(operation(doc, key).tags, ['Public API'], key);
  const view = operation(doc, 'get /public/v1/sessions/{token}');
  assert.deepEqual(view.parameters!.map((p) => `${p.in} ${p.name}`).sort(), ['path token', 'query version', 'query wait']);
  const payments = resolve(doc, operation(doc, 'post /public/v1/sessions/{token}/payments').requestBody!.content['application/json']!.schema);
  const variants = (payments.oneOf ?? payments.anyOf)!.map((v) => resolve(doc, v));
  assert.deepEqual(variants.map((v) => Object.keys(v.properties!).sort()), [
    ['card', 'card_token', 'consent', 'method', 'recurrent_consent', 'remember_card'],
    ['consent', 'method', 'recurrent_consent'],
    ['consent', 'method', 'recurrent_consent'],
    ['channel', 'consent', 'method', 'phone', 'recurrent_consent'],
  ]);
  const card = resolve(doc, operation(doc, 'post /public/v1/sessions/{token}/cards').requestBody!.content['application/json']!.schema);
  assert.deepEqual(card.required!.sort(), ['cvc', 'expiry_month', 'expiry_year', 'number']);
  const checkout = resolve(doc, operation(doc, 'post /l/{linkId}/checkout').requestBody!.content['application/json']!.schema);
  assert.deepEqual(Object.keys(checkout.properties!).sort(), ['consent', 'extra', 'init_data', 'marketing', 'user']);
  // The reply of every view-answering route is the one view schema.
  for (const key of ['get /public/v1/sessions/{token}', 'post /public/v1/sessions/{token}/payments', 'post /public/v1/sessions/{token}/renew']) {
    assert.equal(operation(doc, key).responses['200']!.content!['application/json']!.schema.$ref, '#/components/schemas/PublicSessionView', key);
  }
});

test('the documented link checkout body takes the fields, and only the fields, that the route validates', async (t) => {
  const h = await harness(t);
  const doc = await openApi(h);
  const body = resolve(doc, operation(doc, 'post /l/{linkId}/checkout').requestBody!.content['application/json']!.schema);
  const link = await createLink(h, { extra_fields: undefined });
  const checkout = async (value: Record<string, unknown>) => {
    const res = await h.app.request(`/l/${link.id}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
    return { status: res.status, body: (await res.json()) as { error?: { field?: string } } };
  };
  const valid = { user: '@duck', extra: [], consent: true, marketing: false, init_data: 'ignored without a bot token' };
  assert.deepEqual(Object.keys(valid).sort(), Object.keys(body.properties!).sort());
  assert.equal((await checkout(valid)).status, 200, 'a body with every documented field is taken');
  for (const field of Object.keys(body.properties!)) {
    const wrong = typeof valid[field as keyof typeof valid] === 'string' ? 1 : 'x';
    const res = await checkout({ ...valid, [field]: wrong });
    assert.deepEqual([res.status, res.body.error?.field], [400, field], `${field} is validated as documented`);
  }
  const unknown = await checkout({ ...valid, coupon: 'FREE' });
  assert.deepEqual([unknown.status, unknown.body.error?.field], [400, 'coupon'], 'an undocumented field is refused');
});

test('a real session view, in each state it can be in, validates against the documented reply schema', async (t) => {
  const h = await harness(t);
  const view = async (token: string) => {
    const res = await h.publicCall(`sessions/${token}`);
    assert.equal(res.status, 200);
    const parsed = sessionViewReply.safeParse(res.body);
    assert.ok(parsed.success, `${JSON.stringify(res.body)}\n${parsed.error?.message}`);
    return res.body;
  };
  const post = (path: string, body: unknown) => h.publicCall(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await h.server.store.transaction(async (tx) => tx.projects.update({ ...(await tx.projects.get('shop'))!, displayName: 'Байкал Маркет', support: { email: 'help@shop.example' } }));

  const fresh = await sessionWithToken(h, { description: 'Ducks', payment_options: { consent: { offer_url: 'https://shop.example/offer' }, return_url: 'https://shop.example/back' } });
  assert.equal((await view(fresh.token)).payment, null);

  const fps = await sessionWithToken(h);
  assert.equal((await post(`sessions/${fps.token}/payments`, { method: 'fps' })).status, 200);
  assert.equal((await view(fps.token)).payment.customer_interaction.type, 'qr');

  const declined = await sessionWithToken(h);
  await post(`sessions/${declined.token}/payments`, { method: 'card', card_token: await tokenize(h, declined.token, '4000000000000002') });
  assert.equal((await view(declined.token)).payment.failure.code, 'card_declined');

  const customer = { reference: 'cust-1' };
  const paid = await sessionWithToken(h, { customer });
  await post(`sessions/${paid.token}/payments`, { method: 'card', card_token: await tokenize(h, paid.token, '4242424242424242'), remember_card: true });
  const accepted = await view(paid.token);
  assert.equal(accepted.status, 'accepted');
  assert.ok(accepted.payment.paid_at && accepted.payment.card.last4 === '4242');

  const again = await sessionWithToken(h, { customer });
  assert.deepEqual((await view(again.token)).saved_card, { brand: 'visa', last4: '4242' });

  const link = await createLink(h);
  const opened = await h.app.request(`/l/${link.id}/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: '@duck', extra: ['duck@example.com'], consent: true }) });
  assert.equal(opened.status, 200);
  await view(((await opened.json()) as { token: string }).token);

  // Strict: a field the view gains without the schema fails here, so the reference cannot fall behind.
  assert.equal(sessionViewReply.safeParse({ ...accepted, something_new: 1 }).success, false);
});

// ─── Statuses: what a test can provoke is documented ─────────────────────────────────────────

type Provoked = { key: string; status: number; headers: Headers; why: string };

/** A chunked body of 1 MiB, no Content-Length: over both caps. */
function hugeChunked(): ReadableStream<Uint8Array> {
  const piece = new TextEncoder().encode('{"pad":"'.padEnd(64 * 1024, 'x'));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if ((sent += piece.byteLength) > 1024 * 1024) return controller.close();
      controller.enqueue(piece);
    },
  });
}

const verbOf = (key: string) => key.split(' ')[0]!.toUpperCase();
const pathOf = (key: string, values: Record<string, string>) => key.split(' ')[1]!.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `unknown_${name}`);

function assertDocumented(doc: Doc, provoked: Provoked[]) {
  for (const p of provoked) {
    const op = operation(doc, p.key);
    assert.ok(String(p.status) in op.responses, `${p.key} answered ${p.status} (${p.why}) but documents only ${Object.keys(op.responses).join(', ')}`);
    if (p.status === 429) {
      assert.ok(p.headers.get('retry-after'), `${p.key}: a 429 says Retry-After`);
      assert.ok(op.responses['429']!.headers?.['Retry-After'], `${p.key} documents Retry-After`);
    }
    if (p.status === 405) assert.ok(op.responses['405']!.headers?.['Allow'], `${p.key} documents Allow`);
  }
}

const provokedStatuses = (provoked: Provoked[], key: string) => new Set(provoked.filter((p) => p.key === key).map((p) => p.status));

test('every public operation documents each status it is provoked into', async (t) => {
  let orderCheck: () => Response = () => Response.json({ ok: true });
  const h = await harness(t, { fetch: async () => orderCheck() });
  // Rate limits on a server of their own: a limit is taken before the body is read, so it would hide the other refusals.
  const limits = { ...DEFAULT_RATE_LIMITS, card_tokens_per_session: { max: 1, windowMs: 60_000 }, card_payments_per_session: { max: 1, windowMs: 60_000 } };
  const limited = await harness(t, { rateLimits: limits });
  const doc = await openApi(h);
  const provoked: Provoked[] = [];
  const send = async (key: string, why: string, values: Record<string, string>, init: RequestInit = {}, on = h) => {
    const res = await on.app.request(pathOf(key, values), { method: verbOf(key), ...init });
    provoked.push({ key, status: res.status, headers: res.headers, why });
    return res;
  };
  const jsonBody = (body: unknown): RequestInit => ({ headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const link = await createLink(h, { order_check_url: undefined, telegram_bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi' });

  for (const key of PUBLIC_OPERATIONS) {
    const s = await sessionWithToken(h);
    const values = { token: s.token, paymentId: 'pm_0000000000000000000a', linkId: link.id };
    const posts = verbOf(key) === 'POST';
    await send(key, 'as is', values, posts ? jsonBody({}) : {});
    await send(key, 'unknown token or link', { ...values, token: `pt_${'x'.repeat(32)}`, linkId: `pl_${'0'.repeat(20)}` }, posts ? jsonBody({}) : {});
    await send(key, 'an origin the project does not allow', values, { headers: { origin: 'https://evil.example', ...(posts ? { 'content-type': 'application/json' } : {}) }, ...(posts ? { body: '{}' } : {}) });
    if (!posts) continue;
    await send(key, 'not JSON', values, jsonBody('{"method":'));
    await send(key, 'text/plain', values, { headers: { 'content-type': 'text/plain' }, body: '{}' });
    await send(key, 'a chunked body over the cap', values, { headers: { 'content-type': 'application/json' }, body: hugeChunked(), duplex: 'half' } as RequestInit);
  }

  // Each route's own refusals.
  const s = await sessionWithToken(h);
  const payments = 'post /public/v1/sessions/{token}/payments';
  const cards = 'post /public/v1/sessions/{token}/cards';
  const card = { number: '4242424242424242', expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123' };
  await send(cards, 'a card', s, jsonBody(card));
  await send(payments, 'an unknown card token', s, jsonBody({ method: 'card', card_token: `tok_${'0'.repeat(20)}` }));
  const l = await sessionWithToken(limited);
  await send(cards, 'a card', l, jsonBody(card), limited);
  await send(cards, 'over card_tokens_per_session', l, jsonBody(card), limited);
  await send(payments, 'an unknown card token', l, jsonBody({ method: 'card', card_token: `tok_${'0'.repeat(20)}` }), limited);
  await send(payments, 'over card_payments_per_session', l, jsonBody({ method: 'card', card_token: `tok_${'0'.repeat(20)}` }), limited);
  await send('post /public/v1/sessions/{token}/renew', 'nothing to renew', s, jsonBody({}));
  await send('get /public/v1/sessions/{token}/banks', 'no FPS payment', s, {});
  await send('post /public/v1/sessions/{token}/sberpay/push', 'no SberPay payment', s, jsonBody({ phone: '71234567890' }));
  await send(payments, 'fps', s, jsonBody({ method: 'fps' }));
  await send('get /public/v1/sessions/{token}/banks', 'an FPS payment', s, {});
  await send('post /public/v1/sessions/{token}/payments/{paymentId}/abandon', 'another payment id', s, jsonBody({}));
  const checked = await sessionWithToken(h, { order_check_url: 'https://shop.example/check' });
  orderCheck = () => Response.json({ ok: false, error_message: 'out of ducks' });
  await send(payments, 'the order check refuses', checked, jsonBody({ method: 'fps' }));
  orderCheck = () => new Response('down', { status: 500 });
  await send(payments, 'the order check fails', checked, jsonBody({ method: 'fps' }));
  const checkout = 'post /l/{linkId}/checkout';
  await send(checkout, 'a purchase', { linkId: link.id }, jsonBody({ user: '@duck', extra: ['d@example.com'], consent: true }));
  await send(checkout, 'an unknown link', { linkId: `pl_${'0'.repeat(20)}` }, jsonBody({ user: '@duck', consent: true }));
  await send(checkout, 'forged Telegram initData', { linkId: link.id }, jsonBody({ user: '@duck', extra: ['d@example.com'], consent: true, init_data: 'user=%7B%7D&hash=00' }));

  assertDocumented(doc, provoked);
  for (const key of PUBLIC_OPERATIONS.filter((k) => k.startsWith('post /public/v1/'))) {
    for (const status of [404, 415]) assert.ok(provokedStatuses(provoked, key).has(status), `${key} was provoked into ${status}`);
  }
  for (const key of [payments, cards, 'post /public/v1/sessions/{token}/sberpay/push']) {
    for (const status of [400, 403, 413]) assert.ok(provokedStatuses(provoked, key).has(status), `${key} was provoked into ${status}`);
  }
  assert.deepEqual([...provokedStatuses(provoked, payments)].sort(), [200, 400, 403, 404, 409, 413, 415, 429, 502]);
  assert.ok(provokedStatuses(provoked, cards).has(429), 'cards was provoked into 429');
  assert.deepEqual([...provokedStatuses(provoked, checkout)].sort(), [200, 400, 401, 404, 413, 415]);
});

test('every merchant method documents each status it is provoked into: 405, 413, 415, 429 and its own', async (t) => {
  const h = await harness(t, { rateLimits: { ...DEFAULT_RATE_LIMITS, merchant_calls_per_project: { max: 40, windowMs: 60_000 } } });
  const doc = await openApi(h);
  const merchantPaths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/'));
  assert.deepEqual(merchantPaths.sort(), MERCHANT_METHODS.map((m) => `/api/v1/${m}`).sort());
  const provoked: Provoked[] = [];
  const signed = (raw: string, headers: Record<string, string> = {}) => ({ 'content-type': 'application/json', 'x-partner-project': 'shop', 'x-partner-sign': signBody(h.keys.privateKey, raw), ...headers });
  const send = async (method: string, why: string, init: RequestInit) => {
    const res = await h.app.request(`/api/v1/${method}`, init);
    provoked.push({ key: `post /api/v1/${method}`, status: res.status, headers: res.headers, why });
    return res;
  };
  const { id } = await sessionWithToken(h);
  for (const method of MERCHANT_METHODS) {
    await send(method, 'GET', { method: 'GET' });
    await send(method, 'no signature', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    await send(method, 'a chunked body over the cap', { method: 'POST', body: hugeChunked(), duplex: 'half', headers: { 'content-type': 'application/json', 'x-partner-project': 'shop', 'x-partner-sign': 'AAAA' } } as RequestInit);
    await send(method, 'text/plain', { method: 'POST', body: '{}', headers: signed('{}', { 'content-type': 'text/plain' }) });
    await send(method, 'not JSON', { method: 'POST', body: '{', headers: signed('{') });
    const unknown = JSON.stringify(method.startsWith('link/') ? { id: `pl_${'0'.repeat(20)}` } : method === 'recurrent/disable' ? { token: `tok_${'0'.repeat(20)}` } : { session_id: `ps_${'0'.repeat(20)}` });
    await send(method, 'an unknown id', { method: 'POST', body: unknown, headers: signed(unknown) });
  }
  const status = JSON.stringify({ session_id: id });
  await send('session/confirm', 'nothing to confirm', { method: 'POST', body: status, headers: signed(status) });
  await send('session/status', 'a key', { method: 'POST', body: status, headers: signed(status, { 'idempotency-key': 'k1' }) });
  await send('session/cancel', 'the same key, another method', { method: 'POST', body: status, headers: signed(status, { 'idempotency-key': 'k1' }) });
  const create = JSON.stringify({ amount_details: { amount: 1000, currency: 'RUB' } });
  for (let i = 0; i < 45; i++) await send('session/create', 'until the rate limit', { method: 'POST', body: create, headers: signed(create) });
  for (const method of MERCHANT_METHODS) await send(method, 'over the rate limit', { method: 'POST', body: '{}', headers: signed('{}') });

  assertDocumented(doc, provoked);
  for (const method of MERCHANT_METHODS) {
    const key = `post /api/v1/${method}`;
    for (const s of [400, 401, 405, 413, 415, 429]) assert.ok(provokedStatuses(provoked, key).has(s), `${key} was provoked into ${s}`);
  }
  assert.ok(provokedStatuses(provoked, 'post /api/v1/session/cancel').has(422));
  assert.ok(provokedStatuses(provoked, 'post /api/v1/session/confirm').has(409));
});

test('/docs renders the public API: its operations, parameters, authorisation and statuses', async (t) => {
  const h = await harness(t);
  const res = await h.app.request('/docs');
  assert.equal(res.status, 200);
  const page = await res.text();
  assert.match(page, /<h2[^>]*>Public API<\/h2>/);
  for (const key of PUBLIC_OPERATIONS) {
    const [verb, path] = key.split(' ') as [string, string];
    assert.ok(page.includes(`${verb.toUpperCase()} ${path}`), `the page shows ${key}`);
  }
  for (const text of ['card_token', 'version', 'wait', 'Access-Control-Allow-Origin', 'Retry-After', 'Allow: POST', '16384', '65536', 'order_check_failed', 'storage_failure', 'server_time', 'customer_interaction']) {
    assert.ok(page.includes(text), `the page mentions ${text}`);
  }
  assert.match(page, /<td><code>413<\/code><\/td>/);
});
