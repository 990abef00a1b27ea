/**
 * The PostgreSQL tables: the SQL of `../sqlite/*-repo.ts` (the spec of each method) in
 * PostgreSQL's dialect, over a pool (reads outside a transaction) or one client (a transaction).
 * Where SQLite breaks ties by rowid, these use `seq`, the identity column the schema adds for it.
 */
import type pg from 'pg';
import type {
  BindingTable,
  CardTable,
  IdempotencyTable,
  LinkTable,
  NewWebhookEvent,
  OutboxTable,
  ProjectTable,
  PushTable,
  SandboxRailTable,
  SessionTable,
  SessionUpdate,
  SubscriptionTable,
  WebhookEventUpdate,
} from '../port';
import type { ProjectCache } from '../project-cache';
import { SessionMoved } from '../errors';
import { projectWithDefaults } from '../new-project';
import {
  projectFromRow,
  projectParams,
  type CardTokenRow,
  type FpsBindingRow,
  type LinkRow,
  type NewProject,
  type PaymentRow,
  type Project,
  type ProjectRow,
  type RefundRow,
  type SandboxPush,
  type SandboxRailBindingRow,
  type SandboxRailPaymentRow,
  type SandboxRailRefundRow,
  type SessionRow,
  type StoredResponse,
  type SubscriptionChargeRow,
  type SubscriptionRow,
  type WebhookAttemptRow,
  type WebhookEventRow,
} from '../rows';

/** What a table needs of a connection: a pool, or the client of one transaction (see storage.ts's `guarded`). */
export type Queryable = {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
};

const all = async <R extends pg.QueryResultRow>(db: Queryable, sql: string, values: unknown[] = []): Promise<R[]> =>
  (await db.query<R>(sql, values)).rows;
const one = async <R extends pg.QueryResultRow>(db: Queryable, sql: string, values: unknown[] = []): Promise<R | undefined> =>
  (await db.query<R>(sql, values)).rows[0];
const changes = async (db: Queryable, sql: string, values: unknown[]): Promise<number> => (await db.query(sql, values)).rowCount ?? 0;

/** A row type's columns, in order; the compiler refuses a list that misses one or adds one. */
const columns = <R>(c: Record<keyof R, true>) => Object.keys(c) as (keyof R & string)[];

