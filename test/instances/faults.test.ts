/**
 * Faults on a two-instance deployment: one instance killed (SIGKILL) again and again during a
 * bounded load of signed creates, payments and approvals, and PostgreSQL itself restarted under
 * load. Every answer the clients were given is recorded; afterwards nothing acknowledged is
 * missing, nothing is charged twice, and every payment_finished reaches the merchant with a
 * stable id. While the database is gone the servers answer 503, never 500 and never a hang.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { canRestartPostgres, postgresAvailable, restartPostgres } from '../support/pg-databases';
import { eventually, startCluster, type Cluster, type Instance } from './cluster';

const FPS = { type: 'faster_payment_system' };
const card = { number: '4242424242424242', expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123', holder: 'IVAN PETROV' };
const skip = postgresAvailable() ? false : 'no PostgreSQL: run through npm test, which starts one, or set DATABASE_URL';

/** What the clients were told: sessions created, payments started, payments reported paid. */
type Acknowledged = { sessions: Set<string>; payments: Set<string>; paid: Set<string>; statuses: number[] };

/** One client's purchase on a random live instance: FPS approved through the sandbox, or a card. */
async function purchase(c: Cluster, live: () => Instance, ack: Acknowledged, byCard: boolean): Promise<void> {
  const note = (status: number) => ack.statuses.push(status);
  if (!byCard) {
    const created = await c.call(live(), 'session/init/payment', { amount_details: { amount: 10000, currency: 'RUB' }, payment_details: FPS });
    note(created.status);
    if (created.status !== 200) return;
    const paymentId = created.body.session.acquiring_payments[0].id as string;
    ack.sessions.add(created.body.session.id);
    ack.payments.add(paymentId);
    const approved = await c.post(live(), `/sandbox/payments/${paymentId}/approve`, {});
    note(approved.status);
    if (approved.status === 200 && approved.body.payment.status === 'succeeded') ack.paid.add(paymentId);
    return;
  }
  const created = await c.call(live(), 'session/create', { amount_details: { amount: 20000, currency: 'RUB' } });
  note(created.status);
  if (created.status !== 200) return;
  ack.sessions.add(created.body.session.id);
  const token = await c.call(live(), 'token', { session_id: created.body.session.id });
  note(token.status);
  if (token.status !== 200) return;
  const tokenised = await c.post(live(), `/public/v1/sessions/${token.body.public_token}/cards`, card);
  note(tokenised.status);
  if (tokenised.status !== 200) return;
  const paid = await c.post(live(), `/public/v1/sessions/${token.body.public_token}/payments`, { method: 'card', card_token: tokenised.body.token });
  note(paid.status);
  if (paid.status !== 200) return;
  ack.payments.add(paid.body.payment.id);
  if (paid.body.payment.status === 'succeeded') ack.paid.add(paid.body.payment.id);
}

/** `workers` clients buying until `stop` resolves. */
async function load(c: Cluster, live: () => Instance, ack: Acknowledged, stop: Promise<void>, workers = 4): Promise<void> {
  let stopped = false;
  void stop.then(() => (stopped = true));
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; !stopped; i++) await purchase(c, live, ack, (w + i) % 2 === 0);
    }),
  );
}

