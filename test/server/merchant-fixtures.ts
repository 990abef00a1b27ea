/**
 * Fixtures shared by the merchant API tests (merchant-api*.test.ts): raw signed requests with
 * any header left out, a second project, whole-database snapshots to prove an error wrote
 * nothing, and the payments the tests need as a starting point.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { newKeyPair, RUB, sessionWithToken, signBody, tokenize, type Harness } from './helpers';
import type { Confirmation } from '../../server/domain/types';

/** Every merchant method, as the API reference must list them. */
export const MERCHANT_METHODS = [
  'session/create',
  'session/init/payment',
  'session/start/payment',
  'session/confirm',
  'session/cancel',
  'session/status',
  'session/refund',
  'token',
  'sberpay/push',
  'recurrent/disable',
  'recurrent/status',
  'subscription/create',
  'subscription/get',
  'subscription/list',
  'subscription/cancel',
  'subscription/restore',
  'subscription/update',
  'link/create',
  'link/get',
  'link/list',
  'link/disable',
];

export const PHONE = '71234567890';
export const VISA_SUCCESS = '4242424242424242';
export const VISA_3DS = '4000000000003220';

export type Reply = { status: number; body: any; headers: Headers };

/**
 * A merchant request with full control: `raw` is sent as is, `sign` (default: `raw`) is what
 * gets signed, `headers` override, `omit` drops headers (lower-case names).
 */
export async function send(
  h: Harness,
  method: string,
  raw: string,
  opts: { sign?: string; headers?: Record<string, string>; omit?: string[]; privateKey?: string } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-partner-project': 'shop',
    'x-partner-sign': signBody(opts.privateKey ?? h.keys.privateKey, opts.sign ?? raw),
    ...opts.headers,
  };
  for (const name of opts.omit ?? []) delete headers[name];
  const res = await h.app.request(`/api/v1/${method}`, { method: 'POST', body: raw, headers });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Registers another project with its own key pair; calls made with `as` are signed by it. */
export async function otherProject(h: Harness, name = 'other', confirmation: Confirmation = 'auto') {
  const keys = newKeyPair();
  await h.server.store.transaction((tx) => tx.projects.insert({
    name,
    publicKeyPem: keys.publicKey,
    webhookUrl: `https://${name}.example/hooks`,
    webhookSecret: 'whsec_' + Buffer.from(name.padEnd(24, 'x')).toString('base64'),
    origins: [],
    confirmation,
    confirmWindowMinutes: 240,
    fpsQrLifetimeMinutes: 15,
    createdAt: h.clock.now(),
  }));
  return {
    name,
    keys,
    call: (method: string, body: unknown) => {
      const raw = JSON.stringify(body);
      return send(h, method, raw, { privateKey: keys.privateKey, headers: { 'x-partner-project': name } });
    },
  };
}

/**
 * The database as it is, read past the storage port (which has no "every row" read) on a
 * connection of the test's own: the harness's SQLite file (read only, committed rows) or its
 * PostgreSQL database. Rows of a table in insertion order on SQLite; on PostgreSQL in an order
 * of their own (sorted by content), which is the same for the same rows.
 */
async function withDatabase<T>(h: Harness, read: (query: (sql: string) => Promise<Record<string, unknown>[]>) => Promise<T>): Promise<T> {
  if (h.kind === 'sqlite') {
    const db = new Database(join(h.dir, 'db.sqlite'), { fileMustExist: true });
    try {
      db.pragma('query_only = ON');
      db.pragma('wal_autocheckpoint = 0'); // checkpoints are the server's
      return await read(async (sql) => db.prepare(sql).all() as Record<string, unknown>[]);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: h.databaseUrl });
  await client.connect();
  try {
    return await read(async (sql) => (await client.query(sql)).rows as Record<string, unknown>[]);
  } finally {
    await client.end();
  }
}

const TABLES = {
  sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
  postgres: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
};

async function rowsOf(h: Harness, query: (sql: string) => Promise<Record<string, unknown>[]>, table: string): Promise<unknown[]> {
  if (h.kind === 'sqlite') return query(`SELECT * FROM "${table}" ORDER BY rowid`);
  const rows = await query(`SELECT * FROM "${table}"`);
  return rows.map((row) => [JSON.stringify(row), row] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/** Every row of every table, so a test can prove that a request changed nothing at all. */
export function snapshot(h: Harness): Promise<Record<string, unknown[]>> {
  return withDatabase(h, async (query) => {
    const tables = (await query(TABLES[h.kind])).map((t) => String(t.name));
    const all: Record<string, unknown[]> = {};
    for (const name of tables) all[name] = await rowsOf(h, query, name);
    return all;
  });
}

/** Every row of one table. */
export const rows = (h: Harness, table: string) => withDatabase(h, (query) => rowsOf(h, query, table)) as Promise<Record<string, any>[]>;

export const count = async (h: Harness, table: string) => (await rows(h, table)).length;

/** Runs `request` and asserts that the database is exactly as it was before it. */
export async function writesNothing(h: Harness, request: () => Promise<Reply>): Promise<Reply> {
  const before = await snapshot(h);
  const reply = await request();
  assert.deepEqual(await snapshot(h), before, `the ${reply.status} reply ${JSON.stringify(reply.body)} changed the database`);
  return reply;
}

/** Asserts an error reply: HTTP status, `status: "error"`, the code, and (if given) the field. */
export function assertError(reply: Reply, status: number, code: string, field?: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(reply.body.status, 'error');
  assert.equal(reply.body.error.code, code);
  assert.equal(typeof reply.body.error.description, 'string');
  assert.ok(reply.body.error.description.length > 10, 'the description says what to fix');
  if (field !== undefined) assert.equal(reply.body.error.field, field, reply.body.error.description);
}

export const sberPay = (channel: 'app' | 'mobile_web' | 'web', phone: string | null = PHONE) => ({
  type: 'internet_banking',
  internet_banking: { type: 'sber_pay', sber_pay: { ...(phone ? { phone } : {}), channel } },
});
export const FPS = { type: 'faster_payment_system' };

/** A session paid by a tokenised card; with a 3-D Secure card the challenge is approved. */
export async function paidByCard(h: Harness, opts: { amount?: number; number?: string; body?: Record<string, unknown>; paymentOptions?: Record<string, unknown> } = {}) {
  const { id, token } = await sessionWithToken(h, { amount_details: RUB(opts.amount ?? 1000), ...opts.body });
  const card = await tokenize(h, token, opts.number ?? VISA_SUCCESS);
  assert.match(card, /^tok_[0-9a-z]{20}$/);
  const started = await h.call('session/start/payment', {
    session_id: id,
    payment_details: { type: 'card', card: { token: card } },
    ...(opts.paymentOptions ? { payment_options: opts.paymentOptions } : {}),
  });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  let session = started.body.session;
  if (session.acquiring_payments[0].status === 'in_progress') {
    const approved = await h.app.request(`/sandbox/payments/${session.acquiring_payments[0].id}/approve`, { method: 'POST' });
    assert.equal(approved.status, 200);
    session = (await h.call('session/status', { session_id: id })).body.session;
  }
  return { id, card, session, paymentId: session.acquiring_payments[0].id as string };
}

export async function approve(h: Harness, paymentId: string) {
  const res = await h.app.request(`/sandbox/payments/${paymentId}/approve`, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as any };
}

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const SESSION_ID = /^ps_[0-9a-z]{20}$/;
export const PAYMENT_ID = /^pm_[0-9a-z]{20}$/;
export const REFUND_ID = /^rf_[0-9a-z]{20}$/;