/** An INSERT of every column of the row, in that order. */
function inserter<R>(table: string, cols: (keyof R & string)[]): (db: Queryable, row: R) => Promise<unknown> {
  const sql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`;
  return (db, row) => db.query(sql, cols.map((c) => row[c]));
}

const SESSION = columns<SessionRow>({
  id: true, project: true, status: true, version: true, amount: true, currency: true, confirmation: true,
  customer_reference: true, webhook_url: true, failed_attempts: true, close_reason: true, data_json: true,
  expires_at: true, created_at: true, updated_at: true, link_id: true, order_check_url: true,
});
// Named, not `*`, for the tables with `seq`: it is the store's own and no row type has it.
const PAYMENT = columns<PaymentRow>({
  id: true, session_id: true, status: true, method: true, stage: true, amount: true, currency: true,
  refunded_amount: true, card_token: true, rail_ref: true, details_json: true, rail_op: true, reconcile_at: true,
  rail_checks: true, interaction_json: true, failure_code: true, failure_description: true, action_expires_at: true,
  confirm_expires_at: true, created_at: true, updated_at: true,
});
const REFUND = columns<RefundRow>({
  id: true, payment_id: true, amount: true, currency: true, status: true, failure_code: true, failure_description: true,
  reconcile_at: true, rail_checks: true, created_at: true, updated_at: true,
});
const CARD = columns<CardTokenRow>({
  id: true, project: true, session_id: true, brand: true, last4: true, expiry_month: true, expiry_year: true,
  holder: true, scenario: true, recurrent: true, recurrent_at: true, used_at: true, disabled_at: true, created_at: true,
});
const BINDING = columns<FpsBindingRow>({
  id: true, project: true, session_id: true, payment_id: true, rail_ref: true, bank_id: true, bank_name: true,
  disabled_at: true, disabled_by: true, created_at: true,
});
const EVENT = columns<WebhookEventRow>({
  id: true, project: true, session_id: true, type: true, url: true, payload_json: true, status: true, attempts: true,
  next_attempt_at: true, first_attempt_at: true, last_response_status: true, last_error: true, created_at: true,
  delivered_at: true, lease_owner: true, lease_until: true,
});
const ATTEMPT = columns<WebhookAttemptRow>({ event_id: true, attempt: true, at: true, response_status: true, error: true, duration_ms: true });
const LINK = columns<LinkRow>({ id: true, project: true, data_json: true, disabled_at: true, created_at: true });
const SUBSCRIPTION = columns<SubscriptionRow>({
  id: true, project: true, status: true, customer_json: true, amount: true, currency: true, period_unit: true,
  period_count: true, description: true, return_url: true, card_token: true, binding_id: true, trial_days: true, trial_amount: true, first_session_id: true,
  started_at: true, current_period_end: true, next_charge_at: true, charge_session_id: true, periods_paid: true, failed_attempts: true,
  cancel_at_period_end: true, cancelled_at: true, cancel_reason: true, page_token_hash: true, version: true,
  created_at: true, updated_at: true,
});
const SUBSCRIPTION_CHARGE = columns<SubscriptionChargeRow>({ session_id: true, subscription_id: true, period: true, attempt: true, created_at: true });

const PROJECT = columns<ProjectRow>({
  name: true, public_key_pem: true, webhook_url: true, webhook_secret: true, origins_json: true, confirmation: true,
  confirm_window_minutes: true, fps_qr_lifetime_minutes: true, webhook_signing: true, created_at: true, display_name: true,
  logo_url: true, locale: true, support_json: true,
});
const PUSH = columns<SandboxPush>({ id: true, payment_id: true, phone: true, text: true, created_at: true });
const RAIL_PAYMENT = columns<SandboxRailPaymentRow>({
  payment_id: true, method: true, status: true, amount: true, currency: true, refunded_amount: true, card_token: true,
  ref: true, capture_on_approval: true, decline_code: true, decline_description: true, interaction_json: true,
  expires_at: true, binds: true, created_at: true, updated_at: true,
});
const RAIL_REFUND = columns<SandboxRailRefundRow>({ refund_id: true, payment_id: true, amount: true, status: true, created_at: true });
const RAIL_BINDING = columns<SandboxRailBindingRow>({ ref: true, payment_id: true, bank_id: true, status: true, created_at: true, revoked_at: true });

// Every SELECT names its columns, never `*`: statements are prepared once per connection, and a
// prepared `*` fails ("cached plan must not change result type") once a migration adds a column
// while an older instance still runs (a rolling deploy).
const projects = PROJECT.join(', ');
const sessions = SESSION.join(', ');
const cards = CARD.join(', ');
const bindings = BINDING.join(', ');
const attempts = ATTEMPT.join(', ');
const pushes = PUSH.join(', ');
const payments = PAYMENT.join(', ');
const refunds = REFUND.join(', ');
const events = EVENT.join(', ');
const links = LINK.join(', ');
const subscriptions = SUBSCRIPTION.join(', ');
const subscriptionCharges = SUBSCRIPTION_CHARGE.join(', ');
const railPayments = RAIL_PAYMENT.join(', ');
const railRefunds = RAIL_REFUND.join(', ');
const railBindings = RAIL_BINDING.join(', ');

export class PgProjectTable implements ProjectTable {
  constructor(
    private readonly db: Queryable,
    private readonly cache: ProjectCache,
  ) {}

  /** Through the cache: for reads of committed rows only (see projectsInTransaction). */
  get(name: string): Promise<Project | null> {
    return this.cache.get(name, () => this.load(name));
  }
  peek(name: string): Project | undefined {
    return this.cache.peek(name);
  }
  async load(name: string): Promise<Project | null> {
    const row = await one<ProjectRow>(this.db, `SELECT ${projects} FROM projects WHERE name = $1`, [name]);
    return row ? projectFromRow(row) : null;
  }
  async list(): Promise<Project[]> {
    return (await all<ProjectRow>(this.db, `SELECT ${projects} FROM projects ORDER BY name`)).map(projectFromRow);
  }
  async insert(p: NewProject): Promise<void> {
    const q = projectParams(projectWithDefaults(p));
    await this.db.query(
      `INSERT INTO projects (name, public_key_pem, webhook_url, webhook_secret, origins_json, confirmation,
         confirm_window_minutes, fps_qr_lifetime_minutes, webhook_signing, created_at, display_name, logo_url, locale, support_json)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
      [q.name, q.publicKeyPem, q.webhookUrl, q.webhookSecret, q.originsJson, q.confirmation, q.confirmWindowMinutes,
        q.fpsQrLifetimeMinutes, q.webhookSigning, q.createdAt, q.displayName, q.logoUrl, q.locale, q.supportJson],
    );
  }
  async update(p: Project): Promise<void> {
    const q = projectParams(p);
    await this.db.query(
      `UPDATE projects SET public_key_pem = $2, webhook_url = $3, origins_json = $4, confirmation = $5,
         confirm_window_minutes = $6, fps_qr_lifetime_minutes = $7, display_name = $8, logo_url = $9, locale = $10,
         support_json = $11, webhook_signing = $12 WHERE name = $1`,
      [q.name, q.publicKeyPem, q.webhookUrl, q.originsJson, q.confirmation, q.confirmWindowMinutes,
        q.fpsQrLifetimeMinutes, q.displayName, q.logoUrl, q.locale, q.supportJson, q.webhookSigning],
    );
  }
}

