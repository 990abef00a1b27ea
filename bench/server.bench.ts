/**
 * `npm run bench`: the server's figures of issue #2 (Benchmarks), on loopback, in one run.
 *
 *  1. A child process serves the checkout app (createServer + @hono/node-server, SQLite in a temp
 *     DATA_DIR, durable commits) and, on a second port, a plain Hono hello-world app: the
 *     baseline. The load generator runs here, in this process (wrk when installed, else
 *     autocannon), so it never shares an event loop with the server.
 *  2. Throughput, in rounds (BENCH_ROUNDS, 3), each run after a warm-up: hello world; the public
 *     status read (GET /public/v1/sessions/:token, no wait); the signed merchant `session/status`;
 *     a POST echo on the hello-world app (the create requests, body read, parsed and answered: the
 *     floor under any JSON POST, for scale); the signed `session/create` (a pool of distinct
 *     pre-signed bodies). Each figure is a ratio to the hello world of its own round, measured
 *     seconds before it, and the table gives the median round: a shared machine that speeds up
 *     or slows down over a minute skews no ratio. Targets:
 *     status read ≥ 60 %, signed create ≥ 20 %. Also the server's CPU per request, which does not
 *     depend on the load generator.
 *  3. Long-poll fan-out: 1,000 clients wait on their own FPS session; the sandbox bank approves
 *     every payment at a steady rate; approval sent → long-poll answered, p50 / p95 / max
 *     (target p95 ≤ 50 ms); the server's RSS and heap per waiting client.
 *
 * Settings (environment): BENCH_CONNECTIONS (50), BENCH_DURATION (5 s), BENCH_WARMUP (2 s), BENCH_ROUNDS (3),
 * BENCH_CLIENTS (1000), BENCH_APPROVE_RATE (200 per second; 0 = all at once),
 * BENCH_PHASES (hello,public,merchant,echo,create,longpoll; also pay: a signed session/init/payment by FPS,
 * which records the attempt, calls the sandbox rail and records its answer), BENCH_LOAD (auto: wrk when installed, else
 * autocannon; or wrk | autocannon), BENCH_CPU_PROF=<dir> (CPU-profile the server process in each
 * phase, <dir>/<phase>.cpuprofile; summarise with `tsx bench/cpuprofile-top.ts <file>`),
 * BENCH_JSON=<file> (figures as JSON), BENCH_STRICT=1 (exit 1 when a target is missed; by default a
 * completed run exits 0 and only failed requests make it exit 1).
 */
import http from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Request } from 'autocannon';
import { ServerProcess } from './child';
import { Merchant, createBody } from './merchant';
import { measure, pickGenerator, type LoadResult, type LoadSettings } from './load';
import { fanOut, percentile, prepareSessions, type FanOutResult } from './longpoll';
import type { DiskProbe } from './protocol';
import { int, kib, mib, ms, pct, table } from './report';

/** Share of one core the server process used during the measured run (below ~100 %: it waited, e.g. on fsync). */
const busy = (r: LoadResult) => (r.serverCpuUs * (r.ok + r.non2xx)) / (r.durationSeconds * 1e6);

const env = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}=${raw} is not a number ≥ 0`);
  return value;
};

const settings: LoadSettings = {
  connections: env('BENCH_CONNECTIONS', 50),
  durationSeconds: env('BENCH_DURATION', 5),
  warmupSeconds: env('BENCH_WARMUP', 2),
};
const ROUNDS = Math.max(1, env('BENCH_ROUNDS', 3));
const CLIENTS = env('BENCH_CLIENTS', 1000);
const APPROVE_RATE = env('BENCH_APPROVE_RATE', 200);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'hello,public,merchant,echo,create,longpoll').split(',').map((s) => s.trim()));
/** Sessions the status reads rotate over, and the long-poll warm-up round. */
const READ_POOL = 100;
const WARMUP_CLIENTS = 50;
/** Distinct pre-signed session/create bodies; every connection cycles through all of them. */
const CREATE_POOL = 200;

const TARGETS = { statusRead: 0.6, signedCreate: 0.2, longPollP95Ms: 50 };
/** Hello world's fastest round over its slowest, above which the run warns that the machine's speed moved under it. */
const UNSTEADY_SWING = 1.25;

const COLUMNS = ['Measure (median round)', 'Result', 'Latency p50 / p99', 'Server CPU/req', 'Event loop CPU/req', 'Server busy', 'CPU vs hello', 'vs hello', 'Each round', 'Target', ''];

/** One throughput measure: what is loaded, and the share of hello world it must reach. */
type Throughput = { key: 'hello' | 'public' | 'merchant' | 'echo' | 'create' | 'pay'; label: string; url: string; requests: Request[]; target: { ratio: number; name: string } | null };
type Round = Partial<Record<Throughput['key'], LoadResult>>;

const median = (values: number[]) => values[medianIndex(values)] ?? NaN;
/** The index of the median value (the lower middle one of an even count). */
function medianIndex(values: number[]): number {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  return order[Math.floor((order.length - 1) / 2)]?.[1] ?? 0;
}
const GENERATOR = pickGenerator();

/** Receives the server's webhooks (it delivers them for real, to this process) and counts distinct events. */
function startWebhookSink(): Promise<{ url: string; events: Set<string>; close: () => void }> {
  const events = new Set<string>();
  const sink = http.createServer((req, res) => {
    const id = req.headers['webhook-id'];
    req.resume();
    req.on('end', () => {
      if (typeof id === 'string') events.add(id);
      res.writeHead(204).end();
    });
  });
  return new Promise((resolve) => {
    sink.listen(0, '127.0.0.1', () => {
      const address = sink.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ url: `http://127.0.0.1:${port}/webhooks`, events, close: () => sink.close() });
    });
  });
}

