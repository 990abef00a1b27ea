/**
 * Three instances on one PostgreSQL behave as one: a long-poll on one instance answers a change
 * made through another, concurrent transitions sent to different instances have one winner,
 * every webhook is delivered once, and a deadline is applied once although every instance's
 * scheduler sees it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { postgresAvailable } from '../support/pg-databases';
import { eventually, startCluster, type Cluster } from './cluster';

const FPS = { type: 'faster_payment_system' };
const VISA_SUCCESS = '4242424242424242';
const card = { number: VISA_SUCCESS, expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123', holder: 'IVAN PETROV' };
const skip = postgresAvailable() ? false : 'no PostgreSQL: run through npm test, which starts one, or set DATABASE_URL';

describe('three instances on one PostgreSQL', { skip }, () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster(3);
  });
  after(async () => {
    await c?.stop();
  });

  /** A session with an FPS payment waiting for the customer, made on `at`, and its public token. */
  async function fpsSession(at: number) {
    const created = await c.call(c.instances[at]!, 'session/init/payment', { amount_details: { amount: 150000, currency: 'RUB' }, payment_details: FPS });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const session = created.body.session;
    const token = await c.call(c.instances[at]!, 'token', { session_id: session.id });
    return { id: session.id as string, paymentId: session.acquiring_payments[0].id as string, token: token.body.public_token as string };
  }

  test('created on A, long-polled on B, approved through C: B answers with the approval', async () => {
    const [a, b, cc] = c.instances as [any, any, any];
    const s = await fpsSession(0);
    const view = await c.request(b, `/public/v1/sessions/${s.token}`);
    assert.equal(view.status, 200);
    const started = Date.now();
    const poll = c.request(b, `/public/v1/sessions/${s.token}?version=${view.body.version}&wait=20`);
    await new Promise((r) => setTimeout(r, 300)); // B is waiting now
    const approved = await c.post(cc, `/sandbox/payments/${s.paymentId}/approve`, {});
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    const answered = await poll;
    const waited = Date.now() - started;
    assert.equal(answered.status, 200);
    assert.ok(answered.body.version > view.body.version, 'B answered with a newer version');
    assert.equal(answered.body.status, 'accepted');
    assert.equal(answered.body.payment.status, 'succeeded');
    assert.ok(waited < 5_000, `B answered ${waited} ms after the poll began (the wait was 20 s)`);
    assert.ok(a.running);
  });

  test('confirm on A and cancel on B at once: exactly one wins, five times over', async () => {
    const [a, b] = c.instances as [any, any];
    for (let i = 0; i < 5; i++) {
      const created = await c.call(a, 'session/create', { amount_details: { amount: 99000, currency: 'RUB' }, payment_options: { confirmation: 'manual' } });
      const token = (await c.call(a, 'token', { session_id: created.body.session.id })).body.public_token;
      const tokenised = await c.post(a, `/public/v1/sessions/${token}/cards`, card);
      assert.equal(tokenised.status, 200, JSON.stringify(tokenised.body));
      const started = await c.call(b, 'session/start/payment', { session_id: created.body.session.id, payment_details: { type: 'card', card: { token: tokenised.body.token } } });
      assert.equal(started.status, 200, JSON.stringify(started.body));
      assert.equal(started.body.session.next_action, 'confirm');
      const [confirm, cancel] = await Promise.all([c.call(a, 'session/confirm', { session_id: created.body.session.id }), c.call(b, 'session/cancel', { session_id: created.body.session.id })]);
      const statuses = [confirm.status, cancel.status].sort();
      assert.deepEqual(statuses, [200, 409], `confirm ${confirm.status} ${JSON.stringify(confirm.body)}, cancel ${cancel.status} ${JSON.stringify(cancel.body)}`);
      const final = await c.call(c.instances[2]!, 'session/status', { session_id: created.body.session.id });
      assert.equal(final.body.session.status, confirm.status === 200 ? 'accepted' : 'cancelled');
    }
  });

  test('a passed deadline is applied once, although every instance schedules it', async () => {
    const s = await fpsSession(1);
    // The QR's lifetime runs out now: moved in the database, as the clock would move it.
    const client = new pg.Client({ connectionString: c.databaseUrl });
    await client.connect();
    await client.query('UPDATE payments SET action_expires_at = $1 WHERE id = $2', [Date.now() - 1, s.paymentId]);
    await client.end();
    await eventually('the expired payment', async () => (await c.storage.sessions.payment(s.paymentId))?.status === 'failed');
    await new Promise((r) => setTimeout(r, 2_500)); // every scheduler has ticked at least twice since
    const finished = (await c.storage.outbox.forSession(s.id)).filter((e) => e.type === 'payment_finished');
    assert.equal(finished.length, 1, 'one payment_finished for the expiry');
    const row = await c.storage.sessions.get(s.id);
    assert.equal(row!.status, 'created', 'the session takes another payment after an expired QR');
  });

  test('every webhook is delivered, each exactly once', async () => {
    const sessions = await c.storage.sessions.newest('shop', 1000);
    const events = (await Promise.all(sessions.map((s) => c.storage.outbox.forSession(s.id)))).flat();
    assert.ok(events.length >= 10, `${events.length} events`);
    await eventually('every event delivered', async () => {
      const rows = (await Promise.all(sessions.map((s) => c.storage.outbox.forSession(s.id)))).flat();
      return rows.every((e) => e.status === 'delivered');
    });
    const ids = c.receiver.deliveries.map((d) => d.id);
    assert.deepEqual(c.receiver.rejected, []);
    assert.equal(new Set(ids).size, ids.length, 'no event was delivered twice');
    for (const e of events) assert.ok(ids.includes(e.id), `event ${e.id} (${e.type}) was delivered`);
  });
});
