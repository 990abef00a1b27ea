/**
 * The Smart Glocal adapter against a real upstream: a second sg-checkout in sandbox mode, started
 * as a child process (test/support/upstream.ts), whose merchant API is the protocol itself.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SmartGlocalAcquirer } from '../../server/acquirers/smartglocal/adapter';
import { SmartGlocalClient, UpstreamOutcomeUnknown } from '../../server/acquirers/smartglocal/client';
import type { RailPaymentState, RailReports, StartRequest } from '../../server/acquirers/port';
import { freePort, startUpstream, type Upstream } from '../support/upstream';

let upstream: Upstream;
/** The upstream's webhook key as its CLI printed it (webhook_signing smartglocal), or one of our own where that CLI has none yet. */
let upstreamWebhookKey: KeyObject;

function adapterFor(url: string, opts: { timeoutMs?: number } = {}) {
  return new SmartGlocalAcquirer({
    url,
    project: upstream.project,
    privateKey: createPrivateKey(upstream.privateKeyPem),
    upstreamPublicKey: upstreamWebhookKey,
    timeoutMs: opts.timeoutMs ?? 10_000,
  });
}

/** What the adapter's callback route handed to the gateway, as the upstream's webhooks arrived. */
const reported: { paymentId: string; state: RailPaymentState }[] = [];
const reconciled: string[] = [];
const reports: RailReports = {
  payment: async (paymentId, state) => void reported.push({ paymentId, state }),
  refund: async () => {},
  reconcileRefunds: async (paymentId) => void reconciled.push(paymentId),
  paymentIdByRailRef: async () => null,
  bindingRevoked: async () => {},
};
/** Our callback route on a real port, where the upstream delivers its webhooks. */
let receiver: Server;

let adapter: SmartGlocalAcquirer;
/** Our project's own signed calls to the upstream, to look at what the adapter did there. */
let merchant: SmartGlocalClient;
const signal = () => AbortSignal.timeout(15_000);

before(async () => {
  // The route is mounted before the adapter exists (the upstream's key is known only once its project is added): it reads `adapter` per request.
  receiver = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const answer = await adapter.callbackRoutes(reports).request(req.url!, { method: req.method, headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(await answer.text());
    })();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hooks = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/acquirer/smartglocal/webhooks`;
  upstream = await startUpstream({ webhookUrl: hooks, webhookSigning: 'smartglocal' });
  upstreamWebhookKey = upstream.webhookPublicKeyPem ? createPublicKey(upstream.webhookPublicKeyPem) : generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  adapter = adapterFor(upstream.url);
  merchant = new SmartGlocalClient({ url: upstream.url, project: upstream.project, privateKey: createPrivateKey(upstream.privateKeyPem), timeoutMs: 10_000 });
});

after(async () => {
  await upstream?.stop();
  await new Promise((r) => receiver?.close(r));
});

afterEach((t) => {
  // What the upstream said about a failure is the first thing to read when a test fails.
  if ((t as { passed?: boolean }).passed === false && upstream) console.error(`--- upstream output ---\n${upstream.output().split('\n').slice(-40).join('\n')}`);
});

const paymentId = () => `pm_${randomBytes(10).toString('hex')}`;

function startRequest(overrides: Partial<StartRequest> = {}): StartRequest {
  return {
    paymentId: paymentId(),
    method: 'fps',
    amount: { amount: 1000, currency: 'RUB' },
    bindOnly: false,
    capture: true,
    cardToken: null,
    bindingRef: null,
    keepRecurrent: false,
    initiator: null,
    customerVerified: true,
    sberPay: null,
    merchant: 'Test shop',
    description: 'Order 42',
    customerReference: 'cus-1',
    returnUrl: 'https://shop.example/return',
    customerActionTtlMs: 15 * 60_000,
    ...overrides,
  };
}

type Session = { id: string; status: string; acquiring_payments: { id: string; status: string; metadata?: unknown; refunds?: { id: string; status: string }[] }[] };

async function upstreamSession(sessionId: string): Promise<Session> {
  const answer = await merchant.call('session/status', { session_id: sessionId }, { signal: signal() });
  assert.ok(answer.ok, JSON.stringify(answer));
  return answer.body.session as Session;
}

/**
 * Where the payment stands once the upstream has decided: an upstream that calls its own rail
 * asynchronously answers `processing` first (as a real one may), so ask `status` until it is not.
 */
async function settled(state: RailPaymentState, request: StartRequest): Promise<RailPaymentState> {
  for (let i = 0; state.state === 'processing' && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    state = await adapter.status({ paymentId: request.paymentId, railRef: state.railRef, start: request }, signal());
  }
  return state;
}

/** start, then `settled`. */
const startSettled = async (request: StartRequest, via = adapter) => settled(await via.start(request, signal()), request);

function railRefOf(state: RailPaymentState): string {
  assert.ok('railRef' in state && state.railRef, `a railRef in ${JSON.stringify(state)}`);
  return state.railRef;
}

/** Acts as the customer's bank at the upstream's sandbox for the session's (only) payment. */
async function bank(sessionId: string, answer: 'approve' | 'decline') {
  const pm = (await upstreamSession(sessionId)).acquiring_payments.at(-1)!.id;
  const res = await fetch(`${upstream.url}/sandbox/payments/${pm}/${answer}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 200, await res.text());
}

