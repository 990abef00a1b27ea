/**
 * A subscription link in headless Chromium: "Annual subscription to the channel" (1 499,00 ₽ a
 * year), created with the CLI's `link create --file`. Its page shows the regular-payment notice
 * with the price before anything is paid, in Russian on a desktop and in English on a phone, one
 * language a page; the widget then offers only what can be charged again, says the notice with
 * the next payment's date (the page's gives way to it until the payment succeeds) and asks for
 * the consent to later charges; paid by card, the subscription is active and the merchant hears
 * both the payment (at the link's webhook URL, with the fields) and the subscription. The signed
 * link/create makes one too, and refuses manual confirmation with it.
 * Screenshots: test-results/link-e2e/subscription-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launch, typeCard } from './browser';
import { openLinkPage, shootLink, type LinkPage } from './link-browser';
import { startLinkStack, type LinkSpec, type LinkStack } from './link-harness';
import { eventually } from '../support/eventually';

const PRICE = 149_900;
const USER_FIELD = 'Telegram username';

let stack: LinkStack;
let browser: Browser;
let link: { id: string; url: string };
const pages: LinkPage[] = [];

function yearlyLink(overrides: LinkSpec = {}): LinkSpec {
  return {
    product_name: 'Annual subscription to the channel',
    description: 'Access for 12 months; activation within 5 minutes',
    amount_details: { amount: PRICE, currency: 'RUB' },
    user_field: { name: USER_FIELD, placeholder: '@username' },
    offer_url: 'https://shop.example/offer',
    support: { telegram: '@duck_support' },
    webhook_url: stack.webhookUrl,
    return_url: `${stack.channelOrigin}/channel`,
    subscription: { period: { unit: 'year', count: 1 } },
    ...overrides,
  };
}

before(async () => {
  [stack, browser] = await Promise.all([startLinkStack(), launch()]);
  link = await stack.createLinkWithCli(yearlyLink());
});

after(async () => {
  await Promise.allSettled(pages.map((p) => p.context.close()));
  await browser?.close();
  await stack?.close();
});

async function open(device: 'desktop' | 'phone', url: string): Promise<LinkPage> {
  const lp = await openLinkPage(browser, device, url);
  pages.push(lp);
  return lp;
}

const spaces = (s: string | null) => (s ?? '').replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
const widget = (page: Page) => page.locator('#pay sg-checkout');
const subscriptionOf = async (sessionId: string) => {
  const { subscription_id } = await stack.sessionStatus(sessionId);
  return (await stack.call('subscription/get', { id: subscription_id })).subscription;
};

/**
 * What the customer reads: the page's text and the widget's, without the shop's name (a name, in
 * whatever language the shop gave it, wherever it appears).
 */
const pageText = async (page: Page) =>
  spaces(
    await page.evaluate(() => {
      const main = document.querySelector('main')!;
      const shop = main.querySelector('.shop-name')?.textContent ?? '';
      const panel = document.querySelector('#pay sg-checkout')?.shadowRoot?.querySelector<HTMLElement>('[part~="panel"]');
      const text = `${main.innerText} ${panel?.innerText ?? ''}`;
      return shop ? text.split(shop).join(' ') : text;
    }),
  );

/** Fills the user field, accepts the offer and continues; returns the session the page opened. */
async function proceed(page: Page, user: string, continueLabel: string): Promise<string> {
  await page.locator('#link-form input[name=user]').fill(user);
  await page.locator('#link-form input[name=consent]').check();
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith('/checkout')),
    page.getByRole('button', { name: continueLabel }).click(),
  ]);
  const body = await res.json();
  assert.equal(res.status(), 200, JSON.stringify(body));
  await widget(page).locator('.regular').waitFor();
  return body.session_id as string;
}

