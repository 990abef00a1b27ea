/**
 * `webhook_signing: smartglocal`: webhooks signed with Smart Glocal's X-PARTNER-SIGN (RSA PKCS#1
 * v1.5 SHA-256 over the raw body, the server's key) that a merchant verifies with the public key
 * the CLI prints, beside projects that keep Standard Webhooks. Signing functions alone, the sender
 * on both stores, and the whole server (a payment's webhooks through the harness).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenAPIHono } from '@hono/zod-openapi';
import { Webhook } from 'standardwebhooks';
import { mountDocs } from '../../server/docs/routes';
import { ManualClock } from '../../server/clock';
import { newId } from '../../server/ids';
import { loadServerKey, type ServerKey } from '../../server/server-key';
import type { Storage } from '../../server/store/port';
import type { WebhookSigning } from '../../server/store/rows';
import { SqliteStorage } from '../../server/store/sqlite/storage';
import { WebhookSender } from '../../server/webhooks/sender';
import { partnerSignHeaders, webhookSignatureHeaders, WebhookSigningError } from '../../server/webhooks/signature-headers';
import { forEachStore, openTestStorage, runCli, sessionWithToken, startHarness, tokenize, type StoreKind } from './helpers';

/** What a merchant does with a Smart Glocal webhook: RSA-SHA256 over the bytes as received, with the public key it was given. */
const verifiesWith = (publicKeyPem: string, rawBody: Buffer, signatureB64: string) => verify('sha256', rawBody, publicKeyPem, Buffer.from(signatureB64, 'base64'));

function folder(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'sg-webhook-signing-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The public key as `npm run cli -- server-key` prints it for `dataDir`. */
async function printedPublicKey(dataDir: string): Promise<string> {
  const r = await runCli(dataDir, 'server-key');
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { webhook_public_key: string }).webhook_public_key;
}

/** A real endpoint on 127.0.0.1 that keeps each request's raw bytes and headers; answers `status()`. */
async function endpoint(t: TestContext, status: () => number = () => 204) {
  const received: { headers: IncomingMessage['headers']; raw: Buffer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(status()).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received };
}

test('X-PARTNER-SIGN verifies over the exact bytes with the public key, and a tampered body does not', async (t) => {
  const key = loadServerKey({ dataDir: folder(t), env: {} });
  const body = JSON.stringify({ type: 'payment_finished', created_at: '2026-01-01T00:00:00.000Z', session: { id: 'ps_1', description: 'Чай' } });
  const headers = await partnerSignHeaders(key.privateKey, 'evt_1', body);
  assert.deepEqual(Object.keys(headers).sort(), ['webhook-id', 'x-partner-sign']);
  assert.equal(headers['webhook-id'], 'evt_1');
  assert.ok(verifiesWith(key.publicKeyPem, Buffer.from(body), headers['x-partner-sign']));
  assert.equal(verifiesWith(key.publicKeyPem, Buffer.from(body.replace('ps_1', 'ps_2')), headers['x-partner-sign']), false);
  assert.equal(verifiesWith(key.publicKeyPem, Buffer.from(`${body} `), headers['x-partner-sign']), false, 'the bytes, not the JSON they parse to');
  const again = await partnerSignHeaders(key.privateKey, 'evt_1', body);
  assert.equal(again['x-partner-sign'], headers['x-partner-sign'], 'PKCS#1 v1.5 is deterministic: every attempt carries the same signature');
});

test('the project chooses the scheme: standard by default, and smartglocal without a server key is an error, not a guess', async (t) => {
  const key = loadServerKey({ dataDir: folder(t), env: {} });
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const body = '{"type":"payment_finished"}';
  const now = Date.now();
  const standard = await webhookSignatureHeaders({ name: 'shop', webhookSecret: secret, webhookSigning: 'standard' }, key, 'evt_2', now, body);
  assert.deepEqual(new Webhook(secret).verify(body, { ...standard }), { type: 'payment_finished' });
  assert.equal('x-partner-sign' in standard, false);

  const partner = await webhookSignatureHeaders({ name: 'shop', webhookSecret: secret, webhookSigning: 'smartglocal' }, key, 'evt_2', now, body);
  assert.equal('webhook-signature' in partner, false, 'no whsec_ signature beside X-PARTNER-SIGN');
  assert.ok(verifiesWith(key.publicKeyPem, Buffer.from(body), (partner as { 'x-partner-sign': string })['x-partner-sign']));

  await assert.rejects(webhookSignatureHeaders({ name: 'shop', webhookSecret: secret, webhookSigning: 'smartglocal' }, undefined, 'evt_2', now, body), (error: unknown) => {
    assert.ok(error instanceof WebhookSigningError);
    assert.match(error.message, /project shop asks for X-PARTNER-SIGN .* started without its key: pass serverKey/);
    return true;
  });
});

