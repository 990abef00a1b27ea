/** FPS and SberPay differ only in data: two configs over the one QR view. */
import type { Dictionary } from '../i18n/i18n';
import type { MarkId } from '../marks/marks';

export type QrMethod = {
  /** The words under the QR. */
  hint: (t: Dictionary) => string;
  /** The QR's accent (the rail's brand colour). */
  accent: string;
  /** The rail's mark in the QR's middle, so the customer sees at once which app scans it. */
  mark: MarkId;
  /** Renew the QR this long before it expires, so a customer never scans a dead one. */
  renewBeforeMs: number;
};

export const QR_METHODS: Record<'fps' | 'sberpay', QrMethod> = {
  fps: { hint: (t) => t.fpsHint, accent: '#1d1346', mark: 'fps', renewBeforeMs: 30_000 },
  sberpay: { hint: (t) => t.sberHint, accent: '#21a038', mark: 'sberpay', renewBeforeMs: 30_000 },
};
