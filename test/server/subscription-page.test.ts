/**
 * The customer's subscription page, `/s/:token`, on both stores: what they pay for, how much and
 * how often, where it stands, the next date, the card and the payments, in Russian and English;
 * cancel there (at the period's end once paid, at once otherwise) and resume; forms only from the
 * server's own origin; an unknown token is a page, never JSON; never framed, never a referrer.
 */
import test, { describe, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../server/clock';
import { DICTIONARIES } from '../../widget/i18n/i18n';
import { forEachStore, newKeyPair, PUBLIC_URL, RUB, startHarness, tokenize, type Harness, type StoreKind } from './helpers';
import { VISA_SUCCESS } from './merchant-fixtures';

const KEYS = newKeyPair();
const START = Date.parse('2026-12-01T10:00:00Z');
/** Pays with the customer there; declines every recurrent charge (server/sandbox/cards.ts). */
const RECURRING_DECLINE = '4000000000000341';

async function harness(t: TestContext, store: StoreKind): Promise<Harness> {
  const h = await startHarness({ store, keys: KEYS, clock: new ManualClock(START) });
  t.after(() => h.close());
  return h;
}

const MONTHLY = { amount_details: RUB(49_900), period: { unit: 'month' }, description: 'Подписка на канал <script>alert(1)</script>', customer: { reference: 'cus-1' } };

/** The merchant creates a subscription, the customer pays its first payment (unless `pay` is false); the page's path. */
async function subscribe(h: Harness, opts: { number?: string; pay?: boolean; body?: Record<string, unknown> } = {}) {
  const created = await h.call('subscription/create', { ...MONTHLY, ...opts.body });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  if (opts.pay !== false) {
    const card = await tokenize(h, created.body.public_token, opts.number ?? VISA_SUCCESS);
    const paid = await h.publicCall(`sessions/${created.body.public_token}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'card', card_token: card, recurrent_consent: true }),
    });
    assert.equal(paid.body.payment?.status, 'succeeded', JSON.stringify(paid.body));
  }
  const s = created.body.subscription;
  return { id: s.id as string, firstSession: created.body.session.id as string, path: new URL(s.unsubscribe_url).pathname };
}

/** Moves the clock to `iso`, runs the scheduler and lets the rail answer every charge of `id`. */
async function renewAt(h: Harness, id: string, iso: string) {
  h.clock.advance(Date.parse(iso) - h.clock.now());
  await h.server.subscriptions.chargeDue();
  for (const c of await h.server.store.subscriptions.charges(id)) await h.server.rails.settled(c.session_id);
}

const open = async (h: Harness, path: string, headers: Record<string, string> = {}) => {
  const res = await h.app.request(path, { headers });
  return { res, page: await res.text() };
};

/** A form post as the page's own buttons send it (Origin: the server's), or with the headers given. */
const press = (h: Harness, path: string, headers: Record<string, string> = { origin: PUBLIC_URL }) =>
  h.app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: '' });

const merchantView = async (h: Harness, id: string) => (await h.call('subscription/get', { id })).body.subscription;

/** The payments listed, newest first, as "datetime result". */
const history = (page: string) =>
  [...page.matchAll(/<li><span><strong>[^<]+<\/strong> · (?:<a [^>]+>|<span class="\w+">)([^<]+)<\/(?:a|span)><\/span> <span class="when"><time datetime="([^"]+)">/g)].map((m) => `${m[2]} ${m[1]}`);

forEachStore('the subscription page', (store) => {
  test('in Russian: the purchase as text, the shop, price and period, status, next date, card and every payment newest first', async (t) => {
    const h = await harness(t, store);
    await h.server.store.transaction(async (tx) => tx.projects.update({ ...(await tx.projects.get('shop'))!, displayName: 'Байкал Медиа' }));
    const sub = await subscribe(h);
    await renewAt(h, sub.id, '2027-01-01T10:00:00Z');
    await renewAt(h, sub.id, '2027-02-01T10:00:00Z');
    const { res, page } = await open(h, sub.path, { 'accept-language': 'ru-RU,ru;q=0.9' });
    assert.equal(res.status, 200);
    assert.match(page, /<html lang="ru">/);
    assert.match(page, /<span class="shop-name">Байкал Медиа<\/span>/);
    assert.match(page, /<h1>Подписка на канал &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/h1>/, 'merchant text stays text');
    assert.doesNotMatch(page, /<script>alert/);
    assert.match(page, /<div class="amount">499,00\u00a0₽ <span class="per">каждый месяц<\/span><\/div>/);
    assert.match(page, /<th scope="row">Статус<\/th><td>Активна<\/td>/);
    assert.match(page, /<th scope="row">Следующий платёж<\/th><td><time datetime="2027-03-01T10:00:00.000Z">1 марта 2027, 13:00 МСК<\/time><\/td>/);
    assert.match(page, /<th scope="row">Способ оплаты<\/th><td>Visa\u00a0••••\u00a04242<\/td>/);
    assert.deepEqual(history(page), ['2027-02-01T10:00:00.000Z Оплачено', '2027-01-01T10:00:00.000Z Оплачено', '2026-12-01T10:00:00.000Z Оплачено']);
    assert.match(page, /<a href="\/receipt\/pm_[0-9a-z]+">Оплачено<\/a>/, 'a paid one links to its receipt');
    assert.match(page, /<summary>Отменить подписку<\/summary>\s*<p>Подписка останется оплаченной до <time datetime="2027-03-01T10:00:00.000Z">/, 'the cancel button says what happens first');
    assert.match(page, new RegExp(`<form method="post" action="${sub.path}/cancel"><button type="submit" class="decline">Да, отменить подписку</button></form>`));
    assert.doesNotMatch(page, /\b(Active|Next payment|Paid)\b/, 'one language');
  });

  test('in English with ?lang=en (kept in its forms and links); every 3 months; a declined renewal is overdue with its next try', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h, { number: RECURRING_DECLINE, body: { period: { unit: 'month', count: 3 }, description: 'Coffee beans' } });
    let { page } = await open(h, `${sub.path}?lang=en`, { 'accept-language': 'ru' });
    assert.match(page, /<html lang="en">/);
    assert.match(page, /<div class="amount">499\.00\u00a0₽ <span class="per">every 3 months<\/span><\/div>/);
    assert.match(page, /<th scope="row">Status<\/th><td>Active<\/td>/);
    assert.match(page, /<th scope="row">Next payment<\/th><td><time datetime="2027-03-01T10:00:00.000Z">1 March 2027, 13:00 Moscow time<\/time>/);
    assert.match(page, /<th scope="row">Payment method<\/th><td>Visa\u00a0••••\u00a00341<\/td>/);
    assert.match(page, new RegExp(`action="${sub.path}/cancel\\?lang=en"`));
    assert.doesNotMatch(page, /Активна|Статус|Платежи/, 'one language');

    await renewAt(h, sub.id, '2027-03-01T10:00:00Z');
    ({ page } = await open(h, `${sub.path}?lang=en`));
    assert.match(page, /<td>Payment overdue, next try on <time datetime="2027-03-02T10:00:00.000Z">2 March 2027, 13:00 Moscow time<\/time><\/td>/);
    assert.doesNotMatch(page, /Next payment/, 'the status names the next try');
    assert.deepEqual(history(page), ['2027-03-01T10:00:00.000Z Declined', '2026-12-01T10:00:00.000Z Paid']);
    assert.match(page, /It ends at once; no further payments will be taken\./, 'an overdue one is cancelled at once');
    ({ page } = await open(h, sub.path, { 'accept-language': 'ru' }));
    assert.match(page, /<span class="per">каждые 3 месяца<\/span>/);
    assert.match(page, /<td>Платёж не прошёл, повторим попытку <time datetime="2027-03-02T10:00:00.000Z">2 марта 2027, 13:00 МСК<\/time><\/td>/);
    assert.deepEqual(history(page), ['2027-03-01T10:00:00.000Z Отклонено', '2026-12-01T10:00:00.000Z Оплачено']);
  });

  test('cancel on the page ends it at the period end (reason customer, the merchant told then); resume takes it back', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    let res = await press(h, `${sub.path}/cancel?lang=en`);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), `${sub.path}?lang=en&notice=cancelled`);
    let s = await merchantView(h, sub.id);
    assert.deepEqual([s.status, s.cancel_at_period_end, s.cancel_reason], ['active', true, 'customer']);
    let { page } = await open(h, res.headers.get('location')!);
    assert.match(page, /<p class="result" role="status">Done: no further payments will be taken\.<\/p>/);
    assert.match(page, /<td>Ends on <time datetime="2027-01-01T10:00:00.000Z">[^<]+<\/time>, no further payments<\/td>/);
    assert.doesNotMatch(page, /Next payment|action="[^"]+\/cancel/);
    assert.match(page, new RegExp(`<form method="post" action="${sub.path}/restore\\?lang=en"><button type="submit" class="approve">Resume subscription</button>`));

    res = await press(h, `${sub.path}/restore`);
    assert.deepEqual([res.status, res.headers.get('location')], [303, `${sub.path}?notice=restored`]);
    s = await merchantView(h, sub.id);
    assert.deepEqual([s.status, s.cancel_at_period_end, s.cancel_reason], ['active', false, null]);
    ({ page } = await open(h, `${sub.path}?notice=restored`));
    assert.match(page, /Готово: подписка снова действует\./);
    assert.match(page, /Следующий платёж/);

    await press(h, `${sub.path}/cancel`);
    await renewAt(h, sub.id, '2027-01-01T10:00:00Z');
    s = await merchantView(h, sub.id);
    assert.deepEqual([s.status, s.cancel_reason, s.periods_paid], ['cancelled', 'customer', 1], 'ended at the period end, not charged');
    const cancelled = (await h.events(sub.firstSession)).filter((e) => e.type === 'subscription_cancelled');
    assert.equal(cancelled.length, 1);
    assert.equal(cancelled[0]!.payload.subscription.cancel_reason, 'customer');
    ({ page } = await open(h, sub.path));
    assert.match(page, /<td>Отменена <time datetime="2027-01-01T10:00:00.000Z">/);
    assert.doesNotMatch(page, /<form/, 'nothing left to press');

    res = await press(h, `${sub.path}/cancel`);
    assert.deepEqual([res.status, res.headers.get('location')], [303, `${sub.path}?notice=ended`], 'a refusal is a calm message, not JSON');
    ({ page } = await open(h, res.headers.get('location')!));
    assert.match(page, /<p class="result failed" role="status">Подписка уже завершена, изменить её нельзя\.<\/p>/);
  });

  test('one not paid for (waiting for its first payment, or overdue) is cancelled at once', async (t) => {
    const h = await harness(t, store);
    const pending = await subscribe(h, { pay: false });
    let { page } = await open(h, pending.path);
    assert.match(page, /<td>Ждёт первого платежа<\/td>/);
    assert.doesNotMatch(page, /Способ оплаты|Следующий платёж|<h2>/, 'no card, no date, no payments yet');
    assert.match(page, /Подписка завершится сразу/);
    assert.equal((await press(h, `${pending.path}/cancel`)).status, 303);
    let s = await merchantView(h, pending.id);
    assert.deepEqual([s.status, s.cancel_reason], ['cancelled', 'customer']);
    assert.equal((await h.call('session/status', { session_id: pending.firstSession })).body.session.status, 'cancelled', 'its first payment can no longer be made');

    const overdue = await subscribe(h, { number: RECURRING_DECLINE });
    await renewAt(h, overdue.id, '2027-01-01T10:00:00Z');
    assert.equal((await merchantView(h, overdue.id)).status, 'past_due');
    await press(h, `${overdue.path}/cancel`);
    s = await merchantView(h, overdue.id);
    assert.deepEqual([s.status, s.cancel_reason, s.next_charge_at], ['cancelled', 'customer', null]);
  });

  test('a form not from the server\'s own page is refused with a page (403) and changes nothing', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    for (const headers of <Record<string, string>[]>[
      { origin: 'https://evil.example' },
      {},
      { origin: 'null' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: PUBLIC_URL, 'sec-fetch-site': 'same-site' },
    ]) {
      const res = await press(h, `${sub.path}/cancel?lang=en`, headers);
      assert.equal(res.status, 403, JSON.stringify(headers));
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await res.text(), /<h1>Nothing was changed<\/h1>/);
    }
    const s = await merchantView(h, sub.id);
    assert.deepEqual([s.status, s.cancel_at_period_end], ['active', false]);
    // What Chromium sends from the page itself: under Referrer-Policy no-referrer a form's Origin is "null".
    const res = await press(h, `${sub.path}/cancel`, { origin: 'null', 'sec-fetch-site': 'same-origin' });
    assert.equal(res.status, 303);
    assert.equal((await merchantView(h, sub.id)).cancel_at_period_end, true);
  });

  test('an unknown or malformed token is a 404 page in the customer\'s language, saying nothing more', async (t) => {
    const h = await harness(t, store);
    await subscribe(h);
    for (const path of [`/s/${'A'.repeat(32)}`, '/s/abc', `/s/${'A'.repeat(31)}%3C`]) {
      const { res, page } = await open(h, path, { 'accept-language': 'en-US' });
      assert.equal(res.status, 404, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(page, /<h1>Subscription page not found<\/h1>/);
      assert.doesNotMatch(page, /sub_|ps_|error/);
    }
    assert.match((await open(h, `/s/${'A'.repeat(32)}`)).page, /<h1>Страница подписки не найдена<\/h1>/);
    const post = await press(h, `/s/${'A'.repeat(32)}/cancel`);
    assert.equal(post.status, 404);
    assert.match(await post.text(), /Страница подписки не найдена/);
  });

  test('never framed, no referrer, not cached: on the page, its 404 and its redirects', async (t) => {
    const h = await harness(t, store);
    const sub = await subscribe(h);
    for (const res of [(await open(h, sub.path)).res, (await open(h, `/s/${'B'.repeat(32)}`)).res, await press(h, `${sub.path}/cancel`)]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /form-action 'self'/);
      assert.doesNotMatch(csp, /unsafe-inline/);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('cache-control'), 'no-store');
    }
    assert.equal((await open(h, sub.path)).res.headers.get('x-frame-options'), 'DENY');
    assert.doesNotMatch((await open(h, sub.path)).page, /<script>|<style|style="/, 'no inline script or style');
  });
});

describe("how often, in words (the widget's, which the page and the link page share)", () => {
  test('Russian plurals by Intl.PluralRules, the right gender; English', () => {
    const everyPeriod = (unit: 'day' | 'week' | 'month' | 'year', n: number, lang: 'ru' | 'en') => DICTIONARIES[lang].every(unit, n);
    const ru = (unit: 'day' | 'week' | 'month' | 'year', n: number) => everyPeriod(unit, n, 'ru');
    assert.deepEqual([ru('day', 1), ru('day', 2), ru('day', 5), ru('day', 21), ru('day', 366)], ['каждый день', 'каждые 2 дня', 'каждые 5 дней', 'каждый 21 день', 'каждые 366 дней']);
    assert.deepEqual([ru('week', 1), ru('week', 2), ru('week', 21)], ['каждую неделю', 'каждые 2 недели', 'каждую 21 неделю']);
    assert.deepEqual([ru('month', 1), ru('month', 3), ru('month', 12)], ['каждый месяц', 'каждые 3 месяца', 'каждые 12 месяцев']);
    assert.deepEqual([ru('year', 1), ru('year', 2), ru('year', 5)], ['каждый год', 'каждые 2 года', 'каждые 5 лет']);
    assert.deepEqual([everyPeriod('month', 1, 'en'), everyPeriod('week', 2, 'en'), everyPeriod('day', 21, 'en')], ['every month', 'every 2 weeks', 'every 21 days']);
  });
});
