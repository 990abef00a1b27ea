/**
 * Assembles the server: the storage, the session service, the webhook sender, the deadline
 * scheduler and every route. Tests call `createServer` and drive `server.app.request(...)`
 * with no port; `main.ts` opens the storage (SQLite or PostgreSQL) and adds the HTTP listener.
 */
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { systemClock, type Clock } from './clock';
import { ApiError } from './errors';
import { StateConflict } from './domain/session-machine';
import type { Storage } from './store/port';
import { SqliteStorage } from './store/sqlite/storage';
import { SyncFailed, type SyncLog } from './store/sqlite/wal-flusher';
import { CommitOutcomeUnknown, SessionMoved, StorageUnavailable } from './store/errors';
import { SessionService } from './sessions/service';
import { LinkService } from './links/link-service';
import { LinkCheckout } from './links/link-checkout';
import { SessionNotifier } from './sessions/notifier';
import { SandboxRail } from './sandbox/rail';
import { sandboxRoutes } from './sandbox/routes';
import type { Acquirer } from './acquirers/port';
import { PaymentRails } from './sessions/rail-calls';
import { SubscriptionService } from './subscriptions/service';
import { SandboxClock, testClockRoutes } from './sandbox/test-clock';
import { WebhookSender } from './webhooks/sender';
import type { ServerKey } from './server-key';
import { merchantApi } from './merchant-api/routes';
import type { CardFormKind } from './public-api/view';
import { publicApi } from './public-api/routes';
import { mountDocs } from './docs/routes';
import { pagesStylesheet } from './pages/layout';
import { widgetAssets } from './pages/widget-assets';
import { bankLogos } from './pages/bank-logos';
import { receiptPages } from './pages/receipt';
import { subscriptionPages } from './pages/subscription-page';
import { hostedPages } from './pages/hosted-pages';
import { validationHook } from './http/validation';
import { answerWhenDurable } from './http/durable-answers';
import { DEFAULT_RATE_LIMITS, RateLimited, RateLimiter, type RateLimits } from './http/rate-limits';
import { compressAnswers } from './http/compression';
import { framersOfPublicToken, secureAnswers } from './http/security-headers';
import { favicon } from './pages/favicon';
import { IDEMPOTENCY_TTL_MS } from './merchant-api/idempotency';

export type ServerOptions = {
  /**
   * The data folder's SQLite file (`:memory:` is not supported: the CLI and backups need a
   * file). Opened unless `storage` is given; its folder keeps the demo store's keys and the bank
   * logos in either case.
   */
  dbFile: string;
  /** An open storage (PostgreSQL, say) to use instead of the SQLite file; closed by `stop()`. */
  storage?: Storage;
  publicUrl: string;
  clock?: Clock;
  /** What the webhook sender and the order check send with; tests pass a fake. */
  fetch?: typeof fetch;
  /** How the order check waits out its timeout; tests pass one that resolves at once. */
  sleep?: (ms: number) => Promise<void>;
  sessionLifetimeMinutes?: number;
  webhookTimeoutMs?: number;
  /** How the database log is synced to disk (`fs.fdatasync`); tests pass one they hold back or fail. */
  syncLog?: SyncLog;
  /** How often sessions, cards, addresses, links and projects may act (default DEFAULT_RATE_LIMITS). */
  rateLimits?: RateLimits;
  /** Behind a reverse proxy: take the client's address from X-Forwarded-For (default false: the TCP peer). */
  trustProxy?: boolean;
  /** Download the FPS banks' logos from NSPK into the data folder (default false: initials). */
  fetchBankLogos?: boolean;
  /**
   * The payment rail (default: the sandbox). Given a factory, it is built with the server's
   * storage and clock. Only with the sandbox are `/sandbox/*`, the test cards and the sandbox bank
   * mounted, and every view and webhook says `"sandbox": true`.
   */
  acquirer?: (deps: { store: Storage; clock: Clock; publicUrl: string }) => Acquirer;
  /** How long a call to the rail may take before its outcome counts as unknown and is reconciled (default 10 s). */
  railTimeoutMs?: number;
  /** The server's own key (server-key.ts), which signs the webhooks of `webhookSigning: 'smartglocal'` projects. */
  serverKey?: ServerKey;
};

/** The path of the widgets' status read and its long-poll, `GET /public/v1/sessions/:token[?version=…&wait=…]`. */
const STATUS_READ_PATH = /^\/public\/v1\/sessions\/[^/]+$/;

/** Whether a request is the status read: its path alone is matched (a query cannot make a page pass for it). */
function isStatusRead(req: Request): boolean {
  if (req.method !== 'GET') return false;
  const url = req.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const end = url.indexOf('?', start);
  return STATUS_READ_PATH.test(end === -1 ? url.slice(start) : url.slice(start, end));
}