forEachStore('webhook signing in the sender', (kind: StoreKind) => {
  /** A store with projects `sg` (smartglocal) and `std` (standard) both pointing at `url`, and a queue function. */
  async function setup(t: TestContext, url: string) {
    const dir = folder(t);
    const opened = await openTestStorage(kind, dir);
    const store: Storage = opened.storage ?? SqliteStorage.open(join(dir, 'checkout.sqlite'));
    t.after(async () => {
      await store.close();
      await opened.drop();
    });
    const clock = new ManualClock(Date.now()); // Webhook.verify checks the timestamp against the real time
    const secrets: Record<string, string> = {};
    for (const [name, webhookSigning] of [['sg', 'smartglocal'], ['std', 'standard']] as [string, WebhookSigning][]) {
      secrets[name] = `whsec_${randomBytes(24).toString('base64')}`;
      await store.transaction((tx) => tx.projects.insert({ name, publicKeyPem: 'not used here', webhookUrl: url, webhookSecret: secrets[name]!, origins: [], confirmation: 'auto', confirmWindowMinutes: 10, fpsQrLifetimeMinutes: 5, createdAt: clock.now(), webhookSigning }));
    }
    const queue = async (project: string) => {
      const id = newId('evt');
      const payload = { type: 'payment_finished', created_at: new Date(clock.now()).toISOString(), session: { id: 'ps_1', status: 'accepted', description: 'Байкал' } };
      await store.transaction((tx) => tx.outbox.insert({ id, project, session_id: null, type: payload.type, url, payload_json: JSON.stringify(payload), created_at: clock.now() }));
      return id;
    };
    return { dir, store, clock, secrets, queue };
  }

  test('a smartglocal project gets X-PARTNER-SIGN that verifies with the printed public key; a standard one still gets Standard Webhooks', async (t) => {
    const hooks = await endpoint(t);
    const { dir, store, clock, secrets, queue } = await setup(t, hooks.url);
    const serverKey = loadServerKey({ dataDir: dir, env: {} });
    const sender = new WebhookSender({ store, clock, serverKey });
    const sg = await queue('sg');
    const std = await queue('std');
    assert.equal(await sender.deliverDue(), 2);

    const publicKey = await printedPublicKey(dir);
    const bySg = hooks.received.find((r) => r.headers['webhook-id'] === sg)!;
    assert.ok(bySg, 'the event id goes along as webhook-id, for receivers that drop duplicates');
    assert.ok(verifiesWith(publicKey, bySg.raw, String(bySg.headers['x-partner-sign'])), 'verifies with the key the CLI prints');
    assert.equal(verifiesWith(publicKey, Buffer.from(bySg.raw.toString().replace('accepted', 'cancelled')), String(bySg.headers['x-partner-sign'])), false, 'a tampered body fails');
    assert.equal(bySg.headers['webhook-signature'], undefined);
    assert.equal(bySg.headers['content-type'], 'application/json');
    assert.deepEqual(Object.keys(JSON.parse(bySg.raw.toString())), ['type', 'created_at', 'session'], 'the body is the same under either scheme');

    const byStd = hooks.received.find((r) => r.headers['webhook-id'] === std)!;
    const stdHeaders = byStd.headers as Record<string, string>;
    assert.equal((new Webhook(secrets.std!).verify(byStd.raw.toString(), stdHeaders) as { type: string }).type, 'payment_finished');
    assert.equal(byStd.headers['x-partner-sign'], undefined);
    for (const id of [sg, std]) assert.equal((await store.outbox.get(id))!.status, 'delivered');
  });

  test('retries of a smartglocal event carry the same webhook-id and signature', async (t) => {
    const statuses = [500, 200];
    const hooks = await endpoint(t, () => statuses.shift() ?? 200);
    const { dir, store, clock, queue } = await setup(t, hooks.url);
    const sender = new WebhookSender({ store, clock, serverKey: loadServerKey({ dataDir: dir, env: {} }) });
    const id = await queue('sg');
    await sender.deliverDue();
    assert.equal((await store.outbox.get(id))!.status, 'pending');
    clock.advance((await store.outbox.get(id))!.next_attempt_at! - clock.now());
    await sender.deliverDue();
    assert.equal((await store.outbox.get(id))!.status, 'delivered');
    assert.equal(hooks.received.length, 2);
    assert.deepEqual(hooks.received.map((r) => r.headers['webhook-id']), [id, id]);
    assert.equal(hooks.received[0]!.headers['x-partner-sign'], hooks.received[1]!.headers['x-partner-sign']);
  });

  test('without a server key a smartglocal event is a failed attempt saying why, retried once the key is there', async (t) => {
    const hooks = await endpoint(t);
    const { dir, store, clock, queue } = await setup(t, hooks.url);
    const errors: unknown[] = [];
    const keyless = new WebhookSender({ store, clock, onError: (e) => errors.push(e) });
    const sg = await queue('sg');
    const std = await queue('std');
    assert.equal(await keyless.deliverDue(), 2);
    assert.deepEqual(errors, []);
    const held = (await store.outbox.get(sg))!;
    assert.equal(held.status, 'pending', 'kept for the next attempt');
    assert.match(held.last_error ?? '', /asks for X-PARTNER-SIGN .* started without its key/);
    assert.equal(held.last_response_status, null);
    assert.match((await store.outbox.attempts(sg))[0]!.error ?? '', /without its key/);
    assert.deepEqual(hooks.received.map((r) => r.headers['webhook-id']), [std], 'nothing unsigned went out; the standard project is not held up');

    clock.advance(held.next_attempt_at! - clock.now());
    const serverKey: ServerKey = loadServerKey({ dataDir: dir, env: {} });
    assert.equal(await new WebhookSender({ store, clock, serverKey }).deliverDue(), 1);
    assert.equal((await store.outbox.get(sg))!.status, 'delivered');
    assert.ok(verifiesWith(serverKey.publicKeyPem, hooks.received[1]!.raw, String(hooks.received[1]!.headers['x-partner-sign'])));
  });
});

