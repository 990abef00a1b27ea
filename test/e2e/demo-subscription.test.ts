/**
 * The demo store's tea subscription in Chromium, against the real server over HTTP, as its
 * customer lives it. In Russian on a desktop: the card says the price per month; beside a mug in
 * the cart the checkout waits and says why; alone it is "Оформить подписку", and the widget shows
 * the regular-payment notice and the consent box; paid by card, the order's status says the
 * subscription is active, with its next payment and a link to the customer's page, which the
 * store learnt from verified webhooks. A month on the test clock, the server renews it and the
 * status shows two months paid. In English on a phone: subscribed by FPS (the bank account bound,
 * the sandbox phone playing the bank), cancelled on the customer's page, and once the paid month
 * is over the store shows it ended. Screenshots go to
 * test-results/demo-e2e/subscription-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemoStack, type DemoStack } from './demo-harness';
import { launchBrowser, newShopperContext, sgEvents, shoot, watchProblems, type Device } from './demo-browser';
import { typeCard } from './browser';

const TEA = 'baikal-tea-monthly';
/** The page asks its backend every 2 s; the server charges due renewals every second and delivers the webhook at once. */
const SHOWN_MS = 15_000;

let stack: DemoStack;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  [stack, browser] = await Promise.all([startDemoStack(), launchBrowser()]);
});

after(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await browser?.close();
  await stack?.close();
});

type Shopper = { context: BrowserContext; page: Page; problems: string[] };

async function shopper(device: Device, locale: string): Promise<Shopper> {
  const context = await newShopperContext(browser, device, locale);
  contexts.push(context);
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${stack.url}/`);
  await page.locator(`.product[data-sku="${TEA}"]`).waitFor();
  return { context, page, problems };
}

const status = (page: Page) => page.locator('#order-status');
/** The status as read, its no-break spaces (dates and amounts are kept on one line) read as spaces. */
const statusText = async (page: Page) => (await status(page).innerText()).replace(/\u00a0/g, ' ');
const widget = (page: Page) => page.locator('#widget-slot sg-checkout');

/** Scrolls the checkout (its heading and the order's status) to the top, at once. */
const toCheckout = (page: Page) => page.locator('#checkout-section').evaluate((el) => el.scrollIntoView({ block: 'start', behavior: 'instant' }));

/** Moves the sandbox's test clock on (`by`: "31d"). */
async function advanceClock(by: string): Promise<void> {
  const res = await fetch(`${stack.url}/sandbox/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by }) });
  assert.equal(res.status, 200, await res.text());
}

/** Checks out the cart (the subscription alone) and answers the order as the store's backend shows it to this shopper. */
async function checkout(s: Shopper): Promise<{ id: string; sessionId: string; subscription: { id: string; manage_url: string } }> {
  await s.page.locator('#checkout').click();
  await widget(s.page).waitFor();
  const id = /^#order=(ord_[0-9a-f]+)$/.exec(new URL(s.page.url()).hash)?.[1];
  assert.ok(id, s.page.url());
  const res = await s.page.request.get(`${stack.url}/demo/orders/${id}`);
  const order = (await res.json()) as { status: string; session_id: string; token: string; subscription: { id: string; status: string; manage_url: string } };
  assert.deepEqual([order.status, order.subscription.status], ['awaiting_payment', 'pending']);
  assert.equal(await widget(s.page).getAttribute('token'), order.token);
  await s.page.waitForFunction((sessionId) => (window as unknown as { sgEvents: { type: string; detail: any }[] }).sgEvents.some((e) => e.type === 'sg-ready' && e.detail.sessionId === sessionId), order.session_id);
  return { id, sessionId: order.session_id, subscription: order.subscription };
}

/** Pays by the card 4242…, ticking the consent to later charges first (the Pay button waits for it). */
async function payByCard(s: Shopper, consentName: RegExp): Promise<void> {
  const w = widget(s.page);
  const cardTab = w.getByRole('tab', { name: /^(Card|Карта)$/ });
  if (await cardTab.count()) await cardTab.click(); // one method (card) shows no tabs; with FPS beside it, the card is picked
  await typeCard(s.page, '4242424242424242');
  const pay = w.locator('[part~="pay-button"]');
  assert.equal(await pay.isDisabled(), true, 'no payment before the consent');
  await w.getByRole('checkbox', { name: consentName }).check();
  await pay.click();
}

