import type { Db } from './db';
import type { Confirmation, PaymentMethod, PaymentStage, PaymentStatus, SessionStatus } from '../domain/types';

/** What a session carries besides its state: echoed back to the merchant as given. */
export type SessionData = {
  description?: string;
  metadata?: unknown;
  /** `verified: false`: the reference is the customer's own claim (a payment link's typed field). */
  customer?: { reference?: string; email?: string; phone?: string; verified?: boolean };
  payment_options?: { return_url?: string; recurrent?: boolean; [k: string]: unknown };
  [k: string]: unknown;
};

export type SessionRow = {
  id: string;
  project: string;
  status: SessionStatus;
  version: number;
  amount: number;
  currency: string;
  confirmation: Confirmation;
  customer_reference: string | null;
  webhook_url: string | null;
  failed_attempts: number;
  close_reason: string | null;
  data_json: string;
  expires_at: number;
  created_at: number;
  updated_at: number;
  /** The payment link the session was opened from, if any. */
  link_id: string | null;
  /** Asked before every charge (Telegram's pre-checkout rule); null: no check. */
  order_check_url: string | null;
};

export type PaymentRow = {
  id: string;
  session_id: string;
  status: PaymentStatus;
  method: PaymentMethod;
  stage: PaymentStage;
  amount: number;
  currency: string;
  refunded_amount: number;
  card_token: string | null;
  /** The rail's own reference: the FPS QR id or the SberPay bankInvoiceId. */
  rail_ref: string | null;
  details_json: string;
  failure_code: string | null;
  failure_description: string | null;
  action_expires_at: number | null;
  confirm_expires_at: number | null;
  created_at: number;
  updated_at: number;
};

export type RefundRow = {
  id: string;
  payment_id: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'failed';
  created_at: number;
};

export class SessionRepo {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      get: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id = ?'),
      insert: db.prepare(
        `INSERT INTO sessions (id, project, status, version, amount, currency, confirmation, customer_reference,
           webhook_url, failed_attempts, close_reason, data_json, expires_at, created_at, updated_at, link_id, order_check_url)
         VALUES (@id, @project, @status, @version, @amount, @currency, @confirmation, @customer_reference,
           @webhook_url, @failed_attempts, @close_reason, @data_json, @expires_at, @created_at, @updated_at, @link_id, @order_check_url)`,
      ),
      update: db.prepare(
        `UPDATE sessions SET status = @status, failed_attempts = @failed_attempts, close_reason = @close_reason,
           version = version + 1, updated_at = @updated_at WHERE id = @id`,
      ),
      touch: db.prepare('UPDATE sessions SET version = version + 1, updated_at = ? WHERE id = ?'),
      payments: db.prepare<[string], PaymentRow>('SELECT * FROM payments WHERE session_id = ? ORDER BY created_at, rowid'),
      payment: db.prepare<[string], PaymentRow>('SELECT * FROM payments WHERE id = ?'),
      paymentByRailRef: db.prepare<[string], PaymentRow>('SELECT * FROM payments WHERE rail_ref = ?'),
      latestPayment: db.prepare<[string], PaymentRow>(
        'SELECT * FROM payments WHERE session_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
      ),
      insertPayment: db.prepare(
        `INSERT INTO payments (id, session_id, status, method, stage, amount, currency, refunded_amount, card_token,
           rail_ref, details_json, failure_code, failure_description, action_expires_at, confirm_expires_at,
           created_at, updated_at)
         VALUES (@id, @session_id, @status, @method, @stage, @amount, @currency, @refunded_amount, @card_token,
           @rail_ref, @details_json, @failure_code, @failure_description, @action_expires_at, @confirm_expires_at,
           @created_at, @updated_at)`,
      ),
      updatePayment: db.prepare(
        `UPDATE payments SET status = @status, stage = @stage, refunded_amount = @refunded_amount, rail_ref = @rail_ref,
           failure_code = @failure_code, failure_description = @failure_description,
           action_expires_at = @action_expires_at, confirm_expires_at = @confirm_expires_at, updated_at = @updated_at
         WHERE id = @id`,
      ),
      refunds: db.prepare<[string], RefundRow>('SELECT * FROM refunds WHERE payment_id = ? ORDER BY created_at, rowid'),
      insertRefund: db.prepare(
        'INSERT INTO refunds (id, payment_id, amount, currency, status, created_at) VALUES (@id, @payment_id, @amount, @currency, @status, @created_at)',
      ),
      insertToken: db.prepare('INSERT INTO public_tokens (token_hash, session_id, created_at) VALUES (?, ?, ?)'),
      sessionByToken: db.prepare<[string], SessionRow>(
        'SELECT s.* FROM public_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = ?',
      ),
      // Three queries, not one UNION: for a UNION SQLite merges sorted results, and sorts by walking
      // every session in id order instead of searching the three deadline indexes.
      due: [
        db.prepare<[number], string>(`SELECT id FROM sessions WHERE status = 'created' AND expires_at <= ?`).pluck(),
        db.prepare<[number], string>('SELECT session_id FROM payments WHERE action_expires_at <= ?').pluck(),
        db.prepare<[number], string>('SELECT session_id FROM payments WHERE confirm_expires_at <= ?').pluck(),
      ],
      list: db.prepare<[string, number], SessionRow>('SELECT * FROM sessions WHERE project = ? ORDER BY created_at DESC LIMIT ?'),
    };
  }

  get(id: string): SessionRow | undefined {
    return this.s.get.get(id);
  }
  insert(row: SessionRow): void {
    this.s.insert.run(row);
  }
  /** Saves the session's state and bumps its version, which wakes the long-polls waiting on it. */
  update(row: Pick<SessionRow, 'id' | 'status' | 'failed_attempts' | 'close_reason' | 'updated_at'>): void {
    this.s.update.run(row);
  }
  /** Bumps the version when only a payment changed (e.g. a renewed QR). */
  touch(id: string, now: number): void {
    this.s.touch.run(now, id);
  }
  payments(sessionId: string): PaymentRow[] {
    return this.s.payments.all(sessionId);
  }
  payment(id: string): PaymentRow | undefined {
    return this.s.payment.get(id);
  }
  paymentByRailRef(ref: string): PaymentRow | undefined {
    return this.s.paymentByRailRef.get(ref);
  }
  latestPayment(sessionId: string): PaymentRow | undefined {
    return this.s.latestPayment.get(sessionId);
  }
  insertPayment(row: PaymentRow): void {
    this.s.insertPayment.run(row);
  }
  updatePayment(row: PaymentRow): void {
    this.s.updatePayment.run(row);
  }
  refunds(paymentId: string): RefundRow[] {
    return this.s.refunds.all(paymentId);
  }
  insertRefund(row: RefundRow): void {
    this.s.insertRefund.run(row);
  }
  insertPublicToken(tokenHash: string, sessionId: string, now: number): void {
    this.s.insertToken.run(tokenHash, sessionId, now);
  }
  byPublicToken(tokenHash: string): SessionRow | undefined {
    return this.s.sessionByToken.get(tokenHash);
  }
  /** Ids of sessions with a deadline at or before `now`. */
  dueForExpiry(now: number): string[] {
    return [...new Set(this.s.due.flatMap((query) => query.all(now)))];
  }
  listForProject(project: string, limit: number): SessionRow[] {
    return this.s.list.all(project, limit);
  }
}
