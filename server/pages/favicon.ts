/**
 * The site icon, so that no page 404s on it: `/favicon.svg` (what the pages link) and
 * `/favicon.ico` (what browsers ask for when a page links none): a bank card on the pages' green.
 * favicon.ico is that SVG drawn at 32×32 by Chromium, as a PNG inside an ICO.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';

export const FAVICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1a7f5a"/><rect x="5" y="9" width="22" height="15" rx="3" fill="#fff"/><rect x="5" y="12.5" width="22" height="3.5" fill="#1a7f5a"/><rect x="8" y="19" width="7" height="2" rx="1" fill="#1a7f5a"/></svg>';

const FAVICON_ICO = readFileSync(new URL('./favicon.ico', import.meta.url));

/** A day: the icon rarely changes, and a stale one harms nothing. */
const CACHE = 'public, max-age=86400';

export function favicon() {
  const app = new Hono();
  app.get('/favicon.svg', (c) => c.body(FAVICON_SVG, 200, { 'Content-Type': 'image/svg+xml', 'Cache-Control': CACHE }));
  app.get('/favicon.ico', (c) => c.body(new Uint8Array(FAVICON_ICO), 200, { 'Content-Type': 'image/x-icon', 'Cache-Control': CACHE }));
  return app;
}
