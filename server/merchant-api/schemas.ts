/**
 * The merchant API's request schemas. The same objects validate every request and generate the
 * OpenAPI document served at /docs, so the reference cannot drift from what the server accepts.
 * Objects are strict: an unknown field is an error naming it, so a typo never silently drops
 * a setting.
 */
import { z } from '@hono/zod-openapi';
import { isBindingDetails } from '../sessions/bindings';

/** 100 million roubles: far above any checkout, far below where kopecks could lose precision. */
export const MAX_AMOUNT_MINOR = 10_000_000_000;

export const httpUrl = z
  .string()
  .max(2048)
  .refine((s) => /^https?:\/\//i.test(s) && URL.canParse(s), { message: 'must be an http(s) URL such as https://shop.example/return' });

export const phoneSchema = z
  .string()
  .regex(/^7\d{10}$/, { message: 'must be 11 digits starting with 7, such as 71234567890 (no +, spaces or dashes)' })
  .openapi({ example: '71234567890' });

export const amountDetails = z
  .strictObject({
    amount: z
      .number({ message: 'must be a number of kopecks' })
      .int({ message: 'must be a whole number of kopecks (1000 is 10.00 ₽), not roubles with a fraction' })
      .positive({ message: 'must be at least 1 kopeck' })
      .max(MAX_AMOUNT_MINOR, { message: `must be at most ${MAX_AMOUNT_MINOR} kopecks` }),
    currency: z
      .string({ message: 'must be a currency code such as RUB' })
      .transform((s) => s.toUpperCase())
      .refine((s) => s === 'RUB', { message: 'must be RUB: the sandbox, FPS and SberPay rails settle in roubles only' }),
  })
  .openapi('AmountDetails', { example: { amount: 1000, currency: 'RUB' } });

const metadata = z
  .union([
    z.string().max(2048),
    z.record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean(), z.null()])).refine((r) => Object.keys(r).length <= 50, {
      message: 'may have at most 50 keys',
    }),
  ], { message: 'must be a string of at most 2048 characters or a flat object of at most 50 keys' })
  .openapi({ description: 'Your own data, echoed back in replies and webhooks.', example: 'order-123' });

export const customer = z
  .strictObject({
    reference: z.string().min(1).max(255).optional().openapi({ description: 'Your id of the customer; remembers their last card for one-tap payment.' }),
    email: z.email({ message: 'must be an email address' }).max(254).optional(),
    phone: phoneSchema.optional(),
  })
  .openapi('Customer');

const paymentOptions = z.strictObject({
  return_url: httpUrl.optional().openapi({ description: 'Where the customer returns after paying.' }),
  recurrent: z.boolean().optional().openapi({ description: 'Keep the means of payment for later merchant-initiated charges: the card as a recurrent token (tok_…), or, paid by FPS, the customer\'s bank account bound by NSPK (bnd_…). The customer must agree; the widget asks.' }),
  save_card: z
    .boolean()
    .optional()
    .openapi({ description: "The customer agreed, in your own form, that their card be offered again next time (one tap). Needs customer.reference; without it no card is remembered." }),
});

const sessionOptions = paymentOptions
  .extend({
    confirmation: z.enum(['auto', 'manual']).optional().openapi({ description: "Overrides the project's confirmation mode." }),
    lifetime_minutes: z
      .number({ message: 'must be a whole number of minutes from 5 to 43200 (30 days)' })
      .int({ message: 'must be a whole number of minutes from 5 to 43200 (30 days)' })
      .min(5, { message: 'must be a whole number of minutes from 5 to 43200 (30 days)' })
      .max(43_200, { message: 'must be a whole number of minutes from 5 to 43200 (30 days)' })
      .optional().openapi({ description: 'How long the session can be paid; 1440 (a day) by default.' }),
    show_result: z.boolean().optional().openapi({ description: 'false: send the customer straight to return_url instead of showing the result.' }),
    consent: z
      .strictObject({ offer_url: httpUrl.optional() })
      .optional()
      .openapi({ description: 'Ask the customer to accept your offer before paying: the pay buttons stay disabled until they tick the box, and the server refuses a payment without it.' }),
  })
  .openapi('PaymentOptions');

const sessionId = z.string().regex(/^ps_[0-9a-z]{20}$/, { message: 'must be a session id such as ps_…, as session/create returned it' });
export const cardToken = z.string().regex(/^tok_[0-9a-z]{20}$/, { message: 'must be a card token tok_… from the card form' });
const recurrentToken = z.string().regex(/^(tok|bnd)_[0-9a-z]{20}$/, {
  message: "must be a recurrent token as a payment's recurrent.token gave it: tok_… (a card) or bnd_… (an FPS account binding)",
});

export const paymentDetails = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('card'), card: z.strictObject({ token: cardToken }) }),
    z.strictObject({
      type: z.literal('recurrent'),
      recurrent: z.strictObject({
        token: recurrentToken,
        initiator: z.enum(['merchant', 'client']).default('merchant').openapi({
          description: 'merchant (default): charged with no customer present, exempt from 3-D Secure; client: the customer pays with one click on your page, and the issuer may ask for 3-D Secure (action_required).',
        }),
      }),
    }),
    z.strictObject({ type: z.literal('faster_payment_system') }),
    z.strictObject({ type: z.literal('faster_payment_system_binding') }).openapi({
      description: "Binds the customer's bank account by NSPK and takes no money: the session has no amount_details (session/create with binding, or session/init/payment). The payment's recurrent.token (bnd_…) is then charged like any recurrent token.",
    }),
    z.strictObject({
      type: z.literal('internet_banking'),
      internet_banking: z.strictObject({
        type: z.literal('sber_pay'),
        sber_pay: z.strictObject({ phone: phoneSchema.optional(), channel: z.enum(['app', 'mobile_web', 'web']) }),
      }),
    }),
  ], { message: 'type must be one of card, recurrent, faster_payment_system, faster_payment_system_binding, internet_banking' })
  .openapi('PaymentDetails');

