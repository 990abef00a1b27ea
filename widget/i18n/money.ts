/**
 * The one money format, shared by the widget, the server's pages and the demo: integer kopecks
 * in, text out, with integer arithmetic only (no float ever touches an amount).
 *   ru: 123456 → "1 234,56 ₽" (narrow no-break space U+202F between thousands, decimal comma)
 *   en: 123456 → "1,234.56 ₽"
 * Both put a no-break space U+00A0 before the currency sign, so the sign never wraps alone.
 */
export type MoneyLocale = 'ru' | 'en';

const GROUPING: Record<MoneyLocale, { thousands: string; decimal: string }> = {
  ru: { thousands: '\u202f', decimal: ',' },
  en: { thousands: ',', decimal: '.' },
};

/** `amountMinor` in kopecks (cents) of `currency` (an ISO 4217 code; RUB shows as ₽). */
export function formatAmount(amountMinor: number, currency: string, locale: MoneyLocale): string {
  const { thousands, decimal } = GROUPING[locale];
  const magnitude = Math.abs(amountMinor);
  // The sign is taken once, so -50 kopecks is "-0,50", not "0,-50" or "-0,-50".
  const sign = amountMinor < 0 ? '-' : '';
  const whole = String(Math.trunc(magnitude / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
  const minor = String(magnitude % 100).padStart(2, '0');
  const symbol = currency === 'RUB' ? '₽' : currency;
  return `${sign}${whole}${decimal}${minor}\u00a0${symbol}`;
}
