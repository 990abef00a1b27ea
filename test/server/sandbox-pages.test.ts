/**
 * The sandbox's pages as the customer meets them (the 3-D Secure page inside the widget's dialog,
 * the bank app after an FPS QR, the push inbox): in the page's language, ?lang= first (the widget
 * appends it), headed by the shop's display name, amounts in that language's format.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sessionWithToken, startHarness, tokenize, type Harness } from './helpers';
import { PHONE, VISA_3DS } from './merchant-fixtures';

async function harness(t: TestContext): Promise<Harness> {
  const h = await startHarness();
  t.after(() => h.close());
  await h.server.store.transaction(async (tx) => tx.projects.update({ ...(await tx.projects.get('shop'))!, displayName: 'Байкал Маркет', logoUrl: 'https://cdn.shop.example/logo.png' }));
  return h;
}

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function challenge(h: Harness) {
  const { token } = await sessionWithToken(h, { amount_details: { amount: 129000, currency: 'RUB' } });
  const card = await tokenize(h, token, VISA_3DS);
  const started = (await h.publicCall(`sessions/${token}/payments`, json({ method: 'card', card_token: card }))).body;
  return { token, paymentId: started.payment.id as string };
}

const text = async (h: Harness, path: string, acceptLanguage?: string) => {
  const res = await h.app.request(path, acceptLanguage ? { headers: { 'accept-language': acceptLanguage } } : {});
  return { res, html: await res.text() };
};

test('the 3-D Secure page speaks the language the widget asks for (?lang=), headed by the shop, never its slug', async (t) => {
  const h = await harness(t);
  const { paymentId } = await challenge(h);
  const ru = await text(h, `/sandbox/3ds/${paymentId}?lang=ru`, 'en-US,en');
  assert.match(ru.html, /<html lang="ru">/);
  assert.match(ru.html, /<span class="shop-name">Байкал Маркет<\/span>/);
  assert.match(ru.html, /alt="Логотип Байкал Маркет"/);
  assert.match(ru.html, /Оплата в магазин <strong>Байкал Маркет<\/strong> картой Visa\u00a0••••\u00a03220/);
  assert.match(ru.html, /1\u202f290,00\u00a0₽/);
  assert.match(ru.html, />Подтвердить кодом<\/button>/);
  assert.match(ru.html, />Отклонить<\/button>/);
  assert.match(ru.html, new RegExp(`formaction="/sandbox/payments/${paymentId}/approve\\?lang=ru"`), 'the answer keeps the language');
  assert.doesNotMatch(ru.html, /Confirm with code|Payment to|>shop</);
  assert.match(ru.res.headers.get('content-security-policy') ?? '', /img-src 'self' data: https:\/\/cdn\.shop\.example/);

  const en = await text(h, `/sandbox/3ds/${paymentId}?lang=en`, 'ru');
  assert.match(en.html, /<html lang="en">/);
  assert.match(en.html, /Payment to <strong>Байкал Маркет<\/strong> with Visa\u00a0••••\u00a03220/);
  assert.match(en.html, /1,290\.00\u00a0₽/);
  assert.match(en.html, />Confirm with code<\/button>/);
});

test('after the answer, the result page is in the same language, with the customer\'s words for a failure', async (t) => {
  const h = await harness(t);
  const { paymentId } = await challenge(h);
  const declined = await h.app.request(`/sandbox/payments/${paymentId}/decline?lang=ru`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
  assert.equal(declined.status, 303);
  assert.equal(declined.headers.get('location'), `/sandbox/payments/${paymentId}?lang=ru`);
  const { html } = await text(h, declined.headers.get('location')!);
  assert.match(html, /<html lang="ru">/);
  const said = html.match(/role="status">\s*([^<]*?)\s*<\/div>/)?.[1];
  assert.equal(said, 'Не оплачено: Проверка 3-D Secure не пройдена.', 'the widget\'s words, not the acquirer\'s code or description');
});

test('the bank page after an FPS QR follows Accept-Language, and the push inbox too', async (t) => {
  const h = await harness(t);
  const { token } = await sessionWithToken(h, { amount_details: { amount: 129000, currency: 'RUB' } });
  const link = (await h.publicCall(`sessions/${token}/payments`, json({ method: 'fps' }))).body.payment.customer_interaction.redirect.url as string;
  const en = await text(h, `/sandbox/bank?link=${encodeURIComponent(link)}`, 'en-GB,en;q=0.9,ru;q=0.5');
  assert.match(en.html, /<h1>Your bank · FPS<\/h1>/);
  assert.match(en.html, />Pay<\/button>/);
  const ru = await text(h, `/sandbox/bank?link=${encodeURIComponent(link)}`, 'ru-RU');
  assert.match(ru.html, /<h1>Ваш банк · СБП<\/h1>/);
  assert.match(ru.html, />Оплатить<\/button>/);
  assert.match((await text(h, '/sandbox/bank?link=nonsense')).html, /Вставьте ссылку СБП/);

  const { token: sber } = await sessionWithToken(h);
  await h.publicCall(`sessions/${sber}/payments`, json({ method: 'sberpay' }));
  const inbox = await text(h, `/sandbox/pushes?phone=${PHONE}`, 'ru');
  assert.match(inbox.html, /<h1>Входящие push<\/h1>/);
  assert.match(inbox.html, /<th>Время<\/th><th>Телефон<\/th><th>Сообщение<\/th><th><span class="sr">Платёж<\/span><\/th>/, 'every column named');
  assert.match(inbox.html, /<script defer src="\/assets\/local-time\.js"><\/script>/);
  assert.match(inbox.res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match((await text(h, '/sandbox/pushes', 'en')).html, /<h1>Push inbox<\/h1>/);
});
