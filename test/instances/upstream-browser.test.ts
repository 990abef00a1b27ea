/**
 * A customer in Chromium on A's hosted checkout (`/pay/:token`), A running ACQUIRER=smartglocal
 * over B (a sandbox sg-checkout): a card with 3-D Secure typed into B's card form, framed in A's
 * page, and B's challenge in A's dialog; FPS on a phone, with B's QR behind the bank list. No
 * "Test mode" on A's pages (A takes real money), each page in one language, no page errors.
 * Screenshots go to test-results/screenshots/upstream-*.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { frameOf, launch, newContext, shoot, typeCard, type Device } from '../e2e/browser';
import { approveAtB, checkout, merchantLearnsSucceeded, startPair, type Gateway, type Pair } from './upstream-pair';

let pair: Pair;
let browser: Browser;

before(async () => {
  [pair, browser] = await Promise.all([startPair(), launch()]);
});

after(async () => {
  await browser?.close();
  await pair?.stop();
});

/** A's hosted checkout of a new session, open in a fresh browser; what went wrong on the page is collected. */
async function openCheckout(g: Gateway, amount: number, device: Device, locale: 'ru-RU' | 'en-US') {
  const { sessionId, publicToken } = await checkout(g, amount);
  const context = await newContext(browser, device, locale);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // Bank logos from other hosts fail offline by design (newContext): the widget falls back to monograms. And
  // Chromium does not autofocus inside another origin's frame (B's challenge page): the customer clicks, as they would.
  const expected = /^Failed to load resource|^Blocked autofocusing on a <\w+> element in a cross-origin subframe/;
  page.on('console', (m) => m.type() === 'error' && !expected.test(m.text()) && problems.push(m.text()));
  await page.goto(`${g.url}/pay/${publicToken}`);
  return { sessionId, publicToken, page, problems, close: () => context.close() };
}

const paymentIdOf = async (g: Gateway, sessionId: string) => (await g.call('session/status', { session_id: sessionId })).body.session.acquiring_payments.at(-1).id as string;

async function widgetText(page: Page): Promise<string> {
  return page.locator('sg-checkout').evaluate((el) => (el.shadowRoot?.textContent ?? '').replace(/\s+/g, ' '));
}

test("desktop, Russian: a 3-D Secure card typed into B's card form; B's challenge in A's dialog; paid, and A's merchant hears it", async () => {
  const { a } = pair;
  const o = await openCheckout(a, 4900, 'desktop', 'ru-RU');
  try {
    await o.page.locator('sg-checkout [role=tab]', { hasText: 'Карта' }).click();
    await o.page.locator('sg-checkout sg-card-view iframe').waitFor();
    const form = await frameOf(o.page, 'sg-checkout sg-card-view iframe');
    // The element is there before its frame has navigated (its URL is empty until then).
    await form.waitForURL(/\/widget\/card-frame\.html/);
    assert.equal(new URL(form.url()).origin, pair.b.url, "the card fields are B's, not A's");
    await typeCard(o.page, '4000000000003220');
    await shoot(o.page, 'upstream-desktop-ru-card');
    await o.page.locator('sg-checkout [part~="pay-button"]').click();

    await o.page.locator('sg-checkout dialog[open] iframe').waitFor();
    const challenge = await frameOf(o.page, 'sg-checkout dialog iframe');
    await challenge.waitForURL(/\/sandbox\/3ds\/pm_.*lang=ru/);
    assert.equal(new URL(challenge.url()).origin, pair.b.url, "B's challenge page");
    await challenge.getByRole('button', { name: 'Подтвердить кодом' }).waitFor();
    await shoot(o.page, 'upstream-desktop-ru-card-3ds');
    await challenge.getByRole('button', { name: 'Подтвердить кодом' }).click();

    await o.page.locator('sg-checkout h2', { hasText: 'Оплата прошла' }).waitFor({ timeout: 20_000 });
    await shoot(o.page, 'upstream-desktop-ru-card-paid');
    const text = await widgetText(o.page);
    assert.match(text, /•••• 3220/, text);
    assert.doesNotMatch(text, /Тестовый режим|Test mode/, 'A takes real money: no test badge');
    assert.doesNotMatch(text, /Payment|Card|Pay /, `one language: ${text}`);
    await merchantLearnsSucceeded(a, o.sessionId, await paymentIdOf(a, o.sessionId));
    assert.deepEqual(o.problems, []);
  } finally {
    await o.close();
  }
});

test("phone, English: FPS opens the bank list for B's QR; B's bank approves; paid", async () => {
  const { a } = pair;
  const o = await openCheckout(a, 5100, 'phone', 'en-US');
  try {
    await o.page.locator('sg-checkout [part~="pay-button"]', { hasText: 'FPS' }).click();
    await o.page.locator('sg-checkout sg-bank-list').waitFor();
    await shoot(o.page, 'upstream-phone-en-fps-banks');
    await approveAtB(a, await paymentIdOf(a, o.sessionId));
    await o.page.locator('sg-checkout h2', { hasText: 'Payment successful' }).waitFor({ timeout: 20_000 });
    await shoot(o.page, 'upstream-phone-en-fps-paid');
    const text = await widgetText(o.page);
    assert.match(text, /Paid via FPS/, text);
    assert.doesNotMatch(text, /Test mode|Оплат/, `English only, no test badge: ${text}`);
    assert.deepEqual(o.problems, []);
  } finally {
    await o.close();
  }
});
