/** What the storage port throws besides a bug: both implementations map their own failures to these. */

/**
 * A session row moved between the read and the write of a transaction (a write that skipped
 * `sessions.lock`, or a lock that was lost): the caller reloads and tries again, or answers 409.
 */
export class SessionMoved extends Error {
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} changed while this request was deciding what to do with it`);
    this.name = 'SessionMoved';
  }
}

/**
 * The connection failed during COMMIT: the database may have committed or not, and nobody can
 * tell from here. Unlike StorageUnavailable, the request may have taken effect.
 */
export class CommitOutcomeUnknown extends Error {
  constructor(cause: unknown) {
    super(`the connection to the database failed while committing: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'CommitOutcomeUnknown';
  }
}

/** Runs a committed transaction's hooks: one that throws is a bug, reported as one, and neither stops the others nor undoes the commit. */
export function runHooks(hooks: readonly (() => void)[]): void {
  for (const hook of hooks) {
    try {
      hook();
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
}

/** The database cannot be reached or refused to work (restarting, say): the request is answered 503 and may be retried. */
export class StorageUnavailable extends Error {
  constructor(cause: unknown) {
    super(`the database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StorageUnavailable';
  }
}
