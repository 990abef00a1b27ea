/**
 * What a verified webhook does to an order. Deliveries come at least once and not always in
 * order (a retried `payment_finished` can arrive after `payment_refunded`), so every rule reads
 * the session snapshot in the event and only ever moves an order forward.
 *
 * The subscription events (`{"type", "created_at", "subscription"}`) update an order's
 * subscription: the newest snapshot by `subscription.version` is kept, and `subscription_activated`
 * and `subscription_charged` say when a period was paid. The order itself is paid by the first
 * session's `payment_finished`, as any other; each renewal is a session of its own (with its own
 * `payment_finished`, which names no order of this store), told to the order by `subscription_charged`.
 */
import type { Order, OrderStatus, OrdersDb } from './orders-db';
import { snapshotOf, type SubscriptionObject } from './subscription-object';

/** The part of a session event's body (`{"type", "session"}`) the store relies on. */
export type SessionEvent = {
  type: string;
  session: {
    id: string;
    status: string;
    amount_details: { amount: number; currency: string };
    acquiring_payments?: { status: string; refunded_amount_details?: { amount: number } }[];
  };
};

/**
 * A subscription event's body: `subscription_activated`, `_charged`, `_payment_failed`,
 * `_cancelled`, or any the server adds later (each carries the whole subscription, so its newer
 * snapshot is kept whatever the type).
 */
export type SubscriptionEvent = {
  type: string;
  /** When it happened, on the payment server's clock. */
  created_at: string;
  subscription: SubscriptionObject;
};

export type WebhookEvent = SessionEvent | SubscriptionEvent;

/** The events that say a period was just paid. */
const PAID: ReadonlySet<string> = new Set(['subscription_activated', 'subscription_charged']);

/** Applies `event` (already verified) to its order; answers a line for the log. */
export function applyEvent(orders: OrdersDb, webhookId: string, event: WebhookEvent): string {
  if ('subscription' in event) return applySubscriptionEvent(orders, webhookId, event);
  const session = event.session;
  if (!session?.id) return `${event.type}: not about a session; ignored`;
  const order = orders.bySession(session.id);
  if (!order) return `${event.type} for ${session.id}: no order of this store has that session; ignored`;
  let outcome = `${event.type}: order ${order.id} stays ${order.status}`;
  const ran = orders.once(webhookId, event.type, () => {
    const next = nextState(order, event);
    if (next && (next.status !== order.status || next.refundedMinor !== order.refundedMinor)) {
      orders.setState(order.id, next.status, next.refundedMinor);
      outcome = `${event.type}: order ${order.id} ${order.status} → ${next.status}`;
    }
  });
  return ran ? outcome : `${event.type}: ${webhookId} was handled before; ignored`;
}

function applySubscriptionEvent(orders: OrdersDb, webhookId: string, event: SubscriptionEvent): string {
  const subscription = event.subscription;
  if (!subscription?.id) return `${event.type}: no subscription in it; ignored`;
  const kept = orders.bySubscription(subscription.id);
  if (!kept) return `${event.type} for ${subscription.id}: no order of this store has that subscription; ignored`;
  let outcome = `${event.type}: order ${kept.orderId} keeps its newer subscription snapshot (version ${kept.version}, this one ${subscription.version})`;
  const ran = orders.once(webhookId, event.type, () => {
    const paidAt = Date.parse(event.created_at);
    if (PAID.has(event.type) && Number.isFinite(paidAt)) orders.subscriptionPaid(subscription.id, paidAt);
    if (orders.updateSubscription(snapshotOf(subscription))) {
      outcome = `${event.type}: order ${kept.orderId}, subscription ${subscription.id} ${kept.status} → ${subscription.status}, ${subscription.periods_paid} paid`;
    }
  });
  return ran ? outcome : `${event.type}: ${webhookId} was handled before; ignored`;
}

function nextState(order: Order, event: SessionEvent): { status: OrderStatus; refundedMinor: number } | null {
  const { session } = event;
  const refunded = Math.max(order.refundedMinor, refundedOf(session));
  const fullyRefunded = refunded >= order.amountMinor;
  switch (event.type) {
    case 'payment_finished':
      if (order.status !== 'awaiting_payment') return null;
      if (session.status === 'accepted') {
        // Paid means: this session, for this order's amount. Anything else is not our money.
        if (session.amount_details.amount !== order.amountMinor || session.amount_details.currency.toUpperCase() !== order.currency) return null;
        return { status: fullyRefunded ? 'refunded' : 'paid', refundedMinor: refunded };
      }
      // A failed attempt hands the session back to `created` (the customer may try again); only these end it.
      if (session.status === 'cancelled' || session.status === 'error') return { status: 'cancelled', refundedMinor: refunded };
      return null;
    case 'payment_refunded':
      // An early refund event (its payment_finished retried later) is remembered, not applied to an unpaid order.
      return { status: order.status === 'paid' && fullyRefunded ? 'refunded' : order.status, refundedMinor: refunded };
    default:
      return null; // action_required, ready_to_confirm: nothing for this store to do (it confirms automatically)
  }
}

const refundedOf = (session: SessionEvent['session']) =>
  (session.acquiring_payments ?? []).reduce((sum, p) => sum + (p.refunded_amount_details?.amount ?? 0), 0);
