/**
 * Issue 5's end-to-end tests: full purchases in the demo store (`/`) in Chromium, against the
 * real server over HTTP, by every method, on a desktop and a phone. Each purchase ends with the
 * order shown paid (`#order-status[data-status=paid]`), which the store's backend decides only
 * on a verified `payment_finished`: before that the page must still say "awaiting payment", and
 * after it the delivery must be in the store's own table of verified webhooks. Then a refund
 * from the developer console (`/console`) that the store receives as a verified
 * `payment_refunded`. Last, the console's subscriptions, moved through their renewals by its
 * test clock (run last: that clock only moves forward). Screenshots go to test-results/demo-e2e/
 * (and the README's five to demo/screenshots/ when missing, or always with UPDATE_SCREENSHOTS=1).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemoStack, type DemoStack, type HookRecord } from './demo-harness';
import { launchBrowser, newShopperContext, sgEvents, shoot, watchProblems, type Device } from './demo-browser';
import { frameOf, typeCard } from './browser';
import { merchantClient } from '../../demo/store/merchant-client';

const FPS_LINK = /^https:\/\/qr\.nspk\.ru\/[0-9A-Z]{32}\?type=02&bank=\d{12}&sum=\d+&cur=RUB&crc=[0-9A-F]{4}$/;
const SBERPAY_DEEP_LINK = /^sberpay:\/\/invoicing\/v2\?bankInvoiceId=[0-9a-f]{32}&operationType=Web2App$/;
/** The order page asks its backend every 2 s; the webhook is delivered within moments. */
const PAID_DUE_MS = 15_000;

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

type Shopper = { context: BrowserContext; page: Page; problems: string[]; device: Device };
type Order = { id: string; sessionId: string; token: string; amount: number };

async function shopper(device: Device): Promise<Shopper> {
  const context = await newShopperContext(browser, device);
  contexts.push(context);
  const page = await context.newPage();
  const problems = watchProblems(page);
  await page.goto(`${stack.url}/`);
  await page.locator('.product').first().waitFor();
  return { context, page, problems, device };
}

const widget = (page: Page) => page.locator('#widget-slot sg-checkout');
const payButton = (page: Page) => page.locator('sg-checkout [part~="pay-button"]');
const successHeading = (page: Page) => page.getByRole('heading', { name: 'Payment successful' });
const orderStatus = (page: Page) => page.locator('#order-status');
/** The sandbox phone's own "Pay" (approve as the bank) button. */
const phoneApprove = (page: Page) => page.locator('#phone-content .phone-answer button.approve');
/** The link the widget's QR view shows (its `link` property: what the QR encodes). */
/** The customer asks for what a method makes ("Show the QR code", "Pay via FPS"…): nothing is made before. */
const ask = (page: Page, name: string) => page.locator('sg-checkout').getByRole('button', { name }).click();
const qrLink = (page: Page) => page.locator('sg-checkout sg-qr-view').evaluate((el) => (el as HTMLElement & { link: string }).link);

/** Scrolls the checkout (its heading, the order's status, the widget and the phone) to the top, at once. */
async function toCheckout(page: Page): Promise<void> {
  await page.locator('#checkout-section').evaluate((el) => el.scrollIntoView({ block: 'start', behavior: 'instant' }));
}

/** Puts products in the cart and checks out: the store's backend creates the order and its session. */
async function placeOrder(s: Shopper, skus: string[]): Promise<Order> {
  for (const sku of skus) await s.page.locator(`.product[data-sku="${sku}"] button.add`).click();
  await s.page.locator('#checkout').click();
  await widget(s.page).waitFor();
  const id = /^#order=(ord_[0-9a-f]+)$/.exec(new URL(s.page.url()).hash)?.[1];
  assert.ok(id, `the page names the order in its URL: ${s.page.url()}`);
  // The order as this shopper's backend knows it (the shopper's cookie goes with page.request).
  const res = await s.page.request.get(`${stack.url}/demo/orders/${id}`);
  assert.equal(res.status(), 200);
  const view = (await res.json()) as { status: string; session_id: string; token: string; amount_details: { amount: number } };
  assert.equal(view.status, 'awaiting_payment');
  assert.equal(await widget(s.page).getAttribute('token'), view.token, 'the widget holds the order session’s token');
  await s.page.waitForFunction(
    (sessionId) => (window as unknown as { sgEvents: { type: string; detail: any }[] }).sgEvents.some((e) => e.type === 'sg-ready' && e.detail.sessionId === sessionId),
    view.session_id,
  );
  // The page shows what the backend says: not paid yet.
  await s.page.locator('#order-status[data-status="awaiting_payment"]').waitFor();
  return { id, sessionId: view.session_id, token: view.token, amount: view.amount_details.amount };
}

