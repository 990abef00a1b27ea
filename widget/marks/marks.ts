/**
 * The payment marks as Lit templates: inline SVG, nothing fetched, allowed by a strict CSP.
 *
 * A mark beside its own text label is decorative (`aria-hidden`); alone it is an image named by
 * its brand (`role="img"`, `aria-label`). Each is one `<svg part="mark" class="mark mark-<id>">`
 * 1.25em high by default (size it with CSS `height`); the width follows its view box.
 */
import { html, svg, nothing, type TemplateResult } from 'lit';
import { CARD_BRANDS, CHIP, CHIP_VIEW_BOX, MARKS, chipTransform, type MarkData, type MarkId, type MarkShape } from './mark-data';

export type { MarkId, CardBrandId } from './mark-data';

type MarkOptions = {
  /** True when a text label sits beside the mark: it is hidden from screen readers (default false). */
  decorative?: boolean;
};

/** The gap between the chips of the card row, in chip units (a chip is 38 wide). */
const ROW_GAP = 4;

function shape(s: MarkShape) {
  return svg`<path d=${s.d} fill=${s.fill} stroke=${s.stroke ?? nothing} stroke-width=${s.width ?? nothing}></path>`;
}

/** A card brand on its chip, `dx` chip units from the left. */
function chip(m: MarkData, dx = 0) {
  return svg`<g transform=${`translate(${dx} 0)`}>${CHIP.map(shape)}<g transform=${chipTransform(m)}>${m.shapes.map(shape)}</g></g>`;
}

function frame(id: string, viewBox: string, label: string, decorative: boolean, body: unknown): TemplateResult {
  return html`<svg part="mark" class="mark mark-${id}" viewBox=${viewBox} height="1.25em" focusable="false"
    role=${decorative ? nothing : 'img'} aria-label=${decorative ? nothing : label} aria-hidden=${decorative ? 'true' : nothing}
    >${body}</svg>`;
}

/** One mark as an inline SVG. */
export function mark(id: MarkId, { decorative = false }: MarkOptions = {}): TemplateResult {
  const m = MARKS[id];
  return m.chip ? frame(id, CHIP_VIEW_BOX, m.label, decorative, chip(m)) : frame(id, m.viewBox, m.label, decorative, m.shapes.map(shape));
}

/**
 * A mark placed inside another SVG (the QR's middle): a nested `<svg>` at `x`, `y` in the outer
 * SVG's units, `size` wide and high, the mark centred in it. Decorative: the outer SVG is the image.
 */
export function markInside(id: MarkId, x: number, y: number, size: number) {
  const m = MARKS[id];
  return svg`<svg class="mark mark-${id}" x=${x} y=${y} width=${size} height=${size} viewBox=${m.chip ? CHIP_VIEW_BOX : m.viewBox} aria-hidden="true"
    >${m.chip ? chip(m) : m.shapes.map(shape)}</svg>`;
}

/** A card brand's mark (`mir`, `visa`, `mastercard`) on its white chip; nothing for an unknown brand. */
export function brandMark(brand: string, options: MarkOptions = {}): TemplateResult | typeof nothing {
  return (CARD_BRANDS as readonly string[]).includes(brand) ? mark(brand as MarkId, options) : nothing;
}

/**
 * The mark of a payment method for its tab: СБП for `fps`, SberPay for `sberpay`, and one SVG of
 * the row Mir · Visa · Mastercard for `card` and `saved_card` (class `mark mark-cards`); nothing
 * for another method. Decorative by default, since a tab has its text label.
 */
export function methodMark(method: string, { decorative = true }: MarkOptions = {}): TemplateResult | typeof nothing {
  if (method === 'fps' || method === 'sberpay') return mark(method, { decorative });
  if (method !== 'card' && method !== 'saved_card') return nothing;
  const width = CARD_BRANDS.length * (38 + ROW_GAP) - ROW_GAP;
  const label = CARD_BRANDS.map((b) => MARKS[b].label).join(', ');
  return frame('cards', `0 0 ${width} 24`, label, decorative, CARD_BRANDS.map((b, i) => chip(MARKS[b], i * (38 + ROW_GAP))));
}
