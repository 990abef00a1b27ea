/**
 * The developer console at `/console`: a live page over JSON endpoints (`/console/api/*`) that
 * read the server's store. The refund action runs through the server's SessionService, the same
 * transition the merchant API's `session/refund` runs (with its webhook): the console is the
 * operator's tool, and the operator holds no merchant's private key to sign with.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { Storage } from '../../server/store/port';
import type { PaymentRails } from '../../server/sessions/rail-calls';
import type { SessionService } from '../../server/sessions/service';
import type { WebhookSender } from '../../server/webhooks/sender';
import { ApiError } from '../../server/errors';
import { StateConflict } from '../../server/domain/session-machine';
import { CONSOLE_PAGE_CSP } from '../csp';
import { DEMO_DIST, serveFile } from '../static-files';
import { consoleGate, hostAllowed } from './gate';
import { ConsoleReadModel } from './read-model';
import { consolePage } from './shell';

export type ConsoleOptions = {
  store: Storage;
  sessions: Pick<SessionService, 'refund' | 'act'>;
  /** Waits for the rail's answer to a refund, so the console shows it (absent: the refund shows pending). */
  rails?: Pick<PaymentRails, 'settled'>;
  /** Lets the console replay a failed webhook; without it the button is not shown. */
  sender?: Pick<WebhookSender, 'replay'>;
  publicUrl: string;
  /** Read for SG_CONSOLE (default process.env). */
  env?: Record<string, string | undefined>;
  /** Where the built page script is (default dist/demo). */
  distDir?: string;
};

const refundBody = z.strictObject({ amount: z.number().int().positive().optional() });

export function developerConsole(options: ConsoleOptions) {
  const gate = consoleGate(options.publicUrl, options.env ?? process.env);
  const app = new Hono();
  const off: MiddlewareHandler = async (c, next) => {
    if (!gate.enabled) return c.text(`Not found: ${gate.reason}.`, 404);
    if (!hostAllowed(gate, c.req.url)) return c.text('Not found: the developer console answers only on localhost or 127.0.0.1.', 404);
    return next();
  };
  app.use('/console', off);
  app.use('/console/*', off);
  if (!gate.enabled) return app;

  const read = new ConsoleReadModel(options.store, options.publicUrl);
  app.get('/console', (c) => {
    c.header('Content-Security-Policy', CONSOLE_PAGE_CSP);
    return c.html(consolePage({ replay: !!options.sender }));
  });
  serveFile(app, '/console/console.css', fileURLToPath(new URL('./console.css', import.meta.url)), 'css');
  serveFile(app, '/console/console-page.js', join(options.distDir ?? DEMO_DIST, 'console-page.js'), 'js');

  app.use('/console/api/*', async (c, next) => {
    c.header('Cache-Control', 'no-store');
    if (c.req.method === 'POST' && !sameOrigin(c.req.raw)) return c.json(error('forbidden', 'the console accepts actions only from its own page'), 403);
    return next();
  });
  app.get('/console/api/sessions', async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 50) || 50, 1), 200);
    return c.json({ server_time: new Date().toISOString(), sessions: await read.sessions(limit, c.req.query('project') || undefined) });
  });
  app.get('/console/api/sessions/:id', async (c) => {
    const detail = await read.session(c.req.param('id'));
    return detail ? c.json(detail) : c.json(error('not_found', `session ${c.req.param('id')} does not exist`), 404);
  });
  app.get('/console/api/subscriptions', async (c) => {
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 50) || 50, 1), 200);
    return c.json({ subscriptions: await read.subscriptions(limit, c.req.query('project') || undefined) });
  });
  app.get('/console/api/links', async (c) => c.json({ links: await read.links() }));
  app.get('/console/api/projects', async (c) => c.json({ projects: await read.projects() }));

  app.post('/console/api/sessions/:id/refund', async (c) => {
    const parsed = refundBody.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json(error('invalid_request', 'send {"amount": <kopecks>} for a partial refund, or {} for all that is left'), 400);
    const row = await options.store.sessions.get(c.req.param('id'));
    const project = row && (await options.store.projects.get(row.project));
    if (!row || !project) return c.json(error('not_found', `session ${c.req.param('id')} does not exist`), 404);
    try {
      await options.sessions.act(row.id, (tx) => options.sessions.refund(tx, project, row.id, parsed.data.amount, undefined));
      await options.rails?.settled(row.id);
    } catch (err) {
      if (err instanceof ApiError) return c.json(err.toBody(), err.status);
      if (err instanceof StateConflict) return c.json(error('invalid_state', err.message), 409);
      throw err;
    }
    return c.json({ status: 'ok', session: await read.session(row.id) });
  });

  app.post('/console/api/webhooks/:id/replay', async (c) => {
    const event = await options.store.outbox.get(c.req.param('id'));
    if (!options.sender || !event) return c.json(error('not_found', `webhook event ${c.req.param('id')} does not exist`), 404);
    const replayed = await options.sender.replay(event.project, event.id);
    if (!replayed) return c.json(error('invalid_state', `webhook event ${event.id} is ${event.status}: only failed events are replayed`), 409);
    return c.json({ status: 'ok' });
  });

  return app;
}

const error = (code: string, description: string) => ({ status: 'error', error: { code, description } });

/**
 * Actions must come from the console's own page: a JSON body (which a cross-site form cannot
 * send without a CORS preflight, never granted here) and, when the browser says, the same origin.
 */
function sameOrigin(req: Request): boolean {
  if (!/^application\/json\b/i.test(req.headers.get('content-type') ?? '')) return false;
  const site = req.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin') return false;
  // Every browser sends Origin with a POST; a request without one is no page of ours (a script, a form from a tool).
  return req.headers.get('origin') === new URL(req.url).origin;
}
