import { closeSync, fdatasync, openSync } from 'node:fs';

/**
 * Makes commits durable off the event loop. The server's connection runs with
 * `synchronous = NORMAL`: COMMIT appends to the write-ahead log and returns without waiting for
 * the disk. This flusher then syncs the log file on libuv's thread pool, one `fdatasync` for every
 * commit made since the last one began (group commit, as PostgreSQL does it), and nobody hears
 * of a change before the sync that covers it has finished: `whenDurable` is what every answer,
 * webhook and long-poll wake-up waits for.
 *
 * Syncing the log through a descriptor of our own is sound because a sync flushes the file, not
 * the descriptor, and the file stays the same: SQLite deletes the log only when the last
 * connection closes, and the server's own stays open. A checkpoint that copies the log into the
 * database syncs both files itself before the log is reused.
 */
/** The disk refused a sync: changes since the last good one may be lost, so none are reported as made. */
export class SyncFailed extends Error {}

export class WalFlusher {
  private commits = 0;
  private flushed = 0;
  private flushing = false;
  private fd: number | null = null;
  private closed = false;
  /** Once a sync has failed, what was written may be lost: every later wait fails too (fail-stop). */
  private failure: Error | null = null;
  private waiters: { upTo: number; resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(private readonly walFile: string) {}

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

  /** Closes the log's descriptor, after the sync under way if there is one. */
  close(): void {
    this.closed = true;
    if (!this.flushing) this.release();
  }

  private flush(): void {
    if (this.flushing) return; // the commits recorded meanwhile go with the next sync
    this.flushing = true;
    const upTo = this.commits;
    try {
      if (this.closed) throw new SyncFailed('the store is closed');
      this.fd ??= openSync(this.walFile, 'r');
    } catch (error) {
      this.settle(upTo, error as Error);
      return;
    }
    fdatasync(this.fd, (error) => this.settle(upTo, error));
  }

  private settle(upTo: number, error: Error | null): void {
    this.flushing = false;
    if (error) {
      this.failure = new SyncFailed(`could not sync the database log ${this.walFile} to disk: ${error.message}`, { cause: error });
      console.error(`${this.failure.message}; no change is reported as made from now on: restart the server once the disk is fixed`);
      for (const waiter of this.waiters) waiter.reject(this.failure);
      this.waiters = [];
    } else {
      this.flushed = upTo;
      const waiting = this.waiters;
      this.waiters = [];
      for (const waiter of waiting) {
        if (waiter.upTo <= upTo) waiter.resolve();
        else this.waiters.push(waiter);
      }
      if (this.waiters.length) this.flush();
    }
    if (this.closed && !this.flushing) this.release();
  }

  private release(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
