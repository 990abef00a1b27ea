/**
 * The customer changes a subscription's payment method on their page (`POST /s/:token/method/card`
 * or `/method/account`), on both stores: a checkout of its own that pays 1 ₽ with the new card,
 * refunded in full at once, or binds their FPS account without paying; once it succeeds the
 * subscription charges the new token (the old one disabled)
 * and the merchant hears `subscription_updated`. A declined change keeps the old method; the form
 * takes posts only from the page itself; an ended subscription offers no change and refuses one (409).
 */
import test, { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../server/clock';
import { forEachStore, newKeyPair, PUBLIC_URL, RUB, startHarness, tokenize, type Harness, type StoreKind } from './helpers';
import { count, VISA_SUCCESS } from './merchant-fixtures';

const KEYS = newKeyPair();
const START = Date.parse('2026-12-01T10:00:00Z');
const MASTERCARD = '5555555555554444';
/** Declined by the issuer (server/sandbox/cards.ts). */
const DECLINED = '4000000000000002';
/** Pays with the customer there; declines every recurrent charge. */
const RECURRING_DECLINE = '4000000000000341';
const T_BANK = '100000000004';

async function harness(t: TestContext, store: StoreKind): Promise<Harness> {
  const h = await startHarness({ store, keys: KEYS, clock: new ManualClock(START) });
  t.after(() => h.close());
  return h;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The customer pays the checkout of `publicToken` by card, agreeing to later charges; the payment as the widget sees it. */
async function payByCard(h: Harness, publicToken: string, number: string) {
  const card = await tokenize(h, publicToken, number);
  const paid = await h.publicCall(`sessions/${publicToken}/payments`, json({ method: 'card', card_token: card, recurrent_consent: true }));
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  return paid.body.payment;
}

/** A monthly subscription whose first payment was made with `number`; its id, first session and page path. */
async function subscribe(h: Harness, number = VISA_SUCCESS) {
  const created = await h.call('subscription/create', { amount_details: RUB(49_900), period: { unit: 'month' }, description: 'Подписка на чай', customer: { reference: 'cus-1' } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal((await payByCard(h, created.body.public_token, number)).status, 'succeeded');
  const s = created.body.subscription;
  const token = (await merchantView(h, s.id)).recurrent.token as string;
  return { id: s.id as string, firstSession: created.body.session.id as string, path: new URL(s.unsubscribe_url).pathname, token };
}

/** A form post as the page's own button sends it (Origin: the server's), or with the headers given. */
const press = (h: Harness, path: string, headers: Record<string, string> = { origin: PUBLIC_URL }) =>
  h.app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: '' });

/** Presses "New card" (or "Another bank") on the page at `path` (`query`: its ?lang=): the hosted checkout it sends the customer to, and that session's public token. */
async function changeMethod(h: Harness, path: string, query = '', means: 'card' | 'account' = 'card') {
  const res = await press(h, `${path}/method/${means}${query}`);
  assert.equal(res.status, 303, await res.clone().text());
  const location = res.headers.get('location')!;
  const publicToken = /^\/pay\/(pt_[A-Za-z0-9_-]{32})(\?|$)/.exec(location)?.[1];
  assert.ok(publicToken, `the hosted checkout: ${location}`);
  return { location, publicToken };
}

const merchantView = async (h: Harness, id: string) => (await h.call('subscription/get', { id })).body.subscription;
const pageOf = async (h: Harness, path: string, headers: Record<string, string> = {}) => (await h.app.request(path, { headers })).text();
const recurrentStatus = async (h: Harness, token: string) => (await h.call('recurrent/status', { token })).body.recurrent;

/** Moves the clock to the subscription's next charge, runs the scheduler and lets the rail answer; the charge's payment. */
async function renew(h: Harness, id: string) {
  h.clock.advance(Date.parse((await merchantView(h, id)).next_charge_at) - h.clock.now());
  assert.equal(await h.server.subscriptions.chargeDue(), 1);
  const charges = await h.server.store.subscriptions.charges(id);
  await h.server.rails.settled(charges.at(-1)!.session_id);
  return (await h.call('session/status', { session_id: charges.at(-1)!.session_id })).body.session.acquiring_payments.at(-1);
}

forEachStore('changing the payment method', (store) => {
  test('card to card: a 1 ₽ checkout back to the page, refunded in full; the new card is charged next, the old one disabled', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    let page = await pageOf(h, sub.path, { 'accept-language': 'ru' });
    assert.match(page, /<th scope="row">Способ оплаты<\/th><td>Visa\u00a0••••\u00a04242<\/td>/);
    assert.match(page, new RegExp(`<form method="post" action="${sub.path}/method/card"><button type="submit" class="approve">Новая карта</button></form>`));
    assert.match(page, new RegExp(`<form method="post" action="${sub.path}/method/account"><button type="submit" class="approve">Другой банк через СБП</button></form>`));
    assert.match(page, /Новую карту проверим платежом: спишем 1\u00a0₽ и сразу вернём\. Счёт в банке привяжем без списания\./);

    const { location, publicToken } = await changeMethod(h, sub.path);
    assert.equal(location, `/pay/${publicToken}`);
    assert.equal((await h.app.request(location)).status, 200, 'the hosted checkout opens');
    const view = (await h.publicCall(`sessions/${publicToken}`)).body;
    assert.deepEqual(view.amount_details, RUB(100));
    assert.equal(view.description, 'Смена способа оплаты «Подписка на чай»: 1\u00a0₽ вернём сразу');
    assert.equal(view.recurrent, true, 'the customer agrees to later charges');
    assert.deepEqual(view.methods, ['card'], 'a new card: the card alone');
    assert.match(view.return_url, new RegExp(`^${PUBLIC_URL}${sub.path}\\?notice=method&was=[A-Za-z0-9_-]{12}$`), 'back to the page, which knows the method it began with');
    assert.ok(view.subscription, 'the widget shows the regular-payment notice');

    const payment = await payByCard(h, publicToken, MASTERCARD);
    assert.equal(payment.status, 'succeeded');
    const changeSession = view.session_id as string;
    await h.server.rails.settled(changeSession);
    const status = (await h.call('session/status', { session_id: changeSession })).body.session;
    assert.deepEqual(status.acquiring_payments[0].refunded_amount_details, RUB(100), 'the 1 ₽ went back');
    assert.deepEqual(status.acquiring_payments[0].refunds.map((r: any) => [r.status, r.amount_details.amount]), [['succeeded', 100]]);
    assert.deepEqual((await h.events(changeSession)).map((e) => e.type), ['payment_finished', 'payment_refunded']);

    const s = await merchantView(h, sub.id);
    assert.equal(s.status, 'active');
    assert.notEqual(s.recurrent.token, sub.token);
    assert.equal(s.recurrent.type, 'card');
    assert.equal(s.periods_paid, 1, 'the check pays for no period');
    assert.equal((await recurrentStatus(h, sub.token)).is_active, false, 'the old card is no longer charged');
    const updated = (await h.events(sub.firstSession)).filter((e) => e.type === 'subscription_updated');
    assert.equal(updated.length, 1);
    assert.equal(updated[0]!.payload.subscription.recurrent.token, s.recurrent.token);

    page = await pageOf(h, view.return_url, { 'accept-language': 'ru' });
    assert.match(page, /<td>Mastercard\u00a0••••\u00a04444<\/td>/);
    assert.match(page, /<p class="result" role="status">Готово, новый способ оплаты: Mastercard\u00a0••••\u00a04444\. Проверочный 1\u00a0₽ возвращаем\.<\/p>/);
    assert.doesNotMatch(page, /1,00|0,01/, 'the check is not one of the subscription\'s payments');

    const renewal = await renew(h, sub.id);
    assert.deepEqual([renewal.status, renewal.payment_details.recurrent.token], ['succeeded', s.recurrent.token]);
    assert.equal((await merchantView(h, sub.id)).periods_paid, 2);
  });

  test('card to another bank: the account is bound without paying; the page names the bank; the renewal charges the account', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    const { publicToken } = await changeMethod(h, sub.path, '?lang=en', 'account');
    const view = (await h.publicCall(`sessions/${publicToken}`)).body;
    assert.deepEqual([view.binding, view.amount_details, view.methods], [true, RUB(0), ['fps']], 'a binding, with nothing to pay');
    assert.equal(view.description, 'Подписка на чай', "the subscription's own name, beside the widget's «Link your bank account»");
    assert.match(view.return_url, new RegExp(`^${PUBLIC_URL}${sub.path}\\?lang=en&notice=method&was=[A-Za-z0-9_-]{12}$`));
    const started = await h.publicCall(`sessions/${publicToken}/payments`, json({ method: 'fps', recurrent_consent: true }));
    assert.match(started.body.payment.customer_interaction.redirect.url, /^https:\/\/sub\.nspk\.ru\/AB[A-Z0-9]{30}\?type=03&bank=\d{12}&crc=/, 'the binding link, with no sum');
    const approved = await h.app.request(`/sandbox/payments/${started.body.payment.id}/approve?bank=${T_BANK}`, { method: 'POST' });
    assert.equal(approved.status, 200, await approved.text());
    await h.server.rails.settled(view.session_id);

    const s = await merchantView(h, sub.id);
    assert.equal(s.recurrent.type, 'faster_payment_system');
    assert.match(s.recurrent.token, /^bnd_/);
    assert.equal((await recurrentStatus(h, sub.token)).is_active, false);
    const changeSession = (await h.call('session/status', { session_id: view.session_id })).body.session;
    assert.equal(changeSession.acquiring_payments[0].refunds, undefined, 'nothing taken, nothing to refund');
    assert.deepEqual((await h.events(view.session_id)).map((e) => e.type), ['action_required', 'payment_finished'], 'no payment_refunded');
    assert.equal((await h.events(sub.firstSession)).filter((e) => e.type === 'subscription_updated').length, 1);
    // Told again that the session closed (any later change to it would), the change is not applied twice, nor undone.
    const project = (await h.server.store.projects.get('shop'))!;
    const closed = (await h.server.store.sessions.get(view.session_id))!;
    await h.server.store.transaction((tx) => h.server.subscriptions.sessionClosed(tx, project, closed));
    assert.equal((await recurrentStatus(h, s.recurrent.token)).is_active, true);
    assert.equal((await merchantView(h, sub.id)).recurrent.token, s.recurrent.token);
    assert.equal((await h.events(sub.firstSession)).filter((e) => e.type === 'subscription_updated').length, 1);

    assert.match(await pageOf(h, sub.path, { 'accept-language': 'ru' }), /<th scope="row">Способ оплаты<\/th><td>СБП\u00a0· Т-Банк<\/td>/);
    const back = await pageOf(h, view.return_url);
    assert.match(back, /<th scope="row">Payment method<\/th><td>FPS\u00a0· T-Bank<\/td>/);
    assert.match(back, /Done, the new payment method is FPS\u00a0· T-Bank\.<\/p>/, 'and no 1 ₽ to give back');

    const renewal = await renew(h, sub.id);
    assert.deepEqual([renewal.status, renewal.payment_details.recurrent.token], ['succeeded', s.recurrent.token]);
  });

  test('a declined change keeps the old method; an overdue subscription retries on the new card it was given', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h, RECURRING_DECLINE);
    const declined = await changeMethod(h, sub.path);
    assert.equal((await payByCard(h, declined.publicToken, DECLINED)).status, 'failed');
    let s = await merchantView(h, sub.id);
    assert.equal(s.recurrent.token, sub.token);
    assert.equal((await recurrentStatus(h, sub.token)).is_active, true);
    assert.equal((await h.events(sub.firstSession)).filter((e) => e.type === 'subscription_updated').length, 0);
    const wayBack = new URL((await h.publicCall(`sessions/${declined.publicToken}`)).body.return_url as string);
    const back = await pageOf(h, `${wayBack.pathname}${wayBack.search}`);
    assert.match(back, /<td>Visa\u00a0••••\u00a00341<\/td>/);
    assert.match(back, /<p class="result failed" role="status">Способ оплаты не изменился, остался прежний: Visa\u00a0••••\u00a00341\.<\/p>/);

    assert.equal((await renew(h, sub.id)).status, 'failed');
    assert.equal((await merchantView(h, sub.id)).status, 'past_due');
    assert.match(await pageOf(h, sub.path), /Новая карта/, 'overdue: the customer may give another card');
    const { publicToken } = await changeMethod(h, sub.path);
    await payByCard(h, publicToken, VISA_SUCCESS);
    s = await merchantView(h, sub.id);
    assert.deepEqual([s.status, s.next_charge_at], ['past_due', new Date(h.clock.now()).toISOString()], 'overdue: tried again at once, with the new card');
    const retry = await renew(h, sub.id);
    assert.deepEqual([retry.status, retry.payment_details.recurrent.token], ['succeeded', s.recurrent.token]);
    assert.deepEqual([(await merchantView(h, sub.id)).status, (await merchantView(h, sub.id)).periods_paid], ['active', 2]);
  });

  test('a change paid after another one was applied, or after the subscription ended, changes nothing but is refunded', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    const first = await changeMethod(h, sub.path);
    const second = await changeMethod(h, sub.path);
    await payByCard(h, second.publicToken, MASTERCARD);
    const applied = (await merchantView(h, sub.id)).recurrent.token;
    const stale = await payByCard(h, first.publicToken, VISA_SUCCESS);
    assert.equal(stale.status, 'succeeded');
    assert.equal((await merchantView(h, sub.id)).recurrent.token, applied, 'the second change stands');
    const kept = (await h.call('session/status', { session_id: (await h.publicCall(`sessions/${first.publicToken}`)).body.session_id })).body.session.acquiring_payments[0].recurrent;
    assert.equal(kept.is_active, false, 'the card the stale change kept is charged by nobody: its consent was for this subscription');

    const third = await changeMethod(h, sub.path);
    await h.call('subscription/cancel', { id: sub.id, at_period_end: false });
    await payByCard(h, third.publicToken, VISA_SUCCESS);
    const s = await merchantView(h, sub.id);
    assert.deepEqual([s.status, s.recurrent.token], ['cancelled', applied]);
    for (const { publicToken } of [first, third]) {
      const session = (await h.publicCall(`sessions/${publicToken}`)).body.session_id;
      await h.server.rails.settled(session);
      assert.deepEqual((await h.call('session/status', { session_id: session })).body.session.acquiring_payments[0].refunded_amount_details, RUB(100));
    }
    assert.equal((await h.events(sub.firstSession)).filter((e) => e.type === 'subscription_updated').length, 1);
  });

  test('the form takes posts only from the page itself (403 page), and changes nothing', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    assert.equal(await count(h, 'sessions'), 1);
    for (const headers of <Record<string, string>[]>[
      { origin: 'https://evil.example' },
      {},
      { origin: 'null' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: PUBLIC_URL, 'sec-fetch-site': 'same-site' },
    ]) {
      const res = await press(h, `${sub.path}/method/card?lang=en`, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.match(await res.text(), /<h1>Nothing was changed<\/h1>/);
      assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    }
    assert.equal(await count(h, 'sessions'), 1, 'no checkout was opened');
    // What Chromium sends from the page itself: under Referrer-Policy no-referrer a form's Origin is "null".
    const res = await press(h, `${sub.path}/method/account`, { origin: 'null', 'sec-fetch-site': 'same-origin' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('cache-control'), 'no-store');
  });

  test('an ended subscription has no change button, and a change posted all the same is a 409 page saying why', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    await h.call('subscription/cancel', { id: sub.id, at_period_end: true });
    let page = await pageOf(h, `${sub.path}?lang=en`);
    assert.doesNotMatch(page, /\/method|New card|Another bank/, 'set to end: resume first');
    let res = await press(h, `${sub.path}/method/card?lang=en`);
    assert.equal(res.status, 409);
    assert.match(await res.text(), /<h1>The payment method was not changed<\/h1><p class="muted">This subscription ends with the period paid for\. To change its payment method, resume it first\.<\/p>/);

    await h.call('subscription/cancel', { id: sub.id, at_period_end: false });
    page = await pageOf(h, sub.path);
    assert.doesNotMatch(page, /\/method|Новая карта/);
    res = await press(h, `${sub.path}/method/account`);
    assert.equal(res.status, 409);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const refused = await res.text();
    assert.match(refused, /<h1>Способ оплаты не изменён<\/h1><p class="muted">Подписка уже завершена: списаний по ней больше не будет\.<\/p>/);
    assert.match(refused, new RegExp(`<a href="${sub.path}">Открыть страницу подписки</a>`));

    const pending = await h.call('subscription/create', { amount_details: RUB(49_900), period: { unit: 'month' }, customer: { reference: 'cus-2' } });
    const pendingPath = new URL(pending.body.subscription.unsubscribe_url).pathname;
    assert.doesNotMatch(await pageOf(h, pendingPath), /\/method/);
    res = await press(h, `${pendingPath}/method/card`);
    assert.equal(res.status, 409);
    assert.match(await res.text(), /ждёт первого платежа/);
    assert.equal((await press(h, `/s/${'A'.repeat(32)}/method/card`)).status, 404);
    assert.equal((await press(h, `${sub.path}/method/bitcoin`)).status, 404, 'a means the page never offers');
  });
});
