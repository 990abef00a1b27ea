import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { migratePostgres } from './migrate';
import { PgTables, type Queryable } from './tables';
import { ChangeFeed, SESSION_CHANNEL } from './change-feed';
import { ProjectCache } from '../project-cache';
import { transactionView } from '../transaction-view';
import { CommitOutcomeUnknown, StorageUnavailable, runHooks } from '../errors';
import type { SessionChangeListener, Storage, Tx } from '../port';

/**
 * int8 as a JS number, for this storage's connections only (pg's global parsers stay as they
 * are): times are ms since the epoch and money is kopecks, both far inside 2^53. pg's default
 * for int8 is a string, which would break every comparison and sum the server makes.
 */
const TYPES = new pg.TypeOverrides();
TYPES.setTypeParser(20, 'text', Number);

/**
 * How long a request may wait for a connection (a free one of the pool, or a new one): bounded, so
 * it is answered 503 rather than left hanging when the database is away (a refused connection
 * fails at once anyway), and long enough that a burst queueing for the pool on a busy machine (20
 * requests behind one session's row lock, say) is served rather than refused.
 */
const CONNECT_TIMEOUT_MS = 5_000;
/** No statement the server makes takes long; one that does is stuck (a lock held by a stalled peer, say). */
const STATEMENT_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 2_000;
const IDLE_IN_TRANSACTION_MS = 15_000;
/** A transaction is tried this often in all when PostgreSQL breaks a deadlock or a serialization conflict by failing it. */
const ATTEMPTS = 4;

/** The errors that say the database cannot be reached or has stopped working, rather than that a statement was wrong. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// 57P01-03: the server is shutting down or starting; 53300: no connection slot left; 57014: a statement
// outlived statement_timeout (a lock held by a stalled peer: retry later, 503); class 08: the connection failed.
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);
const CLIENT_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable/;

function isUnavailable(error: unknown): boolean {
  if (error instanceof StorageUnavailable) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || SERVER_CODES.has(code) || /^08/.test(code))) return true;
  return CLIENT_MESSAGES.test(error.message);
}
const mapped = (error: unknown): unknown => (isUnavailable(error) && !(error instanceof StorageUnavailable) ? new StorageUnavailable(error) : error);
const retryable = (error: unknown): boolean => ['40001', '40P01'].includes((error as { code?: unknown } | null)?.code as string);

/**
 * Each statement with parameters is a named prepared statement: a connection parses and plans
 * it once and then only binds values (pg keeps the names per connection). The server's few
 * dozen statements are fixed strings, so the names stay few.
 */
const statementNames = new Map<string, string>();
const named = (text: string) => {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `sg${statementNames.size + 1}`));
  return name;
};

/** Every query through here: a connection failure reaches the caller as StorageUnavailable, whatever else as it was. */
const guarded = (db: Queryable): Queryable => ({
  query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) =>
    (values?.length ? (db as pg.Pool).query<R>({ name: named(text), text, values }) : db.query<R>(text, values)).catch((error: unknown) => {
      throw mapped(error);
    }),
});

/**
 * The store for several instances: PostgreSQL through a bounded pg pool.
 *
 * Transactions run at READ COMMITTED, each on a client of its own, many at once: what makes a
 * session's transitions take turns is `sessions.lock` (SELECT … FOR UPDATE), on every instance
 * alike. Reads outside a transaction run on the pool and see committed rows only.
 *
 * Session changes reach the other instances through NOTIFY, which PostgreSQL sends only once the
 * transaction commits, and come back through the change feed (change-feed.ts).
 *
 * COMMIT returns once the change is durable (synchronous_commit on), so `whenDurable()` is null.
 */