/** Not paid yet: the page and the store's database both say so (checked before the bank answers). */
async function assertAwaiting(s: Shopper, order: Order): Promise<void> {
  assert.equal(await orderStatus(s.page).getAttribute('data-status'), 'awaiting_payment');
  assert.equal(stack.order(order.id)?.status, 'awaiting_payment');
}

const finishedAccepted = (h: HookRecord) => h.type === 'payment_finished' && h.sessionStatus === 'accepted';

/**
 * The purchase's end: the widget's success screen and exactly one sg-success, then the order
 * shown paid, which the store decided on a payment_finished (session accepted) that the server
 * delivered to it (2xx) and that it verified (its id is in the store's processed_webhooks).
 */
async function assertPaid(s: Shopper, order: Order, method: string): Promise<void> {
  await successHeading(s.page).waitFor({ timeout: 15_000 });
  await s.page.locator('#order-status[data-status="paid"]').waitFor({ timeout: PAID_DUE_MS });
  assert.match((await orderStatus(s.page).textContent())!, /verified payment_finished/);
  const hooks = await stack.hooks(order.sessionId);
  const finished = hooks.filter(finishedAccepted);
  assert.equal(finished.length, 1, `one payment_finished for the accepted session: ${JSON.stringify(hooks)}`);
  assert.equal(finished[0]!.delivery, 'delivered');
  assert.ok(finished[0]!.verifiedByStore, 'the store verified the payment_finished delivery');
  assert.ok(finished[0]!.payments.some((p) => p.status === 'succeeded'));
  assert.equal(stack.order(order.id)?.status, 'paid');
  assert.equal(hooks.filter((h) => h.delivery === 'delivered' && !h.verifiedByStore).length, 0, 'every delivered webhook verified by the store');

  // Of this order's widget (a second order in the same page follows the first one's events).
  const events = await sgEvents(s.page);
  const successes = events.filter((e) => e.type === 'sg-success' && e.detail.sessionId === order.sessionId);
  assert.equal(successes.length, 1, `one sg-success for ${order.sessionId}: ${JSON.stringify(events.map((e) => [e.type, e.detail?.sessionId]))}`);
  assert.equal(successes[0]!.detail.amount, order.amount);
  assert.equal(successes[0]!.detail.method, method);
  // The sandbox phone follows the widget.
  await s.page.locator('#phone-content .phone-ok').waitFor();
  assert.deepEqual(s.problems, []);
}

/** Pays in the sandbox page that `open` brings up in a new tab (bank app, SberPay app). */
async function payInPopup(s: Shopper, open: () => Promise<void>): Promise<void> {
  const [popup] = await Promise.all([s.context.waitForEvent('page'), open()]);
  await popup.waitForLoadState();
  await popup.getByRole('button', { name: 'Pay' }).click();
  await popup.getByText('Paid.').waitFor();
  await popup.close();
}

/** Pays in the sandbox page at `url`, opened in a tab of its own (as the phone that scanned a QR). */
async function payInPage(s: Shopper, url: string): Promise<void> {
  const tab = await s.context.newPage();
  await tab.goto(url);
  await tab.getByRole('button', { name: 'Pay' }).click();
  await tab.getByText('Paid.').waitFor();
  await tab.close();
}

