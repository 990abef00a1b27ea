/**
 * Long-poll fan-out: N clients each wait on `GET /public/v1/sessions/:token?version=V&wait=30`
 * for their own FPS session; the sandbox bank then approves every payment at a steady rate, and
 * each client's latency is the time from its approval request being sent to its long-poll
 * answer having fully arrived.
 */
import http from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerProcess } from './child';
import type { Merchant } from './merchant';
import type { LoopDelay, Stats } from './protocol';

/** An FPS session waiting for the customer's bank, as its widget sees it. */
export type WaitingSession = { sessionId: string; paymentId: string; token: string; version: number };

/** Creates `n` FPS sessions through the signed API, each with a public token, `concurrency` at a time. */
export async function prepareSessions(merchant: Merchant, n: number, concurrency = 16): Promise<WaitingSession[]> {
  const out: WaitingSession[] = new Array(n);
  let next = 0;
  async function worker() {
    while (next < n) {
      const i = next++;
      const init = await merchant.call<{ session: { id: string; acquiring_payments: { id: string }[] } }>('session/init/payment', {
        amount_details: { amount: 50_000 + i, currency: 'RUB' },
        description: `Long-poll order ${i}`,
        payment_details: { type: 'faster_payment_system' },
      });
      const sessionId = init.session.id;
      const paymentId = init.session.acquiring_payments[0]!.id;
      const { public_token: token } = await merchant.call<{ public_token: string }>('token', { session_id: sessionId });
      const view = (await (await fetch(`${merchant.baseUrl}/public/v1/sessions/${token}`)).json()) as { version: number; status: string };
      if (view.status !== 'in_progress') throw new Error(`session ${sessionId} is ${view.status}, expected in_progress`);
      out[i] = { sessionId, paymentId, token, version: view.version };
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

export type FanOutResult = {
  clients: number;
  /** Approval request sent → long-poll answer arrived, ms, one per client. */
  latencies: number[];
  /** Approval request sent → approval answer arrived, ms. */
  approveLatencies: number[];
  /** Long-poll answer arrived − approval answer arrived, ms (negative: the long-poll came first): the fan-out's own share. */
  afterApprove: number[];
  /** How long the N clients took to connect and be waiting in the server. */
  connectMs: number;
  /** How long sending all approvals took (the rate actually achieved). */
  approveSpanMs: number;
  failures: string[];
  before: Stats;
  during: Stats;
  /** The server's event-loop delay from the first approval to the last answer. */
  loopDelay: LoopDelay;
  /**
   * This (nearly idle) process's event-loop delay over the same time: a stall here as long as
   * the server's means the machine itself paused (a noisy host), not the server.
   */
  benchLoopDelay: LoopDelay;
};

type Answer = { arrivedAt: number; status: number; body: string };

function longPoll(agent: http.Agent, base: URL, s: WaitingSession, waitSeconds: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { agent, host: base.hostname, port: base.port, path: `/public/v1/sessions/${s.token}?version=${s.version}&wait=${waitSeconds}` },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ arrivedAt: performance.now(), status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
  });
}

function approve(agent: http.Agent, base: URL, paymentId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, method: 'POST', host: base.hostname, port: base.port, path: `/sandbox/payments/${paymentId}/approve` }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now()) : reject(new Error(`approve ${paymentId}: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Runs one fan-out over `sessions`. Clients connect in batches (so the listen backlog never
 * overflows into SYN retries); once the server's notifier counts all of them waiting, memory is
 * read (after a forced GC) and the approvals go out, `approveRate` per second (0: all at once).
 */
export async function fanOut(options: {
  appUrl: string;
  server: ServerProcess;
  sessions: WaitingSession[];
  approveRate: number;
  waitSeconds?: number;
}): Promise<FanOutResult> {
  const { server, sessions } = options;
  const base = new URL(options.appUrl);
  const n = sessions.length;
  const waitSeconds = options.waitSeconds ?? 30;
  const pollAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const approveAgent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const failures: string[] = [];

  const already = await server.waiting();
  if (already !== 0) throw new Error(`${already} long-polls are already waiting before the fan-out`);
  const before = await server.stats();

  const sentAt: (number | undefined)[] = new Array(n);
  const connectStart = performance.now();
  const answers: Promise<Answer | null>[] = [];
  const BATCH = 100;
  for (let start = 0; start < n; start += BATCH) {
    for (let i = start; i < Math.min(n, start + BATCH); i++) {
      answers.push(
        longPoll(pollAgent, base, sessions[i]!, waitSeconds).catch((error: Error) => {
          failures.push(`client ${i}: ${error.message}`);
          return null;
        }),
      );
    }
    const target = Math.min(n, start + BATCH);
    await until(async () => (await server.waiting()) >= target, 20_000, `${target} long-polls to be waiting`);
  }
  const connectMs = performance.now() - connectStart;
  const during = await server.stats();

  await server.loopReset();
  const ownLoop = monitorEventLoopDelay({ resolution: 1 });
  ownLoop.enable();
  const approveStart = performance.now();
  const approvals: Promise<number | null>[] = [];
  for (let i = 0; i < n; i++) {
    if (options.approveRate > 0) {
      const due = approveStart + (i * 1000) / options.approveRate;
      const ahead = due - performance.now();
      if (ahead > 1) await sleep(ahead);
    }
    sentAt[i] = performance.now();
    approvals.push(
      approve(approveAgent, base, sessions[i]!.paymentId).catch((error: Error) => {
        failures.push(error.message);
        return null;
      }),
    );
  }
  const approveSpanMs = performance.now() - approveStart;
  const [approved, answered] = await Promise.all([Promise.all(approvals), Promise.all(answers)]);
  const loopDelay = await server.loop();
  ownLoop.disable();
  const benchLoopDelay = { p50Ms: ownLoop.percentile(50) / 1e6, p99Ms: ownLoop.percentile(99) / 1e6, maxMs: ownLoop.max / 1e6 };

  const latencies: number[] = [];
  const approveLatencies: number[] = [];
  const afterApprove: number[] = [];
  answered.forEach((answer, i) => {
    const sent = sentAt[i]!;
    const done = approved[i];
    if (done != null) approveLatencies.push(done - sent);
    if (!answer) return;
    if (answer.status !== 200) return void failures.push(`client ${i}: HTTP ${answer.status} ${answer.body.slice(0, 200)}`);
    const view = JSON.parse(answer.body) as { version: number; payment: { status: string } | null };
    if (view.version <= sessions[i]!.version) return void failures.push(`client ${i}: answered with version ${view.version}, no change (a timeout?)`);
    if (answer.arrivedAt < sent) return void failures.push(`client ${i}: answered before its approval was sent`);
    latencies.push(answer.arrivedAt - sent);
    if (done != null) afterApprove.push(answer.arrivedAt - done);
  });
  pollAgent.destroy();
  approveAgent.destroy();
  return { clients: n, latencies, approveLatencies, afterApprove, connectMs, approveSpanMs, failures, before, during, loopDelay, benchLoopDelay };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
