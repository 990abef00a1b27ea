/**
 * The demo store's own orders, in its own SQLite file: a merchant's database, not the payment
 * server's. An order is `awaiting_payment` until a verified `payment_finished` says its session
 * was paid; only then is it `paid`, and a verified `payment_refunded` for all of it makes it
 * `refunded`. Webhook ids already handled are kept, so a redelivery changes nothing.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import type { OrderLine } from './catalog';

export type OrderStatus = 'awaiting_payment' | 'paid' | 'refunded' | 'cancelled';

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
