/**
 * A subscription paid by FPS with account binding, in headless Chromium against the sandbox: on a
 * desktop (Russian) the customer agrees to the binding and scans the NSPK binding link's QR, which
 * the sandbox bank pays and binds; on a phone (English) they pick their bank from the list, whose
 * deep link opens the binding link in that bank's app. The server renews on the binding with no
 * customer; the customer revokes it in their bank's list of FPS subscriptions, the merchant hears
 * `recurrent_disabled`, and the subscription ends at its next date. Every webhook verified.
 * Screenshots: test-results/screenshots/subscription-fps-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from './harness';
import { launch, shoot, waitForEvent } from './browser';
import { eventually } from '../support/eventually';
import { parseFpsLink } from '../../server/sandbox/fps';

let stack: Stack;
let browser: Browser;

before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
});

after(async () => {
  await browser?.close();
  await stack?.close();
});


async function subscribe(reference: string) {
  const created = await stack.call('subscription/create', {
    amount_details: { amount: 29_900, currency: 'RUB' },
    period: { unit: 'month', count: 1 },
    description: 'Подписка на чай',
    customer: { reference },
  });
  return { id: created.subscription.id as string, token: created.public_token as string, session: created.session.id as string };
}

/** The binding link the checkout shows for the session's payment (what its QR and its deep links carry). */
async function bindingLink(sessionId: string): Promise<string> {
  const link = await stack.customerLink(sessionId);
  assert.equal(parseFpsLink(link)?.binding, true, `an NSPK binding link: ${link}`);
  return link;
}

const approveAtBank = (page: Page, link: string, bank: string | null, button: string) =>
  stack.answerAtBank(page, link, { ...(bank ? { bank } : {}), button, shot: `subscription-fps-bank-${bank ? 'phone' : 'desktop'}` });

test('subscribe by FPS on a desktop: the consent to the binding, the QR of the binding link, renewed on the binding', async () => {
  const s = await subscribe('e2e-fps-desktop');
  const { context, page, widget, errors } = await stack.openCheckout(browser, s.token, 'desktop');
  // FPS leads, and can recur: its consent names the binding.
  const consent = widget.locator('label.recurrent');
  assert.match(await consent.innerText(), /привязать счёт.+через СБП без моего подтверждения/);
  const pay = widget.locator('[part~="pay-button"]');
  assert.equal(await pay.isDisabled(), true, 'no QR before the consent');
  await consent.locator('input').check();
  await pay.click();
  await widget.locator('sg-qr-view svg[part=qr]').waitFor();
  await shoot(page, 'subscription-fps-desktop-ru-qr');
  await approveAtBank(page, await bindingLink(s.session), null, 'Оплатить и привязать счёт');
  await waitForEvent(page, 'sg-success');
  await eventually('the subscription active on a binding', async () => (await stack.subscription(s.id)).recurrent?.type === 'faster_payment_system', 15_000);

  await stack.advanceClock('32d');
  await eventually('the renewal on the binding', async () => (await stack.subscription(s.id)).periods_paid === 2, 15_000);
  await eventually('subscription_charged at the merchant', () => stack.verifiedHooks('subscription_charged') >= 1, 15_000);
  await context.close();
  assert.deepEqual(errors, []);
});

test("subscribe by FPS on a phone from the bank list; revoked in the bank's subscriptions, the merchant is told and it ends", async () => {
  const s = await subscribe('e2e-fps-phone');
  const { context, page, widget, errors } = await stack.openCheckout(browser, s.token, 'phone', 'en-US');
  await widget.locator('label.recurrent input').check();
  assert.match(await widget.locator('label.recurrent').innerText(), /^I agree to link my bank account/);
  await widget.locator('[part~="pay-button"]').click();
  const banks = widget.locator('sg-bank-list a[part~="bank"]');
  await banks.first().waitFor();
  await shoot(page, 'subscription-fps-phone-en-banks');
  const link = await bindingLink(s.session);
  const tBank = banks.filter({ hasText: 'Т-Банк' }).first();
  const href = (await tBank.getAttribute('href'))!;
  assert.equal(href, link.replace('https:', 'bank100000000004:'), "the bank's app opens the binding link");
  // The bank app opened by that link approves: the sandbox bank page, named by the scheme's member id.
  await approveAtBank(page, link, '100000000004', 'Pay and link account');
  await waitForEvent(page, 'sg-success');
  await eventually('bound at T-Bank', async () => (await stack.subscription(s.id)).status === 'active', 15_000);
  const token = (await stack.subscription(s.id)).recurrent.token as string;
  assert.deepEqual((await stack.call('recurrent/status', { token })).recurrent.bank, { id: '100000000004', name: 'Т-Банк' });

  // The customer ends the binding in their bank app.
  const bankApp = await context.newPage();
  await bankApp.goto(`${stack.apiUrl}/sandbox/bindings?lang=en`);
  const row = bankApp.locator('li', { hasText: 'Т-Банк' }).filter({ hasText: 'Active' }).first();
  await row.getByRole('button', { name: 'Disable' }).click();
  await bankApp.locator('li', { hasText: 'Т-Банк' }).filter({ hasText: 'Disabled' }).first().waitFor();
  await shoot(bankApp, 'subscription-fps-bank-subscriptions-en');
  await eventually('recurrent_disabled at the merchant', () => stack.verifiedHooks('recurrent_disabled') >= 1, 15_000);
  assert.equal((await stack.call('recurrent/status', { token })).recurrent.is_active, false);

  await stack.advanceClock('32d');
  await eventually('ended at its next date', async () => (await stack.subscription(s.id)).cancel_reason === 'token_inactive', 15_000);
  await eventually('subscription_cancelled at the merchant', () => stack.verifiedHooks('subscription_cancelled') >= 1, 15_000);
  await context.close();
  assert.deepEqual(errors, []);
});
