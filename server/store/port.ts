/**
 * The storage port: what the server needs of a database, and nothing of how one works. Two
 * implementations: SQLite (`sqlite/storage.ts`, the embedded default) and PostgreSQL
 * (`postgres/storage.ts`, for several instances). Nothing outside `server/store/` writes SQL.
 *
 * Every change runs in `transaction`: a transition is computed by the pure domain from rows read
 * in the transaction and written back with its webhook outbox rows, so they commit together or
 * not at all. A transaction that changes a session first takes it with `sessions.lock` (a row
 * lock on PostgreSQL; SQLite runs one transaction at a time anyway), so concurrent transitions of
 * one session, on one instance or many, take turns and each sees the one before; every session
 * write also names the version it read, and fails with `SessionMoved` if the row moved under it.
 *
 * Reads outside a transaction (the `Reads` of `Storage`) see committed rows only.
 *
 * A transaction body must touch nothing but the database: no network, no timers. SQLite runs
 * one at a time, so a body that waited for something else would stall every other write. Nor
 * may it open another transaction (pass its `tx` down instead): on SQLite that one would wait for
 * the body to end, which waits for it. (A guard through AsyncLocalStorage would catch it, but on
 * Node 20 that puts a hook on every promise of the process: a quarter of the CPU of a payment.)
 */
import type {
  CardTokenRow,
  FpsBindingRow,
  LinkRow,
  NewProject,
  PaymentRow,
  Project,
  RefundRow,
  SandboxPush,
  SandboxRailBindingRow,
  SandboxRailPaymentRow,
  SandboxRailRefundRow,
  SessionRow,
  StoredResponse,
  SubscriptionChargeRow,
  SubscriptionRow,
  WebhookAttemptRow,
  WebhookEventRow,
} from './rows';

export interface ProjectReads {
  /** Cached for a moment: projects are read on every signed request and change only through the CLI. */
  get(name: string): Promise<Project | null>;
  /** The project if the cache holds it now, else undefined: the widgets' hot path answers without a promise then. */
  peek(name: string): Project | undefined;
  list(): Promise<Project[]>;
}
export interface ProjectTable extends ProjectReads {
  insert(p: NewProject): Promise<void>;
  update(p: Project): Promise<void>;
}

/** A session's state as a transition writes it back. */
export type SessionUpdate = Pick<SessionRow, 'id' | 'status' | 'failed_attempts' | 'close_reason' | 'updated_at'>;

export interface SessionReads {
  get(id: string): Promise<SessionRow | undefined>;
  payments(sessionId: string): Promise<PaymentRow[]>;
  payment(id: string): Promise<PaymentRow | undefined>;
  paymentByRailRef(ref: string): Promise<PaymentRow | undefined>;
  latestPayment(sessionId: string): Promise<PaymentRow | undefined>;
  refunds(paymentId: string): Promise<RefundRow[]>;
  refund(id: string): Promise<RefundRow | undefined>;
  /** Payments whose `reconcile_at` is at or before `now` (a rail call to learn the outcome of), oldest first. */
  paymentsToReconcile(now: number, limit: number): Promise<PaymentRow[]>;
  /** Pending refunds whose `reconcile_at` is at or before `now`, oldest first. */
  refundsToReconcile(now: number, limit: number): Promise<RefundRow[]>;
  byPublicToken(tokenHash: string): Promise<SessionRow | undefined>;
  /** Ids of sessions with a deadline at or before `now`. */
  dueForExpiry(now: number): Promise<string[]>;
  /** The newest sessions of a project (or of all when null), newest first. */
  newest(project: string | null, limit: number): Promise<SessionRow[]>;
  /** Per payment link: how many sessions it opened and how many were paid. */
  linkCounts(): Promise<{ link_id: string; sessions: number; paid: number }[]>;
}
export interface SessionTable extends SessionReads {
  /**
   * The session, locked for the rest of the transaction: a concurrent transaction that locks it
   * waits for this one to end. `skipLocked`: answer undefined at once when another holds it (the
   * deadline scheduler leaves it to them).
   */
  lock(id: string, opts?: { skipLocked?: boolean }): Promise<SessionRow | undefined>;
  insert(row: SessionRow): Promise<void>;
  /** Saves a transition and bumps the version from `version` (the one read); SessionMoved if it moved. */
  update(row: SessionUpdate, version: number): Promise<void>;
  /** Bumps the version when only a payment changed (a renewed QR, say); SessionMoved if it moved. */
  touch(id: string, version: number, now: number): Promise<void>;
  insertPayment(row: PaymentRow): Promise<void>;
  updatePayment(row: PaymentRow): Promise<void>;
  insertRefund(row: RefundRow): Promise<void>;
  /** Saves a refund's status, failure and reconcile_at / rail_checks / updated_at. */
  updateRefund(row: RefundRow): Promise<void>;
  insertPublicToken(tokenHash: string, sessionId: string, now: number): Promise<void>;
}

