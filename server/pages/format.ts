/**
 * 123456 kopecks → "1 234,56 ₽" (Russian grouping: narrow no-break space, decimal comma), with
 * integer arithmetic only: no float ever touches an amount. Pure, so the demo's page scripts use
 * it too.
 */
export function formatRub(amountMinor: number): string {
  const roubles = Math.trunc(amountMinor / 100);
  const kopecks = String(Math.abs(amountMinor % 100)).padStart(2, '0');
  return `${String(roubles).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f')},${kopecks}\u00a0₽`;
}
