/**
 * Issue 3's "Done when", in headless Chromium: a plain merchant page on another origin, holding
 * only the script tag and `<sg-checkout>`, pays by each method against the sandbox, on a desktop
 * and a phone, and receives exactly one `sg-success` each time; the merchant's webhook receiver
 * gets a verified `payment_finished` for the session. Also a decline followed by another method,
 * screenshots of each method (desktop/phone × Russian/English) in test-results/screenshots/, and
 * checks of what the customer reads on the result screens and the card form.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startStack, type MerchantPage, type Stack } from './harness';
import { cardFrame, countOf, frameOf, launch, newContext, recorded, shoot, typeCard, waitForEvent, type Device } from './browser';

/** How long to keep listening after the first result, to be sure no duplicate follows. */
const SETTLE_MS = 800;
const AMOUNT = 125_000; // 1 250,00 ₽
/** How soon a phone must show the FPS bank list after the page is ready. */
const BANKS_DUE_MS = 5_000;

const FPS_LINK = /^https:\/\/qr\.nspk\.ru\/[0-9A-Z]{32}\?type=02&bank=\d{12}&sum=125000&cur=RUB&crc=[0-9A-F]{4}$/;
const SBERPAY_DEEP_LINK = /^sberpay:\/\/invoicing\/v2\?bankInvoiceId=[0-9a-f]{32}&operationType=Web2App$/;

let stack: Stack;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
});

after(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await browser?.close();
  await stack?.close();
});

type Opened = { page: Page; context: BrowserContext; errors: string[] };

