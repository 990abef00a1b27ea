import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Store } from '../store/store';
import { CliError } from './args';

/** A consistent online copy through SQLite's backup API: safe while the server keeps writing. */
export async function backupCommand(store: Store, args: string[]): Promise<unknown> {
  const [file] = args;
  if (!file) throw new CliError('give the backup file: npm run backup -- backups/sg-checkout.sqlite');
  const target = resolve(file);
  if (existsSync(target)) throw new CliError(`${target} exists: choose a new file name, a backup never overwrites`);
  const started = Date.now();
  await store.db.backup(target);
  return { backup: target, duration_ms: Date.now() - started };
}
