/**
 * `POST /acquirer/smartglocal/webhooks`: the upstream's Smart Glocal-style webhooks
 * (`{"type", "session"}`, `X-PARTNER-SIGN` = base64 RSA-SHA256 over the raw body with the
 * upstream's key). The signature is checked over the exact bytes before anything parses them.
 * A verified event becomes the same report as an answer to a call (`reports.payment`), so it is
 * applied once however often the upstream delivers it; a failure to hand it over answers 5xx, so
 * the upstream delivers it again. `recurrent_disabled` (an FPS binding revoked at the customer's
 * bank) becomes `reports.bindingRevoked` for each binding the session shows inactive.
 */
import type { KeyObject } from 'node:crypto';
import { partnerVerify } from '../../webhooks/signature-headers';
import { Hono } from 'hono';
import type { RailReports } from '../port';
import { latestPayment, railStateOf, revokedBindings } from './mapping';
import { webhookBody } from './protocol';

export const WEBHOOK_PATH = '/acquirer/smartglocal/webhooks';
/** Far above any session with its payments and refunds; a bigger body is not read. */
const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const error = (code: string, description: string) => ({ status: 'error' as const, error: { code, description } });

/** The gateway's payment id that an upstream payment names in its metadata, if any. */
function gatewayPaymentId(metadata: unknown): string | null {
  if (!metadata || typeof metadata !== 'object' || Array.isArray(metadata)) return null;
  const id = (metadata as Record<string, unknown>).gateway_payment_id;
  return typeof id === 'string' && id ? id : null;
}

export function smartGlocalWebhooks(reports: RailReports, upstreamPublicKey: KeyObject): Hono {
  const app = new Hono();
  app.post(WEBHOOK_PATH, async (c) => {
    const signature = c.req.header('x-partner-sign');
    if (!signature) {
      return c.json(error('unauthorized', 'X-PARTNER-SIGN header is missing: the upstream signs its webhooks when our project there has webhook_signing smartglocal'), 401);
    }
    if (!BASE64.test(signature) || signature.length % 4 !== 0) return c.json(error('unauthorized', 'X-PARTNER-SIGN is not base64'), 401);
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > WEBHOOK_BODY_LIMIT_BYTES) return c.json(error('body_too_large', `the body is over ${WEBHOOK_BODY_LIMIT_BYTES} bytes`), 413);
    const raw = new Uint8Array(await c.req.arrayBuffer());
    if (raw.byteLength > WEBHOOK_BODY_LIMIT_BYTES) return c.json(error('body_too_large', `the body is over ${WEBHOOK_BODY_LIMIT_BYTES} bytes`), 413);
    if (!(await partnerVerify(upstreamPublicKey, raw, signature).catch(() => false))) {
      return c.json(
        error('unauthorized', "X-PARTNER-SIGN does not match the body with the upstream's public key: check SMARTGLOCAL_PUBLIC_KEY against the key the upstream signs with"),
        401,
      );
    }
    let parsed: ReturnType<typeof webhookBody.safeParse>;
    try {
      parsed = webhookBody.safeParse(JSON.parse(new TextDecoder().decode(raw)));
    } catch {
      return c.json(error('invalid_json', 'the body is not JSON'), 400);
    }
    if (!parsed.success) return c.json(error('invalid_request', 'the body is not a Smart Glocal webhook {"type", "session"}'), 400);
    const { type, session } = parsed.data;
    if (type === 'recurrent_disabled') {
      // The customer revoked an FPS binding at their bank: the session is the one whose payment made it.
      try {
        for (const token of revokedBindings(session)) await reports.bindingRevoked(token);
      } catch (cause) {
        console.error(`smartglocal webhook recurrent_disabled for ${session.id}: not recorded (${cause instanceof Error ? cause.message : String(cause)}); the upstream will deliver it again`);
        return c.json(error('not_recorded', 'the event could not be recorded now: deliver it again later'), 503);
      }
      return c.json({ status: 'ok' });
    }
    const payment = latestPayment(session);
    // Subscription events and the like carry no payment of ours: nothing to report, and nothing to retry.
    if (!payment) return c.json({ status: 'ok' });
    try {
      const paymentId = gatewayPaymentId(payment.metadata) ?? (await reports.paymentIdByRailRef(session.id));
      if (!paymentId) return c.json({ status: 'ok', ignored: `session ${session.id} runs no payment of this gateway` });
      await reports.payment(paymentId, railStateOf(session));
      if (type === 'payment_refunded') await reports.reconcileRefunds(paymentId);
    } catch (cause) {
      console.error(`smartglocal webhook ${type} for ${session.id}: not recorded (${cause instanceof Error ? cause.message : String(cause)}); the upstream will deliver it again`);
      return c.json(error('not_recorded', 'the event could not be recorded now: deliver it again later'), 503);
    }
    return c.json({ status: 'ok' });
  });
  return app;
}
