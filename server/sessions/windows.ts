/**
 * How long a payment may wait, by method: the gateway's own rules, whatever the rail. SberPay
 * keeps an order open for 20 minutes (its documented lifetime, for the confirmation and for the
 * customer); FPS QRs live as long as the project says; a 3-D Secure page 15 minutes.
 */
import { MINUTE_MS } from '../clock';
import type { PaymentMethod } from '../domain/types';
import type { Project } from '../store/rows';

const SBERPAY_WINDOW_MS = 20 * MINUTE_MS;
const THREE_DS_LIFETIME_MS = 15 * MINUTE_MS;

/** How long the merchant has to confirm a pending payment. */
export function confirmWindowMs(method: PaymentMethod, project: Project): number {
  return method === 'sberpay' ? SBERPAY_WINDOW_MS : project.confirmWindowMinutes * MINUTE_MS;
}

/** How long a QR, deep link or 3-D Secure page stays valid. */
export function actionLifetimeMs(method: PaymentMethod, project: Project): number {
  if (method === 'sberpay') return SBERPAY_WINDOW_MS;
  if (method === 'fps') return project.fpsQrLifetimeMinutes * MINUTE_MS;
  return THREE_DS_LIFETIME_MS;
}
