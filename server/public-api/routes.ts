/**
 * The public API for the widget, the card iframe and hosted pages. Authorised by the session's
 * public token, which sits in the path so that a CORS preflight (which carries no credentials)
 * can already be checked against the project's allowed origins.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { ApiError, badRequest } from '../errors';
import { newSecretId } from '../ids';
import type { Clock } from '../clock';
import { BANKS } from '../sandbox/banks';
import { CARD_BRANDS, validateCard } from '../cards/card-rules';
import { cardScenario } from '../sandbox/cards';
import type { PaymentRails } from '../sessions/rail-calls';
import { interactionOf } from '../sessions/render';
import { bankDeepLinks } from '../sandbox/fps';
import { bankLogoPath } from '../pages/bank-logos';
import type { SessionNotifier, Watch } from '../sessions/notifier';
import { vouchedCustomer } from '../sessions/cards';
import { publicTokenHash, type SessionService } from '../sessions/service';
import type { Storage, Tx } from '../store/port';
import type { Project } from '../store/rows';
import type { PaymentRow, SessionData, SessionRow } from '../store/rows';
import { iso } from '../clock';
import { ViewCache, VIEW_TTL_MS, type CachedView } from './view-cache';
import { validationError } from '../http/validation';
import { PUBLIC_BODY_LIMIT_BYTES, readJson, requireJson } from '../http/body';
import type { RateLimiter } from '../http/rate-limits';
import { clientAddress } from '../http/client-address';
import { hstsHeader } from '../http/security-headers';
import { cardToken, phoneSchema } from '../merchant-api/schemas';
import { consentOf, keepingMethods, sessionView, type CardFormKind } from './view';
import { checkOrder, type OrderCheckDeps } from '../links/order-check';
import { bindsWithoutPaying } from '../sessions/bindings';

export type PublicDeps = {
  store: Storage;
  clock: Clock;
  sessions: SessionService;
  rails: PaymentRails;
  /** The sandbox rail: views say so, and this server tokenises the (test) cards. Otherwise the rail's own card form does, and no card number reaches this server. */
  sandbox: boolean;
  /** Who tokenises the cards (see CardFormKind). */
  cardForm: CardFormKind;
  /** The rail binds FPS accounts, so a recurrent session may be paid by FPS too. */
  bindsFps: boolean;
  notifier: SessionNotifier;
  publicUrl: string;
  orderCheck: OrderCheckDeps;
  limiter: RateLimiter;
  /** Whether X-Forwarded-For names the client (behind a reverse proxy). */
  trustProxy: boolean;
};

/** Longest long-poll a client may ask for; below common proxy idle timeouts (60 s). */
export const MAX_WAIT_SECONDS = 30;

// recurrent_consent: the customer agreed to the shop's later charges (required where the view says recurrent).
const consentField = { consent: z.boolean().optional(), recurrent_consent: z.boolean().optional() };
/**
 * The card as the rail's card form showed it to the customer (`acquirer` card forms only): shown
 * back to them and to the merchant. Only the rail knows the card behind the token, and it decides
 * the payment; these say which card the customer typed, never more.
 */
const railCard = z.strictObject({
  brand: z.enum(CARD_BRANDS),
  last4: z.string().regex(/^\d{4}$/, { message: 'must be the last four digits' }),
  expiry_month: z.number().int().min(1).max(12),
  expiry_year: z.number().int().min(2000).max(2100),
});
/** The request bodies of the public POSTs, exported for the API reference (public-api/docs.ts). */
export const startBody = z.discriminatedUnion(
  'method',
  [
    // remember_card: the customer ticked "remember this card" (kept only for a vouched customer).
    // card: required when the rail's card form made the token (view.card_form = acquirer).
    z.strictObject({ method: z.literal('card'), card_token: cardToken, card: railCard.optional(), remember_card: z.boolean().optional(), ...consentField }),
    z.strictObject({ method: z.literal('saved_card'), ...consentField }),
    z.strictObject({ method: z.literal('fps'), ...consentField }),
    z.strictObject({ method: z.literal('sberpay'), channel: z.enum(['app', 'mobile_web', 'web']), phone: phoneSchema.optional(), ...consentField }),
  ],
  { message: 'method must be one of card, saved_card, fps, sberpay' },
);

