/**
 * The webhooks in the API reference: the event a project's webhook URL receives, under the
 * OpenAPI 3.1 `webhooks` of /docs/openapi.json, and the section of /docs that says how to verify
 * it under each `webhook_signing` scheme (webhooks/signature-headers.ts signs them).
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { html } from 'hono/html';
import type { WebhookType } from '../domain/types';

const TYPES = ['ready_to_confirm', 'action_required', 'payment_finished', 'payment_refunded', 'recurrent_disabled'] as const satisfies readonly WebhookType[];
const SUBSCRIPTION_TYPES = ['subscription_activated', 'subscription_charged', 'subscription_payment_failed', 'subscription_cancelled', 'subscription_updated'] as const satisfies readonly WebhookType[];

// Every event type is documented: a type added to WebhookType and missing here fails to compile.
type Undocumented = Exclude<WebhookType, (typeof TYPES)[number] | (typeof SUBSCRIPTION_TYPES)[number]>;
const EVERY_TYPE_DOCUMENTED: Undocumented extends never ? true : never = true;
void EVERY_TYPE_DOCUMENTED;

const EVENT_DESCRIPTION =
  'POSTed to the project\'s webhook URL (or the session\'s `webhook_url`) after each change it announces, at least once: retried with exponential backoff and jitter for about three days with the same `webhook-id`; answer 2xx to acknowledge, 410 to disable the endpoint. ' +
  'Signed by the project\'s `webhook_signing`: `standard` (default) by Standard Webhooks with the project\'s `whsec_` secret; `smartglocal` by Smart Glocal\'s `X-PARTNER-SIGN` with the server\'s key.';

const event = z
  .object({
    type: z.enum(TYPES),
    created_at: z.string().openapi({ description: 'When the event was written (ISO-8601 UTC); it does not change between attempts.' }),
    session: z.object({}).passthrough().openapi({ description: 'The session as `session/status` answers it, with its `version`: keep the highest seen per session.' }),
  })
  .openapi('WebhookEvent');

const subscriptionEvent = z
  .object({
    type: z.enum(SUBSCRIPTION_TYPES),
    created_at: z.string().openapi({ description: 'When the event was written (ISO-8601 UTC).' }),
    subscription: z.object({}).passthrough().openapi({ description: 'The subscription as `subscription/get` answers it, with its `version`: keep the highest seen per subscription.' }),
  })
  .openapi('SubscriptionWebhookEvent');

const header = (description: string) => z.string().optional().openapi({ description });

/** Registers the session and subscription events under the document's `webhooks`. */
export function registerWebhookDocs(app: OpenAPIHono<any>): void {
  const headers = z.object({
    'webhook-id': header('The event id (`evt_…`), the same on every attempt: drop a delivery whose id you have processed. Sent under both schemes.'),
    'webhook-timestamp': header('standard: the attempt\'s time in Unix seconds, covered by the signature.'),
    'webhook-signature': header('standard: `v1,<base64 HMAC-SHA256>` with the project\'s `whsec_` secret; the `standardwebhooks` package verifies it.'),
    'X-PARTNER-SIGN': header('smartglocal: base64 of the RSA PKCS#1 v1.5 SHA-256 signature of the exact body bytes, made with the server\'s key; verify it with the `webhook_public_key` that `npm run cli -- server-key` prints.'),
  });
  const responses = {
    200: { description: 'Any 2xx: delivered, never sent again.' },
    410: { description: 'The endpoint is gone: it is disabled until the project is updated or the event replayed.' },
  };
  app.openAPIRegistry.registerWebhook({
    method: 'post',
    path: 'subscription-event',
    summary: 'A subscription event: subscription_activated, subscription_charged, subscription_payment_failed, subscription_cancelled or subscription_updated',
    description:
      'activated: its first payment succeeded; charged: a later period was paid; payment_failed: a charge was declined (status past_due and next_charge_at the retry, or cancelled after the last); cancelled: it ended (cancel_reason merchant, customer, payment_failed, token_inactive or not_paid); updated: it was set to end at the period\'s end (cancel_at_period_end true, by the merchant or the customer on their page) or restored, or the customer gave a new card or FPS account on their page, and `recurrent` is its token, charged from the next payment on (the old token is disabled). ' +
      'A method change is a session of its own too, of 1 ₽ (its data carries subscription_id and subscription_method_change), refunded in full as soon as it is paid: it has its payment_finished and payment_refunded. ' +
      'Each charge is also a session of its own, with its usual payment_finished. Delivered and signed as the session events are.',
    request: { headers, body: { content: { 'application/json': { schema: subscriptionEvent } } } },
    responses,
  });
  app.openAPIRegistry.registerWebhook({
    method: 'post',
    path: 'session-event',
    summary: 'A session event: ready_to_confirm, action_required, payment_finished, payment_refunded or recurrent_disabled',
    description:
      EVENT_DESCRIPTION +
      ' recurrent_disabled: the customer revoked an FPS account binding in their bank app; the session is the one whose payment made it, and that payment\'s recurrent.is_active is now false (a charge of it is refused; a subscription on it ends at its next date, token_inactive).',
    request: { headers, body: { content: { 'application/json': { schema: event } } } },
    responses,
  });
}

