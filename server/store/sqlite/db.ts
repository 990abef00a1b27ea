import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations';

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

function migrate(db: Db): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  for (let i = applied; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    }).immediate();
  }
}
