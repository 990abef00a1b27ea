/**
 * The widget's files and the site icon: each widget file compressed once and picked by
 * Accept-Encoding; hashed files cached as immutable, the stable URLs revalidated with a strong
 * ETag and a bodiless 304; CORS open on all of them (module scripts and chunks are CORS fetches).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { ApiError } from '../../server/errors';
import { widgetAssets } from '../../server/pages/widget-assets';
import { favicon } from '../../server/pages/favicon';
import { PAGES_CSS, pagesStylesheet } from '../../server/pages/layout';

const dist = mkdtempSync(join(tmpdir(), 'sg-assets-'));
after(() => rmSync(dist, { recursive: true, force: true }));
const ENTRY = `export const widget = ${JSON.stringify('sg-checkout '.repeat(400))};`;
const CHUNK = `export const qr = ${JSON.stringify('qr '.repeat(600))};`;
mkdirSync(join(dist, 'chunks'));
writeFileSync(join(dist, 'sg-checkout.mjs'), ENTRY);
writeFileSync(join(dist, 'sg-checkout.js'), '(function(){})();');
writeFileSync(join(dist, 'chunks', 'qr-B3x_9aQz.js'), CHUNK);
writeFileSync(join(dist, 'card-frame.html'), '<!doctype html><title>card</title>');
// Mounted as server/app.ts mounts it: its ApiErrors become answers with their status.
const app = new Hono().route('/', widgetAssets({ dist }));
app.onError((err, c) => (err instanceof ApiError ? c.json(err.toBody(), err.status) : c.text('unexpected', 500)));

const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers });

describe('widget files', () => {
  test('come in brotli or gzip as accepted, with Vary, and plain when no encoding is accepted', async () => {
    const br = await get('/widget/sg-checkout.mjs', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.equal(br.headers.get('vary'), 'Accept-Encoding');
    assert.equal(br.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const brBody = Buffer.from(await br.arrayBuffer());
    assert.ok(brBody.length < ENTRY.length / 10);
    assert.equal(brotliDecompressSync(brBody).toString(), ENTRY);

    const gz = await get('/widget/sg-checkout.mjs', { 'accept-encoding': 'gzip' });
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString(), ENTRY);

    const plain = await get('/widget/sg-checkout.mjs');
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(plain.headers.get('vary'), 'Accept-Encoding');
    assert.equal(await plain.text(), ENTRY);
  });

  test('a file under 1 KB goes out plain', async () => {
    const res = await get('/widget/sg-checkout.js', { 'accept-encoding': 'br' });
    assert.equal(res.headers.get('content-encoding'), null);
    assert.equal(await res.text(), '(function(){})();');
  });

  test('a hashed chunk is cached for a year as immutable', async () => {
    const res = await get('/widget/chunks/qr-B3x_9aQz.js', { 'accept-encoding': 'br' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(brotliDecompressSync(Buffer.from(await res.arrayBuffer())).toString(), CHUNK);
  });

  test('a stable URL is revalidated: no-cache, a strong ETag per encoding, and 304 while it is unchanged', async () => {
    for (const path of ['/widget/sg-checkout.js', '/widget/sg-checkout.mjs', '/widget/card-frame.html']) {
      const first = await get(path, { 'accept-encoding': 'br' });
      assert.equal(first.headers.get('cache-control'), 'public, no-cache', path);
      const etag = first.headers.get('etag')!;
      assert.match(etag, /^"[\w-]{22}(-br)?"$/, path);

      const again = await get(path, { 'accept-encoding': 'br', 'if-none-match': etag });
      assert.equal(again.status, 304, path);
      assert.equal(await again.text(), '', path);
      assert.equal(again.headers.get('etag'), etag, path);
      assert.equal(again.headers.get('access-control-allow-origin'), '*', path);
      assert.equal(again.headers.get('cache-control'), 'public, no-cache', path);

      const stale = await get(path, { 'accept-encoding': 'br', 'if-none-match': '"an-older-build"' });
      assert.equal(stale.status, 200, path);
    }
    const br = (await get('/widget/sg-checkout.mjs', { 'accept-encoding': 'br' })).headers.get('etag');
    const plain = (await get('/widget/sg-checkout.mjs')).headers.get('etag');
    assert.notEqual(br, plain, 'the brotli bytes and the plain ones are two representations');
    assert.equal((await get('/widget/sg-checkout.mjs', { 'if-none-match': br! })).status, 200, "a client's brotli copy does not validate the plain one");
  });

  test('the card iframe keeps its own CSP, framed by this server only when no session says more, and a missing file is a 404 that says to build', async () => {
    const frame = await get('/widget/card-frame.html');
    assert.match(frame.headers.get('content-security-policy') ?? '', /script-src 'self'; .*frame-ancestors 'self'$/);
    const missing = await get('/widget/chunks/bank-list-Zz9.js');
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /npm run build/);
  });
});

describe('the site icon', () => {
  test('is served as SVG and as ICO, so no page 404s on it', async () => {
    const icons = favicon();
    const svg = await icons.request('/favicon.svg');
    assert.equal(svg.status, 200);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
    assert.match(await svg.text(), /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const ico = await icons.request('/favicon.ico');
    assert.equal(ico.status, 200);
    assert.equal(ico.headers.get('content-type'), 'image/x-icon');
    const bytes = Buffer.from(await ico.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 4)], [0, 0, 1, 0], 'an ICO header');
    assert.equal(bytes.subarray(23, 26).toString('latin1'), 'PNG', 'holding a PNG');
  });
});

describe("the pages' stylesheet", () => {
  const css = pagesStylesheet();

  test('revalidates with a strong ETag and a bodiless 304 instead of staying an hour stale after a deploy', async () => {
    const first = await css.request('/assets/pages.css');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('cache-control'), 'public, no-cache');
    assert.equal(first.headers.get('content-type'), 'text/css; charset=utf-8');
    const etag = first.headers.get('etag');
    assert.match(etag ?? '', /^"[A-Za-z0-9_-]{22}"$/);
    assert.equal(await first.text(), PAGES_CSS);
    for (const ifNoneMatch of [etag!, `W/${etag}`, `"older", ${etag}`]) {
      const again = await css.request('/assets/pages.css', { headers: { 'if-none-match': ifNoneMatch } });
      assert.equal(again.status, 304, ifNoneMatch);
      assert.equal(await again.text(), '');
      assert.equal(again.headers.get('etag'), etag);
    }
    assert.equal((await css.request('/assets/pages.css', { headers: { 'if-none-match': '"older"' } })).status, 200);
  });

  /** WCAG 2.x contrast ratio of two #rrggbb colours. */
  const contrast = (a: string, b: string) => {
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi! + 0.05) / (lo! + 0.05);
  };

  test("the buttons' focus ring stands out 3:1 from the panel, light and dark (WCAG 1.4.11)", () => {
    const light = PAGES_CSS.match(/^button:focus-visible \{ outline: 3px solid (#[0-9a-f]{6})/m)?.[1];
    const dark = PAGES_CSS.match(/@media \(prefers-color-scheme: dark\) \{ button:focus-visible \{ outline-color: (#[0-9a-f]{6}); \} \}/)?.[1];
    const panel = PAGES_CSS.match(/--panel: (#[0-9a-f]{3,6})/)![1]!.replace(/^#fff$/, '#ffffff');
    const darkPanel = PAGES_CSS.match(/prefers-color-scheme: dark\) \{ :root \{[^}]*--panel: (#[0-9a-f]{6})/)?.[1];
    assert.ok(light && dark && darkPanel, 'a ring for each scheme');
    assert.ok(contrast(light, panel) >= 3, `light: ${light} on ${panel} is ${contrast(light, panel).toFixed(1)}:1`);
    assert.ok(contrast(dark, darkPanel) >= 3, `dark: ${dark} on ${darkPanel} is ${contrast(dark, darkPanel).toFixed(1)}:1`);
  });

  test('holds the hosted card at the top, so the widget growing inside it does not move it down', () => {
    assert.match(PAGES_CSS, /main\.card\.hosted \{ align-self: start; \}/);
  });
});
