/** Small formatters shared by the console's views. */
import { formatAmount } from '../../widget/i18n/money';

/** Kopecks as the console (an English page) shows them: "1,290.00 ₽". */
export const formatMoney = (amountMinor: number) => formatAmount(amountMinor, 'RUB', 'en');

/** An amount of a session or payment, or what one of none does: it binds an FPS account without paying. */
export const amountOf = (amountMinor: number) => (amountMinor === 0 ? 'FPS binding, no charge' : formatMoney(amountMinor));

/** "12:04:05.123": the console lives in minutes, the date would only add noise. */
export const clock = (isoTime: string) => isoTime.slice(11, 23);

/** "2026-01-15 12:04": for things that live longer (links, projects). */
export const dateTime = (isoTime: string) => `${isoTime.slice(0, 10)} ${isoTime.slice(11, 16)}`;

/** "12,50" or "12.5" or "12" roubles → 1250 kopecks, without a float; null when not an amount. */
export function parseRoubles(text: string): number | null {
  const match = /^\s*(\d{1,9})(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}
