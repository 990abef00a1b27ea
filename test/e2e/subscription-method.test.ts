/**
 * The customer changes their subscription's card on their own page, in headless Chromium against
 * the sandbox: «Новая карта» opens a hosted checkout of its own (1 ₽, said to be refunded at once,
 * with the regular-payment notice and the consent to later charges); they pay with a new card,
 * return to their page and see its last four digits. The merchant hears subscription_updated
 * (verified), and the 1 ₽ is refunded. In English on a phone, in Russian on a desktop. And
 * «Другой банк через СБП»: the account is bound in that checkout without paying anything.
 * Screenshots: test-results/screenshots/subscription-method-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from './harness';
import { launch, newContext, shoot, typeCard, type Device } from './browser';
import { eventually } from '../support/eventually';

let stack: Stack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

/** A monthly subscription whose first payment the customer made by Visa …4242 (through the public API, as the widget does). */
async function subscribed(reference: string) {
  const created = await stack.call('subscription/create', {
    amount_details: { amount: 49_900, currency: 'RUB' },
    period: { unit: 'month', count: 1 },
    description: 'Подписка на канал «Утки»',
    customer: { reference },
  });
  const base = `${stack.apiUrl}/public/v1/sessions/${created.public_token}`;
  const post = async (path: string, body: unknown) => (await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json() as Promise<any>;
  const card = await post('/cards', { number: '4242424242424242', expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 3, cvc: '123' });
  const paid = await post('/payments', { method: 'card', card_token: card.token, recurrent_consent: true });
  assert.equal(paid.payment?.status, 'succeeded', JSON.stringify(paid));
  return { id: created.subscription.id as string, url: created.subscription.unsubscribe_url as string };
}

const CASES: { device: Device; locale: string; lang: 'ru' | 'en'; change: string; notice: RegExp; consent: RegExp; method: RegExp; done: RegExp }[] = [
  {
    device: 'desktop',
    locale: 'ru-RU',
    lang: 'ru',
    change: 'Новая карта',
    notice: /Смена способа оплаты «Подписка на канал „Утки“»: 1\s₽ вернём сразу/, // quotes within quotes are „…“
    consent: /каждый месяц/,
    method: /Способ оплаты\s+Mastercard\s•{4}\s4444/,
    done: /Готово, новый способ оплаты: Mastercard\s•{4}\s4444\./,
  },
  {
    device: 'phone',
    locale: 'en-US',
    lang: 'en',
    change: 'New card',
    notice: /New payment method for “Подписка на канал «Утки»”: 1\s₽, refunded at once/,
    consent: /every month/,
    method: /Payment method\s+Mastercard\s•{4}\s4444/,
    done: /Done, the new payment method is Mastercard\s•{4}\s4444\./,
  },
];

for (const c of CASES) {
  test(`${c.lang} on a ${c.device}: change the card on the customer page, pay 1 ₽ with the new one in the hosted checkout, back to the page`, async () => {
    const sub = await subscribed(`e2e-method-${c.lang}`);
    const updatesBefore = stack.verifiedHooks('subscription_updated');
    const context = await newContext(browser, c.device, c.locale);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(sub.url);
    assert.match(await page.locator('body').innerText(), /Visa\s•{4}\s4242/);
    await shoot(page, `subscription-method-${c.device}-${c.lang}-page`);
    await page.getByRole('button', { name: c.change }).click();
    await page.waitForURL(/\/pay\/pt_/);
    const changeSession = (await stack.publicView(new URL(page.url()).pathname.split('/').at(-1)!)).session_id as string;

    const widget = page.locator('sg-checkout');
    const pay = widget.locator('[part~="pay-button"]');
    await pay.waitFor();
    assert.match(await widget.locator('h2').first().innerText(), c.notice, 'the customer is told what the 1 ₽ is');
    assert.match(await widget.locator('.regular').innerText(), c.consent, 'the regular-payment notice');
    assert.equal(await widget.getByRole('tab').count(), 1, 'a new card: the card alone');
    await typeCard(page, '5555555555554444');
    assert.equal(await pay.isDisabled(), true, 'no payment before the consent');
    await widget.locator('label.recurrent input').check();
    await shoot(page, `subscription-method-${c.device}-${c.lang}-checkout`);
    await pay.click();
    const back = widget.locator('a.primary.button');
    await back.waitFor({ timeout: 15_000 });
    await shoot(page, `subscription-method-${c.device}-${c.lang}-paid`);
    await back.click();
    await page.waitForURL((url) => url.href.startsWith(sub.url));

    const text = await page.locator('body').innerText();
    assert.match(text, c.method, `the new card: ${text}`);
    assert.match(text, c.done, 'the page says it is done');
    assert.doesNotMatch(text, /4242/, 'the old card is gone');
    await shoot(page, `subscription-method-${c.device}-${c.lang}-changed`);

    const s = await stack.subscription(sub.id);
    assert.equal(s.recurrent.type, 'card');
    await eventually('subscription_updated at the merchant, verified', () => stack.verifiedHooks('subscription_updated') === updatesBefore + 1, 15_000);
    await eventually('the 1 ₽ refunded in full', async () => {
      const payment = (await stack.call('session/status', { session_id: changeSession })).session.acquiring_payments[0];
      return payment.amount_details.amount === 100 && payment.refunded_amount_details?.amount === 100;
    }, 15_000);
    await eventually('payment_refunded at the merchant, verified', () => stack.hooks.some((h) => h.verified && h.type === 'payment_refunded' && h.session?.id === changeSession), 15_000);
    await context.close();
    assert.deepEqual(errors, []);
  });
}

test('ru on a desktop: another bank through FPS, bound in the hosted checkout with nothing paid, back to the page', async () => {
  const sub = await subscribed('e2e-method-account');
  const updatesBefore = stack.verifiedHooks('subscription_updated');
  const context = await newContext(browser, 'desktop', 'ru-RU');
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(sub.url);
  assert.match(await page.locator('body').innerText(), /Счёт в банке привяжем без списания\./);
  await page.getByRole('button', { name: 'Другой банк через СБП' }).click();
  await page.waitForURL(/\/pay\/pt_/);
  const changeSession = (await stack.publicView(new URL(page.url()).pathname.split('/').at(-1)!)).session_id as string;
  const widget = page.locator('sg-checkout');
  const link = widget.locator('[part~="pay-button"]');
  await link.waitFor();
  assert.equal((await link.innerText()).trim(), 'Привязать счёт');
  assert.doesNotMatch(await widget.innerText(), /₽/, 'nothing to pay');
  await widget.locator('label.recurrent input').check();
  await link.click();
  await widget.locator('sg-qr-view svg[part=qr]').waitFor();
  await shoot(page, 'subscription-method-desktop-ru-account-qr');
  await stack.answerAtBank(page, await stack.customerLink(changeSession), { button: 'Привязать счёт', shot: 'subscription-method-desktop-ru-account-bank' });
  const back = widget.locator('a.primary.button');
  await back.waitFor({ timeout: 15_000 });
  await shoot(page, 'subscription-method-desktop-ru-account-done');
  await back.click();
  await page.waitForURL((url) => url.href.startsWith(sub.url));
  const text = await page.locator('body').innerText();
  assert.match(text, /Способ оплаты\s+СБП\s·\s\S+/, `the bank: ${text}`);
  assert.match(text, /Готово, новый способ оплаты: СБП\s·\s[^.]+\.\s*\n/, 'done, with no 1 ₽ to give back');
  assert.doesNotMatch(text, /Проверочный/);
  await shoot(page, 'subscription-method-desktop-ru-account-changed');
  assert.equal((await stack.subscription(sub.id)).recurrent.type, 'faster_payment_system');
  await eventually('subscription_updated at the merchant, verified', () => stack.verifiedHooks('subscription_updated') === updatesBefore + 1, 15_000);
  await context.close();
  assert.deepEqual(errors, []);
});
