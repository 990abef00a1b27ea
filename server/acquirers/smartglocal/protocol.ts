/**
 * The parts of the Smart Glocal session object that the adapter reads, as the upstream sends
 * them (server/sessions/render.ts is the same shape on our side). Parsing is lenient about
 * fields it does not read (an upstream may add any) and strict about those it does: a session
 * whose payments cannot be read is not an answer, and the call that got it throws.
 */
import { z } from 'zod';

const interaction = z.object({
  type: z.enum(['qr', 'redirect']),
  redirect: z.object({ url: z.string().min(1), method: z.string().optional() }),
  expires_at: z.string().optional(),
});

const failure = z.object({ code: z.string(), description: z.string().nullish() });

const refund = z.object({
  id: z.string(),
  status: z.string(),
  amount_details: z.object({ amount: z.number(), currency: z.string() }).optional(),
  created_at: z.string().optional(),
  failure: failure.optional(),
});

const payment = z.object({
  id: z.string(),
  status: z.string(),
  created_at: z.string().optional(),
  metadata: z.unknown().optional(),
  customer_interaction: interaction.optional(),
  failure: failure.optional(),
  refunds: z.array(refund).optional(),
  /** What a payment made with payment_options.recurrent kept: a card token, or an FPS account binding with its bank. */
  recurrent: z
    .object({ token: z.string().min(1), type: z.string().optional(), is_active: z.boolean().optional(), bank: z.object({ id: z.string().optional() }).nullish() })
    .optional(),
});

export const upstreamSession = z.object({
  id: z.string().min(1),
  status: z.string(),
  acquiring_payments: z.array(payment).optional().default([]),
});

export type UpstreamSession = z.infer<typeof upstreamSession>;
export type UpstreamPayment = z.infer<typeof payment>;
export type UpstreamRefund = z.infer<typeof refund>;

/** `{"status":"ok","session":{…}}` as one parsed session, or null when it is not one. */
export function sessionOf(body: unknown): UpstreamSession | null {
  const parsed = z.object({ session: upstreamSession }).safeParse(body);
  return parsed.success ? parsed.data.session : null;
}

/** A webhook's body, `{"type", "session"}`. */
export const webhookBody = z.object({ type: z.string(), session: upstreamSession });
