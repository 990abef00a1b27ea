/** Maps stored rows to the domain's plain state and back. */
import type { PaymentState, SessionState } from '../domain/types';
import type { PaymentRow, SessionRow } from '../store/rows';

export const sessionState = (r: SessionRow): SessionState => ({
  id: r.id,
  status: r.status,
  confirmation: r.confirmation,
  failedAttempts: r.failed_attempts,
  closeReason: r.close_reason,
  expiresAt: r.expires_at,
});

export const paymentState = (r: PaymentRow): PaymentState => ({
  id: r.id,
  status: r.status,
  method: r.method,
  stage: r.stage,
  amount: r.amount,
  refundedAmount: r.refunded_amount,
  failureCode: r.failure_code,
  failureDescription: r.failure_description,
  actionExpiresAt: r.action_expires_at,
  confirmExpiresAt: r.confirm_expires_at,
});

export const withPaymentState = (r: PaymentRow, s: PaymentState, now: number): PaymentRow => ({
  ...r,
  status: s.status,
  stage: s.stage,
  refunded_amount: s.refundedAmount,
  failure_code: s.failureCode,
  failure_description: s.failureDescription,
  action_expires_at: s.actionExpiresAt,
  confirm_expires_at: s.confirmExpiresAt,
  updated_at: now,
});
