/**
 * A subscription as its customer lives it, in headless Chromium against the sandbox: the
 * merchant's page shows the widget with the regular-payment notice and the consent to later
 * charges; the customer agrees and pays by card; the test clock moves a month and the server
 * charges the renewal itself; on the customer's own page (phone, English) they see both payments
 * and cancel, and the subscription ends with the period paid for. The merchant hears each step,
 * verified. Screenshots: test-results/screenshots/subscription-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from './harness';
import { launch, newContext, shoot, typeCard, waitForEvent } from './browser';
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

test('subscribe by card on the merchant page, renewed by the server a month on, cancelled from the customer page', async () => {
  const created = await stack.call('subscription/create', {
    amount_details: { amount: 49_900, currency: 'RUB' },
    period: { unit: 'month', count: 1 },
    description: 'Подписка на канал «Утки»',
    customer: { reference: 'e2e-reader', email: 'reader@example.com' },
  });
  const id = created.subscription.id as string;

  // Desktop, Russian: the notice, the consent box, the Pay button waiting for it.
  const context = await newContext(browser, 'desktop');
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(stack.merchantPage({ token: created.public_token }));
  await waitForEvent(page, 'sg-ready');
  const widget = page.locator('sg-checkout');
  await widget.locator('.regular').waitFor();
  assert.match(await widget.locator('.regular').innerText(), /^499,00\s₽ каждый месяц, следующий платёж .+\. Отменить можно в любой момент\.$/);
  const pay = widget.locator('[part~="pay-button"]');
  assert.equal(await pay.isDisabled(), true, 'no payment before the consent');
  // FPS leads (it binds the account); the card is the second tab.
  await widget.getByRole('tab', { name: 'Карта' }).click();
  await typeCard(page, '4242424242424242');
  await widget.locator('label.recurrent input').check();
  await shoot(page, 'subscription-desktop-ru-consent');
  await pay.click();
  await waitForEvent(page, 'sg-success');
  await shoot(page, 'subscription-desktop-ru-paid');
  await eventually('the subscription active', async () => (await stack.subscription(id)).status === 'active', 15_000);
  await eventually('subscription_activated at the merchant', () => stack.verifiedHooks('subscription_activated') >= 1, 15_000);
  await context.close();

  // A month on the test clock: the server charges the renewal with no customer.
  await stack.advanceClock('32d');
  await eventually('the renewal', async () => (await stack.subscription(id)).periods_paid === 2, 15_000);
  await eventually('subscription_charged at the merchant', () => stack.verifiedHooks('subscription_charged') >= 1, 15_000);

  // The customer's page, on a phone, in English: both payments; cancel (a second step), ends with the period.
  const phone = await newContext(browser, 'phone', 'en-US');
  const own = await phone.newPage();
  own.on('pageerror', (e) => errors.push(e.message));
  await own.goto(created.subscription.unsubscribe_url);
  const text = await own.locator('body').innerText();
  assert.match(text, /every month/);
  assert.match(text, /Visa\s•{4}\s4242/);
  assert.equal((text.match(/499\.00\s₽/g) ?? []).length >= 3, true, `the price and two payments: ${text}`);
  assert.doesNotMatch(text, /каждый|Оплачено/, 'one language on the page');
  await shoot(own, 'subscription-phone-en-page');
  await own.getByText('Cancel subscription', { exact: true }).click();
  await own.getByRole('button', { name: 'Yes, cancel the subscription' }).click();
  await own.waitForURL(/\/s\//);
  assert.match(await own.locator('body').innerText(), /[Ee]nds on/);
  await shoot(own, 'subscription-phone-en-cancelled');
  const ending = await stack.subscription(id);
  assert.deepEqual([ending.status, ending.cancel_at_period_end, ending.cancel_reason], ['active', true, 'customer']);
  await phone.close();
  assert.deepEqual(errors, []);
});
