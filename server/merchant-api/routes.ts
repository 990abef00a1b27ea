/**
 * The signed merchant API, `POST /api/v1/<method>`. Each method has a zod schema that both
 * validates its body and documents it (in the OpenAPI registry behind /docs); its handler is a
 * synchronous call into the session service, run inside one (group-committed) transaction
 * together with its idempotency record.
 */
import { OpenAPIHono, createRoute, type z } from '@hono/zod-openapi';
import { ApiError, badRequest, notFound } from '../errors';
import { iso } from '../clock';
import type { SessionService } from '../sessions/service';
import type { Store } from '../store/store';
import type { Clock } from '../clock';
import { authenticate } from './auth';
import { runIdempotent, type Reply } from './idempotency';
import * as s from './schemas';
import { validationError } from '../http/validation';
import type { RateLimiter } from '../http/rate-limits';
import type { Project } from '../store/project-repo';
import type { LinkService } from '../links/link-service';
import { linkBody } from '../links/link-schema';
import { merchantResponses } from '../docs/merchant-responses';

export type MerchantDeps = { store: Store; clock: Clock; sessions: SessionService; links: LinkService; limiter: RateLimiter };

type Schema = z.ZodType;

const IDEMPOTENCY_KEY_PARAMETER = {
  in: 'header' as const,
  name: 'Idempotency-Key',
  required: false,
  description: 'Makes the call safe to retry: the same key and body answer the first reply again; another body, 422.',
  schema: { type: 'string' as const, maxLength: 255 },
};

/** One method of the API: how its body is validated, and what it does. */
type Method = { body: Schema; handle: (project: Project, input: never) => object };