const insertSession = inserter<SessionRow>('sessions', SESSION);
const insertPayment = inserter<PaymentRow>('payments', PAYMENT);
const insertRefund = inserter<RefundRow>('refunds', REFUND);

export class PgSessionTable implements SessionTable {
  constructor(private readonly db: Queryable) {}

  get(id: string): Promise<SessionRow | undefined> {
    return one(this.db, `SELECT ${sessions} FROM sessions WHERE id = $1`, [id]);
  }
  /** A row lock until the transaction ends; SKIP LOCKED answers no row at once instead of waiting. */
  lock(id: string, opts: { skipLocked?: boolean } = {}): Promise<SessionRow | undefined> {
    return one(this.db, `SELECT ${sessions} FROM sessions WHERE id = $1 FOR UPDATE${opts.skipLocked ? ' SKIP LOCKED' : ''}`, [id]);
  }
  async insert(row: SessionRow): Promise<void> {
    await insertSession(this.db, row);
  }
  async update(row: SessionUpdate, version: number): Promise<void> {
    const sql = `UPDATE sessions SET status = $2, failed_attempts = $3, close_reason = $4, version = version + 1, updated_at = $5
                 WHERE id = $1 AND version = $6`;
    if ((await changes(this.db, sql, [row.id, row.status, row.failed_attempts, row.close_reason, row.updated_at, version])) !== 1) {
      throw new SessionMoved(row.id);
    }
  }
  async touch(id: string, version: number, now: number): Promise<void> {
    const sql = 'UPDATE sessions SET version = version + 1, updated_at = $2 WHERE id = $1 AND version = $3';
    if ((await changes(this.db, sql, [id, now, version])) !== 1) throw new SessionMoved(id);
  }
  payments(sessionId: string): Promise<PaymentRow[]> {
    return all(this.db, `SELECT ${payments} FROM payments WHERE session_id = $1 ORDER BY created_at, seq`, [sessionId]);
  }
  payment(id: string): Promise<PaymentRow | undefined> {
    return one(this.db, `SELECT ${payments} FROM payments WHERE id = $1`, [id]);
  }
  paymentByRailRef(ref: string): Promise<PaymentRow | undefined> {
    return one(this.db, `SELECT ${payments} FROM payments WHERE rail_ref = $1`, [ref]);
  }
  latestPayment(sessionId: string): Promise<PaymentRow | undefined> {
    return one(this.db, `SELECT ${payments} FROM payments WHERE session_id = $1 ORDER BY created_at DESC, seq DESC LIMIT 1`, [sessionId]);
  }
  async insertPayment(row: PaymentRow): Promise<void> {
    await insertPayment(this.db, row);
  }
  async updatePayment(row: PaymentRow): Promise<void> {
    await this.db.query(
      `UPDATE payments SET status = $2, stage = $3, refunded_amount = $4, rail_ref = $5, failure_code = $6,
         failure_description = $7, action_expires_at = $8, confirm_expires_at = $9, updated_at = $10, rail_op = $11,
         reconcile_at = $12, rail_checks = $13, interaction_json = $14 WHERE id = $1`,
      [row.id, row.status, row.stage, row.refunded_amount, row.rail_ref, row.failure_code, row.failure_description,
        row.action_expires_at, row.confirm_expires_at, row.updated_at, row.rail_op, row.reconcile_at, row.rail_checks,
        row.interaction_json],
    );
  }
  /** Oldest first, ties in insertion order: the partial index (reconcile_at, seq) is read in order. */
  paymentsToReconcile(now: number, limit: number): Promise<PaymentRow[]> {
    return all(this.db, `SELECT ${payments} FROM payments WHERE reconcile_at <= $1 ORDER BY reconcile_at, seq LIMIT $2`, [now, limit]);
  }
  refunds(paymentId: string): Promise<RefundRow[]> {
    return all(this.db, `SELECT ${refunds} FROM refunds WHERE payment_id = $1 ORDER BY created_at, seq`, [paymentId]);
  }
  refund(id: string): Promise<RefundRow | undefined> {
    return one(this.db, `SELECT ${refunds} FROM refunds WHERE id = $1`, [id]);
  }
  refundsToReconcile(now: number, limit: number): Promise<RefundRow[]> {
    return all(
      this.db,
      `SELECT ${refunds} FROM refunds WHERE status = 'pending' AND reconcile_at <= $1 ORDER BY reconcile_at, seq LIMIT $2`,
      [now, limit],
    );
  }
  async insertRefund(row: RefundRow): Promise<void> {
    await insertRefund(this.db, row);
  }
  async updateRefund(row: RefundRow): Promise<void> {
    await this.db.query(
      `UPDATE refunds SET status = $2, failure_code = $3, failure_description = $4, reconcile_at = $5, rail_checks = $6,
         updated_at = $7 WHERE id = $1`,
      [row.id, row.status, row.failure_code, row.failure_description, row.reconcile_at, row.rail_checks, row.updated_at],
    );
  }
  async insertPublicToken(tokenHash: string, sessionId: string, now: number): Promise<void> {
    await this.db.query('INSERT INTO public_tokens (token_hash, session_id, created_at) VALUES ($1, $2, $3)', [tokenHash, sessionId, now]);
  }
  byPublicToken(tokenHash: string): Promise<SessionRow | undefined> {
    return one(this.db, `SELECT ${SESSION.map((c) => `s.${c}`).join(', ')} FROM public_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = $1`, [tokenHash]);
  }
  /** One UNION (PostgreSQL searches each deadline's partial index for its arm), deduplicated by it. */
  async dueForExpiry(now: number): Promise<string[]> {
    const rows = await all<{ id: string }>(
      this.db,
      `SELECT id FROM sessions WHERE status = 'created' AND expires_at <= $1
       UNION SELECT session_id FROM payments WHERE action_expires_at <= $1
       UNION SELECT session_id FROM payments WHERE confirm_expires_at <= $1`,
      [now],
    );
    return rows.map((r) => r.id);
  }
  /** Sessions have no `seq`: ties of created_at are broken by id, so the order is still total. */
  newest(project: string | null, limit: number): Promise<SessionRow[]> {
    return project
      ? all(this.db, `SELECT ${sessions} FROM sessions WHERE project = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [project, limit])
      : all(this.db, `SELECT ${sessions} FROM sessions ORDER BY created_at DESC, id DESC LIMIT $1`, [limit]);
  }
  linkCounts(): Promise<{ link_id: string; sessions: number; paid: number }[]> {
    return all(
      this.db,
      `SELECT link_id, count(*)::int AS sessions, (count(*) FILTER (WHERE status = 'accepted'))::int AS paid
       FROM sessions WHERE link_id IS NOT NULL GROUP BY link_id`,
    );
  }
}

const insertCard = inserter<CardTokenRow>('card_tokens', CARD);

export class PgCardTable implements CardTable {
  constructor(private readonly db: Queryable) {}

  get(id: string): Promise<CardTokenRow | undefined> {
    return one(this.db, `SELECT ${cards} FROM card_tokens WHERE id = $1`, [id]);
  }
  async insert(row: CardTokenRow): Promise<void> {
    await insertCard(this.db, row);
  }
  /** The row lock of the UPDATE makes a racing second one wait, re-read `used_at` and change nothing. */
  async markUsed(id: string, now: number): Promise<boolean> {
    return (await changes(this.db, 'UPDATE card_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL', [id, now])) === 1;
  }
  async setRecurrent(id: string, now: number): Promise<void> {
    await this.db.query('UPDATE card_tokens SET recurrent = 1, recurrent_at = coalesce(recurrent_at, $2) WHERE id = $1', [id, now]);
  }
  async disable(id: string, now: number): Promise<boolean> {
    return (await changes(this.db, 'UPDATE card_tokens SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL', [id, now])) === 1;
  }
  lastCard(project: string, customerReference: string): Promise<CardTokenRow | undefined> {
    return one(
      this.db,
      `SELECT ${CARD.map((c) => `t.${c}`).join(', ')} FROM customers c JOIN card_tokens t ON t.id = c.last_card_token
       WHERE c.project = $1 AND c.reference = $2 AND t.disabled_at IS NULL`,
      [project, customerReference],
    );
  }
  async forgetLastCard(project: string, customerReference: string, now: number): Promise<void> {
    await this.db.query('UPDATE customers SET last_card_token = NULL, updated_at = $3 WHERE project = $1 AND reference = $2', [project, customerReference, now]);
  }
  async rememberLastCard(project: string, customerReference: string, tokenId: string, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO customers (project, reference, last_card_token, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (project, reference) DO UPDATE SET last_card_token = excluded.last_card_token, updated_at = excluded.updated_at`,
      [project, customerReference, tokenId, now],
    );
  }
}

