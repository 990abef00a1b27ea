/**
 * The sandbox acquirer: the embedded payment rail. It decides what a bank would (authorise,
 * challenge, decline) from the card's scenario, issues FPS links and SberPay invoices, and says
 * what the customer must be shown. A real acquirer implements the same `Acquirer` interface.
 */
import { randomBytes } from 'node:crypto';
import type { RailStart } from '../domain/session-machine';
import type { PaymentMethod } from '../domain/types';
import type { Project } from '../store/rows';
import type { CardTokenRow } from '../store/rows';
import type { PaymentRow } from '../store/rows';
import { MINUTE_MS } from '../clock';
import { fpsLink, newFpsQrId } from './fps';

/** The FPS member id (bank) that receives sandbox payments. */
export const SANDBOX_FPS_MEMBER_ID = '100000000111';

/** SberPay keeps an order open for 20 minutes, both for confirmation and for the customer. */
const SBERPAY_WINDOW_MS = 20 * MINUTE_MS;
const THREE_DS_LIFETIME_MS = 15 * MINUTE_MS;

export type SberPayChannel = 'app' | 'mobile_web' | 'web';

export type CustomerInteraction = {
  /** `qr`: show `redirect.url` as a QR code; `redirect`: open `redirect.url` (deep link or page). */
  type: 'qr' | 'redirect';
  redirect: { url: string; method: 'GET' };
};

export type StartInput = {
  method: PaymentMethod;
  amount: number;
  card: CardTokenRow | null;
  /** False when nobody vouched for who the customer is (a typed identifier). */
  customerVerified: boolean;
};

export interface Acquirer {
  /** Starts a payment: the rail's answer and its own reference (QR id, invoice id) if any. */
  start(input: StartInput): { result: RailStart; railRef: string | null };
  /** What the customer is shown while the payment waits for them. */
  interaction(payment: PaymentRow): CustomerInteraction | null;
  /** A fresh reference for a renewed QR or deep link. */
  renewRef(payment: PaymentRow): string | null;
  confirmWindowMs(method: PaymentMethod, project: Project): number;
  actionLifetimeMs(method: PaymentMethod, project: Project): number;
}

export class SandboxAcquirer implements Acquirer {
  constructor(private readonly publicUrl: string) {}

  start({ method, card, customerVerified }: StartInput): { result: RailStart; railRef: string | null } {
    if (method === 'fps') return { result: { kind: 'customer_action' }, railRef: newFpsQrId() };
    if (method === 'sberpay') return { result: { kind: 'customer_action' }, railRef: newSberInvoiceId() };
    if (!card) throw new Error(`a ${method} payment needs a card token`);
    switch (card.scenario) {
      case 'decline':
        return { result: { kind: 'declined', code: 'card_declined', description: 'The issuer declined the card' }, railRef: null };
      case 'insufficient_funds':
        return { result: { kind: 'declined', code: 'insufficient_funds', description: 'The card has insufficient funds' }, railRef: null };
      // A merchant-initiated recurrent charge is exempt from 3-D Secure: no customer is there to answer.
      case 'challenge':
        return { result: method === 'recurrent' ? { kind: 'authorized' } : { kind: 'customer_action' }, railRef: null };
      // One tap on a card saved for an identifier anybody could type: the issuer asks the cardholder.
      default:
        return { result: method === 'saved_card' && !customerVerified ? { kind: 'customer_action' } : { kind: 'authorized' }, railRef: null };
    }
  }

  interaction(p: PaymentRow): CustomerInteraction | null {
    if (p.stage !== 'awaiting_customer') return null;
    if (p.method === 'fps' && p.rail_ref) {
      return { type: 'qr', redirect: { url: fpsLink({ qrId: p.rail_ref, memberId: SANDBOX_FPS_MEMBER_ID, amountMinor: p.amount }), method: 'GET' } };
    }
    if (p.method === 'sberpay' && p.rail_ref) {
      const channel = sberPayChannel(p);
      if (channel === 'web') {
        return { type: 'qr', redirect: { url: `${this.publicUrl}/sandbox/sberpay/${p.rail_ref}`, method: 'GET' } };
      }
      return { type: 'redirect', redirect: { url: `sberpay://invoicing/v2?bankInvoiceId=${p.rail_ref}&operationType=Web2App`, method: 'GET' } };
    }
    return { type: 'redirect', redirect: { url: `${this.publicUrl}/sandbox/3ds/${p.id}`, method: 'GET' } };
  }

  renewRef(p: PaymentRow): string | null {
    if (p.method === 'fps') return newFpsQrId();
    if (p.method === 'sberpay') return newSberInvoiceId();
    return p.rail_ref;
  }

  confirmWindowMs(method: PaymentMethod, project: Project): number {
    return method === 'sberpay' ? SBERPAY_WINDOW_MS : project.confirmWindowMinutes * MINUTE_MS;
  }

  actionLifetimeMs(method: PaymentMethod, project: Project): number {
    if (method === 'sberpay') return SBERPAY_WINDOW_MS;
    if (method === 'fps') return project.fpsQrLifetimeMinutes * MINUTE_MS;
    return THREE_DS_LIFETIME_MS;
  }
}

const newSberInvoiceId = () => randomBytes(16).toString('hex');

/** The SberPay channel the merchant asked for, from the stored payment details. */
export function sberPayChannel(p: PaymentRow): SberPayChannel {
  const details = JSON.parse(p.details_json) as { payment_details?: { internet_banking?: { sber_pay?: { channel?: SberPayChannel } } } };
  return details.payment_details?.internet_banking?.sber_pay?.channel ?? 'web';
}
