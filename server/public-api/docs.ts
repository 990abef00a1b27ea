/**
 * The public API in the API reference: what the widget, the card frame and the hosted pages call.
 * Request bodies are the schemas that validate them (routes.ts); the replies have schemas here,
 * and test/server/docs.test.ts checks real replies against them (strictly, so a field the view
 * gains fails the test until it is documented) and provokes each documented status.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { PUBLIC_BODY_LIMIT_BYTES } from '../http/body';
import { NOT_JSON, rateLimited, responses, tooLarge } from '../docs/responses';
import { MAX_WAIT_SECONDS, cardBody, sberPayPushBody, startBody } from './routes';
import { linkCheckoutBody } from '../pages/hosted-pages';
import type { SessionView } from './view';

export const PUBLIC_API_TAG = 'Public API';

export const PUBLIC_API_DESCRIPTION =
  'What the widget, the card frame and the hosted pages call from the customer\'s browser. No keys: the session\'s public token ' +
  '(`pt_…`, from the merchant method `token`) sits in the path and is the authorisation, scoped to that one session. A request ' +
  'with an `Origin` is answered only for the server\'s own origin and the project\'s allowed origins (`npm run cli -- project update <name> --origin <origin>`), ' +
  'with `Access-Control-Allow-Origin` set to it; any other origin is 403 origin_not_allowed, preflight included. ' +
  'POST bodies are JSON (Content-Type: application/json), at most 16 KiB. Errors have the merchant API\'s shape: ' +
  '`{"status": "error", "error": {"code", "description", "field"}}`.';

const brandAndLast4 = z.strictObject({ brand: z.string(), last4: z.string() });

/** The session as the customer's browser sees it (view.ts `sessionView`), with the server's clock. */
export const sessionViewReply = z
  .strictObject({
    session_id: z.string(),
    version: z.number().int().openapi({ description: 'Grows with every change: pass it back as ?version= to long-poll for the next.' }),
    status: z.enum(['created', 'in_progress', 'accepted', 'cancelled', 'error']),
    close_reason: z.string().nullable(),
    amount_details: z.strictObject({ amount: z.number().int().openapi({ description: 'Kopecks.' }), currency: z.string() }),
    description: z.string().nullable(),
    merchant: z.string().openapi({ description: "The shop's display name." }),
    methods: z.array(z.enum(['saved_card', 'fps', 'card', 'sberpay'])).openapi({ description: 'The methods to offer, in order.' }),
    binding: z.boolean().openapi({ description: "The session binds the customer's FPS account and takes no money (its amount is 0): the customer links the account, and is not asked to pay." }),
    method_change: z.boolean().openapi({ description: "The session checks a new card or account for a subscription (1 ₽, refunded at once): the customer's success says the method was saved." }),
    recurrent: z.boolean().openapi({ description: "The session keeps the means of payment for the shop's later charges: send recurrent_consent: true (the customer agreed); only what can recur is offered (card, and fps where the rail binds accounts)." }),
    subscription: z
      .strictObject({
        amount_details: z.strictObject({ amount: z.number().int(), currency: z.string() }),
        period: z.strictObject({ unit: z.enum(['day', 'week', 'month', 'year']), count: z.number().int() }),
        next_payment_at: z.string().openapi({ description: 'ISO 8601: when the next period is charged if the customer pays now.' }),
      })
      .nullable()
      .openapi({ description: 'The subscription whose first payment this is (the regular-payment notice), or null.' }),
    card_form: z
      .enum(['server', 'acquirer'])
      .nullable()
      .openapi({ description: "Who tokenises cards: server, this server's card frame (/widget/card-frame.html, the sandbox only); acquirer, the rail's own card form (POST …/card-form opens it); null, no cards are taken." }),
    saved_card: brandAndLast4.nullable().openapi({ description: 'The card remembered for this (vouched) customer, for one-tap payment.' }),
    can_save_card: z.boolean().openapi({ description: 'Whether "remember this card" may be offered.' }),
    return_url: z.string().nullable(),
    show_result: z.boolean(),
    consent: z
      .strictObject({ offer_url: z.string().nullable() })
      .nullable()
      .openapi({ description: 'The offer the customer must accept (POST …/payments with consent: true), or null.' }),
    support: z
      .strictObject({ email: z.string().optional(), phone: z.string().optional(), telegram: z.string().optional(), url: z.string().optional() })
      .nullable()
      .openapi({ description: "The shop's contacts, shown when a payment fails." }),
    expires_at: z.string().openapi({ description: 'ISO 8601: until when the session can be paid.' }),
    sandbox: z.boolean().openapi({ description: 'True when the server runs the sandbox acquirer: test cards, the sandbox bank, no money moves (the widget shows "Test mode").' }),
    payment: z
      .strictObject({
        id: z.string(),
        method: z.enum(['card', 'saved_card', 'recurrent', 'fps', 'sberpay']),
        status: z.enum(['in_progress', 'pending', 'succeeded', 'failed']),
        checking: z.literal(true).optional().openapi({ description: "Present while the server learns the payment's outcome from the bank (its answer was slow or lost): show \"checking the payment\", keep polling, never offer to pay again." }),
        customer_interaction: z
          .strictObject({
            type: z.enum(['qr', 'redirect']).openapi({ description: 'qr: show redirect.url as a QR code; redirect: open it (3-D Secure page or deep link).' }),
            redirect: z.strictObject({ url: z.string(), method: z.literal('GET') }),
            expires_at: z.string(),
          })
          .optional(),
        failure: z.strictObject({ code: z.string(), description: z.string().nullable() }).optional(),
        card: brandAndLast4.optional(),
        paid_at: z.string().optional(),
      })
      .nullable()
      .openapi({ description: 'The latest payment, live or finished, or null.' }),
    server_time: z.string().openapi({ description: "ISO 8601: the server's clock, to count down expires_at on." }),
  })
  .openapi('PublicSessionView');