/** The Webhooks section of /docs. */
export function webhooksSection() {
  return html`<h2 id="webhooks">Webhooks</h2>
    <p>Events <code>${TYPES.join(', ')}</code> are POSTed to the project's webhook URL with the body
      <code>{"type", "created_at", "session"}</code> and the event's id in <code>webhook-id</code>, the same on every attempt.
      They arrive at least once and may arrive out of order: drop a <code>webhook-id</code> you have processed and keep the
      highest <code>session.version</code> per session. Answer 2xx to acknowledge; 410 disables the endpoint.
      <code>recurrent_disabled</code> says the customer revoked an FPS account binding in their bank app: its session is the one
      whose payment made the binding, with that payment's <code>recurrent.is_active</code> now false.</p>
    <p>Subscriptions add <code>${SUBSCRIPTION_TYPES.join(', ')}</code>, with the body <code>{"type", "created_at", "subscription"}</code>
      (keep the highest <code>subscription.version</code>); each charge is also a session with its usual <code>payment_finished</code>.
      <code>subscription_updated</code> says it was set to end with its period (<code>cancel_at_period_end</code>) or restored, or
      that the customer changed the card or FPS account on their page: <code>recurrent</code> is the new token, the old one is disabled. That change is proven by a session of 1 ₽ (its data carries
      <code>subscription_id</code> and <code>subscription_method_change</code>), refunded in full as soon as it is paid.</p>
    <p>How a delivery is signed is the project's <code>webhook_signing</code>, chosen with
      <code>npm run cli -- project add … --webhook-signing standard|smartglocal</code> (or <code>project update</code>):</p>
    <table>
      <tr><th>webhook_signing</th><th>Headers</th><th>Verify with</th></tr>
      <tr><td><code>standard</code> (default)</td><td><code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>
        (<a href="https://www.standardwebhooks.com">Standard Webhooks</a>)</td>
        <td>the project's <code>whsec_</code> secret, which <code>project add</code> prints once:
          <code>new Webhook(secret).verify(body, headers)</code> from the <code>standardwebhooks</code> package</td></tr>
      <tr><td><code>smartglocal</code></td><td><code>X-PARTNER-SIGN</code>: base64 of the RSA PKCS#1 v1.5 SHA-256 signature of
        the exact body bytes, made with the server's own key; and <code>webhook-id</code></td>
        <td>the server's public key, printed as <code>webhook_public_key</code> by <code>project add</code>/<code>show</code> and by
          <code>npm run cli -- server-key</code> (<code>--out server-public.pem</code> writes it to a file). An integration written
          for Smart Glocal's webhooks works unchanged.</td></tr>
    </table>
    <p>Under <code>smartglocal</code> verify the raw bytes before parsing them; the signature covers no timestamp, so also drop
      repeats by <code>webhook-id</code>:</p>
    <pre>crypto.verify('sha256', rawBody, webhookPublicKeyPem, Buffer.from(req.headers['x-partner-sign'], 'base64'))
printf '%s' "$BODY" | openssl dgst -sha256 -verify server-public.pem -signature &lt;(printf '%s' "$SIGN" | base64 -d)</pre>
    <p class="muted">The server's key comes from <code>SERVER_KEY_FILE</code> (a PEM private key file) or
      <code>SERVER_PRIVATE_KEY</code> (the PEM itself), else <code>DATA_DIR/server-key.pem</code>, made there on first start.
      Instances sharing one PostgreSQL database must all be given the same key through <code>SERVER_KEY_FILE</code>.</p>`;
}
