/**
 * The schema, as an append-only list of migrations. `PRAGMA user_version` records how many ran,
 * so opening an old data folder brings it up to date and never re-runs a step.
 *
 * Money is INTEGER kopecks; times are INTEGER milliseconds since the epoch (the server's clock).
 * No column can hold a card number or CVC: a card exists here only as a token with brand, last4
 * and expiry.
 */
/**
 * A migration is SQL, or a step SQL alone cannot take: one that loosens CHECK constraints
 * (`LooseningChecks`), which SQLite's ALTER TABLE cannot change when, as here, they have no name.
 */
export type Migration = string | LooseningChecks;

/**
 * CHECK constraints made less strict in place: each `from` text of a table's CREATE statement
 * becomes `to`. SQLite documents this as the way to drop or change a CHECK without rebuilding the
 * table (https://www.sqlite.org/lang_altertable.html#otheralter, "making changes that do not
 * affect the on-disk content"): a CHECK is read when a row is written, not stored with it, and
 * every row already there met the stricter one. The rebuild would have to copy sessions and
 * payments, which six tables reference, with foreign keys on. See `migrate` in db.ts.
 */
export type LooseningChecks = { loosen: readonly { table: string; from: string; to: string }[] };

export const MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE projects (
    name TEXT PRIMARY KEY,
    public_key_pem TEXT NOT NULL,
    webhook_url TEXT NOT NULL,
    webhook_secret TEXT NOT NULL,
    origins_json TEXT NOT NULL DEFAULT '[]',
    confirmation TEXT NOT NULL DEFAULT 'auto' CHECK (confirmation IN ('auto', 'manual')),
    confirm_window_minutes INTEGER NOT NULL DEFAULT 240,
    fps_qr_lifetime_minutes INTEGER NOT NULL DEFAULT 15,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL REFERENCES projects(name),
    status TEXT NOT NULL CHECK (status IN ('created', 'in_progress', 'accepted', 'cancelled', 'error')),
    version INTEGER NOT NULL DEFAULT 1,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    confirmation TEXT NOT NULL CHECK (confirmation IN ('auto', 'manual')),
    customer_reference TEXT,
    webhook_url TEXT,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    close_reason TEXT,
    data_json TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  -- Only a session that waits for a payment expires by itself (one with a running payment waits for it).
  CREATE INDEX sessions_created_by_expiry ON sessions (expires_at) WHERE status = 'created';
  CREATE INDEX sessions_by_project ON sessions (project, created_at);

  CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'pending', 'succeeded', 'failed')),
    method TEXT NOT NULL CHECK (method IN ('card', 'saved_card', 'recurrent', 'fps', 'sberpay')),
    stage TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    refunded_amount INTEGER NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
    card_token TEXT REFERENCES card_tokens(id),
    rail_ref TEXT UNIQUE,
    details_json TEXT NOT NULL,
    failure_code TEXT,
    failure_description TEXT,
    action_expires_at INTEGER,
    confirm_expires_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX payments_by_session ON payments (session_id, created_at);
  CREATE INDEX payments_action_deadline ON payments (action_expires_at) WHERE action_expires_at IS NOT NULL;
  CREATE INDEX payments_confirm_deadline ON payments (confirm_expires_at) WHERE confirm_expires_at IS NOT NULL;
  -- One live payment per session: the database itself refuses a second charge attempt.
  CREATE UNIQUE INDEX payments_one_active_per_session ON payments (session_id) WHERE status IN ('in_progress', 'pending');

  CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
    created_at INTEGER NOT NULL
  );
  CREATE INDEX refunds_by_payment ON refunds (payment_id, created_at);

  CREATE TABLE card_tokens (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL REFERENCES projects(name),
    session_id TEXT,
    brand TEXT NOT NULL,
    last4 TEXT NOT NULL CHECK (length(last4) = 4),
    expiry_month INTEGER NOT NULL,
    expiry_year INTEGER NOT NULL,
    holder TEXT,
    scenario TEXT NOT NULL,
    recurrent INTEGER NOT NULL DEFAULT 0,
    used_at INTEGER,
    disabled_at INTEGER,
    created_at INTEGER NOT NULL
  );

  CREATE TABLE customers (
    project TEXT NOT NULL,
    reference TEXT NOT NULL,
    last_card_token TEXT REFERENCES card_tokens(id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (project, reference)
  );

  CREATE TABLE public_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    created_at INTEGER NOT NULL
  );

  CREATE TABLE idempotency_keys (
    project TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_json TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (project, key)
  );

  CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL,
    session_id TEXT,
    type TEXT NOT NULL,
    url TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    first_attempt_at INTEGER,
    last_response_status INTEGER,
    last_error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER
  );
  CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_events_by_session ON webhook_events (session_id, created_at);

  CREATE TABLE webhook_attempts (
    event_id TEXT NOT NULL REFERENCES webhook_events(id),
    attempt INTEGER NOT NULL,
    at INTEGER NOT NULL,
    response_status INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (event_id, attempt)
  );

  CREATE TABLE webhook_endpoints (
    project TEXT NOT NULL,
    url TEXT NOT NULL,
    disabled_at INTEGER,
    disabled_reason TEXT,
    PRIMARY KEY (project, url)
  );

  CREATE TABLE sandbox_pushes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    phone TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE payment_links (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL REFERENCES projects(name),
    data_json TEXT NOT NULL,
    disabled_at INTEGER,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX payment_links_by_project ON payment_links (project, created_at);
  ALTER TABLE sessions ADD COLUMN link_id TEXT REFERENCES payment_links(id);
  ALTER TABLE sessions ADD COLUMN order_check_url TEXT;
  `,
  // Indexes for the queries that otherwise read a whole growing table: failed webhooks (CLI and
  // console), the hourly purge of idempotency keys, and a link's sessions (console).
  `
  CREATE INDEX webhook_events_failed ON webhook_events (project, created_at) WHERE status = 'failed';
  CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
  CREATE INDEX sessions_by_link ON sessions (link_id) WHERE link_id IS NOT NULL;
  `,
  // What the customer sees of the shop on the hosted pages: its name, logo, language and support.
  `
  ALTER TABLE projects ADD COLUMN display_name TEXT;
  ALTER TABLE projects ADD COLUMN logo_url TEXT;
  ALTER TABLE projects ADD COLUMN locale TEXT CHECK (locale IN ('ru', 'en'));
  ALTER TABLE projects ADD COLUMN support_json TEXT NOT NULL DEFAULT '{}';
  `,
  // Leases on webhook events, so an event is sent by one sender at a time (PostgreSQL's claim works the same way).
  `
  ALTER TABLE webhook_events ADD COLUMN lease_owner TEXT;
  ALTER TABLE webhook_events ADD COLUMN lease_until INTEGER;
  `,
  // Issue 13, the acquirer port. A rail call is recorded before it is made (rail_op) and its
  // outcome, if lost, is learnt later by the reconciler (reconcile_at, rail_checks); a refund is
  // pending until the rail answers. The sandbox rail keeps its own books, as a remote acquirer
  // would on its side, so the gateway's tables say only what the gateway knows. A project's
  // webhooks may be signed Smart Glocal's way.
  //
  // refunds gains 'pending' in a CHECK, which SQLite cannot alter: the table is rebuilt (SQLite's
  // 12-step procedure, https://www.sqlite.org/lang_altertable.html#otheralter) with its rowids,
  // which order a payment's refunds. It runs with foreign keys on (the PRAGMA is a no-op inside
  // the migration's transaction): no table references refunds, so the DROP deletes nothing that
  // another row needs, and the copy is checked against payments as it is inserted.
  `
  ALTER TABLE payments ADD COLUMN rail_op TEXT CHECK (rail_op IN ('start', 'capture', 'void'));
  ALTER TABLE payments ADD COLUMN reconcile_at INTEGER;
  ALTER TABLE payments ADD COLUMN rail_checks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE payments ADD COLUMN interaction_json TEXT;
  CREATE INDEX payments_to_reconcile ON payments (reconcile_at) WHERE reconcile_at IS NOT NULL;

  CREATE TABLE refunds_rebuilt (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    failure_code TEXT,
    failure_description TEXT,
    reconcile_at INTEGER,
    rail_checks INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  INSERT INTO refunds_rebuilt (rowid, id, payment_id, amount, currency, status, created_at, updated_at)
    SELECT rowid, id, payment_id, amount, currency, status, created_at, created_at FROM refunds;
  DROP TABLE refunds;
  ALTER TABLE refunds_rebuilt RENAME TO refunds;
  CREATE INDEX refunds_by_payment ON refunds (payment_id, created_at);
  CREATE INDEX refunds_to_reconcile ON refunds (reconcile_at) WHERE status = 'pending' AND reconcile_at IS NOT NULL;

  CREATE TABLE sandbox_rail_payments (
    payment_id TEXT PRIMARY KEY,
    method TEXT NOT NULL CHECK (method IN ('card', 'saved_card', 'recurrent', 'fps', 'sberpay')),
    status TEXT NOT NULL CHECK (status IN ('awaiting_customer', 'authorized', 'captured', 'declined', 'voided')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    refunded_amount INTEGER NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
    card_token TEXT,
    ref TEXT,
    capture_on_approval INTEGER NOT NULL CHECK (capture_on_approval IN (0, 1)),
    decline_code TEXT,
    decline_description TEXT,
    interaction_json TEXT,
    expires_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX sandbox_rail_payments_by_ref ON sandbox_rail_payments (ref) WHERE ref IS NOT NULL;

  CREATE TABLE sandbox_rail_refunds (
    refund_id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES sandbox_rail_payments(payment_id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
    created_at INTEGER NOT NULL
  );
  CREATE INDEX sandbox_rail_refunds_by_payment ON sandbox_rail_refunds (payment_id);

  ALTER TABLE projects ADD COLUMN webhook_signing TEXT NOT NULL DEFAULT 'standard' CHECK (webhook_signing IN ('standard', 'smartglocal'));
  `,
  // Issue 14, recurring tokens: when a card became a recurrent token (the recurrent object's finished_at).
  `
  ALTER TABLE card_tokens ADD COLUMN recurrent_at INTEGER;
  UPDATE card_tokens SET recurrent_at = created_at WHERE recurrent = 1;
  `,
  // Subscriptions (server/subscriptions/): a charge every period with the recurrent token their
  // first payment made. Each charge is a session of its own, recorded in subscription_charges; its
  // (subscription, period, attempt) is unique, so a period's attempt cannot be charged twice.
  // The scheduler claims due ones by next_charge_at, id (null: nothing due), read in that order
  // from the partial index.
  `
  CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL REFERENCES projects(name),
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'past_due', 'cancelled')),
    customer_json TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    period_unit TEXT NOT NULL CHECK (period_unit IN ('day', 'week', 'month', 'year')),
    period_count INTEGER NOT NULL CHECK (period_count BETWEEN 1 AND 366),
    description TEXT,
    return_url TEXT,
    card_token TEXT REFERENCES card_tokens(id),
    first_session_id TEXT NOT NULL REFERENCES sessions(id),
    started_at INTEGER,
    current_period_end INTEGER,
    next_charge_at INTEGER,
    charge_session_id TEXT,
    periods_paid INTEGER NOT NULL DEFAULT 0 CHECK (periods_paid >= 0),
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    cancel_at_period_end INTEGER NOT NULL DEFAULT 0 CHECK (cancel_at_period_end IN (0, 1)),
    cancelled_at INTEGER,
    cancel_reason TEXT,
    page_token_hash TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX subscriptions_by_project ON subscriptions (project, created_at);
  CREATE INDEX subscriptions_due ON subscriptions (next_charge_at, id) WHERE next_charge_at IS NOT NULL;

  CREATE TABLE subscription_charges (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    period INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (subscription_id, period, attempt)
  );
  `,
  // Issue 14, the sandbox's test clock: how far the sandbox's time runs ahead of the real one,
  // one row that every instance and the CLI read, so they all move the same clock.
  `
  CREATE TABLE sandbox_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    offset_ms INTEGER NOT NULL CHECK (offset_ms >= 0)
  );
  `,
  // FPS account bindings (NSPK's subscriptions): a payment by FPS may also bind the customer's
  // account, which makes a recurrent token a subscription can charge instead of a card. The
  // gateway's side is fps_bindings, found by the rail's id when the customer revokes it at their
  // bank; the sandbox bank keeps its own in sandbox_rail_bindings, listed newest first (ties by
  // ref, so both stores give one order; PostgreSQL has no rowid). Existing rows get binds = 0 and
  // no binding.
  `
  CREATE TABLE fps_bindings (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL REFERENCES projects(name),
    session_id TEXT NOT NULL REFERENCES sessions(id),
    payment_id TEXT NOT NULL UNIQUE REFERENCES payments(id),
    rail_ref TEXT NOT NULL,
    bank_id TEXT,
    bank_name TEXT,
    disabled_at INTEGER,
    disabled_by TEXT CHECK (disabled_by IN ('merchant', 'bank')),
    created_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX fps_bindings_by_rail_ref ON fps_bindings (rail_ref);

  CREATE TABLE sandbox_rail_bindings (
    ref TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES sandbox_rail_payments(payment_id),
    bank_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX sandbox_rail_bindings_newest ON sandbox_rail_bindings (created_at, ref);

  ALTER TABLE sandbox_rail_payments ADD COLUMN binds INTEGER NOT NULL DEFAULT 0 CHECK (binds IN (0, 1));
  ALTER TABLE subscriptions ADD COLUMN binding_id TEXT REFERENCES fps_bindings(id);
  -- A trial: the first payment is the trial's price (at least 1 kopeck: a payment proves the card or account), and the periods start when it ends.
  ALTER TABLE subscriptions ADD COLUMN trial_days INTEGER CHECK (trial_days BETWEEN 1 AND 366);
  ALTER TABLE subscriptions ADD COLUMN trial_amount INTEGER CHECK (trial_amount > 0);
  `,
  // Binding an FPS account without paying (payment_details.type faster_payment_system_binding):
  // its session and payment take no money, so their amount is 0. Only an FPS payment may be 0
  // (the binding's), and at the sandbox bank only one that binds.
  {
    loosen: [
      { table: 'sessions', from: 'amount INTEGER NOT NULL CHECK (amount > 0)', to: 'amount INTEGER NOT NULL CHECK (amount >= 0)' },
      { table: 'payments', from: 'amount INTEGER NOT NULL CHECK (amount > 0)', to: "amount INTEGER NOT NULL CHECK (amount > 0 OR (amount = 0 AND method = 'fps'))" },
      { table: 'sandbox_rail_payments', from: 'amount INTEGER NOT NULL CHECK (amount > 0)', to: 'amount INTEGER NOT NULL CHECK (amount > 0 OR (amount = 0 AND binds = 1))' },
    ],
  },
];
