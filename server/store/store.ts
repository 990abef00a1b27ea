import { openDb, type Db } from './db';
import { ProjectRepo } from './project-repo';
import { SessionRepo } from './session-repo';
import { CardRepo } from './card-repo';
import { OutboxRepo } from './outbox-repo';
import { IdempotencyRepo } from './idempotency-repo';
import { LinkRepo } from './link-repo';

/**
 * The one storage interface of the server. Every state change runs inside `transaction`, so a
 * change and the webhook rows it writes commit together or not at all. Work that must only
 * happen once the change is durable (waking long-polls, the webhook sender) goes to
 * `afterCommit` and runs after COMMIT, never after a rollback.
 *
 * SQLite through better-sqlite3 is synchronous, which makes each transaction atomic with respect
 * to every other request of this process; `BEGIN IMMEDIATE` extends that to other processes
 * (the CLI) by taking the write lock up front.
 */
/**
 * How long the first write of a group waits for others to join it. About what one flush to disk
 * costs: a lone write waits at most that long again, while under load each flush carries many.
 */
export const GROUP_COMMIT_WINDOW_MS = 1;

export class Store {
  readonly projects: ProjectRepo;
  readonly sessions: SessionRepo;
  readonly cards: CardRepo;
  readonly outbox: OutboxRepo;
  readonly idempotency: IdempotencyRepo;
  readonly links: LinkRepo;
  private pending: (() => void)[] | null = null;
  private queue: { fn: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];

  constructor(readonly db: Db) {
    this.projects = new ProjectRepo(db);
    this.sessions = new SessionRepo(db);
    this.cards = new CardRepo(db);
    this.outbox = new OutboxRepo(db);
    this.idempotency = new IdempotencyRepo(db);
    this.links = new LinkRepo(db);
  }

  static open(file: string): Store {
    return new Store(openDb(file));
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
      const tx = this.db.transaction(fn);
      result = outer ? tx() : tx.immediate();
    } finally {
      this.pending = outer;
    }
    if (outer) outer.push(...hooks);
    else for (const hook of hooks) hook();
    return result;
  }

  /**
   * Group commit: runs `fn` in a transaction shared with every other call made within
   * GROUP_COMMIT_WINDOW_MS, each in its own savepoint, and settles once that transaction has committed.
   * With `synchronous = FULL` a commit waits for the disk; sharing one flush among all the writes
   * that arrived together is what lets durable writes keep up with concurrent requests.
   */
  groupCommit<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (this.queue.length === 1) setTimeout(() => this.flush(), GROUP_COMMIT_WINDOW_MS);
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

  /** Queues `hook` to run once the surrounding transaction has committed. */
  afterCommit(hook: () => void): void {
    if (this.pending) this.pending.push(hook);
    else hook();
  }

  close(): void {
    this.db.close();
  }
}