export interface CardReads {
  get(id: string): Promise<CardTokenRow | undefined>;
  /** The customer's last successfully charged card, for the one-tap "last used card". */
  lastCard(project: string, customerReference: string): Promise<CardTokenRow | undefined>;
}
export interface CardTable extends CardReads {
  insert(row: CardTokenRow): Promise<void>;
  /** Marks a single-use token spent; false when it already was (so it is never charged twice). */
  markUsed(id: string, now: number): Promise<boolean>;
  /** Makes it a recurrent token, as of `now` (kept if it already was one). */
  setRecurrent(id: string, now: number): Promise<void>;
  disable(id: string, now: number): Promise<boolean>;
  /** The customer removed their saved card: it is offered no more (a recurrent token made from it stays). */
  forgetLastCard(project: string, customerReference: string, now: number): Promise<void>;
  rememberLastCard(project: string, customerReference: string, tokenId: string, now: number): Promise<void>;
}

export interface BindingReads {
  get(id: string): Promise<FpsBindingRow | undefined>;
  /** The binding a payment made, if it made one. */
  byPayment(paymentId: string): Promise<FpsBindingRow | undefined>;
  /** By the rail's id of it (what a rail names when the customer revokes it). */
  byRailRef(railRef: string): Promise<FpsBindingRow | undefined>;
}
export interface BindingTable extends BindingReads {
  insert(row: FpsBindingRow): Promise<void>;
  /** False when it was already disabled. */
  disable(id: string, now: number, by: 'merchant' | 'bank'): Promise<boolean>;
}

export type NewWebhookEvent = Pick<WebhookEventRow, 'id' | 'project' | 'session_id' | 'type' | 'url' | 'payload_json' | 'created_at'>;
export type WebhookEventUpdate = Pick<WebhookEventRow, 'id' | 'status' | 'attempts' | 'next_attempt_at' | 'last_response_status' | 'last_error' | 'delivered_at'>;

export interface OutboxReads {
  get(id: string): Promise<WebhookEventRow | undefined>;
  attempts(eventId: string): Promise<WebhookAttemptRow[]>;
  failed(project: string): Promise<WebhookEventRow[]>;
  forSession(sessionId: string): Promise<WebhookEventRow[]>;
  isEndpointDisabled(project: string, url: string): Promise<boolean>;
}
export interface OutboxTable extends OutboxReads {
  insert(row: NewWebhookEvent): Promise<void>;
  /**
   * Takes up to `limit` pending events due at `now` that no live lease holds, leased to `owner`
   * until `leaseUntil`: another instance takes an event only once that lease has run out (its
   * holder died mid-delivery), and sends it with the same id.
   */
  claimDue(now: number, limit: number, owner: string, leaseUntil: number): Promise<WebhookEventRow[]>;
  /** Records one delivery attempt and the event's new state, and ends the lease. */
  recordAttempt(event: WebhookEventUpdate, attempt: WebhookAttemptRow): Promise<void>;
  /** Puts a failed event back in the queue, due at `now`; false when it was not failed. */
  replay(id: string, now: number): Promise<boolean>;
  disableEndpoint(project: string, url: string, now: number, reason: string): Promise<void>;
  enableEndpoint(project: string, url: string): Promise<void>;
}

export interface IdempotencyReads {
  get(project: string, key: string): Promise<StoredResponse | undefined>;
}
export interface IdempotencyTable extends IdempotencyReads {
  /**
   * Holds the key until the transaction ends; false when a transaction on another instance holds
   * it now (that request is still running: answer 409 and let the client retry).
   */
  hold(project: string, key: string): Promise<boolean>;
  insert(project: string, key: string, r: StoredResponse, now: number): Promise<void>;
  /** Forgets keys older than `before`. */
  purge(before: number): Promise<number>;
}

export interface LinkReads {
  get(id: string): Promise<LinkRow | undefined>;
  list(project: string): Promise<LinkRow[]>;
}
export interface LinkTable extends LinkReads {
  insert(row: LinkRow): Promise<void>;
  /** False when the link was already disabled. */
  disable(id: string, now: number): Promise<boolean>;
}

export interface SubscriptionReads {
  get(id: string): Promise<SubscriptionRow | undefined>;
  /** The project's subscriptions, newest first. */
  list(project: string, limit: number): Promise<SubscriptionRow[]>;
  byPageToken(tokenHash: string): Promise<SubscriptionRow | undefined>;
  /** The charge a session is, if it is one. */
  chargeOf(sessionId: string): Promise<SubscriptionChargeRow | undefined>;
  /** A subscription's charges, oldest first. */
  charges(subscriptionId: string): Promise<SubscriptionChargeRow[]>;
}
export interface SubscriptionTable extends SubscriptionReads {
  insert(row: SubscriptionRow): Promise<void>;
  /** Takes the row for this transaction (SELECT … FOR UPDATE on PostgreSQL; SQLite runs one writer). */
  lock(id: string): Promise<SubscriptionRow | undefined>;
  /** Saves every field but id, project, created_at, first_session_id and page_token_hash; throws SessionMoved when `version` is not the stored one. Stores version + 1. */
  update(row: SubscriptionRow, version: number): Promise<void>;
  /**
   * Up to `limit` subscriptions whose next_charge_at has come (≤ now), oldest due first, locked for
   * this transaction; on PostgreSQL rows another transaction holds are skipped (SKIP LOCKED), so
   * instances share the due ones and none is taken twice.
   */
  claimDue(now: number, limit: number): Promise<SubscriptionRow[]>;
  /** Throws when (subscription_id, period, attempt) or session_id is taken: the period's attempt was charged already. */
  insertCharge(row: SubscriptionChargeRow): Promise<void>;
}

