/**
 * When a subscription is charged: the end of each period, on the calendar in UTC, and the retries
 * of a failed charge. Pure functions of epoch milliseconds.
 *
 * Months and years keep the day of the month the subscription began on (its anchor): from
 * 31 January monthly, 28 (or 29) February, then 31 March. Counting every period from the anchor,
 * not from the previous period's end, keeps a short month from pulling every later date earlier.
 */
import type { PeriodUnit } from '../store/rows';

const DAY_MS = 86_400_000;

/** The end of period number `n` (1 = the first) of a subscription that began at `anchor`. */
export function periodEnd(anchor: number, unit: PeriodUnit, count: number, n: number): number {
  if (unit === 'day') return anchor + n * count * DAY_MS;
  if (unit === 'week') return anchor + n * count * 7 * DAY_MS;
  const start = new Date(anchor);
  const months = (unit === 'year' ? 12 : 1) * count * n;
  const year = start.getUTCFullYear() + Math.floor((start.getUTCMonth() + months) / 12);
  const month = (start.getUTCMonth() + months) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(start.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, start.getUTCHours(), start.getUTCMinutes(), start.getUTCSeconds(), start.getUTCMilliseconds());
}

/** Where a subscription's periods are counted from: when it began (its first payment), or its trial's end. */
export const periodsAnchor = (began: number, trialDays: number | null): number => began + (trialDays ?? 0) * DAY_MS;

/**
 * When the payment after `periodsPaid` paid periods falls due, for a subscription that began at
 * `began`: the trial's end while none is paid yet, else the end of the last period paid.
 */
export function dueAfter(began: number, trialDays: number | null, unit: PeriodUnit, count: number, periodsPaid: number): number {
  const anchor = periodsAnchor(began, trialDays);
  return periodsPaid === 0 ? anchor : periodEnd(anchor, unit, count, periodsPaid);
}

/**
 * After a failed charge the next try comes this long after the one that failed: a card short of
 * funds today often has them by payday. After the last, the subscription ends
 * (`payment_failed`). Four attempts over eight days, then the customer has to subscribe again.
 */
export const RETRY_DELAYS_MS: readonly number[] = [1 * DAY_MS, 3 * DAY_MS, 4 * DAY_MS];

/** When to try again after `failedAttempts` failures (counting the one just now), or null when the retries are spent. */
export function retryAt(failedAt: number, failedAttempts: number): number | null {
  const delay = RETRY_DELAYS_MS[failedAttempts - 1];
  return delay === undefined ? null : failedAt + delay;
}