describe('the demo store: full purchases by every method, shown paid only on a verified webhook', () => {
  let cardShopper: Shopper;
  let cardOrder: Order;

  test('card, frictionless: the store page, a card typed into the iframe, the order paid', async () => {
    cardShopper = await shopper('desktop');
    const { page } = cardShopper;
    // A first-time visitor: three goods and the tea subscription, an empty cart, the console one click away.
    assert.equal(await page.locator('.product').count(), 4);
    assert.equal(await page.locator('#checkout').isDisabled(), true, 'nothing to check out yet');
    await page.locator('.product[data-sku="baikal-mug"] button.add').click();
    await page.locator('.product[data-sku="buckthorn-tea"] button.add').click();
    await page.locator('#cart-lines li').nth(1).waitFor();
    await shoot(page, 'store', 'store.png');

    cardOrder = await placeOrder(cardShopper, []);
    assert.equal(cardOrder.amount, 129_000 + 45_000, 'priced by the backend from the catalog');
    await page.getByRole('tab', { name: 'Card', exact: true }).click();
    await page.locator('sg-checkout').getByRole('checkbox', { name: /Remember this card/ }).check(); // for the one tap next time
    await typeCard(page, '4242424242424242');
    assert.equal(new URL((await frameOf(page, 'sg-checkout sg-card-view iframe')).url()).origin, stack.url, 'the card fields are the server’s iframe');
    await shoot(page, 'card-filled');
    await assertAwaiting(cardShopper, cardOrder);
    await payButton(page).click();
    await assertPaid(cardShopper, cardOrder, 'card');
    await toCheckout(page);
    await shoot(page, 'card-paid');
  });

  test('the last used card in one tap on a second purchase (same browser, same demo customer)', async () => {
    assert.ok(cardShopper, 'needs the card purchase before it');
    const { page } = cardShopper;
    await page.locator('#new-order').click();
    await page.locator('#checkout-section').waitFor({ state: 'hidden' });
    assert.equal(await orderStatus(page).getAttribute('data-status'), null, 'no status left over from the paid order');
    const order = await placeOrder(cardShopper, ['wool-socks']);
    const first = page.locator('sg-checkout').getByRole('tab').first();
    assert.match((await first.locator('.label').textContent())!.trim(), /^•••• 4242$/, 'the last used card leads');
    assert.equal(await first.getAttribute('aria-selected'), 'true');
    assert.match((await payButton(page).textContent())!, /•••• 4242/);
    await shoot(page, 'saved-card');
    await assertAwaiting(cardShopper, order);
    await payButton(page).click(); // the one tap
    await assertPaid(cardShopper, order, 'saved_card');
    assert.equal(await page.locator('sg-checkout dialog[open]').count(), 0, 'no challenge');
    await toCheckout(page);
    await shoot(page, 'saved-card-paid', 'paid.png');
  });

  test('card with a 3-D Secure challenge, approved in the widget’s dialog', async () => {
    const s = await shopper('desktop');
    const order = await placeOrder(s, ['baikal-mug']);
    await s.page.getByRole('tab', { name: 'Card', exact: true }).click();
    await typeCard(s.page, '4000000000003220');
    await payButton(s.page).click();
    await s.page.locator('sg-checkout dialog[open]').waitFor();
    const challenge = await frameOf(s.page, 'sg-checkout dialog iframe');
    await challenge.waitForURL(/\/sandbox\/3ds\/pm_/);
    assert.equal(new URL(challenge.url()).origin, stack.url);
    await challenge.getByRole('button', { name: 'Confirm with code' }).waitFor();
    // The phone explains where the challenge is rather than offering buttons under a modal.
    await s.page.locator('#phone-content').getByText('Confirm with code').waitFor();
    await shoot(s.page, '3ds-dialog');
    await assertAwaiting(s, order);
    await challenge.getByRole('button', { name: 'Confirm with code' }).click();
    await assertPaid(s, order, 'card');
    assert.equal(await s.page.locator('sg-checkout dialog[open]').count(), 0, 'the dialog closes');
  });

  test('FPS on a desktop: the QR beside the sandbox phone, paid in the sandbox bank it opens', async () => {
    const s = await shopper('desktop');
    const order = await placeOrder(s, ['wool-socks', 'buckthorn-tea']);
    // FPS leads for a customer without a saved card; the QR is made when they ask.
    await ask(s.page, 'Show the QR code');
    await s.page.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
    const link = await qrLink(s.page);
    assert.match(link, FPS_LINK);
    const openBank = s.page.locator('#phone-content a.phone-primary');
    await openBank.waitFor();
    assert.equal(await openBank.textContent(), 'Open the sandbox bank for this QR');
    assert.equal(new URL((await openBank.getAttribute('href'))!, stack.url).searchParams.get('link'), link, 'the phone’s bank is the QR’s bank');
    await s.page.locator('#phone-banks li').first().waitFor();
    await toCheckout(s.page);
    await shoot(s.page, 'fps-desktop', 'checkout-fps.png');
    await assertAwaiting(s, order);
    await payInPopup(s, () => openBank.click());
    await assertPaid(s, order, 'fps');
  });

  test('FPS on a phone: the bank list with bank-app deep links; the bank approves from the sandbox phone', async () => {
    const s = await shopper('phone');
    const order = await placeOrder(s, ['baikal-mug']);
    await ask(s.page, 'Pay via FPS');
    const banks = s.page.locator('sg-checkout sg-bank-list a[part~="bank"]');
    await banks.first().waitFor({ timeout: 5_000 });
    assert.ok((await banks.count()) > 5, 'a list of banks');
    assert.equal(await s.page.locator('sg-checkout sg-qr-view svg[part=qr]').count(), 0, 'no QR on a phone');
    const view = await stack.publicView(order.token);
    const link: string = view.payment.customer_interaction.redirect.url;
    assert.match(link, FPS_LINK);
    const href = (await banks.first().getAttribute('href'))!;
    assert.match(href, /^bank\d{12}:\/\/qr\.nspk\.ru\//, 'an iPhone opens the bank app by its scheme');
    assert.equal(href.replace(/^bank\d{12}:/, 'https:'), link, 'the deep link carries the order’s FPS link');
    await toCheckout(s.page);
    await shoot(s.page, 'fps-phone', 'checkout-phone.png');
    await assertAwaiting(s, order);
    await phoneApprove(s.page).click();
    await assertPaid(s, order, 'fps');
    await toCheckout(s.page);
    await shoot(s.page, 'fps-phone-paid');
  });

  test('SberPay on a desktop: the QR of the SberPay app page, paid there', async () => {
    const s = await shopper('desktop');
    const order = await placeOrder(s, ['buckthorn-tea']);
    await s.page.getByRole('tab', { name: 'SberPay' }).click();
    await ask(s.page, 'Show the QR code');
    await s.page.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
    const link = await qrLink(s.page);
    assert.match(link, new RegExp(`^${stack.url.replace(/\./g, '\\.')}/sandbox/sberpay/[0-9a-f]{32}$`));
    const openApp = s.page.locator('#phone-content a.phone-primary');
    await openApp.getByText('Open the SberPay app').waitFor();
    assert.equal(new URL((await openApp.getAttribute('href'))!, stack.url).href, link, 'the phone’s app is the QR’s');
    await shoot(s.page, 'sberpay-desktop');
    await assertAwaiting(s, order);
    await payInPage(s, link); // as the phone that scanned the QR
    await assertPaid(s, order, 'sberpay');
  });

  test('SberPay on a phone: an "Open SberPay" deep link; the bank approves', async () => {
    const s = await shopper('phone');
    const order = await placeOrder(s, ['wool-socks']);
    await s.page.getByRole('tab', { name: 'SberPay' }).click();
    await ask(s.page, 'Pay with SberPay');
    const openApp = s.page.locator('sg-checkout').getByRole('link', { name: /Open SberPay/ });
    await openApp.waitFor();
    const href = (await openApp.getAttribute('href'))!;
    assert.match(href, SBERPAY_DEEP_LINK);
    const view = await stack.publicView(order.token);
    assert.equal(view.payment.method, 'sberpay');
    assert.equal(view.payment.customer_interaction.redirect.url, href);
    await toCheckout(s.page);
    await shoot(s.page, 'sberpay-phone');
    await assertAwaiting(s, order);
    await stack.approve(view.payment.id);
    await assertPaid(s, order, 'sberpay');
  });

  test('a declined card, then a successful retry with FPS in the same order', async () => {
    const s = await shopper('desktop');
    const order = await placeOrder(s, ['baikal-mug', 'wool-socks']);
    await s.page.getByRole('tab', { name: 'Card', exact: true }).click();
    await typeCard(s.page, '4000000000000002');
    await payButton(s.page).click();
    await s.page.getByRole('heading', { name: 'Payment failed' }).waitFor();
    await s.page.locator('#phone-content .phone-failed').waitFor();
    // The store hears of the failed attempt too, and keeps the order open for another try.
    await stack.waitForHooks(order.sessionId, (hs) => hs.some((h) => h.type === 'payment_finished' && h.verifiedByStore && h.payments.some((p) => p.status === 'failed')), 'the declined payment reported to the store');
    // The page's next poll of the order, sent after the store has taken in the webhook.
    const poll = await s.page.waitForRequest((r) => new URL(r.url()).pathname === `/demo/orders/${order.id}`);
    assert.equal(((await (await poll.response())!.json()) as { status: string }).status, 'awaiting_payment');
    await assertAwaiting(s, order);
    await shoot(s.page, 'declined');
    const fails = (await sgEvents(s.page)).filter((e) => e.type === 'sg-fail');
    assert.equal(fails.length, 1);
    assert.equal(fails[0]!.detail.code, 'card_declined');

    await s.page.getByRole('button', { name: 'Try another method' }).click();
    await s.page.getByRole('tab', { name: 'FPS' }).click();
    await ask(s.page, 'Show the QR code');
    await s.page.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
    assert.match(await qrLink(s.page), FPS_LINK);
    await phoneApprove(s.page).click();
    await assertPaid(s, order, 'fps');
    assert.equal(new URL(s.page.url()).hash, `#order=${order.id}`, 'the same order');
    const events = await sgEvents(s.page);
    assert.ok(events.findIndex((e) => e.type === 'sg-fail') < events.findIndex((e) => e.type === 'sg-success'));
  });

  test('a refund from the developer console reaches the store as a verified payment_refunded', async () => {
    assert.ok(cardShopper && cardOrder, 'needs the card purchase');
    const { context } = cardShopper;
    // The first card order's page: reopened, it shows the order as the backend knows it.
    const store = await context.newPage();
    const storeProblems = watchProblems(store);
    await store.goto(`${stack.url}/#order=${cardOrder.id}`);
    await store.locator('#order-status[data-status="paid"]').waitFor();
    assert.equal(await store.locator('#widget-slot sg-checkout').count(), 0, 'nothing to pay: no widget');
    await store.locator('#phone-content').getByText('Nothing to pay for this order').waitFor();

    const consolePage = await context.newPage();
    const consoleProblems = watchProblems(consolePage);
    await consolePage.goto(`${stack.url}/console`);
    const row = consolePage.locator('#session-list').getByRole('link', { name: cardOrder.sessionId, exact: true });
    await row.click();
    const form = consolePage.locator('form.refund');
    await form.waitFor();
    assert.match((await consolePage.locator('#session-detail').textContent())!, new RegExp(cardOrder.id), 'the order id in the session’s metadata');
    await form.getByRole('button', { name: 'Refund' }).click();
    await consolePage.locator('#session-detail').getByText('Refunded: the payment_refunded webhook is on its way.').waitFor();

    const hooks = await stack.waitForHooks(cardOrder.sessionId, (hs) => hs.some((h) => h.type === 'payment_refunded' && h.verifiedByStore), 'a verified payment_refunded');
    const refunded = hooks.find((h) => h.type === 'payment_refunded')!;
    assert.equal(refunded.delivery, 'delivered');
    assert.equal(refunded.payments.reduce((sum, p) => sum + (p.refunded_amount_details?.amount ?? 0), 0), cardOrder.amount);

    await store.bringToFront();
    await store.locator('#order-status[data-status="refunded"]').waitFor({ timeout: PAID_DUE_MS });
    assert.match((await orderStatus(store).textContent())!, /verified payment_refunded/);
    assert.equal(stack.order(cardOrder.id)?.status, 'refunded');
    await shoot(store, 'refunded');

    // The console shows the delivery live: the payment_refunded delivered with its response code.
    await consolePage.bringToFront();
    await consolePage.locator('#session-detail details.webhook', { hasText: 'payment_refunded' }).getByText('delivered: 204').waitFor();
    await shoot(consolePage, 'console', 'console.png');
    assert.deepEqual([...storeProblems, ...consoleProblems], []);
  });
});

describe('the developer console: subscriptions on the test clock', () => {
  const DAY_MS = 86_400_000;
  const postJson = (path: string, body: unknown) => fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const clockOffset = async () => ((await (await fetch(`${stack.url}/sandbox/clock`)).json()) as { offset_ms: number }).offset_ms;

  test('a subscription that renewed once is shown with its charges; "+1 day" and "+1 month" move the clock and the next renewal appears', async () => {
    const client = merchantClient({ apiUrl: stack.url, project: 'demo-store', privateKeyPem: readFileSync(join(stack.dataDir, 'demo-store', 'private.pem'), 'utf8') });
    // A merchant's description is the merchant's text: it must show as text, never as markup.
    const description = 'Journal <img src=x id=injected> monthly';
    const created = await client.call<{ subscription: { id: string }; public_token: string }>('subscription/create', {
      amount_details: { amount: 49_900, currency: 'RUB' },
      period: { unit: 'month' },
      description,
      customer: { reference: 'reader-1' },
    });
    const card = (await (await postJson(`/public/v1/sessions/${created.public_token}/cards`, { number: '4242424242424242', expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 2, cvc: '123' })).json()) as { token: string };
    const paid = (await (await postJson(`/public/v1/sessions/${created.public_token}/payments`, { method: 'card', card_token: card.token, recurrent_consent: true })).json()) as { payment?: { status: string } };
    assert.equal(paid.payment?.status, 'succeeded');
    // Renewed once: 32 days reach the end of any month, and not of the month after.
    const startDays = Math.floor((await clockOffset()) / DAY_MS);
    assert.equal((await postJson('/sandbox/clock/advance', { by: '32d' })).status, 200);

    const context = await newShopperContext(browser, 'desktop');
    contexts.push(context);
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`${stack.url}/console#subscriptions`);
    const entry = page.locator(`article.subscription-entry[data-id="${created.subscription.id}"]`);
    const charge = (n: string) => entry.locator('table.charges tbody tr', { hasText: n });
    // The server's background tick charges the renewal within a second; the console shows it on its next poll.
    await charge('2.1').getByText('accepted').waitFor({ timeout: 10_000 });
    await charge('1.1').getByText('accepted').waitFor();
    await entry.getByText('499.00 ₽ / month').waitFor();
    await entry.getByText(description, { exact: true }).waitFor();
    assert.equal(await page.locator('#injected').count(), 0, 'the description was not parsed as HTML');
    assert.match((await entry.locator('dl').textContent())!, /Periods paid2Failed attempts0Cancel at period endno/);

    const clock = page.locator('#test-clock');
    await clock.getByText(`${startDays + 32} d ahead of real time`).waitFor();
    await clock.getByRole('button', { name: '+1 day' }).click();
    await clock.getByText(`${startDays + 33} d ahead of real time`).waitFor();
    assert.equal(await charge('3.1').count(), 0, 'a day later the next period is not due yet');
    // A calendar month on (28 to 31 days), past the end of the subscription's second month.
    await clock.getByRole('button', { name: '+1 month' }).click();
    await clock.getByText(new RegExp(`^(${[28, 29, 30, 31].map((d) => startDays + 33 + d).join('|')}) d ahead of real time$`)).waitFor();
    await charge('3.1').getByText('accepted').waitFor({ timeout: 10_000 });
    assert.match((await entry.locator('dl').textContent())!, /Periods paid3/);

    // A charge opens its session, as the session list's rows do.
    await charge('3.1').getByRole('link').click();
    await page.locator('#session-detail h2').getByText('accepted').waitFor();
    assert.match(page.url(), /#sessions\/ps_[0-9a-z]+$/);
    await page.goBack();
    await entry.waitFor();
    await shoot(page, 'console-subscriptions');
    assert.deepEqual(problems, []);
  });

  test('a server without a test clock (a real rail: GET /sandbox/clock is 404) shows none', async () => {
    const context = await newShopperContext(browser, 'desktop');
    contexts.push(context);
    const page = await context.newPage();
    await page.route('**/sandbox/clock', (route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not found' }));
    let asked = 0;
    page.on('request', (r) => void (new URL(r.url()).pathname === '/sandbox/clock' && asked++));
    await page.goto(`${stack.url}/console#subscriptions`);
    await page.locator('article.subscription-entry').first().waitFor();
    await page.locator('#live').getByText(/^live/).waitFor();
    await page.waitForTimeout(2_500); // a second tick: the console does not ask again
    assert.equal(await page.locator('#test-clock').isHidden(), true);
    assert.equal(asked, 1);
  });
});
