/**
 * Plain states for the session machine's unit tests (session-lifecycle.test.ts, rail-answers.test.ts):
 * a clock reading, a new session and a new payment as the service hands them to the machine, and
 * the rail's commonest answers.
 */
import { MINUTE_MS } from '../../server/clock';
import type { RailPaymentState } from '../../server/acquirers/port';
import type { Timing } from '../../server/domain/session-machine';
import type { PaymentMethod, PaymentState, SessionState } from '../../server/domain/types';

export const NOW = Date.parse('2026-01-15T10:00:00Z');
export const DAY_MS = 24 * 60 * MINUTE_MS;
/** A QR's or 3-D Secure page's lifetime, and the merchant's confirmation window, in these tests. */
export const LIFETIME_MS = 15 * MINUTE_MS;
export const CONFIRM_WINDOW_MS = 240 * MINUTE_MS;
export const T: Timing = { now: NOW, confirmWindowMs: CONFIRM_WINDOW_MS, actionLifetimeMs: LIFETIME_MS };
export const later = (ms: number): Timing => ({ ...T, now: NOW + ms });

export const session = (over: Partial<SessionState> = {}): SessionState => ({
  id: 'ps_test',
  status: 'created',
  confirmation: 'auto',
  failedAttempts: 0,
  closeReason: null,
  expiresAt: NOW + DAY_MS,
  ...over,
});

/** What the service hands to beginPayment: a fresh payment, not yet anywhere. */
export const fresh = (method: PaymentMethod, over: Partial<PaymentState> = {}): PaymentState => ({
  id: 'pm_test',
  status: 'in_progress',
  method,
  stage: 'awaiting_customer',
  amount: 1000,
  refundedAmount: 0,
  failureCode: null,
  failureDescription: null,
  actionExpiresAt: null,
  confirmExpiresAt: null,
  ...over,
});

// What the rail may answer (server/acquirers/port.ts).
export const AUTHORIZED: RailPaymentState = { state: 'authorized', railRef: 'rr_test' };
export const CAPTURED: RailPaymentState = { state: 'captured', railRef: 'rr_test' };
export const declined = (code: string): RailPaymentState => ({ state: 'declined', code, description: `${code} description` });
