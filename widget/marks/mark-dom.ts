/**
 * The payment marks built with DOM calls, for the card iframe: it has no Lit and runs under
 * Trusted Types, where markup strings (innerHTML) are refused.
 */
import { CARD_MARKS, CHIP, CHIP_VIEW_BOX, chipTransform, type CardBrandId, type MarkShape } from './mark-data';

const SVG_NS = 'http://www.w3.org/2000/svg';

function element(name: string, attributes: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function shape(s: MarkShape): SVGElement {
  return element('path', s.stroke ? { d: s.d, fill: s.fill, stroke: s.stroke, 'stroke-width': s.width ?? 1 } : { d: s.d, fill: s.fill });
}

/** A card brand's mark as an `<svg role="img">` named by its brand in `aria-label`. */
export function markElement(id: CardBrandId): SVGSVGElement {
  const m = CARD_MARKS[id];
  const root = element('svg', { viewBox: m.chip ? CHIP_VIEW_BOX : m.viewBox, class: `mark mark-${id}`, role: 'img', 'aria-label': m.label, focusable: 'false' }) as SVGSVGElement;
  if (!m.chip) {
    root.append(...m.shapes.map(shape));
    return root;
  }
  const group = element('g', { transform: chipTransform(m) });
  group.append(...m.shapes.map(shape));
  root.append(...CHIP.map(shape), group);
  return root;
}
