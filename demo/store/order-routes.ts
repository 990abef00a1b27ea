/**
 * `POST /demo/orders` and `GET /demo/orders/:id`: the merchant backend's side of a checkout.
 * The order is priced here from the catalog, then its payment session is created through the
 * signed merchant API (with an Idempotency-Key, so a retried request never makes a second
 * session), and the page gets the session's public token for `<sg-checkout token="…">`.
 *
 * An order of a subscription is made with `subscription/create` instead: monthly, for the
 * shopper's customer id, described as the product. Its answer holds the first payment's session
 * and its public token (no `token` call), and the subscription with its customer page.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { CATALOG, describeOrder, MAX_QTY_PER_PRODUCT, priceOrder, productText, type PricedOrder, type StoreLanguage } from './catalog';
import { customerId, knownCustomerId } from './customer-cookie';
import type { MerchantClient } from './merchant-client';
import type { Order, OrdersDb, OrderSubscription } from './orders-db';
import { snapshotOf, type SubscriptionObject } from './subscription-object';
import { PUBLIC_BODY_LIMIT_BYTES, readJson } from '../../server/http/body';

export type OrderDeps = { orders: OrdersDb; client: MerchantClient; secureCookies: boolean; log: (line: string) => void };

/** Only SKU and quantity are read: a `price` in the request is dropped with every other unknown key. */
const orderBody = z.object({
  items: z
    .array(z.object({ sku: z.string().max(64), qty: z.number().int().min(1).max(MAX_QTY_PER_PRODUCT) }))
    .min(1)
    .max(20),
  /** The page's language: the payment's description is written in it. */
  lang: z.enum(['ru', 'en']).optional(),
});

export function orderRoutes(deps: () => Promise<OrderDeps>) {
  const app = new Hono();

  app.post('/demo/orders', async (c) => {
    const { orders, client, secureCookies, log } = await deps();
    // Capped as it streams in, like every body this server reads (your framework's body limit does the same).
    const parsed = orderBody.safeParse(await readJson(c.req.raw, PUBLIC_BODY_LIMIT_BYTES));
    if (!parsed.success) return c.json({ error: `send {"items": [{"sku": "…", "qty": 1}]}: ${parsed.error.issues[0]?.message ?? 'invalid body'}` }, 400);
    const priced = priceOrder(parsed.data.items);
    if ('error' in priced) return c.json({ error: priced.error }, 400);

    const customer = customerId(c, secureCookies);
    const order = orders.create(customer, priced.lines, priced.amountMinor);
    try {
      const made = priced.subscription
        ? await subscribe(orders, client, order, priced.subscription, customer, parsed.data.lang)
        : await sessionFor(orders, client, order, customer, parsed.data.lang);
      log(`order ${order.id}: ${describeOrder(order.lines)}, ${made.what}`);
      return c.json({ order_id: order.id, token: made.token, amount_details: { amount: order.amountMinor, currency: order.currency } }, 201);
    } catch (error) {
      orders.setState(order.id, 'cancelled', 0); // nothing can pay it: the shopper's retry is a new order
      log(`order ${order.id}: the payment server refused the session: ${(error as Error).message}`);
      return c.json({ error: 'the payment server is not answering: try again in a moment' }, 502);
    }
  });

  /** The order as its own shopper may see it; another shopper's order does not exist for them. */
  app.get('/demo/orders/:id', async (c) => {
    const { orders } = await deps();
    const order = orders.get(c.req.param('id'));
    if (!order || order.customerId !== knownCustomerId(c)) return c.json({ error: 'no such order' }, 404);
    c.header('Cache-Control', 'no-store');
    return c.json(orderView(order, orders.subscriptionOf(order.id)));
  });

  return app;
}

/** What was made for an order: the public token for the widget, and a few words for the log. */
type Made = { token: string; what: string };

/** A one-off order's session (session/create, then its public token). */
async function sessionFor(orders: OrdersDb, client: MerchantClient, order: Order, customer: string, lang?: StoreLanguage): Promise<Made> {
  const created = await client.call<{ session: { id: string } }>(
    'session/create',
    {
      amount_details: { amount: order.amountMinor, currency: order.currency },
      description: describeOrder(order.lines, lang),
      metadata: { order_id: order.id },
      customer: { reference: customer },
    },
    { idempotencyKey: `order-${order.id}` },
  );
  const { public_token } = await client.call<{ public_token: string }>('token', { session_id: created.session.id });
  orders.attachSession(order.id, created.session.id, public_token);
  return { token: public_token, what: `session ${created.session.id}` };
}

/**
 * A subscription order: `subscription/create` for what one period of the product costs, every
 * period of it, for this shopper (the server charges them later without asking, so it needs to
 * know whom). The token is the first payment's.
 */
async function subscribe(orders: OrdersDb, client: MerchantClient, order: Order, plan: NonNullable<PricedOrder['subscription']>, customer: string, lang: StoreLanguage = 'en'): Promise<Made> {
  const product = CATALOG.find((p) => p.sku === order.lines[0]!.sku)!;
  const created = await client.call<{ subscription: SubscriptionObject; session: { id: string }; public_token: string }>(
    'subscription/create',
    {
      amount_details: { amount: order.amountMinor, currency: order.currency },
      period: plan.period,
      // The customer's page and the notice in the widget show it: in the language they shopped in.
      description: productText(product, lang).name,
      customer: { reference: customer },
    },
    { idempotencyKey: `order-${order.id}` },
  );
  orders.attachSession(order.id, created.session.id, created.public_token);
  orders.attachSubscription(order.id, snapshotOf(created.subscription));
  return { token: created.public_token, what: `subscription ${created.subscription.id}, first session ${created.session.id}` };
}

/** The subscription as the shop's page shows it (times as ISO strings). */
const subscriptionView = (s: OrderSubscription) => {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: s.subscriptionId,
    status: s.status,
    periods_paid: s.periodsPaid,
    last_paid_at: iso(s.lastPaidAt),
    next_charge_at: iso(s.nextChargeAt),
    current_period_end: iso(s.currentPeriodEnd),
    cancel_at_period_end: s.cancelAtPeriodEnd,
    cancelled_at: iso(s.cancelledAt),
    failed_attempts: s.failedAttempts,
    /** The customer's own page: next payments, history, cancel. */
    manage_url: s.manageUrl,
  };
};

export type SubscriptionView = ReturnType<typeof subscriptionView>;

const orderView = (o: Order, subscription: OrderSubscription | null) => ({
  order_id: o.id,
  status: o.status,
  amount_details: { amount: o.amountMinor, currency: o.currency },
  refunded_amount: o.refundedMinor,
  items: o.lines.map((l) => ({ sku: l.sku, name: l.name, qty: l.qty, amount: l.totalMinor })),
  session_id: o.sessionId,
  // The token only while there is something to pay: it opens this order's checkout.
  ...(o.status === 'awaiting_payment' && o.publicToken ? { token: o.publicToken } : {}),
  subscription: subscription ? subscriptionView(subscription) : null,
});
