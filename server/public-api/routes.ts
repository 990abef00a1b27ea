/**
 * The public API for the widget, the card iframe and hosted pages. Authorised by the session's
 * public token, which sits in the path so that a CORS preflight (which carries no credentials)
 * can already be checked against the project's allowed origins.
 */
import { Hono, type Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { z } from 'zod';
import { ApiError, badRequest } from '../errors';
import { newId } from '../ids';
import type { Clock } from '../clock';
import type { Acquirer } from '../sandbox/acquirer';
import { BANKS } from '../sandbox/banks';
import { validateCard } from '../sandbox/cards';
import { bankDeepLinks } from '../sandbox/fps';
import type { SessionNotifier } from '../sessions/notifier';
import { publicTokenHash, type SessionService } from '../sessions/service';
import type { Store } from '../store/store';
import type { Project } from '../store/project-repo';
import type { PaymentRow, SessionData, SessionRow } from '../store/session-repo';
import { iso } from '../clock';
import { ViewCache, VIEW_TTL_MS, type CachedView } from './view-cache';
import { validationError } from '../http/validation';
import { phoneSchema } from '../merchant-api/schemas';
import { consentOf, sessionView } from './view';

export type PublicDeps = {
  store: Store;
  clock: Clock;
  sessions: SessionService;
  acquirer: Acquirer;
  notifier: SessionNotifier;
  publicUrl: string;
};

/** Longest long-poll a client may ask for; below common proxy idle timeouts (60 s). */
export const MAX_WAIT_SECONDS = 30;

const consentField = { consent: z.boolean().optional() };
const startBody = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('card'), card_token: z.string().regex(/^tok_[0-9a-z]{20}$/), ...consentField }),
  z.strictObject({ method: z.literal('saved_card'), ...consentField }),
  z.strictObject({ method: z.literal('fps'), ...consentField }),
  z.strictObject({ method: z.literal('sberpay'), channel: z.enum(['app', 'mobile_web', 'web']), phone: phoneSchema.optional(), ...consentField }),
]);

const cardBody = z.strictObject({
  number: z.string().max(40),
  expiry_month: z.number().int(),
  expiry_year: z.number().int(),
  cvc: z.string().max(8),
  holder: z.string().max(128).nullable().optional(),
});

type Vars = { Variables: { sessionId: string; project: Project } };