const insertBinding = inserter<FpsBindingRow>('fps_bindings', BINDING);

export class PgBindingTable implements BindingTable {
  constructor(private readonly db: Queryable) {}

  get(id: string): Promise<FpsBindingRow | undefined> {
    return one(this.db, `SELECT ${bindings} FROM fps_bindings WHERE id = $1`, [id]);
  }
  byPayment(paymentId: string): Promise<FpsBindingRow | undefined> {
    return one(this.db, `SELECT ${bindings} FROM fps_bindings WHERE payment_id = $1`, [paymentId]);
  }
  byRailRef(railRef: string): Promise<FpsBindingRow | undefined> {
    return one(this.db, `SELECT ${bindings} FROM fps_bindings WHERE rail_ref = $1`, [railRef]);
  }
  async insert(row: FpsBindingRow): Promise<void> {
    await insertBinding(this.db, row);
  }
  async disable(id: string, now: number, by: 'merchant' | 'bank'): Promise<boolean> {
    const sql = 'UPDATE fps_bindings SET disabled_at = $2, disabled_by = $3 WHERE id = $1 AND disabled_at IS NULL';
    return (await changes(this.db, sql, [id, now, by])) === 1;
  }
}

const insertAttempt = inserter<WebhookAttemptRow>('webhook_attempts', ATTEMPT);

