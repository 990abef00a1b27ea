/**
 * Several sg-checkout instances on one PostgreSQL, each a separate `server/main.ts` process on a
 * loopback port, as a merchant runs them (same DATA_DIR, as on one host). The test process is
 * the merchant: it registers a project straight in the database, signs its calls and receives
 * the webhooks on a server of its own, verifying each by the Standard Webhooks scheme.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { PostgresStorage } from '../../server/store/postgres/storage';
import { freshDatabase } from '../support/pg-databases';
import { freePort, NO_CLIENT_LIMITS, serverProcess, type ServerProcess } from '../support/server-process';
import { newKeyPair, signBody, type KeyPair } from '../server/helpers';

export const PROJECT = 'shop';

/** One delivered webhook: its id, type and body as the merchant received them (signature verified). */
export type Delivery = { id: string; type: string; body: string; payload: any };

/** The merchant's webhook endpoint: verifies every delivery and keeps it. Without `secret` it refuses all until `setSecret` (the CLI prints it after the URL is registered). */
export async function webhookReceiver(secret?: string) {
  let verifier = secret ? new Webhook(secret.replace(/^whsec_/, '')) : null;
  const deliveries: Delivery[] = [];
  const rejected: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      try {
        if (!verifier) throw new Error('no secret yet');
        const payload = verifier.verify(body, headers) as any;
        deliveries.push({ id: headers['webhook-id'], type: payload.type, body, payload });
        res.writeHead(200).end('ok');
      } catch (error) {
        rejected.push(`${headers['webhook-id']}: ${(error as Error).message}`);
        res.writeHead(400).end('bad signature');
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries,
    rejected,
    setSecret: (whsec: string) => (verifier = new Webhook(whsec.replace(/^whsec_/, ''))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Instance = ServerProcess;

/** `count` instances on a fresh database, a registered project and the merchant's webhook receiver. */
export async function startCluster(count: number, opts: { confirmation?: 'auto' | 'manual'; env?: Record<string, string> } = {}) {
  const db = await freshDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'sg-cluster-'));
  const keys: KeyPair = newKeyPair();
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  const receiver = await webhookReceiver(webhookSecret);
  // The project, registered as `project add` would: straight in the shared database.
  const storage = await PostgresStorage.open(db.url);
  await storage.transaction((tx) =>
    tx.projects.insert({
      name: PROJECT,
      publicKeyPem: keys.publicKey,
      webhookUrl: receiver.url,
      webhookSecret,
      origins: [],
      confirmation: opts.confirmation ?? 'auto',
      confirmWindowMinutes: 240,
      fpsQrLifetimeMinutes: 15,
      createdAt: Date.now(),
    }),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    DATA_DIR: dataDir,
    DATABASE_POOL_SIZE: '8',
    SG_RATE_LIMITS: NO_CLIENT_LIMITS,
    ...opts.env,
  };
  const instances: Instance[] = [];
  for (let i = 0; i < count; i++) instances.push(serverProcess(String.fromCharCode(65 + i), await freePort(), env));
  await Promise.all(instances.map((i) => i.start()));

  /** A signed merchant call to `at`; network failures come back as status 0. */
  async function call(at: Instance, method: string, body: unknown, headers: Record<string, string> = {}) {
    const raw = JSON.stringify(body);
    try {
      const res = await fetch(`${at.url}/api/v1/${method}`, {
        method: 'POST',
        body: raw,
        headers: { 'content-type': 'application/json', 'x-partner-project': PROJECT, 'x-partner-sign': signBody(keys.privateKey, raw), ...headers },
        signal: AbortSignal.timeout(15_000),
      });
      return { status: res.status, body: (await res.json()) as any, headers: res.headers };
    } catch (error) {
      return { status: 0, body: { error: String(error) }, headers: new Headers() };
    }
  }

  /** A call of the public API (the widget's) or the sandbox to `at`. */
  async function request(at: Instance, path: string, init: RequestInit = {}) {
    try {
      const res = await fetch(`${at.url}${path}`, { ...init, signal: init.signal ?? AbortSignal.timeout(40_000) });
      return { status: res.status, body: (await res.json().catch(() => null)) as any };
    } catch (error) {
      return { status: 0, body: { error: String(error) } };
    }
  }

  return {
    instances,
    storage,
    receiver,
    databaseUrl: db.url,
    call,
    request,
    post: (at: Instance, path: string, body: unknown) =>
      request(at, path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    async stop() {
      await Promise.all(instances.map((i) => i.kill('SIGTERM')));
      await receiver.close();
      await storage.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type Cluster = Awaited<ReturnType<typeof startCluster>>;

export { eventually } from '../support/eventually';
