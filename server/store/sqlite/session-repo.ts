import type { Db } from './db';
import type { SessionTable, SessionUpdate } from '../port';
import type { PaymentRow, RefundRow, SessionRow } from '../rows';
import { SessionMoved } from '../errors';

export class SessionRepo implements SessionTable {
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
           version = version + 1, updated_at = @updated_at WHERE id = @id AND version = @version`,
      ),
      touch: db.prepare('UPDATE sessions SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?'),
      payments: db.prepare<[string], PaymentRow>('SELECT * FROM payments WHERE session_id = ? ORDER BY created_at, rowid'),
      payment: db.prepare<[string], PaymentRow>('SELECT * FROM payments WHERE id = ?'),
      paymentByRailRef: db.prepare<[string], PaymentRow>('SELECT * FROM payments WHERE rail_ref = ?'),
      latestPayment: db.prepare<[string], PaymentRow>(
        'SELECT * FROM payments WHERE session_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1',
      ),
      insertPayment: db.prepare(
        `INSERT INTO payments (id, session_id, status, method, stage, amount, currency, refunded_amount, card_token,
           rail_ref, details_json, rail_op, reconcile_at, rail_checks, interaction_json, failure_code, failure_description,
           action_expires_at, confirm_expires_at, created_at, updated_at)
         VALUES (@id, @session_id, @status, @method, @stage, @amount, @currency, @refunded_amount, @card_token,
           @rail_ref, @details_json, @rail_op, @reconcile_at, @rail_checks, @interaction_json, @failure_code, @failure_description,
           @action_expires_at, @confirm_expires_at, @created_at, @updated_at)`,
      ),
      updatePayment: db.prepare(
        `UPDATE payments SET status = @status, stage = @stage, refunded_amount = @refunded_amount, rail_ref = @rail_ref,
           rail_op = @rail_op, reconcile_at = @reconcile_at, rail_checks = @rail_checks, interaction_json = @interaction_json,
           failure_code = @failure_code, failure_description = @failure_description,
           action_expires_at = @action_expires_at, confirm_expires_at = @confirm_expires_at, updated_at = @updated_at
         WHERE id = @id`,
      ),
      // Oldest first; rowid breaks ties, and the partial index (reconcile_at, then rowid) gives that order without a sort.
      paymentsToReconcile: db.prepare<[number, number], PaymentRow>(
        'SELECT * FROM payments WHERE reconcile_at <= ? ORDER BY reconcile_at, rowid LIMIT ?',
      ),
      refunds: db.prepare<[string], RefundRow>('SELECT * FROM refunds WHERE payment_id = ? ORDER BY created_at, rowid'),
      refund: db.prepare<[string], RefundRow>('SELECT * FROM refunds WHERE id = ?'),
      refundsToReconcile: db.prepare<[number, number], RefundRow>(
        `SELECT * FROM refunds WHERE status = 'pending' AND reconcile_at <= ? ORDER BY reconcile_at, rowid LIMIT ?`,
      ),
      insertRefund: db.prepare(
        `INSERT INTO refunds (id, payment_id, amount, currency, status, failure_code, failure_description, reconcile_at,
           rail_checks, created_at, updated_at)
         VALUES (@id, @payment_id, @amount, @currency, @status, @failure_code, @failure_description, @reconcile_at,
           @rail_checks, @created_at, @updated_at)`,
      ),
      updateRefund: db.prepare(
        `UPDATE refunds SET status = @status, failure_code = @failure_code, failure_description = @failure_description,
           reconcile_at = @reconcile_at, rail_checks = @rail_checks, updated_at = @updated_at WHERE id = @id`,
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
      // Sessions are never deleted, so rowid is the order they were created in: read from the end, no sort.
      newest: db.prepare<[number], SessionRow>('SELECT * FROM sessions ORDER BY rowid DESC LIMIT ?'),
      newestOf: db.prepare<[string, number], SessionRow>('SELECT * FROM sessions WHERE project = ? ORDER BY created_at DESC, rowid DESC LIMIT ?'),
      linkCounts: db.prepare<[], { link_id: string; sessions: number; paid: number }>(
        `SELECT link_id, count(*) AS sessions, sum(status = 'accepted') AS paid FROM sessions WHERE link_id IS NOT NULL GROUP BY link_id`,
      ),
    };
  }

  async get(id: string): Promise<SessionRow | undefined> {
    return this.s.get.get(id);
  }
  /** SQLite runs one transaction at a time (BEGIN IMMEDIATE): reading the row is taking it. */
  async lock(id: string): Promise<SessionRow | undefined> {
    return this.s.get.get(id);
  }
  async insert(row: SessionRow): Promise<void> {
    this.s.insert.run(row);
  }
  async update(row: SessionUpdate, version: number): Promise<void> {
    if (this.s.update.run({ ...row, version }).changes !== 1) throw new SessionMoved(row.id);
  }
  async touch(id: string, version: number, now: number): Promise<void> {
    if (this.s.touch.run(now, id, version).changes !== 1) throw new SessionMoved(id);
  }
  async payments(sessionId: string): Promise<PaymentRow[]> {
    return this.s.payments.all(sessionId);
  }
  async payment(id: string): Promise<PaymentRow | undefined> {
    return this.s.payment.get(id);
  }
  async paymentByRailRef(ref: string): Promise<PaymentRow | undefined> {
    return this.s.paymentByRailRef.get(ref);
  }
  async latestPayment(sessionId: string): Promise<PaymentRow | undefined> {
    return this.s.latestPayment.get(sessionId);
  }
  async insertPayment(row: PaymentRow): Promise<void> {
    this.s.insertPayment.run(row);
  }
  async updatePayment(row: PaymentRow): Promise<void> {
    this.s.updatePayment.run(row);
  }
  async refunds(paymentId: string): Promise<RefundRow[]> {
    return this.s.refunds.all(paymentId);
  }
  async refund(id: string): Promise<RefundRow | undefined> {
    return this.s.refund.get(id);
  }
  async paymentsToReconcile(now: number, limit: number): Promise<PaymentRow[]> {
    return this.s.paymentsToReconcile.all(now, limit);
  }
  async refundsToReconcile(now: number, limit: number): Promise<RefundRow[]> {
    return this.s.refundsToReconcile.all(now, limit);
  }
  async insertRefund(row: RefundRow): Promise<void> {
    this.s.insertRefund.run(row);
  }
  async updateRefund(row: RefundRow): Promise<void> {
    this.s.updateRefund.run(row);
  }
  async insertPublicToken(tokenHash: string, sessionId: string, now: number): Promise<void> {
    this.s.insertToken.run(tokenHash, sessionId, now);
  }
  async byPublicToken(tokenHash: string): Promise<SessionRow | undefined> {
    return this.s.sessionByToken.get(tokenHash);
  }
  /** Ids of sessions with a deadline at or before `now`. */
  async dueForExpiry(now: number): Promise<string[]> {
    return [...new Set(this.s.due.flatMap((query) => query.all(now)))];
  }
  async newest(project: string | null, limit: number): Promise<SessionRow[]> {
    return project ? this.s.newestOf.all(project, limit) : this.s.newest.all(limit);
  }
  async linkCounts(): Promise<{ link_id: string; sessions: number; paid: number }[]> {
    return this.s.linkCounts.all();
  }
}
