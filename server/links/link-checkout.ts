/**
 * One purchase on a payment link. Each is its own session, opened only with the customer's
 * consent, identified by the link's user field (or the Telegram user), with the link id and the
 * field values in its metadata, so the merchant's webhook says who bought what.
 */
import { iso, type Clock } from '../clock';
import { ApiError, badRequest } from '../errors';
import type { SessionService } from '../sessions/service';
import type { Storage } from '../store/port';
import type { LinkInput } from './link-schema';
import type { LinkService } from './link-service';
import { verifyInitData } from './telegram';

/** `consent`: the offer accepted (required); `marketing`: messages (advertising) from the shop agreed to, separately and optionally. */
export type CheckoutInput = { user: string; extra: string[]; consent: boolean; marketing?: boolean; initData?: string };

/** The longest value a customer may type into a link's field. */
export const MAX_FIELD_VALUE = 255;

export class LinkCheckout {
  constructor(private readonly d: { store: Storage; clock: Clock; links: LinkService; sessions: SessionService }) {}

  /** Opens a session for one purchase on the link; refused unless the offer is accepted, or with invalid Telegram data. */
  async open(id: string, input: CheckoutInput): Promise<{ sessionId: string; token: string }> {
    const found = await this.d.links.active(id);
    if (!found) throw new ApiError(404, 'not_found', 'this payment link does not exist or was disabled: ask the shop for a new one');
    const { row, link } = found;
    if (input.consent !== true) throw badRequest('consent', 'tick the box to accept the offer: without it the payment is not possible (messages from the shop are a separate, optional `marketing`)');
    const fields = [link.user_field, ...(link.extra_fields ?? [])];
    if (input.extra.length > fields.length - 1) throw badRequest('fields', `this link asks for ${fields.length} field(s)`);
    // A value left out is an empty one: the check below then names the field that is missing.
    const values = fields.map((_, i) => (i === 0 ? input.user : (input.extra[i - 1] ?? '')).trim());
    values.forEach((value, i) => {
      if (!value) throw badRequest(`fields.${i}`, `${fields[i]!.name}: fill it in`);
      if (value.length > MAX_FIELD_VALUE) throw badRequest(`fields.${i}`, `${fields[i]!.name}: at most ${MAX_FIELD_VALUE} characters`);
    });
    const telegramUser = this.telegramUser(link, input.initData);
    const project = (await this.d.store.projects.get(row.project))!;
    const now = this.d.clock.now();
    // One customer across purchases: the Telegram user when we know it, else the identifying field as typed, case-insensitively.
    // The two kinds never collide: a typed value cannot pass for a verified Telegram user.
    const reference = telegramUser ? `tg:${telegramUser.id}` : `typed:${values[0]!.toLowerCase()}`;
    // Field names are distinct and never one of the server's own keys (link-schema.ts); fromEntries
    // defines each as an own property, so even a name like "__proto__" keeps its value.
    const metadata: Record<string, string> = Object.fromEntries([
      ...fields.map((f, i) => [f.name, values[i]!]),
      ['link_id', row.id],
      ['consent_accepted_at', iso(now)],
      // Consent to advertising is separate from the offer and optional (Russia's law on advertising, art. 18).
      ['marketing_consent', input.marketing === true ? 'yes' : 'no'],
      ...(telegramUser ? [['telegram_user_id', String(telegramUser.id)]] : []),
    ]);
    return this.d.store.transaction(async (tx) => {
      const session = await this.d.sessions.create(tx, project, {
        amount: link.amount_details.amount,
        currency: link.amount_details.currency,
        confirmation: link.confirmation,
        webhookUrl: link.webhook_url,
        linkId: row.id,
        orderCheckUrl: link.order_check_url,
        lifetimeMinutes: 60,
        data: {
          description: link.product_name,
          metadata,
          // Only a Telegram user is verified; a typed value is anybody's claim (see the sandbox's saved-card rule).
          customer: { reference, verified: telegramUser !== null },
          payment_options: { return_url: link.return_url },
        },
      });
      return { sessionId: session.id, token: await this.d.sessions.issuePublicToken(tx, project, session.id) };
    });
  }

  private telegramUser(link: LinkInput, initData: string | undefined) {
    if (!link.telegram_bot_token || !initData) return null;
    const verified = verifyInitData(initData, link.telegram_bot_token, this.d.clock.now());
    if (!verified.ok) throw new ApiError(401, 'invalid_init_data', `Telegram initData refused: ${verified.reason}`);
    return verified.user;
  }
}
