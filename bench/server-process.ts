/**
 * The server side of the benchmark, run by `server.bench.ts` in its own process (so the load
 * generator and the server never share an event loop). It serves, on 127.0.0.1:
 *  - the sg-checkout app, as `npm start` serves it (createServer + @hono/node-server, a SQLite
 *    file in a temp DATA_DIR, the deadline scheduler and the webhook sender running);
 *  - a plain Hono hello-world app on a second port: the baseline of the ratios. It is a separate
 *    app (not a route of the checkout app) so the baseline carries none of the checkout's routing,
 *    middleware or error handling: everything the checkout adds is charged to the checkout.
 * Both run in this one process, so they share the same runtime, heap and CPU; they are loaded
 * one at a time. The parent drives it over IPC (see protocol.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import Database from 'better-sqlite3';
import { openDb, type Db } from '../server/store/sqlite/db';
import pg from 'pg';
import type { Storage } from '../server/store/port';
import { PostgresStorage } from '../server/store/postgres/storage';
import { freshDatabase } from '../test/support/pg-databases';
import { freePort } from '../test/support/server-process';
import { createServer, type Server } from '../server/app';
import { configFromEnv, dbFile } from '../server/config';
import type { Command, DiskProbe, InitReply, LoopDelay, Message, Reply, Stats } from './protocol';

const HOST = '127.0.0.1';
const PROJECT = 'bench';

let server: Server | null = null;
const listeners: ServerType[] = [];
let dataDir: string | null = null;
let databaseFile: string | null = null;
/** A read-only connection of our own to the server's SQLite file, for the row counts of `stats` (the storage port has no counts). */
let counter: Db | null = null;
/** BENCH_STORE=postgres (`npm run bench:postgres`): the app on a fresh database of the test PostgreSQL instead of SQLite. */
const STORE = process.env.BENCH_STORE === 'postgres' ? 'postgres' : 'sqlite';
let pgCounter: pg.Client | null = null;
let dropDatabase: (() => Promise<void>) | null = null;

function listen(fetch: (request: Request) => Response | Promise<Response>, port: number): Promise<ServerType> {
  return new Promise((resolve) => {
    const http = serve({ fetch, port, hostname: HOST }, () => resolve(http));
  });
}

async function init(publicKeyPem: string, webhookUrl: string): Promise<InitReply> {
  dataDir = mkdtempSync(join(tmpdir(), 'sg-bench-'));
  const appPort = await freePort();
  // The same configuration path as `npm start`, with DATA_DIR and PORT of this run.
  const config = configFromEnv({ DATA_DIR: dataDir, PORT: String(appPort), PUBLIC_URL: `http://${HOST}:${appPort}` });
  databaseFile = dbFile(config);
  // The merchant's per-project limit (500 calls a second) is off: this measures the server's throughput, not the limiter's refusals.
  let storage: Storage | undefined;
  if (STORE === 'postgres') {
    const db = await freshDatabase();
    dropDatabase = db.drop;
    storage = await PostgresStorage.open(db.url);
    pgCounter = new pg.Client({ connectionString: db.url });
    await pgCounter.connect();
  }
  server = createServer({ dbFile: databaseFile, storage, publicUrl: config.publicUrl, sessionLifetimeMinutes: config.sessionLifetimeMinutes, rateLimits: { ...config.rateLimits, merchant_calls_per_project: null } });
  await server.store.transaction((tx) => tx.projects.insert({
    name: PROJECT,
    publicKeyPem,
    webhookUrl,
    webhookSecret: `whsec_${Buffer.from('sg-checkout-bench-webhook-secret').toString('base64')}`,
    origins: [],
    confirmation: 'auto',
    confirmWindowMinutes: 240,
    fpsQrLifetimeMinutes: 15,
    createdAt: Date.now(),
  }));
  if (STORE === 'sqlite') {
    counter = new Database(databaseFile, { fileMustExist: true });
    counter.pragma('query_only = ON');
    counter.pragma('wal_autocheckpoint = 0'); // checkpoints are the server's
  }
  server.start();
  const app = await listen(server.app.fetch, appPort);

  const hello = new Hono();
  hello.get('/', (c) => c.text('Hello World!'));
  // The floor under any signed call: a POST whose JSON body is read, parsed and answered, nothing else.
  hello.post('/echo', async (c) => c.json(JSON.parse(await c.req.text())));
  const helloPort = await freePort();
  const helloServer = await listen(hello.fetch, helloPort);
  listeners.push(app, helloServer);

  return { appUrl: `http://${HOST}:${appPort}`, helloUrl: `http://${HOST}:${helloPort}`, dataDir, project: PROJECT, gc: typeof globalThis.gc === 'function' };
}

