/**
 * The demo store's own orders, in its own SQLite file: a merchant's database, not the payment
 * server's. An order is `awaiting_payment` until a verified `payment_finished` says its session
 * was paid; only then is it `paid`, and a verified `payment_refunded` for all of it makes it
 * `refunded`. Webhook ids already handled are kept, so a redelivery changes nothing.
 *
 * An order of a subscription has a row in `order_subscriptions` too: the subscription as the
 * latest verified event told it (the highest `version` wins), and when it was last paid.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { OrderLine } from './catalog';

export type OrderStatus = 'awaiting_payment' | 'paid' | 'refunded' | 'cancelled';

export type SubscriptionStatus = 'pending' | 'active' | 'past_due' | 'cancelled';

/** A subscription as the store knows it. Times are epoch milliseconds, on the payment server's clock. */
export type OrderSubscription = {
  orderId: string;
  subscriptionId: string;
  status: SubscriptionStatus;
  periodsPaid: number;
  /** When the last period was paid (the first payment or a renewal), or null before the first. */
  lastPaidAt: number | null;
  nextChargeAt: number | null;
  currentPeriodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  cancelledAt: number | null;
  failedAttempts: number;
  /** The customer's own page (the subscription's unsubscribe_url). */
  manageUrl: string;
  /** The subscription's version in the snapshot kept: an older one is never applied over it. */
  version: number;
};

/** A subscription snapshot to keep (everything but what only events tell: lastPaidAt). */
export type SubscriptionSnapshot = Omit<OrderSubscription, 'orderId' | 'lastPaidAt'>;

export type Order = {
  id: string;
  customerId: string;
  lines: OrderLine[];
  amountMinor: number;
  currency: 'RUB';
  status: OrderStatus;
  sessionId: string | null;
  /** The widget's token, kept so the customer can come back to an unpaid order. */
  publicToken: string | null;
  refundedMinor: number;
  createdAt: number;
  updatedAt: number;
};

type Row = {
  id: string;
  customer_id: string;
  lines_json: string;
  amount: number;
  currency: 'RUB';
  status: OrderStatus;
  session_id: string | null;
  public_token: string | null;
  refunded_amount: number;
  created_at: number;
  updated_at: number;
};

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    lines_json TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'paid', 'refunded', 'cancelled')),
    session_id TEXT UNIQUE,
    public_token TEXT,
    refunded_amount INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS order_subscriptions (
    order_id TEXT PRIMARY KEY REFERENCES orders (id),
    subscription_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'past_due', 'cancelled')),
    periods_paid INTEGER NOT NULL,
    last_paid_at INTEGER,
    next_charge_at INTEGER,
    current_period_end INTEGER,
    cancel_at_period_end INTEGER NOT NULL,
    cancelled_at INTEGER,
    failed_attempts INTEGER NOT NULL,
    manage_url TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS processed_webhooks (
    webhook_id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    received_at INTEGER NOT NULL
  );
