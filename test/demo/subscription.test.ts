/**
 * The demo store's tea subscription. Against the real server, in-process: the order is made with
 * the signed subscription/create (monthly, for the shopper's cookie id, described in their
 * language) and bought alone; paid by card it turns active, and the verified subscription events
 * move the order's subscription on: a renewal on the test clock, a declined renewal and its
 * retries, the end. Against a stand-in API: events out of order, redelivered, forged or about
 * another shop's subscription change nothing they should not.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { demoStore } from '../../demo/store/index';
import { subscriptionStatus, type OrderView } from '../../demo/store/order-status';
import { WEBHOOK_SECRET } from './fake-merchant-api';
import { PUBLIC_URL, shopper, startDemoStack } from './harness';

const TEA = 'baikal-tea-monthly';
const DAY_MS = 86_400_000;

function stack(t: TestContext) {
  const s = startDemoStack();
  t.after(() => s.close());
  return s;
}
type Stack = ReturnType<typeof startDemoStack>;

const post = (s: Stack, path: string, body: unknown) => s.json(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Pays the order's first payment by card, with the consent to later charges, as the widget does. */
async function payByCard(s: Stack, token: string, number = '4242424242424242') {
  const card = await post(s, `/public/v1/sessions/${token}/cards`, { number, expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123' });
  const paid = await post(s, `/public/v1/sessions/${token}/payments`, { method: 'card', card_token: card.body.token, recurrent_consent: true });
  assert.equal(paid.body.payment?.status, 'succeeded', JSON.stringify(paid.body));
  await s.deliverWebhooks();
}

/** Moves the test clock on, lets the scheduler charge what is due, and delivers the webhooks. */
async function advance(s: Stack, by: string, subscriptionId: string) {
  assert.equal((await post(s, '/sandbox/clock/advance', { by })).status, 200);
  await s.server.subscriptions.chargeDue();
  for (const c of await s.server.store.subscriptions.charges(subscriptionId)) await s.server.rails.settled(c.session_id);
  await s.deliverWebhooks();
}

test('a subscription order is made with subscription/create: monthly, for the shopper, described in their language', async (t) => {
  const s = stack(t);
  const buyer = s.shopper();
  const res = await buyer.order([{ sku: TEA, qty: 1 }], 'ru');
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.deepEqual(res.body.amount_details, { amount: 49_900, currency: 'RUB' });
  const order = (await buyer.status(res.body.order_id)).body;
  assert.equal(order.status, 'awaiting_payment');
  assert.equal(order.token, res.body.token, 'the first payment’s token, for <sg-checkout>');
  const sub = order.subscription;
  assert.match(sub.id, /^sub_[0-9a-z]{20}$/);
  assert.deepEqual([sub.status, sub.periods_paid, sub.last_paid_at, sub.next_charge_at], ['pending', 0, null, null]);
  assert.ok(sub.manage_url.startsWith(`${PUBLIC_URL}/s/`), sub.manage_url);

  // What the server was asked for (its signature checked): every month, this shopper, the product's name in Russian.
  const row = (await s.server.store.subscriptions.get(sub.id))!;
  assert.deepEqual(
    [row.project, row.period_unit, row.period_count, row.amount, row.currency, row.description, JSON.parse(row.customer_json).reference, row.first_session_id],
    ['demo-store', 'month', 1, 49_900, 'RUB', 'Подписка на чай «Байкал»', buyer.cookie().split('=')[1], order.session_id],
  );
  // The widget's view of it: the card kept for later charges, the regular-payment notice.
  const view = (await s.json(`/public/v1/sessions/${res.body.token}`)).body;
  assert.equal(view.recurrent, true);
  assert.deepEqual([view.subscription.amount_details.amount, view.subscription.period], [49_900, { unit: 'month', count: 1 }]);
  assert.equal((await s.request(new URL(sub.manage_url).pathname)).status, 200, 'the customer’s page');

  const en = await s.shopper().order([{ sku: TEA, qty: 1 }], 'en');
  const enSub = (await s.server.store.subscriptions.list('demo-store', 10)).find((r) => r.first_session_id !== order.session_id)!;
  assert.equal(en.status, 201);
  assert.equal(enSub.description, 'Baikal tea subscription');
});

test('a subscription is bought on its own: with other goods, or two of it, the order is refused before the payment server is asked', async (t) => {
  const s = stack(t);
  const mixed = await s.shopper().order([{ sku: TEA, qty: 1 }, { sku: 'baikal-mug', qty: 1 }]);
  assert.equal(mixed.status, 400);
  assert.match(mixed.body.error, /Baikal tea subscription is bought on its own/);
  const two = await s.shopper().order([{ sku: TEA, qty: 2 }]);
  assert.equal(two.status, 400);
  assert.match(two.body.error, /from 1 to 1/);
  assert.deepEqual((await s.json('/console/api/subscriptions')).body.subscriptions, []);
  assert.deepEqual((await s.json('/console/api/sessions')).body.sessions, []);
});

test('paid by card it is active, with its next payment and its page; a month on the test clock, the renewal shows', async (t) => {
  const s = stack(t);
  const buyer = s.shopper();
  const { body } = await buyer.order([{ sku: TEA, qty: 1 }], 'ru');
  await payByCard(s, body.token);

  const first = (await buyer.status(body.order_id)).body as OrderView & { subscription: any };
  assert.equal(first.status, 'paid');
  assert.equal(first.token, undefined);
  const sub = first.subscription;
  assert.deepEqual([sub.status, sub.periods_paid, sub.failed_attempts, sub.cancel_at_period_end], ['active', 1, 0, false]);
  assert.ok(sub.last_paid_at && sub.next_charge_at && Date.parse(sub.next_charge_at) > Date.parse(sub.last_paid_at));
  assert.ok(s.logs.some((l) => new RegExp(`subscription_activated: order ${body.order_id}, subscription ${sub.id} pending → active, 1 paid`).test(l)), s.logs.join('\n'));

  const ru = subscriptionStatus(first, 'ru', 'UTC')!;
  assert.equal(ru.headline, 'Подписка активна.');
  assert.match(ru.details[0]!, /^Оплачен 1 месяц, последний платёж \d{1,2}\u00a0[а-я]+\u00a0\d{4}\u00a0г\.$/);
  assert.match(ru.details[1]!, /^Следующий платёж 499,00\u00a0₽ — \d{1,2}\u00a0[а-я]+\u00a0\d{4}\u00a0г\.$/);
  assert.deepEqual(ru.link, { text: 'Управление подпиской: платежи, отмена', href: `${sub.manage_url}?lang=ru` });
  const en = subscriptionStatus(first, 'en', 'UTC')!;
  assert.deepEqual([en.headline, en.link.text], ['Your subscription is active.', 'Manage your subscription: payments, cancel']);
  assert.match(en.details.join(' '), /^1 month paid, the last payment on \d{1,2}\u00a0[A-Z][a-z]+\u00a0\d{4}\. Next payment: 499\.00\u00a0₽ on /);

  // 31 days reach the end of any month: the server charges the card itself.
  await advance(s, '31d', sub.id);
  const renewed = (await buyer.status(body.order_id)).body;
  assert.deepEqual([renewed.status, renewed.subscription.status, renewed.subscription.periods_paid], ['paid', 'active', 2]);
  assert.ok(Date.parse(renewed.subscription.last_paid_at) >= Date.parse(sub.next_charge_at), 'paid when the period came');
  assert.ok(Date.parse(renewed.subscription.next_charge_at) > Date.parse(sub.next_charge_at));
  assert.match(subscriptionStatus(renewed, 'ru', 'UTC')!.details[0]!, /^Оплачено 2 месяца, /);
  assert.match(subscriptionStatus(renewed, 'en', 'UTC')!.details[0]!, /^2 months paid, /);
  // The renewal is a session of its own: its payment_finished names no order, and says so in the log.
  assert.ok(s.logs.some((l) => /payment_finished for ps_\w+: no order of this store has that session; ignored/.test(l)), s.logs.join('\n'));
  assert.ok(s.logs.some((l) => /subscription_charged: order ord_\w+, subscription sub_\w+ active → active, 2 paid/.test(l)), s.logs.join('\n'));
});

test('a renewal the card declines: payment overdue with the next try; after the last try the subscription has ended', async (t) => {
  const s = stack(t);
  const buyer = s.shopper();
  const { body } = await buyer.order([{ sku: TEA, qty: 1 }], 'en');
  await payByCard(s, body.token, '4000000000000341'); // pays with the customer there, declines every renewal
  const id = (await buyer.status(body.order_id)).body.subscription.id;

  await advance(s, '31d', id);
  const overdue = (await buyer.status(body.order_id)).body;
  assert.deepEqual([overdue.status, overdue.subscription.status, overdue.subscription.failed_attempts, overdue.subscription.periods_paid], ['paid', 'past_due', 1, 1]);
  const lines = subscriptionStatus(overdue, 'en', 'UTC')!;
  assert.equal(lines.headline, 'The last payment did not go through.');
  assert.match(lines.details.at(-1)!, /^We will try again on \d{1,2}\u00a0[A-Z][a-z]+\u00a0\d{4}\.$/);
  assert.equal(Date.parse(overdue.subscription.next_charge_at) - Date.parse(overdue.subscription.current_period_end) >= DAY_MS, true, 'a day after the failed charge');

  // The retries (1, 3 and 4 days apart) fail too: then it ends.
  for (const by of ['1d', '3d', '4d']) await advance(s, by, id);
  const ended = (await buyer.status(body.order_id)).body;
  assert.deepEqual([ended.status, ended.subscription.status, ended.subscription.next_charge_at], ['paid', 'cancelled', null]);
  const end = subscriptionStatus(ended, 'ru', 'UTC')!;
  assert.match(end.headline, /^Подписка закончилась \d{1,2}\u00a0[а-я]+\u00a0\d{4}\u00a0г\.$/);
  assert.deepEqual(end.details.map((d) => d.split(',')[0]), ['Оплачен 1 месяц']);
  assert.equal(end.link.text, 'Страница подписки');
});

/** A store whose merchant API is a stand-in: subscription/create answers one subscription, sub_test1. */
function storeWithFakeSubscriptions(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'sg-demo-sub-'));
  const logs: string[] = [];
  const subscription = (over: Record<string, unknown> = {}) => ({
    id: 'sub_test1abcdefghijklmnop',
    status: 'pending',
    first_session_id: 'ps_first',
    periods_paid: 0,
    next_charge_at: null,
    current_period_end: null,
    cancel_at_period_end: false,
    cancelled_at: null,
    failed_attempts: 0,
    unsubscribe_url: `${PUBLIC_URL}/s/page-token`,
    version: 1,
    ...over,
  });
  const store = demoStore({
    publicUrl: PUBLIC_URL,
    dataDir: dir,
    registerProject: () => ({ webhookSecret: WEBHOOK_SECRET }),
    log: (line) => logs.push(line),
    fetch: async (input) => {
      const method = String(input).replace(`${PUBLIC_URL}/api/v1/`, '');
      if (method !== 'subscription/create') return Response.json({ status: 'error', error: { code: 'not_found', description: method } }, { status: 404 });
      return Response.json({ status: 'ok', subscription: subscription(), session: { id: 'ps_first' }, public_token: 'pt_first', payment_url: `${PUBLIC_URL}/pay/pt_first` });
    },
  });
  t.after(async () => {
    await store.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  let deliveries = 0;
  const deliver = (type: string, over: Record<string, unknown>, opts: { id?: string; createdAt?: string; secret?: string } = {}) => {
    const id = opts.id ?? `evt_sub${++deliveries}`;
    const payload = JSON.stringify({ type, created_at: opts.createdAt ?? new Date().toISOString(), subscription: subscription(over) });
    const now = new Date();
    const headers = { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(opts.secret ?? WEBHOOK_SECRET).sign(id, now, payload) };
    return store.app.request(`${PUBLIC_URL}/demo/webhooks`, { method: 'POST', headers, body: payload });
  };
  return { store, logs, deliver, shopper: () => shopper((path, init) => store.app.request(`${PUBLIC_URL}${path}`, init)) };
}

test('keeps the newest subscription snapshot by version, the latest payment date, and ignores redeliveries, forgeries and strangers', async (t) => {
  const f = storeWithFakeSubscriptions(t);
  const buyer = f.shopper();
  const { body } = await buyer.order([{ sku: TEA, qty: 1 }]);
  const sub = async () => (await buyer.status(body.order_id)).body.subscription;
  const jan = '2027-01-01T10:00:00.000Z';
  const feb = '2027-02-01T10:00:00.000Z';
  const mar = '2027-03-01T10:00:00.000Z';

  const activated = { status: 'active', periods_paid: 1, next_charge_at: feb, current_period_end: feb, version: 2 };
  assert.equal((await f.deliver('subscription_activated', activated, { id: 'evt_activated', createdAt: jan })).status, 204);
  assert.deepEqual([(await sub()).status, (await sub()).periods_paid, (await sub()).last_paid_at, (await sub()).next_charge_at], ['active', 1, jan, feb]);

  await f.deliver('subscription_charged', { ...activated, periods_paid: 2, next_charge_at: mar, current_period_end: mar, version: 3 }, { createdAt: feb });
  // A retried activation arriving late: older, it changes nothing.
  await f.deliver('subscription_activated', activated, { createdAt: jan });
  assert.match(f.logs.at(-1)!, /keeps its newer subscription snapshot \(version 3, this one 2\)/);
  assert.deepEqual([(await sub()).periods_paid, (await sub()).last_paid_at, (await sub()).next_charge_at], [2, feb, mar]);

  // The same delivery again: handled once.
  await f.deliver('subscription_activated', activated, { id: 'evt_activated', createdAt: jan });
  assert.match(f.logs.at(-1)!, /evt_activated was handled before; ignored/);

  const forged = await f.deliver('subscription_cancelled', { status: 'cancelled', cancelled_at: mar, version: 9 }, { secret: `whsec_${Buffer.from('somebody else’s secret').toString('base64')}` });
  assert.equal(forged.status, 400);
  assert.equal((await sub()).status, 'active');
  await f.deliver('subscription_cancelled', { id: 'sub_someoneelse0000000', status: 'cancelled', version: 9 });
  assert.match(f.logs.at(-1)!, /no order of this store has that subscription; ignored/);

  await f.deliver('subscription_payment_failed', { ...activated, status: 'past_due', periods_paid: 2, failed_attempts: 1, next_charge_at: '2027-03-02T10:00:00.000Z', current_period_end: mar, version: 4 }, { createdAt: mar });
  assert.deepEqual([(await sub()).status, (await sub()).failed_attempts, (await sub()).last_paid_at], ['past_due', 1, feb], 'a failed charge is no payment');
  await f.deliver('subscription_cancelled', { ...activated, status: 'cancelled', periods_paid: 2, failed_attempts: 4, next_charge_at: null, cancelled_at: '2027-03-09T10:00:00.000Z', version: 5 });
  const ended = await sub();
  assert.deepEqual([ended.status, ended.cancelled_at, ended.next_charge_at], ['cancelled', '2027-03-09T10:00:00.000Z', null]);
  const order = (await buyer.status(body.order_id)).body;
  assert.equal(order.status, 'awaiting_payment', 'the order is paid by its session’s payment_finished, not by a subscription event');
  assert.equal(subscriptionStatus(order, 'en'), null, 'nor shown as a subscription until paid');
  assert.deepEqual(subscriptionStatus({ ...order, status: 'paid' }, 'en', 'UTC'), {
    headline: 'Your subscription ended on 9\u00a0March\u00a02027.',
    details: ['2 months paid, the last payment on 1\u00a0February\u00a02027.'],
    link: { text: 'Your subscription’s page', href: `${PUBLIC_URL}/s/page-token?lang=en` },
  });
});

test('set to end at the period’s end, it says when, and that nothing more is charged', () => {
  const order: OrderView = {
    order_id: 'ord_1',
    status: 'paid',
    amount_details: { amount: 49_900, currency: 'RUB' },
    refunded_amount: 0,
    subscription: {
      id: 'sub_1', status: 'active', periods_paid: 21, last_paid_at: '2028-09-01T10:00:00.000Z', next_charge_at: '2028-10-01T10:00:00.000Z',
      current_period_end: '2028-10-01T10:00:00.000Z', cancel_at_period_end: true, cancelled_at: null, failed_attempts: 0, manage_url: `${PUBLIC_URL}/s/x`,
    },
  };
  assert.deepEqual(subscriptionStatus(order, 'ru', 'UTC'), {
    headline: 'Подписка отменена: она закончится 1\u00a0октября\u00a02028\u00a0г., больше списаний не будет.',
    details: ['Оплачен 21 месяц, последний платёж 1\u00a0сентября\u00a02028\u00a0г.'],
    link: { text: 'Управление подпиской: платежи, отмена', href: `${PUBLIC_URL}/s/x?lang=ru` },
  });
  const five = { ...order, subscription: { ...order.subscription!, periods_paid: 5, cancel_at_period_end: false } };
  assert.match(subscriptionStatus(five, 'ru', 'UTC')!.details[0]!, /^Оплачено 5 месяцев,/);
  assert.match(subscriptionStatus(five, 'en', 'UTC')!.details[1]!, /^Next payment: 499\.00\u00a0₽ on 1\u00a0October\u00a02028\.$/);
});
