/** Test fixtures: a server on a real SQLite file in a temp folder, a registered project, signed calls. */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '../../server/clock';
import { createServer, type ServerOptions } from '../../server/app';
import type { Confirmation } from '../../server/domain/types';

export const PUBLIC_URL = 'http://localhost:3000';

export function newKeyPair() {
  return generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
}

export const signBody = (privateKeyPem: string, body: string) => sign('sha256', Buffer.from(body), privateKeyPem).toString('base64');

export type Harness = Awaited<ReturnType<typeof startHarness>>;
export type KeyPair = ReturnType<typeof newKeyPair>;

/** A server, a project `shop` (confirmation as given), and helpers to call it as its merchant. */
export function startHarness(
  opts: { confirmation?: Confirmation; dir?: string; clock?: ManualClock; fetch?: typeof fetch; keys?: KeyPair } & Partial<ServerOptions> = {},
) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'sg-test-'));
  const clock = opts.clock ?? new ManualClock(Date.now());
  const delivered: { headers: Headers; body: string }[] = [];
  const fakeFetch: typeof fetch = async (_url, init) => {
    delivered.push({ headers: new Headers(init?.headers), body: String(init?.body) });
    return new Response('ok');
  };
  const { keys: givenKeys, ...serverOpts } = opts;
  const server = createServer({ dbFile: join(dir, 'db.sqlite'), publicUrl: PUBLIC_URL, clock, fetch: opts.fetch ?? fakeFetch, ...serverOpts });
  // Reopening a folder (`dir`) keeps the project registered with the first harness's key: pass its `keys` to sign as it.
  const keys = givenKeys ?? newKeyPair();
  const webhookSecret = `whsec_${randomBytes(24).toString('base64')}`;
  if (!server.store.projects.get('shop')) {
    server.store.projects.insert({
      name: 'shop',
      publicKeyPem: keys.publicKey,
      webhookUrl: 'https://merchant.example/hooks',
      webhookSecret,
      origins: ['https://merchant.example'],
      confirmation: opts.confirmation ?? 'auto',
      confirmWindowMinutes: 240,
      fpsQrLifetimeMinutes: 15,
      createdAt: clock.now(),
    });
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
    clock,
    server,
    app: server.app,
    keys,
    webhookSecret,
    delivered,
    call,
    publicCall,
    /** The outbox rows of a session, oldest first, as (type, payload). */
    events: (sessionId: string) => server.store.outbox.forSession(sessionId).map((e) => ({ type: e.type, payload: JSON.parse(e.payload_json) })),
    async close(keep = false) {
      await server.stop();
      if (!keep && !opts.dir) rmSync(dir, { recursive: true, force: true });
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
