/**
 * Telegram Mini App `initData` validation, by Telegram's documented algorithm:
 *   data_check_string = every field but `hash`, as key=value, sorted by key, joined by "\n"
 *   secret_key        = HMAC-SHA256(key = "WebAppData", message = bot_token)
 *   hash              = hex(HMAC-SHA256(key = secret_key, message = data_check_string))
 * A valid initData proves the page runs inside Telegram for the user it names.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TelegramUser = { id: number; username?: string; first_name?: string; last_name?: string; language_code?: string };

/** initData older than this is refused: a captured one cannot be replayed for long. */
export const INIT_DATA_MAX_AGE_S = 24 * 60 * 60;
/** How far ahead of this server's clock Telegram's may run; an auth_date further ahead was not made by Telegram now. */
export const INIT_DATA_CLOCK_SKEW_S = 5 * 60;

export function telegramHash(fields: [string, string][], botToken: string): string {
  const dataCheckString = fields
    .filter(([key]) => key !== 'hash')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('\n');
  const secretKey = createHmac('sha256', 'WebAppData').update(botToken).digest();
  return createHmac('sha256', secretKey).update(dataCheckString).digest('hex');
}

/** The Telegram user of a valid `initData`, or the reason it is refused. */
export function verifyInitData(initData: string, botToken: string, nowMs: number): { ok: true; user: TelegramUser } | { ok: false; reason: string } {
  const fields = [...new URLSearchParams(initData).entries()];
  const hash = fields.find(([key]) => key === 'hash')?.[1];
  if (!hash || !/^[0-9a-f]{64}$/.test(hash)) return { ok: false, reason: 'initData has no valid hash' };
  const expected = Buffer.from(telegramHash(fields, botToken), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(hash, 'hex'))) return { ok: false, reason: 'initData hash does not match: it was not signed by this bot' };
  const authDate = Number(fields.find(([key]) => key === 'auth_date')?.[1]);
  if (!Number.isInteger(authDate) || nowMs / 1000 - authDate > INIT_DATA_MAX_AGE_S) return { ok: false, reason: 'initData is too old: reopen the Mini App' };
  // A date in the future would never grow old: refuse it, beyond a small difference between the clocks.
  if (authDate - nowMs / 1000 > INIT_DATA_CLOCK_SKEW_S) return { ok: false, reason: "initData's auth_date is in the future: check this server's clock, then reopen the Mini App" };
  try {
    const user = JSON.parse(fields.find(([key]) => key === 'user')?.[1] ?? '') as TelegramUser;
    if (!Number.isInteger(user.id)) throw new Error('no id');
    return { ok: true, user };
  } catch {
    return { ok: false, reason: 'initData has no user' };
  }
}
