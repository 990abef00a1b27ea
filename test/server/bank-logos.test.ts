import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BANKS } from '../../server/sandbox/banks';
import { startHarness } from './helpers';
import { MONOGRAM_COLOURS, LOGO_REFRESH_MS, bankInitials, bankLogoPath, bankLogos, monogramColour } from '../../server/pages/bank-logos';

const SBER = '100000000111';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('rest of a tiny png')]);

function dataDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'bank-logos-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A fetch that records its URLs and answers `answer`. */
function fakeFetch(answer: () => Response) {
  const urls: string[] = [];
  const fetch = (async (url: string | URL) => {
    urls.push(String(url));
    return answer();
  }) as typeof globalThis.fetch;
  return { fetch, urls };
}

/** WCAG contrast of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

test('bankLogoPath is the route on this server', () => {
  assert.equal(bankLogoPath(SBER), '/assets/banks/100000000111');
});

test('serves the cached logo when there is one', async (t) => {
  const dir = dataDir(t);
  mkdirSync(join(dir, 'bank-logos'));
  writeFileSync(join(dir, 'bank-logos', `${SBER}.png`), PNG);
  const res = await bankLogos({ dataDir: dir, fetchLogos: false }).request(bankLogoPath(SBER));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/png');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('cache-control')!, /public, max-age=\d{5,}/);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
});

test('answers a monogram of the initials when no logo is cached, locked down as a document', async (t) => {
  const res = await bankLogos({ dataDir: dataDir(t), fetchLogos: false }).request('/assets/banks/110000000005');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
  assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('cache-control')!, /public, max-age=\d{5,}/);
  const svg = await res.text();
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, />ВТБ<\/text><\/svg>$/);
  assert.ok(svg.includes(`fill="${monogramColour('110000000005')}"`));
  assert.doesNotMatch(svg, /<script|href=|<image/);
});

test('the server serves them, and answers 404 for an id that is not a bank of the directory, or not an id', async (t) => {
  const h = await startHarness();
  t.after(() => h.close());
  const app = h.app;
  assert.equal((await app.request(bankLogoPath(SBER))).status, 200);
  for (const path of ['/assets/banks/999999999999', '/assets/banks/10000000011', '/assets/banks/..%2Fsg-checkout.sqlite']) {
    const res = await app.request(path);
    assert.equal(res.status, 404, path);
    assert.match((await res.json()).error.description, /12-digit member id/);
  }
});

test('initials: significant words, short all-capital names whole', () => {
  assert.deepEqual(
    ['Сбербанк', 'Т-Банк', 'Банк ВТБ', 'АЛЬФА-БАНК', 'МТС-Банк', 'Банк Санкт-Петербург', 'Банк НОВИКОМ (НОВИКОМБАНК)', 'КБ Хлынов', '«»'].map(bankInitials),
    ['С', 'Т', 'ВТБ', 'А', 'МТС', 'СП', 'Н', 'Х', '?'],
  );
});

test('monogram colours: stable per id, white initials readable on every one (4.5:1 or more)', () => {
  for (const colour of MONOGRAM_COLOURS) assert.ok(contrast(colour, '#ffffff') >= 4.5, `${colour}: ${contrast(colour, '#ffffff').toFixed(2)}`);
  assert.equal(monogramColour(SBER), monogramColour(SBER));
  const used = new Set(BANKS.map((b) => monogramColour(b.id)));
  assert.ok(used.size >= MONOGRAM_COLOURS.length - 1, `the directory's banks spread over the colours (${used.size})`);
});

test('fetches nothing unless enabled', async (t) => {
  const { fetch, urls } = fakeFetch(() => new Response(PNG));
  const dir = dataDir(t);
  await bankLogos({ dataDir: dir, fetchLogos: false, fetch }).request(bankLogoPath(SBER));
  await settle();
  assert.deepEqual(urls, []);
  assert.equal(existsSync(join(dir, 'bank-logos')), false);
});

test('when enabled, fetches a missing logo from NSPK once in the background, then serves it; again after a day', async (t) => {
  const dir = dataDir(t);
  let now = Date.now();
  const { fetch, urls } = fakeFetch(() => new Response(PNG, { headers: { 'content-type': 'image/png' } }));
  const app = bankLogos({ dataDir: dir, fetchLogos: true, fetch, now: () => now });
  const first = await app.request(bankLogoPath(SBER));
  assert.equal(first.headers.get('content-type'), 'image/svg+xml; charset=utf-8', 'the first answer does not wait for the download');
  await settle();
  assert.deepEqual(urls, ['https://qr.nspk.ru/proxyapp/logo/bank100000000111.png']);
  assert.deepEqual(readFileSync(join(dir, 'bank-logos', `${SBER}.png`)), PNG);
  const second = await app.request(bankLogoPath(SBER));
  assert.equal(second.headers.get('content-type'), 'image/png');
  await settle();
  assert.equal(urls.length, 1, 'a fresh logo is not fetched again');
  now += LOGO_REFRESH_MS + 60_000;
  // The file's age is its mtime (real time), so a day later by the fake clock it is stale.
  await app.request(bankLogoPath(SBER));
  await settle();
  assert.equal(urls.length, 2);
});

test('a failed or non-PNG download keeps the monogram and is not retried the same day', async (t) => {
  const dir = dataDir(t);
  const { fetch, urls } = fakeFetch(() => new Response('<html>blocked</html>', { headers: { 'content-type': 'text/html' } }));
  const warnings: string[] = [];
  t.mock.method(console, 'warn', (line: string) => warnings.push(line));
  const app = bankLogos({ dataDir: dir, fetchLogos: true, fetch });
  for (let i = 0; i < 3; i++) {
    const res = await app.request(bankLogoPath(SBER));
    assert.equal(res.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
    await settle();
  }
  assert.equal(urls.length, 1);
  assert.equal(existsSync(join(dir, 'bank-logos', `${SBER}.png`)), false);
  assert.match(warnings[0]!, /not a PNG/);
});

test('a revalidation with the ETag costs a 304', async (t) => {
  const app = bankLogos({ dataDir: dataDir(t), fetchLogos: false });
  const first = await app.request(bankLogoPath(SBER));
  const tag = first.headers.get('etag');
  assert.ok(tag, 'an ETag');
  const again = await app.request(bankLogoPath(SBER), { headers: { 'if-none-match': tag } });
  assert.equal(again.status, 304);
});
