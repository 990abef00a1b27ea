import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { storeWithFakeApi, WEBHOOK_SECRET } from './fake-merchant-api';
import { PUBLIC_URL } from './harness';

const stores: ReturnType<typeof storeWithFakeApi>[] = [];
after(() => Promise.all(stores.map((s) => s.close())));

let deliveries = 0;

/** A store with one order of one Baikal mug (session ps_test1), and a way to post webhooks to it. */
async function storeWithOrder() {
  const s = storeWithFakeApi();
  stores.push(s);
  const shopper = s.shopper();
  const { body } = await shopper.order([{ sku: 'baikal-mug', qty: 1 }]);
  const post = (type: string, session: Record<string, unknown>, opts: { secret?: string; id?: string; at?: Date; tamper?: (b: string) => string } = {}) => {
    const id = opts.id ?? `evt_test${++deliveries}`;
    const payload = JSON.stringify({ type, session: { id: 'ps_test1', amount_details: { amount: 129_000, currency: 'RUB' }, acquiring_payments: [], ...session } });
    const at = opts.at ?? new Date();
    const headers = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(opts.secret ?? WEBHOOK_SECRET).sign(id, at, payload),
    };
    return s.store.app.request(`${PUBLIC_URL}/demo/webhooks`, { method: 'POST', headers, body: opts.tamper ? opts.tamper(payload) : payload });
  };
  const status = async () => (await shopper.status(body.order_id)).body.status as string;
  return { s, post, status, orderId: body.order_id as string };
}

test('rejects a delivery whose signature does not verify, logs it, and changes nothing', async () => {
  const { s, post, status } = await storeWithOrder();
  const forged = await post('payment_finished', { status: 'accepted' }, { secret: `whsec_${Buffer.from('somebody else’s secret').toString('base64')}` });
  assert.equal(forged.status, 400);
  const tampered = await post('payment_finished', { status: 'created' }, { tamper: (b) => b.replace('"created"', '"accepted"') });
  assert.equal(tampered.status, 400);
  const stale = await post('payment_finished', { status: 'accepted' }, { at: new Date(Date.now() - 10 * 60_000) });
  assert.equal(stale.status, 400, 'a replay of an old delivery');
  const unsigned = await s.store.app.request(`${PUBLIC_URL}/demo/webhooks`, { method: 'POST', body: JSON.stringify({ type: 'payment_finished', session: { id: 'ps_test1', status: 'accepted' } }) });
  assert.equal(unsigned.status, 400);
  assert.equal(await status(), 'awaiting_payment');
  assert.equal(s.logs.filter((l) => l.startsWith('rejected a webhook delivery')).length, 4);
});

test('accepts a delivery signed with the project’s secret', async () => {
  const { post } = await storeWithOrder();
  const res = await post('action_required', { status: 'in_progress' });
  assert.equal(res.status, 204);
});

test('marks the order paid only on a verified payment_finished whose session is accepted', async () => {
  const { post, status } = await storeWithOrder();
  await post('action_required', { status: 'in_progress' });
  assert.equal(await status(), 'awaiting_payment');
  await post('payment_finished', { status: 'created' }); // a declined attempt: the customer may try again
  assert.equal(await status(), 'awaiting_payment');
  await post('payment_finished', { status: 'accepted', amount_details: { amount: 100, currency: 'RUB' } });
  assert.equal(await status(), 'awaiting_payment', 'not for another amount');
  await post('payment_finished', { status: 'accepted' });
  assert.equal(await status(), 'paid');
});

test('a redelivered event changes nothing the second time', async () => {
  const { s, post, status } = await storeWithOrder();
  await post('payment_finished', { status: 'accepted' }, { id: 'evt_same' });
  const again = await post('payment_finished', { status: 'accepted' }, { id: 'evt_same' });
  assert.equal(again.status, 204);
  assert.equal(await status(), 'paid');
  assert.match(s.logs.at(-1)!, /evt_same was handled before/);
});

test('a verified payment_refunded for all of it makes a paid order refunded, even when it overtook payment_finished', async () => {
  const inOrder = await storeWithOrder();
  await inOrder.post('payment_finished', { status: 'accepted' });
  await inOrder.post('payment_refunded', { status: 'accepted', acquiring_payments: [{ status: 'succeeded', refunded_amount_details: { amount: 29_000 } }] });
  assert.equal(await inOrder.status(), 'paid', 'a partial refund leaves it paid');
  await inOrder.post('payment_refunded', { status: 'accepted', acquiring_payments: [{ status: 'succeeded', refunded_amount_details: { amount: 129_000 } }] });
  assert.equal(await inOrder.status(), 'refunded');

  const overtaken = await storeWithOrder();
  await overtaken.post('payment_refunded', { status: 'accepted', acquiring_payments: [{ status: 'succeeded', refunded_amount_details: { amount: 129_000 } }] });
  assert.equal(await overtaken.status(), 'awaiting_payment', 'a refund alone never marks an order paid');
  await overtaken.post('payment_finished', { status: 'accepted' });
  assert.equal(await overtaken.status(), 'refunded');
});

test('a session that ends unpaid cancels the order', async () => {
  const { post, status } = await storeWithOrder();
  await post('payment_finished', { status: 'error' });
  assert.equal(await status(), 'cancelled');
  await post('payment_finished', { status: 'accepted' });
  assert.equal(await status(), 'cancelled', 'and nothing brings it back');
});