/** A card tokenised at the upstream, as the widget's card frame from the upstream does it. */
async function upstreamCardToken(number = '4242424242424242'): Promise<string> {
  const form = await adapter.cardForm({ amount: 1000, currency: 'RUB' }, signal());
  assert.equal(form.url, `${upstream.url}/widget/card-frame.html`, 'the frame the upstream names in its token reply');
  const res = await fetch(`${upstream.url}/public/v1/sessions/${form.token}/cards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ number, expiry_month: 12, expiry_year: 2030, cvc: '123' }),
  });
  const card = (await res.json()) as { token: string };
  assert.equal(res.status, 200, JSON.stringify(card));
  assert.match(card.token, /^tok_/);
  return card.token;
}

/** How many upstream payments name this gateway payment id (what an Idempotency-Key must keep at one). */
function upstreamPaymentsFor(id: string): number {
  const db = new Database(join(upstream.dataDir, 'sg-checkout.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM payments WHERE details_json LIKE ?').get(`%"gateway_payment_id":"${id}"%`) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('FPS', () => {
  test('start shows the upstream QR; the bank approves; status says captured', async () => {
    const request = startRequest();
    const started = await startSettled(request);
    assert.equal(started.state, 'awaiting_customer', JSON.stringify(started));
    assert.ok(started.state === 'awaiting_customer');
    assert.equal(started.interaction.type, 'qr');
    assert.match(started.interaction.redirect.url, /^https:\/\/qr\.nspk\.ru\/[0-9A-Za-z]{32}\?type=02&bank=\d{12}&sum=1000&cur=RUB&crc=[0-9A-F]{4}$/);
    assert.match(started.railRef!, /^ps_/);
    assert.ok(started.expiresAt && started.expiresAt > Date.now(), 'expiresAt from customer_interaction.expires_at');

    const session = await upstreamSession(started.railRef!);
    assert.deepEqual(session.acquiring_payments[0]!.metadata, { gateway_payment_id: request.paymentId });

    await bank(started.railRef!, 'approve');
    assert.deepEqual(await adapter.status({ paymentId: request.paymentId, railRef: started.railRef, start: request }, signal()), { state: 'captured', railRef: started.railRef });
  });

  test('a customer who declines at the bank is declined with the upstream code', async () => {
    const request = startRequest();
    const started = await startSettled(request);
    await bank(railRefOf(started), 'decline');
    const now = await adapter.status({ paymentId: request.paymentId, railRef: railRefOf(started), start: request }, signal());
    assert.equal(now.state, 'declined');
    assert.ok(now.state === 'declined');
    assert.equal(now.code, 'declined_by_customer');
  });

  test('the same payment started twice is the same upstream session (Idempotency-Key = paymentId)', async () => {
    const request = startRequest();
    const first = await adapter.start(request, signal());
    const again = await adapter.start({ ...request }, signal());
    assert.equal(railRefOf(again), railRefOf(first));
    assert.equal(upstreamPaymentsFor(request.paymentId), 1);
  });

  test('void withdraws the QR: voided', async () => {
    const request = startRequest();
    const started = await startSettled(request);
    const ref = { paymentId: request.paymentId, railRef: railRefOf(started), start: request };
    assert.deepEqual(await adapter.void(ref, signal()), { state: 'voided' });
    assert.deepEqual(await adapter.status(ref, signal()), { state: 'voided' });
  });
});

describe('SberPay', () => {
  test('web: a QR of the upstream sberpay page', async () => {
    const started = await startSettled(startRequest({ method: 'sberpay', sberPay: { channel: 'web', phone: '71234567890' } }));
    assert.equal(started.state, 'awaiting_customer', JSON.stringify(started));
    assert.ok(started.state === 'awaiting_customer');
    assert.equal(started.interaction.type, 'qr');
    assert.match(started.interaction.redirect.url, new RegExp(`^${upstream.url}/sandbox/sberpay/[0-9a-f]{32}$`));
  });

  test('mobile_web: the sberpay:// deep link', async () => {
    const started = await startSettled(startRequest({ method: 'sberpay', sberPay: { channel: 'mobile_web' } }));
    assert.ok(started.state === 'awaiting_customer', JSON.stringify(started));
    assert.equal(started.interaction.type, 'redirect');
    assert.match(started.interaction.redirect.url, /^sberpay:\/\/invoicing\/v2\?bankInvoiceId=[0-9a-f]{32}&operationType=Web2App$/);
  });
});

describe('cards', () => {
  test('manual capture: start(capture: false) is authorized, capture takes it', async () => {
    const request = startRequest({ method: 'card', cardToken: await upstreamCardToken(), capture: false });
    const started = await startSettled(request);
    assert.equal(started.state, 'authorized', JSON.stringify(started));
    const ref = { paymentId: request.paymentId, railRef: railRefOf(started), start: request };
    assert.deepEqual(await adapter.capture(ref, signal()), { state: 'captured', railRef: ref.railRef });
    // Once more: a 409 at the upstream, so the answer is where the payment stands.
    assert.deepEqual(await adapter.capture(ref, signal()), { state: 'captured', railRef: ref.railRef });
  });

  test('void releases the hold; a void after the capture says captured', async () => {
    const held = startRequest({ method: 'card', cardToken: await upstreamCardToken(), capture: false });
    const started = await startSettled(held);
    assert.equal(started.state, 'authorized');
    assert.deepEqual(await adapter.void({ paymentId: held.paymentId, railRef: railRefOf(started), start: held }, signal()), { state: 'voided' });

    const taken = startRequest({ method: 'card', cardToken: await upstreamCardToken() });
    const captured = await startSettled(taken);
    assert.equal(captured.state, 'captured');
    assert.deepEqual(await adapter.void({ paymentId: taken.paymentId, railRef: railRefOf(captured), start: taken }, signal()), captured);
  });

  test('a card the upstream declines is declined with its code', async () => {
    const started = await startSettled(startRequest({ method: 'card', cardToken: await upstreamCardToken('4000000000000002') }));
    assert.equal(started.state, 'declined');
    assert.ok(started.state === 'declined');
    assert.equal(started.code, 'card_declined');
  });

  test('a token the upstream does not know is a definite refusal (declined, no throw)', async () => {
    const started = await startSettled(startRequest({ method: 'card', cardToken: 'tok_00000000000000000000' }));
    assert.equal(started.state, 'declined');
    assert.ok(started.state === 'declined');
    assert.equal(started.code, 'not_found');
  });

  test('refunds: partial, then the rest; each one learnt again by refundStatus', async () => {
    const request = startRequest({ method: 'card', cardToken: await upstreamCardToken(), amount: { amount: 1000, currency: 'RUB' } });
    const captured = await startSettled(request);
    assert.equal(captured.state, 'captured');
    const railRef = railRefOf(captured);
    const partial = { refundId: 'rf_partial_' + randomBytes(4).toString('hex'), paymentId: request.paymentId, railRef, amount: { amount: 300, currency: 'RUB' } };
    assert.deepEqual(await adapter.refund(partial, signal()), { state: 'succeeded' });
    assert.deepEqual(await adapter.refundStatus(partial, signal()), { state: 'succeeded' });
    const rest = { ...partial, refundId: 'rf_rest_' + randomBytes(4).toString('hex'), amount: { amount: 700, currency: 'RUB' } };
    assert.deepEqual(await adapter.refund(rest, signal()), { state: 'succeeded' });
    // The replay (same key, same bytes) does not refund again: the upstream has exactly two refunds.
    assert.deepEqual(await adapter.refundStatus(rest, signal()), { state: 'succeeded' });
    assert.deepEqual(await adapter.refundStatus(partial, signal()), { state: 'succeeded' });
    const refunds = (await upstreamSession(railRef)).acquiring_payments.at(-1)!.refunds ?? [];
    assert.equal(refunds.length, 2, JSON.stringify(refunds));

    // Each refund's payment_refunded webhook asks the gateway to reconcile that payment's refunds.
    const deadline = Date.now() + 15_000;
    while (reconciled.filter((id) => id === request.paymentId).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.equal(reconciled.filter((id) => id === request.paymentId).length, 2, `payment_refunded webhooks: ${JSON.stringify(reconciled)}`);

    const tooMuch = { ...partial, refundId: 'rf_more_' + randomBytes(4).toString('hex'), amount: { amount: 1, currency: 'RUB' } };
    const refused = await adapter.refund(tooMuch, signal());
    assert.equal(refused.state, 'failed', JSON.stringify(refused));
  });
});

describe('lost answers', () => {
  test('a start whose call was aborted is found by status through the same Idempotency-Key, once', async () => {
    const request = startRequest();
    const aborted = AbortSignal.abort();
    await assert.rejects(adapter.start(request, aborted), UpstreamOutcomeUnknown);
    const found = await settled(await adapter.status({ paymentId: request.paymentId, railRef: null, start: request }, signal()), request);
    assert.equal(found.state, 'awaiting_customer', JSON.stringify(found));
    assert.match(railRefOf(found), /^ps_/);
    const again = await adapter.status({ paymentId: request.paymentId, railRef: null, start: request }, signal());
    assert.deepEqual(again, found);
    assert.equal(upstreamPaymentsFor(request.paymentId), 1);
  });

  test('a start that timed out after reaching the upstream: status finds that one payment', async () => {
    const hasty = adapterFor(upstream.url, { timeoutMs: 1 });
    const request = startRequest({ method: 'card', cardToken: await upstreamCardToken() });
    await assert.rejects(hasty.start(request, signal()), UpstreamOutcomeUnknown);
    // The upstream may still be working on it (409 in progress counts as unknown too): ask until it answers.
    let found: RailPaymentState | undefined;
    for (let i = 0; i < 50 && !found; i++) {
      found = await adapter.status({ paymentId: request.paymentId, railRef: null, start: request }, signal()).catch((e: unknown) => {
        if (e instanceof UpstreamOutcomeUnknown) return undefined;
        throw e;
      });
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    found = await settled(found!, request);
    assert.deepEqual(found, { state: 'captured', railRef: (found as { railRef: string }).railRef });
    assert.equal(upstreamPaymentsFor(request.paymentId), 1);
  });

  test('an upstream that answers 5xx, or none at all, makes every call throw', async () => {
    const failing: Server = createServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"status":"error","error":{"code":"internal","description":"boom"}}');
    });
    await new Promise<void>((r) => failing.listen(0, '127.0.0.1', r));
    const port = (failing.address() as { port: number }).port;
    try {
      const request = startRequest();
      await assert.rejects(adapterFor(`http://127.0.0.1:${port}`).start(request, signal()), /HTTP 500.*outcome is unknown/);
      await assert.rejects(adapterFor(`http://127.0.0.1:${port}`).status({ paymentId: request.paymentId, railRef: 'ps_x', start: request }, signal()), UpstreamOutcomeUnknown);
    } finally {
      await new Promise((r) => failing.close(r));
    }
    const dead = adapterFor(`http://127.0.0.1:${await freePort()}`);
    await assert.rejects(dead.start(startRequest(), signal()), /connection failed.*outcome is unknown/);
  });

  test('a reply that is not the protocol throws', async () => {
    const odd: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>maintenance</html>');
    });
    await new Promise<void>((r) => odd.listen(0, '127.0.0.1', r));
    try {
      await assert.rejects(adapterFor(`http://127.0.0.1:${(odd.address() as { port: number }).port}`).start(startRequest(), signal()), /not a Smart Glocal reply/);
    } finally {
      await new Promise((r) => odd.close(r));
    }
  });
});

