/**
 * The Standard Webhooks headers of one delivery attempt, exactly as the sender sent them. The
 * sender signs each attempt with the time of that attempt, and HMAC is deterministic, so the
 * signature can be recomputed from the event id, the attempt's time, the payload and the
 * project's secret (which the console never shows).
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
