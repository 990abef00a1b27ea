import Database from 'better-sqlite3';
import { openDb, type Db } from './db';
import { WalFlusher, type SyncLog } from './wal-flusher';
import { Checkpointer } from './checkpointer';
import { ProjectRepo } from './project-repo';
import { SessionRepo } from './session-repo';
import { CardRepo } from './card-repo';
import { BindingRepo } from './binding-repo';
import { OutboxRepo } from './outbox-repo';
import { IdempotencyRepo } from './idempotency-repo';
import { LinkRepo } from './link-repo';
import { SubscriptionRepo } from './subscription-repo';
import { PushRepo } from './push-repo';
import { SandboxRailRepo } from './sandbox-rail-repo';
import { ProjectCache } from '../project-cache';
import { transactionView } from '../transaction-view';
import { runHooks } from '../errors';
import type { SessionChangeListener, Storage, Tx } from '../port';

/**
 * How commits reach the disk. `on-commit` (`synchronous = FULL`): COMMIT returns once it is on
 * disk, which suits a short-lived process such as the CLI. `flusher` (the server): COMMIT returns
 * at once and a WalFlusher syncs the log on the thread pool, so the event loop never waits for
 * the disk; whatever the change leads to (an answer, a webhook, a long-poll) waits instead.
 */
export type Durability = 'on-commit' | 'flusher';

/** The tables of one connection. */
class Tables {
  readonly projects: ProjectRepo;
  readonly sessions: SessionRepo;
  readonly cards: CardRepo;
  readonly bindings: BindingRepo;
  readonly outbox: OutboxRepo;
  readonly idempotency: IdempotencyRepo;
  readonly links: LinkRepo;
  readonly subscriptions: SubscriptionRepo;
  readonly pushes: PushRepo;
  readonly sandboxRail: SandboxRailRepo;

  constructor(db: Db, projects: ProjectCache) {
    this.projects = new ProjectRepo(db, projects);
    this.sessions = new SessionRepo(db);
    this.cards = new CardRepo(db);
    this.bindings = new BindingRepo(db);
    this.outbox = new OutboxRepo(db);
    this.idempotency = new IdempotencyRepo(db);
    this.links = new LinkRepo(db);
    this.subscriptions = new SubscriptionRepo(db);
    this.pushes = new PushRepo(db);
    this.sandboxRail = new SandboxRailRepo(db);
  }
}