/** The webhook outbox, shared by every instance's sender through leases (see OutboxTable.claimDue). */
export class PgOutboxTable implements OutboxTable {
  constructor(private readonly db: Queryable) {}

  async insert(row: NewWebhookEvent): Promise<void> {
    await this.db.query(
      `INSERT INTO webhook_events (id, project, session_id, type, url, payload_json, status, attempts, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)`,
      [row.id, row.project, row.session_id, row.type, row.url, row.payload_json, row.created_at],
    );
  }
  get(id: string): Promise<WebhookEventRow | undefined> {
    return one(this.db, `SELECT ${events} FROM webhook_events WHERE id = $1`, [id]);
  }
  /**
   * SKIP LOCKED: two senders claiming at once split the due events instead of one waiting for the
   * other; a row another claim leased and committed meanwhile is re-checked and left out.
   */
  async claimDue(now: number, limit: number, owner: string, leaseUntil: number): Promise<WebhookEventRow[]> {
    const rows = await all<WebhookEventRow>(
      this.db,
      `UPDATE webhook_events SET lease_owner = $3, lease_until = $4
       WHERE id IN (SELECT id FROM webhook_events WHERE status = 'pending' AND next_attempt_at <= $1
                      AND (lease_until IS NULL OR lease_until <= $1) ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING ${events}`,
      [now, limit, owner, leaseUntil],
    );
    // RETURNING gives no order: the oldest due go first, as the merchant expects.
    return rows.sort((a, b) => a.next_attempt_at! - b.next_attempt_at!);
  }
  async recordAttempt(event: WebhookEventUpdate, attempt: WebhookAttemptRow): Promise<void> {
    await this.db.query(
      `UPDATE webhook_events SET status = $2, attempts = $3, next_attempt_at = $4, first_attempt_at = coalesce(first_attempt_at, $5),
         last_response_status = $6, last_error = $7, delivered_at = $8, lease_owner = NULL, lease_until = NULL WHERE id = $1`,
      [event.id, event.status, event.attempts, event.next_attempt_at, attempt.at, event.last_response_status, event.last_error, event.delivered_at],
    );
    await insertAttempt(this.db, attempt);
  }
  attempts(eventId: string): Promise<WebhookAttemptRow[]> {
    return all(this.db, `SELECT ${attempts} FROM webhook_attempts WHERE event_id = $1 ORDER BY attempt`, [eventId]);
  }
  failed(project: string): Promise<WebhookEventRow[]> {
    return all(this.db, `SELECT ${events} FROM webhook_events WHERE project = $1 AND status = 'failed' ORDER BY created_at, seq`, [project]);
  }
  forSession(sessionId: string): Promise<WebhookEventRow[]> {
    return all(this.db, `SELECT ${events} FROM webhook_events WHERE session_id = $1 ORDER BY created_at, seq`, [sessionId]);
  }
  async replay(id: string, now: number): Promise<boolean> {
    const sql = `UPDATE webhook_events SET status = 'pending', next_attempt_at = $2, first_attempt_at = NULL WHERE id = $1 AND status = 'failed'`;
    return (await changes(this.db, sql, [id, now])) === 1;
  }
  async isEndpointDisabled(project: string, url: string): Promise<boolean> {
    const row = await one<{ disabled_at: number | null }>(this.db, 'SELECT disabled_at FROM webhook_endpoints WHERE project = $1 AND url = $2', [project, url]);
    return row?.disabled_at != null;
  }
  async disableEndpoint(project: string, url: string, now: number, reason: string): Promise<void> {
    await this.db.query(
      `INSERT INTO webhook_endpoints (project, url, disabled_at, disabled_reason) VALUES ($1, $2, $3, $4)
       ON CONFLICT (project, url) DO UPDATE SET disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason`,
      [project, url, now, reason],
    );
  }
  async enableEndpoint(project: string, url: string): Promise<void> {
    await this.db.query('UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = NULL WHERE project = $1 AND url = $2', [project, url]);
  }
}

