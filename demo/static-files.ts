/**
 * Serves the demo's own static files (its CSS from the source tree, its page scripts from the
 * Vite build in dist/demo) at fixed URLs, read once and then kept in memory.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/** Where `vite build --mode demo-store|demo-console` writes the page scripts. */
export const DEMO_DIST = fileURLToPath(new URL('../dist/demo/', import.meta.url));

const TYPES = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8' } as const;

/** Adds `GET route` answering the file's bytes; a missing file answers 404 saying how to build it. */
export function serveFile(app: Hono, route: string, file: string, type: keyof typeof TYPES): void {
  let cached: Promise<Buffer | null> | null = null;
  app.get(route, async (c) => {
    cached ??= readFile(file).catch(() => null);
    const body = await cached;
    if (!body) {
      cached = null; // built later (npm run build): look again on the next request
      return c.text(`${route} is not built: run \`npm run build\` (npm start does it for you)`, 404);
    }
    c.header('Cache-Control', 'no-cache');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(new Uint8Array(body), 200, { 'Content-Type': TYPES[type] });
  });
}