/** How long a call to the rail may take by default before its outcome counts as unknown. */
export const DEFAULT_RAIL_TIMEOUT_MS = 10_000;

/** How often passed deadlines are applied and the rail asked about unknown outcomes, in the background (reads apply deadlines at once anyway). */
const EXPIRY_TICK_MS = 1_000;

export function createServer(options: ServerOptions) {
  const store = options.storage ?? SqliteStorage.open(options.dbFile, 'flusher', options.syncLog);
  // The sandbox keeps its test clock (server/sandbox/test-clock.ts), unless the caller brings a clock (tests bring a manual one).
  const testClock = !options.clock && !options.acquirer ? new SandboxClock(store) : null;
  const clock = options.clock ?? testClock ?? systemClock;
  const notifier = new SessionNotifier();
  store.onSessionChanged((sessionId) => notifier.notify(sessionId));
  const acquirer: Acquirer = (options.acquirer ?? ((d) => new SandboxRail(d)))({ store, clock, publicUrl: options.publicUrl });
  const sandbox = acquirer instanceof SandboxRail ? acquirer : null;
  const railTimeoutMs = options.railTimeoutMs ?? DEFAULT_RAIL_TIMEOUT_MS;
  let rails: PaymentRails | undefined = undefined;
  let subscriptions: SubscriptionService | undefined = undefined;
  const sender = new WebhookSender({ store, clock, fetch: options.fetch, timeoutMs: options.webhookTimeoutMs, serverKey: options.serverKey });
  const sessions = new SessionService({
    store,
    clock,
    onWebhookQueued: () => sender.wake(),
    onRailCall: (call) => rails!.dispatch(call),
    onSessionClosed: (tx, project, row) => subscriptions!.sessionClosed(tx, project, row),
    railTimeoutMs,
    sandbox: sandbox !== null,
    sessionLifetimeMinutes: options.sessionLifetimeMinutes ?? 24 * 60,
  });

  rails = new PaymentRails({ store, clock, sessions, acquirer, timeoutMs: railTimeoutMs });
  subscriptions = new SubscriptionService({ store, clock, sessions, publicUrl: options.publicUrl, onWebhookQueued: () => sender.wake() });
  sandbox?.connect(rails);

  const app = new OpenAPIHono({ defaultHook: validationHook });
  answerWhenDurable(app, store, (error) => Response.json(toApiError(error).toBody(), { status: 500 }));
  // Outermost, so they see the final answer. The status read (and its long-poll) is the widgets' hot path and a small view: sent as it is.
  compressAnswers(app, { passThrough: isStatusRead });
  secureAnswers(app, { publicUrl: options.publicUrl, passThrough: isStatusRead }); // nosniff, HSTS; pages: Referrer-Policy, X-Frame-Options
  app.onError((err, c) => {
    const error = toApiError(err);
    // Only our own failures are logged with their stack; a 502 (a merchant's order check) is theirs, and answered.
    if (error.status === 500) console.error(err);
    if (error instanceof RateLimited) c.header('Retry-After', String(error.retryAfterSeconds));
    if (error.status === 503 || error.code === 'idempotency_key_in_progress') c.header('Retry-After', '1');
    return c.json(error.toBody(), error.status);
  });
  app.notFound((c) => c.json(new ApiError(404, 'not_found', `no route ${c.req.method} ${c.req.path}: see the API reference at /docs`).toBody(), 404));

  // /health: the process is up. /ready: it can serve (its database answers, it is not stopping): a load balancer sends traffic only then.
  let stopping = false;
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    if (stopping) return c.json({ status: 'stopping' }, 503);
    await store.ping();
    return c.json({ status: 'ready', storage: store.kind });
  });
  app.route('/', pagesStylesheet());
  const links = new LinkService({ store, clock, publicUrl: options.publicUrl });
  // Who tokenises cards (this sandbox, the rail's own form, or nobody), and whether the rail binds FPS accounts: what checkouts may offer.
  const cardForm: CardFormKind = sandbox ? 'server' : acquirer.cardForm ? 'acquirer' : null;
  const bindsFps = acquirer.bindsFpsAccounts === true;
  const limiter = new RateLimiter(options.rateLimits ?? DEFAULT_RATE_LIMITS, () => clock.now());
  const trustProxy = options.trustProxy ?? false;
  app.route('/', merchantApi({ store, clock, sessions, rails, subscriptions, links, limiter, publicUrl: options.publicUrl, bindsFps, cardFormUrl: sandbox ? `${options.publicUrl}/widget/card-frame.html` : null }));
  const orderCheck = { fetch: options.fetch ?? globalThis.fetch.bind(globalThis), sleep: options.sleep ?? ((ms: number) => sleep(ms, undefined, { ref: false })), now: () => Date.now() };
  app.route('/', publicApi({ store, clock, sessions, rails, sandbox: sandbox !== null, cardForm, bindsFps, notifier, publicUrl: options.publicUrl, orderCheck, limiter, trustProxy }));
  // The sandbox bank acts for any customer: it exists only where no money moves.
  if (sandbox) app.route('/', sandboxRoutes({ store, rail: sandbox }));
  if (sandbox && testClock) app.route('/', testClockRoutes(testClock));
  if (acquirer.callbackRoutes) app.route('/', acquirer.callbackRoutes(rails));
  app.route('/', widgetAssets({ framersOf: framersOfPublicToken(store) }));
  app.route('/', bankLogos({ dataDir: dirname(options.dbFile), fetch: options.fetch, fetchLogos: options.fetchBankLogos }));
  app.route('/', favicon());
  app.route('/', receiptPages(store, { sandbox: sandbox !== null }));
  app.route('/', subscriptionPages({ store, subscriptions, publicUrl: options.publicUrl, takes: { card: cardForm !== null, account: bindsFps } }));
  app.route('/', hostedPages(links, new LinkCheckout({ store, clock, links, sessions, subscriptions }), store, { limiter, trustProxy }, acquirer.framedSources));
  mountDocs(app, options.publicUrl);

  const stopHooks: (() => Promise<void>)[] = [];
  let timer: NodeJS.Timeout | null = null;
  let tick: Promise<void> = Promise.resolve();
  return {
    app,
    store,
    sessions,
    sender,
    notifier,
    clock,
    acquirer,
    rails,
    /** The sandbox rail when the server runs it (its faults, its bank), else null. */
    sandbox,
    /** Runs `hook` when the server stops, before the storage closes (the demo store closes its database so). */
    onStop(hook: () => Promise<void>) {
      stopHooks.push(hook);
    },
    subscriptions,
    /** Starts the background work: webhook delivery, deadline expiry, reconciliation with the rail and the subscriptions' charges. */
    start() {
      sender.start();
      let lastPurge = 0;
      let running = false;
      void testClock?.refresh(); // at once: a restarted sandbox keeps the time it was moved to
      const expire = async () => {
        await testClock?.refresh(); // another instance or the CLI may have moved it
        await sessions.expireDue();
        await rails!.reconcileDue();
        await subscriptions!.chargeDue();
        if (clock.now() - lastPurge > 60 * 60 * 1000) {
          await store.transaction((tx) => tx.idempotency.purge(clock.now() - IDEMPOTENCY_TTL_MS));
          lastPurge = clock.now();
        }
      };
      timer = setInterval(() => {
        if (running) return; // a slow database: the next tick waits for this one instead of piling up
        running = true;
        tick = expire()
          .catch((error: unknown) => console.error('deadline scheduler:', error instanceof StorageUnavailable ? error.message : error))
          .finally(() => (running = false));
      }, EXPIRY_TICK_MS);
      timer.unref();
    },
    /** From now on /ready says 503 and every waiting long-poll answers at once, with what it has. */
    drain() {
      stopping = true;
      notifier.stop();
    },
    /** Stops the background work (letting the batch under way finish) and closes the storage. */
    async stop() {
      stopping = true;
      if (timer) clearInterval(timer);
      await tick;
      await sender.stop();
      for (const hook of stopHooks) await hook();
      await acquirer.stop?.();
      await store.close();
    },
  };
}

