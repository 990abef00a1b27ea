/** The request bodies of the subscription methods: they validate each request and document it at /docs. */
import { z } from '@hono/zod-openapi';
import { amountDetails, httpUrl, phoneSchema } from '../merchant-api/schemas';

const subscriptionId = z.string().regex(/^sub_[0-9a-z]{20}$/, { message: 'must be a subscription id such as sub_…, as subscription/create returned it' });

/** How often a subscription is charged; payment links' `subscription.period` too (link-schema.ts). */
export const subscriptionPeriod = z
  .strictObject({
    unit: z.enum(['day', 'week', 'month', 'year'], { message: 'must be day, week, month or year' }),
    count: z.number().int({ message: 'must be a whole number of units' }).min(1).max(366).default(1),
  })
  .openapi({ description: 'How often it is charged: every count × unit (a month keeps the day of the month it began on, or the month\'s last day).' });

export const subscriptionCreateBody = z
  .strictObject({
    amount_details: amountDetails.openapi({ description: 'What each period costs.' }),
    period: subscriptionPeriod,
    description: z.string().max(255).optional().openapi({ description: 'Shown to the customer as text, as "Annual subscription to the channel".' }),
    customer: z
      .strictObject({
        reference: z.string().min(1).max(255).openapi({ description: 'Your id of the customer.' }),
        email: z.email({ message: 'must be an email address' }).max(254).optional(),
        phone: phoneSchema.optional(),
      })
      .openapi({ description: 'Who subscribes: required, since the server charges them later without asking.' }),
    return_url: httpUrl.optional().openapi({ description: 'Where the customer returns after the first payment.' }),
    trial: z
      .strictObject({
        days: z.number().int({ message: 'must be a whole number of days' }).min(1).max(366),
        amount_details: amountDetails.optional().openapi({ description: 'What the trial costs, paid now (default 100 kopecks, 1 ₽): at least a kopeck, since a payment is what proves the card or the account.' }),
      })
      .optional()
      .openapi({ description: 'A trial: the first payment is the trial\'s price, and the first full period is charged when the trial ends (then every period from that day).' }),
  })
  .refine((b) => !b.trial?.amount_details || b.trial.amount_details.currency === b.amount_details.currency, {
    message: "must be in the subscription's currency",
    path: ['trial', 'amount_details', 'currency'],
  })
  .openapi('SubscriptionCreate');

export const subscriptionRef = z.strictObject({ id: subscriptionId }).openapi('SubscriptionRef');

export const subscriptionList = z
  .strictObject({ limit: z.number().int().min(1).max(100).default(50).openapi({ description: 'At most this many, newest first.' }) })
  .openapi('SubscriptionList');

export const subscriptionCancelBody = z
  .strictObject({
    id: subscriptionId,
    at_period_end: z.boolean().default(true).openapi({ description: 'true (default): it ends when the period paid for ends, with no further charge (subscription/restore takes that back); false: at once.' }),
  })
  .openapi('SubscriptionCancel');

export const subscriptionUpdateBody = z
  .strictObject({
    id: subscriptionId,
    amount_details: amountDetails.optional().openapi({ description: 'The new price, from the next charge on.' }),
    description: z.string().max(255).optional(),
  })
  .refine((b) => b.amount_details !== undefined || b.description !== undefined, { message: 'give amount_details or description to change', path: ['amount_details'] })
  .openapi('SubscriptionUpdate');