/** Opens the merchant page for this token in a fresh browser context. */
async function open(device: Device, spec: MerchantPage): Promise<Opened> {
  const context = await newContext(browser, device);
  contexts.push(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(stack.merchantPage(spec));
  await waitForEvent(page, 'sg-ready');
  return { page, context, errors };
}

/** Exactly one sg-success for this session, no sg-fail, and no uncaught error on the page. */
async function assertOneSuccess(o: Opened, sessionId: string, expectedFails = 0): Promise<void> {
  await waitForEvent(o.page, 'sg-success');
  await o.page.waitForTimeout(SETTLE_MS);
  const events = await recorded(o.page);
  const successes = events.filter((e) => e.type === 'sg-success');
  assert.equal(successes.length, 1, `one sg-success, got ${JSON.stringify(events.map((e) => e.type))}`);
  assert.equal(successes[0]!.detail.sessionId, sessionId);
  assert.equal(successes[0]!.detail.amount, AMOUNT);
  assert.equal(successes[0]!.detail.currency, 'RUB');
  assert.equal(countOf(events, 'sg-fail'), expectedFails, 'sg-fail count');
  assert.equal(countOf(events, 'sg-ready'), 1, 'one sg-ready');
  assert.deepEqual(o.errors, []);
}

/** The merchant's backend received a verified payment_finished with the session accepted. */
async function assertFinishedHook(sessionId: string): Promise<void> {
  const hooks = await stack.waitForHooks(sessionId, (hs) => hs.some((h) => h.type === 'payment_finished' && h.session?.status === 'accepted'));
  const finished = hooks.filter((h) => h.type === 'payment_finished' && h.session?.status === 'accepted');
  // Delivery is at least once: a retry keeps its webhook-id, so distinct ids count the events.
  assert.equal(new Set(finished.map((h) => h.id)).size, 1, 'one payment_finished for the accepted session');
  assert.ok(finished[0]!.session!.acquiring_payments?.some((p) => p.status === 'succeeded'));
  assert.equal(stack.hooks.filter((h) => !h.verified).length, 0, 'every delivery verifies');
}

const successHeading = (page: Page, locale: 'ru' | 'en' = 'ru') => page.getByRole('heading', { name: locale === 'ru' ? 'Оплата прошла' : 'Payment successful' });

const payButton = (page: Page) => page.locator('sg-checkout [part~="pay-button"]');

/** The customer asks for what a method makes: "Показать QR-код", "Оплатить через СБП"… */
const ask = (page: Page, name: string | RegExp) => page.locator('sg-checkout').getByRole('button', { name }).click();

/** The link the QR view shows (its `link` property: what the QR encodes). */
const qrLink = (page: Page) => page.locator('sg-checkout sg-qr-view').evaluate((el) => (el as HTMLElement & { link: string }).link);

describe('<sg-checkout> on a merchant page of another origin, against the sandbox', () => {
  const CARD_CUSTOMER = 'cus-ext-4242';

  test('opening the checkout makes nothing the merchant sees: no payment, no webhook, until the customer asks', async () => {
    const session = await stack.createSession();
    const o = await open('desktop', { token: session.token });
    await payButton(o.page).waitFor();
    for (const tab of ['Карта', 'SberPay', 'СБП']) await o.page.getByRole('tab', { name: tab, exact: true }).click();
    await o.page.waitForTimeout(SETTLE_MS);
    assert.equal((await stack.publicView(session.token)).payment, null, 'no payment was started');
    assert.deepEqual(stack.hooks.filter((h) => h.session?.id === session.id).map((h) => h.type), [], 'the merchant was told nothing');
    assert.deepEqual(o.errors, []);
  });

  test('the script included as type="module" finds its server and pays', async () => {
    const session = await stack.createSession();
    const o = await open('desktop', { token: session.token, module: true });
    await ask(o.page, 'Показать QR-код');
    await o.page.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
    await stack.approve((await stack.publicView(session.token)).payment.id);
    await successHeading(o.page).waitFor();
    await assertOneSuccess(o, session.id);
  });

  test('card, frictionless: typed into the iframe, kept at the customer\'s request, one sg-success, webhook, no second sg-success after a reload', async () => {
    const session = await stack.createSession({ customer: CARD_CUSTOMER });
    const o = await open('desktop', { token: session.token });
    await o.page.getByRole('tab', { name: 'Карта', exact: true }).click();
    const remember = o.page.getByRole('checkbox', { name: /Запомнить карту/ });
    assert.equal(await remember.isChecked(), false, 'keeping the card is the customer\'s choice, unticked');
    await remember.check();
    await typeCard(o.page, '4242424242424242');
    const frame = cardFrame(o.page);
    assert.equal(await frame.locator('#number').inputValue(), '4242 4242 4242 4242', 'formatted as typed');
    assert.equal(await frame.locator('#brand svg').getAttribute('aria-label'), 'Visa', 'the brand mark as typed');
    // The card frame is served by the API's origin, not the merchant's.
    assert.equal(new URL((await frameOf(o.page, 'sg-checkout sg-card-view iframe')).url()).origin, stack.apiUrl);
    await shoot(o.page, 'flow-desktop-ru-card-filled');
    await payButton(o.page).click();
    await successHeading(o.page).waitFor();
    await assertOneSuccess(o, session.id);
    assert.equal((await recorded(o.page)).find((e) => e.type === 'sg-success')!.detail.method, 'card');
    await shoot(o.page, 'flow-desktop-ru-card-success');
    await assertFinishedHook(session.id);

    // A reload sees the same finished payment: it must not be announced again.
    await o.page.reload();
    await successHeading(o.page).waitFor();
    await o.page.waitForTimeout(SETTLE_MS);
    assert.equal(countOf(await recorded(o.page), 'sg-success'), 0, 'no sg-success after a reload');
  });

  test('card with a 3-D Secure challenge: Enter pays, Close leaves the dialog, the next attempt\'s "Confirm with code" pays', async () => {
    const session = await stack.createSession();
    const o = await open('desktop', { token: session.token });
    await o.page.getByRole('tab', { name: 'Карта', exact: true }).click();
    await typeCard(o.page, '4000000000003220');
    await cardFrame(o.page).locator('#cvc').press('Enter');
    const dialog = o.page.locator('sg-checkout dialog[open]');
    await dialog.waitFor();
    const left = await frameOf(o.page, 'sg-checkout dialog iframe');
    await left.waitForURL(/\/sandbox\/3ds\/pm_.*lang=ru/);
    await shoot(o.page, 'flow-desktop-ru-card-3ds-left');
    await dialog.getByRole('button', { name: 'Закрыть' }).click();
    await o.page.getByRole('tab', { name: 'Карта', exact: true }).waitFor();
    assert.equal(await o.page.locator('sg-checkout dialog[open]').count(), 0, 'the dialog stays closed');
    // The widget tells the server at once; the attempt then reads as abandoned (nothing charged, no failure shown).
    const deadline = Date.now() + 5_000;
    let after: any;
    while ((after = await stack.publicView(session.token)).payment.status !== 'failed' && Date.now() < deadline) await o.page.waitForTimeout(50);
    assert.equal(after.payment.failure?.code, 'abandoned');
    assert.equal(await o.page.getByRole('heading', { name: 'Оплата не прошла' }).count(), 0, 'leaving is no failure');
    // What was typed is kept for the next attempt, except the card number and the CVC.
    assert.equal(await cardFrame(o.page).locator('#number').inputValue(), '', 'the card number is never kept');
    assert.match(await cardFrame(o.page).locator('#expiry').inputValue(), /^12\/\d{2}$/, 'the expiry is kept');
    assert.equal(await cardFrame(o.page).locator('#cvc').inputValue(), '');
    await typeCard(o.page, '4000000000003220');
    await payButton(o.page).click();
    await dialog.waitFor();
    const challenge = await frameOf(o.page, 'sg-checkout dialog iframe');
    await challenge.waitForURL(/\/sandbox\/3ds\/pm_/);
    assert.equal(new URL(challenge.url()).origin, stack.apiUrl);
    // The bank's page speaks the widget's language.
    await challenge.getByRole('button', { name: 'Подтвердить кодом' }).waitFor();
    await shoot(o.page, 'flow-desktop-ru-card-3ds-dialog');
    await challenge.getByRole('button', { name: 'Подтвердить кодом' }).click();
    await successHeading(o.page).waitFor();
    assert.equal(await o.page.locator('sg-checkout dialog[open]').count(), 0, 'the dialog closes');
    await assertOneSuccess(o, session.id);
    await assertFinishedHook(session.id);
  });

  test('last used card in one tap: "•••• 4242" leads for the same customer, one click pays', async () => {
    const session = await stack.createSession({ customer: CARD_CUSTOMER });
    const o = await open('desktop', { token: session.token });
    const first = o.page.getByRole('tab').first();
    assert.match((await first.locator('.label').textContent())!.trim(), /^•••• 4242$/);
    assert.equal(await first.getAttribute('aria-selected'), 'true');
    assert.match((await payButton(o.page).textContent())!, /•••• 4242/);
    await shoot(o.page, 'flow-desktop-ru-saved-card');
    await payButton(o.page).click();
    await successHeading(o.page).waitFor();
    await assertOneSuccess(o, session.id);
    assert.equal((await recorded(o.page)).find((e) => e.type === 'sg-success')!.detail.method, 'saved_card');
    assert.equal(await o.page.locator('sg-checkout dialog[open]').count(), 0, 'no challenge for a frictionless card');
    await assertFinishedHook(session.id);
  });

  test('FPS on a desktop: the QR of the NSPK link, paid on the sandbox bank page', async () => {
    const session = await stack.createSession();
    const o = await open('desktop', { token: session.token });
    // FPS leads when there is no saved card; its QR is made when the customer asks.
    await ask(o.page, 'Показать QR-код');
    await o.page.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
    const link = await qrLink(o.page);
    assert.match(link, FPS_LINK);
    const view = await stack.publicView(session.token);
    assert.equal(view.payment.customer_interaction.redirect.url, link, 'the QR holds the session’s link');
    await shoot(o.page, 'flow-desktop-ru-fps-qr');

    const bank = await o.context.newPage();
    await bank.goto(`${stack.apiUrl}/sandbox/bank?link=${encodeURIComponent(link)}`);
    await bank.getByRole('button', { name: 'Оплатить' }).click();
    await bank.getByText('Оплачено.').waitFor();
    await bank.close();

    await successHeading(o.page).waitFor();
    await assertOneSuccess(o, session.id);
    await assertFinishedHook(session.id);
  });

  test('SberPay on a desktop: a QR of the SberPay page, paid there', async () => {
    const session = await stack.createSession();
    const o = await open('desktop', { token: session.token });
    await o.page.getByRole('tab', { name: 'SberPay' }).click();
    await ask(o.page, 'Показать QR-код');
    await o.page.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
    const link = await qrLink(o.page);
    assert.match(link, new RegExp(`^${stack.apiUrl.replace(/\./g, '\\.')}/sandbox/sberpay/[0-9a-f]{32}$`));
    await shoot(o.page, 'flow-desktop-ru-sberpay-qr');

    const app = await o.context.newPage();
    await app.goto(link);
    await app.getByRole('button', { name: 'Оплатить' }).click();
    await app.getByText('Оплачено.').waitFor();
    await app.close();

    await successHeading(o.page).waitFor();
    await assertOneSuccess(o, session.id);
    await assertFinishedHook(session.id);
  });

  test('FPS on a phone: the bank list with bank-app deep links; the bank approves', async () => {
    const session = await stack.createSession();
    const o = await open('phone', { token: session.token });
    await ask(o.page, 'Оплатить через СБП');
    const banks = o.page.locator('sg-checkout sg-bank-list a[part~="bank"]');
    // The list must follow the FPS payment at once, not after the status long-poll's 25 s wait.
    await banks.first().waitFor({ timeout: BANKS_DUE_MS });
    assert.ok((await banks.count()) > 5, 'a list of banks');
    assert.equal(await o.page.locator('sg-checkout sg-qr-view svg[part=qr]').count(), 0, 'no QR on a phone, only its countdown');
    const view = await stack.publicView(session.token);
    const link: string = view.payment.customer_interaction.redirect.url;
    assert.match(link, FPS_LINK);
    const href = (await banks.first().getAttribute('href'))!;
    assert.match(href, /^bank\d{12}:\/\/qr\.nspk\.ru\//, 'an iPhone opens the bank app by its scheme');
    assert.equal(href.replace(/^bank\d{12}:/, 'https:'), link, 'the deep link carries the session’s FPS link');
    // A bank's search narrows the list.
    await o.page.locator('sg-checkout sg-bank-list input[type=search]').fill('сбер');
    assert.ok((await banks.count()) >= 1);
    for (const name of await banks.allTextContents()) assert.match(name.toLowerCase(), /сбер/);
    await o.page.locator('sg-checkout sg-bank-list input[type=search]').fill('');
    await shoot(o.page, 'flow-phone-ru-fps-banks');

    await stack.approve(view.payment.id);
    await successHeading(o.page).waitFor();
    await shoot(o.page, 'flow-phone-ru-success');
    await assertOneSuccess(o, session.id);
    await assertFinishedHook(session.id);
  });

  test('SberPay on a phone: an "Open SberPay" deep link; the bank approves', async () => {
    const session = await stack.createSession();
    const o = await open('phone', { token: session.token });
    await o.page.getByRole('tab', { name: 'SberPay' }).click();
    await ask(o.page, 'Оплатить через SberPay');
    const openApp = o.page.getByRole('link', { name: /Открыть SberPay/ });
    await openApp.waitFor();
    const href = (await openApp.getAttribute('href'))!;
    assert.match(href, SBERPAY_DEEP_LINK);
    const view = await stack.publicView(session.token);
    assert.equal(view.payment.method, 'sberpay');
    assert.equal(view.payment.customer_interaction.redirect.url, href);
    await shoot(o.page, 'flow-phone-ru-sberpay-link');

    await stack.approve(view.payment.id);
    await successHeading(o.page).waitFor();
    await assertOneSuccess(o, session.id);
    await assertFinishedHook(session.id);
  });

  test('a declined card shows the failure and one sg-fail; "try another method" then FPS pays the same session', async () => {
    const session = await stack.createSession();
    const o = await open('desktop', { token: session.token });
    await o.page.getByRole('tab', { name: 'Карта', exact: true }).click();
    await typeCard(o.page, '4000000000000002');
    await payButton(o.page).click();
    await o.page.getByRole('heading', { name: 'Оплата не прошла' }).waitFor();
    await waitForEvent(o.page, 'sg-fail');
    await o.page.waitForTimeout(SETTLE_MS);
    let events = await recorded(o.page);
    assert.equal(countOf(events, 'sg-fail'), 1, 'one sg-fail');
    assert.equal(countOf(events, 'sg-success'), 0);
    const fail = events.find((e) => e.type === 'sg-fail')!;
    assert.equal(fail.detail.sessionId, session.id);
    assert.equal(fail.detail.code, 'card_declined');
    await shoot(o.page, 'flow-desktop-ru-card-declined');

    await o.page.getByRole('button', { name: 'Выбрать другой способ' }).click();
    await o.page.getByRole('tab', { name: 'СБП' }).click();
    await ask(o.page, 'Показать QR-код');
    await o.page.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
    const link = await qrLink(o.page);
    assert.match(link, FPS_LINK);
    const view = await stack.publicView(session.token);
    assert.equal(view.session_id, session.id);
    assert.equal(view.payment.method, 'fps');
    await stack.approve(view.payment.id);

    await successHeading(o.page).waitFor();
    await assertOneSuccess(o, session.id, 1);
    events = await recorded(o.page);
    assert.ok(events.findIndex((e) => e.type === 'sg-fail') < events.findIndex((e) => e.type === 'sg-success'));
    await assertFinishedHook(session.id);
    const hooks = await stack.waitForHooks(session.id, (hs) => hs.some((h) => h.type === 'payment_finished' && h.session?.status === 'accepted'));
    assert.ok(
      hooks.some((h) => h.type === 'payment_finished' && h.session?.acquiring_payments?.some((p) => p.status === 'failed')),
      'the declined payment was reported too',
    );
  });
});

describe('screenshots of each method: desktop and phone, Russian and English', () => {
  const SHOT_CUSTOMER = 'cus-ext-screens';

  before(async () => {
    // The customer pays once by card (through the public API, as the card iframe would) so that "last used card" shows.
    const first = await stack.createSession({ customer: SHOT_CUSTOMER });
    assert.equal((await stack.payByCardApi(first.token, '5555555555554444')).status, 'accepted', 'the setup payment succeeds');
  });

  for (const device of ['desktop', 'phone'] as const) {
    for (const locale of ['ru', 'en'] as const) {
      test(`${device}, ${locale}: last used card, card, FPS, SberPay`, async () => {
        const session = await stack.createSession({ customer: SHOT_CUSTOMER, description: locale === 'ru' ? 'Заказ №1042' : 'Order #1042' });
        const o = await open(device, { token: session.token, ...(locale === 'en' ? { locale: 'en' } : {}) });
        const tabs = o.page.getByRole('tab');
        assert.equal(await tabs.count(), 4);
        const name = (method: string) => `${device}-${locale}-${method}`;
        const problems: string[] = [];

        await payButton(o.page).waitFor();
        await shoot(o.page, name('1-saved-card'));

        await tabs.nth(2).click(); // the methods come as: saved card, FPS, card, SberPay
        await cardFrame(o.page).locator('#number').waitFor();
        await shoot(o.page, name('2-card'));

        await tabs.nth(1).click();
        await shoot(o.page, name('3-fps-ask'));
        await ask(o.page, device === 'desktop' ? (locale === 'ru' ? 'Показать QR-код' : 'Show the QR code') : locale === 'ru' ? 'Оплатить через СБП' : 'Pay via FPS');
        if (device === 'desktop') await o.page.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
        else {
          // Shot either way (what the customer sees), and reported after the other shots if late.
          await o.page
            .locator('sg-checkout sg-bank-list a[part~="bank"]')
            .first()
            .waitFor({ timeout: BANKS_DUE_MS })
            .catch(() => problems.push(`the FPS bank list did not show within ${BANKS_DUE_MS} ms (see ${name('3-fps')}.png)`));
        }
        await o.page.waitForTimeout(300); // logos fall back to initials
        await shoot(o.page, name('3-fps'));

        await tabs.nth(3).click();
        await ask(o.page, device === 'desktop' ? (locale === 'ru' ? 'Показать QR-код' : 'Show the QR code') : locale === 'ru' ? 'Оплатить через SberPay' : 'Pay with SberPay');
        if (device === 'desktop') await o.page.locator('sg-checkout sg-qr-view svg[part=qr]').waitFor();
        else await o.page.locator('sg-checkout a[part~="pay-button"]').waitFor();
        await shoot(o.page, name('4-sberpay'));
        assert.deepEqual(o.errors, []);
        assert.deepEqual(problems, []);
        await o.context.close();
      });
    }
  }
});

describe('what the customer reads on the result screens and the card form', () => {
  test('the success screen links the receipt', async () => {
    const session = await stack.createSession();
    const paid = await stack.payByCardApi(session.token, '4242424242424242');
    const o = await open('desktop', { token: session.token });
    await successHeading(o.page).waitFor();
    const receipt = o.page.locator(`sg-checkout a[href*="/receipt/${paid.payment.id}"]`);
    assert.equal(await receipt.count(), 1, `a receipt link on the success screen; the panel reads ${JSON.stringify(await o.page.locator('sg-checkout [part~="panel"]').innerText())}`);
  });

  test('the failure screen speaks Russian and keeps its button inside the panel', async () => {
    const session = await stack.createSession();
    await stack.payByCardApi(session.token, '4000000000000002');
    const o = await open('desktop', { token: session.token });
    await o.page.getByRole('heading', { name: 'Оплата не прошла' }).waitFor();
    const problems: string[] = [];
    const panel = o.page.locator('sg-checkout [part~="panel"]');
    const text = await panel.innerText();
    if (/[A-Za-z]{4,}/.test(text)) problems.push(`English text on the Russian failure screen: ${JSON.stringify(text)}`);
    const panelBox = (await panel.boundingBox())!;
    const button = (await o.page.getByRole('button', { name: 'Выбрать другой способ' }).boundingBox())!;
    if (button.x - panelBox.x < 8 || panelBox.x + panelBox.width - (button.x + button.width) < 8) {
      problems.push(`the button runs to the panel's edges: button ${button.x}..${button.x + button.width}, panel ${panelBox.x}..${panelBox.x + panelBox.width}`);
    }
    assert.deepEqual(problems, []);
  });

  test('the English card form has English placeholders', async () => {
    const session = await stack.createSession();
    const o = await open('desktop', { token: session.token, locale: 'en' });
    await o.page.getByRole('tab', { name: 'Card', exact: true }).click();
    const expiry = cardFrame(o.page).locator('#expiry');
    await expiry.waitFor();
    assert.equal(await cardFrame(o.page).locator('#expiry-label').textContent(), 'Expiry date');
    assert.equal(await expiry.getAttribute('placeholder'), 'MM/YY');
  });
});
