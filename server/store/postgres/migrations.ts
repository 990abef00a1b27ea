/**
 * The PostgreSQL schema, as an append-only list of migrations (never edit a released entry: add
 * one). `schema_migrations` records which ran; see migrate.ts.
 *
 * Migration 1 is the SQLite schema (../migrations.ts, the source of truth) after all four of its
 * migrations, translated:
 * - times (ms since the epoch) and money (kopecks) are BIGINT; the app installs a type parser so
 *   int8 comes back as a JS number. Small counters and codes (version, attempts, failed_attempts,
 *   minutes, expiry month/year, HTTP statuses, attempt numbers, durations) are INTEGER, which pg
 *   returns as a number anyway.
 * - SQLite's `ORDER BY created_at, rowid` has no equivalent, so the tables listed that way get
 *   `seq BIGINT GENERATED ALWAYS AS IDENTITY` (insertion order) and their indexes end with it.
 * - tables are created in foreign-key order (SQLite allowed forward references).
 * - webhook_events gets lease_owner/lease_until (null: not leased) so several instances can share
 *   the outbox.
 * Every CHECK, key, UNIQUE and partial index of the SQLite schema is kept.
 *
 * No column can hold a card number or CVC: a card exists here only as a token with brand, last4
 * and expiry.
 */
