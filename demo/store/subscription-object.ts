/**
 * The subscription object as the merchant API answers it (`subscription/create`, `subscription/get`)
 * and as the subscription webhooks carry it: only the part the store keeps, read into its own
 * shape. Times arrive as ISO strings on the payment server's clock (in the sandbox, its test clock).
 */
import type { SubscriptionSnapshot, SubscriptionStatus } from './orders-db';

export type SubscriptionObject = {
  id: string;
  status: SubscriptionStatus;
  first_session_id: string;
  periods_paid: number;
  next_charge_at: string | null;
  current_period_end: string | null;
  cancel_at_period_end: boolean;
  cancelled_at: string | null;
  failed_attempts: number;
  unsubscribe_url: string;
  version: number;
};

const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));

/** What the store keeps of `s`. */
export const snapshotOf = (s: SubscriptionObject): SubscriptionSnapshot => ({
  subscriptionId: s.id,
  status: s.status,
  periodsPaid: s.periods_paid,
  nextChargeAt: ms(s.next_charge_at),
  currentPeriodEnd: ms(s.current_period_end),
  cancelAtPeriodEnd: s.cancel_at_period_end,
  cancelledAt: ms(s.cancelled_at),
  failedAttempts: s.failed_attempts,
  manageUrl: s.unsubscribe_url,
  version: s.version,
});
