import type { ClientBase } from 'pg';
import { PG_MIGRATIONS } from './migrations';

/**
 * The key of the session-level advisory lock that serialises migrations across instances:
 * the bytes of "sg-check" read as a big-endian int8 (0x73672d636865636b). Fixed forever, so
 * every version of the app takes the same lock.
 */
const MIGRATION_LOCK_KEY = '8315665141939397483';

/**
 * Brings the PostgreSQL schema up to date and returns how many migrations ran. Several instances
 * may start at once on one database: each waits for the advisory lock (advisory locks are per
 * database), so only the first applies anything and the others then find nothing to do. Each
 * migration runs in its own transaction with its version row, so a failure leaves the schema at
 * the last complete step.
 */
export async function migratePostgres(client: ClientBase): Promise<number> {
  await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
  try {
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.version));
    let ran = 0;
    for (let i = 0; i < PG_MIGRATIONS.length; i++) {
      const version = i + 1;
      if (applied.has(version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(PG_MIGRATIONS[i]!); // no parameters: the simple protocol runs several statements
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
      ran++;
    }
    return ran;
  } finally {
    await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => {});
  }
}
