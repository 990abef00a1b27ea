/**
 * The payment marks as data: a view box and a few flat shapes each, drawn simply so that all of
 * them together stay under 1.5 KB gzip and nothing is fetched. Two renderers read this: Lit's
 * `svg` templates in the widget (marks.ts) and plain DOM in the card iframe (mark-dom.ts), which
 * must not pull Lit in.
 */
export type MarkShape =
  /** A filled path. */
  | { d: string; fill: string }
  /** A wordmark in a bold system sans, stretched to `width` so it looks the same in any font. */
  | { text: string; x: number; y: number; size: number; width: number; fill: string; italic?: boolean };

export type MarkData = {
  label: string;
  viewBox: string;
  shapes: readonly MarkShape[];
  /**
   * Card brands sit on a white card-shaped chip (CHIP), so that dark blue VISA and green
   * МИР read on a dark theme too: the shapes are scaled by `scale` and moved to `x`, `y` on it.
   */
  chip?: { scale: number; x: number; y: number };
};

/** The card chip: a light grey edge and a white face, 38 × 24 (a card's proportions). */
export const CHIP_VIEW_BOX = '0 0 38 24';
export const CHIP: readonly MarkShape[] = [
  { d: 'M3 0h32a3 3 0 0 1 3 3v18a3 3 0 0 1-3 3H3a3 3 0 0 1-3-3V3a3 3 0 0 1 3-3z', fill: '#c4c9d2' },
  { d: 'M3 1h32a2 2 0 0 1 2 2v18a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V3a2 2 0 0 1 2-2z', fill: '#fff' },
];

export type MarkId = 'fps' | 'sberpay' | 'mir' | 'visa' | 'mastercard';
export type CardBrandId = 'mir' | 'visa' | 'mastercard';

// One constant per mark, so a bundle that needs only the card brands (the card frame) leaves the others out.

// СБП's pinwheel: eight triangles of the NSPK palette on a triangular grid.
const fps: MarkData = {
  label: 'СБП',
  viewBox: '2 0 21 24',
  shapes: [
    { d: 'M11 .5v9.8l3 1.7V5.7z', fill: '#fbb034' },
    { d: 'M5.5 13.4l-3 5.2V5.4l3 5.2z', fill: '#5b57a2' },
    { d: 'M19.5 18.6l-14-8-3-5.2 20 11.5z', fill: '#1487c9' },
    { d: 'M16.5 7.1h6L14 12V8.5z', fill: '#d90751' },
    { d: 'M22.5 7.1h-6L14 5.7 11 .5z', fill: '#ed6f26' },
    { d: 'M14 18.4l-3 5.2 8.5-4.9-3-1.7z', fill: '#0c8442' },
    { d: 'M11 13.7v9.9l3-5.2v-2.9z', fill: '#63b22f' },
    { d: 'M5.5 13.4l-3 5.2 8.5-4.9-3-1.7z', fill: '#9151a0' },
  ],
};

// Sber's green circle and tick.
const sberpay: MarkData = {
  label: 'SberPay',
  viewBox: '0 0 24 24',
  shapes: [
    { d: 'M12 1a11 11 0 1 0 0 22 11 11 0 0 0 0-22z', fill: '#21a038' },
    { d: 'M6.3 11.2l4 3.4 8.6-6.9 1 1.9-9.6 7.7-5.6-4.2z', fill: '#fff' },
  ],
};

// МИР: the green М and И, the Р's green stem below its blue bowl.
const mir: MarkData = {
  label: 'Мир',
  viewBox: '0 0 40 12',
  chip: { scale: 0.72, x: 4.6, y: 7.7 },
  shapes: [
    { d: 'M0 12V0h3.6L6 7.2 8.4 0H12v12H9V5.2L7.2 12H4.8L3 5.2V12z', fill: '#0f754e' },
    { d: 'M13.5 12V0h3v6.8L20.4 0H24v12h-3V5.2L17.1 12z', fill: '#0f754e' },
    { d: 'M25.5 6.6h13.9c-.6 1.7-2.2 2.7-4 2.7h-6.9V12h-3z', fill: '#0f754e' },
    { d: 'M25.5 0h10.7c2.5 0 4 2.6 3.4 5.4H30c-2.3 0-4.3-2.4-4.5-5.4z', fill: '#0b8fd6' },
  ],
};

const visa: MarkData = {
  label: 'Visa',
  viewBox: '0 0 36 12',
  chip: { scale: 0.78, x: 5, y: 7.3 },
  shapes: [{ text: 'VISA', x: 0, y: 11.5, size: 15, width: 35.5, fill: '#1a1f71', italic: true }],
};

// Two circles and their overlap.
const mastercard: MarkData = {
  label: 'Mastercard',
  viewBox: '0 0 19.4 12',
  chip: { scale: 1.3, x: 6.4, y: 4.2 },
  shapes: [
    { d: 'M6 0a6 6 0 1 0 0 12A6 6 0 0 0 6 0z', fill: '#eb001b' },
    { d: 'M13.4 0a6 6 0 1 0 0 12 6 6 0 0 0 0-12z', fill: '#f79e1b' },
    { d: 'M9.7 1.3a6 6 0 0 1 0 9.4 6 6 0 0 1 0-9.4z', fill: '#ff5f00' },
  ],
};

export const MARKS: Record<MarkId, MarkData> = { fps, sberpay, mir, visa, mastercard };
/** The card brands' marks alone (server/sandbox/cards.ts's `CardBrand`), for the card frame. */
export const CARD_MARKS: Record<CardBrandId, MarkData> = { mir, visa, mastercard };
export const CARD_BRANDS: readonly CardBrandId[] = ['mir', 'visa', 'mastercard'];
