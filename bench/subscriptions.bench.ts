/**
 * `npx tsx bench/subscriptions.bench.ts` (issue #14): the scheduler charging N due subscriptions,
 * in-process, on demand (not a test).
 *
 *  1. Setup (timed, but not the figure): a server from `createServer` (SQLite in a temp folder, or
 *     with BENCH_STORE=postgres a fresh database of a throwaway PostgreSQL), a ManualClock, a
 *     webhook `fetch` that answers 200 at once (the sender is not started anyway, nor the app's own
 *     scheduler), a project. N monthly subscriptions, BATCH per transaction: each `create`d, its
 *     first session paid with a sandbox card token ('success', inserted as the public `/cards`
 *     route does) with the customer's recurrent consent; then every rail answer is awaited, so each
 *     subscription is active with its period 2 due a month after the clock's start.
 *  2. The clock moves 32 days on; K loops (K schedulers) each call `subscriptions.chargeDue()`
 *     until it returns 0. Timed: until every loop has stopped (claimed, charge session made and
 *     its payment started, one transaction each), then until every rail call those charges
 *     started has been answered and recorded (`rails.settled`), with the process's CPU time over
 *     both. The sessions to wait for are taken from the rail calls as they are dispatched (a
 *     wrapper on `rails.dispatch`, so no read of the store runs in the measured time); the check
 *     afterwards waits on every charge session of the store too.
 *  3. The check: every subscription has exactly two charges (periods 1 and 2, attempt 1),
 *     periods_paid 2, status active, one recurrent payment at the sandbox rail for its period 2
 *     (counted in `sandbox_rail_payments` through a connection of our own: read-only SQLite, or a
 *     pg client), and the rail holds N recurrent payments in all. Exit 1 otherwise.
 *
 * Settings (environment): BENCH_SUBSCRIPTIONS (N, 10000), BENCH_SCHEDULERS (K, 2), BENCH_BATCH
 * (subscriptions per setup transaction, 100), BENCH_STORE (sqlite | postgres; postgres runs this
 * file again under test/support/with-postgres.ts unless SG_TEST_POSTGRES is set: DATABASE_URL to use
 * your own server), BENCH_SETUP_WORKERS (setup batches under way at once, 4).
 * Diagnostics: BENCH_CPU_PROF=<dir> (a V8 CPU profile of the measured phase only,
 * <dir>/subscriptions-<store>.cpuprofile; summarise with `npx tsx bench/cpuprofile-top.ts <file>`;
 * its samples are wall-clock, so on a busy machine a function's share includes the time the process
 * was waiting for a core), BENCH_STATEMENTS=1 (the measured phase's statements per charge, by SQL;
 * the counting costs CPU itself), BENCH_SYNC=off (SQLite: the log syncs answer at once without
 * syncing, to see what the disk costs; not a figure to quote), BENCH_KEEP=1 (keep the data folder
 * or database and print where).
 */
import { execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { fdatasync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createServer } from '../server/app';
import { ManualClock } from '../server/clock';
import { newSecretId } from '../server/ids';
import type { Storage, Tx } from '../server/store/port';
import type { CardTokenRow, Project } from '../server/store/rows';
import { PostgresStorage } from '../server/store/postgres/storage';

const env = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${raw} is not a whole number ≥ 1`);
  return value;
};

const N = env('BENCH_SUBSCRIPTIONS', 10_000);
const K = env('BENCH_SCHEDULERS', 2);
const BATCH = env('BENCH_BATCH', 100);
const SETUP_WORKERS = env('BENCH_SETUP_WORKERS', 4);
const STORE = process.env.BENCH_STORE === 'postgres' ? 'postgres' : 'sqlite';
const CPU_PROF = process.env.BENCH_CPU_PROF;
const SYNC_OFF = process.env.BENCH_SYNC === 'off';
const KEEP = process.env.BENCH_KEEP === '1';
const LIST_STATEMENTS = process.env.BENCH_STATEMENTS === '1';

const START = Date.parse('2026-12-01T10:00:00Z');
const DAY = 86_400_000;
const PROJECT = 'bench';

// PostgreSQL: this file again, under the test command's throwaway cluster (or DATABASE_URL's server).
if (STORE === 'postgres' && !process.env.SG_TEST_POSTGRES) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../test/support/with-postgres.ts'), '--', process.execPath, ...process.execArgv, process.argv[1]!], {
    stdio: 'inherit',
  });
  child.on('exit', (code) => process.exit(code ?? 1));
} else {
  process.exitCode = await main();
}

async function main(): Promise<number> {
  const { freshDatabase } = await import('../test/support/pg-databases');
  const dir = mkdtempSync(join(tmpdir(), 'sg-bench-subs-'));
  const dbFile = join(dir, 'db.sqlite');
  let storage: Storage | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  if (STORE === 'postgres') {
    database = await freshDatabase();
    storage = await PostgresStorage.open(database.url);
  }
  const clock = new ManualClock(START);
  // BENCH_SYNC=off (a diagnostic, not a figure): the log's syncs answer at once, to show what waiting for the disk costs.
  // Otherwise fs.fdatasync, as the server's default, counted.
  let syncs = 0;
  const syncLog = (fd: number, done: (error: Error | null) => void) => {
    syncs++;
    if (SYNC_OFF) setImmediate(() => done(null));
    else fdatasync(fd, done);
  };
  const server = createServer({ dbFile, storage, publicUrl: 'http://127.0.0.1:3000', clock, fetch: async () => new Response('ok'), syncLog });
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  await server.store.transaction((tx) => tx.projects.insert({
    name: PROJECT,
    publicKeyPem: publicKey,
    webhookUrl: 'https://merchant.example/hooks',
    webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
    origins: ['https://merchant.example'],
    confirmation: 'auto',
    confirmWindowMinutes: 240,
    fpsQrLifetimeMinutes: 15,
    createdAt: clock.now(),
  }));
  const project = (await server.store.projects.get(PROJECT)) as Project;

  /** Transactions begun, counted (the services call the storage's method through this object). */
  let transactions = 0;
  const transaction = server.store.transaction.bind(server.store);
  server.store.transaction = <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    transactions++;
    return transaction(fn);
  };

  /**
   * BENCH_STATEMENTS=1: the statements run, by their SQL, on node-postgres's client (each pooled
   * connection is one; BEGIN and COMMIT included) or on better-sqlite3's statements (run, get, all;
   * the write connection's BEGIN, SAVEPOINT, RELEASE and COMMIT included). Off by default: wrapping
   * better-sqlite3's methods alone added about 0.3 ms of CPU per charge (15 %) here.
   */
  let statementCount = 0;
  const statements = new Map<unknown, number>();
  const counted = (sql: unknown) => {
    statementCount++;
    const key = typeof sql === 'object' && sql && 'text' in sql ? sql.text : sql;
    statements.set(key, (statements.get(key) ?? 0) + 1);
  };
  if (LIST_STATEMENTS && STORE === 'postgres') {
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      counted(args[0]);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
  } else if (LIST_STATEMENTS) {
    const probe = new Database(':memory:');
    const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<'run' | 'get' | 'all', (...a: unknown[]) => unknown>;
    probe.close();
    for (const name of ['run', 'get', 'all'] as const) {
      const original = proto[name];
      proto[name] = function (this: { source: string }, ...args: unknown[]) {
        counted(this.source);
        return original.apply(this, args);
      };
    }
  }

  /** Every session a rail call was made for, in order of dispatch. */
  const dispatched: string[] = [];
  const dispatch = server.rails.dispatch.bind(server.rails);
  server.rails.dispatch = (call) => {
    dispatched.push(call.sessionId);
    dispatch(call);
  };

  console.log(`subscriptions bench: N=${N}, ${K} scheduler${K === 1 ? '' : 's'}, ${STORE}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  // ---- Setup: N active subscriptions.
  const setupStart = performance.now();
  const ids: string[] = [];
  /** Subscriptions `from`… (`count` of them) in one transaction, each with its first payment started; settles once the rail has answered them all. */
  const makeBatch = async (from: number, count: number) => {
    const firstSessions = await server.store.transaction(async (tx) => {
      const sessions: string[] = [];
      for (let i = from; i < from + count; i++) {
        const { subscription, session } = await server.subscriptions.create(tx, project, {
          amount: 49_900,
          currency: 'RUB',
          period: { unit: 'month', count: 1 },
          description: 'Подписка на канал',
          customer: { reference: `cus-${i}`, email: `reader${i}@example.com` },
        });
        const now = clock.now();
        // As the public /cards route tokenises the sandbox card 4242 4242 4242 4242.
        const card: CardTokenRow = {
          id: newSecretId('tok'), project: project.name, session_id: session.id, brand: 'visa', last4: '4242', expiry_month: 12, expiry_year: 2030,
          holder: 'IVAN PETROV', scenario: 'success', recurrent: 0, recurrent_at: null, used_at: null, disabled_at: null, created_at: now,
        };
        await tx.cards.insert(card);
        await server.sessions.startPayment(tx, project, session.id, { payment_details: { type: 'card', card: { token: card.id } }, recurrentConsentedAt: now });
        ids.push(subscription.id);
        sessions.push(session.id);
      }
      return sessions;
    });
    await Promise.all(firstSessions.map((id) => server.rails.settled(id)));
  };
  // SETUP_WORKERS batches under way at once: one's rail answers are recorded while the next is written.
  let next = 0;
  const setupWorker = async () => {
    while (next < N) {
      const from = next;
      next += BATCH;
      await makeBatch(from, Math.min(BATCH, N - from));
    }
  };
  await Promise.all(Array.from({ length: SETUP_WORKERS }, setupWorker));
  const setupMs = performance.now() - setupStart;
  const notActive = await countNot(ids, async (id) => (await server.store.subscriptions.get(id))?.status === 'active');
  console.log(`setup: ${N} subscriptions made and paid in ${(setupMs / 1000).toFixed(1)} s (${Math.round((N / setupMs) * 1000)} a second)${notActive ? `; ${notActive} NOT active` : ''}`);
  if (notActive) return 1;
  dispatched.length = 0;
  transactions = 0;
  syncs = 0;
  statements.clear();
  statementCount = 0;

  // ---- The measured phase: K schedulers charge every due subscription.
  clock.advance(32 * DAY);
  const profiler = CPU_PROF ? new Session() : null;
  if (profiler) {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
  }
  const pgCpu0 = database ? await backendCpu(database.url) : null;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  /** When each chargeDue call returned, ms after t0, and how many it took: the rate over the phase. */
  const rounds: { at: number; taken: number }[] = [];
  const loops = await Promise.all(Array.from({ length: K }, async () => {
    let charged = 0;
    let calls = 0;
    for (;;) {
      const taken = await server.subscriptions.chargeDue();
      rounds.push({ at: performance.now() - t0, taken });
      calls++;
      charged += taken;
      if (taken === 0) return { charged, calls };
    }
  }));
  const claimedMs = performance.now() - t0;
  const cpuClaimed = process.cpuUsage(cpu0);
  // A capture the start led to is dispatched later: settle until no new call turns up.
  for (let seen = 0; seen < dispatched.length;) {
    const batch = dispatched.slice(seen);
    seen = dispatched.length;
    await Promise.all(batch.map((id) => server.rails.settled(id)));
  }
  const settledMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  let pgCpuMs: number | null = null;
  if (database && pgCpu0) {
    const after = await backendCpu(database.url);
    pgCpuMs = [...after].reduce((sum, [pid, ms]) => sum + ms - (pgCpu0.get(pid) ?? 0), 0);
  }
  const measured = { transactions, syncs, statements: statementCount };
  const bySql = new Map<string, number>();
  for (const [sql, n] of statements) {
    const text = String(sql).replace(/\s+/g, ' ').trim();
    bySql.set(text, (bySql.get(text) ?? 0) + n);
  }
  if (profiler) {
    const { profile } = await profiler.post('Profiler.stop');
    mkdirSync(CPU_PROF!, { recursive: true });
    const file = join(CPU_PROF!, `subscriptions-${STORE}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    profiler.disconnect();
    console.log(`CPU profile of the measured phase: ${file}`);
  }
  const charges = loops.reduce((a, l) => a + l.charged, 0);
  const cpuUs = (c: NodeJS.CpuUsage) => c.user + c.system;

  // ---- The check (not timed).
  const problems: string[] = [];
  const chargeSessions: string[] = [];
  let wrongCharges = 0;
  let wrongRows = 0;
  for (const id of ids) {
    const rows = await server.store.subscriptions.charges(id);
    const shape = rows.map((c) => `${c.period}/${c.attempt}`).join(',');
    if (shape !== '1/1,2/1') {
      if (wrongCharges++ < 5) problems.push(`${id}: charges (period/attempt) ${shape || 'none'}, not 1/1,2/1`);
    }
    for (const c of rows) if (c.period === 2) chargeSessions.push(c.session_id);
  }
  await Promise.all(chargeSessions.map((s) => server.rails.settled(s)));
  for (const id of ids) {
    const row = await server.store.subscriptions.get(id);
    if (!row || row.status !== 'active' || row.periods_paid !== 2 || row.charge_session_id !== null) {
      if (wrongRows++ < 5) problems.push(`${id}: ${row ? `status ${row.status}, periods_paid ${row.periods_paid}, charge_session_id ${row.charge_session_id}` : 'missing'}`);
    }
  }
  const counter = await railCounter(STORE, dbFile, database?.url);
  const railRecurrent = await counter.count(`SELECT count(*) AS n FROM sandbox_rail_payments WHERE method = 'recurrent'`);
  const railCaptured = await counter.count(`SELECT count(*) AS n FROM sandbox_rail_payments WHERE method = 'recurrent' AND status = 'captured'`);
  // Recurrent payments at the rail per subscription: exactly one each (its period 2).
  const perSubscription = `SELECT sc.subscription_id, count(*) AS c FROM sandbox_rail_payments r
    JOIN payments p ON p.id = r.payment_id JOIN subscription_charges sc ON sc.session_id = p.session_id
    WHERE r.method = 'recurrent' GROUP BY sc.subscription_id`;
  const chargedOnce = await counter.count(`SELECT count(*) AS n FROM (${perSubscription}) t WHERE c = 1`);
  const chargedTwice = await counter.count(`SELECT count(*) AS n FROM (${perSubscription}) t WHERE c > 1`);
  await counter.close();
  if (charges !== N) problems.push(`the schedulers reported ${charges} charges, not ${N}`);
  if (railRecurrent !== N) problems.push(`${railRecurrent} recurrent payments at the sandbox rail, not ${N}`);
  if (railCaptured !== N) problems.push(`${railCaptured} of them captured, not ${N}`);
  if (chargedOnce !== N) problems.push(`${chargedOnce} subscriptions charged exactly once at the rail, not ${N}`);
  if (chargedTwice) problems.push(`${chargedTwice} subscriptions charged MORE THAN ONCE at the rail`);
  if (wrongCharges > 5) problems.push(`… ${wrongCharges} subscriptions with wrong charges in all`);
  if (wrongRows > 5) problems.push(`… ${wrongRows} subscriptions in the wrong state in all`);

  // ---- The figures.
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log('');
  console.log(`subscriptions charged          ${charges} of ${N} (per scheduler: ${loops.map((l) => `${l.charged} in ${l.calls} chargeDue calls`).join('; ')})`);
  console.log(`claimed and started            ${s(claimedMs)}  (${Math.round((charges / claimedMs) * 1000)} a second; CPU ${(cpuUs(cpuClaimed) / 1000 / claimedMs * 100).toFixed(0)} % of one core)`);
  console.log(`claims a second, by fifth      ${byFifth(rounds, charges).join(' ')} (first fifth of the charges to last: a falling rate would mean a cost that grows with the run)`);
  console.log(`all settled (rail answered)    ${s(settledMs)}  (the last rail answers ${s(settledMs - claimedMs)} after the last claim)`);
  console.log(`charges per second             ${Math.round((charges / settledMs) * 1000)}`);
  console.log(`server CPU per charge          ${(cpuUs(cpu) / charges / 1000).toFixed(2)} ms (user ${(cpu.user / charges / 1000).toFixed(2)} + system ${(cpu.system / charges / 1000).toFixed(2)}; ${(cpuUs(cpu) / 1000 / settledMs * 100).toFixed(0)} % of one core over the phase${STORE === 'postgres' ? '; PostgreSQL\'s own CPU not included' : ''})`);
  if (pgCpuMs !== null) console.log(`PostgreSQL CPU per charge      ${(pgCpuMs / charges).toFixed(2)} ms (the backends of this database's connections, from /proc; ${(pgCpuMs / settledMs * 100).toFixed(0)} % of one core over the phase)`);
  const per = (n: number) => (n / Math.max(charges, 1)).toFixed(2);
  console.log(`rail calls dispatched          ${dispatched.length} (${per(dispatched.length)} per charge)`);
  console.log(`transactions                   ${measured.transactions} (${per(measured.transactions)} per charge, the chargeDue calls that found nothing included)`);
  if (LIST_STATEMENTS) console.log(`statements run                 ${measured.statements} (${per(measured.statements)} per charge, BEGIN and COMMIT included; by SQL, per charge:)`);
  for (const [sql, n] of [...bySql].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${per(n).padStart(6)}  ${sql.length > 110 ? `${sql.slice(0, 107)}…` : sql}`);
  if (STORE === 'sqlite') console.log(`log syncs (fdatasync)          ${measured.syncs} (${per(measured.syncs)} per charge)${SYNC_OFF ? ': BENCH_SYNC=off, none really made' : ''}`);
  console.log(`check                          ${problems.length ? 'FAILED' : 'ok'}: ${N - wrongCharges} with charges 1/1,2/1; ${N - wrongRows} active with periods_paid 2; ${railRecurrent} recurrent payments at the rail (${railCaptured} captured), ${chargedOnce} subscriptions charged exactly once, ${chargedTwice} more than once`);
  for (const p of problems) console.log(`  ${p}`);
  console.log('');
  console.log(`summary: ${STORE}, N=${N}, K=${K}: ${Math.round((charges / settledMs) * 1000)} charges/s, ${(cpuUs(cpu) / charges / 1000).toFixed(2)} ms CPU per charge, claimed in ${s(claimedMs)}, settled in ${s(settledMs)}, setup ${(setupMs / 1000).toFixed(1)} s, ${problems.length ? 'CHECK FAILED' : 'each charged once'}`);

  await server.stop();
  if (KEEP) console.log(`kept: ${STORE === 'sqlite' ? dbFile : database!.url}`);
  else {
    rmSync(dir, { recursive: true, force: true });
    await database?.drop();
  }
  return problems.length ? 1 : 0;
}

/**
 * CPU time (ms) so far of each PostgreSQL backend serving `url`'s database, by pid, from
 * /proc/<pid>/stat (utime + stime): the server runs on this machine (with-postgres.ts's cluster).
 * A backend that ends during the phase is not counted; the pool keeps its connections while busy.
 */
async function backendCpu(url: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  await client.end();
  const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, ((Number(fields[11]) + Number(fields[12])) / ticks) * 1000);
    } catch { /* not on this machine, or gone */ }
  }
  return out;
}

/** The claim rate (a second) over each fifth of the charges, from the chargeDue calls' return times. */
function byFifth(rounds: { at: number; taken: number }[], total: number): number[] {
  const sorted = [...rounds].sort((a, b) => a.at - b.at);
  const out: number[] = [];
  let done = 0;
  let from = { at: 0, done: 0 };
  for (const r of sorted) {
    done += r.taken;
    if (done >= ((out.length + 1) * total) / 5 && r.at > from.at) {
      out.push(Math.round(((done - from.done) / (r.at - from.at)) * 1000));
      from = { at: r.at, done };
    }
  }
  return out;
}

/** How many of `ids` fail `ok`. */
async function countNot(ids: string[], ok: (id: string) => Promise<boolean>): Promise<number> {
  let n = 0;
  for (const id of ids) if (!(await ok(id))) n++;
  return n;
}

/** A connection of our own for the counts (the storage port has none): read-only SQLite on the data file, or a pg client. */
async function railCounter(store: 'sqlite' | 'postgres', dbFile: string, url: string | undefined) {
  if (store === 'sqlite') {
    const db = new Database(dbFile, { readonly: true, fileMustExist: true });
    return {
      count: async (sql: string) => Number((db.prepare(sql).get() as { n: number }).n),
      close: async () => void db.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    count: async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]!.n),
    close: () => client.end(),
  };
}