`;

const fromRow = (r: Row): Order => ({
  id: r.id,
  customerId: r.customer_id,
  lines: JSON.parse(r.lines_json) as OrderLine[],
  amountMinor: r.amount,
  currency: r.currency,
  status: r.status,
  sessionId: r.session_id,
  publicToken: r.public_token,
  refundedMinor: r.refunded_amount,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

type SubscriptionRow = {
  order_id: string;
  subscription_id: string;
  status: SubscriptionStatus;
  periods_paid: number;
  last_paid_at: number | null;
  next_charge_at: number | null;
  current_period_end: number | null;
  cancel_at_period_end: number;
  cancelled_at: number | null;
  failed_attempts: number;
  manage_url: string;
  version: number;
};

const subscriptionFromRow = (r: SubscriptionRow): OrderSubscription => ({
  orderId: r.order_id,
  subscriptionId: r.subscription_id,
  status: r.status,
  periodsPaid: r.periods_paid,
  lastPaidAt: r.last_paid_at,
  nextChargeAt: r.next_charge_at,
  currentPeriodEnd: r.current_period_end,
  cancelAtPeriodEnd: r.cancel_at_period_end === 1,
  cancelledAt: r.cancelled_at,
  failedAttempts: r.failed_attempts,
  manageUrl: r.manage_url,
  version: r.version,
});

export class OrdersDb {
  private readonly s;

  private constructor(private readonly db: Database.Database) {
    db.pragma('journal_mode = WAL');
    db.exec(SCHEMA);
    this.s = {
      insert: db.prepare(
        `INSERT INTO orders (id, customer_id, lines_json, amount, currency, status, created_at, updated_at)
         VALUES (@id, @customer_id, @lines_json, @amount, 'RUB', 'awaiting_payment', @now, @now)`,
      ),
      get: db.prepare<[string], Row>('SELECT * FROM orders WHERE id = ?'),
      bySession: db.prepare<[string], Row>('SELECT * FROM orders WHERE session_id = ?'),
      attach: db.prepare('UPDATE orders SET session_id = ?, public_token = ?, updated_at = ? WHERE id = ?'),
      setState: db.prepare('UPDATE orders SET status = @status, refunded_amount = @refunded, updated_at = @now WHERE id = @id'),
      seen: db.prepare('INSERT OR IGNORE INTO processed_webhooks (webhook_id, type, received_at) VALUES (?, ?, ?)'),
      subscriptionOf: db.prepare<[string], SubscriptionRow>('SELECT * FROM order_subscriptions WHERE order_id = ?'),
      bySubscription: db.prepare<[string], SubscriptionRow>('SELECT * FROM order_subscriptions WHERE subscription_id = ?'),
      insertSubscription: db.prepare(
        `INSERT INTO order_subscriptions (order_id, subscription_id, status, periods_paid, next_charge_at, current_period_end, cancel_at_period_end,
           cancelled_at, failed_attempts, manage_url, version, updated_at)
         VALUES (@order_id, @subscription_id, @status, @periods_paid, @next_charge_at, @current_period_end, @cancel_at_period_end,
           @cancelled_at, @failed_attempts, @manage_url, @version, @now)`,
      ),
      // Only a newer snapshot replaces the one kept: deliveries may come out of order.
      updateSubscription: db.prepare(
        `UPDATE order_subscriptions SET status = @status, periods_paid = @periods_paid, next_charge_at = @next_charge_at,
           current_period_end = @current_period_end, cancel_at_period_end = @cancel_at_period_end, cancelled_at = @cancelled_at,
           failed_attempts = @failed_attempts, manage_url = @manage_url, version = @version, updated_at = @now
         WHERE subscription_id = @subscription_id AND version < @version`,
      ),
      paidAt: db.prepare('UPDATE order_subscriptions SET last_paid_at = MAX(COALESCE(last_paid_at, 0), @at), updated_at = @now WHERE subscription_id = @subscription_id'),
    };
  }

  static open(file: string): OrdersDb {
    return new OrdersDb(new Database(file));
  }

  create(customerId: string, lines: OrderLine[], amountMinor: number, now = Date.now()): Order {
    const id = `ord_${randomBytes(10).toString('hex')}`;
    this.s.insert.run({ id, customer_id: customerId, lines_json: JSON.stringify(lines), amount: amountMinor, now });
    return this.get(id)!;
  }

  get(id: string): Order | null {
    const row = this.s.get.get(id);
    return row ? fromRow(row) : null;
  }

  bySession(sessionId: string): Order | null {
    const row = this.s.bySession.get(sessionId);
    return row ? fromRow(row) : null;
  }

  attachSession(orderId: string, sessionId: string, publicToken: string, now = Date.now()): void {
    this.s.attach.run(sessionId, publicToken, now, orderId);
  }

  setState(orderId: string, status: OrderStatus, refundedMinor: number, now = Date.now()): void {
    this.s.setState.run({ id: orderId, status, refunded: refundedMinor, now });
  }

  /** Keeps the subscription an order is for, as subscription/create answered it. */
  attachSubscription(orderId: string, snapshot: SubscriptionSnapshot, now = Date.now()): void {
    this.s.insertSubscription.run({ order_id: orderId, ...snapshotParams(snapshot), now });
  }

  subscriptionOf(orderId: string): OrderSubscription | null {
    const row = this.s.subscriptionOf.get(orderId);
    return row ? subscriptionFromRow(row) : null;
  }

  bySubscription(subscriptionId: string): OrderSubscription | null {
    const row = this.s.bySubscription.get(subscriptionId);
    return row ? subscriptionFromRow(row) : null;
  }

  /** Keeps `snapshot` if it is newer than the one kept; true when it was. */
  updateSubscription(snapshot: SubscriptionSnapshot, now = Date.now()): boolean {
    return this.s.updateSubscription.run({ ...snapshotParams(snapshot), now }).changes > 0;
  }

  /** A period was paid at `at` (ms): kept if it is the latest payment heard of. */
  subscriptionPaid(subscriptionId: string, at: number, now = Date.now()): void {
    this.s.paidAt.run({ subscription_id: subscriptionId, at, now });
  }

  /** Runs `fn` unless this webhook id was handled before; true when it ran. */
  once(webhookId: string, type: string, fn: () => void, now = Date.now()): boolean {
    return this.db.transaction(() => {
      if (this.s.seen.run(webhookId, type, now).changes === 0) return false;
      fn();
      return true;
    })();
  }

  close(): void {
    this.db.close();
  }
}

const snapshotParams = (s: SubscriptionSnapshot) => ({
  subscription_id: s.subscriptionId,
  status: s.status,
  periods_paid: s.periodsPaid,
  next_charge_at: s.nextChargeAt,
  current_period_end: s.currentPeriodEnd,
  cancel_at_period_end: s.cancelAtPeriodEnd ? 1 : 0,
  cancelled_at: s.cancelledAt,
  failed_attempts: s.failedAttempts,
  manage_url: s.manageUrl,
  version: s.version,
});
