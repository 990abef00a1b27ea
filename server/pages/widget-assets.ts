/**
 * Serves the built widget (`npm run build` → dist/widget) at stable URLs: the classic script
 * `/widget/sg-checkout.js`, the ES module `/widget/sg-checkout.mjs`, and the card iframe
 * `/widget/card-frame.html` with its assets. The iframe page gets a CSP of its own: it may run
 * only its own script and talk only to this server, and any page may frame it (the merchant's).
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { ApiError } from '../errors';

export const WIDGET_DIST = fileURLToPath(new URL('../../dist/widget/', import.meta.url));

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

const FRAME_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors *";

export function widgetAssets(dist = WIDGET_DIST) {
  const app = new Hono();
  const cache = new Map<string, Buffer>();

  app.get('/widget/*', async (c) => {
    const relative = normalize(c.req.path.slice('/widget/'.length));
    const type = TYPES[extname(relative)];
    if (!type || relative.startsWith('..')) throw new ApiError(404, 'not_found', `no widget file ${c.req.path}`);
    let body = cache.get(relative);
    if (!body) {
      body = await readFile(join(dist, relative)).catch(() => undefined);
      if (!body) throw new ApiError(404, 'not_found', `${c.req.path} is not built: run \`npm run build\` (npm start does it for you)`);
      cache.set(relative, body);
    }
    // Hashed frame assets never change; the stable entry URLs are re-checked every few minutes.
    const immutable = relative.startsWith('frame/');
    c.header('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    c.header('Access-Control-Allow-Origin', '*'); // module scripts are fetched with CORS
    c.header('X-Content-Type-Options', 'nosniff');
    if (relative === 'card-frame.html') c.header('Content-Security-Policy', FRAME_CSP);
    return c.body(new Uint8Array(body), 200, { 'Content-Type': type });
  });
  return app;
}