/** The sandbox's stand-in for the customer's phone: SberPay pushes land here. */
export interface PushReads {
  recent(limit: number, phone?: string): Promise<SandboxPush[]>;
}
export interface PushTable extends PushReads {
  record(paymentId: string, phone: string, text: string, now: number): Promise<SandboxPush>;
}

/** The sandbox rail's own books (see SandboxRailPaymentRow): what a remote acquirer keeps on its side. */
export interface SandboxRailReads {
  payment(paymentId: string): Promise<SandboxRailPaymentRow | undefined>;
  /** By the QR id or SberPay invoice id the customer's bank app scanned. */
  paymentByRef(ref: string): Promise<SandboxRailPaymentRow | undefined>;
  refund(refundId: string): Promise<SandboxRailRefundRow | undefined>;
  binding(ref: string): Promise<SandboxRailBindingRow | undefined>;
  /** The bank's bindings, newest first (the sandbox bank's list of the customer's subscriptions). */
  bindings(limit: number): Promise<SandboxRailBindingRow[]>;
  /** How far the sandbox's test clock runs ahead of the real time, in ms (0 until it is moved). */
  clockOffset(): Promise<number>;
}
export interface SandboxRailTable extends SandboxRailReads {
  /** Moves the test clock forward by `ms`; the offset it now has. */
  advanceClock(ms: number): Promise<number>;
  /** Takes the rail's payment for the transaction (a row lock on PostgreSQL), as `sessions.lock` does. */
  lockPayment(paymentId: string): Promise<SandboxRailPaymentRow | undefined>;
  insertPayment(row: SandboxRailPaymentRow): Promise<void>;
  /** Saves status, refunded_amount, ref, decline_*, interaction_json, expires_at and updated_at. */
  updatePayment(row: SandboxRailPaymentRow): Promise<void>;
  insertRefund(row: SandboxRailRefundRow): Promise<void>;
  insertBinding(row: SandboxRailBindingRow): Promise<void>;
  /** False when it was not active. */
  revokeBinding(ref: string, now: number): Promise<boolean>;
}

export interface Reads {
  readonly projects: ProjectReads;
  readonly sessions: SessionReads;
  readonly cards: CardReads;
  readonly bindings: BindingReads;
  readonly outbox: OutboxReads;
  readonly idempotency: IdempotencyReads;
  readonly links: LinkReads;
  readonly subscriptions: SubscriptionReads;
  readonly pushes: PushReads;
  readonly sandboxRail: SandboxRailReads;
}

export interface Tx {
  readonly projects: ProjectTable;
  readonly sessions: SessionTable;
  readonly cards: CardTable;
  readonly bindings: BindingTable;
  readonly outbox: OutboxTable;
  readonly idempotency: IdempotencyTable;
  readonly links: LinkTable;
  readonly subscriptions: SubscriptionTable;
  readonly pushes: PushTable;
  readonly sandboxRail: SandboxRailTable;
  /** Runs `hook` once this transaction has committed (never after a rollback). */
  afterCommit(hook: () => void): void;
  /**
   * Announces that the session changed, once the transaction commits: to this instance's
   * listeners (`onSessionChanged`) and, on PostgreSQL, to every other instance's.
   */
  sessionChanged(sessionId: string): void;
}

/** Which session changed; null: any may have (a lost connection to the feed was restored). */
export type SessionChangeListener = (sessionId: string | null) => void;

export interface Storage extends Reads {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs `fn` in one transaction and settles with its result once committed; rolled back if it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Settles once every commit made so far is on disk; null when they already are. SQLite syncs
   * its log off the event loop, so an answer or a webhook waits for this (see `sqlite/storage.ts`).
   */
  whenDurable(): Promise<void> | null;
  /** Committed session changes, from this instance and (PostgreSQL) every other. */
  onSessionChanged(listener: SessionChangeListener): void;
  /** Resolves when the database answers (for `/ready`); rejects with StorageUnavailable otherwise. */
  ping(): Promise<void>;
  /** A consistent copy of the data, for `npm run backup` (SQLite; PostgreSQL is backed up with pg_dump). */
  backup(target: string): Promise<void>;
  close(): Promise<void>;
}
