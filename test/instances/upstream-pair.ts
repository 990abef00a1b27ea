/**
 * Two real sg-checkout servers on loopback: B, a sandbox (`ACQUIRER=sandbox`), the upstream; and
 * A, `ACQUIRER=smartglocal`, forwarding its payments to B through a small HTTP proxy of the test
 * (pass-through unless a fault is queued: an answer held back, or a 500 instead of forwarding).
 * Every project is registered with the CLI, as an operator would; the test is A's merchant, and
 * A's merchant webhooks reach a receiver here that verifies them by Standard Webhooks.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { cli, freePort, NO_CLIENT_LIMITS, serverProcess, type ServerProcess } from '../support/server-process';
import { newKeyPair, signBody, type KeyPair } from '../server/helpers';
import assert from 'node:assert/strict';
import { eventually, webhookReceiver } from './cluster';

/** A server process on a fixed port and DATA_DIR, which can be killed and started again. */
export type Proc = ServerProcess & { dataDir: string };

export function proc(name: string, port: number, dataDir: string, env: Record<string, string>): Proc {
  const server = serverProcess(name, port, { ...process.env, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: '', DEMO: 'off', SG_RATE_LIMITS: NO_CLIENT_LIMITS, ...env });
  return Object.assign(server, { dataDir });
}

export type Fault = 'delay' | '500';

/**
 * The test's proxy between an A and B: forwards everything; the next `session/init/payment`
 * meets a queued fault: `delay` forwards it at once but holds B's answer back `delayMs`; `500`
 * answers 500 without forwarding it. When B is down the connection is cut, as B's port would.
 */
