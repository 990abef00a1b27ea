/**
 * The storage port's contract, run against both implementations: what the server relies on of a
 * transaction (all or nothing, hooks after commit), of a session lock, of the outbox's leases, of
 * an idempotency hold, of the change feed and of reads outside a transaction.
 *
 * Each store opens two "instances" on one database: for PostgreSQL two storages (two pools, two
 * change feeds), as two servers would; for SQLite the same storage twice, since it runs one
 * transaction at a time in one process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import Database from 'better-sqlite3';
import { SqliteStorage } from '../../server/store/sqlite/storage';
import { PostgresStorage } from '../../server/store/postgres/storage';
import { migrate } from '../../server/store/sqlite/db';
import { PG_MIGRATIONS } from '../../server/store/postgres/migrations';
import { SessionMoved, StorageUnavailable } from '../../server/store/errors';
import type { Storage } from '../../server/store/port';
import type {
  CardTokenRow,
  FpsBindingRow,
  LinkRow,
  NewProject,
  PaymentRow,
  RefundRow,
  SandboxRailBindingRow,
  SandboxRailPaymentRow,
  SandboxRailRefundRow,
  SessionRow,
  SubscriptionChargeRow,
  SubscriptionRow,
  WebhookEventRow,
} from '../../server/store/rows';
import { freshDatabase, postgresAvailable } from '../support/pg-databases';

type Opened = { a: Storage; b: Storage; close(): Promise<void> };

/**
 * How many migrations each store had before issue 13 (the acquirer port): a database at that
 * version, with rows in it, is what an upgrade starts from.
 */
const BEFORE_ISSUE_13 = { sqlite: 5, postgres: 1 };
/** How many migrations each store had before FPS account bindings. */
const BEFORE_BINDINGS = { sqlite: 9, postgres: 5 };
/** What either store says when a CHECK constraint refuses a row. */
const CHECK_FAILED = /CHECK constraint failed|violates check constraint/;
/** The schema before a binding could take no money (SQLite's migration 11, PostgreSQL's 7). */
const BEFORE_BINDING_ONLY = { sqlite: 10, postgres: 6 };

const noPostgres = postgresAvailable()
  ? false
  : 'no PostgreSQL: SG_TEST_POSTGRES is unset (run through test/support/with-postgres.ts, as npm test does, or set DATABASE_URL)';

type Store = {
  name: 'sqlite' | 'postgres';
  skip: string | false;
  open(): Promise<Opened>;
  /** A database at the schema of `migrations` migrations, `seed` (plain SQL) run on it, then opened (and so migrated) as today. */
  openMigratedFrom(migrations: number, seed: string): Promise<Opened>;
};

const STORES: Store[] = [
  {
    name: 'sqlite',
    skip: false,
    open: async () => sqliteAt(join(mkdtempSync(join(tmpdir(), 'sg-contract-')), 'db.sqlite')),
    openMigratedFrom: async (migrations, seed) => {
      const file = join(mkdtempSync(join(tmpdir(), 'sg-contract-')), 'db.sqlite');
      const old = new Database(file);
      old.pragma('foreign_keys = ON');
      migrate(old, migrations);
      old.exec(seed);
      old.close();
      return sqliteAt(file);
    },
  },
  {
    name: 'postgres',
    skip: noPostgres,
    open: async () => {
      const db = await freshDatabase();
      // Both at once, as two servers starting together: the migration runs once.
      const [a, b] = await Promise.all([PostgresStorage.open(db.url, { instanceId: 'a' }), PostgresStorage.open(db.url, { instanceId: 'b' })]);
      return {
        a,
        b,
        close: async () => {
          await Promise.all([a.close(), b.close()]);
          await db.drop();
        },
      };
    },
    openMigratedFrom: async (migrations, seed) => {
      const db = await freshDatabase();
      const old = new pg.Client({ connectionString: db.url });
      await old.connect();
      try {
        // What migratePostgres had left after `migrations` steps.
        await old.query('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
        for (const [i, m] of PG_MIGRATIONS.slice(0, migrations).entries()) {
          await old.query(m);
          await old.query(`INSERT INTO schema_migrations (version) VALUES (${i + 1})`);
        }
        await old.query(seed);
      } finally {
        await old.end();
      }
      const a = await PostgresStorage.open(db.url, { instanceId: 'upgraded' });
      return {
        a,
        b: a,
        close: async () => {
          await a.close();
          await db.drop();
        },
      };
    },
  },
];

function sqliteAt(file: string): Opened {
  const storage = SqliteStorage.open(file, 'flusher');
  return {
    a: storage,
    b: storage,
    close: async () => {
      await storage.close();
      rmSync(dirname(file), { recursive: true, force: true });
    },
  };
}

const PROJECT: NewProject = {
  name: 'shop',
  publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n',
  webhookUrl: 'https://merchant.example/hooks',
  webhookSecret: 'whsec_test',
  origins: ['https://merchant.example'],
  confirmation: 'auto',
  confirmWindowMinutes: 240,
  fpsQrLifetimeMinutes: 15,
  createdAt: 1_700_000_000_000,
};

const uid = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const ids = (rows: readonly { id: string }[]) => rows.map((r) => r.id);

/** Seed SQL for an old schema: project `project` with one accepted session ses_old, paid by FPS (pay_old, 100 ₽). */
function paidFpsSession(project: string, at: number): string {
  return `
    INSERT INTO projects (name, public_key_pem, webhook_url, webhook_secret, created_at) VALUES ('${project}', 'pem', 'https://old.example/h', 'whsec_old', ${at});
    INSERT INTO sessions (id, project, status, amount, currency, confirmation, data_json, expires_at, created_at, updated_at)
      VALUES ('ses_old', '${project}', 'accepted', 10000, 'RUB', 'auto', '{}', ${at + 60_000}, ${at}, ${at});
    INSERT INTO payments (id, session_id, status, method, stage, amount, currency, refunded_amount, rail_ref, details_json, created_at, updated_at)
      VALUES ('pay_old', 'ses_old', 'succeeded', 'fps', 'done', 10000, 'RUB', 0, 'qr_old', '{}', ${at}, ${at});
  `;
}

function sessionRow(over: Partial<SessionRow> = {}): SessionRow {
  const now = Date.now();
  return {
    id: uid('ses'),
    project: 'shop',
    status: 'created',
    version: 1,
    amount: 125_000,
    currency: 'RUB',
    confirmation: 'auto',
    customer_reference: 'customer-1',
    webhook_url: null,
    failed_attempts: 0,
    close_reason: null,
    data_json: '{"description":"Order 1"}',
    expires_at: now + 3_600_000,
    created_at: now,
    updated_at: now,
    link_id: null,
    order_check_url: null,
    ...over,
  };
}

function cardRow(over: Partial<CardTokenRow> = {}): CardTokenRow {
  return {
    id: uid('tok'),
    project: 'shop',
    session_id: null,
    brand: 'mir',
    last4: '0004',
    expiry_month: 12,
    expiry_year: 2030,
    holder: 'IVAN IVANOV',
    scenario: 'success',
    recurrent: 0,
    recurrent_at: null,
    used_at: null,
    disabled_at: null,
    created_at: Date.now(),
    ...over,
  };
}

function paymentRow(sessionId: string, over: Partial<PaymentRow> = {}): PaymentRow {
  const now = Date.now();
  return {
    id: uid('pay'), session_id: sessionId, status: 'failed', method: 'card', stage: 'done', amount: 125_000, currency: 'RUB',
    refunded_amount: 0, card_token: null, rail_ref: null, details_json: '{}', rail_op: null, reconcile_at: null, rail_checks: 0,
    interaction_json: null, failure_code: null, failure_description: null, action_expires_at: null, confirm_expires_at: null,
    created_at: now, updated_at: now, ...over,
  };
}

function refundRow(paymentId: string, over: Partial<RefundRow> = {}): RefundRow {
  const now = Date.now();
  return {
    id: uid('ref'), payment_id: paymentId, amount: 1_000, currency: 'RUB', status: 'pending', failure_code: null,
    failure_description: null, reconcile_at: null, rail_checks: 0, created_at: now, updated_at: now, ...over,
  };
}

function railPaymentRow(over: Partial<SandboxRailPaymentRow> = {}): SandboxRailPaymentRow {
  const now = Date.now();
  return {
    payment_id: uid('pay'), method: 'fps', status: 'awaiting_customer', amount: 125_000, currency: 'RUB', refunded_amount: 0,
    card_token: null, ref: uid('qr'), capture_on_approval: 1, decline_code: null, decline_description: null,
    interaction_json: '{"type":"qr","redirect":{"url":"https://qr.nspk.ru/x","method":"GET"}}', expires_at: now + 900_000,
    binds: 0, created_at: now, updated_at: now, ...over,
  };
}

function subscriptionRow(firstSessionId: string, over: Partial<SubscriptionRow> = {}): SubscriptionRow {
  const now = Date.now();
  return {
    id: uid('sub'), project: 'shop', status: 'pending', customer_json: '{"reference":"customer-1"}', amount: 99_000, currency: 'RUB',
    period_unit: 'month', period_count: 1, description: null, return_url: null, card_token: null, binding_id: null, trial_days: null, trial_amount: null, first_session_id: firstSessionId,
    started_at: null, current_period_end: null, next_charge_at: null, charge_session_id: null, periods_paid: 0, failed_attempts: 0,
    cancel_at_period_end: 0, cancelled_at: null, cancel_reason: null, page_token_hash: randomBytes(32).toString('hex'), version: 1,
    created_at: now, updated_at: now, ...over,
  };
}

function bindingRow(sessionId: string, paymentId: string, over: Partial<FpsBindingRow> = {}): FpsBindingRow {
  return {
    id: uid('bnd'), project: 'shop', session_id: sessionId, payment_id: paymentId, rail_ref: uid('AS'), bank_id: '100000000111',
    bank_name: 'Sandbox Bank', disabled_at: null, disabled_by: null, created_at: Date.now(), ...over,
  };
}

function railBindingRow(paymentId: string, over: Partial<SandboxRailBindingRow> = {}): SandboxRailBindingRow {
  return { ref: uid('AS'), payment_id: paymentId, bank_id: '100000000111', status: 'active', created_at: Date.now(), revoked_at: null, ...over };
}

function newEvent(createdAt: number, sessionId: string | null = null) {
  return { id: uid('evt'), project: 'shop', session_id: sessionId, type: 'payment_finished', url: 'https://merchant.example/hooks', payload_json: '{}', created_at: createdAt };
}

/** A promise opened from outside: lets a test hold a transaction open at a chosen point. */
function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

async function waitFor(what: string, ok: () => boolean, ms = 3_000): Promise<void> {
  for (const until = Date.now() + ms; !ok(); await sleep(10)) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
  }
}