test('desktop, Russian: the notice by the price, then the widget\'s notice and consent; paid by card, the subscription is active', async () => {
  const lp = await open('desktop', link.url);
  const { page } = lp;
  // Before paying: the price and what it means, by it, in the page's language.
  assert.equal(spaces(await page.locator('.amount').textContent()), '1 499,00 ₽ каждый год. Отменить можно в любой момент.');
  assert.equal(await page.locator('#regular-payment').isVisible(), true);
  const before = await pageText(page);
  assert.doesNotMatch(before, /\b(every|year|cancel|Continue)\b/i, 'one language on the page');
  await shootLink(page, 'subscription-desktop-ru-page');

  const sessionId = await proceed(page, '@Duck_Fan', 'Перейти к оплате');
  // Only what can be charged again, never SberPay; the card is chosen.
  const tabs = widget(page).getByRole('tab');
  const offered = (await tabs.count()) ? (await tabs.locator('.label').allTextContents()).map((t) => t.trim()) : [];
  assert.ok(!offered.includes('SberPay') && !offered.includes('Последняя карта'), `methods that recur: ${offered.join(', ')}`);
  if (offered.length) await widget(page).getByRole('tab', { name: 'Карта', exact: true }).click();
  // The widget's notice says it with the next payment's date; the page's gives way to it, so it is said once.
  const notice = spaces(await widget(page).locator('.regular').innerText());
  assert.match(notice, /^1 499,00 ₽ каждый год, следующий платёж \d{1,2} [а-я]+ \d{4} г\. Отменить можно в любой момент\.$/);
  await page.locator('#regular-payment').waitFor({ state: 'hidden' });
  assert.equal(spaces(await page.locator('.amount').innerText()), '1 499,00 ₽');
  // The consent to later charges holds the Pay button until it is ticked.
  const pay = widget(page).locator('[part~="pay-button"]');
  await typeCard(page, '4242424242424242');
  const consent = widget(page).locator('label.recurrent input');
  assert.match(spaces(await widget(page).locator('label.recurrent').innerText()), /^Я согласен, что магазин «Утиная лавка» будет списывать оплату/);
  assert.equal(await consent.isChecked(), false, 'unticked to begin with');
  assert.equal(await pay.isDisabled(), true, 'no payment before the consent');
  await consent.check();
  assert.equal(await pay.isDisabled(), false);
  await shootLink(page, 'subscription-desktop-ru-consent');
  assert.doesNotMatch(await pageText(page), /\b(every|next payment|Cancel at any time|Pay)\b/, 'the widget speaks the page\'s language');

  await pay.click();
  await widget(page).getByRole('heading', { name: 'Оплата прошла' }).waitFor({ timeout: 15_000 });
  // The success screen says nothing of what comes next: the page's notice is back by the price.
  await page.locator('#regular-payment').waitFor({ state: 'visible' });
  await shootLink(page, 'subscription-desktop-ru-paid');
  await eventually('the subscription active', async () => (await subscriptionOf(sessionId)).status === 'active', 15_000);
  const active = await subscriptionOf(sessionId);
  assert.deepEqual([active.periods_paid, active.amount_details.amount, active.period, active.description], [1, PRICE, { unit: 'year', count: 1 }, 'Annual subscription to the channel']);
  assert.deepEqual(active.customer, { reference: 'typed:@duck_fan' });
  const first = await stack.sessionStatus(sessionId);
  assert.deepEqual([first.status, first.payment_options.recurrent, first.metadata[USER_FIELD], first.metadata.link_id], ['accepted', true, '@Duck_Fan', link.id]);
  const hooks = await stack.waitForHooks(sessionId, (hs) => hs.some((h) => h.type === 'payment_finished' && h.session?.status === 'accepted'));
  const finished = hooks.filter((h) => h.type === 'payment_finished').at(-1)!.session as unknown as { metadata: Record<string, string> };
  assert.equal(finished.metadata[USER_FIELD], '@Duck_Fan', 'the merchant hears who subscribed');
  await eventually('subscription_activated at the merchant', () => stack.hooks.some((h) => h.verified && h.type === 'subscription_activated'), 15_000);
  assert.deepEqual(lp.errors, []);
});

test('phone, English: the notice by the price and in the widget, one language; paid by card, active', async () => {
  const lp = await open('phone', `${link.url}?lang=en`);
  const { page } = lp;
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal(spaces(await page.locator('.amount').textContent()), '1,499.00 ₽ every year; cancel at any time.');
  assert.doesNotMatch(await pageText(page), /[а-яё]/i, 'no Russian on an English page');
  await shootLink(page, 'subscription-phone-en-page');

  const sessionId = await proceed(page, '@reader_en', 'Continue to payment');
  const tabs = widget(page).getByRole('tab');
  if (await tabs.count()) await widget(page).getByRole('tab', { name: 'Card', exact: true }).click();
  assert.match(spaces(await widget(page).locator('.regular').innerText()), /^1,499\.00 ₽ every year, next payment on \d{1,2} [A-Z][a-z]+ \d{4}\. Cancel at any time\.$/);
  await typeCard(page, '4242424242424242');
  await widget(page).locator('label.recurrent input').check();
  await shootLink(page, 'subscription-phone-en-consent');
  assert.doesNotMatch(await pageText(page), /[а-яё]/i, 'the widget speaks English too');
  await widget(page).locator('[part~="pay-button"]').click();
  await widget(page).getByRole('heading', { name: 'Payment successful' }).waitFor({ timeout: 15_000 });
  await shootLink(page, 'subscription-phone-en-paid');
  await eventually('the subscription active', async () => (await subscriptionOf(sessionId)).status === 'active', 15_000);
  assert.deepEqual(lp.errors, []);
});

test('the signed link/create makes the same link; manual confirmation with a subscription is refused, saying why', async () => {
  const made = await stack.createLinkWithApi(yearlyLink({ subscription: { period: { unit: 'month', count: 3 } } }));
  const lp = await open('desktop', made.url);
  assert.equal(spaces(await lp.page.locator('.amount').textContent()), '1 499,00 ₽ каждые 3 месяца. Отменить можно в любой момент.');
  await assert.rejects(stack.createLinkWithApi(yearlyLink({ confirmation: 'manual' })), /400: .*"description":"confirmation: a subscription link cannot ask for manual confirmation: the server charges each later period by itself.*"field":"confirmation"/);
  await assert.rejects(stack.createLinkWithCli(yearlyLink({ confirmation: 'manual' })), /confirmation: a subscription link cannot ask for manual confirmation/);
});
