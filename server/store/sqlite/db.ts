import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type LooseningChecks } from './migrations';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the SQLite file and brings its schema up to date.
 * WAL lets readers (long-polls, the CLI, a backup) run beside the one writer. `synchronous = FULL`
 * makes COMMIT wait until the change would survive a power cut, which a checkout owes its
 * merchants; `NORMAL` is only for a connection whose commits a WalFlusher makes durable.
 */
export function openDb(file: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  // Another process (the CLI, a second server) may hold the write lock for a moment: wait, don't fail.
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}

/**
 * Runs the migrations not yet applied, up to `upTo` of them (all by default: a test may stop
 * earlier to seed an old schema), each in an IMMEDIATE transaction that reads which one is next
 * under the write lock: another process opening the same file at once finds it applied.
 */
export function migrate(db: Db, upTo = MIGRATIONS.length): void {
  const next = db.transaction((): boolean => {
    const applied = db.pragma('user_version', { simple: true }) as number;
    if (applied >= upTo) return false;
    const migration = MIGRATIONS[applied]!;
    if (typeof migration === 'string') db.exec(migration);
    else loosenChecks(db, migration);
    db.pragma(`user_version = ${applied + 1}`);
    return true;
  });
  let more = true;
  while (more) more = next.immediate();
}

/**
 * Rewrites CHECK constraints in the tables' stored CREATE statements (see LooseningChecks), inside
 * the migration's transaction, in the order SQLite documents: the schema table writable only for
 * the rewrite (better-sqlite3 opens connections in SQLite's defensive mode, which forbids it
 * otherwise), the schema version moved on (so every other connection, another instance or the CLI,
 * reads the new schema before its next statement), then, with the schema read-only again, each
 * table read through its new statement and the file checked. A rewrite SQLite cannot parse throws
 * there, and none of it commits.
 */
export function loosenChecks(db: Db, migration: LooseningChecks): void {
  const version = db.pragma('schema_version', { simple: true }) as number;
  const read = db.prepare<[string], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?");
  const rewrites = migration.loosen.map(({ table, from, to }) => {
    const sql = read.get(table)?.sql;
    if (!sql || sql.split(from).length !== 2) throw new Error(`migration: table ${table} does not read "${from}" exactly once`);
    return { table, sql: sql.replace(from, to) };
  });
  db.unsafeMode(true);
  try {
    db.pragma('writable_schema = ON');
    const write = db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?");
    for (const { table, sql } of rewrites) write.run(sql, table);
    db.pragma(`schema_version = ${version + 1}`);
  } finally {
    db.pragma('writable_schema = OFF');
    db.unsafeMode(false);
  }
  for (const { table } of rewrites) db.prepare(`SELECT * FROM ${table} LIMIT 0`).all();
  const problems = db.pragma('quick_check') as { quick_check: string }[];
  if (problems[0]?.quick_check !== 'ok') throw new Error(`migration: quick check after loosening CHECKs: ${problems.map((p) => p.quick_check).join('; ')}`);
}