// The view as rendered must fit its schema: a field whose type changes stops this compiling.
type DocumentedView = z.infer<typeof sessionViewReply>;
export const viewFitsItsSchema = (view: SessionView): Omit<DocumentedView, 'server_time' | 'methods'> & { methods: Readonly<DocumentedView['methods']> } => view;

export const cardFormReply = z
  .strictObject({
    url: z.string().openapi({ description: "The rail's card form page: frame it with ?token= and the card frame's #origin, locale, theme." }),
    token: z.string().openapi({ description: 'What the form is opened with (the rail\'s public token for it).' }),
  })
  .openapi('PublicCardForm');

export const cardTokenReply = z
  .strictObject({ token: z.string().openapi({ example: 'tok_…' }), brand: z.string(), last4: z.string(), expiry_month: z.number().int(), expiry_year: z.number().int() })
  .openapi('PublicCardToken');

const bank = { id: z.string().openapi({ description: "The bank's 12-digit FPS member id." }), name: z.string(), logo_url: z.string() };
export const banksReply = z
  .strictObject({ banks: z.array(z.strictObject({ ...bank, schema: z.string(), package: z.string().nullable() })) })
  .openapi('FpsBanks');
export const sessionBanksReply = z
  .strictObject({
    link: z.string().openapi({ description: "The FPS link of the waiting payment's QR." }),
    banks: z.array(z.strictObject({ ...bank, ios_url: z.string(), android_url: z.string() })),
  })
  .openapi('FpsBankLinks');
export const pushReply = z.strictObject({ status: z.literal('ok') });
export const linkCheckoutReply = z
  .strictObject({ status: z.literal('ok'), session_id: z.string(), token: z.string().openapi({ description: 'The public token of the new session: pass it to the widget.' }) })
  .openapi('LinkCheckout');


const token = z.object({
  token: z.string().openapi({ description: 'The public token of the session (`pt_…`, from the merchant method `token`): the authorisation.' }),
});
const json = (schema: z.ZodType) => ({ body: { content: { 'application/json': { schema } }, required: true } });
/** A POST that reads no body still takes only JSON (a browser cannot send one cross-origin without a preflight). */
const emptyJson = json(z.strictObject({}).openapi({ description: 'Send {} (the body is not read).' }));

