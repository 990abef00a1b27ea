/**
 * The PostgreSQL schema: it applies once (also with two instances starting together), matches the
 * SQLite schema column for column, and refuses what the SQLite one refuses.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import pg from 'pg';
import { migrate } from '../../server/store/sqlite/db';
import { PG_MIGRATIONS } from '../../server/store/postgres/migrations';
import { migratePostgres } from '../../server/store/postgres/migrate';
import { freshDatabase, postgresAvailable } from '../support/pg-databases';

const skip = postgresAvailable()
  ? false
  : 'no PostgreSQL: SG_TEST_POSTGRES is unset (run through test/support/with-postgres.ts, as npm test does, or set DATABASE_URL)';

const drops: Array<() => Promise<void>> = [];
const clients: pg.Client[] = [];

async function connectedDatabase(): Promise<{ url: string; client: pg.Client }> {
  const db = await freshDatabase();
  drops.push(db.drop);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  clients.push(client);
  return { url: db.url, client };
}

/** Asserts that the query fails with this SQLSTATE (and constraint, when given). */
async function refused(promise: Promise<unknown>, code: string, constraint?: string): Promise<void> {
  await assert.rejects(promise, (err: pg.DatabaseError) => {
    assert.equal(err.code, code, err.message);
    if (constraint) assert.equal(err.constraint, constraint);
    return true;
  });
}

