/**
 * `POST /demo/webhooks`: every delivery is verified with the `standardwebhooks` package (the
 * HMAC over webhook-id, webhook-timestamp and the raw body, and a timestamp within five minutes)
 * before anything in it is believed. A delivery that fails is logged and answered 400.
 */
import { Hono } from 'hono';
import type { Webhook } from 'standardwebhooks';
import { applyEvent, type WebhookEvent } from './order-events';
import type { OrdersDb } from './orders-db';
import { MERCHANT_BODY_LIMIT_BYTES, readBody } from '../../server/http/body';

export type WebhookDeps = { orders: OrdersDb; webhook: Webhook; log: (line: string) => void };

export function webhookRoute(deps: () => Promise<WebhookDeps>) {
  const app = new Hono();
  app.post('/demo/webhooks', async (c) => {
    const { orders, webhook, log } = await deps();
    // The raw text, exactly as received (re-serialised JSON would not match the signature), capped as it streams in.
    const body = new TextDecoder().decode(await readBody(c.req.raw, MERCHANT_BODY_LIMIT_BYTES));
    const headers = Object.fromEntries(c.req.raw.headers);
    let event: WebhookEvent;
    try {
      event = webhook.verify(body, headers) as WebhookEvent;
    } catch (error) {
      log(`rejected a webhook delivery (${headers['webhook-id'] ?? 'no webhook-id'}): ${(error as Error).message}`);
      return c.json({ error: 'the webhook signature does not verify' }, 400);
    }
    log(`verified ${headers['webhook-id']}: ${applyEvent(orders, headers['webhook-id']!, event)}`);
    return c.body(null, 204);
  });
  return app;
}
