/**
 * The signature headers of one signed POST, by the scheme the project chose:
 *
 * - `standard` (the default): Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 *   `webhook-signature`) with the project's `whsec_` secret. Every order check is signed this way
 *   too, and the console shows an attempt's headers by calling `signatureHeaders` again: the
 *   signature covers the id, the attempt's time and the exact body, and HMAC is deterministic, so
 *   the same inputs give the same headers as were sent (the project's secret is never shown).
 * - `smartglocal`: Smart Glocal's `X-PARTNER-SIGN`, base64 of an RSA PKCS#1 v1.5 SHA-256
 *   signature of the exact body bytes with the server's own key (server-key.ts), the mirror of
 *   how the merchant API checks the merchant's requests (merchant-api/auth.ts). The stable
 *   `webhook-id` goes along, unsigned, for receivers that drop duplicates by it.
 */
import { sign, verify, type KeyObject } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Project } from '../store/rows';

export type SignatureHeaders = { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };
export type PartnerSignHeaders = { 'webhook-id': string; 'x-partner-sign': string };

/** The Standard Webhooks headers of `payload` sent as event `eventId` at `attemptAtMs` (ms since the epoch). */
export function signatureHeaders(secret: string, eventId: string, attemptAtMs: number, payload: string): SignatureHeaders {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(attemptAtMs / 1000)),
    'webhook-signature': new Webhook(secret).sign(eventId, new Date(attemptAtMs), payload),
  };
}

/**
 * Base64 of the RSA PKCS#1 v1.5 SHA-256 signature of `payload`'s UTF-8 bytes. Signed on libuv's
 * thread pool (the callback form of crypto.sign): a 2048-bit RSA signature costs about a
 * millisecond of CPU, which then stays off the event loop that serves the requests.
 */
export function partnerSign(privateKey: KeyObject, payload: string | Uint8Array): Promise<string> {
  return new Promise((resolve, reject) =>
    sign('sha256', typeof payload === 'string' ? Buffer.from(payload) : payload, privateKey, (error, signature) => (error ? reject(error) : resolve(signature.toString('base64')))),
  );
}

/** Whether `signatureB64` is the X-PARTNER-SIGN of `body` by `publicKey`'s private half (on the thread pool too); rejects only when the key cannot verify at all. */
export function partnerVerify(publicKey: KeyObject, body: Uint8Array, signatureB64: string): Promise<boolean> {
  return new Promise((resolve, reject) => verify('sha256', body, publicKey, Buffer.from(signatureB64, 'base64'), (error, valid) => (error ? reject(error) : resolve(valid))));
}

/** Smart Glocal's headers of `payload`: its X-PARTNER-SIGN, and the event's id as `webhook-id`. */
export async function partnerSignHeaders(privateKey: KeyObject, eventId: string, payload: string): Promise<PartnerSignHeaders> {
  return { 'webhook-id': eventId, 'x-partner-sign': await partnerSign(privateKey, payload) };
}

/** A project asks for signing that this server cannot do: recorded on the attempt as its error. */
export class WebhookSigningError extends Error {
  override name = 'WebhookSigningError';
}

/**
 * The headers that sign event `eventId` of `project` by its `webhookSigning` (standard when
 * unset). `serverKey`: the server's private key, needed by `smartglocal` only; without it this
 * rejects with a WebhookSigningError.
 */
export async function webhookSignatureHeaders(
  project: Pick<Project, 'name' | 'webhookSecret' | 'webhookSigning'>,
  serverKey: { privateKey: KeyObject } | undefined,
  eventId: string,
  attemptAtMs: number,
  payload: string,
): Promise<SignatureHeaders | PartnerSignHeaders> {
  if (project.webhookSigning !== 'smartglocal') return signatureHeaders(project.webhookSecret, eventId, attemptAtMs, payload);
  if (!serverKey) {
    throw new WebhookSigningError(
      `project ${project.name} asks for X-PARTNER-SIGN (webhook_signing smartglocal) but this server was started without its key: pass serverKey to createServer (main.ts loads it from SERVER_KEY_FILE, SERVER_PRIVATE_KEY or DATA_DIR); the event is retried on the usual schedule`,
    );
  }
  return partnerSignHeaders(serverKey.privateKey, eventId, payload);
}
