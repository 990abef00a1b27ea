/**
 * Test fixtures for the demo: the real server in a temp DATA_DIR with the demo store and the
 * console in front of it, every HTTP call (the store's merchant API calls, the server's webhook
 * deliveries) routed in-process, and a shopper with a cookie jar.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { createServer } from '../../server/app';
import { demoStore } from '../../demo/store/index';
import { registerInStore } from '../../demo/store/register-in-store';
import { developerConsole } from '../../demo/console/index';

export const PUBLIC_URL = 'http://localhost:3000';

export function startDemoStack() {
  const dir = mkdtempSync(join(tmpdir(), 'sg-demo-'));
  const logs: string[] = [];
  const root = new Hono();
  const inProcess: typeof fetch = (input, init) => Promise.resolve(root.fetch(new Request(input, init)));
  const server = createServer({ dbFile: join(dir, 'sg-checkout.sqlite'), publicUrl: PUBLIC_URL, fetch: inProcess });
  const demo = demoStore({ publicUrl: PUBLIC_URL, dataDir: dir, fetch: inProcess, registerProject: registerInStore(server.store), log: (line) => logs.push(line) });
  // Mounted ahead of the server's own routes, so these instances answer (with their logs) even
  // once server/app.ts mounts a demo store and console of its own.
  root.route('/', demo.app);
  root.route('/', developerConsole({ store: server.store, sessions: server.sessions, sender: server.sender, publicUrl: PUBLIC_URL, env: {} }));
  root.route('/', server.app);

  const request = (path: string, init?: RequestInit) => root.request(`${PUBLIC_URL}${path}`, init);
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
      while ((await server.sender.deliverDue()) > 0);
    },
    async close() {
      demo.stop();
      await server.stop();
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
    order: (items: unknown) => send('/demo/orders', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) }),
    status: (orderId: string) => send(`/demo/orders/${orderId}`),
  };
}