/** Bumps the session as a transition would, returning the version it read. */
/**
 * Two transactions that lock one row, on two instances: `take` runs on `a`, held open (`meanwhile`)
 * until the other has had time to reach the lock, and on `b`, which must wait for it. Answers what
 * each read, first's then second's: the second must have read what the first wrote.
 */
async function takeTurns<T>(a: Storage, b: Storage, what: string, take: (s: Storage, meanwhile?: () => Promise<void>) => Promise<T>): Promise<T[]> {
  const locked = gate();
  const release = gate();
  const first = take(a, async () => {
    locked.open();
    await release.promise;
  });
  await locked.promise;
  let secondDone = false;
  const second = take(b).finally(() => (secondDone = true));
  try {
    await sleep(100); // time for the second to reach the lock, and wait there
    assert.equal(secondDone, false, `the second waits while the first holds the ${what}`);
  } finally {
    release.open(); // also when it failed: a transaction left open would keep the test from ending
  }
  return Promise.all([first, second]);
}

async function bump(storage: Storage, id: string, meanwhile?: () => Promise<void>): Promise<number> {
  return storage.transaction(async (tx) => {
    const row = (await tx.sessions.lock(id))!;
    await meanwhile?.();
    await tx.sessions.update({ id, status: row.status, failed_attempts: row.failed_attempts + 1, close_reason: null, updated_at: Date.now() }, row.version);
    return row.version;
  });
}

