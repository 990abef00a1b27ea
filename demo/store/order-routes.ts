/**
 * `POST /demo/orders` and `GET /demo/orders/:id`: the merchant backend's side of a checkout.
 * The order is priced here from the catalog, then its payment session is created through the
 * signed merchant API (with an Idempotency-Key, so a retried request never makes a second
 * session), and the page gets the session's public token for `<sg-checkout token="…">`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { describeOrder, MAX_QTY_PER_PRODUCT, priceOrder } from './catalog';
import { customerId, knownCustomerId } from './customer-cookie';
import type { MerchantClient } from './merchant-client';
import type { Order, OrdersDb } from './orders-db';
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
      const created = await client.call<{ session: { id: string } }>(
        'session/create',
        {
          amount_details: { amount: order.amountMinor, currency: order.currency },
          description: describeOrder(order.lines, parsed.data.lang),
          metadata: { order_id: order.id },
          customer: { reference: customer },
        },
        { idempotencyKey: `order-${order.id}` },
      );
      const { public_token } = await client.call<{ public_token: string }>('token', { session_id: created.session.id });
      orders.attachSession(order.id, created.session.id, public_token);
      log(`order ${order.id}: ${describeOrder(order.lines)}, session ${created.session.id}`);
      return c.json({ order_id: order.id, token: public_token, amount_details: { amount: order.amountMinor, currency: order.currency } }, 201);
    } catch (error) {
      orders.setState(order.id, 'cancelled', 0); // nothing can pay it: the shopper's retry is a new order
      log(`order ${order.id}: the payment server refused the session: ${(error as Error).message}`);
      return c.json({ error: 'the payment server is not answering: try again in a moment' }, 502);
    }
  });

  /** The order as its own shopper may see it; another shopper's order does not exist for them. */
  app.get('/demo/orders/:id', async (c) => {
    const order = (await deps()).orders.get(c.req.param('id'));
    if (!order || order.customerId !== knownCustomerId(c)) return c.json({ error: 'no such order' }, 404);
    c.header('Cache-Control', 'no-store');
    return c.json(orderView(order));
  });

  return app;
}

const orderView = (o: Order) => ({
  order_id: o.id,
  status: o.status,
  amount_details: { amount: o.amountMinor, currency: o.currency },
  refunded_amount: o.refundedMinor,
  items: o.lines.map((l) => ({ sku: l.sku, name: l.name, qty: l.qty, amount: l.totalMinor })),
  session_id: o.sessionId,
  // The token only while there is something to pay: it opens this order's checkout.
  ...(o.status === 'awaiting_payment' && o.publicToken ? { token: o.publicToken } : {}),
});