export class PostgresStorage implements Storage {
  readonly kind = 'postgres' as const;
  readonly projects;
  readonly sessions;
  readonly cards;
  readonly bindings;
  readonly outbox;
  readonly idempotency;
  readonly links;
  readonly subscriptions;
  readonly pushes;
  readonly sandboxRail;
  private readonly cache = new ProjectCache();
  private readonly listeners: SessionChangeListener[] = [];
  private readonly pooled: Queryable;
  private readonly feed: ChangeFeed;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly instanceId: string,
    feedConfig: pg.ClientConfig,
  ) {
    this.pooled = guarded(pool);
    ({ projects: this.projects, sessions: this.sessions, cards: this.cards, bindings: this.bindings, outbox: this.outbox, idempotency: this.idempotency, links: this.links, subscriptions: this.subscriptions, pushes: this.pushes, sandboxRail: this.sandboxRail } =
      new PgTables(this.pooled, this.cache));
    this.feed = new ChangeFeed(feedConfig, instanceId, (sessionId) => this.announce(sessionId));
  }

  /**
   * Connects, brings the schema up to date and starts listening for other instances' changes.
   * Several instances may open at once: migratePostgres takes a lock. `instanceId` names this
   * instance in notifications and in pg_stat_activity (default: a random one).
   */
  static async open(url: string, opts: { poolSize?: number; instanceId?: string } = {}): Promise<PostgresStorage> {
    const instanceId = opts.instanceId ?? randomBytes(6).toString('hex');
    const base = { connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: `sg-checkout ${instanceId}` };
    const pool = new pg.Pool({
      ...base,
      max: opts.poolSize ?? 10,
      types: TYPES,
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS + 1_000, // the server's own timeout speaks first; this one covers a dead connection
      // A body waits only on the database, so a transaction idle this long belongs to an instance
      // that froze or lost its network: PostgreSQL ends it and frees its row locks, rather than
      // leaving them held until TCP notices (hours). keepAlive lets the sockets notice too.
      idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_MS,
      keepAlive: true,
    });
    // An idle client errors when PostgreSQL restarts; the pool drops it, and the next request connects anew.
    pool.on('error', (error) => console.error(`postgres: an idle connection failed (${error.message}); it is replaced on next use`));
    try {
      await migrate({ ...base, types: TYPES });
      const storage = new PostgresStorage(pool, instanceId, { ...base, query_timeout: 5_000 });
      await storage.feed.start();
      return storage;
    } catch (error) {
      await pool.end().catch(() => {});
      throw mapped(error);
    }
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(fn);
      } catch (error) {
        if (attempt >= ATTEMPTS || !retryable(error)) throw error;
        // PostgreSQL rolled it back to break a deadlock (or a serialization conflict): run it again
        // from the start, a moment later. Row locks are not granted in turn: straight away, the
        // retry could take its first row before the waiter that won does, and deadlock again.
        await sleep(Math.random() * 20 * attempt);
      }
    }
  }

  private async attempt<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((error: unknown) => {
      throw mapped(error);
    });
    // The socket may die while the body awaits between statements: pg then emits 'error' on the
    // client, which must be heard (an unheard one crashes the process); the next query fails too.
    let broken: Error | undefined;
    const onError = (error: Error) => (broken ??= error);
    client.on('error', onError);
    const db = guarded(client);
    const hooks: (() => void)[] = [];
    const changed = new Set<string>();
    let value: T;
    try {
      await db.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      value = await fn(this.tx(db, hooks, changed));
      if (changed.size) {
        // Queued by PostgreSQL and sent to the listeners only if the COMMIT below succeeds.
        await db.query(`SELECT pg_notify('${SESSION_CHANNEL}', $1::text || ' ' || id) FROM unnest($2::text[]) AS id`, [this.instanceId, [...changed]]);
      }
      // A transaction whose body caught a failed statement is aborted, and its COMMIT answers ROLLBACK.
      // A connection lost during COMMIT leaves the outcome unknown: the database may have committed.
      const committed = await db.query('COMMIT').catch((error: unknown) => {
        broken ??= error instanceof Error ? error : new Error(String(error));
        throw error instanceof StorageUnavailable ? new CommitOutcomeUnknown(error.cause) : error;
      });
      if (committed.command === 'ROLLBACK') {
        throw new Error('the transaction was rolled back: a statement in it failed and the failure was caught instead of ending the transaction');
      }
    } catch (error) {
      if (error instanceof StorageUnavailable) broken ??= error;
      if (!broken) await client.query('ROLLBACK').catch((e: Error) => (broken ??= e));
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken); // a broken client is destroyed, not handed to the next transaction
    }
    runHooks(hooks);
    return value;
  }

  private tx(db: Queryable, hooks: (() => void)[], changed: Set<string>): Tx {
    return transactionView(new PgTables(db, this.cache), this.cache, hooks, (sessionId) => {
      changed.add(sessionId); // NOTIFY'd to the other instances in the transaction (see attempt)
      hooks.push(() => this.announce(sessionId));
    });
  }

  private announce(sessionId: string | null): void {
    for (const listener of this.listeners) listener(sessionId);
  }

  /** COMMIT has returned only once the change was durable. */
  whenDurable(): Promise<void> | null {
    return null;
  }

  onSessionChanged(listener: SessionChangeListener): void {
    this.listeners.push(listener);
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StorageUnavailable(new Error(`no answer within ${PING_TIMEOUT_MS} ms`))), PING_TIMEOUT_MS);
    });
    const query = this.pooled.query('SELECT 1');
    query.catch(() => {}); // when the timeout has answered, a late failure is nobody's
    try {
      await Promise.race([query, timeout]);
    } catch (error) {
      throw error instanceof StorageUnavailable ? error : new StorageUnavailable(error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** PostgreSQL has its own consistent backup, taken while the servers keep writing. */
  async backup(_target: string): Promise<void> {
    throw new Error('this server stores its data in PostgreSQL: back it up with pg_dump "$DATABASE_URL" > backup.sql');
  }

  async close(): Promise<void> {
    await this.feed.close();
    await this.pool.end();
  }
}

/**
 * On a client of its own, without the pool's statement timeout: a future migration may take
 * longer than any request should, and an instance starting beside another waits for its lock.
 */
async function migrate(config: pg.ClientConfig): Promise<void> {
  const client = new pg.Client(config);
  client.on('error', () => {}); // a failure reaches us through the query that meets it
  await client.connect();
  try {
    await migratePostgres(client);
  } finally {
    await client.end().catch(() => {});
  }
}
