import type Database from 'better-sqlite3';
import { openDb, type Db } from './db';
import { WalFlusher, type SyncLog } from './wal-flusher';
import { Checkpointer } from './checkpointer';
import { ProjectRepo } from './project-repo';
import { SessionRepo } from './session-repo';
import { CardRepo } from './card-repo';
import { OutboxRepo } from './outbox-repo';
import { IdempotencyRepo } from './idempotency-repo';
import { LinkRepo } from './link-repo';

/**
 * How commits reach the disk. `on-commit` (`synchronous = FULL`): COMMIT returns once it is on
 * disk, which suits a short-lived process such as the CLI. `flusher` (the server): COMMIT returns
 * at once and a WalFlusher syncs the log on the thread pool, so the event loop never waits for
 * the disk; whatever the change leads to (an answer, a webhook, a long-poll) waits instead.
 */
export type Durability = 'on-commit' | 'flusher';

/** How a transaction starts, ends and is undone: BEGIN/COMMIT/ROLLBACK, or a savepoint inside one. */
type TransactionStatements = { begin: Database.Statement; end: Database.Statement; undo: Database.Statement };

/**
 * The one storage interface of the server. Every state change runs inside `transaction`, so a
 * change and the webhook rows it writes commit together or not at all. Work that follows a
 * change (waking long-polls, dropping a cached view, waking the webhook sender) goes to
 * `afterCommit` and runs right after COMMIT, never after a rollback.
 *
 * A commit is on disk only once `whenDurable()` settles (with the flusher, a moment later), and
 * nothing may tell anyone outside of what it read before then: the two ways out wait for it, the
 * HTTP layer before every answer (a woken long-poll's too) and the webhook sender before every
 * delivery.
 *
 * SQLite through better-sqlite3 is synchronous, which makes each transaction atomic with respect
 * to every other request of this process; `BEGIN IMMEDIATE` extends that to other processes
 * (the CLI) by taking the write lock up front.
 */
export class Store {
  readonly projects: ProjectRepo;
  readonly sessions: SessionRepo;
  readonly cards: CardRepo;
  readonly outbox: OutboxRepo;
  readonly idempotency: IdempotencyRepo;
  readonly links: LinkRepo;
  private pending: (() => void)[] | null = null;
  private queue: { fn: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];

  /** Rows this connection has written since it opened; a commit that moved it wrote something. */
  private readonly totalChanges: Database.Statement;
  private changesSeen = 0;
  private readonly outermost: TransactionStatements;
  private readonly nested: TransactionStatements;

  constructor(
    readonly db: Db,
    private readonly flusher: WalFlusher | null = null,
    private readonly checkpointer: Checkpointer | null = null,
  ) {
    this.outermost = { begin: db.prepare('BEGIN IMMEDIATE'), end: db.prepare('COMMIT'), undo: db.prepare('ROLLBACK') };
    this.nested = { begin: db.prepare('SAVEPOINT nested'), end: db.prepare('RELEASE nested'), undo: db.prepare('ROLLBACK TO nested') };
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
    this.projects = new ProjectRepo(db);
    this.sessions = new SessionRepo(db);
    this.cards = new CardRepo(db);
    this.outbox = new OutboxRepo(db);
    this.idempotency = new IdempotencyRepo(db);
    this.links = new LinkRepo(db);
  }

  static open(file: string, durability: Durability = 'on-commit', syncLog?: SyncLog): Store {
    if (durability === 'on-commit') return new Store(openDb(file, 'FULL'));
    const db = openDb(file, 'NORMAL');
    db.pragma('wal_autocheckpoint = 0'); // the Checkpointer's thread does it, not a COMMIT on the event loop
    // SQLite keeps the log beside the file it resolved (a symlink's target), so ask it where that is.
    const main = (db.pragma('database_list') as { name: string; file: string }[]).find((d) => d.name === 'main')!.file;
    return new Store(db, new WalFlusher(`${main}-wal`, syncLog), new Checkpointer(main));
  }

  /** Settles once every commit made so far is on disk (rejects if the disk failed); null when they already are. */
  whenDurable(): Promise<void> | null {
    return this.flusher?.whenDurable() ?? null;
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction. A nested call runs in a SAVEPOINT of the outer one:
   * if it throws, only its own writes and its own after-commit hooks are dropped.
   */
  transaction<T>(fn: () => T): T {
    const outer = this.pending;
    const hooks: (() => void)[] = [];
    this.pending = hooks;
    let result: T;
    try {
      result = this.run(fn, outer ? this.nested : this.outermost);
    } finally {
      this.pending = outer;
    }
    if (outer) {
      outer.push(...hooks);
      return result;
    }
    this.countCommit();
    for (const hook of hooks) hook();
    return result;
  }

  /** Tells the flusher of a commit that wrote something: a transaction that only read needs no sync. */
  private countCommit(): void {
    if (!this.flusher) return;
    const changes = this.totalChanges.get() as number;
    if (changes === this.changesSeen) return;
    this.changesSeen = changes;
    this.flusher.committed();
  }

  /**
   * Group commit: runs `fn` in a transaction shared with every other call made in the same turn
   * of the event loop, each in its own savepoint, and settles once that transaction has
   * committed. One COMMIT (and one sync) then serves all the writes that arrived together.
   *
   * It settles before the sync: whoever tells anyone of the change waits for `whenDurable()`, as
   * the HTTP layer does for every answer. An answer built right away (in the microtasks that
   * follow the commit, before any later one) thus waits for exactly the sync of its own batch.
   */
  groupCommit<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.queue.length === 1) setImmediate(() => this.flush());
    });
  }

  /**
   * Group-commits `prepare` and then `act`, each in its own savepoint: what `prepare` did (apply
   * a passed deadline, say) is committed even when `act` is refused. Rejects with `act`'s error.
   */
  async commitThen<T>(prepare: () => void, act: () => T): Promise<T> {
    const outcome = await this.groupCommit(() => {
      prepare();
      try {
        return { ok: true as const, value: this.transaction(act) };
      } catch (error) {
        return { ok: false as const, error };
      }
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  private flush(): void {
    const jobs = this.queue;
    this.queue = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      this.transaction(() => {
        for (const job of jobs) {
          try {
            outcomes.push({ ok: true, value: this.transaction(job.fn) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed (disk full, say): nothing of the batch was written.
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }

  /**
   * What better-sqlite3's `db.transaction(fn)` does, with the statements prepared once: that
   * helper builds four wrapper functions per call, which cost more than the savepoint itself.
   */
  private run<T>(fn: () => T, s: TransactionStatements): T {
    s.begin.run();
    try {
      const result = fn();
      s.end.run();
      return result;
    } catch (error) {
      // SQLite may already have rolled back on its own (a full disk): then there is nothing to undo.
      if (this.db.inTransaction) {
        s.undo.run();
        if (s === this.nested) s.end.run();
      }
      throw error;
    }
  }

  /** Queues `hook` to run once the surrounding transaction has committed. */
  afterCommit(hook: () => void): void {
    if (this.pending) this.pending.push(hook);
    else hook();
  }

  /** Closes the connection once what it committed is on disk; settles once the checkpointer, if any, has closed its own. */
  async close(): Promise<void> {
    await this.whenDurable()?.catch(() => {}); // a failed sync is reported to those who waited for it
    this.flusher?.close();
    this.db.close();
    await this.checkpointer?.stop();
  }
}