/** What the database holds afterwards must keep every promise the answers made. */
async function checkNothingLost(c: Cluster, ack: Acknowledged) {
  for (const id of ack.sessions) assert.ok(await c.storage.sessions.get(id), `acknowledged session ${id} exists`);
  for (const id of ack.payments) assert.ok(await c.storage.sessions.payment(id), `acknowledged payment ${id} exists`);
  for (const id of ack.paid) assert.equal((await c.storage.sessions.payment(id))?.status, 'succeeded', `payment ${id} reported paid is paid`);
  const client = new pg.Client({ connectionString: c.databaseUrl });
  await client.connect();
  try {
    const twice = await client.query(`SELECT session_id FROM payments WHERE status = 'succeeded' GROUP BY session_id HAVING count(*) > 1`);
    assert.deepEqual(twice.rows, [], 'no session was paid twice');
    const reused = await client.query(`SELECT card_token FROM payments WHERE card_token IS NOT NULL GROUP BY card_token HAVING count(*) > 1`);
    assert.deepEqual(reused.rows, [], 'no card token was charged twice');
    // Every payment_finished reaches the merchant, verified, and a redelivery (after a crash) has the same id and body.
    const finished = (await client.query<{ id: string }>(`SELECT id FROM webhook_events WHERE type = 'payment_finished'`)).rows.map((r) => r.id);
    assert.ok(finished.length > 0);
    await eventually(
      `${finished.length} payment_finished deliveries`,
      async () => (await client.query(`SELECT count(*)::int AS n FROM webhook_events WHERE status <> 'delivered'`)).rows[0].n === 0,
      60_000,
    );
    const bodies = new Map<string, string>();
    for (const d of c.receiver.deliveries) {
      const seen = bodies.get(d.id);
      if (seen !== undefined) assert.equal(d.body, seen, `webhook ${d.id} was redelivered unchanged`);
      bodies.set(d.id, d.body);
    }
    for (const id of finished) assert.ok(bodies.has(id), `payment_finished ${id} was delivered`);
    assert.deepEqual(c.receiver.rejected, []);
  } finally {
    await client.end();
  }
}

/** "200×41, 503×3": how many answers of each status. */
function summary(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(', ');
}

describe('faults on two instances over one PostgreSQL', { skip }, () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster(2);
  });
  after(async () => {
    await c?.stop();
  });

  test('kill -9 one instance again and again under load: nothing acknowledged is lost, nothing charged twice', async (t) => {
    const [a, b] = c.instances as [Instance, Instance];
    const ack: Acknowledged = { sessions: new Set(), payments: new Set(), paid: new Set(), statuses: [] };
    const live = () => {
      const up = [a, b].filter((i) => i.running);
      return up[Math.floor(Math.random() * up.length)] ?? a;
    };
    let endLoad!: () => void;
    const running = load(c, live, ack, new Promise<void>((resolve) => (endLoad = resolve)));
    let kills = 0;
    for (const victim of [a, b, a, b]) {
      await sleep(1_200);
      await victim.kill('SIGKILL');
      kills++;
      await sleep(200);
      await victim.start();
    }
    await sleep(1_000);
    endLoad();
    await running;
    assert.equal(kills, 4);
    t.diagnostic(`${ack.statuses.length} answers (${summary(ack.statuses)}), ${ack.sessions.size} sessions and ${ack.paid.size} paid payments acknowledged`);
    assert.ok(ack.paid.size >= 10, `${ack.paid.size} payments acknowledged as paid across ${kills} kills`);
    assert.ok(!ack.statuses.includes(500), `no 500 among ${ack.statuses.length} answers`);
    await checkNothingLost(c, ack);
  });

  test('PostgreSQL restarts under load: 503 while it is gone, then it recovers by itself', { skip: canRestartPostgres() ? false : 'an external DATABASE_URL cannot be restarted by the tests' }, async (t) => {
    const [a, b] = c.instances as [Instance, Instance];
    const ack: Acknowledged = { sessions: new Set(), payments: new Set(), paid: new Set(), statuses: [] };
    const live = () => (Math.random() < 0.5 ? a : b);
    let endLoad!: () => void;
    const running = load(c, live, ack, new Promise<void>((resolve) => (endLoad = resolve)));
    await sleep(800);
    const before = ack.statuses.length;
    await restartPostgres(2_000);
    await eventually('both instances ready again', async () => (await Promise.all([a, b].map((i) => c.request(i, '/ready')))).every((r) => r.status === 200), 30_000);
    await sleep(1_000);
    endLoad();
    await running;
    const during = ack.statuses.slice(before);
    t.diagnostic(`answers from the restart on: ${summary(during)}`);
    assert.ok(during.includes(503), `some answers while the database was down were 503 (${[...new Set(during)].join(', ')})`);
    assert.ok(!ack.statuses.includes(500), 'no 500');
    assert.ok(!ack.statuses.includes(0), 'no request hung or lost its connection');
    const created = await c.call(a, 'session/create', { amount_details: { amount: 10000, currency: 'RUB' } });
    assert.equal(created.status, 200, 'a create works again');
    await checkNothingLost(c, ack);
  });
});
