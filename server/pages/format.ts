/** 123456 kopecks → "1 234,56 ₽" (Russian grouping: narrow no-break space, decimal comma). */
export function formatRub(amountMinor: number): string {
  const roubles = Math.trunc(amountMinor / 100);
  const kopecks = String(amountMinor % 100).padStart(2, '0');
  return `${String(roubles).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f')},${kopecks}\u00a0₽`;
}
