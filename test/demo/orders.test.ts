import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { verify } from 'node:crypto';
import { storeWithFakeApi } from './fake-merchant-api';
import { PUBLIC_URL } from './harness';
import { DEMO_SUPPORT } from '../../demo/store/credentials';

const stores: ReturnType<typeof storeWithFakeApi>[] = [];
const fresh = (opts?: Parameters<typeof storeWithFakeApi>[0]) => {
  const s = storeWithFakeApi(opts);
  stores.push(s);
  return s;
};
after(() => Promise.all(stores.map((s) => s.close())));

test('prices the order on the server, ignoring the prices and totals a client sends', async () => {
  const s = fresh();
  const res = await s.shopper().order([{ sku: 'baikal-mug', qty: 2, price: 1 }, { sku: 'wool-socks', qty: 1, price: 1, amount: 1 }]);
  assert.equal(res.status, 201);
  assert.deepEqual(res.body.amount_details, { amount: 2 * 129_000 + 69_000, currency: 'RUB' });
  const create = s.calls.find((c) => c.method === 'session/create')!;
  assert.deepEqual(create.body.amount_details, { amount: 327_000, currency: 'RUB' });
  assert.equal(create.body.description, '2 × Baikal mug, 1 × Wool socks');
  assert.equal(create.body.metadata.order_id, res.body.order_id);
});

test('creates the session with a signed call, an Idempotency-Key per order and the shopper as customer.reference', async () => {
  const s = fresh();
  const shopper = s.shopper();
  const res = await shopper.order([{ sku: 'buckthorn-tea', qty: 1 }]);
  assert.deepEqual([res.body.token, s.calls.map((c) => c.method)], ['pt_for_ps_test1', ['session/create', 'token']]);
  const publicKey = readFileSync(join(s.dir, 'demo-store', 'public.pem'), 'utf8');
  for (const call of s.calls) {
    assert.equal(call.headers.get('x-partner-project'), 'demo-store');
    assert.ok(verify('sha256', Buffer.from(call.raw), publicKey, Buffer.from(call.headers.get('x-partner-sign')!, 'base64')), `${call.method} is signed over its exact body`);
  }
  const create = s.calls[0]!;
  assert.equal(create.headers.get('idempotency-key'), `order-${res.body.order_id}`);
  assert.match(shopper.cookie(), /^demo_customer=cust_[0-9a-f]{24}$/);
  assert.equal(create.body.customer.reference, shopper.cookie().split('=')[1]);
  assert.match(res.headers.get('set-cookie')!, /HttpOnly/i);
  assert.match(res.headers.get('set-cookie')!, /SameSite=Lax/i);

  const again = await shopper.order([{ sku: 'buckthorn-tea', qty: 1 }]);
  assert.equal(s.calls[2]!.body.customer.reference, create.body.customer.reference, 'the same shopper on the next order: their last card can be offered');
  assert.notEqual(s.calls[2]!.headers.get('idempotency-key'), create.headers.get('idempotency-key'), 'a new order is a new session');
  assert.notEqual(again.body.order_id, res.body.order_id);
});

test('refuses unknown products and impossible quantities before calling the payment server', async () => {
  const s = fresh();
  for (const items of [[{ sku: 'caviar', qty: 1 }], [{ sku: 'baikal-mug', qty: 0 }], [{ sku: 'baikal-mug', qty: 11 }], [], 'mug']) {
    const res = await s.shopper().order(items);
    assert.equal(res.status, 400, JSON.stringify(items));
    assert.equal(typeof res.body.error, 'string');
  }
  assert.equal(s.calls.length, 0);
});

test('answers 502 when the payment server refuses, and logs why', async () => {
  const s = fresh({ failWith: 401 });
  const res = await s.shopper().order([{ sku: 'baikal-mug', qty: 1 }]);
  assert.equal(res.status, 502);
  assert.match(s.logs.join('\n'), /session\/create: nope/);
});

test('shows an order only to the shopper who placed it', async () => {
  const s = fresh();
  const alice = s.shopper();
  const { body } = await alice.order([{ sku: 'baikal-mug', qty: 1 }]);
  const mine = await alice.status(body.order_id);
  assert.equal(mine.status, 200);
  assert.deepEqual([mine.body.status, mine.body.token, mine.body.amount_details.amount], ['awaiting_payment', 'pt_for_ps_test1', 129_000]);
  const bob = s.shopper();
  assert.equal((await bob.status(body.order_id)).status, 404);
});

test('makes its RSA key on first start, private to this user, and registers the project once per start with it', async () => {
  const s = fresh();
  await s.store.start();
  const keyFile = join(s.dir, 'demo-store', 'private.pem');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(s.dir, 'demo-store', 'webhook-secret')).mode & 0o777, 0o600);
  const key = readFileSync(keyFile, 'utf8');
  assert.match(key, /BEGIN PRIVATE KEY/);
  assert.deepEqual(
    { ...s.registrations[0], publicKeyPem: undefined },
    { name: 'demo-store', displayName: 'Baikal Goods', logoUrl: `${PUBLIC_URL}/demo/logo.svg`, support: DEMO_SUPPORT, webhookUrl: `${PUBLIC_URL}/demo/webhooks`, origins: [PUBLIC_URL], publicKeyPem: undefined },
  );
  await s.store.stop();
  await s.store.start();
  assert.equal(readFileSync(keyFile, 'utf8'), key, 'the key survives a restart');
  assert.equal(s.registrations[1]!.publicKeyPem, s.registrations[0]!.publicKeyPem);
});

test('serves the shop page under a CSP with no inline script or style, embedding the widget as a merchant would', async () => {
  const s = fresh();
  const res = await s.store.app.request(`${PUBLIC_URL}/`);
  const csp = res.headers.get('content-security-policy')!;
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /style-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const page = await res.text();
  assert.match(page, /<script src="\/widget\/sg-checkout.js"><\/script>/);
  assert.match(page, /<script src="\/demo\/store-page.js"><\/script>/);
  assert.doesNotMatch(page, /<script>|<style|style="/, 'no inline script or style');
  assert.equal((page.match(/<article class="product"/g) ?? []).length, 4, 'three goods and the tea subscription');
  assert.equal((page.match(/<svg viewBox="0 0 200 150"/g) ?? []).length, 4, 'a picture per product, drawn inline');
  assert.doesNotMatch(page, /(src|href)="https?:/, 'no external assets');
  assert.match(page, /id="sandbox-phone"/, 'the sandbox phone beside the widget');
  for (const file of ['/demo/store.css', '/demo/sandbox-phone.css']) {
    const css = await s.store.app.request(`${PUBLIC_URL}${file}`);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8', file);
  }
});
