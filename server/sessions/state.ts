/**
 * Maps stored rows to the domain's plain state and back, and reads what state a session's rows
 * are in: the payment it still runs, the session as `touch` leaves it.
 */
import { isRunningStatus } from '../domain/session-machine';
import type { PaymentState, SessionState } from '../domain/types';
import type { SessionReads } from '../store/port';
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

/** The latest payment if it is still running: only the latest one can be. */
export const running = (latest: PaymentRow | null): PaymentRow | null => (latest && isRunningStatus(latest.status) ? latest : null);

/** The payment that is still running (waits for the customer, the bank or the merchant), if any. */
export async function activePayment(reads: SessionReads, sessionId: string): Promise<PaymentRow | null> {
  return running((await reads.latestPayment(sessionId)) ?? null);
}

/** The session as `touch` leaves it: a new version, nothing else changed but the time. */
export const touched = (row: SessionRow, now: number): SessionRow => ({ ...row, version: row.version + 1, updated_at: now });