for (const store of STORES) {
  const concurrent = store.name === 'postgres';

  describe(`storage contract: ${store.name}`, { skip: store.skip }, () => {
    let opened: Opened | undefined;
    let a: Storage;
    let b: Storage;
    const insertSession = async (over: Partial<SessionRow> = {}) => {
      const row = sessionRow(over);
      await a.transaction((tx) => tx.sessions.insert(row));
      return row;
    };

    before(async () => {
      opened = await store.open();
      ({ a, b } = opened);
      await a.transaction((tx) => tx.projects.insert(PROJECT));
    });
    after(async () => {
      await opened?.close();
    });

    it('gives rows back as they were written: every column, numbers as numbers, nothing of its own', async () => {
      const now = Date.now();
      const link: LinkRow = { id: uid('lnk'), project: 'shop', data_json: '{"amount":100}', disabled_at: null, created_at: now };
      const session = sessionRow({ link_id: link.id, amount: 5_000_000_000, webhook_url: 'https://merchant.example/other', order_check_url: 'https://merchant.example/check' });
      const card = cardRow({ session_id: session.id, used_at: now });
      const payment: PaymentRow = {
        id: uid('pay'), session_id: session.id, status: 'succeeded', method: 'card', stage: 'done', amount: 5_000_000_000, currency: 'RUB',
        refunded_amount: 1_000, card_token: card.id, rail_ref: uid('rail'), details_json: '{"last4":"0004"}', rail_op: 'capture',
        reconcile_at: now + 3_600_000, rail_checks: 2, interaction_json: '{"type":"qr","redirect":{"url":"https://qr.nspk.ru/x","method":"GET"}}',
        failure_code: null, failure_description: null, action_expires_at: now + 60_000, confirm_expires_at: null, created_at: now, updated_at: now,
      };
      const refund = refundRow(payment.id, { amount: 1_000, status: 'succeeded', created_at: now, updated_at: now + 1 });
      const event = newEvent(now, session.id);
      const push = await a.transaction(async (tx) => {
        await tx.links.insert(link);
        await tx.sessions.insert(session);
        await tx.cards.insert(card);
        await tx.sessions.insertPayment(payment);
        await tx.sessions.insertRefund(refund);
        await tx.sessions.insertPublicToken(`hash_${session.id}`, session.id, now);
        await tx.outbox.insert(event);
        return tx.pushes.record(payment.id, '+79990000000', 'Pay 50 000 000 ₽?', now);
      });
      assert.deepEqual(await b.sessions.get(session.id), session);
      assert.deepEqual(await b.sessions.byPublicToken(`hash_${session.id}`), session);
      assert.deepEqual(await b.sessions.payments(session.id), [payment]);
      assert.deepEqual(await b.sessions.latestPayment(session.id), payment);
      assert.deepEqual(await b.sessions.paymentByRailRef(payment.rail_ref!), payment);
      assert.deepEqual(await b.sessions.refunds(payment.id), [refund]);
      assert.deepEqual(await b.sessions.refund(refund.id), refund);
      assert.deepEqual(await b.cards.get(card.id), card);
      assert.deepEqual(await b.links.get(link.id), link);
      assert.deepEqual(await b.links.list('shop'), [link]);
      const expected: WebhookEventRow = {
        ...event, status: 'pending', attempts: 0, next_attempt_at: now, first_attempt_at: null, last_response_status: null,
        last_error: null, delivered_at: null, lease_owner: null, lease_until: null,
      };
      assert.deepEqual(await b.outbox.get(event.id), expected);
      assert.deepEqual(await b.outbox.forSession(session.id), [expected]);
      assert.deepEqual((await b.sessions.linkCounts()).filter((c) => c.link_id === link.id), [{ link_id: link.id, sessions: 1, paid: 0 }]);
      assert.equal(typeof push.id, 'number');
      assert.deepEqual((await b.pushes.recent(10)).find((p) => p.id === push.id), push);
      assert.deepEqual(await b.projects.get('shop'), { ...PROJECT, webhookSigning: 'standard', displayName: null, logoUrl: null, locale: null, support: {} });
    });

    it("commits a transaction's writes and runs its hooks, in order, only once it has committed", async () => {
      const ran: string[] = [];
      const row = sessionRow();
      await assert.rejects(
        a.transaction(async (tx) => {
          await tx.sessions.insert(row);
          tx.afterCommit(() => ran.push('never'));
          throw new Error('the body failed');
        }),
        /the body failed/,
      );
      assert.equal(await a.sessions.get(row.id), undefined, 'nothing of a failed transaction is written');
      assert.equal(ran.length, 0, 'nor does any of its hooks run');

      let seen: Promise<SessionRow | undefined> | undefined;
      const value = await a.transaction(async (tx) => {
        await tx.sessions.insert(row);
        tx.afterCommit(() => ran.push('first'));
        tx.afterCommit(() => {
          ran.push('second');
          seen = b.sessions.get(row.id);
        });
        return 'done';
      });
      assert.equal(value, 'done');
      assert.deepEqual(ran, ['first', 'second'], 'the hooks ran, in order, before the transaction settled');
      assert.deepEqual(await seen, row, 'a hook sees the commit from anywhere');
    });

    it('throws SessionMoved for a write that names a stale version', async () => {
      const row = await insertSession();
      const change = { id: row.id, status: 'cancelled' as const, failed_attempts: 0, close_reason: 'test', updated_at: Date.now() };
      await assert.rejects(a.transaction((tx) => tx.sessions.update(change, 2)), SessionMoved);
      await assert.rejects(a.transaction((tx) => tx.sessions.touch(row.id, 7, Date.now())), SessionMoved);
      await assert.rejects(a.transaction((tx) => tx.sessions.update({ ...change, id: uid('ses') }, 1)), SessionMoved);
      await a.transaction((tx) => tx.sessions.update(change, 1));
      await assert.rejects(a.transaction((tx) => tx.sessions.touch(row.id, 1, Date.now())), SessionMoved);
      await a.transaction((tx) => tx.sessions.touch(row.id, 2, Date.now()));
      const final = (await b.sessions.get(row.id))!;
      assert.deepEqual([final.status, final.close_reason, final.version], ['cancelled', 'test', 3]);
    });

    it('makes two transactions that lock one session take turns, on two instances: each sees the other', async () => {
      const row = await insertSession();
      const read = await takeTurns(a, b, 'session', (s, meanwhile) => bump(s, row.id, meanwhile));
      assert.deepEqual(read, [1, 2], 'the second read what the first wrote');
      const final = (await a.sessions.get(row.id))!;
      assert.equal(final.version, 3);
      assert.equal(final.failed_attempts, 2, 'no write was lost');
    });

    it('answers a skipLocked lock with no row while another transaction holds the session', async () => {
      const row = await insertSession();
      if (!concurrent) {
        // SQLite runs one transaction at a time: nobody else can hold the row.
        assert.deepEqual(await a.transaction((tx) => tx.sessions.lock(row.id, { skipLocked: true })), row);
        return;
      }
      const locked = gate();
      const release = gate();
      const holder = a.transaction(async (tx) => {
        await tx.sessions.lock(row.id);
        locked.open();
        await release.promise;
      });
      await locked.promise;
      try {
        assert.equal(await b.transaction((tx) => tx.sessions.lock(row.id, { skipLocked: true })), undefined);
      } finally {
        release.open();
      }
      await holder;
      assert.deepEqual(await b.transaction((tx) => tx.sessions.lock(row.id, { skipLocked: true })), row);
    });

    it('leases each due event to one claimer at a time, and again once the lease has run out', async () => {
      const t = 1_000_000; // long before the other tests' events, which stay out of these claims
      const events = Array.from({ length: 10 }, (_, i) => newEvent(t + i));
      await a.transaction(async (tx) => {
        for (const e of events) await tx.outbox.insert(e);
      });
      const [byA, byB] = await Promise.all([
        a.transaction((tx) => tx.outbox.claimDue(t + 100, 6, 'A', t + 60_000)),
        b.transaction((tx) => tx.outbox.claimDue(t + 100, 6, 'B', t + 60_000)),
      ]);
      const ids = [...byA, ...byB].map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, 'no event went to both');
      assert.deepEqual([...ids].sort(), events.map((e) => e.id).sort(), 'between them they took every due event');
      for (const [claimed, owner] of [[byA, 'A'], [byB, 'B']] as const) {
        assert.deepEqual(claimed.map((e) => e.next_attempt_at), claimed.map((e) => e.next_attempt_at).sort((x, y) => x! - y!), 'oldest due first');
        for (const e of claimed) assert.deepEqual([e.lease_owner, e.lease_until], [owner, t + 60_000]);
      }

      assert.deepEqual(await a.transaction((tx) => tx.outbox.claimDue(t + 59_999, 100, 'C', t + 120_000)), [], 'a live lease keeps an event');
      const again = await b.transaction((tx) => tx.outbox.claimDue(t + 60_000, 100, 'C', t + 120_000));
      assert.deepEqual(again.map((e) => e.id).sort(), [...ids].sort(), 'once it ran out, the same events are claimed again');

      const one = again[0]!;
      const attempt = { event_id: one.id, attempt: 1, at: t + 60_000, response_status: 500, error: 'HTTP 500', duration_ms: 12 };
      await a.transaction((tx) =>
        tx.outbox.recordAttempt({ id: one.id, status: 'pending', attempts: 1, next_attempt_at: t + 61_000, last_response_status: 500, last_error: 'HTTP 500', delivered_at: null }, attempt),
      );
      const recorded = (await b.outbox.get(one.id))!;
      assert.deepEqual([recorded.lease_owner, recorded.lease_until, recorded.first_attempt_at, recorded.attempts], [null, null, t + 60_000, 1]);
      assert.deepEqual(await b.outbox.attempts(one.id), [attempt]);
      const retried = await b.transaction((tx) => tx.outbox.claimDue(t + 61_000, 100, 'D', t + 180_000));
      assert.deepEqual(retried.map((e) => e.id), [one.id], 'the attempt ended its lease: it is due again at its next attempt');
    });

    it('holds an idempotency key for one transaction at a time', async () => {
      if (!concurrent) {
        assert.equal(await a.transaction((tx) => tx.idempotency.hold('shop', 'key-1')), true);
        return;
      }
      const held = gate();
      const release = gate();
      const holder = a.transaction(async (tx) => {
        assert.equal(await tx.idempotency.hold('shop', 'key-1'), true);
        held.open();
        await release.promise;
      });
      await held.promise;
      try {
        assert.equal(await b.transaction((tx) => tx.idempotency.hold('shop', 'key-1')), false, 'held by the other instance');
        assert.equal(await b.transaction((tx) => tx.idempotency.hold('shop', 'key-2')), true, 'another key is free');
        assert.equal(await b.transaction((tx) => tx.idempotency.hold('other', 'key-1')), true, "another project's key is free");
      } finally {
        release.open();
      }
      await holder;
      assert.equal(await b.transaction((tx) => tx.idempotency.hold('shop', 'key-1')), true, 'free once that transaction ended');
    });

    it('announces a session change after commit, to every instance, and never after a rollback', async () => {
      const [committed, rolledBack, later] = [uid('ses'), uid('ses'), uid('ses')];
      const mine = new Set([committed, rolledBack, later]);
      const heardByA: (string | null)[] = [];
      const heardByB: (string | null)[] = [];
      a.onSessionChanged((id) => id && mine.has(id) && heardByA.push(id));
      b.onSessionChanged((id) => id && mine.has(id) && heardByB.push(id));

      await a.transaction(async (tx) => {
        tx.sessionChanged(committed);
        assert.deepEqual(heardByA, [], 'not before the commit');
      });
      assert.deepEqual(heardByA, [committed], 'its own instance hears it as the transaction settles');
      await assert.rejects(
        a.transaction(async (tx) => {
          tx.sessionChanged(rolledBack);
          throw new Error('rolled back');
        }),
      );
      await a.transaction(async (tx) => tx.sessionChanged(later));
      // Changes arrive in commit order: once the later one is heard, the rolled-back one would have been.
      await waitFor('instance b to hear the later change', () => heardByB.includes(later));
      await sleep(100); // and an echo of a's own change back to a would have arrived too
      assert.deepEqual(heardByB, [committed, later]);
      assert.deepEqual(heardByA, [committed, later], 'once each: not again through the feed');
    });

    it("spends a card token once, also when two instances race for it", async () => {
      const card = cardRow();
      await a.transaction((tx) => tx.cards.insert(card));
      assert.equal(await a.transaction((tx) => tx.cards.markUsed(card.id, Date.now())), true);
      assert.equal(await b.transaction((tx) => tx.cards.markUsed(card.id, Date.now())), false);

      const raced = cardRow();
      await a.transaction((tx) => tx.cards.insert(raced));
      const marked = gate();
      const release = gate();
      const first = a.transaction(async (tx) => {
        const used = await tx.cards.markUsed(raced.id, 1);
        marked.open();
        await release.promise;
        return used;
      });
      await marked.promise;
      const second = b.transaction((tx) => tx.cards.markUsed(raced.id, 2));
      await sleep(50);
      release.open();
      assert.deepEqual(await Promise.all([first, second]), [true, false]);
      assert.equal((await b.cards.get(raced.id))!.used_at, 1);

      const both = cardRow();
      await a.transaction((tx) => tx.cards.insert(both));
      const results = await Promise.all([a, b, a, b].map((s) => s.transaction((tx) => tx.cards.markUsed(both.id, Date.now()))));
      assert.equal(results.filter(Boolean).length, 1);
    });

    it('shows reads outside a transaction only what has committed', async () => {
      const row = sessionRow();
      const inserted = gate();
      const release = gate();
      const writer = a.transaction(async (tx) => {
        await tx.sessions.insert(row);
        assert.deepEqual(await tx.sessions.get(row.id), row, 'the transaction sees its own write');
        inserted.open();
        await release.promise;
      });
      await inserted.promise;
      try {
        for (const s of [a, b]) {
          assert.equal(await s.sessions.get(row.id), undefined);
          assert.equal((await s.sessions.newest('shop', 1000)).some((r) => r.id === row.id), false);
        }
      } finally {
        release.open();
      }
      await writer;
      assert.deepEqual(await b.sessions.get(row.id), row);
    });

    it('caches only committed projects: one rolled back is not seen, one updated is seen at once', async () => {
      const ghost = { ...PROJECT, name: 'ghost' };
      await assert.rejects(
        a.transaction(async (tx) => {
          await tx.projects.insert(ghost);
          assert.equal((await tx.projects.get('ghost'))?.name, 'ghost', 'the transaction sees its own project');
          throw new Error('undo');
        }),
        /undo/,
      );
      assert.equal(await a.projects.get('ghost'), null, 'a rolled-back project is not read from the cache');
      const shop = (await a.projects.get('shop'))!; // cached now
      await a.transaction((tx) => tx.projects.update({ ...shop, webhookUrl: 'https://merchant.example/new-hooks' }));
      assert.equal((await a.projects.get('shop'))?.webhookUrl, 'https://merchant.example/new-hooks', 'an update is seen at once by its own instance');
      await a.transaction((tx) => tx.projects.update(shop));
    });

    it('lists the newest sessions first', async () => {
      const t = Date.now() + 10_000_000;
      const older = await insertSession({ created_at: t });
      const newer = await insertSession({ created_at: t + 1 });
      assert.deepEqual((await b.sessions.newest('shop', 2)).map((r) => r.id), [newer.id, older.id]);
      assert.deepEqual((await b.sessions.newest(null, 2)).map((r) => r.id), [newer.id, older.id]);
    });

    it("saves what a rail call leaves on a payment: updatePayment writes the columns it owns, and only those", async () => {
      const session = await insertSession();
      const payment = paymentRow(session.id, { status: 'in_progress', stage: 'starting', rail_op: 'start', reconcile_at: Date.now() + 3_600_000 });
      await a.transaction((tx) => tx.sessions.insertPayment(payment));
      assert.deepEqual(await b.sessions.payment(payment.id), payment);
      const later = payment.updated_at + 5_000;
      const answered: PaymentRow = {
        ...payment, status: 'in_progress', stage: 'awaiting_customer', rail_ref: uid('rail'), rail_op: 'start', reconcile_at: null,
        rail_checks: 3, interaction_json: '{"type":"redirect","redirect":{"url":"bank://pay","method":"GET"}}', action_expires_at: later + 60_000,
        updated_at: later,
      };
      // The columns updatePayment leaves alone: what was decided when the payment was made.
      await a.transaction((tx) => tx.sessions.updatePayment({ ...answered, details_json: '{"changed":true}', amount: 1, created_at: 1 }));
      assert.deepEqual(await b.sessions.payment(answered.id), answered);
      const captured: PaymentRow = {
        ...answered, status: 'succeeded', stage: 'done', rail_op: 'capture', reconcile_at: null, interaction_json: null,
        refunded_amount: 500, confirm_expires_at: later + 1, action_expires_at: null, updated_at: later + 1,
      };
      await a.transaction((tx) => tx.sessions.updatePayment(captured));
      assert.deepEqual(await b.sessions.payment(captured.id), captured);
      const declined: PaymentRow = { ...captured, status: 'failed', stage: 'done', rail_op: 'void', failure_code: 'declined', failure_description: 'Insufficient funds', refunded_amount: 0 };
      await a.transaction((tx) => tx.sessions.updatePayment(declined));
      assert.deepEqual(await b.sessions.payment(declined.id), declined);
    });

    it('lists the payments to reconcile: due ones only, oldest reconcile_at first (ties in insertion order), at most limit', async () => {
      const t = 2_000_000; // long before the other tests' reconcile_at, which stay out of these lists
      const make = async (reconcileAt: number | null) => {
        const session = await insertSession();
        const row = paymentRow(session.id, { status: 'in_progress', stage: 'unknown', rail_op: 'start', reconcile_at: reconcileAt });
        await a.transaction((tx) => tx.sessions.insertPayment(row));
        return row;
      };
      const late = await make(t + 30);
      const first = await make(t + 10);
      const tie = await make(t + 10);
      const middle = await make(t + 20);
      await make(t + 50); // not due yet
      await make(null); // nothing to learn
      const ids = async (now: number, limit: number) => (await b.sessions.paymentsToReconcile(now, limit)).map((p) => p.id);
      assert.deepEqual(await ids(t + 40, 10), [first.id, tie.id, middle.id, late.id]);
      assert.deepEqual(await ids(t + 40, 2), [first.id, tie.id]);
      assert.deepEqual(await ids(t + 20, 10), [first.id, tie.id, middle.id], 'at or before now');
      assert.deepEqual(await ids(t + 9, 10), []);
      assert.deepEqual((await b.sessions.paymentsToReconcile(t + 10, 1))[0], first, 'whole rows');
      await a.transaction((tx) => tx.sessions.updatePayment({ ...first, status: 'succeeded', stage: 'done', rail_op: null, reconcile_at: null }));
      await a.transaction((tx) => tx.sessions.updatePayment({ ...late, rail_checks: 1, reconcile_at: t + 5 }));
      assert.deepEqual(await ids(t + 40, 10), [late.id, tie.id, middle.id], 'learnt: out; put off or brought forward: moved');
    });

    it('keeps a refund pending until the rail answers: refund(id), updateRefund, and the pending ones to reconcile', async () => {
      const t = 3_000_000; // as above: before every other test's reconcile_at
      const session = await insertSession();
      const payment = paymentRow(session.id, { status: 'succeeded', stage: 'done', refunded_amount: 4_000 });
      const pending = refundRow(payment.id, { reconcile_at: t + 20, created_at: t, updated_at: t });
      const earlier = refundRow(payment.id, { reconcile_at: t + 10, rail_checks: 2, created_at: t + 1, updated_at: t + 1 });
      const notDue = refundRow(payment.id, { reconcile_at: t + 90, created_at: t + 2, updated_at: t + 2 });
      const unscheduled = refundRow(payment.id, { reconcile_at: null, created_at: t + 3, updated_at: t + 3 });
      await a.transaction(async (tx) => {
        await tx.sessions.insertPayment(payment);
        for (const r of [pending, earlier, notDue, unscheduled]) await tx.sessions.insertRefund(r);
      });
      assert.deepEqual(await b.sessions.refund(pending.id), pending);
      assert.equal(await b.sessions.refund(uid('ref')), undefined);
      const due = async (now: number, limit = 10) => (await b.sessions.refundsToReconcile(now, limit)).map((r) => r.id);
      assert.deepEqual(await due(t + 50), [earlier.id, pending.id]);
      assert.deepEqual(await due(t + 50, 1), [earlier.id]);
      assert.deepEqual(await b.sessions.refundsToReconcile(t + 10, 10), [earlier]);

      const succeeded: RefundRow = { ...pending, status: 'succeeded', reconcile_at: null, rail_checks: 1, updated_at: t + 30 };
      // amount, currency and created_at are the refund's as made: updateRefund leaves them.
      await a.transaction((tx) => tx.sessions.updateRefund({ ...succeeded, amount: 1, currency: 'USD', created_at: 1 }));
      assert.deepEqual(await b.sessions.refund(pending.id), succeeded);
      const failed: RefundRow = { ...earlier, status: 'failed', failure_code: 'refund_declined', failure_description: 'The issuer refused', rail_checks: 3, updated_at: t + 31 };
      await a.transaction((tx) => tx.sessions.updateRefund(failed)); // reconcile_at left as it was: still not listed, being failed
      assert.deepEqual(await b.sessions.refund(earlier.id), failed);
      assert.deepEqual(await due(t + 100), [notDue.id], 'only pending refunds are reconciled');
      assert.deepEqual(await b.sessions.refunds(payment.id), [succeeded, failed, notDue, unscheduled], 'in the order they were made');
      await assert.rejects(a.transaction((tx) => tx.sessions.insertRefund(refundRow(payment.id, { status: 'refunded' as never }))));
    });

    it("keeps the sandbox rail's books: payments by id and by ref, their updates, refunds", async () => {
      const payment = railPaymentRow();
      const card = railPaymentRow({ method: 'card', status: 'authorized', ref: null, card_token: uid('tok'), capture_on_approval: 0, interaction_json: null, expires_at: null });
      const alsoNoRef = railPaymentRow({ ref: null });
      await a.transaction(async (tx) => {
        await tx.sandboxRail.insertPayment(payment);
        await tx.sandboxRail.insertPayment(card);
        await tx.sandboxRail.insertPayment(alsoNoRef); // many without a ref: only a ref is unique
        assert.deepEqual(await tx.sandboxRail.payment(payment.payment_id), payment, 'the transaction sees its own write');
      });
      assert.deepEqual(await b.sandboxRail.payment(payment.payment_id), payment);
      assert.deepEqual(await b.sandboxRail.payment(card.payment_id), card);
      assert.deepEqual(await b.sandboxRail.paymentByRef(payment.ref!), payment);
      assert.equal(await b.sandboxRail.paymentByRef(uid('qr')), undefined);
      assert.equal(await b.sandboxRail.payment(uid('pay')), undefined);
      assert.deepEqual(await b.transaction((tx) => tx.sandboxRail.lockPayment(payment.payment_id)), payment);
      assert.equal(await b.transaction((tx) => tx.sandboxRail.lockPayment(uid('pay'))), undefined);
      await assert.rejects(a.transaction((tx) => tx.sandboxRail.insertPayment(railPaymentRow({ ref: payment.ref }))), 'a ref names one payment');
      await assert.rejects(a.transaction((tx) => tx.sandboxRail.insertPayment({ ...payment })), 'a payment id is the idempotency key: once');

      const renewed: SandboxRailPaymentRow = { ...payment, ref: uid('qr'), interaction_json: '{"type":"qr","redirect":{"url":"https://qr.nspk.ru/y","method":"GET"}}', expires_at: payment.expires_at! + 1, updated_at: payment.updated_at + 1 };
      await a.transaction((tx) => tx.sandboxRail.updatePayment(renewed));
      assert.deepEqual(await b.sandboxRail.paymentByRef(renewed.ref!), renewed);
      assert.equal(await b.sandboxRail.paymentByRef(payment.ref!), undefined, 'the old QR is gone');
      const captured: SandboxRailPaymentRow = { ...renewed, status: 'captured', refunded_amount: 25_000, interaction_json: null, expires_at: null, updated_at: renewed.updated_at + 1 };
      // method, amount, currency, card_token, capture_on_approval and created_at are the payment's as started.
      await a.transaction((tx) => tx.sandboxRail.updatePayment({ ...captured, method: 'sberpay', amount: 1, currency: 'USD', card_token: 'x', capture_on_approval: 0, created_at: 1 }));
      assert.deepEqual(await b.sandboxRail.payment(captured.payment_id), captured);
      const declined: SandboxRailPaymentRow = { ...card, status: 'declined', decline_code: 'insufficient_funds', decline_description: 'Not enough money', updated_at: card.updated_at + 1 };
      await a.transaction((tx) => tx.sandboxRail.updatePayment(declined));
      assert.deepEqual(await b.sandboxRail.payment(card.payment_id), declined);

      const refund: SandboxRailRefundRow = { refund_id: uid('ref'), payment_id: payment.payment_id, amount: 25_000, status: 'succeeded', created_at: Date.now() };
      const refused: SandboxRailRefundRow = { refund_id: uid('ref'), payment_id: payment.payment_id, amount: 1, status: 'failed', created_at: Date.now() };
      await a.transaction(async (tx) => {
        await tx.sandboxRail.insertRefund(refund);
        await tx.sandboxRail.insertRefund(refused);
      });
      assert.deepEqual(await b.sandboxRail.refund(refund.refund_id), refund);
      assert.deepEqual(await b.sandboxRail.refund(refused.refund_id), refused);
      assert.equal(await b.sandboxRail.refund(uid('ref')), undefined);
      await assert.rejects(
        a.transaction((tx) => tx.sandboxRail.insertRefund({ ...refund, refund_id: uid('ref'), payment_id: uid('pay') })),
        'a refund of a payment the rail never had',
      );
    });

    it('makes two transactions that lock one rail payment take turns, on two instances', async () => {
      const row = railPaymentRow();
      await a.transaction((tx) => tx.sandboxRail.insertPayment(row));
      const take = (s: Storage, meanwhile?: () => Promise<void>) =>
        s.transaction(async (tx) => {
          const current = (await tx.sandboxRail.lockPayment(row.payment_id))!;
          await meanwhile?.();
          await tx.sandboxRail.updatePayment({ ...current, refunded_amount: current.refunded_amount + 1, updated_at: Date.now() });
          return current.refunded_amount;
        });
      assert.deepEqual(await takeTurns(a, b, 'rail payment', take), [0, 1], 'the second read what the first wrote');
      assert.equal((await a.sandboxRail.payment(row.payment_id))!.refunded_amount, 2);
    });

    /** A succeeded FPS payment and its session, committed: what a binding is made by. */
    const insertFpsPayment = async () => {
      const session = sessionRow();
      const payment = paymentRow(session.id, { status: 'succeeded', method: 'fps', rail_ref: uid('qr') });
      await a.transaction(async (tx) => {
        await tx.sessions.insert(session);
        await tx.sessions.insertPayment(payment);
      });
      return payment;
    };

    it('gives an FPS binding back as it was written, by id, by its payment and by its rail ref', async () => {
      const payment = await insertFpsPayment();
      const binding = bindingRow(payment.session_id, payment.id, { created_at: 5_000_000_000_000 });
      const bare = await insertFpsPayment();
      const unnamed = bindingRow(bare.session_id, bare.id, { bank_id: null, bank_name: null });
      await a.transaction(async (tx) => {
        await tx.bindings.insert(binding);
        await tx.bindings.insert(unnamed);
        assert.deepEqual(await tx.bindings.get(binding.id), binding, 'the transaction sees its own write');
      });
      assert.deepEqual(await b.bindings.get(binding.id), binding);
      assert.deepEqual(await b.bindings.byPayment(payment.id), binding);
      assert.deepEqual(await b.bindings.byRailRef(binding.rail_ref), binding);
      assert.deepEqual(await b.bindings.get(unnamed.id), unnamed, 'the bank is optional');
      assert.equal(await b.bindings.get(uid('bnd')), undefined);
      assert.equal(await b.bindings.byPayment(uid('pay')), undefined);
      assert.equal(await b.bindings.byRailRef(uid('AS')), undefined);

      const other = await insertFpsPayment();
      const refused = (row: FpsBindingRow, why: string) => assert.rejects(a.transaction((tx) => tx.bindings.insert(row)), why);
      await refused({ ...binding, id: uid('bnd') }, 'a payment binds once');
      await refused({ ...binding, payment_id: other.id }, 'an id names one binding');
      await refused(bindingRow(other.session_id, uid('pay')), 'a payment that does not exist');
      await refused(bindingRow(uid('ses'), other.id), 'a session that does not exist');
      await refused(bindingRow(other.session_id, other.id, { project: uid('nobody') }), 'a project that does not exist');
      await refused(bindingRow(other.session_id, other.id, { disabled_at: 1, disabled_by: 'customer' as never }), 'an unknown disabler');
      assert.equal(await b.bindings.byPayment(other.id), undefined, 'nothing of the refused ones was written');
    });

    it('disables an FPS binding once: the second time answers false and keeps who did it first', async () => {
      const payment = await insertFpsPayment();
      const binding = bindingRow(payment.session_id, payment.id);
      await a.transaction((tx) => tx.bindings.insert(binding));
      const t = Date.now();
      assert.equal(await a.transaction((tx) => tx.bindings.disable(binding.id, t, 'bank')), true);
      assert.deepEqual(await b.bindings.get(binding.id), { ...binding, disabled_at: t, disabled_by: 'bank' });
      assert.equal(await a.transaction((tx) => tx.bindings.disable(binding.id, t + 1, 'merchant')), false, 'already disabled');
      assert.deepEqual(await b.bindings.get(binding.id), { ...binding, disabled_at: t, disabled_by: 'bank' }, 'the first disable stays on record');
      assert.equal(await a.transaction((tx) => tx.bindings.disable(uid('bnd'), t, 'merchant')), false, 'no such binding');
    });

    it("keeps the sandbox bank's bindings: by ref, newest first, revoked once", async () => {
      const payment = railPaymentRow({ binds: 1 });
      const plain = railPaymentRow();
      await a.transaction(async (tx) => {
        await tx.sandboxRail.insertPayment(payment);
        await tx.sandboxRail.insertPayment(plain);
      });
      assert.equal((await b.sandboxRail.payment(payment.payment_id))!.binds, 1, 'binds is saved by insertPayment');
      assert.deepEqual(await b.sandboxRail.payment(plain.payment_id), plain);
      // updatePayment leaves binds as the payment was started with.
      await a.transaction((tx) => tx.sandboxRail.updatePayment({ ...payment, status: 'captured', binds: 0, updated_at: payment.updated_at + 1 }));
      assert.deepEqual(await b.sandboxRail.payment(payment.payment_id), { ...payment, status: 'captured', updated_at: payment.updated_at + 1 });
      await assert.rejects(a.transaction((tx) => tx.sandboxRail.insertPayment(railPaymentRow({ binds: 2 }))), 'binds is 0 or 1');

      // Far in the future, so no other test's binding is newer; two in one millisecond are ordered by ref.
      const t = 6_000_000_000_000;
      const older = railBindingRow(payment.payment_id, { created_at: t, ref: `AS_b_${randomBytes(4).toString('hex')}` });
      const tieLow = railBindingRow(payment.payment_id, { created_at: t + 10, ref: `AS_a_${randomBytes(4).toString('hex')}` });
      const tieHigh = railBindingRow(payment.payment_id, { created_at: t + 10, ref: `AS_c_${randomBytes(4).toString('hex')}` });
      const newest = railBindingRow(payment.payment_id, { created_at: t + 20, status: 'revoked', revoked_at: t + 30 });
      await a.transaction(async (tx) => {
        for (const row of [tieLow, older, newest, tieHigh]) await tx.sandboxRail.insertBinding(row);
        assert.deepEqual(await tx.sandboxRail.binding(older.ref), older, 'the transaction sees its own write');
      });
      assert.deepEqual(await b.sandboxRail.binding(tieLow.ref), tieLow);
      assert.deepEqual(await b.sandboxRail.binding(newest.ref), newest);
      assert.equal(await b.sandboxRail.binding(uid('AS')), undefined);
      assert.deepEqual(await b.sandboxRail.bindings(4), [newest, tieHigh, tieLow, older]);
      assert.deepEqual(await b.sandboxRail.bindings(2), [newest, tieHigh], 'at most limit');
      await assert.rejects(a.transaction((tx) => tx.sandboxRail.insertBinding({ ...older })), 'a ref names one binding');
      await assert.rejects(a.transaction((tx) => tx.sandboxRail.insertBinding(railBindingRow(uid('pay')))), 'a payment the rail never had');
      await assert.rejects(a.transaction((tx) => tx.sandboxRail.insertBinding(railBindingRow(payment.payment_id, { status: 'paused' as never }))), 'an unknown status');

      const now = Date.now();
      assert.equal(await a.transaction((tx) => tx.sandboxRail.revokeBinding(older.ref, now)), true);
      assert.deepEqual(await b.sandboxRail.binding(older.ref), { ...older, status: 'revoked', revoked_at: now });
      assert.equal(await a.transaction((tx) => tx.sandboxRail.revokeBinding(older.ref, now + 1)), false, 'revoked already');
      assert.deepEqual(await b.sandboxRail.binding(older.ref), { ...older, status: 'revoked', revoked_at: now }, 'the first revocation stays');
      assert.equal(await a.transaction((tx) => tx.sandboxRail.revokeBinding(newest.ref, now)), false, 'one that was never active');
      assert.deepEqual(await b.sandboxRail.binding(newest.ref), newest);
      assert.equal(await a.transaction((tx) => tx.sandboxRail.revokeBinding(uid('AS'), now)), false, 'no such binding');
    });

    it("signs a project's webhooks the Standard Webhooks way unless it asks for Smart Glocal's, and saves a change", async () => {
      const plain = { ...PROJECT, name: uid('plain') };
      const sg = { ...PROJECT, name: uid('sg'), webhookSigning: 'smartglocal' as const };
      await a.transaction(async (tx) => {
        await tx.projects.insert(plain);
        await tx.projects.insert(sg);
      });
      assert.equal((await b.projects.get(plain.name))?.webhookSigning, 'standard');
      assert.equal((await b.projects.get(sg.name))?.webhookSigning, 'smartglocal');
      const switched = (await a.transaction((tx) => tx.projects.get(plain.name)))!;
      await a.transaction((tx) => tx.projects.update({ ...switched, webhookSigning: 'smartglocal' }));
      assert.equal((await a.projects.get(plain.name))?.webhookSigning, 'smartglocal');
      assert.equal((await a.transaction((tx) => tx.projects.get(plain.name)))?.webhookSigning, 'smartglocal', 'read past the cache too');
      await assert.rejects(a.transaction((tx) => tx.projects.insert({ ...PROJECT, name: uid('bad'), webhookSigning: 'hmac' as never })));
      assert.ok((await b.projects.list()).some((p) => p.name === sg.name && p.webhookSigning === 'smartglocal'));
    });

    /** A subscription and the session of its first payment, committed. */
    const insertSubscription = async (over: Partial<SubscriptionRow> = {}) => {
      const session = sessionRow({ project: over.project ?? 'shop' });
      const row = subscriptionRow(session.id, over);
      await a.transaction(async (tx) => {
        await tx.sessions.insert(session);
        await tx.subscriptions.insert(row);
      });
      return row;
    };

    it("gives a subscription back as it was written, by id and by its page's token, and lists a project's newest first", async () => {
      const project = uid('subs');
      await a.transaction((tx) => tx.projects.insert({ ...PROJECT, name: project }));
      const t = Date.now();
      const card = cardRow({ project, recurrent: 1, recurrent_at: t });
      await a.transaction((tx) => tx.cards.insert(card));
      // Every nullable column set, money beyond 2^31, times beyond 2^31.
      const full = await insertSubscription({
        project, status: 'past_due', amount: 5_000_000_000, period_unit: 'week', period_count: 366, description: 'Coffee club',
        return_url: 'https://merchant.example/done', card_token: card.id, started_at: t - 1, current_period_end: t + 1,
        next_charge_at: t + 2, charge_session_id: uid('ses'), periods_paid: 3, failed_attempts: 2, cancel_at_period_end: 1,
        cancelled_at: t + 3, cancel_reason: 'customer', version: 4, created_at: t, updated_at: t + 4,
      });
      assert.deepEqual(await b.subscriptions.get(full.id), full);
      assert.deepEqual(await b.subscriptions.byPageToken(full.page_token_hash), full);
      assert.equal(await b.subscriptions.get(uid('sub')), undefined);
      assert.equal(await b.subscriptions.byPageToken('0'.repeat(64)), undefined);

      // Two made in one millisecond: the one made later is listed first.
      const second = await insertSubscription({ project, created_at: t + 10 });
      const third = await insertSubscription({ project, created_at: t + 10 });
      const older = await insertSubscription({ project, created_at: t - 10 });
      assert.deepEqual(ids(await b.subscriptions.list(project, 10)), ids([third, second, full, older]));
      assert.deepEqual(ids(await b.subscriptions.list(project, 2)), ids([third, second]), 'at most limit');
      assert.deepEqual(await b.subscriptions.list(uid('nobody'), 10), []);
      assert.deepEqual(await a.transaction((tx) => tx.subscriptions.list(project, 1)), [third], 'in a transaction too');
    });

    it("refuses a subscription the schema forbids: bad enums and counts, no first session, another's page token", async () => {
      const session = await insertSession();
      const refused = (over: Partial<SubscriptionRow>, why: string) =>
        assert.rejects(a.transaction((tx) => tx.subscriptions.insert(subscriptionRow(session.id, over))), why);
      await refused({ status: 'paused' as never }, 'an unknown status');
      await refused({ period_unit: 'hour' as never }, 'an unknown period unit');
      await refused({ period_count: 0 }, 'no period');
      await refused({ period_count: 367 }, 'a period count above 366');
      await refused({ amount: 0 }, 'a charge of nothing');
      await refused({ cancel_at_period_end: 2 }, 'a flag that is neither 0 nor 1');
      await refused({ periods_paid: -1 }, 'negative periods paid');
      await refused({ failed_attempts: -1 }, 'negative failed attempts');
      await refused({ first_session_id: uid('ses') }, 'a first session that does not exist');
      await refused({ card_token: uid('tok') }, 'a card token that does not exist');
      const taken = await insertSubscription();
      await refused({ page_token_hash: taken.page_token_hash }, "another subscription's page token");
    });

    it('updates a subscription only from the version it read, bumping it, and keeps what is fixed at creation', async () => {
      const row = await insertSubscription();
      const t = Date.now();
      const paid: SubscriptionRow = {
        ...row, status: 'active', started_at: t, current_period_end: t + 30 * 86_400_000, next_charge_at: t + 30 * 86_400_000,
        periods_paid: 1, card_token: null, description: 'renamed', updated_at: t + 1,
        // Fixed at creation: update leaves these as they were.
        project: uid('other'), first_session_id: uid('ses'), page_token_hash: 'f'.repeat(64), created_at: 1, version: 99,
      };
      await assert.rejects(a.transaction((tx) => tx.subscriptions.update(paid, 2)), SessionMoved, 'a version never stored');
      await assert.rejects(a.transaction((tx) => tx.subscriptions.update({ ...paid, id: uid('sub') }, 1)), SessionMoved, 'no such subscription');
      assert.deepEqual(await b.subscriptions.get(row.id), row, 'a refused update changes nothing');

      await a.transaction(async (tx) => {
        const locked = (await tx.subscriptions.lock(row.id))!;
        await tx.subscriptions.update(paid, locked.version);
      });
      const stored = (await b.subscriptions.get(row.id))!;
      assert.deepEqual(stored, {
        ...paid, project: row.project, first_session_id: row.first_session_id, page_token_hash: row.page_token_hash,
        created_at: row.created_at, version: 2,
      });
      await assert.rejects(a.transaction((tx) => tx.subscriptions.update({ ...stored, failed_attempts: 1 }, 1)), SessionMoved, 'the version it replaced');
      await a.transaction((tx) => tx.subscriptions.update({ ...stored, status: 'cancelled', next_charge_at: null, cancelled_at: t + 2 }, 2));
      assert.deepEqual(
        await b.subscriptions.get(row.id),
        { ...stored, status: 'cancelled', next_charge_at: null, cancelled_at: t + 2, version: 3 },
        'nullable columns are cleared too',
      );
      assert.equal(await a.transaction((tx) => tx.subscriptions.lock(uid('sub'))), undefined);
    });

    it("saves a subscription's FPS binding: by insert, and by update", async () => {
      const payment = await insertFpsPayment();
      const binding = bindingRow(payment.session_id, payment.id);
      const later = await insertFpsPayment();
      const next = bindingRow(later.session_id, later.id);
      await a.transaction(async (tx) => {
        await tx.bindings.insert(binding);
        await tx.bindings.insert(next);
      });
      const row = await insertSubscription({ binding_id: binding.id });
      assert.deepEqual(await b.subscriptions.get(row.id), row, 'insert saves binding_id');
      await a.transaction((tx) => tx.subscriptions.update({ ...row, binding_id: next.id }, row.version));
      assert.deepEqual(await b.subscriptions.get(row.id), { ...row, binding_id: next.id, version: 2 }, 'update saves binding_id');
      await a.transaction((tx) => tx.subscriptions.update({ ...row, binding_id: null }, 2));
      assert.deepEqual(await b.subscriptions.get(row.id), { ...row, binding_id: null, version: 3 }, 'and clears it');
      await assert.rejects(insertSubscription({ binding_id: uid('bnd') }), 'a binding that does not exist');
    });

    it('claims the due subscriptions only, oldest due first (ties by id), at most limit', async () => {
      const t = 2_000_000; // long before the other tests' subscriptions, which stay out of these claims
      const made = [];
      // Ids against the order they were made in, so the tie of the two due at t + 1 is broken by id.
      for (const [i, due] of [t + 3, t + 1, null, t + 2, t + 1_000, t + 1].entries()) {
        made.push(await insertSubscription({ id: `sub_claim_${'fecbda'[i]}_${randomBytes(4).toString('hex')}`, next_charge_at: due }));
      }
      const [late, early, , middle, , earlyToo] = made;
      const expected = ids([...[early!, earlyToo!].sort((x, y) => (x.id < y.id ? -1 : 1)), middle!, late!]);
      assert.deepEqual(ids(await a.transaction((tx) => tx.subscriptions.claimDue(t + 3, 10))), expected, 'due at or before now, in order');
      assert.deepEqual(ids(await a.transaction((tx) => tx.subscriptions.claimDue(t + 3, 2))), expected.slice(0, 2), 'at most limit');
      assert.deepEqual(await a.transaction((tx) => tx.subscriptions.claimDue(t, 10)), [], 'none due yet');
      const claimed = await a.transaction((tx) => tx.subscriptions.claimDue(t + 1, 10));
      assert.deepEqual(claimed, [early, earlyToo].sort((x, y) => (x!.id < y!.id ? -1 : 1)), 'whole rows, as written');

      // As the scheduler does: a claimed one whose charge is out (next_charge_at null) is due no more.
      await a.transaction(async (tx) => {
        for (const r of await tx.subscriptions.claimDue(t + 1_000, 10)) {
          await tx.subscriptions.update({ ...r, next_charge_at: null, charge_session_id: uid('ses') }, r.version);
        }
      });
      assert.deepEqual(await a.transaction((tx) => tx.subscriptions.claimDue(t + 1_000, 10)), [], 'taken out of the due ones');
    });

    it('shares the due subscriptions between two claiming transactions: none is taken by both', async () => {
      const t = 3_000_000;
      const due = [];
      for (let i = 0; i < 6; i++) due.push(await insertSubscription({ next_charge_at: t + i }));
      const all = due.map((r) => r.id);
      if (!concurrent) {
        // SQLite runs one transaction at a time: a claim takes whatever is due.
        assert.deepEqual(ids(await a.transaction((tx) => tx.subscriptions.claimDue(t + 10, 10))), all);
        await a.transaction(async (tx) => {
          for (const r of await tx.subscriptions.claimDue(t + 10, 10)) await tx.subscriptions.update({ ...r, next_charge_at: null }, r.version);
        });
        return;
      }
      const claimed = gate();
      const release = gate();
      const first = a.transaction(async (tx) => {
        const rows = await tx.subscriptions.claimDue(t + 10, 3);
        claimed.open();
        await release.promise;
        return rows;
      });
      await claimed.promise;
      let second: SubscriptionRow[];
      try {
        // It must not wait for the first (SKIP LOCKED): a wait would time the test out, the gate still closed.
        second = await b.transaction((tx) => tx.subscriptions.claimDue(t + 10, 10));
      } finally {
        release.open();
      }
      const byFirst = ids(await first);
      assert.deepEqual(byFirst, all.slice(0, 3), 'the first took the oldest due');
      assert.deepEqual(ids(second), all.slice(3), 'the second took the rest, none of the first');
      // Once the first has ended, its rows are free again (nothing changed them).
      assert.deepEqual(ids(await b.transaction((tx) => tx.subscriptions.claimDue(t + 10, 10))), all);
      await a.transaction(async (tx) => {
        for (const r of await tx.subscriptions.claimDue(t + 10, 10)) await tx.subscriptions.update({ ...r, next_charge_at: null }, r.version);
      });
    });

    it('makes two transactions that lock one subscription take turns, on two instances', async () => {
      const row = await insertSubscription();
      const take = (s: Storage, meanwhile?: () => Promise<void>) =>
        s.transaction(async (tx) => {
          const current = (await tx.subscriptions.lock(row.id))!;
          await meanwhile?.();
          await tx.subscriptions.update({ ...current, failed_attempts: current.failed_attempts + 1, updated_at: Date.now() }, current.version);
          return current.version;
        });
      assert.deepEqual(await takeTurns(a, b, 'subscription', take), [1, 2], 'the second read what the first wrote');
      const final = (await a.subscriptions.get(row.id))!;
      assert.deepEqual([final.failed_attempts, final.version], [2, 3], 'no write was lost');
    });

    it("records a subscription's charges once per period and attempt, and finds a session's charge", async () => {
      const sub = await insertSubscription({ status: 'active' });
      const other = await insertSubscription({ status: 'active' });
      const t = Date.now();
      const charge = async (subscriptionId: string, period: number, attempt: number): Promise<SubscriptionChargeRow> => {
        const session = sessionRow();
        const row = { session_id: session.id, subscription_id: subscriptionId, period, attempt, created_at: t + period * 10 + attempt };
        await a.transaction(async (tx) => {
          await tx.sessions.insert(session);
          await tx.subscriptions.insertCharge(row);
        });
        return row;
      };
      // Made out of order: charges() gives them oldest first, by period then attempt.
      const p3 = await charge(sub.id, 3, 1);
      const p2a2 = await charge(sub.id, 2, 2);
      const p2a1 = await charge(sub.id, 2, 1);
      const theirs = await charge(other.id, 2, 1); // the same period and attempt of another subscription is its own
      assert.deepEqual(await b.subscriptions.charges(sub.id), [p2a1, p2a2, p3]);
      assert.deepEqual(await b.subscriptions.charges(other.id), [theirs]);
      assert.deepEqual(await b.subscriptions.charges(uid('sub')), []);
      assert.deepEqual(await b.subscriptions.chargeOf(p2a2.session_id), p2a2);
      assert.equal(await b.subscriptions.chargeOf(sub.first_session_id), undefined, 'the first payment is no charge');

      const session = sessionRow();
      await a.transaction((tx) => tx.sessions.insert(session));
      const again = { session_id: session.id, subscription_id: sub.id, period: 2, attempt: 2, created_at: t };
      await assert.rejects(a.transaction((tx) => tx.subscriptions.insertCharge(again)), 'a period and attempt charged already');
      await assert.rejects(
        a.transaction((tx) => tx.subscriptions.insertCharge({ ...again, session_id: p3.session_id, period: 4, attempt: 1 })),
        'a session that is another charge already',
      );
      await assert.rejects(a.transaction((tx) => tx.subscriptions.insertCharge({ ...again, period: 4, attempt: 1, subscription_id: uid('sub') })), 'no such subscription');
      await assert.rejects(a.transaction((tx) => tx.subscriptions.insertCharge({ ...again, period: 4, attempt: 1, session_id: uid('ses') })), 'no such session');
      assert.deepEqual(await b.subscriptions.charges(sub.id), [p2a1, p2a2, p3], 'nothing of the refused ones was written');
      assert.equal(await b.subscriptions.chargeOf(session.id), undefined);
    });

    it('brings a database of before the acquirer port up to date, keeping its rows', async () => {
      const at = 1_700_000_000_000;
      // Two refunds made in one millisecond, ids against their order: the rebuild keeps the order they were made in.
      const seed = `
        INSERT INTO projects (name, public_key_pem, webhook_url, webhook_secret, created_at) VALUES ('old', 'pem', 'https://old.example/h', 'whsec_old', ${at});
        INSERT INTO sessions (id, project, status, amount, currency, confirmation, data_json, expires_at, created_at, updated_at)
          VALUES ('ses_old', 'old', 'accepted', 10000, 'RUB', 'auto', '{}', ${at + 60_000}, ${at}, ${at});
        INSERT INTO payments (id, session_id, status, method, stage, amount, currency, refunded_amount, rail_ref, details_json, created_at, updated_at)
          VALUES ('pay_old', 'ses_old', 'succeeded', 'fps', 'done', 10000, 'RUB', 3000, 'qr_old', '{"qr":1}', ${at}, ${at + 5})
        ;
        INSERT INTO refunds (id, payment_id, amount, currency, status, created_at) VALUES ('ref_z', 'pay_old', 1000, 'RUB', 'succeeded', ${at + 10});
        INSERT INTO refunds (id, payment_id, amount, currency, status, created_at) VALUES ('ref_a', 'pay_old', 2000, 'RUB', 'succeeded', ${at + 10});
        INSERT INTO refunds (id, payment_id, amount, currency, status, created_at) VALUES ('ref_f', 'pay_old', 500, 'RUB', 'failed', ${at + 20});
      `;
      const upgraded = await store.openMigratedFrom(BEFORE_ISSUE_13[store.name], seed);
      try {
        const s = upgraded.a;
        assert.equal((await s.projects.get('old'))?.webhookSigning, 'standard');
        assert.deepEqual(await s.sessions.payment('pay_old'), {
          id: 'pay_old', session_id: 'ses_old', status: 'succeeded', method: 'fps', stage: 'done', amount: 10_000, currency: 'RUB',
          refunded_amount: 3_000, card_token: null, rail_ref: 'qr_old', details_json: '{"qr":1}', rail_op: null, reconcile_at: null,
          rail_checks: 0, interaction_json: null, failure_code: null, failure_description: null, action_expires_at: null,
          confirm_expires_at: null, created_at: at, updated_at: at + 5,
        } satisfies PaymentRow);
        const made = (id: string, amount: number, status: RefundRow['status'], createdAt: number): RefundRow => ({
          id, payment_id: 'pay_old', amount, currency: 'RUB', status, failure_code: null, failure_description: null,
          reconcile_at: null, rail_checks: 0, created_at: createdAt, updated_at: createdAt,
        });
        assert.deepEqual(await s.sessions.refunds('pay_old'), [made('ref_z', 1000, 'succeeded', at + 10), made('ref_a', 2000, 'succeeded', at + 10), made('ref_f', 500, 'failed', at + 20)]);
        assert.deepEqual(await s.sessions.paymentByRailRef('qr_old'), await s.sessions.payment('pay_old'), 'its indexes still answer');

        // And the upgraded tables take what is new: a pending refund, still tied to its payment, and the rail's books.
        const pending = refundRow('pay_old', { reconcile_at: at + 30, created_at: at + 30, updated_at: at + 30 });
        await s.transaction((tx) => tx.sessions.insertRefund(pending));
        assert.deepEqual(await s.sessions.refundsToReconcile(at + 30, 10), [pending]);
        assert.deepEqual((await s.sessions.refunds('pay_old')).at(-1), pending);
        await assert.rejects(s.transaction((tx) => tx.sessions.insertRefund(refundRow('pay_missing'))), 'a refund of no payment');
        await assert.rejects(s.transaction((tx) => tx.sessions.insertRefund(refundRow('pay_old', { amount: 0 }))), 'a refund of nothing');
        const rail = railPaymentRow();
        await s.transaction((tx) => tx.sandboxRail.insertPayment(rail));
        assert.deepEqual(await s.sandboxRail.paymentByRef(rail.ref!), rail);
        const sub = subscriptionRow('ses_old', { project: 'old', next_charge_at: at });
        await s.transaction((tx) => tx.subscriptions.insert(sub));
        assert.deepEqual(await s.transaction((tx) => tx.subscriptions.claimDue(at, 10)), [sub], 'and subscriptions');
      } finally {
        await upgraded.close();
      }
    });

    it('brings a database of before FPS bindings up to date: its rail payments bind nothing, its subscriptions have no binding', async () => {
      const at = 1_700_000_000_000;
      const seed = `
        ${paidFpsSession('old', at)}
        INSERT INTO sandbox_rail_payments (payment_id, method, status, amount, currency, ref, capture_on_approval, created_at, updated_at)
          VALUES ('pay_old', 'fps', 'captured', 10000, 'RUB', 'qr_old', 1, ${at}, ${at});
        INSERT INTO subscriptions (id, project, status, customer_json, amount, currency, period_unit, period_count, first_session_id,
            page_token_hash, created_at, updated_at)
          VALUES ('sub_old', 'old', 'pending', '{}', 10000, 'RUB', 'month', 1, 'ses_old', 'hash_old', ${at}, ${at});
      `;
      const upgraded = await store.openMigratedFrom(BEFORE_BINDINGS[store.name], seed);
      try {
        const s = upgraded.a;
        assert.equal((await s.sandboxRail.payment('pay_old'))?.binds, 0);
        assert.equal((await s.subscriptions.get('sub_old'))?.binding_id, null);
        // And the new tables take rows tied to the old ones.
        const binding = bindingRow('ses_old', 'pay_old', { project: 'old' });
        await s.transaction((tx) => tx.bindings.insert(binding));
        assert.deepEqual(await s.bindings.byPayment('pay_old'), binding);
        const railBinding = railBindingRow('pay_old');
        await s.transaction((tx) => tx.sandboxRail.insertBinding(railBinding));
        assert.deepEqual(await s.sandboxRail.bindings(10), [railBinding]);
        const sub = (await s.subscriptions.get('sub_old'))!;
        await s.transaction((tx) => tx.subscriptions.update({ ...sub, binding_id: binding.id }, sub.version));
        assert.equal((await s.subscriptions.get('sub_old'))?.binding_id, binding.id);
      } finally {
        await upgraded.close();
      }
    });

    it('brings a database of before bindings without paying up to date: a binding may take 0 kopecks, nothing else may', async () => {
      const at = 1_700_000_000_000;
      const seed = paidFpsSession('shop', at);
      const upgraded = await store.openMigratedFrom(BEFORE_BINDING_ONLY[store.name], seed);
      try {
        const s = upgraded.a;
        assert.equal((await s.sessions.payment('pay_old'))?.amount, 10_000, 'the old rows stay');
        const binding = sessionRow({ amount: 0 });
        await s.transaction((tx) => tx.sessions.insert(binding));
        const payment = paymentRow(binding.id, { method: 'fps', amount: 0, status: 'succeeded' });
        await s.transaction((tx) => tx.sessions.insertPayment(payment));
        assert.deepEqual(await s.sessions.payment(payment.id), payment);
        const atBank = railPaymentRow({ amount: 0, binds: 1 });
        await s.transaction((tx) => tx.sandboxRail.insertPayment(atBank));
        assert.deepEqual(await s.sandboxRail.payment(atBank.payment_id), atBank);

        await assert.rejects(s.transaction((tx) => tx.sessions.insert(sessionRow({ amount: -1 }))), CHECK_FAILED, 'a session of less than nothing');
        await assert.rejects(s.transaction((tx) => tx.sessions.insertPayment(paymentRow('ses_old', { method: 'card', amount: 0 }))), CHECK_FAILED, 'a card payment of nothing');
        await assert.rejects(s.transaction((tx) => tx.sandboxRail.insertPayment(railPaymentRow({ amount: 0, binds: 0 }))), CHECK_FAILED, 'a rail payment of nothing that binds nothing');
        await assert.rejects(s.transaction((tx) => tx.sessions.updatePayment({ ...payment, refunded_amount: 1 })), CHECK_FAILED, 'a refund of a binding');
      } finally {
        await upgraded.close();
      }
    });

    it('answers a ping', async () => {
      await a.ping();
      await b.ping();
    });
  });
}