const sessionFields = {
  amount_details: amountDetails.optional().openapi({ description: 'What the customer pays. Omitted only by a session that binds an FPS account without paying (binding, or payment_details.type faster_payment_system_binding).' }),
  description: z.string().max(255).optional().openapi({ description: 'Shown to the customer as text.' }),
  metadata: metadata.optional(),
  customer: customer.optional(),
  payment_options: sessionOptions.optional(),
  order_check_url: httpUrl.optional().openapi({ description: 'Asked (signed like a webhook) before every charge the customer starts; only {"ok": true} lets it go on.' }),
};

const binding = z.strictObject({ type: z.literal('faster_payment_system') }).openapi('Binding', {
  description: "Bind the customer's bank account by FPS (NSPK's subscription) without taking money, instead of amount_details: the widget or hosted page shows the binding link, the customer approves it in their bank app, and the payment's recurrent.token (bnd_…) is charged later. Confirmation is automatic: there is no money to hold.",
});

/**
 * What a session takes: money (`amount_details`), or nothing, when it only binds an account. A
 * binding moves no money, so it has nothing for the merchant to confirm or a card to remember.
 */
function amountOrBinding(b: { amount_details?: unknown; payment_options?: { confirmation?: string; save_card?: boolean; recurrent?: boolean } }, binds: boolean, ctx: z.RefinementCtx, how: string) {
  if (!binds && b.amount_details === undefined) {
    ctx.addIssue({ code: 'custom', path: ['amount_details'], message: `is required: the amount to pay, such as {"amount": 1000, "currency": "RUB"} (to bind an FPS account without paying, ${how})` });
  }
  if (binds && b.amount_details !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['amount_details'], message: 'must be omitted: a binding takes no money (to pay and bind, send amount_details with payment_options.recurrent and pay by faster_payment_system)' });
  }
  if (binds && b.payment_options?.confirmation === 'manual') {
    ctx.addIssue({ code: 'custom', path: ['payment_options', 'confirmation'], message: 'must be auto or omitted: a binding holds no money, so there is nothing to confirm' });
  }
  if (binds && b.payment_options?.recurrent === false) {
    ctx.addIssue({ code: 'custom', path: ['payment_options', 'recurrent'], message: 'must be true or omitted: a binding keeps the account it binds' });
  }
  if (binds && b.payment_options?.save_card !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['payment_options', 'save_card'], message: 'must be omitted: a binding keeps a bank account, not a card' });
  }
}

export const createSessionBody = z
  .strictObject({ ...sessionFields, binding: binding.optional() })
  .superRefine((b, ctx) => amountOrBinding(b, b.binding !== undefined, ctx, 'send binding {"type": "faster_payment_system"} instead'))
  .openapi('SessionCreate', { description: 'Send amount_details, or binding to bind an FPS account without paying: exactly one of them.' });
export const initPaymentBody = z
  .strictObject({ ...sessionFields, payment_details: paymentDetails })
  .superRefine((b, ctx) => amountOrBinding(b, isBindingDetails(b.payment_details), ctx, 'use payment_details.type faster_payment_system_binding'))
  .openapi('SessionInitPayment');
export const startPaymentBody = z
  .strictObject({
    session_id: sessionId,
    payment_details: paymentDetails,
    amount_details: amountDetails.optional().openapi({ description: "If given, must equal the session's amount." }),
    metadata: metadata.optional(),
    customer: customer.optional(),
    payment_options: paymentOptions.optional(),
  })
  .openapi('SessionStartPayment');
export const sessionRef = z.strictObject({ session_id: sessionId }).openapi('SessionRef');
export const refundBody = z
  .strictObject({ session_id: sessionId, amount_details: amountDetails.optional().openapi({ description: 'Omit for a full refund.' }) })
  .openapi('SessionRefund');
export const sberPushBody = z
  .strictObject({ session_id: sessionId, phone: phoneSchema.optional().openapi({ description: "Defaults to the payment's sber_pay.phone." }) })
  .openapi('SberPayPush');
const linkId = z.string().regex(/^pl_[0-9a-z]{20}$/, { message: 'must be a payment link id such as pl_…' });
export const linkRef = z.strictObject({ id: linkId }).openapi('LinkRef');
export const linkList = z.strictObject({}).openapi('LinkList');

export const recurrentDisableBody = z.strictObject({ token: recurrentToken }).openapi('RecurrentDisable');
export const recurrentStatusBody = z.strictObject({ token: recurrentToken }).openapi('RecurrentStatus');

export const okReply = z
  .looseObject({ status: z.literal('ok'), session: z.looseObject({ id: z.string(), status: z.string() }).optional() })
  .openapi('OkReply');
export const errorReply = z
  .object({ status: z.literal('error'), error: z.object({ code: z.string(), description: z.string(), field: z.string().optional() }) })
  .openapi('ErrorReply');

export type CreateSessionBody = z.infer<typeof createSessionBody>;
export type StartPaymentBody = z.infer<typeof startPaymentBody>;