type Job = { fn: (tx: Tx) => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** At most this many transactions share one COMMIT, so a stream of writes still commits often. */
const MAX_BATCH = 256;

/**
 * The embedded store: SQLite in WAL mode through better-sqlite3, two connections to one file.
 *
 * Writes go through one connection, one transaction at a time, in batches (group commit): the
 * transactions that arrive in the same turn of the event loop run one after another in a shared
 * `BEGIN IMMEDIATE` transaction, each in its own savepoint (a failing one undoes only itself),
 * and one COMMIT (and one sync of the log) serves them all. IMMEDIATE takes the write lock up
 * front, which orders them against another process (the CLI) as well.
 *
 * Reads outside a transaction go through the second connection, so they see only what has
 * committed: a transaction may be between two of its statements (awaiting) when a read runs.
 *
 * A commit is on disk only once `whenDurable()` settles (with the flusher, a moment later), and
 * nobody outside may hear of what it wrote before then: the HTTP layer waits for it before every
 * answer (a woken long-poll's too), the webhook sender before every delivery.
 */
export class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
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
  private readonly writer: Tables;
  private readonly cache = new ProjectCache();
  private readonly listeners: SessionChangeListener[] = [];
  private queue: Job[] = [];
  private draining = false;
  private readonly statements;
  /** Rows the write connection has written since it opened; a commit that moved it wrote something. */
  private changesSeen = 0;

  private constructor(
    private readonly db: Db,
    private readonly reader: Db,
    private readonly flusher: WalFlusher | null,
    private readonly checkpointer: Checkpointer | null,
  ) {
    this.writer = new Tables(db, this.cache);
    const reads = new Tables(reader, this.cache);
    ({ projects: this.projects, sessions: this.sessions, cards: this.cards, bindings: this.bindings, outbox: this.outbox, idempotency: this.idempotency, links: this.links, subscriptions: this.subscriptions, pushes: this.pushes, sandboxRail: this.sandboxRail } = reads);
    this.statements = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT tx'),
      release: db.prepare('RELEASE tx'),
      undo: db.prepare('ROLLBACK TO tx'),
      totalChanges: db.prepare('SELECT total_changes()').pluck(),
    };
  }

  static open(file: string, durability: Durability = 'on-commit', syncLog?: SyncLog): SqliteStorage {
    if (durability === 'on-commit') return new SqliteStorage(openDb(file, 'FULL'), openReader(file), null, null);
    const db = openDb(file, 'NORMAL');
    db.pragma('wal_autocheckpoint = 0'); // the Checkpointer's thread does it, not a COMMIT on the event loop
    // SQLite keeps the log beside the file it resolved (a symlink's target), so ask it where that is.
    const main = (db.pragma('database_list') as { name: string; file: string }[]).find((d) => d.name === 'main')!.file;
    return new SqliteStorage(db, openReader(file), new WalFlusher(`${main}-wal`, syncLog), new Checkpointer(main));
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const jobs = this.queue.splice(0, MAX_BATCH);
      const done: { job: Job; value: unknown; hooks: (() => void)[] }[] = [];
      const failed: { job: Job; error: unknown }[] = [];
      try {
        this.statements.begin.run();
        for (const job of jobs) {
          const hooks: (() => void)[] = [];
          this.statements.savepoint.run();
          try {
            const value = await job.fn(this.tx(hooks));
            this.statements.release.run();
            done.push({ job, value, hooks });
          } catch (error) {
            // SQLite may already have rolled back on its own (a full disk): then the whole batch is lost.
            if (!this.db.inTransaction) throw error;
            this.statements.undo.run();
            this.statements.release.run();
            failed.push({ job, error });
          }
        }
        this.statements.commit.run();
      } catch (error) {
        if (this.db.inTransaction) this.statements.rollback.run();
        for (const job of jobs) job.reject(error);
        continue;
      }
      this.countCommit();
      for (const { job, error } of failed) job.reject(error);
      for (const { job, value, hooks } of done) {
        job.resolve(value);
        runHooks(hooks);
      }
    }
    this.draining = false;
  }

  private tx(hooks: (() => void)[]): Tx {
    return transactionView(this.writer, this.cache, hooks, (sessionId) => hooks.push(() => this.announce(sessionId)));
  }

  private announce(sessionId: string | null): void {
    for (const listener of this.listeners) listener(sessionId);
  }

  /** Tells the flusher of a commit that wrote something: a batch that only read needs no sync. */
  private countCommit(): void {
    if (!this.flusher) return;
    const changes = this.statements.totalChanges.get() as number;
    if (changes === this.changesSeen) return;
    this.changesSeen = changes;
    this.flusher.committed();
  }

  whenDurable(): Promise<void> | null {
    return this.flusher?.whenDurable() ?? null;
  }

  onSessionChanged(listener: SessionChangeListener): void {
    this.listeners.push(listener);
  }

  async ping(): Promise<void> {}

  /** SQLite's online backup: a consistent copy, taken page by page while the server keeps writing. */
  async backup(target: string): Promise<void> {
    await this.db.backup(target);
  }

  /** Closes the connections once what they committed is on disk; settles once the checkpointer, if any, has closed its own. */
  async close(): Promise<void> {
    await this.whenDurable()?.catch(() => {}); // a failed sync is reported to those who waited for it
    this.flusher?.close();
    this.reader.close();
    this.db.close();
    await this.checkpointer?.stop();
  }
}

/** The read connection: committed rows only, and never a write (nor a checkpoint, which is the Checkpointer's). */
function openReader(file: string): Db {
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('wal_autocheckpoint = 0');
  db.pragma('query_only = ON');
  return db;
}