describe('PostgreSQL migrations', { skip }, () => {
  after(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    await Promise.all(drops.map((drop) => drop()));
  });

  test('apply on an empty database, and a second run applies nothing', async () => {
    const { client } = await connectedDatabase();
    assert.equal(await migratePostgres(client), PG_MIGRATIONS.length);
    assert.equal(await migratePostgres(client), 0);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), PG_MIGRATIONS.map((_, i) => i + 1));
  });

  test('two instances migrating at once: both succeed, each version is applied once', async () => {
    const { url, client: first } = await connectedDatabase();
    const second = new pg.Client({ connectionString: url });
    await second.connect();
    clients.push(second);
    const ran = await Promise.all([migratePostgres(first), migratePostgres(second)]);
    assert.deepEqual([...ran].sort(), [0, PG_MIGRATIONS.length].sort(), 'one instance applied everything, the other nothing');
    const { rows } = await first.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT version)::int AS distinct FROM schema_migrations',
    );
    assert.deepEqual(rows[0], { n: PG_MIGRATIONS.length, distinct: PG_MIGRATIONS.length });
    // pg_locks is cluster-wide (other test files migrate beside this one): only this database's locks.
    const locks = await first.query(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    assert.equal(locks.rowCount, 0, 'the migration lock is released');
  });

  test('matches the SQLite schema: same columns, nullability, defaults, indexes and foreign keys', async () => {
    const { client } = await connectedDatabase();
    await migratePostgres(client);
    const lite = new Database(':memory:');
    migrate(lite);
    const tables = lite
      .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .all()
      .map((t) => t.name);

    const pgColumns = await client.query<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
      `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const pgTables = new Set(pgColumns.rows.map((c) => c.table_name));
    assert.deepEqual([...pgTables].filter((t) => t !== 'schema_migrations').sort(), tables);

    // Columns PostgreSQL needs and SQLite may lack (it orders by rowid; its single sender needs no lease).
    const extra = new Set(['payments.seq', 'refunds.seq', 'webhook_events.seq', 'payment_links.seq', 'subscriptions.seq', 'webhook_events.lease_owner', 'webhook_events.lease_until']);
    for (const table of tables) {
      type Col = { name: string; type: string; notnull: number; dflt_value: string | null; pk: number };
      const liteCols = lite.prepare<[], Col>(`PRAGMA table_info(${table})`).all();
      const liteNames = new Set(liteCols.map((c) => c.name));
      const mine = pgColumns.rows.filter((c) => c.table_name === table);
      assert.deepEqual(
        mine.map((c) => c.column_name).filter((c) => liteNames.has(c) || !extra.has(`${table}.${c}`)).sort(),
        liteCols.map((c) => c.name).sort(),
        `${table}: the same columns`,
      );
      for (const col of liteCols) {
        const p = mine.find((c) => c.column_name === col.name)!;
        const where = `${table}.${col.name}`;
        const types = col.type === 'INTEGER' ? ['integer', 'bigint'] : col.type === 'TEXT' ? ['text'] : [];
        assert.ok(types.includes(p.data_type), `${where}: ${col.type} became ${p.data_type}`);
        // SQLite lets a TEXT PRIMARY KEY hold NULL by accident; PostgreSQL's keys are NOT NULL.
        assert.equal(p.is_nullable === 'NO', col.notnull === 1 || col.pk > 0, `${where}: nullability`);
        if (col.pk === 0 || col.type !== 'INTEGER') {
          assert.equal(p.column_default?.replace(/::[a-z ]+$/, '') ?? null, col.dflt_value, `${where}: default`);
        }
      }
    }

    const liteIndexes = lite
      .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
      .all()
      .map((i) => i.name);
    const pgIndexes = new Set((await client.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`)).rows.map((r) => r.indexname));
    for (const name of liteIndexes) assert.ok(pgIndexes.has(name), `index ${name} exists`);

    const liteFks = tables.flatMap((t) =>
      lite.prepare<[], { table: string; from: string; to: string }>(`PRAGMA foreign_key_list(${t})`).all().map((fk) => `${t}.${fk.from} -> ${fk.table}.${fk.to}`),
    );
    const pgFks = await client.query<{ fk: string }>(
      `SELECT c.conrelid::regclass::text || '.' || a.attname || ' -> ' || c.confrelid::regclass::text || '.' || af.attname AS fk
         FROM pg_constraint c
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1]
        WHERE c.contype = 'f'`,
    );
    assert.deepEqual(pgFks.rows.map((r) => r.fk).sort(), liteFks.sort());
    lite.close();
  });

  describe('refuses what the SQLite schema refuses', () => {
    let db: pg.Client;
    const now = Date.now(); // above 2^31: times must be BIGINT
    let n = 0;
    const payment = (sessionId: string, status: string, extra: { amount?: number; refunded?: number; railRef?: string } = {}) =>
      db.query(
        `INSERT INTO payments (id, session_id, status, method, stage, amount, currency, refunded_amount, rail_ref, details_json, created_at, updated_at)
         VALUES ($1, $2, $3, 'card', 'x', $4, 'RUB', $5, $6, '{}', $7, $7) RETURNING seq`,
        [`pay_${++n}`, sessionId, status, extra.amount ?? 10_000, extra.refunded ?? 0, extra.railRef ?? null, now],
      );
    const session = (id: string, amount = 10_000) =>
      db.query(
        `INSERT INTO sessions (id, project, status, amount, currency, confirmation, data_json, expires_at, created_at, updated_at)
         VALUES ($1, 'shop', 'created', $2, 'RUB', 'auto', '{}', $3, $3, $3)`,
        [id, amount, now],
      );

    before(async () => {
      db = (await connectedDatabase()).client;
      await migratePostgres(db);
      await db.query(
        `INSERT INTO projects (name, public_key_pem, webhook_url, webhook_secret, created_at) VALUES ('shop', 'pem', 'https://x.example/h', 'whsec_x', $1)`,
        [now],
      );
      await session('ses_1');
    });

    test('a second live payment for one session (the partial unique index)', async () => {
      await session('ses_active');
      const first = await payment('ses_active', 'in_progress');
      await refused(payment('ses_active', 'pending'), '23505', 'payments_one_active_per_session');
      await db.query(`UPDATE payments SET status = 'failed' WHERE session_id = 'ses_active'`);
      const next = await payment('ses_active', 'pending');
      assert.ok(BigInt(next.rows[0].seq) > BigInt(first.rows[0].seq), 'seq follows insertion order');
    });

    test('money out of range: refunded above the amount, negative amounts, a card payment of nothing', async () => {
      await refused(payment('ses_1', 'succeeded', { amount: 100, refunded: 101 }), '23514', 'payments_check');
      await refused(payment('ses_1', 'succeeded', { refunded: -1 }), '23514');
      await refused(payment('ses_1', 'succeeded', { amount: -5 }), '23514');
      await refused(payment('ses_1', 'succeeded', { amount: 0 }), '23514', 'payments_amount_check');
      await refused(session('ses_negative', -1), '23514');
      // A session of nothing is one that binds an FPS account without paying.
      await session('ses_zero', 0);
      // Kopecks beyond 2^31 fit (BIGINT).
      await payment('ses_1', 'succeeded', { amount: 10_000_000_000, refunded: 10_000_000_000 });
    });

    test('unknown references, duplicate rail refs, bad enums, a last4 that is not 4 long', async () => {
      await refused(payment('ses_missing', 'succeeded'), '23503');
      await payment('ses_1', 'failed', { railRef: 'rail_1' });
      await refused(payment('ses_1', 'failed', { railRef: 'rail_1' }), '23505');
      await refused(payment('ses_1', 'refunded'), '23514');
      await refused(
        db.query(`UPDATE projects SET locale = 'de'`),
        '23514',
      );
      await refused(
        db.query(
          `INSERT INTO card_tokens (id, project, brand, last4, expiry_month, expiry_year, scenario, created_at)
           VALUES ('tok_1', 'shop', 'visa', '123', 12, 2030, 'ok', $1)`,
          [now],
        ),
        '23514',
      );
      await refused(
        db.query(`INSERT INTO public_tokens (token_hash, session_id, created_at) VALUES ('h', 'ses_missing', $1)`, [now]),
        '23503',
      );
    });

    test('identity columns are generated, never written', async () => {
      const pay = await payment('ses_1', 'failed');
      const pushed = await db.query<{ id: string }>(
        `INSERT INTO sandbox_pushes (payment_id, phone, text, created_at) SELECT id, '+7900', 'code', $1 FROM payments WHERE seq = $2 RETURNING id`,
        [now, pay.rows[0].seq],
      );
      assert.ok(Number(pushed.rows[0]!.id) > 0);
      await refused(
        db.query(`INSERT INTO sandbox_pushes (id, payment_id, phone, text, created_at) VALUES (1, 'pay_1', 'p', 't', $1)`, [now]),
        '428C9',
      );
    });
  });
});
