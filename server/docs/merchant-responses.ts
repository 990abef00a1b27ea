/**
 * What each merchant method can answer, as read from its handler (merchant-api/routes.ts), the
 * signed-request check (auth.ts), idempotency.ts and the session service. The statuses every
 * method shares come first; 404 and 409 only where the method looks something up or changes a
 * state, 502 where it asks the rail for something that is not recorded (a push).
 * test/server/docs.test.ts provokes each status and checks it is listed here.
 */
import type { z } from '@hono/zod-openapi';
import { MERCHANT_BODY_LIMIT_BYTES } from '../http/body';
import { NOT_JSON, rateLimited, responses, tooLarge } from './responses';

const NO_SESSION = 'not_found: session_id names no session of this project';
const SESSION_STATE = 'invalid_state: the session (or its payment) is not in a status that allows this';
const CARD_TOKEN = 'not_found: the session, or the card or recurrent token, is not one of this project';
const CARD_STATE =
  'invalid_state: the session cannot start a payment now, or the token was already used, disabled, or is not recurrent (recurrent payments)';

/** The method-specific errors, by method name; a method missing here fails at startup. */
const METHOD_ERRORS: Record<string, { 404?: string; 409?: string; 502?: string }> = {
  'session/create': {},
  'session/init/payment': { 404: 'not_found: the card or recurrent token is not one of this project', 409: CARD_STATE },
  'session/start/payment': { 404: CARD_TOKEN, 409: CARD_STATE },
  'session/confirm': { 404: NO_SESSION, 409: `${SESSION_STATE} (next_action is not confirm, or the confirmation window has passed)` },
  'session/cancel': { 404: NO_SESSION, 409: `${SESSION_STATE} (it is already closed)` },
  'session/status': { 404: NO_SESSION },
  'session/refund': { 404: NO_SESSION, 409: `${SESSION_STATE}: only an accepted session can be refunded, up to what is left, in the payment's currency; a session that binds an FPS account without paying has nothing to refund` },
  token: { 404: NO_SESSION },
  'sberpay/push': {
    404: NO_SESSION,
    409: 'invalid_state: no SberPay payment waits for the customer (push after action_required)',
    502: 'acquirer_unavailable: the rail did not send the push (nothing was charged; the QR and the SberPay link still pay): ask again, with a new Idempotency-Key if you sent one',
  },
  'recurrent/disable': { 404: 'not_found: token names no card token or FPS binding of this project' },
  'recurrent/status': { 404: 'not_found: token names no recurrent token of this project (a card token that never paid with payment_options.recurrent is none)' },
  'subscription/create': {},
  'subscription/get': { 404: 'not_found: id names no subscription of this project' },
  'subscription/list': {},
  'subscription/cancel': { 404: 'not_found: id names no subscription of this project', 409: 'invalid_state: it is already cancelled, or a charge is under way (cancel again in a moment)' },
  'subscription/restore': { 404: 'not_found: id names no subscription of this project', 409: 'invalid_state: it has ended, or is not set to end' },
  'subscription/update': { 404: 'not_found: id names no subscription of this project', 409: 'invalid_state: it has ended' },
  'link/create': {},
  'link/get': { 404: 'not_found: id names no payment link of this project' },
  'link/list': {},
  'link/disable': { 404: 'not_found: id names no payment link of this project' },
};

/** Any method called with an Idempotency-Key: several instances share the key. */
const IN_PROGRESS = 'idempotency_key_in_progress: a request with this Idempotency-Key is still running on another instance (retry after Retry-After to get its answer)';

/** The documented answers of merchant method `name`, whose success replies `okReply`. */
export function merchantResponses(name: string, okReply: z.ZodType) {
  const own = METHOD_ERRORS[name];
  if (!own) throw new Error(`merchant method ${name} has no documented errors: add it to METHOD_ERRORS in server/docs/merchant-responses.ts`);
  return responses(
    { status: 200, description: 'ok', schema: okReply },
    {
      400: 'invalid_request: a field is invalid (error.field names it: a body field such as amount_details.amount, or Idempotency-Key); invalid_json: the body is not JSON; duplicate_key: a key is given twice',
      401: 'unauthorized: X-PARTNER-PROJECT is missing or names no project, or X-PARTNER-SIGN is missing, not base64, or not the signature of the exact body',
      ...own,
      409: [own[409], IN_PROGRESS].filter(Boolean).join('; '),
      405: 'method_not_allowed: this path takes only POST (Allow: POST)',
      413: `${tooLarge(MERCHANT_BODY_LIMIT_BYTES)}; checked after the project and the signature header`,
      415: `${NOT_JSON}; checked after the signature`,
      422: 'idempotency_key_reused: this Idempotency-Key was used for another method or another body',
      429: rateLimited('merchant_calls_per_project'),
    },
  );
}
