/** Plain data of the payment domain: no HTTP, no SQL. */

export type SessionStatus = 'created' | 'in_progress' | 'accepted' | 'cancelled' | 'error';
export type PaymentStatus = 'in_progress' | 'pending' | 'succeeded' | 'failed';
export type Confirmation = 'auto' | 'manual';
export type PaymentMethod = 'card' | 'saved_card' | 'recurrent' | 'fps' | 'sberpay';

/**
 * Where a live payment stands. `status` is what the merchant sees; the stage says what the
 * payment waits for, which `status` alone cannot (an `in_progress` payment may wait for the
 * acquirer, for the customer, or for the merchant to have confirmed).
 */
export type PaymentStage =
  | 'starting' // status in_progress: sent to the rail, its answer not yet recorded
  | 'capturing' // status in_progress: the merchant confirmed, the rail is taking the held money
  | 'unknown' // status in_progress: the rail's answer was lost (a timeout, a broken connection); the reconciler asks it
  | 'awaiting_confirmation' // status pending: the merchant must confirm or cancel
  | 'awaiting_customer' // status in_progress: QR, deep link or 3-D Secure shown to the customer
  | 'done'; // succeeded or failed

/** A call to the rail: start the payment, capture its hold, or withdraw it (void) after it ended here. */
export type RailOp = 'start' | 'capture' | 'void';

export type WebhookType =
  | 'ready_to_confirm'
  | 'action_required'
  | 'payment_finished'
  | 'payment_refunded'
  | 'subscription_activated'
  | 'subscription_charged'
  | 'subscription_payment_failed'
  | 'subscription_cancelled'
  /** The customer gave the subscription a new card or FPS account on their page: its `recurrent` is the new token. */
  | 'subscription_updated'
  /** The customer revoked an FPS account binding at their bank: its recurrent token is inactive. */
  | 'recurrent_disabled';

export type Money = { amount: number; currency: string };

export type SessionState = {
  id: string;
  status: SessionStatus;
  confirmation: Confirmation;
  failedAttempts: number;
  closeReason: string | null;
  expiresAt: number;
};

export type PaymentState = {
  id: string;
  status: PaymentStatus;
  method: PaymentMethod;
  stage: PaymentStage;
  amount: number;
  refundedAmount: number;
  failureCode: string | null;
  failureDescription: string | null;
  actionExpiresAt: number | null;
  confirmExpiresAt: number | null;
};
