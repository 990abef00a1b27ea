import { closeSync, fdatasync, openSync } from 'node:fs';

/**
 * Makes commits durable off the event loop. The server's connection runs with
 * `synchronous = NORMAL`: COMMIT appends to the write-ahead log and returns without waiting for
 * the disk. This flusher then syncs the log file on libuv's thread pool (group commit, as
 * PostgreSQL does it: one `fdatasync` for all the commits made before it began), and nobody
 * hears of a change before a sync that covers it has finished: `whenDurable` is what every
 * answer, webhook and long-poll wake-up waits for.
 *
 * A commit made while a sync runs does not wait for that one to end before its own begins: up to
 * MAX_SYNCS_IN_FLIGHT run side by side. That is sound because a sync that ends has written every
 * page the file had before it began, including those another sync had started writing.
 *
 * Syncing the log through a descriptor of our own is sound because a sync flushes the file, not
 * the descriptor, and the file stays the same: SQLite deletes the log only when the last
 * connection closes, and the server's own stays open. A checkpoint that copies the log into the
 * database syncs both files itself before the log is reused.
 */
const MAX_SYNCS_IN_FLIGHT = 4;

/** Flushes a file's data to disk and calls back, as `fs.fdatasync` does. */
export type SyncLog = (fd: number, done: (error: Error | null) => void) => void;

/** The disk refused a sync: changes since the last good one may be lost, so none are reported as made. */
export class SyncFailed extends Error {}

export class WalFlusher {
  private commits = 0;
  private flushed = 0;
  /** The commits that the newest sync begun covers, and how many syncs run now. */
  private started = 0;
  private inFlight = 0;
  private fd: number | null = null;
  private closed = false;
  /** Once a sync has failed, what was written may be lost: every later wait fails too (fail-stop). */
  private failure: Error | null = null;
  private waiters: { upTo: number; resolve: () => void; reject: (error: Error) => void }[] = [];

  /** `sync` is how a descriptor is flushed to disk: `fs.fdatasync`, or a test's stand-in. */
  constructor(
    private readonly walFile: string,
    private readonly sync: SyncLog = fdatasync,
  ) {}

  /** Records a commit: it becomes durable with the next sync that starts after this call. */
  committed(): void {
    this.commits++;
  }

  /** Settles once every commit recorded so far is on disk; null when they already are. */
  whenDurable(): Promise<void> | null {
    if (this.failure) return Promise.reject(this.failure);
    if (this.flushed >= this.commits) return null;
    return new Promise((resolve, reject) => {
      this.waiters.push({ upTo: this.commits, resolve, reject });
      this.flush();
    });
  }

  /** Closes the log's descriptor, after the syncs under way if there are any. */
  close(): void {
    this.closed = true;
    if (this.inFlight === 0) this.release();
  }

  private flush(): void {
    // A sync under way that began after the newest commit covers it; else start one beside it.
    if (this.started >= this.commits || this.inFlight >= MAX_SYNCS_IN_FLIGHT) return;
    const upTo = this.commits;
    if (this.closed) {
      for (const waiter of this.waiters.splice(0)) waiter.reject(new SyncFailed('the store was closed before this change reached the disk'));
      return;
    }
    try {
      this.fd ??= openSync(this.walFile, 'r+'); // writable: some systems flush only a handle open for writing
    } catch (error) {
      this.settle(upTo, error as Error);
      return;
    }
    this.inFlight++;
    this.started = upTo;
    this.sync(this.fd, (error) => {
      this.inFlight--;
      this.settle(upTo, error);
    });
  }

  private settle(upTo: number, error: Error | null): void {
    if (error) {
      if (!this.failure) {
        this.failure = new SyncFailed(`could not sync the database log ${this.walFile} to disk: ${error.message}`, { cause: error });
        console.error(`${this.failure.message}; no change is reported as made from now on: restart the server once the disk is fixed`);
      }
      for (const waiter of this.waiters) waiter.reject(this.failure);
      this.waiters = [];
    } else {
      // A sync that ends has flushed every page written before it began, whatever other syncs still run.
      this.flushed = Math.max(this.flushed, upTo);
      const waiting = this.waiters;
      this.waiters = [];
      for (const waiter of waiting) {
        if (waiter.upTo <= this.flushed) waiter.resolve();
        else this.waiters.push(waiter);
      }
      if (this.waiters.length) this.flush();
    }
    if (this.closed && this.inFlight === 0) this.release();
  }

  private release(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
