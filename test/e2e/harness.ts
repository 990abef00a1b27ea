/**
 * The end-to-end stack: the real server over HTTP on 127.0.0.1 (temp DATA_DIR, PUBLIC_URL equal
 * to its own URL), a merchant page served from another origin (http://localhost:<port>) that holds
 * only the script tag and the element, and a webhook receiver that verifies each delivery with
 * the `standardwebhooks` package. The project is registered through the CLI's own command.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { createServer, type Server } from '../../server/app';
import { projectCommand } from '../../server/cli/project';
import { newKeyPair, signBody } from '../server/helpers';
import { newContext, shoot, waitForEvent, type Device } from './browser';

export const PROJECT = 'e2e-shop';

export type ReceivedHook = {
  id: string;
  verified: boolean;
  error?: string;
  type?: string;
  session?: { id: string; status: string; acquiring_payments?: { id: string; status: string }[] };
};

/** `module`: include the script as `<script type="module">`, as some merchants do. */
export type MerchantPage = { token: string; locale?: string; layout?: string; module?: boolean };

export type Stack = Awaited<ReturnType<typeof startStack>>;

/** Listens on a free port of `host`; resolves with the port. */
export const listen = (server: HttpServer, host: string) =>
  new Promise<number>((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));

export const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The merchant's page: the script tag, the element, and a recorder of the element's events. */
export function merchantHtml(apiUrl: string, page: MerchantPage): string {
  const attrs = [`token="${escapeAttr(page.token)}"`];
  if (page.locale) attrs.push(`locale="${escapeAttr(page.locale)}"`);
  if (page.layout) attrs.push(`layout="${escapeAttr(page.layout)}"`);
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Shop</title>
<script>
window.events = [];
for (const type of ['sg-ready', 'sg-status', 'sg-success', 'sg-fail', 'sg-error'])
  document.addEventListener(type, (e) => window.events.push({ type, detail: e.detail, at: Date.now() }));
</script>
</head><body>
<script ${page.module ? 'type="module" ' : ''}src="${apiUrl}/widget/sg-checkout.js"></script>
<sg-checkout ${attrs.join(' ')}></sg-checkout>
</body></html>`;
}

export async function startStack() {
  const dataDir = mkdtempSync(join(tmpdir(), 'sg-e2e-'));
  const hooks: ReceivedHook[] = [];
  let webhookSecret = '';

  // The webhook receiver: verifies each delivery as a merchant's backend would.
  const receiver = createHttpServer(async (req, res) => {
    const body = await readBody(req);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
    const id = headers['webhook-id'] ?? '';
    try {
      const payload = new Webhook(webhookSecret).verify(body, headers) as { type: string; session: ReceivedHook['session'] };
      hooks.push({ id, verified: true, type: payload.type, session: payload.session });
      res.writeHead(204).end();
    } catch (error) {
      hooks.push({ id, verified: false, error: error instanceof Error ? error.message : String(error) });
      res.writeHead(400).end();
    }
  });
  const receiverPort = await listen(receiver, '127.0.0.1');
  const webhookUrl = `http://127.0.0.1:${receiverPort}/hooks`;

  // The merchant's page, on another origin than the API (localhost vs 127.0.0.1).
  let apiUrl = '';
  const pages = new Map<string, MerchantPage>();
  const merchant = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const page = pages.get(url.pathname);
    if (!page) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(merchantHtml(apiUrl, page));
  });
  const merchantPort = await listen(merchant, '127.0.0.1');
  const merchantOrigin = `http://localhost:${merchantPort}`;

  // The API: listen first (port 0), then build the server with PUBLIC_URL equal to its URL.
  let server: Server | undefined;
  const http = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: (req, env) => server!.app.fetch(req, env), port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  apiUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  server = createServer({ dbFile: join(dataDir, 'sg-checkout.sqlite'), publicUrl: apiUrl, webhookTimeoutMs: 5_000 });
  server.start();

  // The project, registered by the CLI's own command (as `npm run cli -- project add` does).
  const keys = newKeyPair();
  const pemFile = join(dataDir, 'public.pem');
  writeFileSync(pemFile, keys.publicKey);
  const added = (await projectCommand(server.store, ['add', '--name', PROJECT, '--display-name', 'Утиная лавка', '--public-key', pemFile, '--webhook-url', webhookUrl, '--origin', merchantOrigin])) as {
    webhook_secret: string;
  };
  webhookSecret = added.webhook_secret;

  /** A signed merchant API call over HTTP. */
  async function call(method: string, body: unknown): Promise<any> {
    const raw = JSON.stringify(body);
    const res = await fetch(`${apiUrl}/api/v1/${method}`, {
      method: 'POST',
      body: raw,
      headers: { 'content-type': 'application/json', 'x-partner-project': PROJECT, 'x-partner-sign': signBody(keys.privateKey, raw) },
    });
    const json = (await res.json()) as any;
    if (!res.ok || json.status !== 'ok') throw new Error(`${method} answered ${res.status}: ${JSON.stringify(json)}`);
    return json;
  }

  let pageCount = 0;
  return {
    apiUrl,
    merchantOrigin,
    webhookUrl,
    server,
    hooks,
    call,

    /** A subscription as subscription/get answers it. */
    subscription: async (id: string) => (await call('subscription/get', { id })).subscription,
    /** How many verified webhooks of `type` the merchant received (this stack's sessions and subscriptions together). */
    verifiedHooks: (type: string) => hooks.filter((h) => h.verified && h.type === type).length,
    /** Moves the sandbox's test clock forward (`30d`, `1mo`, …), as the console does. */
    async advanceClock(by: string) {
      const moved = await fetch(`${apiUrl}/sandbox/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by }) });
      if (moved.status !== 200) throw new Error(`the test clock did not move: ${moved.status} ${await moved.text()}`);
    },

    /** What the session's latest payment shows the customer: the link its QR, deep links or page carry. */
    async customerLink(sessionId: string): Promise<string> {
      return (await call('session/status', { session_id: sessionId })).session.acquiring_payments.at(-1).customer_interaction.redirect.url as string;
    },

    /**
     * The customer's bank answers an FPS link as its app would: the sandbox bank page in a new tab of
     * `page`'s browser (the bank the customer's app is, by its FPS member id, when `bank` is given),
     * screenshot `shot`, `button` pressed, its answer awaited. Returns what the page said before the press.
     */
    async answerAtBank(page: Page, link: string, opts: { bank?: string; button: string; shot: string }): Promise<string> {
      const app = await page.context().newPage();
      await app.goto(`${apiUrl}/sandbox/bank?link=${encodeURIComponent(link)}${opts.bank ? `&bank=${opts.bank}` : ''}`);
      const said = await app.locator('body').innerText();
      await shoot(app, opts.shot);
      await app.getByRole('button', { name: opts.button, exact: true }).click();
      await app.getByRole('status').waitFor();
      await app.close();
      return said;
    },

    /** A session through the signed merchant API and its public token. */
    async createSession(opts: { amount?: number; customer?: string; description?: string } = {}) {
      const created = await call('session/create', {
        amount_details: { amount: opts.amount ?? 125_000, currency: 'RUB' },
        ...(opts.description ? { description: opts.description } : {}),
        ...(opts.customer ? { customer: { reference: opts.customer } } : {}),
      });
      const token = await call('token', { session_id: created.session.id });
      return { id: created.session.id as string, token: token.public_token as string };
    },

    /** A merchant page with the checkout of `token` open and ready in `browser`, on `device` in `locale`; its page errors collected. */
    async openCheckout(browser: Browser, token: string, device: Device, locale = 'ru-RU') {
      const context = await newContext(browser, device, locale);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(this.merchantPage({ token }));
      await waitForEvent(page, 'sg-ready');
      return { context, page, widget: page.locator('sg-checkout'), errors };
    },

    /** Publishes a merchant page for this token; returns its URL (another origin than the API). */
    merchantPage(page: MerchantPage): string {
      const path = `/checkout/${++pageCount}`;
      pages.set(path, page);
      return `${merchantOrigin}${path}`;
    },

    /** The session as the widget sees it (the public API, no Origin: as the server itself would read it). */
    async publicView(token: string): Promise<any> {
      const res = await fetch(`${apiUrl}/public/v1/sessions/${encodeURIComponent(token)}`);
      return res.json();
    },

    /** Pays by card through the public API, as the card iframe and the widget would; returns the view. */
    async payByCardApi(token: string, pan: string): Promise<any> {
      const base = `${apiUrl}/public/v1/sessions/${encodeURIComponent(token)}`;
      const post = async (path: string, body: unknown) => {
        const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const json = (await res.json()) as any;
        if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(json)}`);
        return json;
      };
      const card = await post('/cards', { number: pan, expiry_month: 12, expiry_year: new Date().getUTCFullYear() + 3, cvc: '123' });
      return post('/payments', { method: 'card', card_token: card.token, remember_card: true });
    },

    /** Acts as the customer's bank: `POST /sandbox/payments/:id/approve`. */
    async approve(paymentId: string) {
      const res = await fetch(`${apiUrl}/sandbox/payments/${paymentId}/approve`, { method: 'POST' });
      const json = (await res.json()) as any;
      if (!res.ok) throw new Error(`approve ${paymentId} answered ${res.status}: ${JSON.stringify(json)}`);
      return json;
    },

    /** Waits for verified webhooks of a session until `done` holds for them; throws with what arrived otherwise. */
    async waitForHooks(sessionId: string, done: (hooks: ReceivedHook[]) => boolean, timeoutMs = 10_000): Promise<ReceivedHook[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mine = hooks.filter((h) => h.verified && h.session?.id === sessionId);
        if (done(mine)) return mine;
        if (Date.now() > deadline) {
          throw new Error(`webhooks of ${sessionId} after ${timeoutMs} ms: ${JSON.stringify(mine.map((h) => [h.type, h.session?.status]))}; unverified: ${hooks.filter((h) => !h.verified).length}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },

    async close() {
      const closing = (s: HttpServer) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections(); // long-polls would otherwise hold the close for up to 25 s
      });
      await Promise.all([closing(http as HttpServer), closing(merchant), closing(receiver)]);
      await server!.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