export const cardBody = z.strictObject({
  number: z.string().max(40),
  expiry_month: z.number().int(),
  expiry_year: z.number().int(),
  cvc: z.string().max(8),
  holder: z.string().max(128).nullable().optional(),
});

export const sberPayPushBody = z.strictObject({ phone: phoneSchema });

type Vars = { Variables: { corsOrigin?: string } };
type Authorized = { sessionId: string; project: Project };

export function publicApi(d: PublicDeps) {
  const api = new Hono<Vars>();
  const cache = new ViewCache();
  /** A bank's logo on this server: pages with a strict img-src and no network still show it. */
  const logoUrl = (bankId: string) => `${d.publicUrl}${bankLogoPath(bankId)}`;
  d.notifier.subscribe((sessionId) => cache.invalidate(sessionId));

  api.get('/public/v1/banks', (c) => {
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Cache-Control', 'public, max-age=3600');
    return c.json({ banks: BANKS.map((b) => ({ id: b.id, name: b.name, logo_url: logoUrl(b.id), schema: b.schema, package: b.package })) });
  });

  /**
   * Resolves the token to its session and checks the caller's origin against the project's,
   * setting the CORS headers. Called first by each handler rather than as a middleware: each
   * layer of middleware is another promise on the widgets' hot path. With the token and its
   * project in memory (every poll after the first) it answers at once, without a promise.
   */
  const authorize = (c: Context<Vars>): Authorized | Promise<Authorized> => {
    const token = c.req.param('token')!;
    const found = cache.token(token);
    const project = found && d.store.projects.peek(found.project);
    return found && project ? admit(c, found.sessionId, project) : lookUp(c, token);
  };
  const lookUp = async (c: Context<Vars>, token: string): Promise<Authorized> => {
    let found = cache.token(token);
    if (!found) {
      const row = await d.store.sessions.byPublicToken(publicTokenHash(token));
      if (row) cache.rememberToken(token, (found = { sessionId: row.id, project: row.project }));
    }
    if (!found) throw new ApiError(404, 'not_found', 'this payment token is unknown: ask the shop for a new payment page');
    return admit(c, found.sessionId, (await d.store.projects.get(found.project))!);
  };
  const admit = (c: Context<Vars>, sessionId: string, project: Project): Authorized => {
    const origin = requestHeader(c, 'origin');
    if (origin) {
      if (!originAllowed(origin, project, d.publicUrl)) {
        throw new ApiError(403, 'origin_not_allowed', `origin ${origin} may not use this session: the merchant must add it with \`npm run cli -- project update ${project.name} --origin ${origin}\``);
      }
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Vary', 'Origin');
      c.set('corsOrigin', origin);
    }
    return { sessionId, project };
  };
  const preflight = async (c: Context<Vars>) => {
    await authorize(c);
    c.header('Access-Control-Allow-Methods', 'GET, POST');
    c.header('Access-Control-Allow-Headers', 'Content-Type');
    c.header('Access-Control-Max-Age', '600');
    return c.body(null, 204);
  };
  api.options('/public/v1/sessions/:token', preflight);
  api.options('/public/v1/sessions/:token/*', preflight);

  /**
   * The session's view, from the cache or rendered (applying any passed deadline first). A view
   * read while the session changed (`watch`, taken before) may be stale: it is answered, since the
   * client polls again, but not cached.
   */
  const viewOf = async (sessionId: string, given?: Watch): Promise<CachedView> => {
    const now = d.clock.now();
    const hit = cache.view(sessionId, now);
    if (hit) return hit;
    const watch = given ?? d.notifier.watch(sessionId);
    try {
      return await render(sessionId, now, watch);
    } finally {
      if (!given) watch.close();
    }
  };
  const render = async (sessionId: string, now: number, watch: Watch): Promise<CachedView> => {
    const { row, payment, latest } = (await d.sessions.current(sessionId))!;
    const view = await sessionView(row, latest, d.store, { sandbox: d.sandbox, cardForm: d.cardForm, bindsFps: d.bindsFps, now });
    const open = row.status === 'created' || row.status === 'in_progress';
    const deadline = nextDeadline(row, payment);
    const entry = { version: row.version, open, json: JSON.stringify(view), deadline, validUntil: Math.min(now + VIEW_TTL_MS, deadline) };
    if (!watch.changed) cache.rememberView(sessionId, entry);
    return entry;
  };
  /** The view as JSON with the server's time: the widget counts down on the server's clock. */
  // The hot path of every widget: a plain Response with plain headers is the server adapter's fastest way out.
  // secureAnswers passes this answer through untouched (the hot path), so it carries its own nosniff and HSTS.
  const hsts = hstsHeader(d.publicUrl);
  const secure = { 'x-content-type-options': 'nosniff', ...(hsts ? { 'strict-transport-security': hsts } : {}) };
  const reply = (c: Context<Vars>, v: CachedView) => {
    const origin = c.get('corsOrigin');
    return new Response(`${v.json.slice(0, -1)},"server_time":"${iso(d.clock.now())}"}`, {
      headers: { 'cache-control': 'no-store', 'content-type': 'application/json', ...secure, ...(origin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {}) },
    });
  };
  /** Runs a customer action in a transaction (see SessionService.act: a passed deadline is committed even when the action is refused). */
  const act = <T>(sessionId: string, action: (tx: Tx) => Promise<T>): Promise<T> => d.sessions.act(sessionId, action);

  /**
   * The view; with `version=N&wait=S`, waits up to S seconds for a version newer than N. The
   * widgets' hot path: a cached view of a known token is answered without a promise.
   */
  api.get('/public/v1/sessions/:token', (c): Response | Promise<Response> => {
    const authorized = authorize(c);
    return authorized instanceof Promise ? authorized.then((a) => statusRead(c, a.sessionId)) : statusRead(c, authorized.sessionId);
  });
  const statusRead = (c: Context<Vars>, sessionId: string): Response | Promise<Response> => {
    const since = Number(c.req.query('version') ?? NaN);
    const waitSeconds = Math.min(Math.max(Number(c.req.query('wait') ?? 0) || 0, 0), MAX_WAIT_SECONDS);
    if (Number.isInteger(since) && waitSeconds > 0) return longPoll(c, sessionId, since, waitSeconds);
    const hit = cache.view(sessionId, d.clock.now());
    return hit ? reply(c, hit) : viewOf(sessionId).then((v) => reply(c, v));
  };
  const longPoll = async (c: Context<Vars>, sessionId: string, since: number, waitSeconds: number): Promise<Response> => {
    // Watched from before the read: a change committing while it runs wakes the wait at once.
    const watch = d.notifier.watch(sessionId);
    try {
      const v = await viewOf(sessionId, watch);
      if (!(v.version <= since && v.open)) return reply(c, v);
      // Wake at the next deadline too, so an expiry reaches the page without waiting for the scheduler.
      const untilDeadline = Math.max(0, v.deadline - d.clock.now());
      await watch.wait(Math.min(waitSeconds * 1000, untilDeadline + 50), c.req.raw.signal);
    } finally {
      watch.close();
    }
    return reply(c, await viewOf(sessionId));
  };

  api.post('/public/v1/sessions/:token/payments', async (c) => {
    const { sessionId, project } = await authorize(c);
    const body = parse(startBody, await readJson(c.req.raw, PUBLIC_BODY_LIMIT_BYTES));
    const session = (await d.store.sessions.get(sessionId))!;
    if (body.method === 'card' || body.method === 'saved_card') {
      // A saved card is counted as its customer's (null, and not counted, where nobody vouched: that payment is refused anyway).
      const customer = vouchedCustomer(session);
      const card = body.method === 'card' ? body.card_token : customer && `saved:${customer}`;
      d.limiter.take(['card_payments_per_session', sessionId], ['card_payments_per_card', card], ['card_payments_per_address', clientAddress(c, d.trustProxy)]);
    }
    if (session.order_check_url) {
      // Before anything is charged: the merchant may still say no (out of stock, say). What it is
      // told leaves the server, so like an answer it waits until what it read is on disk.
      const order = { session: await d.sessions.render(d.store, session), payment_method: body.method };
      await d.store.whenDurable();
      const check = await checkOrder(session.order_check_url, project.webhookSecret, order, d.orderCheck);
      if (!check.ok) throw new ApiError(check.code === 'order_refused' ? 409 : 502, check.code, check.message);
    }
    const details =
      body.method === 'card' ? { type: 'card' as const, card: { token: body.card_token } }
      : body.method === 'saved_card' ? { type: 'saved_card' as const }
      : body.method === 'fps' ? { type: bindsWithoutPaying(session) ? ('faster_payment_system_binding' as const) : ('faster_payment_system' as const) }
      : { type: 'internet_banking' as const, internet_banking: { type: 'sber_pay' as const, sber_pay: { channel: body.channel, ...(body.phone ? { phone: body.phone } : {}) } } };
    await act(sessionId, async (tx) => {
      const data = JSON.parse((await d.sessions.load(tx, project, sessionId)).data_json) as SessionData;
      const consent = consentOf(data);
      if (consent && body.consent !== true) {
        throw badRequest('consent', 'the customer must accept the offer first: tick the consent box, then pay');
      }
      const recurrent = data.payment_options?.recurrent === true;
      const recurring = keepingMethods(session, data, d.cardForm, d.bindsFps);
      if (recurrent && !recurring.includes(body.method)) {
        const what = bindsWithoutPaying(session) ? 'links your bank account for the shop\'s later charges: link it by fps' : `keeps the means of payment for the shop's later charges: pay by ${recurring.join(' or ')}`;
        throw badRequest('method', `this session ${what}`);
      }
      if (recurrent && body.recurrent_consent !== true) {
        throw badRequest('recurrent_consent', "the customer must agree to the shop's later charges first: tick that box, then pay");
      }
      if (body.method === 'card' && d.cardForm === 'acquirer') await d.sessions.recordRailCard(tx, project, sessionId, body.card_token, body.card);
      const options = body.method === 'card' && body.remember_card ? { payment_options: { save_card: true } } : {};
      const now = d.clock.now();
      const consents = { consentedAt: consent ? now : undefined, recurrentConsentedAt: recurrent ? now : undefined };
      await d.sessions.startPayment(tx, project, sessionId, { payment_details: details, ...options, ...consents }, { byCustomer: true });
    });
    await d.rails.settled(sessionId); // the reply shows the rail's answer (the QR, the 3-D Secure page), or "checking" if it was lost
    return reply(c, await viewOf(sessionId));
  });

  /** The customer closed the 3-D Secure page: that attempt ends, nothing is charged, the methods come back. */
  api.post('/public/v1/sessions/:token/payments/:paymentId/abandon', async (c) => {
    const { sessionId, project } = await authorize(c);
    requireJson(c.req.raw);
    await act(sessionId, (tx) => d.sessions.abandon(tx, project, sessionId, c.req.param('paymentId')));
    await d.rails.settled(sessionId); // withdrawn at the rail too
    return reply(c, await viewOf(sessionId));
  });

  /** The customer removes their saved card: it is no longer offered for one-tap payment. */
  api.post('/public/v1/sessions/:token/saved-card/remove', async (c) => {
    const { sessionId, project } = await authorize(c);
    requireJson(c.req.raw);
    await act(sessionId, (tx) => d.sessions.forgetSavedCard(tx, project, sessionId));
    return reply(c, await viewOf(sessionId));
  });

  /**
   * The rail's card form for this checkout (`view.card_form = acquirer`): the widget frames `url`
   * opened with `token`, and the card goes to the rail alone. The same form for a while (a reload,
   * a second tab); 502 when the rail gives none in time, and the customer may ask again.
   */
  if (d.cardForm === 'acquirer') api.post('/public/v1/sessions/:token/card-form', async (c) => {
    const { sessionId } = await authorize(c);
    requireJson(c.req.raw);
    d.limiter.take(['card_tokens_per_session', sessionId], ['card_tokens_per_address', clientAddress(c, d.trustProxy)]);
    const session = (await d.store.sessions.get(sessionId))!;
    if (session.status !== 'created' && session.status !== 'in_progress') throw new ApiError(409, 'invalid_state', `session ${session.id} is ${session.status}: it takes no more payments`);
    refuseCardsOfBinding(session);
    const form = await d.rails.cardForm(session);
    if (!form) throw new ApiError(502, 'acquirer_unavailable', 'the bank could not open its card form just now: try again in a moment, or pay another way');
    return c.json({ url: form.url, token: form.token });
  });

  /** Tokenises a (sandbox) card for this session's project. The body is never logged or stored. A real rail tokenises in its own card form. */
  if (d.sandbox) api.post('/public/v1/sessions/:token/cards', async (c) => {
    const { sessionId, project } = await authorize(c);
    d.limiter.take(['card_tokens_per_session', sessionId], ['card_tokens_per_address', clientAddress(c, d.trustProxy)]);
    refuseCardsOfBinding((await d.store.sessions.get(sessionId))!);
    const body = parse(cardBody, await readJson(c.req.raw, PUBLIC_BODY_LIMIT_BYTES), 'card.');
    const checked = validateCard(body, d.clock.now());
    if (!checked.ok) throw badRequest(checked.field, checked.message);
    const id = newSecretId('tok');
    const card = checked.card;
    // What the sandbox issuer will do with this card, kept with the token (never the number itself).
    const row = { id, project: project.name, session_id: sessionId, ...card, scenario: cardScenario(body.number), recurrent: 0, recurrent_at: null, used_at: null, disabled_at: null, created_at: d.clock.now() };
    await d.store.transaction((tx) => tx.cards.insert(row));
    return c.json({ token: id, brand: card.brand, last4: card.last4, expiry_month: card.expiry_month, expiry_year: card.expiry_year });
  });

  api.post('/public/v1/sessions/:token/sberpay/push', async (c) => {
    const { sessionId, project } = await authorize(c);
    const body = parse(sberPayPushBody, await readJson(c.req.raw, PUBLIC_BODY_LIMIT_BYTES));
    const push = await act(sessionId, (tx) => d.sessions.sberPayPushable(tx, project, sessionId, body.phone));
    await d.rails.sberPayPush(push.session, push.payment, push.phone);
    return c.json({ status: 'ok' });
  });

  api.post('/public/v1/sessions/:token/renew', async (c) => {
    const { sessionId, project } = await authorize(c);
    requireJson(c.req.raw);
    const { session, payment } = await act(sessionId, (tx) => d.sessions.renewable(tx, project, sessionId));
    const renewed = await d.rails.renew(session, payment);
    if (!renewed) throw new ApiError(502, 'acquirer_unavailable', 'the bank could not renew the QR code just now: try again, or choose the payment method again');
    await act(sessionId, (tx) => d.sessions.renewed(tx, project, sessionId, payment.id, renewed));
    return reply(c, await viewOf(sessionId));
  });

  /** The FPS banks with deep links that open the current QR in each bank's app. */
  api.get('/public/v1/sessions/:token/banks', async (c) => {
    const payment = await d.sessions.activePayment(d.store.sessions, (await authorize(c)).sessionId);
    const link = payment?.method === 'fps' ? interactionOf(payment)?.redirect.url : undefined;
    if (!link) throw new ApiError(409, 'invalid_state', 'no FPS payment is waiting: start one with method fps first');
    return c.json({
      link,
      banks: BANKS.map((b) => {
        const links = bankDeepLinks(link, b);
        return { id: b.id, name: b.name, logo_url: logoUrl(b.id), ios_url: links.ios, android_url: links.android };
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

/** A request header, read from Node's own request when there is one (building a Headers object costs more than the rest of a cached read). */
function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: { headers: Record<string, string | string[] | undefined> } } | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function originAllowed(origin: string, project: Project, publicUrl: string): boolean {
  return origin === new URL(publicUrl).origin || project.origins.includes(origin);
}

function parse<T>(schema: z.ZodType<T>, input: unknown, prefix = ''): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const error = validationError(result.error, input);
  // The prefix names the fields (`card.number`), not the body itself: a body that is no object is `body`.
  if (!error.field || error.field === 'body') throw error;
  throw new ApiError(400, 'invalid_request', `${prefix}${error.message}`, `${prefix}${error.field}`);
}

/** A session that binds an FPS account takes no card: no form is opened for it, no card tokenised. */
function refuseCardsOfBinding(session: SessionRow): void {
  if (bindsWithoutPaying(session)) throw new ApiError(409, 'invalid_state', `session ${session.id} binds an FPS account without paying: it takes no card`);
}
