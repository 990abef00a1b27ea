/**
 * A QR code as one SVG path, from qrcode's encoder core alone (its renderers would add a
 * kilobyte and want a canvas or innerHTML, which a strict CSP with Trusted Types forbids).
 */
// @ts-expect-error: the deep import of qrcode's CommonJS core has no type declarations
import { create } from 'qrcode/lib/core/qrcode.js';

type Matrix = { modules: { size: number; data: Uint8Array } };

/**
 * Level Q restores up to 25% of the code's words: enough for the mark over its middle
 * (MARK_SHARE of the width, so MARK_SHARE² ≈ 5% of the modules) with room left for a smudged screen.
 */
const ERROR_CORRECTION = 'Q';
/** The share of the QR's width (without quiet zone) that the centre mark and its white pad may cover. */
export const MARK_SHARE = 0.22;

/** The modules of `text` as an SVG path in a `size`×`size` box (quiet zone not included). */
export function qrPath(text: string): { size: number; d: string } {
  const { modules } = (create as (t: string, o: object) => Matrix)(text, { errorCorrectionLevel: ERROR_CORRECTION });
  let d = '';
  for (let y = 0; y < modules.size; y++) {
    for (let x = 0; x < modules.size; x++) {
      if (modules.data[y * modules.size + x]) d += `M${x} ${y}h1v1h-1z`;
    }
  }
  return { size: modules.size, d };
}
