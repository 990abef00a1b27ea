/**
 * The demo store shows merchants the way: its page and the widget in it speak one language
 * (Accept-Language, or the header's ru/en switch), the payment's description is written in it,
 * and its project has a display name, so no customer page shows the slug "demo-store".
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { describeOrder, priceOrder } from '../../demo/store/catalog';
import { DEMO_PROJECT, DEMO_SHOP_NAME, DEMO_SUPPORT } from '../../demo/store/credentials';
import { orderStatusLine } from '../../demo/store/order-status';
import { startDemoStack } from './harness';

function stack(t: TestContext) {
  const s = startDemoStack();
  t.after(() => s.close());
  return s;
}

const shopPage = async (s: ReturnType<typeof startDemoStack>, path: string, acceptLanguage?: string) =>
  (await s.request(path, acceptLanguage ? { headers: { 'accept-language': acceptLanguage } } : {})).text();

test('the store page is Russian for a Russian browser and English for an English one, prices in that language\'s format', async (t) => {
  const s = stack(t);
  const ru = await shopPage(s, '/', 'ru-RU,ru;q=0.9,en;q=0.8');
  assert.match(ru, /<html lang="ru">/);
  assert.match(ru, /<h1 class="sr">Baikal Goods: подарки с Байкала<\/h1>/);
  assert.match(ru, /<h2>Кружка «Байкал»<\/h2>/);
  assert.match(ru, />В корзину<\/button>/);
  assert.match(ru, /<span class="price">1\u202f290,00\u00a0₽<\/span>/);
  assert.doesNotMatch(ru, /Add to cart|Baikal mug/);
  const en = await shopPage(s, '/', 'en-US,en;q=0.9,ru;q=0.8');
  assert.match(en, /<html lang="en">/);
  assert.match(en, /<h2>Baikal mug<\/h2>/);
  assert.match(en, /<span class="price">1,290\.00\u00a0₽<\/span>/);
});

test('the header\'s switch picks the language (?lang=), and marks the current one', async (t) => {
  const s = stack(t);
  const page = await shopPage(s, '/?lang=en', 'ru-RU');
  assert.match(page, /<html lang="en">/);
  assert.match(page, /<nav class="lang-switch" aria-label="Language"><a href="\/\?lang=ru" lang="ru" hreflang="ru" aria-label="Русский">RU<\/a><a href="\/\?lang=en" lang="en" hreflang="en" aria-label="English" aria-current="true">EN<\/a><\/nav>/);
  assert.match(await shopPage(s, '/?lang=ru', 'en'), /<html lang="ru">[\s\S]*aria-label="Язык"/);
});

test('an order placed from a Russian page is described in Russian for the widget', async (t) => {
  const s = stack(t);
  const res = await s.request('/demo/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [{ sku: 'baikal-mug', qty: 2 }], lang: 'ru' }) });
  assert.equal(res.status, 201);
  const { order_id } = (await res.json()) as { order_id: string };
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const order = (await s.json(`/demo/orders/${order_id}`, { headers: { cookie } })).body;
  const session = (await s.server.store.sessions.get(order.session_id))!;
  assert.equal(JSON.parse(session.data_json).description, '2 × Кружка «Байкал»');
  const priced = priceOrder([{ sku: 'wool-socks', qty: 1 }]);
  assert.ok(!('error' in priced));
  assert.equal(describeOrder(priced.lines, 'en'), '1 × Wool socks');
});

test('the demo project has a display name for its customers, not its slug', async (t) => {
  const s = stack(t);
  await s.demo.start();
  const project = (await s.server.store.projects.get(DEMO_PROJECT))!;
  assert.equal(project.displayName, DEMO_SHOP_NAME);
  assert.equal(project.logoUrl, 'http://localhost:3000/demo/logo.svg');
  assert.deepEqual(project.support, DEMO_SUPPORT, 'support contacts for the failure screen and the receipt');
  const logo = await s.request('/demo/logo.svg');
  assert.equal(logo.status, 200);
  assert.equal(logo.headers.get('content-type'), 'image/svg+xml');
  assert.match(await logo.text(), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.notEqual(DEMO_SHOP_NAME, DEMO_PROJECT);
});

test('the order status line speaks the page\'s language', () => {
  const order = { order_id: 'ord_1', status: 'paid' as const, amount_details: { amount: 129000, currency: 'RUB' }, refunded_amount: 10000 };
  assert.equal(orderStatusLine(order, 'ru'), 'Оплачено; возвращено 100,00\u00a0₽.');
  assert.equal(orderStatusLine(order, 'en'), 'Paid; 100.00\u00a0₽ refunded.');
});
