/** WCAG 2 contrast ratio of two opaque CSS colours as the browser computes them (`rgb(…)`). */
export function contrastRatio(a: string, b: string): number {
  const [la, lb] = [a, b].map(luminance) as [number, number];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

function luminance(color: string): number {
  const parts = color.match(/[\d.]+/g)?.map(Number);
  if (!parts || parts.length < 3) throw new Error(`not an rgb() colour: ${color}`);
  const [r, g, b] = parts.slice(0, 3).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The outline an element draws when focused from the keyboard: style, width (px) and colour. */
export function focusRing(element: Element): { style: string; width: number; color: string } {
  const style = getComputedStyle(element);
  return { style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor };
}

type Rgba = [number, number, number, number];

function parse(color: string): Rgba {
  const parts = color.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
}

/** `top` painted over the opaque `bottom`. */
function over(top: Rgba, bottom: Rgba): Rgba {
  const a = top[3];
  return [top[0] * a + bottom[0] * (1 - a), top[1] * a + bottom[1] * (1 - a), top[2] * a + bottom[2] * (1 - a), 1];
}

const css = (c: Rgba) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

/** The opaque colour behind an element: its own and its ancestors' backgrounds composited, on `page` at the bottom. */
export function backgroundBehind(element: Element, page = 'rgb(255, 255, 255)'): string {
  const layers: Rgba[] = [];
  for (let el: Element | null = element; el; el = el.parentElement) layers.push(parse(getComputedStyle(el).backgroundColor));
  return css(layers.reverse().reduce((below, layer) => over(layer, below), parse(page)));
}

/** Every element inside `root` that shows text of its own, with its text colour on what is behind it. */
export function textContrasts(root: Element, page?: string): Array<{ text: string; ratio: number; color: string; background: string }> {
  const found: Array<{ text: string; ratio: number; color: string; background: string }> = [];
  for (const el of [root, ...root.querySelectorAll('*')]) {
    const own = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent!.trim()).join(' ').trim();
    if (!own || !(el as HTMLElement).offsetParent && getComputedStyle(el).position !== 'fixed') continue;
    const background = backgroundBehind(el, page);
    const color = css(over(parse(getComputedStyle(el).color), parse(background)));
    found.push({ text: own.slice(0, 40), ratio: contrastRatio(color, background), color, background });
  }
  return found;
}
