import type { Config } from '../config';
import { dbFile } from '../config';
import type { Storage } from './port';
import { SqliteStorage, type Durability } from './sqlite/storage';

/**
 * The storage the configuration names: PostgreSQL when DATABASE_URL is set, else the SQLite file
 * in DATA_DIR. `durability` matters to SQLite only (the server syncs off the event loop, the CLI
 * on each commit). PostgreSQL's client is loaded only when it is used.
 */
export async function openStorage(config: Pick<Config, 'dataDir' | 'databaseUrl' | 'databasePoolSize'>, durability: Durability): Promise<Storage> {
  if (!config.databaseUrl) return SqliteStorage.open(dbFile(config), durability);
  const { PostgresStorage } = await import('./postgres/storage');
  return PostgresStorage.open(config.databaseUrl, { poolSize: config.databasePoolSize });
}
