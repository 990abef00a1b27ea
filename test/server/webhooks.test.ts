/**
 * The webhook sender over the outbox, on both stores: signed deliveries, retries on the backoff
 * schedule, failure after 72 h and replay, a 410 disabling the endpoint, timeouts, and leases that
 * let one attempt through when senders run side by side.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Webhook } from 'standardwebhooks';
import { ManualClock } from '../../server/clock';
import { newId } from '../../server/ids';
import type { Storage } from '../../server/store/port';
import { SqliteStorage } from '../../server/store/sqlite/storage';
import { WebhookSender } from '../../server/webhooks/sender';
import { RETRY_SPAN_MS, nextRetryDelayMs } from '../../server/webhooks/retry-schedule';
import { forEachStore, openTestStorage, type StoreKind } from './helpers';

const ENDPOINT = 'https://shop.example/webhooks';
const HOUR_MS = 60 * 60_000;

/** A store of `kind` (a SQLite file in a temp folder, or a fresh PostgreSQL database) with one project, a manual clock and a sender over them. */
async function setup(t: TestContext, kind: StoreKind, options: { fetch?: typeof fetch; timeoutMs?: number; clock?: ManualClock; pollMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sg-webhooks-'));
  const opened = await openTestStorage(kind, dir);
  const store: Storage = opened.storage ?? SqliteStorage.open(join(dir, 'checkout.sqlite'));
  t.after(async () => {
    await store.close();
    await opened.drop();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = options.clock ?? new ManualClock();
  const secret = 'whsec_' + randomBytes(24).toString('base64');
  await store.transaction((tx) => tx.projects.insert({
    name: 'shop',
    publicKeyPem: 'not used by these tests',
    webhookUrl: ENDPOINT,
    webhookSecret: secret,
    origins: [],
    confirmation: 'auto',
    confirmWindowMinutes: 10,
    fpsQrLifetimeMinutes: 5,
    createdAt: clock.now(),
  }));
  const sender = new WebhookSender({ store, clock, ...options });
  /** Queues an event as the session service does (in a transaction), and returns its id. */
  const queue = async (url = ENDPOINT) => {
    const id = newId('evt');
    const payload = { type: 'payment_finished', session: { id: 'ps_1', status: 'accepted' } };
    await store.transaction((tx) => tx.outbox.insert({ id, project: 'shop', session_id: null, type: payload.type, url, payload_json: JSON.stringify(payload), created_at: clock.now() }));
    return id;
  };
  /** The event as stored (it must exist). */
  const event = async (id: string) => (await store.outbox.get(id))!;
  /** Moves the clock to the event's next attempt. */
  const untilNextAttempt = async (id: string) => clock.advance((await event(id)).next_attempt_at! - clock.now());
  return { store, clock, secret, sender, queue, event, untilNextAttempt };
}

/** A fake endpoint answering with `statusFor(url)`; it records what it receives. */
function fakeEndpoint(statusFor: (url: string) => number) {
  const requests: { url: string; headers: Headers; body: string }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    requests.push({ url: String(input), headers: new Headers(init?.headers), body: String(init?.body) });
    return new Response(null, { status: statusFor(String(input)) });
  };
  return { fetch, requests };
}

/** A real HTTP server on 127.0.0.1, closed after the test; resolves with its URL. */
async function listen(t: TestContext, handle: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handle(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`;
}

forEachStore('webhook sender', (kind) => {
  test('a delivery verifies with the standardwebhooks package on the receiving side', async (t) => {
    let received: { headers: Record<string, string>; body: string } | undefined;
    const url = await listen(t, (req, body, res) => {
      received = { headers: req.headers as Record<string, string>, body };
      res.writeHead(204).end();
    });
    // Webhook.verify checks the timestamp against the real time, so the clock starts there.
    const { store, secret, sender, queue, event } = await setup(t, kind, { clock: new ManualClock(Date.now()) });
    const id = await queue(url);

    assert.equal(await sender.deliverDue(), 1);

    assert.ok(received);
    assert.deepEqual(new Webhook(secret).verify(received.body, received.headers), {
      type: 'payment_finished',
      session: { id: 'ps_1', status: 'accepted' },
    });
    assert.throws(() => new Webhook('whsec_' + randomBytes(24).toString('base64')).verify(received!.body, received!.headers));
    assert.equal(received.headers['webhook-id'], id);
    assert.equal(received.headers['content-type'], 'application/json');
    assert.equal(received.headers['user-agent'], 'sg-checkout-webhooks/1');
    const stored = await event(id);
    assert.equal(stored.status, 'delivered');
    assert.equal(stored.last_response_status, 204);
    assert.equal((await store.outbox.attempts(id)).length, 1);
  });

  test('an endpoint that fails twice then recovers gets the event, with the same webhook-id on every attempt', async (t) => {
    const statuses = [500, 500, 200];
    const endpoint = fakeEndpoint(() => statuses.shift()!);
    const { store, clock, sender, queue, untilNextAttempt, event } = await setup(t, kind, { fetch: endpoint.fetch });
    const id = await queue();

    await sender.deliverDue();
    assert.equal((await event(id)).status, 'pending');
    clock.advance(1_000);
    assert.equal(await sender.deliverDue(), 0, 'not due again before its retry time');
    await untilNextAttempt(id);
    await sender.deliverDue();
    await untilNextAttempt(id);
    await sender.deliverDue();

    assert.equal((await event(id)).status, 'delivered');
    assert.deepEqual(endpoint.requests.map((r) => r.headers.get('webhook-id')), [id, id, id]);
    assert.deepEqual((await store.outbox.attempts(id)).map((a) => [a.attempt, a.response_status]), [[1, 500], [2, 500], [3, 200]]);
  });

  test('retry delays grow exponentially and stay within the jitter bounds', async (t) => {
    assert.equal(nextRetryDelayMs(1, () => 0), 24_000);
    assert.ok(nextRetryDelayMs(1, () => 0.999_999_999) < 36_000);
    assert.equal(nextRetryDelayMs(3, () => 0.5), 120_000);
    assert.equal(nextRetryDelayMs(40, () => 0.5), 12 * HOUR_MS, 'capped at 12 h');

    const { store, clock, sender, queue, untilNextAttempt, event } = await setup(t, kind, { fetch: fakeEndpoint(() => 503).fetch });
    const id = await queue();
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 12; attempt++) {
      await sender.deliverDue();
      const delay = (await event(id)).next_attempt_at! - clock.now();
      const base = Math.min(30_000 * 2 ** (attempt - 1), 12 * HOUR_MS);
      assert.ok(delay >= 0.8 * base && delay < 1.2 * base, `attempt ${attempt}: ${delay} ms for a base of ${base} ms`);
      delays.push(delay);
      await untilNextAttempt(id);
    }
    // Below the cap each base doubles, so even the extremes of the jitter (1.6 > 1.2) keep the order.
    for (let i = 1; i < 11; i++) assert.ok(delays[i]! > delays[i - 1]!);
  });

  test('after 72 h of failures the event is failed, and replay re-queues it for delivery', async (t) => {
    let status = 500;
    const { store, clock, sender, queue, untilNextAttempt, event } = await setup(t, kind, { fetch: fakeEndpoint(() => status).fetch });
    const id = await queue();

    while ((await event(id)).status === 'pending') {
      await sender.deliverDue();
      if ((await event(id)).status === 'pending') await untilNextAttempt(id);
    }
    const failed = await event(id);
    assert.equal(failed.status, 'failed');
    assert.ok(failed.attempts >= 15 && failed.attempts <= 18, `${failed.attempts} attempts`);
    assert.ok(clock.now() <= failed.first_attempt_at! + RETRY_SPAN_MS);
    assert.deepEqual((await store.outbox.failed('shop')).map((e) => e.id), [id]);

    clock.advance(24 * HOUR_MS);
    assert.equal(await sender.replay('shop', id), 1);
    assert.equal(await sender.replay('shop', id), 0, 'already back in the queue');
    assert.equal((await event(id)).status, 'pending');
    await sender.deliverDue();
    const retryInMs = (await event(id)).next_attempt_at! - clock.now();
    assert.ok(retryInMs < 36_000, 'the backoff starts again after a replay');
    status = 200;
    await untilNextAttempt(id);
    await sender.deliverDue();

    assert.equal((await event(id)).status, 'delivered');
    assert.equal((await store.outbox.attempts(id)).length, failed.attempts + 2);
  });

  test('a 410 disables the endpoint: later events are not sent until replay re-enables it', async (t) => {
    let gone = true;
    const other = 'https://other.example/hooks';
    const endpoint = fakeEndpoint((url) => (url === ENDPOINT && gone ? 410 : 200));
    const { store, clock, sender, queue, event } = await setup(t, kind, { fetch: endpoint.fetch });
    const first = await queue();

    await sender.deliverDue();
    assert.equal((await event(first)).status, 'failed');
    assert.equal((await event(first)).last_response_status, 410);
    assert.ok(await store.outbox.isEndpointDisabled('shop', ENDPOINT));

    clock.advance(60_000);
    const second = await queue();
    const elsewhere = await queue(other);
    await sender.deliverDue();
    assert.equal((await event(second)).status, 'failed');
    assert.match((await event(second)).last_error!, /endpoint disabled after HTTP 410/);
    assert.equal((await event(elsewhere)).status, 'delivered', 'other endpoints are not affected');
    assert.deepEqual(endpoint.requests.map((r) => r.url), [ENDPOINT, other]);

    gone = false;
    assert.equal(await sender.replay('shop'), 2);
    assert.equal(await store.outbox.isEndpointDisabled('shop', ENDPOINT), false);
    await sender.deliverDue();
    assert.equal((await event(first)).status, 'delivered');
    assert.equal((await event(second)).status, 'delivered');
  });

  test('a timeout counts as a failed attempt', async (t) => {
    const url = await listen(t, () => {}); // never answers
    const { store, sender, queue, event } = await setup(t, kind, { timeoutMs: 50 });
    const id = await queue(url);

    await sender.deliverDue();

    const stored = await event(id);
    assert.equal(stored.status, 'pending');
    assert.ok(stored.next_attempt_at! > stored.first_attempt_at!);
    const [attempt] = await store.outbox.attempts(id);
    assert.equal(attempt?.response_status, null);
    assert.equal(attempt?.error, 'no response within 50 ms');
    assert.ok(attempt!.duration_ms >= 40);
  });

  test('two concurrent deliverDue calls send an event once', async (t) => {
    let answer!: () => void;
    let reached!: () => void;
    const sending = new Promise<void>((resolve) => (reached = resolve));
    let calls = 0;
    const fetch: typeof globalThis.fetch = () => {
      calls++;
      reached();
      return new Promise((resolve) => (answer = () => resolve(new Response(null, { status: 200 }))));
    };
    const { store, sender, queue } = await setup(t, kind, { fetch });
    const id = await queue();

    const first = sender.deliverDue();
    assert.equal(await sender.deliverDue(), 0);
    await sending;
    assert.equal(await sender.deliverDue(), 0, 'nor while the first is sending it: its lease holds the event');
    answer();
    assert.equal(await first, 1);
    assert.equal(calls, 1);
    assert.equal((await store.outbox.attempts(id)).length, 1);
  });

  test('the loop sends when woken, and stop waits for the batch being sent', async (t) => {
    let sent!: () => void;
    const reached = new Promise<void>((resolve) => (sent = resolve));
    const fetch: typeof globalThis.fetch = async () => {
      sent();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return new Response(null, { status: 200 });
    };
    // A poll far away: only wake() can explain a prompt delivery.
    const { store, sender, queue, event } = await setup(t, kind, { fetch, pollMs: 60_000 });
    sender.start();
    // Let the loop's first pass (which finds nothing) end, so that it sleeps when the event is queued.
    await sleep(100);
    const id = await queue();
    sender.wake();
    await reached;
    await sender.stop();
    assert.equal((await event(id)).status, 'delivered');
  });
});
