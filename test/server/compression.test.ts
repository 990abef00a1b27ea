/**
 * Text answers go out compressed when the client accepts it (brotli, else gzip), over 1 KB, with
 * `Vary: Accept-Encoding`; the widgets' status read goes out exactly as its route made it.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { etag } from 'hono/etag';
import { compressAnswers, pickEncoding } from '../../server/http/compression';
import { createLink, newKeyPair, sessionWithToken, startHarness, type Harness } from './helpers';

const KEYS = newKeyPair();
const BIG = 'x'.repeat(4000);

async function harness(t: TestContext): Promise<Harness> {
  const h = await startHarness({ keys: KEYS });
  t.after(() => h.close());
  return h;
}

const get = (app: { request: (path: string, init: RequestInit) => Response | Promise<Response> }, path: string, acceptEncoding?: string, headers: Record<string, string> = {}) =>
  Promise.resolve(app.request(path, { headers: { ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}), ...headers } }));

const bytes = async (res: Response) => Buffer.from(await res.arrayBuffer());
const decoded = async (res: Response) => {
  const body = await bytes(res);
  const encoding = res.headers.get('content-encoding');
  return (encoding === 'br' ? brotliDecompressSync(body) : encoding === 'gzip' ? gunzipSync(body) : body).toString('utf8');
};

describe('the encoding a request accepts', () => {
  test('prefers brotli, falls back to gzip, and honours q=0', () => {
    assert.equal(pickEncoding('gzip, deflate, br, zstd'), 'br');
    assert.equal(pickEncoding('gzip, deflate'), 'gzip');
    assert.equal(pickEncoding('br;q=0, gzip'), 'gzip');
    assert.equal(pickEncoding('br;q=0.5, gzip'), 'gzip');
    assert.equal(pickEncoding('*'), 'br');
    assert.equal(pickEncoding('identity'), undefined);
    assert.equal(pickEncoding(undefined), undefined);
  });
});

describe('compressAnswers', () => {
  const app = () => {
    const a = new Hono();
    a.get('/page', (c) => c.html(`<p>${BIG}</p>`));
    a.get('/small', (c) => c.json({ ok: true }));
    a.get('/png', (c) => c.body(new Uint8Array(4000), 200, { 'content-type': 'image/png' }));
    a.get('/already', (c) => c.body(BIG, 200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' }));
    a.get('/cors', (c) => c.json({ big: BIG }, 200, { 'access-control-allow-origin': 'https://shop.example', vary: 'Origin', etag: '"v1"' }));
    a.get('/hot', (c) => c.json({ big: BIG }));
    return compressAnswers(a, { passThrough: (req) => req.url.endsWith('/hot') });
  };

  test('compresses a page over 1 KB in brotli or gzip as asked, and sends it plain when not asked', async () => {
    const a = app();
    const br = await get(a, '/page', 'gzip, br');
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.equal(br.headers.get('vary'), 'Accept-Encoding');
    assert.equal(br.headers.get('content-type'), 'text/html; charset=UTF-8');
    assert.equal(await decoded(br), `<p>${BIG}</p>`);
    const gz = await get(a, '/page', 'gzip');
    assert.equal(gz.headers.get('content-encoding'), 'gzip');
    assert.equal(await decoded(gz), `<p>${BIG}</p>`);
    const plain = await get(a, '/page');
    assert.equal(plain.headers.get('content-encoding'), null);
    assert.equal(plain.headers.get('vary'), 'Accept-Encoding');
    assert.equal(await plain.text(), `<p>${BIG}</p>`);
  });

  test('leaves small bodies, binary types and answers already encoded as they are', async () => {
    const a = app();
    const small = await get(a, '/small', 'br');
    assert.equal(small.headers.get('content-encoding'), null);
    assert.equal(small.headers.get('vary'), 'Accept-Encoding');
    assert.deepEqual(await small.json(), { ok: true });
    const png = await get(a, '/png', 'br');
    assert.equal(png.headers.get('content-encoding'), null);
    assert.equal((await bytes(png)).length, 4000);
    const already = await get(a, '/already', 'br');
    assert.equal(already.headers.get('content-encoding'), 'gzip');
    assert.equal(await already.text(), BIG);
  });

  test('keeps the CORS headers, adds to Vary and weakens a strong ETag', async () => {
    const res = await get(app(), '/cors', 'br');
    assert.equal(res.headers.get('content-encoding'), 'br');
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.equal(res.headers.get('vary'), 'Origin, Accept-Encoding');
    assert.equal(res.headers.get('etag'), 'W/"v1"');
  });

  test("a compressed answer's weakened ETag still earns a 304 from hono/etag", async () => {
    const a = new Hono();
    a.use('/logo.svg', etag());
    a.get('/logo.svg', (c) => c.body(`<svg xmlns="http://www.w3.org/2000/svg">${'<g/>'.repeat(500)}</svg>`, 200, { 'content-type': 'image/svg+xml' }));
    compressAnswers(a);
    const first = await get(a, '/logo.svg', 'br');
    assert.equal(first.headers.get('content-encoding'), 'br');
    const tag = first.headers.get('etag')!;
    assert.match(tag, /^W\//);
    const again = await get(a, '/logo.svg', 'br', { 'if-none-match': tag });
    assert.equal(again.status, 304);
  });

  test('sends a passed-through answer untouched, big as it is', async () => {
    const res = await get(app(), '/hot', 'br');
    assert.equal(res.headers.get('content-encoding'), null);
    assert.equal(res.headers.get('vary'), null);
  });
});

describe('the server', () => {
  test('compresses the link page, the pages stylesheet and the bank list when the browser accepts it', async (t) => {
    const h = await harness(t);
    const link = await createLink(h);
    for (const path of [`/l/${link.id}`, '/assets/pages.css', '/public/v1/banks']) {
      const plain = await get(h.app, path);
      assert.equal(plain.status, 200, path);
      assert.equal(plain.headers.get('content-encoding'), null, path);
      const text = await plain.text();
      const br = await get(h.app, path, 'gzip, deflate, br');
      assert.equal(br.headers.get('content-encoding'), 'br', path);
      assert.match(br.headers.get('vary') ?? '', /Accept-Encoding/, path);
      assert.equal(await decoded(br), text, path);
    }
    const banks = await get(h.app, '/public/v1/banks', 'gzip');
    assert.equal(banks.headers.get('content-encoding'), 'gzip');
    assert.equal(banks.headers.get('access-control-allow-origin'), '*');
  });

  test('sends the status read (and its long-poll) exactly as the route makes it', async (t) => {
    const h = await harness(t);
    const { token } = await sessionWithToken(h);
    for (const query of ['', '?version=1&wait=1']) {
      const res = await get(h.app, `/public/v1/sessions/${token}${query}`, 'gzip, br', { origin: 'https://merchant.example' });
      assert.equal(res.status, 200);
      assert.deepEqual(Object.fromEntries(res.headers), {
        'access-control-allow-origin': 'https://merchant.example',
        'cache-control': 'no-store',
        'content-type': 'application/json',
        vary: 'Origin',
        'x-content-type-options': 'nosniff',
      });
      assert.equal((await res.json()).version, 1);
    }
  });
});
