import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * How often the checkpointer looks at the log when the last checkpoint left nothing behind.
 * Often, so each checkpoint is small: a checkpoint ends by syncing the database file, and a long
 * one holds up the log syncs that answers wait for (at 1 s, the long-poll benchmark's approvals
 * were answered at p95 37–63 ms instead of 6–7 ms). The price: once the log is all copied, the next
 * commit starts it over and syncs its header on the event loop, at most five times a second.
 */
const IDLE_MS = 200;
/** How soon it goes again when writes arrived while it was copying them. */
const BUSY_MS = 5;
/**
 * Past this many pages (64 MiB at SQLite's 4 KiB pages) the log is started over with
 * `wal_checkpoint(RESTART)`, right after a passive one, so that it holds off the writer only for
 * the moment it takes to copy the few pages written in between. Without it a stream of writes
 * could keep the log from ever being reused: SQLite starts it over only when a checkpoint
 * finishes with no commit during it. The file keeps its size, so later syncs overwrite blocks
 * rather than grow the file.
 */
const RESTART_ABOVE_PAGES = 16_384;

/**
 * The worker's own code, plain CommonJS so that it runs as it is under any loader. It opens a
 * second connection and copies the log into the database with `wal_checkpoint(PASSIVE)`, which
 * never blocks the writer; SQLite syncs the log before the copy and the database after it, and
 * only then lets the log be reused. A log grown past RESTART_ABOVE_PAGES is started over next time.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
let timer = null;
let mode = 'PASSIVE';
const tick = () => {
  let behind = false;
  try {
    if (mode === 'RESTART') db.pragma('wal_checkpoint(PASSIVE)');
    const [result] = db.pragma('wal_checkpoint(' + mode + ')');
    behind = result.checkpointed < result.log;
    mode = result.log > workerData.restartAbovePages ? 'RESTART' : 'PASSIVE';
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
  timer = setTimeout(tick, behind ? workerData.busyMs : workerData.idleMs);
};
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
tick();
`;

/**
 * Checkpoints the write-ahead log on a thread of its own. SQLite's automatic checkpoint runs
 * inside a COMMIT once the log passes 1,000 pages: it copies megabytes and syncs both files
 * with the event loop stopped, which under a stream of writes cost about a third of the
 * server's throughput. The server's connection turns it off (`wal_autocheckpoint = 0`) and
 * this worker does the same work beside it.
 */
export class Checkpointer {
  private worker: Worker;
  /** Settles when the current worker has ended. */
  private ended: Promise<void> = Promise.resolve();
  private stopping = false;

  constructor(private readonly file: string) {
    this.worker = this.spawn();
  }

  /** Asks the worker to close its connection and end; settles once it has (a checkpoint under way finishes first). */
  stop(): Promise<void> {
    this.stopping = true;
    this.worker.ref(); // whoever awaits the stop keeps the process alive until the worker is gone
    this.worker.postMessage('stop');
    return this.ended;
  }

  private spawn(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: this.file, driver, idleMs: IDLE_MS, busyMs: BUSY_MS, restartAbovePages: RESTART_ABOVE_PAGES } });
    worker.on('message', (message: { error: string }) => console.error(`checkpoint of ${this.file} failed: ${message.error}`));
    worker.on('error', (error) => console.error(`checkpointer of ${this.file} stopped:`, error));
    this.ended = new Promise((resolve) => worker.once('exit', () => resolve()));
    // A worker that died leaves the log to grow without end: start another, a second later.
    worker.once('exit', () => {
      if (this.stopping) return;
      setTimeout(() => {
        if (!this.stopping) this.worker = this.spawn();
      }, 1_000).unref();
    });
    worker.unref(); // it must not keep the process alive
    return worker;
  }
}
