import type { Db } from './db';
import type { SandboxRailTable } from '../port';
import type { SandboxRailBindingRow, SandboxRailPaymentRow, SandboxRailRefundRow } from '../rows';

/** The sandbox rail's own books: what a remote acquirer keeps on its side of each payment and refund. */
export class SandboxRailRepo implements SandboxRailTable {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      payment: db.prepare<[string], SandboxRailPaymentRow>('SELECT * FROM sandbox_rail_payments WHERE payment_id = ?'),
      paymentByRef: db.prepare<[string], SandboxRailPaymentRow>('SELECT * FROM sandbox_rail_payments WHERE ref = ?'),
      refund: db.prepare<[string], SandboxRailRefundRow>('SELECT * FROM sandbox_rail_refunds WHERE refund_id = ?'),
      insertPayment: db.prepare(
        `INSERT INTO sandbox_rail_payments (payment_id, method, status, amount, currency, refunded_amount, card_token, ref,
           capture_on_approval, decline_code, decline_description, interaction_json, expires_at, binds, created_at, updated_at)
         VALUES (@payment_id, @method, @status, @amount, @currency, @refunded_amount, @card_token, @ref,
           @capture_on_approval, @decline_code, @decline_description, @interaction_json, @expires_at, @binds, @created_at, @updated_at)`,
      ),
      updatePayment: db.prepare(
        `UPDATE sandbox_rail_payments SET status = @status, refunded_amount = @refunded_amount, ref = @ref,
           decline_code = @decline_code, decline_description = @decline_description, interaction_json = @interaction_json,
           expires_at = @expires_at, updated_at = @updated_at
         WHERE payment_id = @payment_id`,
      ),
      clockOffset: db.prepare<[], { offset_ms: number }>('SELECT offset_ms FROM sandbox_clock WHERE id = 1'),
      advanceClock: db.prepare<[{ ms: number }], { offset_ms: number }>(
        'INSERT INTO sandbox_clock (id, offset_ms) VALUES (1, @ms) ON CONFLICT (id) DO UPDATE SET offset_ms = offset_ms + @ms RETURNING offset_ms',
      ),
      insertRefund: db.prepare(
        `INSERT INTO sandbox_rail_refunds (refund_id, payment_id, amount, status, created_at)
         VALUES (@refund_id, @payment_id, @amount, @status, @created_at)`,
      ),
      binding: db.prepare<[string], SandboxRailBindingRow>('SELECT * FROM sandbox_rail_bindings WHERE ref = ?'),
      // Newest first, ties by ref: the (created_at, ref) index read backwards, the order PostgreSQL gives too.
      bindings: db.prepare<[number], SandboxRailBindingRow>('SELECT * FROM sandbox_rail_bindings ORDER BY created_at DESC, ref DESC LIMIT ?'),
      insertBinding: db.prepare(
        `INSERT INTO sandbox_rail_bindings (ref, payment_id, bank_id, status, created_at, revoked_at)
         VALUES (@ref, @payment_id, @bank_id, @status, @created_at, @revoked_at)`,
      ),
      revokeBinding: db.prepare(`UPDATE sandbox_rail_bindings SET status = 'revoked', revoked_at = ? WHERE ref = ? AND status = 'active'`),
    };
  }

  async payment(paymentId: string): Promise<SandboxRailPaymentRow | undefined> {
    return this.s.payment.get(paymentId);
  }
  async paymentByRef(ref: string): Promise<SandboxRailPaymentRow | undefined> {
    return this.s.paymentByRef.get(ref);
  }
  async refund(refundId: string): Promise<SandboxRailRefundRow | undefined> {
    return this.s.refund.get(refundId);
  }
  /** SQLite runs one transaction at a time (BEGIN IMMEDIATE): reading the row is taking it. */
  async lockPayment(paymentId: string): Promise<SandboxRailPaymentRow | undefined> {
    return this.s.payment.get(paymentId);
  }
  async insertPayment(row: SandboxRailPaymentRow): Promise<void> {
    this.s.insertPayment.run(row);
  }
  async updatePayment(row: SandboxRailPaymentRow): Promise<void> {
    this.s.updatePayment.run(row);
  }
  async insertRefund(row: SandboxRailRefundRow): Promise<void> {
    this.s.insertRefund.run(row);
  }
  async binding(ref: string): Promise<SandboxRailBindingRow | undefined> {
    return this.s.binding.get(ref);
  }
  async bindings(limit: number): Promise<SandboxRailBindingRow[]> {
    return this.s.bindings.all(limit);
  }
  async insertBinding(row: SandboxRailBindingRow): Promise<void> {
    this.s.insertBinding.run(row);
  }
  async revokeBinding(ref: string, now: number): Promise<boolean> {
    return this.s.revokeBinding.run(now, ref).changes === 1;
  }
  async clockOffset(): Promise<number> {
    return this.s.clockOffset.get()?.offset_ms ?? 0;
  }
  async advanceClock(ms: number): Promise<number> {
    return this.s.advanceClock.get({ ms })!.offset_ms;
  }
}
