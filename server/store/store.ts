import { openDb, type Db } from './db';
import { ProjectRepo } from './project-repo';
import { SessionRepo } from './session-repo';
import { CardRepo } from './card-repo';
import { OutboxRepo } from './outbox-repo';
import { IdempotencyRepo } from './idempotency-repo';

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
export class Store {
  readonly projects: ProjectRepo;
  readonly sessions: SessionRepo;
  readonly cards: CardRepo;
  readonly outbox: OutboxRepo;
  readonly idempotency: IdempotencyRepo;
  private pending: (() => void)[] | null = null;

  constructor(readonly db: Db) {
    this.projects = new ProjectRepo(db);
    this.sessions = new SessionRepo(db);
    this.cards = new CardRepo(db);
    this.outbox = new OutboxRepo(db);
    this.idempotency = new IdempotencyRepo(db);
  }

  static open(file: string): Store {
    return new Store(openDb(file));
  }

  /** Runs `fn` in one IMMEDIATE transaction; nested calls join the outer one. */
  transaction<T>(fn: () => T): T {
    if (this.pending) return fn();
    const hooks: (() => void)[] = [];
    this.pending = hooks;
    let result: T;
    try {
      result = this.db.transaction(fn).immediate();
    } finally {
      this.pending = null;
    }
    for (const hook of hooks) hook();
    return result;
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
