/**
 * Rate limits: how often one session, card token, client address, payment link or merchant
 * project may do a thing in a window of time. Over the limit, 429 with Retry-After and nothing
 * done. Counted in this process's memory (a fixed window per key), which is what one instance
 * needs; several instances each count their own share.
 *
 * The defaults are what a real shop can live with: a customer retypes a card a few times, an
 * office or a mobile carrier puts many customers behind one address (so per-address limits are
 * generous), a popular link takes a burst when it is posted to a big channel.
 */
import { ApiError } from '../errors';

export type RateLimitName =
  | 'card_tokens_per_session'
  | 'card_tokens_per_address'
  | 'card_payments_per_session'
  | 'card_payments_per_card'
  | 'card_payments_per_address'
  | 'link_checkouts_per_link'
  | 'link_checkouts_per_address'
  | 'merchant_calls_per_project';

/** At most `max` in any `windowMs`, or null: no limit. */
export type RateLimit = { max: number; windowMs: number } | null;
export type RateLimits = Record<RateLimitName, RateLimit>;

const MINUTE_MS = 60_000;

export const DEFAULT_RATE_LIMITS: RateLimits = {
  card_tokens_per_session: { max: 10, windowMs: 10 * MINUTE_MS },
  card_tokens_per_address: { max: 30, windowMs: 10 * MINUTE_MS },
  card_payments_per_session: { max: 10, windowMs: 10 * MINUTE_MS },
  card_payments_per_card: { max: 5, windowMs: 10 * MINUTE_MS },
  card_payments_per_address: { max: 20, windowMs: 10 * MINUTE_MS },
  link_checkouts_per_link: { max: 1200, windowMs: 10 * MINUTE_MS },
  link_checkouts_per_address: { max: 10, windowMs: 10 * MINUTE_MS },
  merchant_calls_per_project: { max: 30_000, windowMs: MINUTE_MS },
};

const WHAT: Record<RateLimitName, string> = {
  card_tokens_per_session: 'cards entered on this payment page',
  card_tokens_per_address: 'cards entered from this address',
  card_payments_per_session: 'card payments tried on this payment page',
  card_payments_per_card: 'payments tried with this card',
  card_payments_per_address: 'card payments tried from this address',
  link_checkouts_per_link: 'purchases opened on this payment link',
  link_checkouts_per_address: 'purchases opened from this address',
  merchant_calls_per_project: 'API calls of this project',
};

const UNITS: Record<string, number> = { s: 1000, m: MINUTE_MS, h: 60 * MINUTE_MS };

/**
 * The limits from `SG_RATE_LIMITS`, e.g. `card_tokens_per_session=20/10m,merchant_calls_per_project=off`:
 * each named limit as `<max>/<window>` (window in s, m or h) or `off`; the others keep their defaults.
 */
export function rateLimitsFromEnv(value: string | undefined): RateLimits {
  const limits = { ...DEFAULT_RATE_LIMITS };
  for (const item of (value ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, setting] = item.split('=') as [string, string | undefined];
    if (!(name in limits)) throw new Error(`SG_RATE_LIMITS: ${name} is not a limit: use one of ${Object.keys(limits).join(', ')}`);
    const m = /^(\d+)\/(\d+)([smh])$/.exec(setting ?? '');
    if (setting !== 'off' && !m) throw new Error(`SG_RATE_LIMITS: ${name}=${setting ?? ''} must be <max>/<window> such as 20/10m, or off`);
    limits[name as RateLimitName] = m ? { max: Number(m[1]), windowMs: Number(m[2]) * UNITS[m[3]!]! } : null;
  }
  return limits;
}

/** Over a limit: 429, and how long until the window lets the next one through. */
export class RateLimited extends ApiError {
  constructor(
    name: RateLimitName,
    limit: NonNullable<RateLimit>,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'rate_limited', `too many ${WHAT[name]}: at most ${limit.max} in ${limit.windowMs / 1000} s; try again in ${retryAfterSeconds} s`);
  }
}

type Window = { count: number; resetsAt: number };

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private nextSweep = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number,
  ) {}

  /** Counts one for each key, or throws RateLimited (and counts none) when any is over its limit. */
  take(...hits: [RateLimitName, string | null | undefined][]): void {
    const now = this.now();
    this.sweep(now);
    const counted: Window[] = [];
    for (const [name, key] of hits) {
      const limit = this.limits[name];
      if (!limit || !key) continue;
      const id = `${name}\u0000${key}`;
      let w = this.windows.get(id);
      if (!w || w.resetsAt <= now) this.windows.set(id, (w = { count: 0, resetsAt: now + limit.windowMs }));
      if (w.count >= limit.max) throw new RateLimited(name, limit, Math.max(1, Math.ceil((w.resetsAt - now) / 1000)));
      counted.push(w);
    }
    for (const w of counted) w.count++;
  }

  /** Forgets windows that have ended, at most once a minute, so memory follows the traffic of the last window. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + MINUTE_MS;
    for (const [id, w] of this.windows) if (w.resetsAt <= now) this.windows.delete(id);
  }
}
