/** WCAG 2 contrast ratio of two CSS colours as the browser computes them (`rgb(…)`/`rgba(…)`, opaque). */
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