async function proxy(target: string, delayMs = 1000) {
  const faults: Fault[] = [];
  const seen: { path: string; fault: Fault | null; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = req.url ?? '/';
        const fault = path === '/api/v1/session/init/payment' ? (faults.shift() ?? null) : null;
        if (fault === '500') {
          seen.push({ path, fault, status: 500 });
          res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', error: { code: 'internal_error', description: 'injected by the test proxy' } }));
          return;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && !['host', 'connection', 'content-length', 'keep-alive'].includes(k)) headers[k] = v;
        try {
          const answer = await fetch(`${target}${path}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks), redirect: 'manual' });
          const text = await answer.text();
          if (fault === 'delay') await sleep(delayMs);
          seen.push({ path, fault, status: answer.status });
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(text);
        } catch {
          seen.push({ path, fault, status: 0 });
          res.socket?.destroy(); // B is down: the caller sees its connection fail
        }
      })();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    faults,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A signed merchant call (X-PARTNER-PROJECT / X-PARTNER-SIGN) to `url`'s API. */
export async function signedCall(url: string, project: string, privateKeyPem: string, method: string, body: unknown, headers: Record<string, string> = {}) {
  const raw = JSON.stringify(body);
  const res = await fetch(`${url}/api/v1/${method}`, {
    method: 'POST',
    body: raw,
    headers: { 'content-type': 'application/json', 'x-partner-project': project, 'x-partner-sign': signBody(privateKeyPem, raw), ...headers },
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** A read-only query of a server's SQLite file. */
export function query<T>(dataDir: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(dataDir, 'sg-checkout.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** A gateway: an A process, its proxy to B, its project at B, and its own merchant project `shop`. */
export type Gateway = Awaited<ReturnType<typeof gateway>>;

/**
 * `direct`: A's SMARTGLOCAL_URL is B's own, as in production (its proxy stays idle); otherwise A
 * reaches B through the proxy, where the faults are. Either way A's pages are among the origins of
 * its project at B, so B's card form and 3-D Secure pages may be framed in A's checkout.
 */
async function gateway(name: string, dir: string, b: { url: string; dataDir: string }, aKeys: KeyPair, merchantKeys: KeyPair, opts: { upstreamProject: string; upstreamWebhookUrl?: string; direct?: boolean; env?: Record<string, string> }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = join(dir, `${name}-data`);
  mkdirSync(dataDir, { recursive: true });
  // Its project at B: A's public key, B's X-PARTNER-SIGN webhooks to A's callback route (or a dead port).
  writeFileSync(join(dir, `${name}-a-public.pem`), aKeys.publicKey);
  const added = await cli(b.dataDir, b.url, [
    'project', 'add', '--name', opts.upstreamProject, '--public-key', join(dir, `${name}-a-public.pem`),
    '--webhook-signing', 'smartglocal', '--webhook-url', opts.upstreamWebhookUrl ?? `${url}/acquirer/smartglocal/webhooks`, '--origin', url,
  ]);
  if (typeof added.webhook_public_key !== 'string') throw new Error(`project add at B printed no webhook_public_key: ${JSON.stringify(added)}`);
  writeFileSync(join(dir, `${name}-b-public.pem`), added.webhook_public_key);
  writeFileSync(join(dir, `${name}-a-private.pem`), aKeys.privateKey);
  // Its own merchant project.
  const hooks = await webhookReceiver();
  writeFileSync(join(dir, `${name}-merchant-public.pem`), merchantKeys.publicKey);
  const shop = await cli(dataDir, url, ['project', 'add', '--name', 'shop', '--public-key', join(dir, `${name}-merchant-public.pem`), '--webhook-url', hooks.url]);
  hooks.setSecret(shop.webhook_secret);
  const toB = await proxy(b.url);
  const server = proc(name, port, dataDir, {
    ACQUIRER: 'smartglocal',
    SMARTGLOCAL_URL: opts.direct ? b.url : toB.url,
    SMARTGLOCAL_PROJECT: opts.upstreamProject,
    SMARTGLOCAL_PRIVATE_KEY_FILE: join(dir, `${name}-a-private.pem`),
    SMARTGLOCAL_PUBLIC_KEY_FILE: join(dir, `${name}-b-public.pem`),
    ...opts.env,
  });
  await server.start();
  return {
    server,
    url,
    dataDir,
    proxy: toB,
    receiver: hooks,
    upstreamProject: opts.upstreamProject,
    /** B's URL (its sandbox bank, its pages). */
    bUrl: b.url,
    /** A signed call of A's merchant. */
    call: (method: string, body: unknown) => signedCall(url, 'shop', merchantKeys.privateKey, method, body),
    /** A signed call to B as A (A's project there): what B holds for A. */
    callB: (method: string, body: unknown) => signedCall(b.url, opts.upstreamProject, aKeys.privateKey, method, body),
    async stop() {
      await server.kill('SIGTERM');
      await toB.close();
      await hooks.close();
    },
  };
}

/** B, and the gateways on it: `a` (straight to B, whose webhooks reach it) and `deaf` (through the proxy; ACQUIRER_TIMEOUT_MS=200; B's webhooks for it go to a dead port). */
export async function startPair() {
  const dir = mkdtempSync(join(tmpdir(), 'sg-pair-'));
  const bData = join(dir, 'b-data');
  mkdirSync(bData, { recursive: true });
  const b = proc('B', await freePort(), bData, { ACQUIRER: 'sandbox' });
  const aKeys = newKeyPair();
  const merchantKeys = newKeyPair();
  // B's projects are registered with its CLI before B runs (it writes the SQLite file and server key B then opens).
  const deadPort = await freePort();
  const stopped: (() => Promise<void>)[] = [];
  try {
    const bAt = { url: b.url, dataDir: bData };
    const a = await gateway('A', dir, bAt, aKeys, merchantKeys, { upstreamProject: 'gateway', direct: true });
    stopped.push(a.stop);
    const deaf = await gateway('A2', dir, bAt, aKeys, merchantKeys, { upstreamProject: 'gateway-deaf', upstreamWebhookUrl: `http://127.0.0.1:${deadPort}/acquirer/smartglocal/webhooks`, env: { ACQUIRER_TIMEOUT_MS: '200' } });
    stopped.push(deaf.stop);
    await b.start();
    return {
      b,
      a,
      deaf,
      /** How many payments B holds for gateway payment `id` (its metadata names it). */
      paymentsAtB: (id: string) => query<{ n: number }>(bData, 'SELECT count(*) AS n FROM payments WHERE details_json LIKE ?', `%"gateway_payment_id":"${id}"%`)[0]!.n,
      async stop() {
        for (const s of stopped.reverse()) await s().catch(() => {});
        await b.kill('SIGTERM');
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const s of stopped.reverse()) await s().catch(() => {});
    await b.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

export type Pair = Awaited<ReturnType<typeof startPair>>;

export const randomOrder = () => `order-${randomBytes(4).toString('hex')}`;

/** A's merchant: a session and its public token. */
export async function checkout(g: Gateway, amount = 1500) {
  const created = await g.call('session/create', { amount_details: { amount, currency: 'RUB' }, description: randomOrder() });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const sessionId = created.body.session.id as string;
  const token = await g.call('token', { session_id: sessionId });
  assert.equal(token.status, 200, JSON.stringify(token.body));
  return { sessionId, publicToken: token.body.public_token as string };
}

/** A's payment's upstream session at B (its rail_ref in A's own database). */
export function railRef(g: Gateway, paymentId: string): string | null {
  return query<{ rail_ref: string | null }>(g.dataDir, 'SELECT rail_ref FROM payments WHERE id = ?', paymentId)[0]?.rail_ref ?? null;
}

/** B's session for A's payment, read through B's merchant API as A's project there. */
export async function sessionAtB(g: Gateway, paymentId: string) {
  const ref = railRef(g, paymentId);
  assert.ok(ref, `A's payment ${paymentId} has an upstream session`);
  const status = await g.callB('session/status', { session_id: ref });
  assert.equal(status.status, 200, JSON.stringify(status.body));
  return status.body.session as { id: string; acquiring_payments: { id: string; status: string; metadata?: any; customer_interaction?: any; refunds?: { status: string; amount_details: { amount: number; currency: string } }[]; refunded_amount_details?: { amount: number } }[] };
}

/** B's sandbox bank: the customer approves B's payment behind A's. */
export async function approveAtB(g: Gateway, paymentId: string) {
  const bPayment = (await sessionAtB(g, paymentId)).acquiring_payments.at(-1)!;
  assert.deepEqual(bPayment.metadata, { gateway_payment_id: paymentId });
  const res = await fetch(`${g.bUrl}/sandbox/payments/${bPayment.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.equal(JSON.parse(text).payment.status, 'succeeded', text);
}

export const finishedFor = (g: Gateway, sessionId: string, type = 'payment_finished') => g.receiver.deliveries.filter((d) => d.type === type && d.payload.session?.id === sessionId);

/** A's merchant learns the payment succeeded: one verified payment_finished. */
export async function merchantLearnsSucceeded(g: Gateway, sessionId: string, paymentId: string, timeoutMs = 15_000) {
  await eventually(`payment_finished for ${sessionId} at A's merchant`, () => finishedFor(g, sessionId).length > 0, timeoutMs);
  const [finished] = finishedFor(g, sessionId);
  const payment = finished!.payload.session.acquiring_payments.find((p: { id: string }) => p.id === paymentId);
  assert.equal(payment?.status, 'succeeded', JSON.stringify(finished!.payload));
  const status = await g.call('session/status', { session_id: sessionId });
  assert.equal(status.body.session.acquiring_payments.at(-1).status, 'succeeded', JSON.stringify(status.body));
  await sleep(500); // a second delivery of the news would be a second payment_finished
  assert.equal(finishedFor(g, sessionId).length, 1, 'one payment_finished');
  assert.deepEqual(g.receiver.rejected, []);
}