forEachStore('smartglocal webhooks through the server', (kind: StoreKind) => {
  test("a card payment's payment_finished reaches the merchant signed with the server key of the data folder", async (t) => {
    const keyDir = folder(t); // the DATA_DIR that main.ts and the CLI would both read the key from
    const h = await startHarness({ store: kind, serverKey: loadServerKey({ dataDir: keyDir, env: {} }) });
    t.after(() => h.close());
    const shop = (await h.server.store.projects.get('shop'))!;
    await h.server.store.transaction((tx) => tx.projects.update({ ...shop, webhookSigning: 'smartglocal' }));

    const { id, token } = await sessionWithToken(h);
    const card = await tokenize(h, token, '4242 4242 4242 4242');
    const paid = await h.publicCall(`sessions/${token}/payments`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'card', card_token: card }) });
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    await h.server.sender.deliverDue();

    const publicKey = await printedPublicKey(keyDir);
    const finished = h.delivered.find((d) => JSON.parse(d.body).type === 'payment_finished');
    assert.ok(finished, `delivered: ${h.delivered.map((d) => JSON.parse(d.body).type).join(', ')}`);
    const body = JSON.parse(finished.body);
    assert.equal(body.session.id, id);
    assert.deepEqual(Object.keys(body), ['type', 'created_at', 'session']);
    assert.match(finished.headers.get('webhook-id') ?? '', /^evt_/);
    assert.equal(finished.headers.get('webhook-signature'), null);
    assert.ok(verifiesWith(publicKey, Buffer.from(finished.body), finished.headers.get('x-partner-sign') ?? ''));
    assert.equal(verifiesWith(publicKey, Buffer.from(finished.body.replace(id, 'ps_other')), finished.headers.get('x-partner-sign') ?? ''), false);
  });
});

test('the API reference says how each scheme signs and where the public key comes from', async () => {
  const app = new OpenAPIHono();
  mountDocs(app, 'http://localhost:3000');
  const page = await (await app.request('/docs')).text();
  assert.match(page, /<h2 id="webhooks">Webhooks<\/h2>/);
  for (const words of ['--webhook-signing standard|smartglocal', 'X-PARTNER-SIGN', 'webhook_public_key', 'npm run cli -- server-key', 'SERVER_KEY_FILE', 'standardwebhooks']) {
    assert.ok(page.includes(words), `/docs mentions ${words}`);
  }
  const doc = (await (await app.request('/docs/openapi.json')).json()) as { webhooks: Record<string, { post: { parameters: { in: string; name: string }[] } }> };
  for (const event of ['session-event', 'subscription-event']) {
    const headers = doc.webhooks[event]!.post.parameters.filter((p) => p.in === 'header').map((p) => p.name);
    assert.deepEqual(headers.sort(), ['X-PARTNER-SIGN', 'webhook-id', 'webhook-signature', 'webhook-timestamp'], event);
  }
  assert.match(page, /subscription_activated, subscription_charged, subscription_payment_failed, subscription_cancelled/);
});