const VIEW = { status: 200 as const, description: 'The session view, after the change', schema: sessionViewReply };
const ORIGIN = 'origin_not_allowed: the request came with an Origin that is neither this server\'s nor one of the project\'s';
const TOKEN = 'not_found: the token is unknown';
const TOO_LARGE = tooLarge(PUBLIC_BODY_LIMIT_BYTES);
const INVALID = 'invalid_request: a field is invalid (error.field names it); invalid_json: the body is not JSON; duplicate_key: a key is given twice';

/** Documents the public API and the link checkout in `app`'s OpenAPI registry. */
export function registerPublicApiDocs(app: OpenAPIHono<any>): void {
  const add = (method: 'get' | 'post' | 'options', path: string, op: { summary: string; description?: string; request?: object; responses: object }) =>
    app.openAPIRegistry.registerPath({ method, path, tags: [PUBLIC_API_TAG], ...op } as Parameters<typeof app.openAPIRegistry.registerPath>[0]);

  add('get', '/public/v1/banks', {
    summary: 'The FPS banks, for a bank picker',
    description: 'Open to any origin (Access-Control-Allow-Origin: *), cached for an hour.',
    responses: responses({ status: 200, description: 'The banks', schema: banksReply }, {}),
  });

  add('get', '/public/v1/sessions/{token}', {
    summary: "Read the session's view; long-poll for its next change",
    description: `With version and wait, the answer waits (at most ${MAX_WAIT_SECONDS} s, or until the session's next deadline) for a version newer than version; without them, or when the session is closed, it answers at once.`,
    request: {
      params: token,
      query: z.object({
        version: z.string().optional().openapi({ description: 'The version the client has; with wait, answer only once the session has a newer one.', example: '3' }),
        wait: z.string().optional().openapi({ description: `Seconds to wait for a newer version, at most ${MAX_WAIT_SECONDS}.`, example: '25' }),
      }),
    },
    responses: responses({ status: 200, description: 'The session view', schema: sessionViewReply }, { 403: ORIGIN, 404: TOKEN }),
  });

  add('options', '/public/v1/sessions/{token}', {
    summary: 'CORS preflight, for this path and every path under it',
    description: 'Answers Access-Control-Allow-Origin (the Origin, if allowed), Access-Control-Allow-Methods: GET, POST, Access-Control-Allow-Headers: Content-Type, Access-Control-Max-Age: 600.',
    request: { params: token },
    responses: responses({ status: 204, description: 'The origin may call this session' }, { 403: ORIGIN, 404: TOKEN }),
  });

  add('post', '/public/v1/sessions/{token}/payments', {
    summary: 'Start a payment with the method the customer chose',
    description:
      'A waiting payment nothing was charged for yet is replaced (the customer switched methods). If the session has an order_check_url, the merchant is asked first. ' +
      'card takes a token from POST …/cards on this same session (card_form server), or from the rail\'s card form with the card it showed (card_form acquirer: card is then required).',
    request: { params: token, ...json(startBody) },
    responses: responses(VIEW, {
      400: `${INVALID}; field consent: the session asks for consent and it is not true; field card: a token of the rail's card form came without the card it showed; on a recurrent session, field recurrent_consent: it is not true, field method: not one of the methods the view offers`,
      403: ORIGIN,
      404: `${TOKEN}, or card_token names no card of this project`,
      409: "order_refused: the merchant's order check said no (its error_message is the description); invalid_state: the session cannot take a payment now, or the card token was made on another session, already used or disabled, or there is no saved card",
      413: TOO_LARGE,
      415: NOT_JSON,
      429: `${rateLimited('card_payments_per_session', 'card_payments_per_card', 'card_payments_per_address')} (method card and saved_card only)`,
      502: "order_check_failed: the merchant's order check did not answer {\"ok\": true} or {\"ok\": false} (an error, no answer in 10 s, unreachable); nothing was charged",
    }),
  });

  add('post', '/public/v1/sessions/{token}/card-form', {
    summary: "Open the rail's card form for this checkout (card_form acquirer only)",
    description: "The card number goes to the rail alone. The same form is handed out again for 10 minutes (a reload, a second tab). Exists only where the rail has its own card form.",
    request: { params: token, ...emptyJson },
    responses: responses(
      { status: 200, description: "The rail's card form", schema: cardFormReply },
      {
        403: ORIGIN,
        404: TOKEN,
        409: 'invalid_state: the session takes no more payments',
        415: NOT_JSON,
        429: rateLimited('card_tokens_per_session', 'card_tokens_per_address'),
        502: 'acquirer_unavailable: the rail gave no card form in time; ask again',
      },
    ),
  });

  add('post', '/public/v1/sessions/{token}/cards', {
    summary: 'Tokenise a card (the card frame; card_form server, the sandbox only)',
    description: 'The card number is never logged or stored in the clear; the token pays only this session.',
    request: { params: token, ...json(cardBody) },
    responses: responses(
      { status: 200, description: 'The card token', schema: cardTokenReply },
      {
        400: `${INVALID}; the fields are named card.number, card.expiry_month … (a number that fails the Luhn check, an expired card)`,
        403: ORIGIN,
        404: TOKEN,
        413: TOO_LARGE,
        415: NOT_JSON,
        429: rateLimited('card_tokens_per_session', 'card_tokens_per_address'),
      },
    ),
  });

  add('post', '/public/v1/sessions/{token}/sberpay/push', {
    summary: 'Send the SberPay push to this phone (the waiting SberPay payment)',
    request: { params: token, ...json(sberPayPushBody) },
    responses: responses(
      { status: 200, description: 'Sent', schema: pushReply },
      {
        400: INVALID,
        403: ORIGIN,
        404: TOKEN,
        409: 'invalid_state: no SberPay payment waits for the customer',
        413: TOO_LARGE,
        415: NOT_JSON,
        502: 'acquirer_unavailable: the rail did not send the push; the QR and the SberPay link still pay',
      },
    ),
  });

  add('post', '/public/v1/sessions/{token}/renew', {
    summary: 'Replace the QR or deep link of the waiting payment with a fresh one',
    request: { params: token, ...emptyJson },
    responses: responses(VIEW, { 403: ORIGIN, 404: TOKEN, 409: 'invalid_state: no payment waits for the customer', 415: NOT_JSON }),
  });

  add('post', '/public/v1/sessions/{token}/payments/{paymentId}/abandon', {
    summary: 'The customer left the 3-D Secure page or QR: that attempt ends, nothing is charged',
    request: { params: token.extend({ paymentId: z.string().openapi({ description: 'payment.id from the view.' }) }), ...emptyJson },
    responses: responses(VIEW, { 403: ORIGIN, 404: TOKEN, 409: 'invalid_state: paymentId is not the payment waiting for the customer', 415: NOT_JSON }),
  });

  add('post', '/public/v1/sessions/{token}/saved-card/remove', {
    summary: 'The customer removes their saved card: it is no longer offered',
    request: { params: token, ...emptyJson },
    responses: responses(VIEW, { 403: ORIGIN, 404: TOKEN, 409: 'invalid_state: the session has no saved card', 415: NOT_JSON }),
  });

  add('get', '/public/v1/sessions/{token}/banks', {
    summary: "The FPS banks with deep links that open the waiting payment's QR in each bank's app",
    request: { params: token },
    responses: responses(
      { status: 200, description: 'The link and the banks', schema: sessionBanksReply },
      { 403: ORIGIN, 404: TOKEN, 409: 'invalid_state: no FPS payment is waiting' },
    ),
  });

  add('post', '/l/{linkId}/checkout', {
    summary: 'Open a session for one purchase on a payment link (the link page)',
    description: 'Same-origin only (the link page posts it). The reply gives the new session\'s public token for the widget.',
    request: { params: z.object({ linkId: z.string().openapi({ description: 'The payment link id, pl_….' }) }), ...json(linkCheckoutBody) },
    responses: responses(
      { status: 200, description: 'The session is open', schema: linkCheckoutReply },
      {
        400: 'invalid_request: error.field names the field (consent when the offer is not accepted, fields.N for an empty or too long value, body when it is not a JSON object)',
        401: "invalid_init_data: the link has a Telegram bot token and init_data is not signed by it, or is stale or from the future",
        404: 'not_found: the link does not exist or is disabled',
        413: TOO_LARGE,
        415: NOT_JSON,
        429: rateLimited('link_checkouts_per_address', 'link_checkouts_per_link'),
      },
    ),
  });
}
