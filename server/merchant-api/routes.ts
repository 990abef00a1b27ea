/**
 * The signed merchant API, `POST /api/v1/<method>`. Each method has a zod schema that both
 * validates its body and documents it (in the OpenAPI registry behind /docs); its handler calls
 * the session service inside one transaction that also holds and records its idempotency key.
 */
import { OpenAPIHono, createRoute, type z } from '@hono/zod-openapi';
import { ApiError, badRequest, notFound } from '../errors';
import { iso } from '../clock';
import type { SessionService } from '../sessions/service';
import type { PaymentRails } from '../sessions/rail-calls';
import type { Storage, Tx } from '../store/port';
import type { Clock } from '../clock';
import { authenticate } from './auth';
import { KeyTurns, runIdempotent, type Reply } from './idempotency';
import * as s from './schemas';
import { validationError } from '../http/validation';
import type { RateLimiter } from '../http/rate-limits';
import type { LinkRow, Project, SessionRow, SubscriptionRow } from '../store/rows';
import { DEFAULT_TRIAL_AMOUNT, type SubscriptionService } from '../subscriptions/service';
import * as sub from '../subscriptions/schemas';
import type { LinkService } from '../links/link-service';
import { linkBody } from '../links/link-schema';
import { merchantResponses } from '../docs/merchant-responses';
import { bindingSession, isBindingDetails, isBindingToken } from '../sessions/bindings';
import { findRecurrent } from '../sessions/render';

export type MerchantDeps = {
  store: Storage;
  clock: Clock;
  sessions: SessionService;
  rails: PaymentRails;
  links: LinkService;
  subscriptions: SubscriptionService;
  limiter: RateLimiter;
  publicUrl: string;
  /** Whether the rail binds FPS accounts (Acquirer.bindsFpsAccounts): a session may then bind one without paying. */
  bindsFps: boolean;
  /** The card frame that tokenises cards with a public token, where this server does (the sandbox); null where it does not. */
  cardFormUrl: string | null;
};

type Schema = z.ZodType;

const IDEMPOTENCY_KEY_PARAMETER = {
  in: 'header' as const,
  name: 'Idempotency-Key',
  required: false,
  description: 'Makes the call safe to retry: the same key and body answer the first reply again; another body, 422.',
  schema: { type: 'string' as const, maxLength: 255 },
};

/**
 * One method of the API: how its body is validated, what it does in its transaction, and what it
 * does once that committed (`after`: a call to the rail that moves no money), whose answer is the
 * reply. A replay (the same Idempotency-Key) answers the committed reply and does not call again.
 */
type Method = { body: Schema; handle: (tx: Tx, project: Project, input: never) => Promise<object>; after?: (reply: object) => Promise<object> };

