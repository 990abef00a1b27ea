/**
 * Serves the built widget (`npm run build` → dist/widget): the script tag's loader
 * `/widget/sg-checkout.js`, the ES module `/widget/sg-checkout.mjs` with the chunks it loads when
 * needed (`/widget/chunks/`), the payment link page's `link-page.js`, and the card iframe
 * `/widget/card-frame.html` with its assets (`/widget/frame/`). The iframe page gets a CSP of its
 * own: it may run only its own script and talk only to this server, and only the pages of its
 * session's project may frame it: sg-card-view names the session in `?token=` (the `#token` the
 * frame itself reads never reaches the server), and `framersOf` turns it into origins.
 *
 * Each file is read, hashed and compressed (brotli 11 and gzip 9) once, on its first request, and
 * kept in memory: a request then only picks the bytes its Accept-Encoding allows.
 *
 * Caching: files under chunks/ and frame/ carry their content hash in their name (vite.config.ts
 * names them so) and are cached for a year as immutable. The stable URLs are `no-cache` with a
 * strong ETag (the content hash): a browser asks every time and gets a bodiless 304 while the
 * file is unchanged. Not `max-age=300`: for five minutes after a deploy a cached old
 * sg-checkout.mjs or card-frame.html would name chunks the new build no longer has.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, gzip } from 'node:zlib';
import { Hono } from 'hono';
import { ApiError } from '../errors';
import { COMPRESS_THRESHOLD_BYTES, pickEncoding, zlibOptions, type Encoding } from '../http/compression';
import { frameAncestors } from '../http/security-headers';

export const WIDGET_DIST = fileURLToPath(new URL('../../dist/widget/', import.meta.url));

/** Folders whose files carry a content hash in their name. */
export const HASHED_FOLDERS = ['chunks/', 'frame/'];

export const IMMUTABLE = 'public, max-age=31536000, immutable';
export const REVALIDATE = 'public, no-cache';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const frameCsp = (framers: readonly string[]) =>
  `default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; ${frameAncestors(framers)}`;

/** Without a way to look the session up (a test of the files alone), only this server's pages may frame the card frame. */
const SELF_ONLY = () => ["'self'"];

const compressAsync = { br: promisify(brotliCompress), gzip: promisify(gzip) };

/** One built file: its bytes as they are and in each encoding that makes them smaller, and their validators. */
type Asset = { type: string; hash: string; bodies: { identity: Uint8Array<ArrayBuffer> } & Partial<Record<Encoding, Uint8Array<ArrayBuffer>>> };

async function loadAsset(file: string, type: string): Promise<Asset | undefined> {
  const raw = await readFile(file).catch(() => undefined);
  if (!raw) return undefined;
  const asset: Asset = { type, hash: createHash('sha256').update(raw).digest('base64url').slice(0, 22), bodies: { identity: new Uint8Array(raw) } };
  if (raw.length >= COMPRESS_THRESHOLD_BYTES) {
    // Off the event loop (brotli 11 takes about 130 ms on the 75 KB widget), once per file.
    for (const encoding of ['br', 'gzip'] as const) {
      const packed = await compressAsync[encoding](raw, zlibOptions(encoding, 'static', raw.length));
      if (packed.length < raw.length) asset.bodies[encoding] = new Uint8Array(packed);
    }
  }
  return asset;
}

/** Each representation has its own strong ETag: the same hash, marked with its encoding. */
const etagOf = (asset: Asset, encoding: Encoding | undefined) => `"${asset.hash}${encoding ? `-${encoding}` : ''}"`;

/** If-None-Match matches (weak comparison, as RFC 9110 asks for it). */
const matches = (ifNoneMatch: string | undefined, etag: string) =>
  !!ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag);

export type WidgetAssetsOptions = {
  /** The built widget's folder (default dist/widget). */
  dist?: string;
  /** Who may frame the card frame of the session with this public token (`?token=`, maybe absent or unknown): `'self'` or origins. */
  framersOf?: (publicToken: string | undefined) => Promise<readonly string[]> | readonly string[];
};

export function widgetAssets(options: WidgetAssetsOptions = {}) {
  const { dist = WIDGET_DIST, framersOf = SELF_ONLY } = options;
  const app = new Hono();
  const cache = new Map<string, Promise<Asset | undefined>>();

  app.get('/widget/*', async (c) => {
    const relative = normalize(c.req.path.slice('/widget/'.length));
    const type = TYPES[extname(relative)];
    if (!type || relative.startsWith('..')) throw new ApiError(404, 'not_found', `no widget file ${c.req.path}`);
    let loading = cache.get(relative);
    if (!loading) cache.set(relative, (loading = loadAsset(join(dist, relative), type)));
    const asset = await loading;
    if (!asset) {
      cache.delete(relative); // built later, it is found then
      throw new ApiError(404, 'not_found', `${c.req.path} is not built: run \`npm run build\` (npm start does it for you)`);
    }
    const encoding = pickEncoding(c.req.header('accept-encoding'));
    const body = (encoding && asset.bodies[encoding]) || undefined;
    const etag = etagOf(asset, body ? encoding : undefined);
    c.header('Cache-Control', HASHED_FOLDERS.some((folder) => relative.startsWith(folder)) ? IMMUTABLE : REVALIDATE);
    c.header('ETag', etag);
    c.header('Vary', 'Accept-Encoding');
    c.header('Access-Control-Allow-Origin', '*'); // module scripts and their chunks are fetched with CORS
    // On the 304 too: a browser takes a revalidated copy's CSP from it, so a project's new origins apply at once.
    if (relative === 'card-frame.html') c.header('Content-Security-Policy', frameCsp(await framersOf(c.req.query('token'))));
    if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304);
    c.header('X-Content-Type-Options', 'nosniff');
    if (body) c.header('Content-Encoding', encoding);
    return c.body(body ?? asset.bodies.identity, 200, { 'Content-Type': asset.type });
  });
  return app;
}