export function publicApi(d: PublicDeps) {
  const api = new Hono<Vars>();
  const cache = new ViewCache();
  d.notifier.subscribe((sessionId) => cache.invalidate(sessionId));

  api.get('/public/v1/banks', (c) => {
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.json({ banks: BANKS.map((b) => ({ id: b.id, name: b.name, logo_url: b.logoUrl, schema: b.schema, package: b.package })) });
  });

  const byToken = createMiddleware<Vars>(async (c, next) => {
    const hash = publicTokenHash(c.req.param('token')!);
    let found = cache.token(hash);
    if (!found) {
      const row = d.store.sessions.byPublicToken(hash);
      if (row) cache.rememberToken(hash, (found = { sessionId: row.id, project: row.project }));
    }
    if (!found) throw new ApiError(404, 'not_found', 'this payment token is unknown: ask the shop for a new payment page');
    const project = d.store.projects.get(found.project)!;
    const origin = c.req.header('origin');
    if (origin) {
      if (!originAllowed(origin, project, d.publicUrl)) {
        throw new ApiError(403, 'origin_not_allowed', `origin ${origin} may not use this session: the merchant must add it with \`npm run cli -- project update ${project.name} --origin ${origin}\``);
      }
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
    }
    if (c.req.method === 'OPTIONS') {
      c.header('Access-Control-Allow-Methods', 'GET, POST');
      c.header('Access-Control-Allow-Headers', 'Content-Type');
      c.header('Access-Control-Max-Age', '600');
      return c.body(null, 204);
    }
    c.set('sessionId', found.sessionId);
    c.set('project', project);
    await next();
  });
  api.use('/public/v1/sessions/:token', byToken);
  api.use('/public/v1/sessions/:token/*', byToken);

  /** The session's view, from the cache or rendered (applying any passed deadline first). */
  const viewOf = (project: Project, sessionId: string): CachedView => {
    const now = d.clock.now();
    const hit = cache.view(sessionId, now);
    if (hit) return hit;
    const row = d.sessions.load(project, sessionId);
    const view = sessionView(row, d.sessions, d.store.cards, d.acquirer);
    const open = row.status === 'created' || row.status === 'in_progress';
    const entry = { version: row.version, open, json: JSON.stringify(view), validUntil: Math.min(now + VIEW_TTL_MS, nextDeadline(row, d.sessions.activePayment(row.id))) };
    cache.rememberView(sessionId, entry);
    return entry;
  };
  /** The view as JSON with the server's time: the widget counts down on the server's clock. */
  const reply = (c: Context<Vars>, v: CachedView) => {
    c.header('Cache-Control', 'no-store');
    c.header('Content-Type', 'application/json');
    return c.body(`${v.json.slice(0, -1)},"server_time":"${iso(d.clock.now())}"}`);
  };
  /** Runs a customer action in a group commit, after applying the session's passed deadlines. */
  const act = (c: Context<Vars>, action: () => unknown) =>
    d.store.commitThen(() => d.sessions.settleById(c.get('sessionId')), action);

  /** The view; with `version=N&wait=S`, waits up to S seconds for a version newer than N. */
  api.get('/public/v1/sessions/:token', async (c) => {
    const project = c.get('project');
    const sessionId = c.get('sessionId');
    let v = viewOf(project, sessionId);
    const since = Number(c.req.query('version') ?? NaN);
    const waitSeconds = Math.min(Math.max(Number(c.req.query('wait') ?? 0) || 0, 0), MAX_WAIT_SECONDS);
    if (Number.isInteger(since) && v.version <= since && waitSeconds > 0 && v.open) {
      // Wake at the next deadline too, so an expiry reaches the page without waiting for the scheduler.
      const untilDeadline = Math.max(0, v.validUntil - d.clock.now());
      await d.notifier.wait(sessionId, Math.min(waitSeconds * 1000, untilDeadline + 50), c.req.raw.signal);
      v = viewOf(project, sessionId);
    }
    return reply(c, v);
  });

  api.post('/public/v1/sessions/:token/payments', async (c) => {
    const body = parse(startBody, await jsonBody(c.req.raw));
    const project = c.get('project');
    const sessionId = c.get('sessionId');
    const details =
      body.method === 'card' ? { type: 'card' as const, card: { token: body.card_token } }
      : body.method === 'saved_card' ? { type: 'saved_card' as const }
      : body.method === 'fps' ? { type: 'faster_payment_system' as const }
      : { type: 'internet_banking' as const, internet_banking: { type: 'sber_pay' as const, sber_pay: { channel: body.channel, ...(body.phone ? { phone: body.phone } : {}) } } };
    await act(c, () => {
      const consent = consentOf(JSON.parse(d.sessions.load(project, sessionId).data_json) as SessionData);
      if (consent && body.consent !== true) {
        throw badRequest('consent', 'the customer must accept the offer first: tick the consent box, then pay');
      }
      d.sessions.startPayment(project, sessionId, { payment_details: details, consentedAt: consent ? d.clock.now() : undefined }, { supersede: true });
    });
    return reply(c, viewOf(project, sessionId));
  });

  /** Tokenises a card for this session's project. The body is never logged or stored. */
  api.post('/public/v1/sessions/:token/cards', async (c) => {
    const body = parse(cardBody, await jsonBody(c.req.raw), 'card.');
    const checked = validateCard(body, d.clock.now());
    if (!checked.ok) throw badRequest(checked.field, checked.message);
    const id = newId('tok');
    const card = checked.card;
    const row = { id, project: c.get('project').name, session_id: c.get('sessionId'), ...card, recurrent: 0, used_at: null, disabled_at: null, created_at: d.clock.now() };
    await d.store.groupCommit(() => d.store.cards.insert(row));
    return c.json({ token: id, brand: card.brand, last4: card.last4, expiry_month: card.expiry_month, expiry_year: card.expiry_year });
  });

  api.post('/public/v1/sessions/:token/sberpay/push', async (c) => {
    const body = parse(z.strictObject({ phone: phoneSchema }), await jsonBody(c.req.raw));
    await act(c, () => d.sessions.sendSberPayPush(c.get('project'), c.get('sessionId'), body.phone));
    return c.json({ status: 'ok' });
  });

  api.post('/public/v1/sessions/:token/renew', async (c) => {
    await act(c, () => d.sessions.renewCustomerAction(c.get('project'), c.get('sessionId')));
    return reply(c, viewOf(c.get('project'), c.get('sessionId')));
  });

  /** The FPS banks with deep links that open the current QR in each bank's app. */
  api.get('/public/v1/sessions/:token/banks', (c) => {
    const payment = d.sessions.activePayment(c.get('sessionId'));
    const link = payment?.method === 'fps' ? d.acquirer.interaction(payment)?.redirect.url : undefined;
    if (!link) throw new ApiError(409, 'invalid_state', 'no FPS payment is waiting: start one with method fps first');
    return c.json({
      link,
      banks: BANKS.map((b) => {
        const links = bankDeepLinks(link, b);
        return { id: b.id, name: b.name, logo_url: b.logoUrl, ios_url: links.ios, android_url: links.android };
      }),
    });
  });

  return api;
}


/** When the session's view can next change by itself: its next deadline. */
function nextDeadline(row: SessionRow, payment: PaymentRow | null): number {
  const candidates = [row.status === 'created' ? row.expires_at : Infinity, payment?.action_expires_at ?? Infinity, payment?.confirm_expires_at ?? Infinity];
  return Math.min(...candidates);
}

function originAllowed(origin: string, project: Project, publicUrl: string): boolean {
  return origin === new URL(publicUrl).origin || project.origins.includes(origin);
}

async function jsonBody(req: Request): Promise<unknown> {
  try {
    return await req.json();
  } catch {
    throw new ApiError(400, 'invalid_json', 'the body is not valid JSON: send one JSON object', 'body');
  }
}

function parse<T>(schema: z.ZodType<T>, input: unknown, prefix = ''): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const error = validationError(result.error, input);
  throw new ApiError(400, 'invalid_request', `${prefix}${error.message}`, `${prefix}${error.field ?? ''}`);
}