export const PG_MIGRATIONS: readonly string[] = [
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
    created_at BIGINT NOT NULL,
    display_name TEXT,
    logo_url TEXT,
    locale TEXT CHECK (locale IN ('ru', 'en')),
    support_json TEXT NOT NULL DEFAULT '{}'
  );

  CREATE TABLE payment_links (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL REFERENCES projects(name),
    data_json TEXT NOT NULL,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY
  );
  CREATE INDEX payment_links_by_project ON payment_links (project, created_at, seq);

  CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL REFERENCES projects(name),
    status TEXT NOT NULL CHECK (status IN ('created', 'in_progress', 'accepted', 'cancelled', 'error')),
    version INTEGER NOT NULL DEFAULT 1,
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    confirmation TEXT NOT NULL CHECK (confirmation IN ('auto', 'manual')),
    customer_reference TEXT,
    webhook_url TEXT,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    close_reason TEXT,
    data_json TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    link_id TEXT REFERENCES payment_links(id),
    order_check_url TEXT
  );
  -- Only a session that waits for a payment expires by itself (one with a running payment waits for it).
  CREATE INDEX sessions_created_by_expiry ON sessions (expires_at) WHERE status = 'created';
  CREATE INDEX sessions_by_project ON sessions (project, created_at);
  CREATE INDEX sessions_by_link ON sessions (link_id) WHERE link_id IS NOT NULL;

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
    recurrent INTEGER NOT NULL DEFAULT 0, -- 0/1, as in SQLite (the app compares it to 1)
    used_at BIGINT,
    disabled_at BIGINT,
    created_at BIGINT NOT NULL
  );

  CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    status TEXT NOT NULL CHECK (status IN ('in_progress', 'pending', 'succeeded', 'failed')),
    method TEXT NOT NULL CHECK (method IN ('card', 'saved_card', 'recurrent', 'fps', 'sberpay')),
    stage TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    refunded_amount BIGINT NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
    card_token TEXT REFERENCES card_tokens(id),
    rail_ref TEXT UNIQUE,
    details_json TEXT NOT NULL,
    failure_code TEXT,
    failure_description TEXT,
    action_expires_at BIGINT,
    confirm_expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY
  );
  CREATE INDEX payments_by_session ON payments (session_id, created_at, seq);
  CREATE INDEX payments_action_deadline ON payments (action_expires_at) WHERE action_expires_at IS NOT NULL;
  CREATE INDEX payments_confirm_deadline ON payments (confirm_expires_at) WHERE confirm_expires_at IS NOT NULL;
  -- One live payment per session: the database itself refuses a second charge attempt.
  CREATE UNIQUE INDEX payments_one_active_per_session ON payments (session_id) WHERE status IN ('in_progress', 'pending');

  CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
    created_at BIGINT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY
  );
  CREATE INDEX refunds_by_payment ON refunds (payment_id, created_at, seq);

  CREATE TABLE customers (
    project TEXT NOT NULL,
    reference TEXT NOT NULL,
    last_card_token TEXT REFERENCES card_tokens(id),
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project, reference)
  );

  CREATE TABLE public_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id),
    created_at BIGINT NOT NULL
  );

  CREATE TABLE idempotency_keys (
    project TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    body_sha256 TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (project, key)
  );
  CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

  CREATE TABLE webhook_events (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL,
    session_id TEXT,
    type TEXT NOT NULL,
    url TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    first_attempt_at BIGINT,
    last_response_status INTEGER,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    -- A delivery claimed by one instance (its id) until lease_until (ms); both null: not leased.
    lease_owner TEXT,
    lease_until BIGINT,
    seq BIGINT GENERATED ALWAYS AS IDENTITY
  );
  -- The claim: pending events by next_attempt_at (lease_until is checked on the few rows found).
  CREATE INDEX webhook_events_due ON webhook_events (next_attempt_at) WHERE status = 'pending';
  CREATE INDEX webhook_events_by_session ON webhook_events (session_id, created_at, seq);
  CREATE INDEX webhook_events_failed ON webhook_events (project, created_at) WHERE status = 'failed';

  CREATE TABLE webhook_attempts (
    event_id TEXT NOT NULL REFERENCES webhook_events(id),
    attempt INTEGER NOT NULL,
    at BIGINT NOT NULL,
    response_status INTEGER,
    error TEXT,
    duration_ms INTEGER NOT NULL,
    PRIMARY KEY (event_id, attempt)
  );

  CREATE TABLE webhook_endpoints (
    project TEXT NOT NULL,
    url TEXT NOT NULL,
    disabled_at BIGINT,
    disabled_reason TEXT,
    PRIMARY KEY (project, url)
  );

  CREATE TABLE sandbox_pushes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    phone TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
  );
  `,
  // Issue 13, the acquirer port: SQLite's migration 6 (see there for why), translated. PostgreSQL
  // alters the refunds CHECK in place (refunds_status_check is the name it gave the column's
  // CHECK), and fills updated_at of the refunds already made with their created_at before the
  // column becomes NOT NULL, as SQLite's rebuild does. Tie-breaks by `seq` end the reconcile indexes.
  `
  ALTER TABLE payments ADD COLUMN rail_op TEXT CHECK (rail_op IN ('start', 'capture', 'void'));
  ALTER TABLE payments ADD COLUMN reconcile_at BIGINT;
  ALTER TABLE payments ADD COLUMN rail_checks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE payments ADD COLUMN interaction_json TEXT;
  CREATE INDEX payments_to_reconcile ON payments (reconcile_at, seq) WHERE reconcile_at IS NOT NULL;

  ALTER TABLE refunds DROP CONSTRAINT refunds_status_check;
  ALTER TABLE refunds ADD CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'succeeded', 'failed'));
  ALTER TABLE refunds ADD COLUMN failure_code TEXT;
  ALTER TABLE refunds ADD COLUMN failure_description TEXT;
  ALTER TABLE refunds ADD COLUMN reconcile_at BIGINT;
  ALTER TABLE refunds ADD COLUMN rail_checks INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE refunds ADD COLUMN updated_at BIGINT;
  UPDATE refunds SET updated_at = created_at;
  ALTER TABLE refunds ALTER COLUMN updated_at SET NOT NULL;
  CREATE INDEX refunds_to_reconcile ON refunds (reconcile_at, seq) WHERE status = 'pending' AND reconcile_at IS NOT NULL;

  CREATE TABLE sandbox_rail_payments (
    payment_id TEXT PRIMARY KEY,
    method TEXT NOT NULL CHECK (method IN ('card', 'saved_card', 'recurrent', 'fps', 'sberpay')),
    status TEXT NOT NULL CHECK (status IN ('awaiting_customer', 'authorized', 'captured', 'declined', 'voided')),
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    refunded_amount BIGINT NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
    card_token TEXT,
    ref TEXT,
    capture_on_approval INTEGER NOT NULL CHECK (capture_on_approval IN (0, 1)),
    decline_code TEXT,
    decline_description TEXT,
    interaction_json TEXT,
    expires_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  );
  CREATE UNIQUE INDEX sandbox_rail_payments_by_ref ON sandbox_rail_payments (ref) WHERE ref IS NOT NULL;

  CREATE TABLE sandbox_rail_refunds (
    refund_id TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES sandbox_rail_payments(payment_id),
    amount BIGINT NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL CHECK (status IN ('succeeded', 'failed')),
    created_at BIGINT NOT NULL
  );
  CREATE INDEX sandbox_rail_refunds_by_payment ON sandbox_rail_refunds (payment_id);

  ALTER TABLE projects ADD COLUMN webhook_signing TEXT NOT NULL DEFAULT 'standard' CHECK (webhook_signing IN ('standard', 'smartglocal'));
  `,
  // Issue 14, recurring tokens: SQLite's migration 7.
  `
  ALTER TABLE card_tokens ADD COLUMN recurrent_at BIGINT;
  UPDATE card_tokens SET recurrent_at = created_at WHERE recurrent = 1;
  `,
  // Subscriptions: SQLite's migration 8, translated. `seq` breaks ties of created_at in a
  // project's list, as rowid does there; claimDue reads the partial index (next_charge_at, id).
  `
  CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL REFERENCES projects(name),
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'past_due', 'cancelled')),
    customer_json TEXT NOT NULL,
    amount BIGINT NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    period_unit TEXT NOT NULL CHECK (period_unit IN ('day', 'week', 'month', 'year')),
    period_count INTEGER NOT NULL CHECK (period_count BETWEEN 1 AND 366),
    description TEXT,
    return_url TEXT,
    card_token TEXT REFERENCES card_tokens(id),
    first_session_id TEXT NOT NULL REFERENCES sessions(id),
    started_at BIGINT,
    current_period_end BIGINT,
    next_charge_at BIGINT,
    charge_session_id TEXT,
    periods_paid INTEGER NOT NULL DEFAULT 0 CHECK (periods_paid >= 0),
    failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    cancel_at_period_end INTEGER NOT NULL DEFAULT 0 CHECK (cancel_at_period_end IN (0, 1)),
    cancelled_at BIGINT,
    cancel_reason TEXT,
    page_token_hash TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY
  );
  CREATE INDEX subscriptions_by_project ON subscriptions (project, created_at, seq);
  CREATE INDEX subscriptions_due ON subscriptions (next_charge_at, id) WHERE next_charge_at IS NOT NULL;

  CREATE TABLE subscription_charges (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id),
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id),
    period INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (subscription_id, period, attempt)
  );
  `,
  // Issue 14, the sandbox's test clock: SQLite's migration 9.
  `
  CREATE TABLE sandbox_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    offset_ms BIGINT NOT NULL CHECK (offset_ms >= 0)
  );
  `,
  // FPS account bindings: SQLite's migration 10, translated. The sandbox bank's bindings list
  // newest first with ties by ref (as on SQLite), so they need no `seq`.
  `
  CREATE TABLE fps_bindings (
    id TEXT PRIMARY KEY,
    project TEXT NOT NULL REFERENCES projects(name),
    session_id TEXT NOT NULL REFERENCES sessions(id),
    payment_id TEXT NOT NULL UNIQUE REFERENCES payments(id),
    rail_ref TEXT NOT NULL,
    bank_id TEXT,
    bank_name TEXT,
    disabled_at BIGINT,
    disabled_by TEXT CHECK (disabled_by IN ('merchant', 'bank')),
    created_at BIGINT NOT NULL
  );
  CREATE UNIQUE INDEX fps_bindings_by_rail_ref ON fps_bindings (rail_ref);

  CREATE TABLE sandbox_rail_bindings (
    ref TEXT PRIMARY KEY,
    payment_id TEXT NOT NULL REFERENCES sandbox_rail_payments(payment_id),
    bank_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
  );
  CREATE INDEX sandbox_rail_bindings_newest ON sandbox_rail_bindings (created_at, ref);

  ALTER TABLE sandbox_rail_payments ADD COLUMN binds INTEGER NOT NULL DEFAULT 0 CHECK (binds IN (0, 1));
  ALTER TABLE subscriptions ADD COLUMN binding_id TEXT REFERENCES fps_bindings(id);
  -- A trial: the first payment is the trial's price (at least 1 kopeck: a payment proves the card or account), and the periods start when it ends.
  ALTER TABLE subscriptions ADD COLUMN trial_days INTEGER CHECK (trial_days BETWEEN 1 AND 366);
  ALTER TABLE subscriptions ADD COLUMN trial_amount INTEGER CHECK (trial_amount > 0);
  `,
  // Binding an FPS account without paying: SQLite's migration 11, where PostgreSQL can alter a
  // CHECK in place. The constraints are the column checks PostgreSQL named <table>_amount_check.
  // NOT VALID: every row already met the stricter check, so the tables are not scanned while the
  // migration holds their lock; new and updated rows are checked all the same.
  `
  ALTER TABLE sessions DROP CONSTRAINT sessions_amount_check, ADD CONSTRAINT sessions_amount_check CHECK (amount >= 0) NOT VALID;
  ALTER TABLE payments DROP CONSTRAINT payments_amount_check, ADD CONSTRAINT payments_amount_check CHECK (amount > 0 OR (amount = 0 AND method = 'fps')) NOT VALID;
  ALTER TABLE sandbox_rail_payments DROP CONSTRAINT sandbox_rail_payments_amount_check,
    ADD CONSTRAINT sandbox_rail_payments_amount_check CHECK (amount > 0 OR (amount = 0 AND binds = 1)) NOT VALID;
  `,
];