export function merchantApi(d: MerchantDeps) {
  const api = new OpenAPIHono();
  const methods = new Map<string, Method>();

  /** Registers one method: its schema (which validates the body and documents it) and its handler. */
  function method<S extends Schema>(name: string, summary: string, body: S, handle: (project: Project, input: z.infer<S>) => object) {
    api.openAPIRegistry.registerPath(
      createRoute({
        method: 'post',
        path: `/api/v1/${name}`,
        summary,
        tags: ['Merchant API'],
        security: [{ PartnerProject: [], PartnerSignature: [] }],
        parameters: [IDEMPOTENCY_KEY_PARAMETER],
        request: {
          body: { content: { 'application/json': { schema: body } }, required: true },
        },
        responses: merchantResponses(name, s.okReply),
      }),
    );
    methods.set(name, { body, handle: handle as Method['handle'] });
  }

  // One handler for every method rather than a route and validator middleware each: each layer
  // of Hono middleware is another promise on the hot path of every signed call.
  api.post('/api/v1/*', async (c) => {
    const { project, rawBody, body } = await authenticate(c.req, d.store.projects);
    d.limiter.take(['merchant_calls_per_project', project.name]);
    const name = c.req.path.slice('/api/v1/'.length);
    const m = methods.get(name);
    if (!m) throw new ApiError(404, 'not_found', `no method ${name}: the methods are listed in the API reference at /docs`);
    const parsed = m.body.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error, body);
    const input = parsed.data as never;
    const sessionId = (input as { session_id?: unknown }).session_id;
    const act = () =>
      runIdempotent(
        d.store,
        { project: project.name, method: name, key: c.req.header('idempotency-key'), rawBody, now: d.clock.now() },
        (): Reply => ({ status: 200, body: m.handle(project, input) }),
      );
    // On an existing session, passed deadlines are applied and kept even if the method is then refused (a confirm too late).
    const reply = typeof sessionId === 'string' ? await d.store.commitThen(() => d.sessions.settleById(sessionId), act) : await d.store.groupCommit(act);
    if (reply.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(reply.body, 200);
  });
  api.all('/api/v1/*', (c) => {
    c.header('Allow', 'POST');
    throw new ApiError(405, 'method_not_allowed', 'the merchant API takes POST with a signed JSON body: see /docs');
  });

  const session = (row: Parameters<SessionService['render']>[0]) => ({ status: 'ok', session: d.sessions.render(row) });

  method('session/create', 'Create a payment session', s.createSessionBody, (project, b) => session(d.sessions.create(project, toCreate(b))));

  method('session/init/payment', 'Create a session and start its payment at once', s.initPaymentBody, (project, b) => {
    const { payment_details, ...rest } = b;
    const created = d.sessions.create(project, toCreate(rest));
    return session(d.sessions.startPayment(project, created.id, { payment_details }));
  });

  method('session/start/payment', 'Start a payment on a created session', s.startPaymentBody, (project, b) => {
    const row = d.sessions.load(project, b.session_id);
    if (b.amount_details && (b.amount_details.amount !== row.amount || b.amount_details.currency !== row.currency)) {
      throw badRequest('amount_details', `amount_details must equal the session's ${row.amount} ${row.currency}, or be omitted`);
    }
    return session(d.sessions.startPayment(project, b.session_id, { payment_details: b.payment_details, metadata: b.metadata, customer: b.customer, payment_options: b.payment_options }));
  });

  method('session/confirm', 'Confirm a payment that waits for the merchant (next_action = confirm)', s.sessionRef, (project, b) =>
    session(d.sessions.confirm(project, b.session_id)),
  );
  method('session/cancel', 'Cancel a session and any payment it runs', s.sessionRef, (project, b) => session(d.sessions.cancel(project, b.session_id)));
  method('session/status', 'Read a session', s.sessionRef, (project, b) => session(d.sessions.load(project, b.session_id)));
  method('session/refund', 'Refund a captured payment, fully or in part', s.refundBody, (project, b) =>
    session(d.sessions.refund(project, b.session_id, b.amount_details?.amount, b.amount_details?.currency)),
  );
  method('token', 'Issue the public token that the widget and hosted page use', s.sessionRef, (project, b) => ({
    status: 'ok',
    public_token: d.sessions.issuePublicToken(project, b.session_id),
  }));

  method('sberpay/push', 'Send the customer a SberPay push or SMS for the waiting payment', s.sberPushBody, (project, b) => {
    const push = d.sessions.sendSberPayPush(project, b.session_id, b.phone);
    return { status: 'ok', push: { payment_id: push.payment_id, phone: push.phone, created_at: iso(push.created_at) } };
  });

  method('recurrent/disable', 'Disable a recurrent card token', s.recurrentDisableBody, (project, b) => {
    const card = d.store.cards.get(b.token);
    if (!card || card.project !== project.name) throw notFound('card token', b.token);
    d.store.cards.disable(b.token, d.clock.now());
    return { status: 'ok', token: b.token, disabled: true };
  });

  const link = (row: Parameters<LinkService['render']>[0]) => ({ status: 'ok', link: d.links.render(row) });
  method('link/create', 'Create a payment link to post in a channel, bot or chat', linkBody, (project, b) => link(d.links.create(project, b)));
  method('link/get', 'Read a payment link', s.linkRef, (project, b) => link(d.links.get(project, b.id)));
  method('link/list', "List the project's payment links, newest first", s.linkList, (project) => ({
    status: 'ok',
    links: d.store.links.list(project.name).map((row) => d.links.render(row)),
  }));
  method('link/disable', 'Disable a payment link: its page stops taking payments', s.linkRef, (project, b) => link(d.links.disable(project, b.id)));

  return api;
}

function toCreate(b: s.CreateSessionBody) {
  const { amount_details, payment_options, order_check_url, ...data } = b;
  return {
    amount: amount_details.amount,
    currency: amount_details.currency,
    confirmation: payment_options?.confirmation,
    lifetimeMinutes: payment_options?.lifetime_minutes,
    orderCheckUrl: order_check_url,
    data: { ...data, ...(payment_options ? { payment_options } : {}) },
  };
}
