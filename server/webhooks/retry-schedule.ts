/** When a failed webhook is tried again: exponential backoff with jitter, for about three days. */

const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 12 * 60 * 60_000;

/**
 * How long after the first attempt an event may still be retried: 72 h, in ms. That makes 16
 * attempts typically, 15–18 at the extremes of the jitter.
 */
export const RETRY_SPAN_MS = 72 * 60 * 60_000;

/**
 * The delay in ms before the next try, after attempt number `attempt` (1-based) has failed:
 * 30 s · 2^(attempt-1), capped at 12 h, times a jitter factor in [0.8, 1.2). The jitter spreads
 * the retries of many events that failed together (an endpoint outage) so they do not return
 * to the merchant as one burst.
 */
export function nextRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  // 2^exponent overflows to Infinity for large attempts; min() still caps it.
  const delayMs = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** exponent);
  // floor, not round: keeps the result below 1.2 × the delay, as promised.
  return Math.floor(delayMs * (0.8 + 0.4 * random()));
}

/**
 * When to try again (epoch ms) after attempt `attempt` failed at `nowMs`, or null when that would
 * fall past `firstAttemptAt + RETRY_SPAN_MS` and the event should be marked failed instead.
 */
export function nextAttemptAt(attempt: number, nowMs: number, firstAttemptAt: number, random: () => number = Math.random): number | null {
  const at = nowMs + nextRetryDelayMs(attempt, random);
  return at > firstAttemptAt + RETRY_SPAN_MS ? null : at;
}
