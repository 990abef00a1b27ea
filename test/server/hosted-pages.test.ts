/**
 * The hosted pages as the shop's customer reads them: headed by the shop's display name and logo
 * (never its internal slug when it has a name), in one language (the merchant's, else ?lang=,
 * else Accept-Language by q-value), the amount in that language's format and said once.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { html } from 'hono/html';
import { hostedPages } from '../../server/pages/hosted-pages';
import { page } from '../../server/pages/layout';
import { LinkService } from '../../server/links/link-service';
import { LinkCheckout } from '../../server/links/link-checkout';
import type { ProjectBranding } from '../../server/store/rows';
import { PUBLIC_URL, createLink, newKeyPair, sessionWithToken, startHarness } from './helpers';

const KEYS = newKeyPair();

/** The harness's server, and the hosted pages built with its store (what app.ts mounts). */
async function pages(t: TestContext, branding: Partial<ProjectBranding> = {}) {
  const h = await startHarness({ keys: KEYS });
  t.after(() => h.close());
  const store = h.server.store;
  await store.transaction(async (tx) => tx.projects.update({ ...(await tx.projects.get('shop'))!, ...branding }));
  const links = new LinkService({ store, clock: h.clock, publicUrl: PUBLIC_URL });
  const app = new Hono().route('/', hostedPages(links, new LinkCheckout({ store, clock: h.clock, links, sessions: h.server.sessions, subscriptions: h.server.subscriptions }), store));
  const get = async (path: string, acceptLanguage?: string) => {
    const res = await app.request(path, acceptLanguage ? { headers: { 'accept-language': acceptLanguage } } : {});
    return { status: res.status, html: await res.text() };
  };
  return { h, get };
}

const BRANDED = { displayName: 'Байкал <Маркет>', logoUrl: 'https://shop.example/logo.png', support: { email: 'help@shop.example' } };

test('the link page is headed by the shop\'s display name and logo, as text and an <img> with alt text, and never its slug', async (t) => {
  const { h, get } = await pages(t, BRANDED);
  const link = await createLink(h, { order_check_url: undefined });
  const { html } = await get(`/l/${link.id}`);
  assert.match(html, /<header class="shop-head"><img class="shop-logo" src="https:\/\/shop\.example\/logo\.png" alt="Логотип Байкал &lt;Маркет&gt;"[^>]*><span class="shop-name">Байкал &lt;Маркет&gt;<\/span><\/header>/);
  assert.doesNotMatch(html.replace(/<input[^>]*>/g, ''), />\s*shop\s*</, 'the project slug "shop" is not shown');
});

test('without a display name the project\'s name heads the page, and without a logo there is no <img>', async (t) => {
  const { h, get } = await pages(t);
  const link = await createLink(h, { order_check_url: undefined, image_url: undefined });
  const { html } = await get(`/l/${link.id}`);
  assert.match(html, /<header class="shop-head"><span class="shop-name">shop<\/span><\/header>/);
  assert.doesNotMatch(html, /<img/);
});

test('the link page picks its language by q-value, from ?lang=, or as the merchant fixed it; the amount follows', async (t) => {
  const { h, get } = await pages(t);
  const link = await createLink(h, { order_check_url: undefined });
  const english = await get(`/l/${link.id}`, 'ru;q=0.8,en-US;q=0.9');
  assert.match(english.html, /<html lang="en">/);
  assert.match(english.html, /<div class="amount">1,499\.00\u00a0₽<\/div>/);
  assert.match((await get(`/l/${link.id}?lang=ru`, 'en')).html, /<html lang="ru">[\s\S]*1\u202f499,00\u00a0₽/);
  await h.server.store.transaction(async (tx) => tx.projects.update({ ...(await tx.projects.get('shop'))!, locale: 'en' }));
  assert.match((await get(`/l/${link.id}?lang=ru`, 'ru')).html, /<html lang="en">/, 'the merchant fixed English');
});

test('the link page says the product and the amount once, and gives link-page.js the words of its hint and errors in the page language', async (t) => {
  const { h, get } = await pages(t);
  const link = await createLink(h, { order_check_url: undefined });
  const { html } = await get(`/l/${link.id}`, 'en');
  assert.equal(html.match(/1,499\.00/g)?.length, 1, 'the amount once');
  assert.equal(html.match(/<h1>/g)?.length, 1);
  const words = JSON.parse(html.match(/data-words="([^"]*)"/)![1]!.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&'));
  assert.equal(words.fill, 'Fill in');
  assert.deepEqual(words.fields, ['Telegram username', 'Email for the receipt']);
  assert.match(words.errors.invalid_init_data, /Telegram account/);
  assert.match(html, /<p id="continue-hint" class="hint">Fill in Telegram username, Email for the receipt and accept the offer<\/p>/, 'the hint is there before the script runs');
  assert.doesNotMatch(html, /telegram-web-app\.js/, 'Telegram\'s script is not in the page: link-page.js loads it inside Telegram only');
});

test('/pay/:token: the shop heads the page, the widget gets the page\'s locale and alone shows the amount', async (t) => {
  const { h, get } = await pages(t, BRANDED);
  const { token } = await sessionWithToken(h, { description: 'Кофе' });
  const ru = await get(`/pay/${token}`, 'ru-RU,ru;q=0.9');
  assert.match(ru.html, /<span class="shop-name">Байкал &lt;Маркет&gt;<\/span>/);
  assert.match(ru.html, new RegExp(`<sg-checkout token="${token}" locale="ru"></sg-checkout>`));
  assert.match(ru.html, /<title>Оплата · Байкал &lt;Маркет&gt;<\/title>/);
  assert.match(ru.html, /<h1 class="sr">Оплата · Байкал &lt;Маркет&gt;<\/h1>/, 'a heading for screen readers (the widget\'s is an h2)');
  assert.doesNotMatch(ru.html, /10,00|Кофе/, 'the widget shows the purchase and amount; the page does not repeat them');
  assert.match(ru.html, /mailto:help@shop\.example/);
  const en = await get(`/pay/${token}`, 'en-US,en;q=0.9,ru;q=0.8');
  assert.match(en.html, /<html lang="en">/);
  assert.match(en.html, /locale="en"/);
  assert.match(en.html, /<title>Payment · /);
  assert.equal((await get(`/pay/pt_${'x'.repeat(32)}`)).status, 404, 'a token of no session');
  const mistyped = await get('/pay/pt_"><script>', 'en');
  assert.equal(mistyped.status, 404);
  assert.match(mistyped.html, /<h1>Payment page not found<\/h1>/, 'a page for the customer, not the API\'s JSON');
  assert.doesNotMatch(mistyped.html, /<script>/);
});

test('every page names the site icon in its head, so the browser never asks for /favicon.ico and gets the card mark', async (t) => {
  const { h, get } = await pages(t);
  const { token } = await sessionWithToken(h);
  const link = await createLink(h);
  for (const path of [`/pay/${token}`, '/pay/pt_unknown', `/l/${link.id}`, '/l/lnk_unknown']) {
    const head = (await get(path)).html.split('</head>')[0]!;
    assert.match(head, /<link rel="icon" href="\/favicon\.svg" type="image\/svg\+xml">/, path);
  }
  // Every other page (receipts, the sandbox's, the docs) has the same frame.
  assert.match(String(await page('t', html`<p>x</p>`)), /<head>[^]*<link rel="icon" href="\/favicon\.svg" type="image\/svg\+xml">[^]*<\/head>/);
});