export class PgIdempotencyTable implements IdempotencyTable {
  constructor(private readonly db: Queryable) {}

  async get(project: string, key: string): Promise<StoredResponse | undefined> {
    const row = await one<{ method: string; body_sha256: string; response_status: number; response_json: string }>(
      this.db,
      'SELECT method, body_sha256, response_status, response_json FROM idempotency_keys WHERE project = $1 AND key = $2',
      [project, key],
    );
    return row && { method: row.method, bodySha256: row.body_sha256, status: row.response_status, json: row.response_json };
  }
  /**
   * A transaction-scoped advisory lock on the key's hash: it ends with the transaction, and is
   * taken before the key's row exists (a row lock could not be). Two keys whose hashes collide
   * (64 bits: rare) only make one of their requests answer 409 while the other runs.
   */
  async hold(project: string, key: string): Promise<boolean> {
    const row = await one<{ held: boolean }>(this.db, `SELECT pg_try_advisory_xact_lock(hashtextextended($1::text || E'\\n' || $2::text, 0)) AS held`, [project, key]);
    return row!.held;
  }
  async insert(project: string, key: string, r: StoredResponse, now: number): Promise<void> {
    await this.db.query(
      `INSERT INTO idempotency_keys (project, key, method, body_sha256, response_status, response_json, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [project, key, r.method, r.bodySha256, r.status, r.json, now],
    );
  }
  purge(before: number): Promise<number> {
    return changes(this.db, 'DELETE FROM idempotency_keys WHERE created_at < $1', [before]);
  }
}

const insertLink = inserter<LinkRow>('payment_links', LINK);

export class PgLinkTable implements LinkTable {
  constructor(private readonly db: Queryable) {}

  get(id: string): Promise<LinkRow | undefined> {
    return one(this.db, `SELECT ${links} FROM payment_links WHERE id = $1`, [id]);
  }
  async insert(row: LinkRow): Promise<void> {
    await insertLink(this.db, row);
  }
  list(project: string): Promise<LinkRow[]> {
    return all(this.db, `SELECT ${links} FROM payment_links WHERE project = $1 ORDER BY created_at DESC, seq DESC`, [project]);
  }
  async disable(id: string, now: number): Promise<boolean> {
    return (await changes(this.db, 'UPDATE payment_links SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL', [id, now])) === 1;
  }
}

const insertSubscription = inserter<SubscriptionRow>('subscriptions', SUBSCRIPTION);
const insertSubscriptionCharge = inserter<SubscriptionChargeRow>('subscription_charges', SUBSCRIPTION_CHARGE);
/** What `update` saves: every column but the ones fixed at creation (and version, which it bumps). */
const SUBSCRIPTION_MUTABLE = SUBSCRIPTION.filter(
  (c) => !['id', 'project', 'created_at', 'first_session_id', 'page_token_hash', 'version'].includes(c),
);
const updateSubscription = `UPDATE subscriptions SET ${SUBSCRIPTION_MUTABLE.map((c, i) => `${c} = $${i + 3}`).join(', ')},
  version = version + 1 WHERE id = $1 AND version = $2`;

export class PgSubscriptionTable implements SubscriptionTable {
  constructor(private readonly db: Queryable) {}

  get(id: string): Promise<SubscriptionRow | undefined> {
    return one(this.db, `SELECT ${subscriptions} FROM subscriptions WHERE id = $1`, [id]);
  }
  list(project: string, limit: number): Promise<SubscriptionRow[]> {
    return all(this.db, `SELECT ${subscriptions} FROM subscriptions WHERE project = $1 ORDER BY created_at DESC, seq DESC LIMIT $2`, [project, limit]);
  }
  byPageToken(tokenHash: string): Promise<SubscriptionRow | undefined> {
    return one(this.db, `SELECT ${subscriptions} FROM subscriptions WHERE page_token_hash = $1`, [tokenHash]);
  }
  chargeOf(sessionId: string): Promise<SubscriptionChargeRow | undefined> {
    return one(this.db, `SELECT ${subscriptionCharges} FROM subscription_charges WHERE session_id = $1`, [sessionId]);
  }
  charges(subscriptionId: string): Promise<SubscriptionChargeRow[]> {
    return all(this.db, `SELECT ${subscriptionCharges} FROM subscription_charges WHERE subscription_id = $1 ORDER BY period, attempt`, [subscriptionId]);
  }
  async insert(row: SubscriptionRow): Promise<void> {
    await insertSubscription(this.db, row);
  }
  /** A row lock until the transaction ends. */
  lock(id: string): Promise<SubscriptionRow | undefined> {
    return one(this.db, `SELECT ${subscriptions} FROM subscriptions WHERE id = $1 FOR UPDATE`, [id]);
  }
  async update(row: SubscriptionRow, version: number): Promise<void> {
    const values = [row.id, version, ...SUBSCRIPTION_MUTABLE.map((c) => row[c])];
    if ((await changes(this.db, updateSubscription, values)) !== 1) throw new SessionMoved(row.id);
  }
  /**
   * SKIP LOCKED: schedulers claiming at once split the due rows instead of one waiting for the
   * other; a row another claim changed and committed meanwhile is re-checked against the WHERE.
   */
  claimDue(now: number, limit: number): Promise<SubscriptionRow[]> {
    return all(
      this.db,
      `SELECT ${subscriptions} FROM subscriptions WHERE next_charge_at IS NOT NULL AND next_charge_at <= $1
       ORDER BY next_charge_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [now, limit],
    );
  }
  async insertCharge(row: SubscriptionChargeRow): Promise<void> {
    await insertSubscriptionCharge(this.db, row);
  }
}

