/**
 * The script works however a merchant includes it, and comes compressed: a classic
 * `<script src=…/sg-checkout.js>` (plain or defer), the same URL as `<script type="module">`
 * (the loader then finds itself by its src), and the ES build `sg-checkout.mjs` directly. Each
 * page is on another origin than the server; the widget must talk to the server, show its tabs
 * and fire one `sg-ready`, with no error on the page, having loaded nothing but the entry (the QR
 * and bank-list chunks come when first shown). And the build's files are laid out as the server's
 * caching expects (server/pages/widget-assets.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { projectCommand } from '../../server/cli/project';
import { HASHED_FOLDERS, WIDGET_DIST } from '../../server/pages/widget-assets';
import { listen, PROJECT, startStack, type Stack } from './harness';
import { countOf, launch, newContext, recorded, waitForEvent } from './browser';

let stack: Stack;
let browser: Browser;
/** This file's merchant pages, by path, on an origin of their own (localhost: Chromium lets loopback pages reach loopback servers). */
const pages = new Map<string, { body: string; csp?: (apiUrl: string) => string }>();
let site: Server;
let siteOrigin: string;

before(async () => {
  [stack, browser] = await Promise.all([startStack(), launch()]);
  site = createServer((req, res) => {
    if (req.url === '/recorder.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(RECORDER_JS);
    const page = pages.get(req.url ?? '');
    if (!page) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...(page.csp ? { 'content-security-policy': page.csp(stack.apiUrl) } : {}) }).end(page.body);
  });
  siteOrigin = `http://localhost:${await listen(site, '127.0.0.1')}`;
  projectCommand(stack.server.store, ['update', PROJECT, '--origin', stack.merchantOrigin, '--origin', siteOrigin]);
});

after(async () => {
  await browser?.close();
  site?.close();
  await stack?.close();
});

const RECORDER_JS = `window.events = [];
for (const type of ['sg-ready', 'sg-error']) document.addEventListener(type, (e) => window.events.push({ type, detail: e.detail }));`;
const RECORDER = `<script>${RECORDER_JS}</script>`;
/** What a strict merchant page sends: scripts and requests only from itself and the checkout server, Trusted Types for Lit only. */
const STRICT_CSP = (api: string) =>
  `default-src 'self'; script-src 'self' ${api}; connect-src ${api}; frame-src ${api}; img-src 'self' ${api} data:; style-src 'self'; require-trusted-types-for 'script'; trusted-types lit-html`;

/** Opens a merchant page holding `tag` on the merchant's origin; returns what the server answered for /widget/*. */
async function openWith(tag: (apiUrl: string) => string, csp?: (apiUrl: string) => string) {
  const { token } = await stack.createSession();
  const context = await newContext(browser, 'desktop');
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  const path = `/include/${token}`;
  // Under a CSP the recorder is the page's own script file, not inline.
  const recorder = csp ? `<script src="/recorder.js"></script>` : RECORDER;
  pages.set(path, { body: `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title>${recorder}</head><body>${tag(stack.apiUrl)}<sg-checkout token="${token}"></sg-checkout></body></html>`, csp });
  const url = `${siteOrigin}${path}`;
  const widgetAnswers: { path: string; encoding: string | undefined; cors: string | undefined }[] = [];
  page.on('response', (res) => {
    const u = new URL(res.url());
    if (u.origin === stack.apiUrl && u.pathname.startsWith('/widget/')) {
      const h = res.headers();
      widgetAnswers.push({ path: u.pathname, encoding: h['content-encoding'], cors: h['access-control-allow-origin'] });
    }
  });
  await page.goto(url);
  await waitForEvent(page, 'sg-ready').catch((error: Error) => {
    throw new Error(`${error.message}; page errors: ${JSON.stringify(errors)}; widget answers: ${JSON.stringify(widgetAnswers)}`);
  });
  await page.getByRole('tab').first().waitFor();
  const events = await recorded(page);
  await context.close();
  return { events, errors, widgetAnswers };
}

describe('including the widget', () => {
  for (const [name, tag, csp] of [
    ['a classic script tag', (api: string) => `<script src="${api}/widget/sg-checkout.js"></script>`, undefined],
    ['a deferred classic script tag', (api: string) => `<script defer src="${api}/widget/sg-checkout.js"></script>`, undefined],
    ['sg-checkout.js as type=module', (api: string) => `<script type="module" src="${api}/widget/sg-checkout.js"></script>`, undefined],
    ['the ES build sg-checkout.mjs', (api: string) => `<script type="module" src="${api}/widget/sg-checkout.mjs"></script>`, undefined],
    ['a classic script tag under a strict CSP with Trusted Types', (api: string) => `<script src="${api}/widget/sg-checkout.js"></script>`, STRICT_CSP],
  ] as const) {
    test(`${name}: the widget reaches the server and shows its tabs`, async () => {
      const { events, errors, widgetAnswers } = await openWith(tag, csp);
      assert.equal(countOf(events, 'sg-ready'), 1);
      assert.equal(countOf(events, 'sg-error'), 0, JSON.stringify(events));
      assert.deepEqual(errors, []);
      assert.ok(widgetAnswers.some((a) => a.path === '/widget/sg-checkout.mjs'), JSON.stringify(widgetAnswers));
      for (const answer of widgetAnswers) assert.equal(answer.cors, '*', answer.path);
      // The ES build is well over 1 KB: the browser gets it compressed.
      assert.equal(widgetAnswers.find((a) => a.path === '/widget/sg-checkout.mjs')!.encoding, 'br');
      // The QR encoder and the bank list are chunks, loaded when first shown: not before the tabs are.
      const first = widgetAnswers.map((a) => a.path).filter((p) => p !== '/widget/sg-checkout.js' && p !== '/widget/sg-checkout.mjs');
      assert.deepEqual(first, [], 'nothing but the entry before the customer picks a method');
    });
  }
});

describe('the build', () => {
  test('writes the stable URLs at the top and every other file, content-hashed, under a folder cached as immutable', () => {
    const files = readdirSync(WIDGET_DIST, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && !f.parentPath.includes('.vite'))
      .map((f) => `${f.parentPath}/${f.name}`.slice(WIDGET_DIST.length).replace(/^\//, ''));
    const stable = files.filter((f) => !f.includes('/')).sort();
    assert.deepEqual(stable, ['card-frame.html', 'link-page.js', 'sg-checkout.js', 'sg-checkout.mjs']);
    const hashed = files.filter((f) => f.includes('/'));
    assert.ok(hashed.some((f) => f.startsWith('chunks/')), 'the entry has chunks');
    for (const f of hashed) {
      assert.ok(HASHED_FOLDERS.some((folder) => f.startsWith(folder)), `${f} is in a hashed folder`);
      assert.match(f, /-[\w-]{8}\.(js|css)$/, `${f} carries its content hash`);
    }
  });
});
