/**
 * The demo store against the real server, in-process: an order's session over the signed
 * merchant API, a payment through the public API and the sandbox bank, verified webhooks that
 * mark the order paid, the console showing all of it, and a refund from the console that the
 * store receives as a verified payment_refunded; the console's subscriptions with their charges.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { merchantClient } from '../../demo/store/merchant-client';
import { PUBLIC_URL, startDemoStack } from './harness';

const stack = startDemoStack();
after(() => stack.close());

const pay = (token: string, path: string, body: unknown) =>
  stack.json(`/public/v1/sessions/${token}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('an FPS purchase: paid after the verified payment_finished, shown in the console, refunded from it', async () => {
  const shopper = stack.shopper();
  const order = await shopper.order([{ sku: 'wool-socks', qty: 2 }]);
  assert.equal(order.status, 201, JSON.stringify(order.body));
  const started = await pay(order.body.token, '/payments', { method: 'fps' });
  const payment = started.body.payment;
  assert.equal(payment.method, 'fps');
  assert.match(payment.customer_interaction.redirect.url, /^https:\/\/qr\.nspk\.ru\//);

  await stack.deliverWebhooks(); // action_required
  assert.equal((await shopper.status(order.body.order_id)).body.status, 'awaiting_payment');

  const approved = await stack.json(`/sandbox/payments/${payment.id}/approve`, { method: 'POST' });
  assert.equal(approved.body.session.status, 'accepted');
  assert.equal((await shopper.status(order.body.order_id)).body.status, 'awaiting_payment', 'not paid until the webhook says so');
  await stack.deliverWebhooks();
  const paid = (await shopper.status(order.body.order_id)).body;
  assert.equal(paid.status, 'paid');
  assert.equal(paid.token, undefined, 'a paid order no longer hands out its checkout token');
  assert.ok(stack.logs.some((l) => /payment_finished: order ord_\w+ awaiting_payment → paid/.test(l)), stack.logs.join('\n'));

  // The console: the session first, with its deliveries and the headers they were sent with.
  const list = await stack.json('/console/api/sessions');
  const summary = list.body.sessions[0];
  assert.equal(summary.id, paid.session_id);
  assert.deepEqual([summary.project, summary.status, summary.amount_details.amount], ['demo-store', 'accepted', 138_000]);
  assert.deepEqual(summary.webhooks, { total: 2, delivered: 2, pending: 0, failed: 0 });
  const detail = (await stack.json(`/console/api/sessions/${summary.id}`)).body;
  assert.deepEqual(detail.webhooks.map((w: any) => [w.type, w.status, w.attempts[0].response_status]), [['action_required', 'delivered', 204], ['payment_finished', 'delivered', 204]]);
  const secret = (await stack.server.store.projects.get('demo-store'))!.webhookSecret;
  for (const w of detail.webhooks) {
    const sent = w.attempts[0].headers;
    assert.equal(sent['webhook-id'], w.id);
    const event = (await stack.server.store.outbox.get(w.id))!;
    // The headers shown verify the payload as delivered: they are the ones that were sent.
    assert.doesNotThrow(() => new Webhook(secret).verify(event.payload_json, sent), w.type);
  }
  assert.doesNotMatch(JSON.stringify(detail), new RegExp(secret.slice(6, 20).replace(/[+/]/g, '\\$&')), 'the secret itself is never shown');
  const kinds = detail.timeline.map((e: any) => e.kind);
  assert.deepEqual([kinds[0], kinds.includes('payment'), kinds.includes('webhook'), kinds.includes('attempt')], ['session', true, true, true]);
  assert.equal(detail.refundable_amount, 138_000);

  // A partial refund, then the rest: the store hears each as a verified payment_refunded.
  const refund = (body: unknown) => stack.json(`/console/api/sessions/${summary.id}/refund`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://localhost:3000' }, body: JSON.stringify(body) });
  const partial = await refund({ amount: 69_000 });
  assert.equal(partial.status, 200, JSON.stringify(partial.body));
  assert.equal(partial.body.session.refundable_amount, 69_000);
  await stack.deliverWebhooks();
  assert.deepEqual([(await shopper.status(order.body.order_id)).body.status, (await shopper.status(order.body.order_id)).body.refunded_amount], ['paid', 69_000]);
  assert.equal((await refund({})).status, 200);
  await stack.deliverWebhooks();
  assert.equal((await shopper.status(order.body.order_id)).body.status, 'refunded');
  const timeline = (await stack.json(`/console/api/sessions/${summary.id}`)).body.timeline.map((e: any) => e.text as string);
  const succeededAt = timeline.findIndex((t: string) => / succeeded$/.test(t) && t.startsWith('payment '));
  assert.ok(succeededAt >= 0 && succeededAt < timeline.findIndex((t: string) => t.startsWith('refund ')), `the payment succeeded before it was refunded: ${timeline.join(' | ')}`);
  const tooMuch = await refund({});
  assert.equal(tooMuch.status, 409);
  assert.match(tooMuch.body.error.description, /already fully refunded/);
});

test('the same shopper is offered their last card on the next order', async () => {
  const shopper = stack.shopper();
  const first = await shopper.order([{ sku: 'baikal-mug', qty: 1 }]);
  const card = await pay(first.body.token, '/cards', { number: '4242424242424242', expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123' });
  const paid = await pay(first.body.token, '/payments', { method: 'card', card_token: card.body.token, remember_card: true });
  assert.equal(paid.body.status, 'accepted');
  await stack.deliverWebhooks();
  assert.equal((await shopper.status(first.body.order_id)).body.status, 'paid');

  const second = await shopper.order([{ sku: 'buckthorn-tea', qty: 1 }]);
  const view = await stack.json(`/public/v1/sessions/${second.body.token}`);
  assert.deepEqual(view.body.saved_card, { brand: 'visa', last4: '4242' });
  const strangerShopper = stack.shopper();
  const stranger = await strangerShopper.order([{ sku: 'buckthorn-tea', qty: 1 }]);
  assert.equal((await stack.json(`/public/v1/sessions/${stranger.body.token}`)).body.saved_card, null);

  const newest = (await stack.json('/console/api/sessions')).body.sessions.map((s: any) => s.id);
  const ids = await Promise.all([strangerShopper.status(stranger.body.order_id), shopper.status(second.body.order_id), shopper.status(first.body.order_id)]);
  assert.deepEqual(newest.slice(0, 3), ids.map((r) => r.body.session_id), 'newest first');
});

test('the console lists payment links and projects without their secrets', async () => {
  const projects = (await stack.json('/console/api/projects')).body.projects;
  assert.deepEqual(projects.map((p: any) => p.name), ['demo-store']);
  assert.equal(projects[0].webhook_url, 'http://localhost:3000/demo/webhooks');
  assert.doesNotMatch(JSON.stringify(projects), /whsec_|PUBLIC KEY/);

  // A link made with the signed link/create, as the demo store's merchant, with a bot token to keep secret.
  const client = merchantClient({ apiUrl: PUBLIC_URL, project: 'demo-store', privateKeyPem: readFileSync(join(stack.dir, 'demo-store', 'private.pem'), 'utf8'), fetch: async (i, init) => stack.request(String(i).replace(PUBLIC_URL, ''), init) });
  const botToken = '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123';
  const created = await client.call<{ link: { id: string } }>('link/create', {
    product_name: 'Annual subscription',
    amount_details: { amount: 149_900, currency: 'RUB' },
    user_field: { name: 'Telegram username', placeholder: '@username' },
    offer_url: 'https://example.com/offer',
    support: { telegram: '@shop_support' },
    webhook_url: 'https://example.com/hooks',
    return_url: 'https://t.me/example',
    telegram_bot_token: botToken,
  });
  const links = (await stack.json('/console/api/links')).body.links;
  assert.equal(links.length, 1);
  assert.deepEqual(
    [links[0].id, links[0].url, links[0].product_name, links[0].amount_details.amount, links[0].sessions, links[0].disabled_at],
    [created.link.id, `${PUBLIC_URL}/l/${created.link.id}`, 'Annual subscription', 149_900, 0, null],
  );
  assert.doesNotMatch(JSON.stringify(links), new RegExp(botToken.split(':')[1]!), 'the bot token stays secret');
});

test('the console lists subscriptions newest first, each with its charges: the first payment and a renewal on the test clock', async (t) => {
  // A stack of its own: the test clock only moves forward, and the tests above live in real time.
  const own = startDemoStack();
  t.after(() => own.close());
  await own.demo.start();
  const client = merchantClient({ apiUrl: PUBLIC_URL, project: 'demo-store', privateKeyPem: readFileSync(join(own.dir, 'demo-store', 'private.pem'), 'utf8'), fetch: async (i, init) => own.request(String(i).replace(PUBLIC_URL, ''), init) });
  type Created = { subscription: { id: string }; public_token: string };
  const monthly = { amount_details: { amount: 49_900, currency: 'RUB' }, period: { unit: 'month' }, description: 'Journal <b>monthly</b>', customer: { reference: 'cus-1' } };
  const created = await client.call<Created>('subscription/create', monthly);
  const post = (path: string, body: unknown) => own.json(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const card = await post(`/public/v1/sessions/${created.public_token}/cards`, { number: '4242424242424242', expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123' });
  const paid = await post(`/public/v1/sessions/${created.public_token}/payments`, { method: 'card', card_token: card.body.token, recurrent_consent: true });
  assert.equal(paid.body.payment?.status, 'succeeded', JSON.stringify(paid.body));

  // A month on the test clock (31 days reach any month's end), then the scheduler's round and the rail's answer.
  assert.equal((await post('/sandbox/clock/advance', { by: '31d' })).status, 200);
  assert.equal(await own.server.subscriptions.chargeDue(), 1);
  for (const c of await own.server.store.subscriptions.charges(created.subscription.id)) await own.server.rails.settled(c.session_id);
  const later = await client.call<Created>('subscription/create', { ...monthly, period: { unit: 'week', count: 2 } });

  const { status, body } = await own.json('/console/api/subscriptions');
  assert.equal(status, 200);
  assert.deepEqual(body.subscriptions.map((s: any) => s.id), [later.subscription.id, created.subscription.id], 'newest first');
  const [pending, renewed] = body.subscriptions;
  assert.deepEqual([pending.status, pending.period, pending.next_charge_at, pending.charges.length], ['pending', { unit: 'week', count: 2 }, null, 1]);
  assert.deepEqual(
    [renewed.status, renewed.amount_details, renewed.period, renewed.periods_paid, renewed.failed_attempts, renewed.cancel_at_period_end, renewed.description],
    ['active', { amount: 49_900, currency: 'RUB' }, { unit: 'month', count: 1 }, 2, 0, false, 'Journal <b>monthly</b>'],
  );
  assert.equal(renewed.next_charge_at, renewed.current_period_end);
  assert.ok(Date.parse(renewed.next_charge_at) > own.server.clock.now(), 'the next charge is ahead of the test clock');
  assert.deepEqual(renewed.charges.map((c: any) => [c.period, c.attempt, c.amount, c.status, c.failure]), [[1, 1, 49_900, 'accepted', null], [2, 1, 49_900, 'accepted', null]]);
  const renewal = (await own.json(`/console/api/sessions/${renewed.charges[1].session_id}`)).body;
  assert.equal(renewal.payments[0].status, 'succeeded', 'a charge opens as any session does');
  assert.doesNotMatch(JSON.stringify(body), new RegExp(card.body.token), 'the recurrent card token is not shown');
  assert.deepEqual((await own.json('/console/api/subscriptions?project=nobody')).body.subscriptions, []);
});
