/**
 * Delivers the webhook outbox: signs each due event by its project's scheme (Standard Webhooks
 * with the project's secret, or Smart Glocal's X-PARTNER-SIGN with the server's key; see
 * signature-headers.ts), POSTs it, and records the attempt. Delivery is at least once: an event stays pending until its endpoint
 * answers 2xx, is retried on the schedule of `retry-schedule.ts`, and keeps its `webhook-id`
 * across attempts so the merchant can drop duplicates.
 *
 * Every instance runs a sender; they share the work through the database. A sender claims due
 * events with a lease (`OutboxTable.claimDue`), so each attempt is made by one of them; one that
 * dies mid-delivery leaves its lease to run out, and another sends the event then, with the
 * same id.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock';
import type { ServerKey } from '../server-key';
import type { Storage } from '../store/port';
import type { Project, WebhookEventRow } from '../store/rows';
import type { Tx } from '../store/port';
import { nextAttemptAt } from './retry-schedule';
import { webhookSignatureHeaders } from './signature-headers';

export type WebhookSenderOptions = {
  store: Storage;
  clock: Clock;
  /** Defaults to the global fetch; tests pass a fake. */
  fetch?: typeof fetch;
  /** Per attempt, in ms (default 10 000): a slow endpoint counts as a failed attempt. */
  timeoutMs?: number;
  /** Events taken per `deliverDue` (default 20); they are sent concurrently. */
  batchSize?: number;
  /** How often, in ms, the loop looks for due rows when nobody wakes it (default 1000). */
  pollMs?: number;
  /** Where errors of the loop go (a database that stays locked, say); defaults to console.error. */
  onError?: (error: unknown) => void;
  /** Who holds the leases this sender takes (default: a random id per process). */
  owner?: string;
  /** How long a claimed event stays this sender's (default: the timeout plus 20 s). */
  leaseMs?: number;
  /**
   * The server's key, which signs the events of projects with `webhookSigning: 'smartglocal'`.
   * Without it such an event's attempts fail (with an error saying so) and are retried.
   */
  serverKey?: Pick<ServerKey, 'privateKey'>;
};

const USER_AGENT = 'sg-checkout-webhooks/1';
const DISABLED_ERROR = 'endpoint disabled after HTTP 410; re-enable it with the CLI';
const GONE_ERROR = 'HTTP 410 Gone: endpoint disabled; replay the event once the endpoint is back';

const ENDPOINT_CACHE_MS = 5_000;
const endpointKey = (project: string, url: string) => `${project}\n${url}`;

/** What one attempt came to: a response status, or the error that prevented one. */
type Outcome = { status: number | null; error: string | null; durationMs: number };

export class WebhookSender {
  private readonly store: Storage;
  private readonly clock: Clock;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly owner: string;
  private readonly leaseMs: number;
  private readonly serverKey: Pick<ServerKey, 'privateKey'> | undefined;
  /**
   * Endpoints seen enabled, read again after ENDPOINT_CACHE_MS (a read per delivery was a tenth
   * of a payment's queries on PostgreSQL). Only "enabled" is kept: an endpoint that another
   * instance disabled (after a 410) gets at most that long of deliveries, which meet the 410
   * themselves, while one re-enabled (the CLI, a replay) is never refused from a stale copy.
   */
  private readonly enabledEndpoints = new Map<string, number>();
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wakeSleeper: (() => void) | null = null;
  private wokenWhileBusy = false;

  constructor(options: WebhookSenderOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.batchSize = options.batchSize ?? 20;
    this.pollMs = options.pollMs ?? 1_000;
    this.onError = options.onError ?? ((error) => console.error('webhook sender:', error));
    this.owner = options.owner ?? `sender_${randomBytes(6).toString('hex')}`;
    this.leaseMs = options.leaseMs ?? this.timeoutMs + 20_000;
    this.serverKey = options.serverKey;
  }

  /** Sends the events due now (at most `batchSize`); resolves with how many it handled. */
  async deliverDue(): Promise<number> {
    const now = this.clock.now();
    const due = await this.store.transaction((tx) => tx.outbox.claimDue(now, this.batchSize, this.owner, now + this.leaseMs));
    // A row read here may be committed but not yet on disk: no merchant hears of a change that a power cut could undo.
    if (due.length) await this.store.whenDurable();
    const results = await Promise.allSettled(due.map((event) => this.deliver(event)));
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    return due.length;
  }

