/** The messages between the benchmark (parent) and the server process (child) over the IPC channel. */

export type Command =
  | { cmd: 'init'; publicKeyPem: string; webhookUrl: string }
  /** Memory after a forced GC (twice, so finalisers have run), plus what the server holds. */
  | { cmd: 'stats' }
  /** Only the number of waiting long-polls: cheap, for polling. */
  | { cmd: 'waiting' }
  /** CPU time the server process has used so far (user + system), µs; no GC. */
  | { cmd: 'cpu' }
  /** Times `commits` one-row commits to a scratch SQLite file in DATA_DIR, WAL + synchronous = FULL as the store: the disk's fsync latency. */
  | { cmd: 'disk'; commits: number }
  /** Restarts the event-loop delay histogram (`loop` reads it). */
  | { cmd: 'loop-reset' }
  | { cmd: 'loop' }
  /** Starts the V8 CPU profiler in the server process (BENCH_CPU_PROF). */
  | { cmd: 'profile-start' }
  /** Stops it and writes the profile to `file`. */
  | { cmd: 'profile-stop'; file: string }
  | { cmd: 'stop' };

export type InitReply = { appUrl: string; helloUrl: string; dataDir: string; project: string; gc: boolean };

export type Stats = {
  /** Long-poll clients waiting in `server.notifier`. */
  waiting: number;
  rss: number;
  heapUsed: number;
  external: number;
  sessions: number;
  payments: number;
  outbox: number;
  /** Bytes in the database's write-ahead log: the checkpointer keeps it from growing without end. */
  walBytes: number;
};

export type Message = Command & { id: number };
export type Reply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** CPU µs used so far: the whole process, and its main thread (the event loop) alone. */
export type ServerCpu = { process: number; loop: number };

export type DiskProbe = { commits: number; p50Ms: number; p95Ms: number; maxMs: number };

/** The server's event-loop delay since `loop-reset`, ms: how long ready work waited for the loop. */
export type LoopDelay = { p50Ms: number; p99Ms: number; maxMs: number };
