import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LOCAL_TIME_JS, moscowTime } from '../../server/pages/local-time';
import { RUB, sessionWithToken, startHarness, tokenize, type Harness } from './helpers';

async function paidByCard(h: Harness, description = 'Кофе <b>латте</b>') {
  const { id, token } = await sessionWithToken(h, { description, amount_details: RUB(129000) });
  const card = await tokenize(h, token, '4242424242424242');
  const paid = await h.call('session/start/payment', { session_id: id, payment_details: { type: 'card', card: { token: card } } });
  return { sessionId: id, paymentId: paid.body.session.acquiring_payments[0].id as string };
}

const open = async (h: Harness, path: string, acceptLanguage?: string) => {
  const res = await h.app.request(path, acceptLanguage ? { headers: { 'accept-language': acceptLanguage } } : {});
  return { res, page: await res.text() };
};

test('a payment confirmation in Russian: what it is (not a 54-ФЗ receipt), the purchase, the amount, the masked card, the time in Moscow, later refunds', async () => {
  const h = await startHarness();
  try {
    const { sessionId, paymentId } = await paidByCard(h);
    let { res, page } = await open(h, `/receipt/${paymentId}`);
    assert.equal(res.status, 200);
    assert.match(page, /<html lang="ru">/);
    assert.match(page, /<h1>Подтверждение оплаты<\/h1>/);
    assert.match(page, /не кассовый чек по 54\u2011ФЗ\. Кассовый чек присылает магазин\./);
    assert.match(page, /<div class="amount">1\u202f290,00\u00a0₽<\/div>/);
    assert.equal(page.match(/1\u202f290,00/g)?.length, 1, 'the amount is said once');
    assert.match(page, /Банковская карта, Visa\u00a0••••\u00a04242/);
    assert.match(page, /<th scope="row">Статус<\/th><td>Оплачено<\/td>/);
    assert.match(page, /Кофе &lt;b&gt;латте&lt;\/b&gt;/, 'merchant text is escaped');
    const time = page.match(/<time datetime="([^"]+)">([^<]+)<\/time>/);
    assert.ok(time, 'the time as a <time> element');
    assert.equal(time[2], moscowTime(Date.parse(time[1]!), 'ru'));
    assert.match(time[2]!, /^\d{1,2} [а-я]+ \d{4}, \d\d:\d\d МСК$/, 'a Russian date with the zone named');
    assert.doesNotMatch(page, /UTC|\d{4}-\d\d-\d\d \d\d:\d\d/, 'no UTC ISO time as text');
    assert.doesNotMatch(page, /4242424242424242/);
    assert.match(page, new RegExp(`Номер платежа для обращения в поддержку: <code>${paymentId}</code>`), 'the id only as a small support line');
    assert.doesNotMatch(page, /<h1>[^<]*pm_/);

    await h.call('session/refund', { session_id: sessionId, amount_details: RUB(10000) });
    ({ page } = await open(h, `/receipt/${paymentId}`));
    assert.match(page, /Возвращено<\/th><td>100,00\u00a0₽, <time datetime=/);
  } finally {
    await h.close();
  }
});

test('in English for an English browser, headed by the shop\'s display name, never its slug', async () => {
  const h = await startHarness();
  try {
    await h.server.store.transaction(async (tx) => tx.projects.update({ ...(await tx.projects.get('shop'))!, displayName: 'Baikal Market', logoUrl: 'https://cdn.shop.example/logo.png' }));
    const { paymentId } = await paidByCard(h, 'Coffee');
    const { res, page } = await open(h, `/receipt/${paymentId}`, 'en-US,en;q=0.9,ru;q=0.8');
    assert.match(page, /<html lang="en">/);
    assert.match(page, /<h1>Payment confirmation<\/h1>/);
    assert.match(page, /not a fiscal receipt under Russian law 54\u2011FZ/);
    assert.match(page, /<div class="amount">1,290\.00\u00a0₽<\/div>/);
    assert.match(page, /Bank card, Visa\u00a0••••\u00a04242/);
    assert.match(page, /<time datetime="[^"]+">\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d Moscow time<\/time>/);
    assert.match(page, /<span class="shop-name">Baikal Market<\/span>/);
    assert.match(page, /<img class="shop-logo" src="https:\/\/cdn\.shop\.example\/logo\.png" alt="Baikal Market logo"/);
    assert.doesNotMatch(page.replace(/<code>[^<]*<\/code>/, ''), />shop</, 'no slug');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /img-src 'self' data: https:\/\/cdn\.shop\.example(;|$)/, 'the logo\'s origin only');
    assert.doesNotMatch(csp, /unsafe-inline/);
    for (const tag of page.matchAll(/<script\b[^>]*>/g)) assert.match(tag[0], /src="\/assets\/local-time\.js"/, 'only the external local-time script');
  } finally {
    await h.close();
  }
});

test('/assets/local-time.js rewrites each <time> in the browser\'s zone and the page\'s language', async () => {
  const h = await startHarness();
  try {
    const res = await h.app.request('/assets/local-time.js');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/javascript/);
    const script = await res.text();
    assert.equal(script, LOCAL_TIME_JS);
    for (const lang of ['ru', 'en'] as const) {
      const times = [{ datetime: '2026-12-01T09:30:00.000Z', textContent: 'fallback' }, { datetime: 'not a time', textContent: 'kept' }];
      const document = {
        documentElement: { lang },
        querySelectorAll: () => times.map((t) => Object.assign(t, { getAttribute: () => t.datetime })),
      };
      new Function('document', script)(document);
      const expected = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).format(Date.parse(times[0]!.datetime));
      assert.equal(times[0]!.textContent, expected);
      assert.equal(times[1]!.textContent, 'kept', 'an unreadable datetime keeps its text');
    }
  } finally {
    await h.close();
  }
});

test('an unknown payment confirmation is a 404 page in the customer\'s language', async () => {
  const h = await startHarness();
  try {
    const ru = await open(h, '/receipt/pm_doesnotexist0000000');
    assert.equal(ru.res.status, 404);
    assert.match(ru.page, /Подтверждение оплаты не найдено/);
    const en = await open(h, '/receipt/pm_doesnotexist0000000', 'en');
    assert.match(en.page, /Payment confirmation not found/);
  } finally {
    await h.close();
  }
});
