/**
 * The Smart Glocal adapter's parts that need no upstream: its settings, its body bytes, its
 * mapping of the upstream session, and its webhook route (signed here with a key of our own,
 * as the upstream signs with its server key).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { smartGlocalConfigFromEnv } from '../../server/acquirers/smartglocal/config';
import { canonicalJson, SmartGlocalClient, UpstreamOutcomeUnknown } from '../../server/acquirers/smartglocal/client';
import { initPaymentBody, SmartGlocalAcquirer } from '../../server/acquirers/smartglocal/adapter';
import { railStateOf } from '../../server/acquirers/smartglocal/mapping';
import type { RailPaymentState, RailReports, StartRequest } from '../../server/acquirers/port';
import type { UpstreamSession } from '../../server/acquirers/smartglocal/protocol';

const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const ours = pair();
const upstreams = pair();

describe('smartGlocalConfigFromEnv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sg-config-'));
  writeFileSync(join(dir, 'private.pem'), ours.privateKey);
  writeFileSync(join(dir, 'upstream.pem'), upstreams.publicKey);
  writeFileSync(join(dir, 'encrypted.pem'), createPrivateKey(ours.privateKey).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }));
  writeFileSync(join(dir, 'ec.pem'), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const short = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const good = { SMARTGLOCAL_URL: 'https://proxy.example/', SMARTGLOCAL_PROJECT: 'gateway', SMARTGLOCAL_PRIVATE_KEY_FILE: join(dir, 'private.pem'), SMARTGLOCAL_PUBLIC_KEY: upstreams.publicKey };

  test('reads the origin, the project and both keys (file or inline PEM)', () => {
    const config = smartGlocalConfigFromEnv(good);
    assert.equal(config.url, 'https://proxy.example');
    assert.equal(config.project, 'gateway');
    assert.equal(config.privateKey.type, 'private');
    assert.equal(config.upstreamPublicKey.type, 'public');
    const inline = smartGlocalConfigFromEnv({ ...good, SMARTGLOCAL_PRIVATE_KEY_FILE: '', SMARTGLOCAL_PRIVATE_KEY: ours.privateKey.replace(/\n/g, '\\n') });
    assert.equal(inline.privateKey.type, 'private');
  });

  test('every mistake is one line that names the variable and the fix', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...good, SMARTGLOCAL_URL: '' }, /^SMARTGLOCAL_URL is not set/],
      [{ ...good, SMARTGLOCAL_URL: 'https://proxy.example/api' }, /SMARTGLOCAL_URL=.* must be an origin/],
      [{ ...good, SMARTGLOCAL_PROJECT: '' }, /^SMARTGLOCAL_PROJECT is not set/],
      [{ ...good, SMARTGLOCAL_PRIVATE_KEY_FILE: '' }, /SMARTGLOCAL_PRIVATE_KEY_FILE \(or SMARTGLOCAL_PRIVATE_KEY\) is not set/],
      [{ ...good, SMARTGLOCAL_PRIVATE_KEY_FILE: join(dir, 'missing.pem') }, /^SMARTGLOCAL_PRIVATE_KEY_FILE=.*missing\.pem: no such file .*give the path of our RSA private key/],
      [{ ...good, SMARTGLOCAL_PRIVATE_KEY_FILE: join(dir, 'upstream.pem') }, /^SMARTGLOCAL_PRIVATE_KEY_FILE=.*upstream\.pem holds a public key: the server signs, so give it the private key/],
      [{ ...good, SMARTGLOCAL_PRIVATE_KEY_FILE: join(dir, 'encrypted.pem') }, /^SMARTGLOCAL_PRIVATE_KEY_FILE=.*encrypted\.pem is encrypted with a passphrase: give it unencrypted/],
      [{ ...good, SMARTGLOCAL_PRIVATE_KEY_FILE: join(dir, 'ec.pem') }, /^SMARTGLOCAL_PRIVATE_KEY_FILE=.*ec\.pem is an ec key: X-PARTNER-SIGN is RSA/],
      [{ ...good, SMARTGLOCAL_PRIVATE_KEY_FILE: '', SMARTGLOCAL_PRIVATE_KEY: short }, /^SMARTGLOCAL_PRIVATE_KEY is a 1024-bit RSA key: use 2048 bits or more \(make one with openssl genrsa .* register its public half at the upstream\)$/],
      [{ ...good, SMARTGLOCAL_PRIVATE_KEY: ours.privateKey }, /^SMARTGLOCAL_PRIVATE_KEY_FILE and SMARTGLOCAL_PRIVATE_KEY are both set: keep one/],
      [{ ...good, SMARTGLOCAL_PUBLIC_KEY: '' }, /SMARTGLOCAL_PUBLIC_KEY_FILE \(or SMARTGLOCAL_PUBLIC_KEY\) is not set/],
      [{ ...good, SMARTGLOCAL_PUBLIC_KEY: ours.privateKey }, /holds a private key/],
    ];
    for (const [env, message] of cases) {
      assert.throws(() => smartGlocalConfigFromEnv(env), (error: Error) => {
        assert.match(error.message, message);
        assert.equal(error.message.split('\n').length, 1, error.message);
        return true;
      });
    }
  });
});

const start = (overrides: Partial<StartRequest> = {}): StartRequest => ({
  paymentId: 'pm_1',
  method: 'fps',
  amount: { amount: 1000, currency: 'rub' },
  bindOnly: false,
  capture: true,
  cardToken: null,
  bindingRef: null,
  keepRecurrent: false,
  initiator: null,
  customerVerified: true,
  sberPay: null,
  merchant: 'Shop',
  description: null,
  customerReference: null,
  returnUrl: null,
  customerActionTtlMs: 900_000,
  ...overrides,
});

describe('request bodies', () => {
  test('the same request is the same bytes, whatever order its fields were put in', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: null }], c: 'é' }, z: undefined }), '{"a":{"c":"é","d":[2,{"x":null,"y":1}]},"b":1}');
    const one = canonicalJson(initPaymentBody(start({ description: 'Order', customerReference: 'c1' })) as never);
    const other = canonicalJson(initPaymentBody({ ...start(), customerReference: 'c1', description: 'Order' }) as never);
    assert.equal(one, other);
  });

  test('each method maps to the upstream payment_details, with only fields its schema accepts', () => {
    const body = (r: Partial<StartRequest>) => JSON.parse(canonicalJson(initPaymentBody(start(r)) as never));
    assert.deepEqual(body({}), {
      amount_details: { amount: 1000, currency: 'RUB' },
      metadata: { gateway_payment_id: 'pm_1' },
      payment_details: { type: 'faster_payment_system' },
      payment_options: { confirmation: 'auto' },
    });
    assert.deepEqual(body({ method: 'sberpay', sberPay: { channel: 'mobile_web', phone: '71234567890' } }).payment_details, {
      type: 'internet_banking',
      internet_banking: { type: 'sber_pay', sber_pay: { channel: 'mobile_web', phone: '71234567890' } },
    });
    const card = body({ method: 'card', cardToken: 'tok_a', capture: false, returnUrl: 'https://shop.example/r', customerReference: 'c1', description: 'D' });
    assert.deepEqual(card.payment_details, { type: 'card', card: { token: 'tok_a' } });
    assert.deepEqual(card.payment_options, { confirmation: 'manual', return_url: 'https://shop.example/r' });
    assert.deepEqual(card.customer, { reference: 'c1' });
    assert.equal(card.description, 'D');
    assert.deepEqual(body({ method: 'saved_card', cardToken: 'tok_b' }).payment_details, { type: 'card', card: { token: 'tok_b' } });
    assert.deepEqual(body({ method: 'recurrent', cardToken: 'tok_c' }).payment_details, { type: 'recurrent', recurrent: { token: 'tok_c', initiator: 'merchant' } });
  });

  test('a binding that takes no money names no amount and asks for no confirmation: faster_payment_system_binding', () => {
    const body = JSON.parse(canonicalJson(initPaymentBody(start({ bindOnly: true, amount: { amount: 0, currency: 'RUB' }, keepRecurrent: true, returnUrl: 'https://shop.example/r', description: 'Автоплатёж' })) as never));
    assert.deepEqual(body, {
      description: 'Автоплатёж',
      metadata: { gateway_payment_id: 'pm_1' },
      payment_details: { type: 'faster_payment_system_binding' },
      payment_options: { return_url: 'https://shop.example/r' },
    });
  });

  test('a card payment without a token is declined before any call', async () => {
    let called = false;
    const acquirer = new SmartGlocalAcquirer({
      url: 'http://upstream.invalid',
      project: 'p',
      privateKey: createPrivateKey(ours.privateKey),
      upstreamPublicKey: createPublicKey(upstreams.publicKey),
      timeoutMs: 1000,
      fetch: async () => {
        called = true;
        return new Response('{}');
      },
    });
    const state = await acquirer.start(start({ method: 'card' }), AbortSignal.timeout(1000));
    assert.equal(state.state, 'declined');
    assert.equal(called, false);
  });
});

describe('the client', () => {
  const client = (answer: () => Response | Promise<Response>, seen: { headers?: Headers; body?: string } = {}) =>
    new SmartGlocalClient({
      url: 'http://upstream.test',
      project: 'gateway',
      privateKey: createPrivateKey(ours.privateKey),
      timeoutMs: 200,
      fetch: async (_url, init) => {
        seen.headers = new Headers(init?.headers);
        seen.body = new TextDecoder().decode(init?.body as Uint8Array);
        return answer();
      },
    });
  const json = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const sig = () => AbortSignal.timeout(1000);

  test('signs the exact bytes it sends and names the project and the key', async () => {
    const seen: { headers?: Headers; body?: string } = {};
    const answer = await client(json(200, { status: 'ok', session: { id: 'ps_1', status: 'created' } }), seen).call('session/status', { session_id: 'ps_1' }, { signal: sig(), idempotencyKey: 'k1' });
    assert.equal(answer.ok, true);
    assert.equal(seen.body, '{"session_id":"ps_1"}');
    assert.equal(seen.headers!.get('x-partner-project'), 'gateway');
    assert.equal(seen.headers!.get('idempotency-key'), 'k1');
    assert.ok(verify('sha256', Buffer.from(seen.body!), ours.publicKey, Buffer.from(seen.headers!.get('x-partner-sign')!, 'base64')));
  });

  test('a 4xx error body is a definite answer; a 5xx, a timeout, in-progress or a strange body throws', async () => {
    const refused = await client(json(404, { status: 'error', error: { code: 'not_found', description: 'no such session' } })).call('session/status', {}, { signal: sig() });
    assert.deepEqual(refused, { ok: false, httpStatus: 404, code: 'not_found', description: 'no such session' });
    await assert.rejects(client(json(503, { status: 'error', error: { code: 'storage_unavailable', description: 'x' } })).call('m', {}, { signal: sig() }), UpstreamOutcomeUnknown);
    await assert.rejects(client(json(409, { status: 'error', error: { code: 'idempotency_key_in_progress', description: 'x' } })).call('m', {}, { signal: sig() }), UpstreamOutcomeUnknown);
    await assert.rejects(client(json(400, { nope: true })).call('m', {}, { signal: sig() }), /not a Smart Glocal reply/);
    await assert.rejects(client(() => new Response('not json', { status: 200 })).call('m', {}, { signal: sig() }), /not a Smart Glocal reply/);
    // Like fetch: refuses an aborted signal at once, else waits until it aborts.
    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => (init!.signal!.aborted ? reject(init!.signal!.reason) : init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason))));
    const slow = new SmartGlocalClient({ url: 'http://upstream.test', project: 'p', privateKey: createPrivateKey(ours.privateKey), timeoutMs: 50, fetch: hanging });
    // AbortSignal.timeout's timer does not hold the process open (a real socket does): this one stands in for it.
    const alive = setTimeout(() => {}, 5000);
    await assert.rejects(slow.call('m', {}, { signal: sig() }), /no answer within 50 ms/);
    clearTimeout(alive);
    await assert.rejects(slow.call('m', {}, { signal: AbortSignal.abort() }), /the call was aborted/);
  });
});

describe('railStateOf', () => {
  const session = (payment: { status: string; [field: string]: unknown } | null, status = 'in_progress'): UpstreamSession => ({
    id: 'ps_1',
    status,
    acquiring_payments: payment ? [{ id: 'pm_old', status: 'failed', created_at: '2025-01-01T00:00:00.000Z', failure: { code: 'expired' } }, { id: 'pm_2', created_at: '2025-01-01T00:01:00.000Z', ...payment }] : [],
  });
  const cases: [string, UpstreamSession, RailPaymentState][] = [
    [
      'in_progress with an interaction',
      session({ status: 'in_progress', customer_interaction: { type: 'qr', redirect: { url: 'https://qr.nspk.ru/x', method: 'GET' }, expires_at: '2025-01-01T00:16:00.000Z' } }),
      { state: 'awaiting_customer', interaction: { type: 'qr', redirect: { url: 'https://qr.nspk.ru/x', method: 'GET' } }, railRef: 'ps_1', expiresAt: Date.parse('2025-01-01T00:16:00.000Z') },
    ],
    ['in_progress without one', session({ status: 'in_progress' }), { state: 'processing', railRef: 'ps_1' }],
    ['pending', session({ status: 'pending' }), { state: 'authorized', railRef: 'ps_1' }],
    ['succeeded', session({ status: 'succeeded' }, 'accepted'), { state: 'captured', railRef: 'ps_1' }],
    ['failed: cancelled', session({ status: 'failed', failure: { code: 'cancelled', description: 'The merchant cancelled the payment' } }, 'cancelled'), { state: 'voided' }],
    ['failed: declined', session({ status: 'failed', failure: { code: 'card_declined', description: 'The issuer declined the card' } }, 'created'), { state: 'declined', code: 'card_declined', description: 'The issuer declined the card' }],
    ['no payment, cancelled', session(null, 'cancelled'), { state: 'voided' }],
  ];
  for (const [name, s, expected] of cases) test(name, () => assert.deepEqual(railStateOf(s), expected));
});

describe('the webhook route', () => {
  const hookKeys = pair();
  const acquirer = new SmartGlocalAcquirer({ url: 'http://upstream.test', project: 'p', privateKey: createPrivateKey(ours.privateKey), upstreamPublicKey: createPublicKey(hookKeys.publicKey), timeoutMs: 1000 });
  const reportsLog = () => {
    const log: unknown[][] = [];
    const reports: RailReports = {
      payment: async (...a) => void log.push(['payment', ...a]),
      refund: async (...a) => void log.push(['refund', ...a]),
      reconcileRefunds: async (...a) => void log.push(['reconcileRefunds', ...a]),
      paymentIdByRailRef: async (ref) => (ref === 'ps_known' ? 'pm_by_ref' : null),
      bindingRevoked: async () => {},
    };
    return { log, reports };
  };
  const post = (routes: ReturnType<typeof acquirer.callbackRoutes>, body: string, signature?: string) =>
    routes.request('/acquirer/smartglocal/webhooks', { method: 'POST', body, headers: { 'content-type': 'application/json', ...(signature ? { 'x-partner-sign': signature } : {}) } });
  const signed = (body: string, key = hookKeys.privateKey) => sign('sha256', Buffer.from(body), key).toString('base64');
  const finished = JSON.stringify({
    type: 'payment_finished',
    session: { id: 'ps_1', status: 'accepted', acquiring_payments: [{ id: 'pm_up', status: 'succeeded', metadata: { gateway_payment_id: 'pm_ours' } }] },
  });

  test('a verified payment_finished reports the payment by its metadata, answers 200 {"status":"ok"}', async () => {
    const { log, reports } = reportsLog();
    const res = await post(acquirer.callbackRoutes(reports), finished, signed(finished));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
    assert.deepEqual(log, [['payment', 'pm_ours', { state: 'captured', railRef: 'ps_1' }]]);
  });

  test('payment_refunded asks the gateway to reconcile the refunds; a session without our metadata is found by its id', async () => {
    const { log, reports } = reportsLog();
    const body = JSON.stringify({ type: 'payment_refunded', session: { id: 'ps_known', status: 'accepted', acquiring_payments: [{ id: 'pm_up', status: 'succeeded', metadata: 'order-1' }] } });
    assert.equal((await post(acquirer.callbackRoutes(reports), body, signed(body))).status, 200);
    assert.deepEqual(log, [
      ['payment', 'pm_by_ref', { state: 'captured', railRef: 'ps_known' }],
      ['reconcileRefunds', 'pm_by_ref'],
    ]);
  });

  test('rejects a body signed with another key, an altered body, or no signature: 401 and nothing reported', async () => {
    const { log, reports } = reportsLog();
    const routes = acquirer.callbackRoutes(reports);
    for (const res of [await post(routes, finished, signed(finished, ours.privateKey)), await post(routes, finished.replace('succeeded', 'failed'), signed(finished)), await post(routes, finished)]) {
      assert.equal(res.status, 401);
      const body = (await res.json()) as { status: string; error: { code: string; description: string } };
      assert.equal(body.status, 'error');
      assert.equal(body.error.code, 'unauthorized');
      assert.match(body.error.description, /X-PARTNER-SIGN/);
    }
    assert.deepEqual(log, []);
  });

  test('answers 503 when the gateway cannot record it, so the upstream delivers it again', async () => {
    const failing: RailReports = { ...reportsLog().reports, payment: async () => Promise.reject(new Error('database down')) };
    const res = await post(acquirer.callbackRoutes(failing), finished, signed(finished));
    assert.equal(res.status, 503);
  });
});