async function count(table: string): Promise<number> {
  if (pgCounter) return (await pgCounter.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
  return (counter!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`; 100 on Linux). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU µs of the main thread alone (the event loop), from /proc; NaN where there is no /proc. */
function loopThreadCpuUs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS; // utime + stime
  } catch {
    return NaN;
  }
}

function walBytes(): number {
  try {
    return statSync(`${databaseFile}-wal`).size;
  } catch {
    return 0;
  }
}

async function stats(): Promise<Stats> {
  if (globalThis.gc) {
    globalThis.gc();
    globalThis.gc();
  }
  const memory = process.memoryUsage();
  return {
    waiting: server!.notifier.waiting,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    sessions: await count('sessions'),
    payments: await count('payments'),
    outbox: await count('webhook_events'),
    walBytes: walBytes(),
  };
}

let stopping: Promise<void> | null = null;
function stop(): Promise<void> {
  return (stopping ??= shutDown());
}

async function shutDown(): Promise<void> {
  for (const http of listeners) {
    http.close();
    if ('closeAllConnections' in http) http.closeAllConnections();
  }
  counter?.close();
  await server?.stop();
  await pgCounter?.end();
  await dropDatabase?.();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

function probeDisk(commits: number): DiskProbe {
  const file = join(dataDir!, 'fsync-probe.sqlite');
  const db = openDb(file); // the store's own pragmas: WAL, synchronous = FULL
  try {
    db.exec('CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
    const insert = db.prepare('INSERT INTO probe (payload) VALUES (?)');
    const commit = db.transaction((payload: string) => insert.run(payload));
    const times: number[] = [];
    for (let i = 0; i < commits; i++) {
      const started = performance.now();
      commit.immediate('x'.repeat(400));
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
    return { commits, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: times[times.length - 1]! };
  } finally {
    db.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  }
}

const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
function readLoopDelay(): LoopDelay {
  const toMs = (ns: number) => ns / 1e6;
  return { p50Ms: toMs(loopDelay.percentile(50)), p99Ms: toMs(loopDelay.percentile(99)), maxMs: toMs(loopDelay.max) };
}

let inspector: Session | null = null;
function post<T>(method: string): Promise<T> {
  return new Promise((resolve, reject) => inspector!.post(method, (error, result) => (error ? reject(error) : resolve(result as T))));
}

async function profileStart(): Promise<void> {
  if (!inspector) {
    inspector = new Session();
    inspector.connect();
    await post('Profiler.enable');
  }
  await post('Profiler.start');
}

async function profileStop(file: string): Promise<void> {
  const { profile } = await post<{ profile: object }>('Profiler.stop');
  writeFileSync(file, JSON.stringify(profile));
}

async function handle(command: Command): Promise<unknown> {
  switch (command.cmd) {
    case 'init':
      return init(command.publicKeyPem, command.webhookUrl);
    case 'stats':
      return stats();
    case 'waiting':
      return server!.notifier.waiting;
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      return { process: user + system, loop: loopThreadCpuUs() };
    }
    case 'loop-reset':
      loopDelay.reset();
      return null;
    case 'loop':
      return readLoopDelay();
    case 'disk':
      return probeDisk(command.commits);
    case 'profile-start':
      return profileStart();
    case 'profile-stop':
      return profileStop(command.file);
    case 'stop':
      await stop();
      return null;
  }
}

process.on('message', (message: Message) => {
  handle(message).then(
    (result) => {
      // After `stop`, exit once the reply is out (a --cpu-prof profile is written on exit).
      process.send!({ id: message.id, ok: true, result } satisfies Reply, undefined, undefined, () => {
        if (message.cmd === 'stop') process.exit(0);
      });
    },
    (error: unknown) => process.send!({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Reply),
  );
});
// Ctrl-C reaches the whole process group: remove DATA_DIR before going.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().finally(() => process.exit(130)));
// The parent went away without `stop`: clean up rather than linger.
process.on('disconnect', () => {
  void stop().finally(() => process.exit(0));
});
