/**
 * The payment-link end-to-end stack: the e2e stack of harness.ts (the real server over HTTP on
 * 127.0.0.1, PUBLIC_URL equal to its URL, a temp DATA_DIR, a webhook receiver that verifies with
 * `standardwebhooks` and the project's secret), plus what a payment link talks to:
 * - the "channel" (the link's return_url): a page on another origin (http://localhost:<port>)
 *   that records every visit, so the forward back to the chat can be observed;
 * - the merchant's order-check endpoint: verifies each request's signature with the project's
 *   webhook secret and answers what the test asks for;
 * and a Telegram Mini App `initData` built by Telegram's documented algorithm, computed here
 * independently of the server's code.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { linkCommand } from '../../server/cli/link';
import { PROJECT, listen, readBody, startStack } from './harness';

export type LinkStack = Awaited<ReturnType<typeof startLinkStack>>;

/** One request the order-check endpoint received. */
export type OrderCheckCall = { verified: boolean; error?: string; body: any };

/** What a merchant gives the account manager (the JSON of `link create --file`). */
export type LinkSpec = Record<string, unknown>;


/**
 * Telegram's documented Mini App algorithm: data_check_string = the fields but `hash`, `key=value`
 * sorted by key and joined by "\n"; secret = HMAC-SHA256(key "WebAppData", bot token);
 * hash = hex HMAC-SHA256(key secret, data_check_string). Returns the query string the Mini App's
 * `Telegram.WebApp.initData` holds.
 */
export function telegramInitData(botToken: string, user: Record<string, unknown>, authDate = Math.floor(Date.now() / 1000)): string {
  const fields: [string, string][] = [
    ['query_id', 'AAHdF6IQAAAAAN0XohDhrOrc'],
    ['user', JSON.stringify(user)],
    ['auth_date', String(authDate)],
  ];
  const dataCheckString = [...fields]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
  const secret = createHmac('sha256', 'WebAppData').update(botToken).digest();
  const hash = createHmac('sha256', secret).update(dataCheckString).digest('hex');
  return new URLSearchParams([...fields, ['hash', hash]]).toString();
}

export async function startLinkStack() {
  const stack = await startStack();
  const dataDir = mkdtempSync(join(tmpdir(), 'sg-link-e2e-'));
  const webhookSecret = (await stack.server.store.projects.get(PROJECT))!.webhookSecret;

  // The channel the customer came from (the link's return_url), on another origin than the API.
  const channelVisits: string[] = [];
  const channel = createHttpServer((req, res) => {
    channelVisits.push(req.url ?? '/');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end('<!doctype html><html><head><meta charset="utf-8"><title>Duck shop channel</title></head><body><h1>Duck shop channel</h1></body></html>');
  });
  const channelOrigin = `http://localhost:${await listen(channel, '127.0.0.1')}`;

  // The merchant's order check: verified like a webhook, answered as the test says.
  const orderChecks: OrderCheckCall[] = [];
  let orderAnswer: unknown = { ok: true };
  const checker = createHttpServer(async (req, res) => {
    const raw = await readBody(req);
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
    try {
      const body = new Webhook(webhookSecret).verify(raw, headers);
      orderChecks.push({ verified: true, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(orderAnswer));
    } catch (error) {
      orderChecks.push({ verified: false, error: error instanceof Error ? error.message : String(error), body: raw });
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"ok":false,"error_message":"bad signature"}');
    }
  });
  const orderCheckUrl = `http://127.0.0.1:${await listen(checker, '127.0.0.1')}/order-check`;

  return {
    ...stack,
    channelOrigin,
    channelVisits,
    orderChecks,
    orderCheckUrl,
    /** What the order-check endpoint answers from now on. */
    answerOrderChecks(answer: unknown) {
      orderAnswer = answer;
    },

    /** `npm run cli -- link create --project … --file link.json`, run through the CLI's own command. */
    async createLinkWithCli(spec: LinkSpec): Promise<{ id: string; url: string }> {
      const file = join(dataDir, `link-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(spec));
      const previous = process.env.PUBLIC_URL;
      process.env.PUBLIC_URL = stack.apiUrl; // as the account manager's shell would have it
      try {
        return (await linkCommand(stack.server.store, ['create', '--project', PROJECT, '--file', file])) as { id: string; url: string };
      } finally {
        if (previous === undefined) delete process.env.PUBLIC_URL;
        else process.env.PUBLIC_URL = previous;
      }
    },

    /** The signed merchant API's `link/create`. */
    async createLinkWithApi(spec: LinkSpec): Promise<{ id: string; url: string }> {
      const { link } = await stack.call('link/create', spec);
      return { id: link.id, url: link.url };
    },

    /** The session as the merchant reads it (`session/status`). */
    async sessionStatus(sessionId: string): Promise<any> {
      return (await stack.call('session/status', { session_id: sessionId })).session;
    },

    /** How many sessions the project has (the store's own list). */
    async sessionCount(): Promise<number> {
      return (await stack.server.store.sessions.newest(PROJECT, 100_000)).length;
    },

    async close() {
      const closing = (s: HttpServer) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      await Promise.all([closing(channel), closing(checker)]);
      await stack.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
