/**
 * A bank's monogram: its initials on a colour picked from its member id. Pure, no Node: the
 * server draws it as the logo of a bank it has no picture of (server/pages/bank-logos.ts), and
 * the phone bank list draws the same one under each logo while the logo loads.
 */

/**
 * Monogram colours: each holds white text at 4.5:1 or more (checked in test/server/bank-logos),
 * and they are far enough apart that neighbours in the list rarely look alike.
 */
export const MONOGRAM_COLOURS = ['#1d4ed8', '#6d28d9', '#a21caf', '#be123c', '#b45309', '#15803d', '#0f766e', '#0e7490', '#4338ca', '#9f1239', '#374151', '#166534'] as const;

/** Words that say "bank" or a company form, not which bank: left out of the initials. */
const GENERIC_WORDS = new Set(['банк', 'bank', 'кб', 'акб', 'аикб', 'пнко', 'ао', 'пао', 'ооо', 'нко', 'рнко', 'комбанк', 'филиал']);

/** The bank's initials: one letter per significant word (two at most), or a short all-capitals name whole (ВТБ, МТС). */
export function bankInitials(name: string): string {
  const words = name.replace(/\(.*?\)/g, ' ').split(/[^\p{L}\d]+/u).filter((w) => w && !GENERIC_WORDS.has(w.toLowerCase()));
  const [first, second] = words.length ? words : [name.replace(/[^\p{L}\d]/gu, '') || '?'];
  if (!second && first!.length <= 4 && first === first!.toUpperCase() && /\p{Lu}/u.test(first!)) return first!;
  return [first, second].filter(Boolean).map((w) => w!.charAt(0).toUpperCase()).join('');
}

/** A colour of MONOGRAM_COLOURS picked by the id (FNV-1a), the same on every server and every day. */
export function monogramColour(id: string): string {
  let hash = 0x811c9dc5;
  for (const ch of id) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return MONOGRAM_COLOURS[hash % MONOGRAM_COLOURS.length]!;
}

/** The initials' font size in a 36-unit square: smaller for more letters. */
export const monogramFontSize = (initials: string) => (initials.length >= 3 ? 12 : initials.length === 2 ? 15 : 18);
