/**
 * Test fixtures: a server on a real store (a SQLite file in a temp folder, or a fresh database
 * on the test run's PostgreSQL), a registered project, signed calls. `forEachStore` runs a suite
 * on both stores: one table, not a copy of the tests.
 */
import { describe } from 'node:test';
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../server/clock';
import { createServer, type ServerOptions } from '../../server/app';
import type { Confirmation } from '../../server/domain/types';
import type { Storage } from '../../server/store/port';
import { PostgresStorage } from '../../server/store/postgres/storage';
import type { ServerKey } from '../../server/server-key';
import { freshDatabase, postgresAvailable } from '../support/pg-databases';

export type StoreKind = 'sqlite' | 'postgres';

/** The stores a suite runs on: PostgreSQL too whenever the test command provides one (npm test always does). */
export const STORES: readonly StoreKind[] = ['sqlite', 'postgres'];

/** Runs `suite` once per store, as `name [sqlite]` and `name [postgres]` (skipped, saying why, without a PostgreSQL). */
export function forEachStore(name: string, suite: (store: StoreKind) => void): void {
  for (const store of STORES) {
    const skip = store === 'postgres' && !postgresAvailable() ? 'no PostgreSQL: run through npm test, which starts one, or set DATABASE_URL' : false;
    describe(`${name} [${store}]`, { skip }, () => suite(store));
  }
}

/** A storage of `kind`: SQLite in `dir`, or a fresh PostgreSQL database (or the given one, to reopen it). */
export async function openTestStorage(kind: StoreKind, dir: string, databaseUrl?: string): Promise<{ storage?: Storage; databaseUrl?: string; drop(): Promise<void> }> {
  if (kind === 'sqlite') return { drop: async () => {} };
  if (databaseUrl) return { storage: await PostgresStorage.open(databaseUrl), databaseUrl, drop: async () => {} };
  const db = await freshDatabase();
  return { storage: await PostgresStorage.open(db.url), databaseUrl: db.url, drop: () => db.drop() };
}

export const PUBLIC_URL = 'http://localhost:3000';

export function newKeyPair() {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
}

export const signBody = (privateKeyPem: string, body: string) => sign('sha256', Buffer.from(body), privateKeyPem).toString('base64');

/** One server key for every harness of a test process (made on first use: a 2048-bit RSA key costs about 150 ms); `serverKey` overrides it. */
let harnessServerKey: ServerKey | undefined;
function testServerKey(): ServerKey {
  if (harnessServerKey) return harnessServerKey;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return (harnessServerKey = { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), source: 'test harness', inDataDir: false });
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
export type KeyPair = ReturnType<typeof newKeyPair>;

/**
 * A server, a project `shop` (confirmation as given), and helpers to call it as its merchant.
 * `store`: which storage (default SQLite); `databaseUrl` reopens a PostgreSQL database of an
 * earlier harness, as `dir` does a SQLite folder.
 */