export class PgPushTable implements PushTable {
  constructor(private readonly db: Queryable) {}

  async record(paymentId: string, phone: string, text: string, now: number): Promise<SandboxPush> {
    const row = await one<{ id: number }>(
      this.db,
      'INSERT INTO sandbox_pushes (payment_id, phone, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
      [paymentId, phone, text, now],
    );
    return { id: row!.id, payment_id: paymentId, phone, text, created_at: now };
  }
  recent(limit = 50, phone?: string): Promise<SandboxPush[]> {
    return phone
      ? all(this.db, `SELECT ${pushes} FROM sandbox_pushes WHERE phone = $1 ORDER BY id DESC LIMIT $2`, [phone, limit])
      : all(this.db, `SELECT ${pushes} FROM sandbox_pushes ORDER BY id DESC LIMIT $1`, [limit]);
  }
}

const insertRailPayment = inserter<SandboxRailPaymentRow>('sandbox_rail_payments', RAIL_PAYMENT);
const insertRailRefund = inserter<SandboxRailRefundRow>('sandbox_rail_refunds', RAIL_REFUND);
const insertRailBinding = inserter<SandboxRailBindingRow>('sandbox_rail_bindings', RAIL_BINDING);

/** The sandbox rail's own books: what a remote acquirer keeps on its side of each payment and refund. */
export class PgSandboxRailTable implements SandboxRailTable {
  constructor(private readonly db: Queryable) {}

