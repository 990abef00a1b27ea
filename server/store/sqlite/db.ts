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

/** Runs the migrations not yet applied, up to `upTo` of them (all by default: a test may stop earlier to seed an old schema). */
export function migrate(db: Db, upTo = MIGRATIONS.length): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let i = applied; i < upTo; i++) {
    const migration = MIGRATIONS[i]!;
    const run = () => {
      if (typeof migration === 'string') db.exec(migration);
      else loosenChecks(db, migration);
      db.pragma(`user_version = ${i + 1}`);
    };
    if (typeof migration === 'string') db.transaction(run).immediate();
    else withSchemaWritable(db, () => db.transaction(run).immediate());
  }
}

/**
 * Rewrites CHECK constraints in the tables' stored CREATE statements (see LooseningChecks), in
 * the migration's transaction: the schema version moves on, so every other connection (another
 * instance, the CLI) reads the new schema before its next statement, and the result must pass
 * SQLite's integrity check or nothing of it commits.
 */
function loosenChecks(db: Db, migration: LooseningChecks): void {
  const version = db.pragma('schema_version', { simple: true }) as number;
  const read = db.prepare<[string], { sql: string }>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?");
  const write = db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?");
  for (const { table, from, to } of migration.loosen) {
    const sql = read.get(table)?.sql;
    if (!sql || sql.split(from).length !== 2) throw new Error(`migration: table ${table} does not read "${from}" exactly once`);
    write.run(sql.replace(from, to), table);
  }
  db.pragma(`schema_version = ${version + 1}`);
  const problems = db.pragma('integrity_check') as { integrity_check: string }[];
  if (problems[0]?.integrity_check !== 'ok') throw new Error(`migration: integrity check after loosening CHECKs: ${problems.map((p) => p.integrity_check).join('; ')}`);
}

/** Runs `step` with the schema table writable: better-sqlite3 opens connections in SQLite's defensive mode, which forbids it. */
function withSchemaWritable(db: Db, step: () => void): void {
  db.unsafeMode(true);
  db.pragma('writable_schema = ON');
  try {
    step();
  } finally {
    db.pragma('writable_schema = OFF');
    db.unsafeMode(false);
  }
}