describe('webhooks', () => {
  test("the upstream's signed webhooks reach the gateway as reports of its payment", async () => {
    const request = startRequest();
    const started = await startSettled(request);
    await bank(railRefOf(started), 'approve');
    const deadline = Date.now() + 15_000;
    while (!reported.some((r) => r.paymentId === request.paymentId && r.state.state === 'captured') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(
      reported.filter((r) => r.paymentId === request.paymentId).at(-1),
      { paymentId: request.paymentId, state: { state: 'captured', railRef: railRefOf(started) } },
      `no payment_finished arrived for ${request.paymentId}: ${JSON.stringify(reported)}`,
    );
  });

  test('a body with a bad or missing X-PARTNER-SIGN is 401, and nothing is reported', async () => {
    const before = reported.length;
    const routes = adapter.callbackRoutes(reports);
    const body = JSON.stringify({ type: 'payment_finished', session: { id: 'ps_x', status: 'accepted', acquiring_payments: [{ id: 'pm_x', status: 'succeeded', metadata: { gateway_payment_id: 'pm_forged' } }] } });
    const missing = await routes.request('/acquirer/smartglocal/webhooks', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(missing.status, 401);
    const bad = await routes.request('/acquirer/smartglocal/webhooks', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-partner-sign': Buffer.from('nope').toString('base64') } });
    assert.equal(bad.status, 401);
    assert.match(((await bad.json()) as { error: { description: string } }).error.description, /does not match/);
    assert.equal(reported.length, before);
  });
});
