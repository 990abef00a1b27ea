/**
 * Test fixtures for the demo: the real server (with its demo store and console) in a temp
 * DATA_DIR, every HTTP call (the store's merchant API calls, the server's webhook deliveries)
 * routed in-process, and a shopper with a cookie jar.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from '../../server/app';
import { mountDemo } from '../../demo/mount';

export const PUBLIC_URL = 'http://localhost:3000';

export function startDemoStack() {
  const dir = mkdtempSync(join(tmpdir(), 'sg-demo-'));
  const logs: string[] = [];
  let server: Server | undefined;
  const inProcess: typeof fetch = (input, init) => Promise.resolve(server!.app.fetch(new Request(input, init)));
  server = createServer({ dbFile: join(dir, 'sg-checkout.sqlite'), publicUrl: PUBLIC_URL, fetch: inProcess });
  const demo = mountDemo(server, { publicUrl: PUBLIC_URL, dataDir: dir, fetch: inProcess, log: (line) => logs.push(line) });
  const app = server.app;

  const request = (path: string, init?: RequestInit) => app.request(`${PUBLIC_URL}${path}`, init);
  const json = async (path: string, init?: RequestInit) => {
    const res = await request(path, init);
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };

  return {
    dir,
    server,
    demo,
    logs,
    request,
    json,
    shopper: () => shopper(request),
    /** Delivers every due webhook (the sender's loop is not running in tests). */
    deliverWebhooks: async () => {
      while ((await server!.sender.deliverDue()) > 0);
    },
    async close() {
      await server!.stop(); // stops the demo store too
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser's side: keeps the demo store's cookie between requests. */
export function shopper(request: (path: string, init?: RequestInit) => Response | Promise<Response>) {
  let cookie = '';
  const send = async (path: string, init: RequestInit = {}) => {
    const res = await request(path, { ...init, headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) } });
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return { status: res.status, body: (await res.json().catch(() => null)) as any, headers: res.headers };
  };
  return {
    cookie: () => cookie,
    /** `lang`: the page's language, as the shop page sends it. */
    order: (items: unknown, lang?: 'ru' | 'en') => send('/demo/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items, ...(lang ? { lang } : {}) }) }),
    status: (orderId: string) => send(`/demo/orders/${orderId}`),
  };
}
