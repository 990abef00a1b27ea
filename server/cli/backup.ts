import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Storage } from '../store/port';
import { CliError } from './args';

/** A consistent online copy through SQLite's backup API: safe while the server keeps writing. PostgreSQL: pg_dump. */
export async function backupCommand(store: Storage, args: string[]): Promise<unknown> {
  const [file] = args;
  if (store.kind === 'postgres') throw new CliError('the data is in PostgreSQL (DATABASE_URL): back it up with pg_dump "$DATABASE_URL" --format=custom --file=sg-checkout.dump, a consistent copy taken while the servers run');
  if (!file) throw new CliError('give the backup file: npm run backup -- backups/sg-checkout.sqlite');
  const target = resolve(file);
  if (existsSync(target)) throw new CliError(`${target} exists: choose a new file name, a backup never overwrites`);
  const started = Date.now();
  await store.backup(target);
  return { backup: target, duration_ms: Date.now() - started };
}
