/**
 * The Standard Webhooks headers of one signed POST: every webhook delivery attempt and every
 * order check is signed here, and the console shows an attempt's headers by calling it again.
 * The signature covers the id, the attempt's time and the exact body; HMAC is deterministic, so
 * the same inputs give the same headers as were sent (the project's secret is never shown).
 */
import { Webhook } from 'standardwebhooks';

export type SignatureHeaders = { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };

export function signatureHeaders(secret: string, eventId: string, attemptAtMs: number, payload: string): SignatureHeaders {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(attemptAtMs / 1000)),
    'webhook-signature': new Webhook(secret).sign(eventId, new Date(attemptAtMs), payload),
  };
}
