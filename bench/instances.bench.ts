/**
 * `npm run bench:instances`: two instances on one PostgreSQL (separate processes, as in
 * test/instances/), the figures of issue #12:
 *  - 1,000 long-polls spread over both instances, each on its own FPS session; the sandbox bank
 *    approves every payment through either instance, at a steady BENCH_APPROVE_RATE (100 a
 *    second: both instances, PostgreSQL and this load share two cores); each client's
 *    latency is from its approval being sent to its long-poll answer having arrived
 *    (target p95 ≤ 50 ms): the change crosses instances by LISTEN/NOTIFY for half of them;
 *  - 10,000 clients waiting on one instance (10 per session), and the instance's memory per
 *    waiting client (its resident set before and after, from /proc).
 * Run on demand, not in `npm test`; it starts its own throwaway PostgreSQL unless DATABASE_URL is set.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCluster, type Cluster, type Instance } from '../test/instances/cluster';

const LONG_POLLS = Number(process.env.BENCH_LONG_POLLS ?? 1_000);
const WAITERS = Number(process.env.BENCH_WAITERS ?? 10_000);
const WAITERS_PER_SESSION = 10;
const APPROVE_RATE = Number(process.env.BENCH_APPROVE_RATE ?? 100);

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** GET with its own connection pool (fetch's would queue 10,000 requests to one origin). */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

type Waiting = { id: string; paymentId: string; token: string; version: number };

async function prepare(c: Cluster, n: number): Promise<Waiting[]> {
  const out: Waiting[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < n) {
        const i = next++;
        const at = c.instances[i % c.instances.length]!;
        const created = await c.call(at, 'session/init/payment', { amount_details: { amount: 50_000 + i, currency: 'RUB' }, payment_details: { type: 'faster_payment_system' } });
        if (created.status !== 200) throw new Error(`init/payment answered ${created.status}: ${JSON.stringify(created.body)}`);
        const token = (await c.call(at, 'token', { session_id: created.body.session.id })).body.public_token as string;
        const view = JSON.parse((await get(`${at.url}/public/v1/sessions/${token}`)).body) as { version: number };
        out.push({ id: created.body.session.id, paymentId: created.body.session.acquiring_payments[0].id, token, version: view.version });
      }
    }),
  );
  return out;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};

async function longPollFanOut(c: Cluster) {
  const sessions = await prepare(c, LONG_POLLS);
  const [a, b] = c.instances as [Instance, Instance];
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const approveMs: number[] = [];
  let crossed = 0;
  // Client i waits on instance i % 2; its approval goes to instance (i + 1) % 2 for odd i: half cross.
  const polls = sessions.map((s, i) => {
    const at = i % 2 === 0 ? a : b;
    return get(`${at.url}/public/v1/sessions/${s.token}?version=${s.version}&wait=30`).then((res) => {
      const view = JSON.parse(res.body) as { status: string };
      if (view.status !== 'accepted') throw new Error(`long-poll answered ${view.status}`);
      latencies.push(performance.now() - sentAt.get(s.id)!);
    });
  });
  await sleep(1_000); // every client is waiting
  const cpuBefore = cpuMs(a.pid!) + cpuMs(b.pid!);
  const approvals: Promise<void>[] = [];
  const begun = performance.now();
  for (let i = 0; i < sessions.length; i++) {
    // A steady rate: approval i is sent at i / rate seconds, whatever the answers before it.
    const due = begun + (i * 1000) / APPROVE_RATE - performance.now();
    if (due > 0) await sleep(due);
    const s = sessions[i]!;
    const waitsOn = i % 2;
    const approveOn = i % 4 < 2 ? waitsOn : 1 - waitsOn;
    if (approveOn !== waitsOn) crossed++;
    const sent = performance.now();
    sentAt.set(s.id, sent);
    approvals.push(
      c.post(c.instances[approveOn]!, `/sandbox/payments/${s.paymentId}/approve`, {}).then((res) => {
        if (res.status !== 200) throw new Error(`approve answered ${res.status}: ${JSON.stringify(res.body)}`);
        approveMs.push(performance.now() - sent);
      }),
    );
  }
  await Promise.all([...approvals, ...polls]);
  const cpu = cpuMs(a.pid!) + cpuMs(b.pid!) - cpuBefore;
  latencies.sort((x, y) => x - y);
  approveMs.sort((x, y) => x - y);
  return { approveP50: percentile(approveMs, 50), approveP95: percentile(approveMs, 95), n: latencies.length, crossed, p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies.at(-1)!, cpuPerApprovalMs: cpu / sessions.length };
}

async function manyWaiters(c: Cluster) {
  const at = c.instances[0]!;
  const sessions = await prepare(c, Math.ceil(WAITERS / WAITERS_PER_SESSION));
  await sleep(2_000);
  const before = rssKiB(at.pid!);
  const answered: Promise<unknown>[] = [];
  for (let i = 0; i < WAITERS; i++) {
    const s = sessions[i % sessions.length]!;
    answered.push(get(`${at.url}/public/v1/sessions/${s.token}?version=${s.version}&wait=30`).catch(() => null));
  }
  await sleep(6_000); // every request is in and waiting
  const after = rssKiB(at.pid!);
  // Release them: each session's approval answers its ten waiters.
  await Promise.all(sessions.map((s, i) => c.post(c.instances[i % 2]!, `/sandbox/payments/${s.paymentId}/approve`, {})));
  await Promise.all(answered);
  return { waiters: WAITERS, rssBeforeMiB: before / 1024, rssAfterMiB: after / 1024, perWaiterKiB: (after - before) / WAITERS };
}

const c = await startCluster(2, process.env.BENCH_CPU_PROF ? { env: { SG_NODE_ARGS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROF}` } } : {});
try {
  const fan = await longPollFanOut(c);
  const many = await manyWaiters(c);
  const pass = fan.p95 <= 50;
  console.log('two instances on one PostgreSQL');
  console.log(`  long-poll fan-out: ${fan.n} clients over 2 instances, approvals at ${APPROVE_RATE}/s, ${fan.crossed} of them on the other instance`);
  console.log(`    approval → answer: p50 ${fan.p50.toFixed(1)} ms, p95 ${fan.p95.toFixed(1)} ms (target ≤ 50: ${pass ? 'PASS' : 'FAIL'}), p99 ${fan.p99.toFixed(1)} ms, max ${fan.max.toFixed(1)} ms`);
  console.log(`    the approval request itself: p50 ${fan.approveP50.toFixed(1)} ms, p95 ${fan.approveP95.toFixed(1)} ms`);
  console.log(`    server CPU per approval (both instances, its long-polls' answers included): ${fan.cpuPerApprovalMs.toFixed(2)} ms`);
  console.log(`  ${many.waiters} clients waiting on one instance: resident ${many.rssBeforeMiB.toFixed(0)} → ${many.rssAfterMiB.toFixed(0)} MiB, ${many.perWaiterKiB.toFixed(1)} KiB per waiting client (socket, request, closure)`);
  if (process.env.BENCH_STRICT === '1' && !pass) process.exitCode = 1;
} finally {
  await c.stop();
}
