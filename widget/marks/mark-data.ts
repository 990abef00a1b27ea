/**
 * The payment marks as data: a view box and a few flat shapes each, drawn simply so that all of
 * them together stay under 1.5 KB gzip and nothing is fetched. Two renderers read this: Lit's
 * `svg` templates in the widget (marks.ts) and plain DOM in the card iframe (mark-dom.ts), which
 * must not pull Lit in.
 */
/** A filled path, or a stroked one when `stroke` is given (`fill` is then 'none'). */
export type MarkShape = { d: string; fill: string; stroke?: string; width?: number };

export type MarkData = {
  label: string;
  viewBox: string;
  shapes: readonly MarkShape[];
  /**
   * Card brands sit on a white card-shaped chip (CHIP), so that dark blue VISA and green
   * МИР read on a dark theme too: the shapes are slanted by `skew` degrees (an italic
   * wordmark), scaled by `scale` and moved to `x`, `y` on it.
   */
  chip?: { scale: number; x: number; y: number; skew?: number };
};

/** Where a brand's shapes go on its chip, as an SVG transform. */
export function chipTransform(m: MarkData): string {
  const { x, y, scale, skew } = m.chip!;
  return `translate(${x} ${y}) scale(${scale})${skew ? ` skewX(${skew})` : ''}`;
}

/** The card chip: a white face with a light grey edge, 38 × 24 (a card's proportions). */
export const CHIP_VIEW_BOX = '0 0 38 24';
export const CHIP: readonly MarkShape[] = [
  { d: 'M3 .5h32A2.5 2.5 0 0 1 37.5 3v18a2.5 2.5 0 0 1-2.5 2.5H3A2.5 2.5 0 0 1 .5 21V3A2.5 2.5 0 0 1 3 .5z', fill: '#fff', stroke: '#c4c9d2', width: 1 },
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

// VISA as shapes, not text: the same in every font, and no stray "VISA" in the text of a tab.
const visa: MarkData = {
  label: 'Visa',
  viewBox: '0 0 36 12',
  chip: { scale: 0.88, x: 3.4, y: 6.7, skew: -12 },
  shapes: [
    { d: 'M2.6 1h2.7l2.3 7.6L9.9 1h2.7L8.9 11H6.3z', fill: '#1a1f71' },
    { d: 'M13.6 1h2.6v10h-2.6z', fill: '#1a1f71' },
    { d: 'M23.4 2.6c-.8-.9-1.9-1.3-3-1.3-1.6 0-2.5.9-2.5 2.2 0 2.9 5.9 2.1 5.9 5 0 1.4-1.1 2.3-2.9 2.3-1.2 0-2.4-.5-3.3-1.4', fill: 'none', stroke: '#1a1f71', width: 2.4 },
    { d: 'M24.4 11l4-10H31l4.4 10h-2.8l-.8-2.2h-4.2l-.8 2.2zm4-4.3h2.8L29.8 3z', fill: '#1a1f71' },
  ],
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
/** The card brands' marks alone (server/cards/card-rules.ts's `CardBrand`), for the card frame. */
export const CARD_MARKS: Record<CardBrandId, MarkData> = { mir, visa, mastercard };
export const CARD_BRANDS: readonly CardBrandId[] = ['mir', 'visa', 'mastercard'];