describe('PostgreSQL storage', { skip: noPostgres }, () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  const opened: PostgresStorage[] = [];
  const open = async (instanceId: string) => {
    const s = await PostgresStorage.open(db.url, { instanceId, poolSize: 4 });
    opened.push(s);
    return s;
  };
  before(async () => {
    db = await freshDatabase();
    const s = await open('setup');
    await s.transaction((tx) => tx.projects.insert(PROJECT));
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await db?.drop();
  });

  it('runs a transaction that PostgreSQL failed to break a deadlock again, with fresh hooks', async () => {
    const [a, b] = [await open('dl-a'), await open('dl-b')];
    const [s1, s2] = [sessionRow(), sessionRow()];
    await a.transaction(async (tx) => {
      await tx.sessions.insert(s1);
      await tx.sessions.insert(s2);
    });
    const firstHolds = gate();
    const secondHolds = gate();
    let tries = 0;
    const hooks: string[] = [];
    // Each takes one session, waits for the other to take the other, then wants it: a deadlock.
    const crossed = (s: PostgresStorage, mine: string, theirs: string, holding: ReturnType<typeof gate>, other: ReturnType<typeof gate>) =>
      s.transaction(async (tx) => {
        tries++;
        tx.afterCommit(() => hooks.push(mine));
        await tx.sessions.lock(mine);
        holding.open();
        await other.promise;
        await tx.sessions.lock(theirs);
      });
    await Promise.all([crossed(a, s1.id, s2.id, firstHolds, secondHolds), crossed(b, s2.id, s1.id, secondHolds, firstHolds)]);
    // Three tries, unless the retry deadlocked again (PostgreSQL does not grant row locks in turn).
    assert.ok(tries >= 3, 'one of the two ran again');
    assert.deepEqual([...hooks].sort(), [s1.id, s2.id].sort(), 'each hook ran once: the failed try left none');
  });

  it('fails with StorageUnavailable, fast, when the database cannot be reached', async () => {
    const started = Date.now();
    await assert.rejects(PostgresStorage.open('postgres://postgres@127.0.0.1:1/nothing'), StorageUnavailable);
    assert.ok(Date.now() - started < 4_000);
  });

  it('maps a connection lost mid-transaction to StorageUnavailable, then works again and tells its listeners to re-read', async () => {
    const s = await open('victim');
    const other = await open('survivor');
    const heard: (string | null)[] = [];
    s.onSessionChanged((id) => heard.push(id));
    const row = sessionRow();
    await s.transaction((tx) => tx.sessions.insert(row));
    const locked = gate();
    const release = gate();
    const doomed = s.transaction(async (tx) => {
      const current = (await tx.sessions.lock(row.id))!;
      locked.open();
      await release.promise;
      await tx.sessions.update({ ...current, status: 'cancelled' }, current.version);
    });
    await locked.promise;
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      // Every connection of that instance: the transaction's, the idle ones and the change feed's.
      const { rowCount } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sg-checkout victim'`);
      assert.ok(rowCount! >= 2);
    } finally {
      await admin.end();
    }
    await sleep(50);
    release.open();
    await assert.rejects(doomed, StorageUnavailable);

    assert.deepEqual(await s.sessions.get(row.id), row, 'the rollback stands; reads work again');
    await s.transaction((tx) => tx.sessions.touch(row.id, 1, Date.now()));
    await waitFor('the change feed to reconnect', () => heard.includes(null));
    await other.transaction(async (tx) => tx.sessionChanged(row.id));
    await waitFor("another instance's change after the reconnect", () => heard.includes(row.id));
  });

  it('points a backup at pg_dump', async () => {
    const s = await open('backup');
    await assert.rejects(s.backup('/tmp/x'), /pg_dump/);
  });
});