export function merchantApi(d: MerchantDeps) {
  const api = new OpenAPIHono();
  const methods = new Map<string, Method>();
  const turns = new KeyTurns();

  /** Registers one method: its schema (which validates the body and documents it) and its handler. */
  function method<S extends Schema>(name: string, summary: string, body: S, handle: (tx: Tx, project: Project, input: z.infer<S>) => Promise<object>, after?: (reply: object) => Promise<object>) {
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
    methods.set(name, { body, handle: handle as Method['handle'], after });
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
    const key = c.req.header('idempotency-key');
    const run = (tx: Tx) =>
      runIdempotent(tx, { project: project.name, method: name, key, rawBody, now: d.clock.now() }, async (): Promise<Reply> => ({ status: 200, body: await m.handle(tx, project, input) }));
    // On an existing session, passed deadlines are kept even if the method is then refused (a confirm too late): see SessionService.act.
    const reply = await turns.run(project.name, key, () => (typeof sessionId === 'string' ? d.sessions.act(sessionId, run) : d.store.transaction(run)));
    if (reply.replayed) c.header('Idempotent-Replayed', 'true');
    if (reply.replayed) return c.json(reply.body, 200);
    return c.json(m.after ? await m.after(reply.body) : await withRailAnswer(reply.body), 200);
  });
  api.all('/api/v1/*', (c) => {
    c.header('Allow', 'POST');
    throw new ApiError(405, 'method_not_allowed', 'the merchant API takes POST with a signed JSON body: see /docs');
  });

  /**
   * The reply once the rail has answered the call the method asked for (a start, a capture, a
   * void, a refund): the session as it is then. The answer stored for the Idempotency-Key is the
   * one committed before the call; a replay returns that, and `session/status` what came after.
   */
  const withRailAnswer = async (body: object): Promise<object> => {
    const id = (body as { session?: { id?: unknown } }).session?.id;
    if (typeof id !== 'string' || !d.rails.busy(id)) return body;
    await d.rails.settled(id);
    return { ...body, session: await d.sessions.render(d.store, (await d.store.sessions.get(id))!) };
  };

  const session = async (tx: Tx, row: Promise<SessionRow>) => ({ status: 'ok', session: await d.sessions.render(tx, await row) });

  /** The session a create asks for (`field`: what asked for a binding); a binding only where the rail binds accounts. */
  const toCreate = (b: s.CreateSessionBody, field = 'binding') => {
    if (b.binding && !d.bindsFps) throw badRequest(field, "this server's acquirer does not bind FPS accounts: take a payment with payment_options.recurrent by card instead");
    return createInput(b);
  };

  method('session/create', 'Create a payment session (or one that binds an FPS account without paying: binding)', s.createSessionBody, (tx, project, b) => session(tx, d.sessions.create(tx, project, toCreate(b))));

  method('session/init/payment', 'Create a session and start its payment at once', s.initPaymentBody, async (tx, project, b) => {
    const { payment_details, ...rest } = b;
    const created = await d.sessions.create(tx, project, isBindingDetails(payment_details) ? toCreate({ ...rest, binding: { type: 'faster_payment_system' } }, 'payment_details.type') : toCreate(rest));
    return session(tx, d.sessions.startPayment(tx, project, created.id, { payment_details }));
  });

  method('session/start/payment', 'Start a payment on a created session', s.startPaymentBody, async (tx, project, b) => {
    const row = await d.sessions.load(tx, project, b.session_id);
    if (b.amount_details && (b.amount_details.amount !== row.amount || b.amount_details.currency !== row.currency)) {
      throw badRequest('amount_details', `amount_details must equal the session's ${row.amount} ${row.currency}, or be omitted`);
    }
    return session(tx, d.sessions.startPayment(tx, project, b.session_id, { payment_details: b.payment_details, metadata: b.metadata, customer: b.customer, payment_options: b.payment_options }));
  });

  method('session/confirm', 'Confirm a payment that waits for the merchant (next_action = confirm)', s.sessionRef, (tx, project, b) =>
    session(tx, d.sessions.confirm(tx, project, b.session_id)),
  );
  method('session/cancel', 'Cancel a session and any payment it runs', s.sessionRef, (tx, project, b) => session(tx, d.sessions.cancel(tx, project, b.session_id)));
  method('session/status', 'Read a session', s.sessionRef, (tx, project, b) => session(tx, d.sessions.load(tx, project, b.session_id)));
  method('session/refund', 'Refund a captured payment, fully or in part', s.refundBody, (tx, project, b) =>
    session(tx, d.sessions.refund(tx, project, b.session_id, b.amount_details?.amount, b.amount_details?.currency)),
  );
  method('token', 'Issue the public token that the widget and hosted page use', s.sessionRef, async (tx, project, b) => ({
    status: 'ok',
    public_token: await d.sessions.issuePublicToken(tx, project, b.session_id),
    // A gateway in front of this server frames this card form with the token (Telegram's Smart Glocal provider calls its like `tokenize_url`).
    ...(d.cardFormUrl ? { card_form_url: d.cardFormUrl } : {}),
  }));

  method(
    'sberpay/push',
    'Send the customer a SberPay push or SMS for the waiting payment',
    s.sberPushBody,
    async (tx, project, b) => {
      const push = await d.sessions.sberPayPushable(tx, project, b.session_id, b.phone);
      return { status: 'ok', push: { payment_id: push.payment.id, phone: push.phone, created_at: iso(d.clock.now()) } };
    },
    async (reply) => {
      const { payment_id, phone } = (reply as { push: { payment_id: string; phone: string } }).push;
      const payment = (await d.store.sessions.payment(payment_id))!;
      await d.rails.sberPayPush((await d.store.sessions.get(payment.session_id))!, payment, phone);
      return reply;
    },
  );

  method('recurrent/status', 'Read a recurrent token: whether it can still be charged', s.recurrentStatusBody, async (tx, project, b) => {
    const recurrent = await findRecurrent(tx, project.name, b.token);
    if (!recurrent) throw notFound('recurrent token', b.token);
    return { status: 'ok', recurrent };
  });

  // Disabling a binding here stops this gateway charging it; the customer's consent at their bank is theirs to end.
  method('recurrent/disable', "Disable a recurrent token: a card token, or an FPS account binding (this gateway charges it no more; the consent in the customer's bank app is theirs to end there)", s.recurrentDisableBody, async (tx, project, b) => {
    if (isBindingToken(b.token)) {
      const binding = await tx.bindings.get(b.token);
      if (!binding || binding.project !== project.name) throw notFound('recurrent token', b.token);
      await tx.bindings.disable(b.token, d.clock.now(), 'merchant');
      return { status: 'ok', token: b.token, disabled: true };
    }
    const card = await tx.cards.get(b.token);
    if (!card || card.project !== project.name) throw notFound('card token', b.token);
    await tx.cards.disable(b.token, d.clock.now());
    return { status: 'ok', token: b.token, disabled: true };
  });

  const subscription = async (project: Project, row: Promise<SubscriptionRow>) => ({ status: 'ok', subscription: d.subscriptions.render(project, await row) });
  method('subscription/create', 'Create a subscription: the server charges each period with the card its first payment keeps', sub.subscriptionCreateBody, async (tx, project, b) => {
    const created = await d.subscriptions.create(tx, project, {
      amount: b.amount_details.amount,
      currency: b.amount_details.currency,
      period: b.period,
      description: b.description,
      customer: b.customer,
      returnUrl: b.return_url,
      ...(b.trial ? { trial: { days: b.trial.days, amount: b.trial.amount_details?.amount ?? DEFAULT_TRIAL_AMOUNT } } : {}),
    });
    const token = await d.sessions.issuePublicToken(tx, project, created.session.id);
    return {
      status: 'ok',
      subscription: d.subscriptions.render(project, created.subscription),
      // The first payment: the widget takes public_token; payment_url is the hosted page for it.
      session: await d.sessions.render(tx, created.session),
      public_token: token,
      payment_url: `${d.publicUrl}/pay/${token}`,
    };
  });
  method('subscription/get', 'Read a subscription', sub.subscriptionRef, (tx, project, b) => subscription(project, d.subscriptions.load(tx, project, b.id)));
  method('subscription/list', "List the project's subscriptions, newest first", sub.subscriptionList, async (tx, project, b) => ({
    status: 'ok',
    subscriptions: (await tx.subscriptions.list(project.name, b.limit)).map((row) => d.subscriptions.render(project, row)),
  }));
  method('subscription/cancel', 'Cancel a subscription: at the end of the period paid for (default), or at once', sub.subscriptionCancelBody, (tx, project, b) =>
    subscription(project, d.subscriptions.cancel(tx, project, b.id, { atPeriodEnd: b.at_period_end, reason: 'merchant' })),
  );
  method('subscription/restore', 'Take back a cancellation at the period\'s end, before it comes', sub.subscriptionRef, (tx, project, b) =>
    subscription(project, d.subscriptions.restore(tx, project, b.id)),
  );
  method('subscription/update', 'Change the price or the description, from the next charge on', sub.subscriptionUpdateBody, (tx, project, b) =>
    subscription(project, d.subscriptions.update(tx, project, b.id, { amount: b.amount_details?.amount, description: b.description })),
  );

  const link = async (row: Promise<LinkRow>) => ({ status: 'ok', link: d.links.render(await row) });
  method('link/create', 'Create a payment link to post in a channel, bot or chat', linkBody, (tx, project, b) => link(d.links.create(tx, project, b)));
  method('link/get', 'Read a payment link', s.linkRef, (tx, project, b) => link(d.links.get(tx, project, b.id)));
  method('link/list', "List the project's payment links, newest first", s.linkList, async (tx, project) => ({
    status: 'ok',
    links: (await tx.links.list(project.name)).map((row) => d.links.render(row)),
  }));
  method('link/disable', 'Disable a payment link: its page stops taking payments', s.linkRef, (tx, project, b) => link(d.links.disable(tx, project, b.id)));

  return api;
}

/** A session of the request's amount, or one that binds without paying (`binding`: see bindingSession). */
function createInput(b: s.CreateSessionBody) {
  const { amount_details, payment_options, order_check_url, binding, ...data } = b;
  const rest = { lifetimeMinutes: payment_options?.lifetime_minutes, orderCheckUrl: order_check_url };
  if (binding) return { ...bindingSession({ ...data, ...(payment_options ? { payment_options } : {}) }), ...rest };
  return {
    amount: amount_details!.amount,
    currency: amount_details!.currency,
    confirmation: payment_options?.confirmation,
    ...rest,
    data: { ...data, ...(payment_options ? { payment_options } : {}) },
  };
}
