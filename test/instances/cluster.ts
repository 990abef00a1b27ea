/**
 * Several sg-checkout instances on one PostgreSQL, each a separate `server/main.ts` process on a
 * loopback port, as a merchant runs them (same DATA_DIR, as on one host). The test process is
 * the merchant: it registers a project straight in the database, signs its calls and receives
 * the webhooks on a server of its own, verifying each by the Standard Webhooks scheme.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { PostgresStorage } from '../../server/store/postgres/storage';
import { freshDatabase } from '../support/pg-databases';
import { newKeyPair, signBody, type KeyPair } from '../server/helpers';

const MAIN = join(import.meta.dirname, '../../server/main.ts');
export const PROJECT = 'shop';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** One delivered webhook: its id, type and body as the merchant received them (signature verified). */
export type Delivery = { id: string; type: string; body: string; payload: any };

/** The merchant's webhook endpoint: verifies every delivery and keeps it. */
export async function webhookReceiver(secret: string) {
  const verifier = new Webhook(secret.replace(/^whsec_/, ''));
  const deliveries: Delivery[] = [];
  const rejected: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      try {
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
  return { url: `http://127.0.0.1:${port}/hooks`, deliveries, rejected, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export type Instance = {
  name: string;
  url: string;
  /** Starts (or starts again) the process and waits until /ready answers. */
  start(): Promise<void>;
  /** Sends the signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  readonly running: boolean;
  /** The process id while it runs (the benchmark reads its memory). */
  readonly pid: number | undefined;
  /** Everything the process printed, for a failure's message. */
  output(): string;
};

function instance(name: string, port: number, env: NodeJS.ProcessEnv): Instance {
  let child: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  const url = `http://127.0.0.1:${port}`;
  return {
    name,
    url,
    get running() {
      return child !== null;
    },
    get pid() {
      return child?.pid;
    },
    output: () => log,
    async start() {
      const nodeArgs = env.SG_NODE_ARGS ? env.SG_NODE_ARGS.split(' ') : []; // e.g. --cpu-prof for the benchmark
      const proc = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', MAIN], { env: { ...env, PORT: String(port), PUBLIC_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
      child = proc;
      exited = new Promise((resolve) => proc.once('exit', () => resolve()));
      void exited.then(() => {
        if (child === proc) child = null;
      });
      proc.stdout!.on('data', (d: Buffer) => (log += d));
      proc.stderr!.on('data', (d: Buffer) => (log += d));
      for (let i = 0; i < 300; i++) {
        if (child !== proc) throw new Error(`${name} exited while starting:\n${log}`);
        const ready = await fetch(`${url}/ready`).then((r) => r.ok, () => false);
        if (ready) return;
        await sleep(100);
      }
      throw new Error(`${name} did not get ready in 30 s:\n${log}`);
    },
    async kill(signal = 'SIGKILL') {
      child?.kill(signal);
      await exited;
    },
  };
}

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
    // Every client of these tests is 127.0.0.1: the per-address limits would count them all as one customer.
    SG_RATE_LIMITS: 'card_tokens_per_address=off,card_payments_per_address=off,card_tokens_per_session=off,card_payments_per_session=off,card_payments_per_card=off',
    ...opts.env,
  };
  const instances: Instance[] = [];
  for (let i = 0; i < count; i++) instances.push(instance(String.fromCharCode(65 + i), await freePort(), env));
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

/** Waits until `check` holds, polling; throws with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