  payment(paymentId: string): Promise<SandboxRailPaymentRow | undefined> {
    return one(this.db, `SELECT ${railPayments} FROM sandbox_rail_payments WHERE payment_id = $1`, [paymentId]);
  }
  paymentByRef(ref: string): Promise<SandboxRailPaymentRow | undefined> {
    return one(this.db, `SELECT ${railPayments} FROM sandbox_rail_payments WHERE ref = $1`, [ref]);
  }
  refund(refundId: string): Promise<SandboxRailRefundRow | undefined> {
    return one(this.db, `SELECT ${railRefunds} FROM sandbox_rail_refunds WHERE refund_id = $1`, [refundId]);
  }
  /** A row lock until the transaction ends, as `sessions.lock` takes. */
  lockPayment(paymentId: string): Promise<SandboxRailPaymentRow | undefined> {
    return one(this.db, `SELECT ${railPayments} FROM sandbox_rail_payments WHERE payment_id = $1 FOR UPDATE`, [paymentId]);
  }
  async insertPayment(row: SandboxRailPaymentRow): Promise<void> {
    await insertRailPayment(this.db, row);
  }
  async updatePayment(row: SandboxRailPaymentRow): Promise<void> {
    await this.db.query(
      `UPDATE sandbox_rail_payments SET status = $2, refunded_amount = $3, ref = $4, decline_code = $5, decline_description = $6,
         interaction_json = $7, expires_at = $8, updated_at = $9 WHERE payment_id = $1`,
      [row.payment_id, row.status, row.refunded_amount, row.ref, row.decline_code, row.decline_description,
        row.interaction_json, row.expires_at, row.updated_at],
    );
  }
  async insertRefund(row: SandboxRailRefundRow): Promise<void> {
    await insertRailRefund(this.db, row);
  }
  binding(ref: string): Promise<SandboxRailBindingRow | undefined> {
    return one(this.db, `SELECT ${railBindings} FROM sandbox_rail_bindings WHERE ref = $1`, [ref]);
  }
  /** Newest first, ties by ref (as on SQLite): the (created_at, ref) index read backwards. */
  bindings(limit: number): Promise<SandboxRailBindingRow[]> {
    return all(this.db, `SELECT ${railBindings} FROM sandbox_rail_bindings ORDER BY created_at DESC, ref DESC LIMIT $1`, [limit]);
  }
  async insertBinding(row: SandboxRailBindingRow): Promise<void> {
    await insertRailBinding(this.db, row);
  }
  async revokeBinding(ref: string, now: number): Promise<boolean> {
    const sql = `UPDATE sandbox_rail_bindings SET status = 'revoked', revoked_at = $2 WHERE ref = $1 AND status = 'active'`;
    return (await changes(this.db, sql, [ref, now])) === 1;
  }
  async clockOffset(): Promise<number> {
    return (await one<{ offset_ms: number }>(this.db, 'SELECT offset_ms FROM sandbox_clock WHERE id = 1', []))?.offset_ms ?? 0;
  }
  async advanceClock(ms: number): Promise<number> {
    const row = await one<{ offset_ms: number }>(
      this.db,
      'INSERT INTO sandbox_clock (id, offset_ms) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET offset_ms = sandbox_clock.offset_ms + $1 RETURNING offset_ms',
      [ms],
    );
    return row!.offset_ms;
  }
}

/** The ten tables over one connection (the pool, or a transaction's client), sharing the storage's project cache. */
export class PgTables {
  readonly projects: PgProjectTable;
  readonly sessions: PgSessionTable;
  readonly cards: PgCardTable;
  readonly bindings: PgBindingTable;
  readonly outbox: PgOutboxTable;
  readonly idempotency: PgIdempotencyTable;
  readonly links: PgLinkTable;
  readonly subscriptions: PgSubscriptionTable;
  readonly pushes: PgPushTable;
  readonly sandboxRail: PgSandboxRailTable;

  constructor(db: Queryable, projects: ProjectCache) {
    this.projects = new PgProjectTable(db, projects);
    this.sessions = new PgSessionTable(db);
    this.cards = new PgCardTable(db);
    this.bindings = new PgBindingTable(db);
    this.outbox = new PgOutboxTable(db);
    this.idempotency = new PgIdempotencyTable(db);
    this.links = new PgLinkTable(db);
    this.subscriptions = new PgSubscriptionTable(db);
    this.pushes = new PgPushTable(db);
    this.sandboxRail = new PgSandboxRailTable(db);
  }
}