function log(message: string) {
  process.stderr.write(`[bench ${(performance.now() / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

async function main() {
  const started = performance.now();
  const merchant = new Merchant();
  const sink = await startWebhookSink();
  const profileDir = process.env.BENCH_CPU_PROF || undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const server = ServerProcess.start();
  /** Runs one phase, CPU-profiling the server meanwhile when BENCH_CPU_PROF is set. */
  async function phase<T>(name: string, run: () => Promise<T>): Promise<T> {
    if (!profileDir) return run();
    await server.profileStart();
    try {
      return await run();
    } finally {
      const file = join(profileDir, `${name}.cpuprofile`);
      await server.profileStop(file);
      log(`server CPU profile of ${name}: ${file}`);
    }
  }
  let clean = false;
  try {
    const info = await server.init(merchant.publicKeyPem, sink.url);
    merchant.baseUrl = info.appUrl;
    merchant.project = info.project;
    log(`server pid ${server.pid}: app ${info.appUrl}, hello world ${info.helloUrl}, DATA_DIR ${info.dataDir}${info.gc ? '' : ' (no --expose-gc!)'}`);

    /** Waits until every webhook the server has queued has reached the sink, so no delivery runs under a measurement. */
    async function drainWebhooks() {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { outbox } = await server.stats();
        if (sink.events.size >= outbox) return;
        if (Date.now() > deadline) throw new Error(`webhooks not drained: ${sink.events.size} of ${outbox} delivered`);
        await sleep(100);
      }
    }

    const needLongPoll = PHASES.has('longpoll');
    log(`preparing ${READ_POOL + (needLongPoll ? WARMUP_CLIENTS + CLIENTS : 0)} FPS sessions with public tokens through the signed API`);
    const prepared = await prepareSessions(merchant, READ_POOL + (needLongPoll ? WARMUP_CLIENTS + CLIENTS : 0));
    const readPool = prepared.slice(0, READ_POOL);
    const warmupSessions = prepared.slice(READ_POOL, READ_POOL + WARMUP_CLIENTS);
    const fanOutSessions = prepared.slice(READ_POOL + WARMUP_CLIENTS);
    await drainWebhooks();

    const describe = (r: LoadResult) =>
      `${r.label}: ${int(r.rps)} req/s (p50 ${r.latencyP50} ms, p99 ${r.latencyP99} ms, server CPU ${int(r.serverCpuUs)} µs/req of which event loop ${int(r.loopCpuUs)}, server busy ${pct(busy(r))}${r.non2xx || r.errors ? `, non-2xx ${r.non2xx} ${JSON.stringify(r.statusCodes)}, errors ${r.errors}` : ''})`;
    const load = (label: string, url: string, requests: Request[]) => measure(label, url, requests, settings, GENERATOR, () => server.cpu());
    log(`load generator: ${GENERATOR}`);

    const throughput: Throughput[] = [];
    if (PHASES.has('hello')) throughput.push({ key: 'hello', label: 'hello world', url: info.helloUrl, requests: [{ method: 'GET', path: '/' }], target: null });
    if (PHASES.has('public')) {
      const requests: Request[] = readPool.map((s) => ({ method: 'GET', path: `/public/v1/sessions/${s.token}` }));
      throughput.push({ key: 'public', label: 'public status read', url: info.appUrl, requests, target: { ratio: TARGETS.statusRead, name: 'status read (public view) ≥ 60 %' } });
    }
    if (PHASES.has('merchant')) {
      const requests: Request[] = readPool.map((s) => {
        const body = JSON.stringify({ session_id: s.sessionId });
        return { method: 'POST', path: '/api/v1/session/status', headers: merchant.headers(body), body };
      });
      throughput.push({ key: 'merchant', label: 'signed session/status', url: info.appUrl, requests, target: null });
    }
    const run = Date.now().toString(36);
    const createRequests: Request[] = Array.from({ length: CREATE_POOL }, (_, i) => {
      const body = createBody(i, run);
      return { method: 'POST', path: '/api/v1/session/create', headers: merchant.headers(body), body };
    });
    if (PHASES.has('echo')) {
      const requests = createRequests.map((r) => ({ ...r, path: '/echo' }));
      throughput.push({ key: 'echo', label: 'POST echo (Hono, no work)', url: info.helloUrl, requests, target: null });
    }
    if (PHASES.has('create')) {
      const requests = createRequests;
      throughput.push({ key: 'create', label: 'signed session/create', url: info.appUrl, requests, target: { ratio: TARGETS.signedCreate, name: 'signed session/create ≥ 20 %' } });
    }
    if (PHASES.has('pay')) {
      // A session and its FPS payment in one call: the attempt commits, the sandbox rail is called
      // after it is on disk, its answer (the QR) commits, and the reply shows it. Beside create,
      // what the two phases of the acquirer port cost.
      const requests = Array.from({ length: CREATE_POOL }, (_, i): Request => {
        const body = JSON.stringify({ ...JSON.parse(createBody(i, `${run}p`)), payment_details: { type: 'faster_payment_system' } });
        return { method: 'POST', path: '/api/v1/session/init/payment', headers: merchant.headers(body), body };
      });
      throughput.push({ key: 'pay', label: 'signed session/init/payment (FPS, both phases)', url: info.appUrl, requests, target: null });
    }
    const disk: { when: string; probe: DiskProbe }[] = [];
    const probeDisk = async (when: string) => {
      const probe = await server.probeDisk();
      disk.push({ when, probe });
      log(`fsync'd commit on the server's disk (${when}): p50 ${ms(probe.p50Ms)}, p95 ${ms(probe.p95Ms)}, max ${ms(probe.maxMs)}`);
    };
    if (PHASES.has('create')) await probeDisk('before create');
    const createRows = PHASES.has('create') ? { sessions: 0, outbox: 0, answered: 0, walBytes: 0 } : null;
    const rounds: Round[] = [];
    for (let r = 1; r <= (throughput.length ? ROUNDS : 0); r++) {
      const round: Round = {};
      for (const t of throughput) {
        const before = t.key === 'create' ? await server.stats() : null;
        const result = await phase(`${t.key}-${r}`, () => load(`${t.label}, round ${r}`, t.url, t.requests));
        round[t.key] = result;
        log(describe(result));
        if (before && createRows) {
          const after = await server.stats();
          // The warm-up's creates count too: compare the rows written with every 2xx answered.
          createRows.sessions += after.sessions - before.sessions;
          createRows.outbox += after.outbox - before.outbox;
          createRows.answered += result.warmupOk + result.ok;
          createRows.walBytes = after.walBytes;
          await drainWebhooks();
        }
      }
      rounds.push(round);
    }
    if (createRows) log(`create wrote ${createRows.sessions} sessions and ${createRows.outbox} outbox rows for ${createRows.answered} 2xx answers; write-ahead log now ${mib(createRows.walBytes)}`);

    let longPoll: FanOutResult | null = null;
    if (needLongPoll) {
      log(`long-poll warm-up: ${WARMUP_CLIENTS} clients`);
      const warm = await fanOut({ appUrl: info.appUrl, server, sessions: warmupSessions, approveRate: APPROVE_RATE });
      if (warm.failures.length) throw new Error(`long-poll warm-up failed: ${warm.failures.slice(0, 5).join('; ')}`);
      await drainWebhooks();
      await probeDisk('before the fan-out');
      log(`long-poll fan-out: ${CLIENTS} clients, approvals at ${APPROVE_RATE > 0 ? `${APPROVE_RATE}/s` : 'once'}`);
      longPoll = await phase('longpoll', () => fanOut({ appUrl: info.appUrl, server, sessions: fanOutSessions, approveRate: APPROVE_RATE }));
      log(
        `clients waiting after ${ms(longPoll.connectMs)}; approvals sent over ${ms(longPoll.approveSpanMs)}; ` +
          `answered ${longPoll.latencies.length}/${CLIENTS}; approve answer p50 ${ms(percentile(longPoll.approveLatencies, 50))} p95 ${ms(percentile(longPoll.approveLatencies, 95))}`,
      );
      if (longPoll.failures.length) log(`long-poll failures (${longPoll.failures.length}): ${longPoll.failures.slice(0, 5).join('; ')}`);
      await drainWebhooks();
    }

    await server.stop();
    clean = true;
    sink.close();

    // ---- The table ----
    const rows: string[][] = [];
    /** A row of three figures, its target and verdict, blank in the throughput-only columns between. */
    const shortRow = (figures: string[], target: string, verdict: string) => [...figures, ...Array<string>(COLUMNS.length - figures.length - 2).fill(''), target, verdict];
    const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const checks: { name: string; ok: boolean }[] = [];
    for (const t of throughput) {
      const runs = rounds.map((round) => ({ run: round[t.key]!, hello: round.hello }));
      const ratios = runs.map(({ run, hello }) => (hello ? run.rps / hello.rps : NaN));
      const cpuRatios = runs.map(({ run, hello }) => (hello ? hello.serverCpuUs / run.serverCpuUs : NaN));
      const ratio = median(ratios);
      const ok = t.target === null || !Number.isFinite(ratio) ? null : ratio >= t.target.ratio;
      if (ok !== null) checks.push({ name: t.target!.name, ok });
      const mid = runs[medianIndex(t.key === 'hello' ? runs.map(({ run }) => run.rps) : ratios)]!.run;
      rows.push([
        `${t.label} (req/s)`,
        int(mid.rps),
        `${mid.latencyP50} / ${mid.latencyP99} ms`,
        `${int(mid.serverCpuUs)} µs`,
        `${int(mid.loopCpuUs)} µs`,
        pct(busy(mid)),
        t.key === 'hello' ? '' : pct(median(cpuRatios), 1),
        t.key === 'hello' ? '' : pct(ratio, 1),
        (t.key === 'hello' ? runs.map(({ run }) => int(run.rps)) : ratios.map((r) => pct(r, 1))).join(' · '),
        t.target === null ? (t.key === 'hello' ? 'baseline' : 'info') : `≥ ${pct(t.target.ratio)}`,
        ok === null ? '' : verdict(ok),
      ]);
    }
    if (longPoll) {
      const p95 = percentile(longPoll.latencies, 95);
      const ok = longPoll.failures.length === 0 && p95 <= TARGETS.longPollP95Ms;
      checks.push({ name: 'long-poll p95 ≤ 50 ms', ok });
      rows.push(shortRow([`long-poll: approval → answer, ${CLIENTS} clients`, `p95 ${ms(p95)}`, `p50 ${ms(percentile(longPoll.latencies, 50))}, max ${ms(Math.max(...longPoll.latencies))}`], `p95 ≤ ${TARGETS.longPollP95Ms} ms`, verdict(ok)));
      const d = longPoll.during;
      const b = longPoll.before;
      rows.push(shortRow(['server memory per waiting client', `heap ${kib((d.heapUsed - b.heapUsed) / CLIENTS)}`, `RSS ${kib((d.rss - b.rss) / CLIENTS)}`], 'report', ''));
    }

    const runtime = (performance.now() - started) / 1000;
    console.log('');
    console.log(
      `sg-checkout server benchmark (${process.env.BENCH_STORE === 'postgres' ? 'PostgreSQL' : 'SQLite'}) — Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? '?'}), loopback; ` +
        `${GENERATOR}${GENERATOR === 'wrk' ? ' -t2' : ''} with ${settings.connections} connections × ${settings.durationSeconds} s after a ${settings.warmupSeconds} s warm-up, ${ROUNDS} rounds`,
    );
    console.log('');
    console.log(table(COLUMNS, rows));
    console.log('');
    console.log(
      [
        `"vs hello" (the target) is req/s over the req/s of hello world in the same round, the median of the rounds ("Each round" lists them). "Server CPU/req" is the server`,
        `process's user + system CPU per answered request, all threads; "Event loop CPU/req" the part of it on the main thread, which every request must pass;`,
        `"Server busy" is the process's CPU over the run's wall time (one core = 100 %; its other threads add more;`,
        `well below 100 %: the server waited, e.g. on fsync, or the generator could not keep up); "CPU vs hello" is hello world's CPU per request over`,
        `this one's: the ratio a server with a core to itself would show, whatever the load generator costs.`,
      ].join('\n'),
    );
    if (GENERATOR === 'autocannon') {
      console.log('autocannon (JavaScript) shares the 2 cores with the server and can cap hello world, which flatters "vs hello": `apt-get install -y wrk` for a closer figure.');
    }
    for (const r of rounds.flatMap((round) => Object.values(round))) {
      if (r.non2xx || r.errors) console.log(`! ${r.label}: ${r.non2xx} non-2xx ${JSON.stringify(r.statusCodes)}, ${r.errors} socket errors or timeouts`);
    }
    if (createRows) {
      console.log(
        `session/create: ${int(createRows.answered)} answers wrote ${int(createRows.sessions)} session rows and ${int(createRows.outbox)} outbox rows` +
          (createRows.outbox === 0 ? ' (this server writes no outbox row on create)' : ''),
      );
    }
    if (longPoll) {
      const { before: b, during: d } = longPoll;
      console.log(
        `long-poll: ${longPoll.latencies.length}/${CLIENTS} answered, ${longPoll.failures.length} failures; clients connected in ${ms(longPoll.connectMs)}; ` +
          `approvals ${APPROVE_RATE > 0 ? `at ${APPROVE_RATE}/s` : 'all at once'} over ${ms(longPoll.approveSpanMs)}.`,
      );
      console.log(
        `  approval sent → approval answered: p50 ${ms(percentile(longPoll.approveLatencies, 50))} / p95 ${ms(percentile(longPoll.approveLatencies, 95))}; ` +
          `approval answered → long-poll answered: p50 ${ms(percentile(longPoll.afterApprove, 50))} / p95 ${ms(percentile(longPoll.afterApprove, 95))} (the wake-up itself); ` +
          `server event-loop delay meanwhile p50 ${ms(longPoll.loopDelay.p50Ms)} / p99 ${ms(longPoll.loopDelay.p99Ms)} / max ${ms(longPoll.loopDelay.maxMs)} ` +
          `(this bench process's, nearly idle: max ${ms(longPoll.benchLoopDelay.maxMs)}; as long as the server's = the machine stalled)`,
      );
      console.log(
        `server memory (after forced GC) before → with ${CLIENTS} waiting: RSS ${mib(b.rss)} → ${mib(d.rss)}, heap used ${mib(b.heapUsed)} → ${mib(d.heapUsed)}, external ${mib(b.external)} → ${mib(d.external)}`,
      );
    }
    if (disk.length) {
      console.log(
        `fsync'd one-row SQLite commit on this disk (WAL, synchronous = FULL; 100 probes): ` +
          disk.map(({ when, probe }) => `${when} p50 ${ms(probe.p50Ms)} / p95 ${ms(probe.p95Ms)}`).join('; ') +
          ' — about what a write request waits for before it is answered (the server syncs on a thread beside its event loop, one sync for all the writes that arrive meanwhile).',
      );
    }
    const helloRates = rounds.flatMap((round) => (round.hello ? [round.hello.rps] : []));
    const swing = helloRates.length > 1 ? Math.max(...helloRates) / Math.min(...helloRates) : 1;
    if (swing > UNSTEADY_SWING) {
      console.log(
        `! hello world ran at ${int(Math.min(...helloRates))}–${int(Math.max(...helloRates))} req/s over the rounds (×${swing.toFixed(2)}): this machine's speed was not steady, ` +
          'and a ratio moves with it (on a shared 2-core machine, one round apart). Read "Each round" rather than the median alone; more rounds (BENCH_ROUNDS) or a quieter machine give a firmer figure.',
      );
    }
    const missed = checks.filter((c) => !c.ok);
    console.log(
      `Summary: ${checks.length - missed.length}/${checks.length} targets met${missed.length ? ` (missed: ${missed.map((c) => c.name).join(', ')})` : ''}; ${sink.events.size} webhooks delivered; ran ${runtime.toFixed(0)} s.`,
    );

    if (process.env.BENCH_JSON) {
      writeFileSync(process.env.BENCH_JSON, JSON.stringify({ settings, generator: GENERATOR, disk, rounds, createRows, longPoll: longPoll && { ...longPoll, p50: percentile(longPoll.latencies, 50), p95: percentile(longPoll.latencies, 95), max: Math.max(...longPoll.latencies) }, checks }, null, 2));
    }
    const invalid = rounds.some((round) => Object.values(round).some((r) => r.non2xx > 0 || r.errors > 0)) || (longPoll?.failures.length ?? 0) > 0;
    if (invalid) {
      console.log('The run had failed requests: its figures are not valid.');
      process.exitCode = 1;
    } else if (missed.length && process.env.BENCH_STRICT === '1') {
      process.exitCode = 1;
    }
  } finally {
    if (!clean) {
      sink.close();
      await server.stop().catch(() => server.kill());
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