  /** Runs `deliverDue` whenever woken and every `pollMs`, until `stop()`. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.loop = this.run();
  }

  /** Stops the loop, waiting for the batch being sent to be recorded. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeSleeper?.();
    await this.loop;
    this.loop = null;
  }

  /** Called after a commit that wrote outbox rows, so they go out without waiting for the poll. */
  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.wokenWhileBusy = true; // rows committed during a batch: look again right after it
  }

  /**
   * Puts one failed event of `project` (or all of them when no id is given) back in the queue,
   * due now, and re-enables their endpoints: a merchant replays once the endpoint is fixed.
   * Returns how many events were re-queued.
   */
  async replay(project: string, eventId?: string): Promise<number> {
    const now = this.clock.now();
    const count = await this.store.transaction(async (tx) => {
      const events = (await tx.outbox.failed(project)).filter((e) => eventId === undefined || e.id === eventId);
      let replayed = 0;
      for (const event of events) {
        await tx.outbox.enableEndpoint(event.project, event.url);
        if (await tx.outbox.replay(event.id, now)) replayed++;
      }
      return replayed;
    });
    if (count) this.wake();
    return count;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let fullBatch = false;
      try {
        fullBatch = (await this.deliverDue()) === this.batchSize;
      } catch (error) {
        this.onError(error);
      }
      // A full batch means more rows may be due: take them before sleeping.
      if (!fullBatch) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    if (this.wokenWhileBusy || this.stopping) {
      this.wokenWhileBusy = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeSleeper = null;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      timer.unref(); // the poll alone must not keep the process alive
      this.wakeSleeper = done;
    });
  }

  private async deliver(event: WebhookEventRow): Promise<void> {
    const at = this.clock.now();
    if (await this.isEndpointDisabled(event.project, event.url)) {
      return this.record(event, at, { status: null, error: DISABLED_ERROR, durationMs: 0 }, 'failed');
    }
    const project = await this.store.projects.get(event.project);
    if (!project) {
      return this.record(event, at, { status: null, error: `project ${event.project} no longer exists`, durationMs: 0 }, 'failed');
    }
    const outcome = await this.post(event, project, at);
    const { status } = outcome;
    if (status !== null && status >= 200 && status < 300) return this.record(event, at, outcome, 'delivered');
    if (status === 410) {
      const disable = async (tx: Tx) => {
        await tx.outbox.disableEndpoint(event.project, event.url, at, 'HTTP 410 Gone');
        tx.afterCommit(() => this.enabledEndpoints.delete(endpointKey(event.project, event.url)));
      };
      return this.record(event, at, { ...outcome, error: GONE_ERROR }, 'failed', null, disable);
    }
    const next = nextAttemptAt(await this.attemptInRun(event), this.clock.now(), event.first_attempt_at ?? at);
    return this.record(event, at, outcome, next === null ? 'failed' : 'pending', next);
  }

  private async isEndpointDisabled(project: string, url: string): Promise<boolean> {
    const key = endpointKey(project, url);
    const seenAt = this.enabledEndpoints.get(key);
    if (seenAt !== undefined && Date.now() - seenAt < ENDPOINT_CACHE_MS) return false;
    const disabled = await this.store.outbox.isEndpointDisabled(project, url);
    if (disabled) this.enabledEndpoints.delete(key);
    else this.enabledEndpoints.set(key, Date.now());
    return disabled;
  }

  /** Signs and POSTs the event; never throws, an error is an outcome like a status. */
  private async post(event: WebhookEventRow, project: Project, at: number): Promise<Outcome> {
    const started = performance.now();
    const elapsedMs = () => Math.round(performance.now() - started);
    try {
      // Inside the try: a project that cannot be signed for (no server key) is a failed attempt, not a crash.
      // The receiver checks the signature's timestamp against its own clock (Standard Webhooks: within
      // 5 minutes), so it is the real time of the attempt, even when the sandbox's test clock runs ahead.
      const signature = await webhookSignatureHeaders(project, this.serverKey, event.id, Date.now(), event.payload_json);
      const response = await this.fetch(event.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          ...signature,
        },
        body: event.payload_json,
        // A redirect is a misconfigured endpoint, not a delivery; following it could also
        // carry the signed event somewhere the merchant never registered.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Only the status matters; cancelling the body frees the connection.
      await response.body?.cancel().catch(() => {});
      return { status: response.status, error: null, durationMs: elapsedMs() };
    } catch (error) {
      return { status: null, error: this.describe(error), durationMs: elapsedMs() };
    }
  }

  /**
   * The number of this attempt since the event was (re)queued: after a replay the backoff
   * starts again at 30 s rather than at the 12 h cap the earlier run had reached.
   */
  private async attemptInRun(event: WebhookEventRow): Promise<number> {
    if (event.first_attempt_at === null) return 1;
    const since = event.first_attempt_at;
    return (await this.store.outbox.attempts(event.id)).filter((a) => a.at >= since).length + 1;
  }

  /** Records the attempt and ends the lease (on SQLite, attempts finishing together share one commit). */
  private record(
    event: WebhookEventRow,
    at: number,
    outcome: Outcome,
    status: WebhookEventRow['status'],
    next: number | null = null,
    alsoInTransaction: (tx: Tx) => Promise<void> = async () => {},
  ): Promise<void> {
    const attempt = event.attempts + 1;
    return this.store.transaction(async (tx) => {
      await alsoInTransaction(tx);
      await tx.outbox.recordAttempt(
        {
          id: event.id,
          status,
          attempts: attempt,
          next_attempt_at: next,
          last_response_status: outcome.status,
          last_error: outcome.error,
          delivered_at: status === 'delivered' ? at : null,
        },
        { event_id: event.id, attempt, at, response_status: outcome.status, error: outcome.error, duration_ms: outcome.durationMs },
      );
    });
  }

  /** A message a merchant can act on: "fetch failed" alone hides the refused connection. */
  private describe(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    if (error.name === 'TimeoutError') return `no response within ${this.timeoutMs} ms`;
    return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
  }
}
