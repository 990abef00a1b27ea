/**
 * The demo's end-to-end stack: the real server (`createServer`, with the demo store and the
 * developer console it mounts) over HTTP on 127.0.0.1, PUBLIC_URL equal to its own URL and a
 * temp DATA_DIR, exactly as `npm start` runs it. The demo store registers its own project and
 * receives its webhooks over HTTP at `<PUBLIC_URL>/demo/webhooks`.
 *
 * What the demo backend did is read from its own database (`DATA_DIR/demo-store/orders.sqlite`):
 * a webhook id lands in `processed_webhooks` only after `standardwebhooks` verified the delivery.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { serve } from '@hono/node-server';
import { mountDemo } from '../../demo/mount';
import { createServer, type Server } from '../../server/app';

export type DemoStack = Awaited<ReturnType<typeof startDemoStack>>;

/** A webhook event of one session as the server's outbox and the demo store's database see it. */
export type HookRecord = {
  id: string;
  type: string;
  /** The outbox's delivery status (`delivered` once the store answered 2xx). */
  delivery: string;
  responseStatus: number | null;
  /** The session's status in the payload. */
  sessionStatus: string | undefined;
  payments: { id: string; status: string; refunded_amount_details?: { amount: number } }[];
  /** The demo store verified this delivery and applied it (its id is in `processed_webhooks`). */
  verifiedByStore: boolean;
};

export async function startDemoStack() {
  const dataDir = mkdtempSync(join(tmpdir(), 'sg-demo-e2e-'));

  // The demo store's log lines, kept for failure messages (and shown with DEMO_E2E_VERBOSE).
  const logs: string[] = [];
  const demoLog = (line: string) => {
    logs.push(line);
    if (process.env.DEMO_E2E_VERBOSE) console.log(`demo store: ${line}`);
  };

  // Listen first (port 0), then build the server with PUBLIC_URL equal to its URL.
  let server: Server | undefined;
  const http = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (req, env) => server!.app.fetch(req, env), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  server = createServer({ dbFile: join(dataDir, 'sg-checkout.sqlite'), publicUrl: url, webhookTimeoutMs: 5_000 });
  const demo = mountDemo(server, { publicUrl: url, dataDir, log: demoLog });
  server.start();
  await demo.start(); // the store's key pair, its project, its orders database

  const ordersDb = new Database(join(dataDir, 'demo-store', 'orders.sqlite'), { readonly: true, fileMustExist: true });
  const processed = ordersDb.prepare<[string], { type: string }>('SELECT type FROM processed_webhooks WHERE webhook_id = ?');
  const orderRow = ordersDb.prepare<[string], { status: string; refunded_amount: number; session_id: string | null }>('SELECT status, refunded_amount, session_id FROM orders WHERE id = ?');

  /** Every webhook event of a session, with whether the demo store verified and applied it. */
  async function hooks(sessionId: string): Promise<HookRecord[]> {
    return (await server!.store.outbox.forSession(sessionId)).map((e) => {
      const payload = JSON.parse(e.payload_json) as { session?: { status?: string; acquiring_payments?: HookRecord['payments'] } };
      const seen = processed.get(e.id);
      return {
        id: e.id,
        type: e.type,
        delivery: e.status,
        responseStatus: e.last_response_status,
        sessionStatus: payload.session?.status,
        payments: payload.session?.acquiring_payments ?? [],
        verifiedByStore: seen?.type === e.type,
      };
    });
  }

  return {
    url,
    dataDir,
    server,
    logs,
    hooks,
    /** The order as the demo store's own database holds it. */
    order: (orderId: string) => orderRow.get(orderId) ?? null,

    /** Waits until `done` holds for the session's webhook records; throws with what there was otherwise. */
    async waitForHooks(sessionId: string, done: (hooks: HookRecord[]) => boolean, what: string, timeoutMs = 10_000): Promise<HookRecord[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mine = await hooks(sessionId);
        if (done(mine)) return mine;
        if (Date.now() > deadline) {
          throw new Error(
            `${what}: not within ${timeoutMs} ms. Webhooks of ${sessionId}: ${JSON.stringify(mine.map((h) => [h.type, h.sessionStatus, h.delivery, h.responseStatus, h.verifiedByStore ? 'verified' : 'not verified']))}; store log: ${JSON.stringify(logs.slice(-8))}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },

    /** Acts as the customer's bank: `POST /sandbox/payments/:id/approve`. */
    async approve(paymentId: string): Promise<void> {
      const res = await fetch(`${url}/sandbox/payments/${encodeURIComponent(paymentId)}/approve`, { method: 'POST' });
      if (!res.ok) throw new Error(`approve ${paymentId} answered ${res.status}: ${await res.text()}`);
    },

    /** The session as the widget sees it (the public API). */
    async publicView(token: string): Promise<any> {
      const res = await fetch(`${url}/public/v1/sessions/${encodeURIComponent(token)}`);
      return res.json();
    },

    async close() {
      await new Promise<void>((resolve) => {
        (http as HttpServer).close(() => resolve());
        (http as HttpServer).closeAllConnections(); // the widget's long-polls would hold the close
      });
      ordersDb.close();
      await server!.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