/** The store verified and applied the subscription event `type` of this order (filed under its first session). */
async function storeVerified(sessionId: string, type: string, count = 1): Promise<void> {
  await stack.waitForHooks(sessionId, (hs) => hs.filter((h) => h.type === type && h.verifiedByStore && h.delivery === 'delivered').length >= count, `${count} verified ${type}`);
}

describe('the demo store’s subscription in Chromium, by card and by FPS', () => {
  test('Russian, desktop: bought alone, paid by card, active with its next payment; renewed a month on; the customer’s page', async () => {
    const s = await shopper('desktop', 'ru-RU');
    const { page } = s;
    const card = page.locator(`.product[data-sku="${TEA}"]`);
    assert.equal((await card.locator('h2').textContent())!.trim(), 'Подписка на чай «Байкал»');
    assert.equal((await card.locator('.price').textContent())!.replace(/\s/g, ' '), '499,00 ₽ в месяц');
    await card.scrollIntoViewIfNeeded();
    await shoot(page, 'subscription-ru-card');

    // With a mug beside it the checkout waits, and says why; one subscription is all the cart takes.
    await page.locator('.product[data-sku="baikal-mug"] button.add').click();
    await card.locator('button.add').click();
    await page.locator('#cart-note').waitFor();
    assert.match((await page.locator('#cart-note').textContent())!, /^Подписка оформляется отдельно от других товаров/);
    assert.equal(await page.locator('#checkout').isDisabled(), true);
    assert.deepEqual([await card.locator('button.add').isDisabled(), (await card.locator('button.add').textContent())!.trim()], [true, 'В корзине']);
    await shoot(page, 'subscription-ru-mixed-cart');
    await page.locator('#cart-lines li', { hasText: 'Кружка' }).getByRole('button', { name: /На одну меньше/ }).click();
    await page.locator('#cart-note').waitFor({ state: 'hidden' });
    assert.equal((await page.locator('#checkout').textContent())!.trim(), 'Оформить подписку');

    const order = await checkout(s);
    const w = widget(page);
    assert.match(await w.locator('.regular').innerText(), /^499,00\s₽ каждый месяц, следующий платёж .+ Отменить можно в любой момент\.$/);
    await status(page).locator('text=Ждём оплату.').waitFor();
    await toCheckout(page);
    await shoot(page, 'subscription-ru-checkout');
    await payByCard(s, /будет списывать оплату с этой карты/);
    await page.getByRole('heading', { name: 'Оплата прошла' }).waitFor({ timeout: 15_000 });

    // Active, as the store's backend learnt from the verified subscription_activated.
    await page.locator('#order-status[data-status="paid"][data-subscription="active"]').waitFor({ timeout: SHOWN_MS });
    await storeVerified(order.sessionId, 'subscription_activated');
    const active = await statusText(page);
    assert.match(active, /^Подписка активна\.\nОплачен 1 месяц, последний платёж \d{1,2} [а-я]+ \d{4} г\.\nСледующий платёж 499,00 ₽ — \d{1,2} [а-я]+ \d{4} г\.\nУправление подпиской: платежи, отмена$/, active);
    const link = status(page).getByRole('link', { name: 'Управление подпиской: платежи, отмена' });
    assert.equal(await link.getAttribute('href'), `${order.subscription.manage_url}?lang=ru`);
    assert.doesNotMatch(active, /[A-Za-z]/, 'in Russian only');
    await toCheckout(page);
    await shoot(page, 'subscription-ru-active');

    // A month on the test clock: the server charges the card itself, and the store hears of it.
    await advanceClock('31d');
    await status(page).getByText(/^Оплачено 2 месяца, последний платёж /).waitFor({ timeout: SHOWN_MS });
    await storeVerified(order.sessionId, 'subscription_charged');
    assert.notEqual(await statusText(page), active, 'a later next payment');
    await toCheckout(page);
    await shoot(page, 'subscription-ru-renewed');

    // The customer's own page, in the shop's language: what they pay for, both payments, a way to cancel.
    const [own] = await Promise.all([s.context.waitForEvent('page'), link.click()]);
    const ownProblems = watchProblems(own);
    await own.waitForLoadState();
    assert.equal(new URL(own.url()).pathname, new URL(order.subscription.manage_url).pathname);
    await own.getByRole('heading', { name: 'Подписка на чай «Байкал»' }).waitFor();
    const text = await own.locator('body').innerText();
    assert.match(text, /каждый месяц/);
    assert.equal((text.match(/499,00\s₽/g) ?? []).length >= 3, true, `the price and two payments: ${text}`);
    assert.match(text, /Отменить подписку/);
    await shoot(own, 'subscription-ru-customer-page');
    assert.deepEqual([...s.problems, ...ownProblems], []);
    assert.equal((await sgEvents(page)).filter((e) => e.type === 'sg-success').length, 1);
  });

  test('English, phone: subscribed by FPS, cancelled on the customer’s page, shown ended once the paid month is over', async () => {
    const s = await shopper('phone', 'en-US');
    const { page } = s;
    const card = page.locator(`.product[data-sku="${TEA}"]`);
    assert.equal((await card.locator('.price').textContent())!.replace(/\s/g, ' '), '499.00 ₽ a month');
    await card.scrollIntoViewIfNeeded();
    await shoot(page, 'subscription-en-phone-card');
    await card.locator('button.add').click();
    assert.equal((await page.locator('#checkout').textContent())!.trim(), 'Subscribe');
    const order = await checkout(s);
    await toCheckout(page);
    await shoot(page, 'subscription-en-phone-checkout');
    // FPS: the consent names the binding of the bank account; the bank list, then the bank (the sandbox phone) approves.
    const w = widget(page);
    await w.getByRole('tab', { name: 'FPS' }).click();
    const ask = w.getByRole('button', { name: 'Pay via FPS' });
    assert.equal(await ask.isDisabled(), true, 'nothing is made before the consent');
    await w.getByRole('checkbox', { name: /link my bank account/ }).check();
    await ask.click();
    await w.locator('sg-bank-list a[part~="bank"]').first().waitFor();
    await page.locator('#phone-content .phone-answer button.approve').click();
    await page.getByRole('heading', { name: 'Payment successful' }).waitFor({ timeout: 15_000 });
    await page.locator('#order-status[data-status="paid"][data-subscription="active"]').waitFor({ timeout: SHOWN_MS });
    assert.equal((await sgEvents(page)).find((e) => e.type === 'sg-success')?.detail.method, 'fps');
    const active = await statusText(page);
    assert.match(active, /^Your subscription is active\.\n1 month paid, the last payment on \d{1,2} [A-Z][a-z]+ \d{4}\.\nNext payment: 499\.00 ₽ on \d{1,2} [A-Z][a-z]+ \d{4}\.\nManage your subscription: payments, cancel$/, active);
    assert.doesNotMatch(active, /[а-яё]/i, 'in English only');
    await toCheckout(page);
    await shoot(page, 'subscription-en-phone-active');

    // Cancelled by the customer on their page: it stays paid to the period's end, then ends.
    const [own] = await Promise.all([s.context.waitForEvent('page'), status(page).getByRole('link', { name: /Manage your subscription/ }).click()]);
    await own.waitForLoadState();
    await own.getByText('Cancel subscription', { exact: true }).click();
    await own.getByRole('button', { name: 'Yes, cancel the subscription' }).click();
    await own.waitForURL(/\/s\//);
    assert.match(await own.locator('body').innerText(), /[Ee]nds on/);
    await shoot(own, 'subscription-en-phone-cancelled');
    await own.close();

    await advanceClock('31d');
    await page.bringToFront();
    await page.locator('#order-status[data-subscription="cancelled"]').waitFor({ timeout: SHOWN_MS });
    await storeVerified(order.sessionId, 'subscription_cancelled');
    assert.match(await statusText(page), /^Your subscription ended on \d{1,2} [A-Z][a-z]+ \d{4}\.\n1 month paid, the last payment on .+\nYour subscription’s page$/);
    await toCheckout(page);
    await shoot(page, 'subscription-en-phone-ended');
    assert.deepEqual(s.problems, []);
  });
});