export type Server = ReturnType<typeof createServer>;

/** Any error as the API's reply: ours as they are, the domain's and the framework's with their own status. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StateConflict) return new ApiError(409, 'invalid_state', err.message);
  if (err instanceof SyncFailed) return new ApiError(500, 'storage_failure', 'the server could not save changes to disk, so this request may not have taken effect: read the session status before retrying');
  if (err instanceof CommitOutcomeUnknown) return new ApiError(503, 'storage_outcome_unknown', 'the connection to the database broke while this change was being saved, so it may or may not have taken effect: read the session (or retry with the same Idempotency-Key) before doing it again');
  if (err instanceof StorageUnavailable) return new ApiError(503, 'storage_unavailable', 'the database is unavailable for a moment, so nothing was done: retry shortly');
  if (err instanceof SessionMoved) return new ApiError(409, 'invalid_state', `${err.message}: read the session and try again`);
  // A framework's own HTTP error (a malformed body, a size limit) keeps its status: it says what the client did wrong.
  if (err instanceof HTTPException) {
    const status = err.status as ApiError['status'];
    return new ApiError(status, status >= 500 ? 'internal_error' : status === 413 ? 'body_too_large' : 'invalid_request', err.message || `HTTP ${status}`);
  }
  return new ApiError(500, 'internal_error', 'the server failed on this request; nothing was changed, so it is safe to retry');
}
