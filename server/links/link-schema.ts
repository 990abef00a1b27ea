/**
 * What a merchant provides for a payment link, validated exactly (issue: the SG Pay mini app).
 * One schema serves the signed `link/create` method, the CLI's `link create --file` and the docs,
 * so every rule answers the same error, naming the field, wherever the link comes from.
 */
import { z } from '@hono/zod-openapi';
import { amountDetails, httpUrl } from '../merchant-api/schemas';
import { subscriptionPeriod } from '../subscriptions/schemas';

export const MAX_LINK_DESCRIPTION = 150;
export const MAX_EXTRA_FIELDS = 2;
/** Keys the server writes into a purchase's metadata beside the field values. */
const RESERVED_FIELD_NAMES = new Set(['link_id', 'consent_accepted_at', 'telegram_user_id', 'marketing_consent', '__proto__']);

const httpsUrl = httpUrl.refine((s) => /^https:\/\//i.test(s), { message: 'must be an https URL: the page is served over https and an http picture would be blocked' });
const text = (max: number) => z.string().trim().min(1, { message: 'must not be empty' }).max(max, { message: `must be at most ${max} characters` });

const field = z.strictObject({
  name: text(60).openapi({ description: 'The label the customer sees, such as "Telegram username".' }),
  placeholder: text(100).openapi({ description: 'The hint inside the empty box, such as "@username".' }),
});

const support = z
  .strictObject({
    phone: z.string().regex(/^\+?\d{10,15}$/, { message: 'must be a phone number such as +79001234567' }).optional(),
    email: z.email({ message: 'must be an email address' }).max(254).optional(),
    telegram: z.string().regex(/^@[A-Za-z0-9_]{4,32}$/, { message: 'must be a Telegram username such as @shop_support' }).optional(),
    url: httpUrl.optional(),
  })
  .refine((s) => Object.values(s).some((v) => v !== undefined), { message: 'give at least one of phone, email, telegram or url, so a customer with a problem can reach you' })
  .openapi('LinkSupport');

export const linkBody = z
  .strictObject({
    product_name: text(120),
    description: z.string().max(MAX_LINK_DESCRIPTION, { message: `must be at most ${MAX_LINK_DESCRIPTION} characters` }).optional().openapi({
      description: 'Product details, shipment period, activation details…',
    }),
    amount_details: amountDetails,
    image_url: httpsUrl.optional(),
    user_field: field.openapi({ description: 'The field that identifies the customer (it becomes customer.reference).' }),
    extra_fields: z.array(field).max(MAX_EXTRA_FIELDS, { message: `may have at most ${MAX_EXTRA_FIELDS} additional fields` }).optional(),
    offer_url: httpUrl.openapi({ description: "Your offer, linked from the consent block." }),
    support,
    webhook_url: httpUrl,
    return_url: httpUrl.openapi({ description: 'Where the customer goes back to: the channel, bot or chat (e.g. https://t.me/…).' }),
    confirmation: z.enum(['auto', 'manual']).default('auto'),
    order_check_url: httpUrl.optional().openapi({ description: 'Asked before every charge; see "The order check".' }),
    subscription: z
      .strictObject({ period: subscriptionPeriod })
      .optional()
      .openapi({
        description:
          'Makes it a subscription link: each purchase subscribes the customer to amount_details every period (a subscription as subscription/create ' +
          'makes one, its customer.reference what user_field identifies, its description product_name). The page says how often and that it can be ' +
          "cancelled, and offers only what can be charged again (a card, or FPS where the rail binds the account), kept with the customer's consent; " +
          "the server charges each later period itself. The link's webhook_url gets the first payment's payment_finished (with the fields in its " +
          "metadata); the subscription_* webhooks and the later charges go to the project's webhook URL. An order check is asked before the first " +
          'payment only. Needs confirmation auto.',
        example: { period: { unit: 'year', count: 1 } },
      }),
    telegram_bot_token: z
      .string()
      .regex(/^\d{5,16}:[A-Za-z0-9_-]{30,64}$/, { message: 'must be a bot token as @BotFather gives it, such as 123456:ABC-DEF…' })
      .optional()
      .openapi({ description: "Set it to verify the Telegram Mini App's initData and identify the customer as their Telegram user." }),
  })
  .superRefine((link, ctx) => {
    // Manual confirmation promises that the merchant approves each payment before it is taken. A subscription's
    // later periods are charged by the server on its own clock, merchant-initiated, with no one there to approve
    // them: the promise could hold for the first payment only and would quietly fail every later one. Refused,
    // rather than half honoured.
    if (link.subscription && link.confirmation === 'manual') {
      ctx.addIssue({
        code: 'custom',
        path: ['confirmation'],
        message: 'a subscription link cannot ask for manual confirmation: the server charges each later period by itself, with no one to confirm it; set confirmation to auto (or leave it out)',
      });
    }
    const seen = new Set<string>();
    [link.user_field, ...(link.extra_fields ?? [])].forEach((f, i) => {
      const path = i === 0 ? ['user_field', 'name'] : ['extra_fields', i - 1, 'name'];
      if (RESERVED_FIELD_NAMES.has(f.name)) ctx.addIssue({ code: 'custom', path, message: `"${f.name}" is a name the server uses in the metadata: choose another` });
      else if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path, message: `two fields are named "${f.name}": each field needs its own name, which keys its value in the metadata` });
      seen.add(f.name);
    });
  })
  .openapi('PaymentLink');

export type LinkInput = z.infer<typeof linkBody>;
