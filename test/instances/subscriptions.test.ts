/**
 * Subscriptions across instances: three sg-checkout processes on one PostgreSQL, each running the
 * scheduler every second on the shared sandbox test clock. A subscription paid through A is
 * charged once per period though all three see it due; B's clock moved by C's request; an
 * instance killed while its neighbours charge changes nothing; and the merchant hears each
 * period once, verified.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { postgresAvailable } from '../support/pg-databases';
import { eventually, startCluster, type Cluster } from './cluster';

const skip = postgresAvailable() ? false : 'no PostgreSQL: run through npm test, which starts one, or set DATABASE_URL';
const card = { number: '4242424242424242', expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123' };

describe('subscriptions on three instances', { skip }, () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster(3);
  });
  after(async () => {
    await c?.stop();
  });

  const sub = async (id: string) => (await c.call(c.instances[0]!, 'subscription/get', { id })).body.subscription;
  const charges = async (id: string) =>
    (await c.storage.subscriptions.charges(id)).map((row) => `${row.period}.${row.attempt}`);
  const advance = async (at: number, by: string) => {
    const moved = await c.post(c.instances[at]!, '/sandbox/clock/advance', { by });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
  };

  test('each period is charged once by three schedulers, on the clock one instance moved; the merchant hears it once', async () => {
    const [a] = c.instances as [any];
    const created = await c.call(a, 'subscription/create', {
      amount_details: { amount: 29_900, currency: 'RUB' },
      period: { unit: 'day', count: 1 },
      description: 'Daily digest',
      customer: { reference: 'reader-1' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.subscription.id as string;
    const token = created.body.public_token as string;
    const tokenised = await c.post(a, `/public/v1/sessions/${token}/cards`, card);
    assert.equal(tokenised.status, 200, JSON.stringify(tokenised.body));
    const paid = await c.post(a, `/public/v1/sessions/${token}/payments`, { method: 'card', card_token: tokenised.body.token, recurrent_consent: true });
    assert.equal(paid.body.payment?.status, 'succeeded', JSON.stringify(paid.body));
    await eventually('the subscription active', async () => (await sub(id)).status === 'active');

    for (const [period, by] of [[2, 1], [3, 0], [4, 2]] as const) {
      await advance(by, '25h'); // past the day paid for, on the clock every instance shares
      await eventually(`period ${period} charged`, async () => (await sub(id)).periods_paid === period, 15_000);
    }
    await new Promise((r) => setTimeout(r, 2_500)); // two more ticks of every scheduler: nothing more is due
    assert.deepEqual(await charges(id), ['1.1', '2.1', '3.1', '4.1'], 'one charge per period, though three schedulers saw each due');
    await eventually('the webhooks delivered', () => c.receiver.deliveries.filter((d) => d.type === 'subscription_charged' && d.payload.subscription.id === id).length >= 3);
    const told = c.receiver.deliveries.filter((d) => d.payload.subscription?.id === id).map((d) => d.type);
    assert.deepEqual(told.sort(), ['subscription_activated', 'subscription_charged', 'subscription_charged', 'subscription_charged']);
  });

  test('an instance killed mid-run: the others go on charging, still once per period', async () => {
    const [a, b] = c.instances as [any, any];
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const created = await c.call(a, 'subscription/create', { amount_details: { amount: 10_000 + i, currency: 'RUB' }, period: { unit: 'day' }, customer: { reference: `r-${i}` } });
      const token = created.body.public_token as string;
      const tokenised = await c.post(a, `/public/v1/sessions/${token}/cards`, card);
      await c.post(a, `/public/v1/sessions/${token}/payments`, { method: 'card', card_token: tokenised.body.token, recurrent_consent: true });
      ids.push(created.body.subscription.id as string);
    }
    await eventually('all active', async () => (await Promise.all(ids.map(sub))).every((s) => s.status === 'active'));
    await advance(0, '25h');
    await b.kill('SIGKILL');
    try {
      for (const id of ids) await eventually(`${id} renewed`, async () => (await sub(id)).periods_paid >= 2, 20_000);
    } finally {
      await b.start();
    }
    await new Promise((r) => setTimeout(r, 2_500));
    for (const id of ids) assert.equal((await charges(id)).filter((x) => x.startsWith('2.')).length, 1, `${id}: period 2 charged once`);
  });
});
