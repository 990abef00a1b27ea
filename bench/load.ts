/**
 * Throughput runs: a warm-up (discarded), then the measured run, with wrk when it is installed
 * (C, epoll: it leaves the server more of a 2-core machine) or autocannon (an npm devDependency,
 * so `npm run bench` runs on a fresh machine). Both cycle each connection through the same list
 * of requests, each built once, so pre-signed bodies cost the generator nothing per request.
 * The server's own CPU time per request is read around the measured run: unlike req/s, it does
 * not depend on how much of the machine the load generator takes.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import autocannon, { type Request } from 'autocannon';
import type { ServerCpu } from './protocol';

export type LoadSettings = { connections: number; durationSeconds: number; warmupSeconds: number };
export type Generator = 'wrk' | 'autocannon';

export type LoadResult = {
  label: string;
  generator: Generator;
  /** 2xx answers per second over the measured run. */
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  latencyP50: number;
  latencyP99: number;
  durationSeconds: number;
  /** Server CPU (user + system, all threads) per answered request in the measured run, µs. */
  serverCpuUs: number;
  /** The share of it spent on the event loop's thread: what one request costs the one thread all must pass. */
  loopCpuUs: number;
};

type Raw = Omit<LoadResult, 'label' | 'generator' | 'serverCpuUs' | 'loopCpuUs'>;

/** `BENCH_LOAD`: wrk | autocannon | auto (wrk when on PATH, else autocannon). */
export function pickGenerator(wanted = process.env.BENCH_LOAD ?? 'auto'): Generator {
  if (wanted === 'autocannon') return 'autocannon';
  let hasWrk = false;
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    hasWrk = true;
  } catch (error) {
    // `wrk --version` prints its usage and exits 1; only a missing binary is ENOENT.
    hasWrk = (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
  if (wanted === 'wrk' && !hasWrk) throw new Error('BENCH_LOAD=wrk but wrk is not installed (apt-get install -y wrk)');
  return hasWrk && wanted !== 'autocannon' ? 'wrk' : 'autocannon';
}

export async function measure(
  label: string,
  url: string,
  requests: Request[],
  settings: LoadSettings,
  generator: Generator,
  serverCpu: () => Promise<ServerCpu>,
): Promise<LoadResult & { warmupOk: number }> {
  const run = generator === 'wrk' ? runWrk : runAutocannon;
  const warmup = settings.warmupSeconds > 0 ? await run(url, requests, settings.connections, settings.warmupSeconds) : null;
  const cpuBefore = await serverCpu();
  const raw = await run(url, requests, settings.connections, settings.durationSeconds);
  const cpuAfter = await serverCpu();
  const answered = Math.max(1, raw.ok + raw.non2xx);
  return {
    label,
    generator,
    ...raw,
    serverCpuUs: (cpuAfter.process - cpuBefore.process) / answered,
    loopCpuUs: (cpuAfter.loop - cpuBefore.loop) / answered,
    warmupOk: warmup?.ok ?? 0,
  };
}

async function runAutocannon(url: string, requests: Request[], connections: number, duration: number): Promise<Raw> {
  const result = await autocannon({ url, connections, pipelining: 1, timeout: 10, requests, duration });
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  return {
    rps: result['2xx'] / result.duration,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    statusCodes,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
    durationSeconds: result.duration,
  };
}

const luaString = (s: string) => {
  let level = '';
  while (s.includes(`]${level}]`)) level += '=';
  return `[${level}[${s}]${level}]`;
};

/** A wrk Lua script that cycles through `requests` (formatted once per thread, in `init`, once wrk has set Host). */
function wrkScript(requests: Request[]): string {
  const lines = requests.map((r) => {
    const headers = Object.entries(r.headers ?? {})
      .map(([k, v]) => `[ ${luaString(k)} ] = ${luaString(v)}`)
      .join(', ');
    return `  requests[#requests + 1] = wrk.format(${luaString(r.method ?? 'GET')}, ${luaString(r.path ?? '/')}, { ${headers} }, ${r.body === undefined ? 'nil' : luaString(String(r.body))})`;
  });
  return [
    'local requests = {}',
    'local i = 0',
    'function init(args)',
    ...lines,
    // Threads start at different places in the list, as autocannon's connections interleave.
    '  i = math.random(#requests) - 1',
    'end',
    'function request()',
    '  i = i % #requests + 1',
    '  return requests[i]',
    'end',
    '',
  ].join('\n');
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const toMs = (value: string, unit: string) => Number(value) * (TIME_UNITS[unit] ?? NaN);

async function runWrk(url: string, requests: Request[], connections: number, duration: number): Promise<Raw> {
  const dir = mkdtempSync(join(tmpdir(), 'sg-bench-wrk-'));
  try {
    const script = join(dir, 'requests.lua');
    writeFileSync(script, wrkScript(requests));
    const args = ['-t2', `-c${connections}`, `-d${duration}s`, '--timeout', '10s', '--latency', '-s', script, url];
    const { stdout } = await promisify(execFile)('wrk', args, { maxBuffer: 1 << 20 });
    const total = stdout.match(/(\d+) requests in ([\d.]+)(us|ms|s|m),/);
    if (!total) throw new Error(`cannot read wrk's output:\n${stdout}`);
    const count = Number(total[1]);
    const seconds = toMs(total[2]!, total[3]!) / 1000;
    const non2xx = Number(stdout.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
    const socket = stdout.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
    const errors = socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0;
    const latency = (p: string) => {
      const m = stdout.match(new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
      return m ? Math.round(toMs(m[1]!, m[2]!) * 100) / 100 : NaN;
    };
    return {
      rps: (count - non2xx) / seconds,
      ok: count - non2xx,
      non2xx,
      errors,
      statusCodes: non2xx ? { 'non-2xx': non2xx } : {},
      latencyP50: latency('50'),
      latencyP99: latency('99'),
      durationSeconds: seconds,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