export async function startHarness(
  opts: { confirmation?: Confirmation; dir?: string; clock?: ManualClock; fetch?: typeof fetch; keys?: KeyPair; store?: StoreKind; databaseUrl?: string } & Partial<ServerOptions> = {},
) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sg-test-'));
  const kind = opts.store ?? 'sqlite';
  const opened = await openTestStorage(kind, dir, opts.databaseUrl);
  const clock = opts.clock ?? new ManualClock(Date.now());
  const delivered: { headers: Headers; body: string }[] = [];
  const fakeFetch: typeof fetch = async (_url, init) => {
    delivered.push({ headers: new Headers(init?.headers), body: String(init?.body) });
    return new Response('ok');
  };
  const { keys: givenKeys, store: _kind, databaseUrl: _url, ...serverOpts } = opts;
  const serverKey = opts.serverKey ?? testServerKey();
  const server = createServer({ dbFile: join(dir, 'db.sqlite'), storage: opened.storage, publicUrl: PUBLIC_URL, clock, fetch: opts.fetch ?? fakeFetch, ...serverOpts, serverKey });
  // Reopening a folder (`dir`) keeps the project registered with the first harness's key: pass its `keys` to sign as it.
  const keys = givenKeys ?? newKeyPair();
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  if (!(await server.store.projects.get('shop'))) {
    await server.store.transaction((tx) => tx.projects.insert({
      name: 'shop',
      publicKeyPem: keys.publicKey,
      webhookUrl: 'https://merchant.example/hooks',
      webhookSecret,
      origins: ['https://merchant.example'],
      confirmation: opts.confirmation ?? 'auto',
      confirmWindowMinutes: 240,
      fpsQrLifetimeMinutes: 15,
      createdAt: clock.now(),
    }));
  }

  /** A signed merchant call; `headers` override or add. */
  async function call(method: string, body: unknown, headers: Record<string, string> = {}) {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await server.app.request(`/api/v1/${method}`, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', 'x-partner-project': 'shop', 'x-partner-sign': signBody(keys.privateKey, raw), ...headers },
    });
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  }

  async function publicCall(path: string, init: RequestInit = {}) {
    const res = await server.app.request(`/public/v1/${path}`, init);
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  }

  return {
    dir,
    /** The store kind, and the PostgreSQL database (to reopen it with `databaseUrl`). */
    kind,
    databaseUrl: opened.databaseUrl,
    clock,
    server,
    app: server.app,
    keys,
    webhookSecret,
    /** The server's key: what a `smartglocal` project's X-PARTNER-SIGN verifies with (`serverKey.publicKeyPem`). */
    serverKey,
    delivered,
    call,
    publicCall,
    /** The outbox rows of a session, oldest first, as (type, payload). */
    events: async (sessionId: string) => (await server.store.outbox.forSession(sessionId)).map((e) => ({ type: e.type, payload: JSON.parse(e.payload_json) })),
    /** Stops the server; unless `keep`, removes its folder and drops its PostgreSQL database. */
    async close(keep = false) {
      await server.stop();
      if (keep || opts.dir || opts.databaseUrl) return;
      rmSync(dir, { recursive: true, force: true });
      await opened.drop();
    },
  };
}

export const RUB = (amount: number) => ({ amount, currency: 'RUB' });

/** Creates a session and a public token for it. */
export async function sessionWithToken(h: Harness, body: Record<string, unknown> = {}) {
  const created = await h.call('session/create', { amount_details: RUB(1000), ...body });
  const token = await h.call('token', { session_id: created.body.session.id });
  return { id: created.body.session.id as string, token: token.body.public_token as string };
}

/** Tokenises a card through the public API as the card iframe does. */
export async function tokenize(h: Harness, token: string, number: string) {
  const res = await h.publicCall(`sessions/${token}/cards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ number, expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123', holder: 'IVAN PETROV' }),
  });
  return res.body.token as string;
}

// ---- Payment links (links-*.test.ts) ----

/** A valid payment link, the example of design.md (Payment links); `overrides` replace top-level keys (undefined removes one). */
export function sampleLink(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const link: Record<string, unknown> = {
    product_name: 'Annual subscription to the channel',
    description: 'Access for 12 months; activation within 5 minutes',
    amount_details: { amount: 149900, currency: 'RUB' },
    image_url: 'https://example.com/cover.png',
    user_field: { name: 'Telegram username', placeholder: '@username' },
    extra_fields: [{ name: 'Email for the receipt', placeholder: 'you@example.com' }],
    offer_url: 'https://example.com/offer',
    support: { email: 'help@example.com', telegram: '@shop_support' },
    webhook_url: 'https://example.com/hooks/sg',
    return_url: 'https://t.me/example_channel',
    confirmation: 'auto',
    order_check_url: 'https://example.com/hooks/order-check',
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete link[key];
    else link[key] = value;
  }
  return link;
}

/** Creates a link through the signed `link/create` and returns its rendered JSON (asserting 200). */
export async function createLink(h: Harness, overrides: Record<string, unknown> = {}) {
  const res = await h.call('link/create', sampleLink(overrides));
  if (res.status !== 200) throw new Error(`link/create answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.link as { id: string; url: string; status: string } & Record<string, any>;
}

/** One purchase on a link, as the page's script posts it. */
export async function linkCheckout(h: Harness, linkId: string, body: unknown) {
  const res = await h.app.request(`/l/${linkId}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

/** Runs the CLI (`npm run cli -- …`) in its own process against `dataDir`, as an account manager would. */
export async function runCli(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cliMain = join(import.meta.dirname, '../../server/cli/main.ts');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', cliMain, ...args],
      { env: { ...process.env, DATA_DIR: dataDir, PUBLIC_URL } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}
