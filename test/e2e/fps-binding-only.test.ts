/**
 * Binding an FPS account without paying, in headless Chromium against the sandbox: the merchant
 * creates a session with `binding`; on a desktop (Russian) the customer agrees and scans the QR of
 * NSPK's binding link with no sum, which the sandbox bank links; on a phone (English) they pick
 * their bank from the list and link it in that bank's app. Neither screen shows an amount or
 * "Pay", the success has no receipt, the merchant's `payment_finished` (verified) carries the
 * `bnd_` token, and the merchant then charges it with no customer.
 * Screenshots: test-results/screenshots/fps-binding-only-*.png.
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

async function bindingSession(reference: string) {
  const created = await stack.call('session/create', { binding: { type: 'faster_payment_system' }, description: 'Автопополнение баланса', customer: { reference } });
  const token = (await stack.call('token', { session_id: created.session.id })).public_token as string;
  return { id: created.session.id as string, token };
}

/** The binding link the checkout shows: NSPK's, with no sum. */
async function bindingLink(sessionId: string): Promise<string> {
  const link = await stack.customerLink(sessionId);
  const parsed = parseFpsLink(link);
  assert.deepEqual([parsed?.binding, parsed?.amountMinor], [true, null], `a binding link with no sum: ${link}`);
  return link;
}

/** The customer's bank links the account, asking for no money. */
async function linkAtBank(page: Page, link: string, bank: string | null, button: string, shot: string) {
  const said = await stack.answerAtBank(page, link, { ...(bank ? { bank } : {}), button, shot });
  assert.doesNotMatch(said, /₽/, 'the bank asks for no money');
}

/** The token the merchant was told of, in a verified payment_finished, then charged with no customer. */
async function chargeTheBinding(sessionId: string) {
  await eventually('payment_finished verified at the merchant', async () => (await stack.call('session/status', { session_id: sessionId })).session.acquiring_payments.at(-1).recurrent !== undefined, 15_000);
  const payment = (await stack.call('session/status', { session_id: sessionId })).session.acquiring_payments.at(-1);
  assert.deepEqual([payment.status, payment.amount_details.amount, payment.payment_details.type], ['succeeded', 0, 'faster_payment_system_binding']);
  const charged = await stack.call('session/init/payment', { amount_details: { amount: 30_000, currency: 'RUB' }, payment_details: { type: 'recurrent', recurrent: { token: payment.recurrent.token } } });
  await eventually('the charge of the binding accepted', async () => (await stack.call('session/status', { session_id: charged.session.id })).session.status === 'accepted', 15_000);
}

test('link an account on a desktop: no amount, the consent, the QR of the binding link, «Счёт привязан»', async () => {
  const s = await bindingSession('e2e-bind-desktop');
  const { context, page, widget, errors } = await stack.openCheckout(browser, s.token, 'desktop', 'ru-RU');
  const button = widget.locator('[part~="pay-button"]');
  assert.equal((await button.innerText()).trim(), 'Привязать счёт');
  assert.equal(await button.isDisabled(), true, 'no QR before the consent');
  assert.doesNotMatch(await widget.innerText(), /₽|Оплат/, 'nothing to pay, nothing said of paying');
  await shoot(page, 'fps-binding-only-desktop-ru');
  await widget.locator('label.recurrent input').check();
  await button.click();
  await widget.locator('sg-qr-view svg[part=qr]').waitFor();
  await shoot(page, 'fps-binding-only-desktop-ru-qr');
  await linkAtBank(page, await bindingLink(s.id), null, 'Привязать счёт', 'fps-binding-only-bank-ru');
  await waitForEvent(page, 'sg-success');
  await widget.getByRole('heading', { name: 'Счёт привязан' }).waitFor();
  assert.equal(await widget.getByRole('link', { name: /Подтверждение оплаты/ }).count(), 0, 'no receipt for a binding');
  await shoot(page, 'fps-binding-only-desktop-ru-done');
  await chargeTheBinding(s.id);
  await eventually('payment_finished verified', () => stack.verifiedHooks('payment_finished') >= 2, 15_000);
  await context.close();
  assert.deepEqual(errors, []);
});

test("link an account on a phone from the bank list: the bank's deep link, linked there, 'Bank account linked'", async () => {
  const s = await bindingSession('e2e-bind-phone');
  const { context, page, widget, errors } = await stack.openCheckout(browser, s.token, 'phone', 'en-US');
  assert.doesNotMatch(await widget.innerText(), /₽|\bPay\b/, 'nothing to pay');
  await widget.locator('label.recurrent input').check();
  await widget.locator('[part~="pay-button"]').click();
  const banks = widget.locator('sg-bank-list a[part~="bank"]');
  await banks.first().waitFor();
  await shoot(page, 'fps-binding-only-phone-en-banks');
  const link = await bindingLink(s.id);
  const sber = banks.filter({ hasText: 'Сбербанк' }).first();
  assert.equal(await sber.getAttribute('href'), link.replace('https:', 'bank100000000111:'), "the bank's app opens the binding link");
  await linkAtBank(page, link, '100000000111', 'Link account', 'fps-binding-only-bank-en');
  await waitForEvent(page, 'sg-success');
  await widget.getByRole('heading', { name: 'Bank account linked' }).waitFor();
  await shoot(page, 'fps-binding-only-phone-en-done');
  const token = (await stack.call('session/status', { session_id: s.id })).session.acquiring_payments.at(-1).recurrent.token as string;
  assert.deepEqual((await stack.call('recurrent/status', { token })).recurrent.bank, { id: '100000000111', name: 'Сбербанк' });
  await chargeTheBinding(s.id);
  await context.close();
  assert.deepEqual(errors, []);
});
