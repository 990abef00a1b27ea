/** The element's events: typed details, bubbling and composed so a merchant page hears them through shadow roots. */
import type { MethodId, SessionView } from './api/public-api';

/** `method`: the method the customer has chosen in the widget (null on a result screen). */
export type SgStatusDetail = { status: SessionView['status']; payment: SessionView['payment']; version: number; method: MethodId | null };
/** `binding`: the session bound an FPS account and took no money (amount 0). */
export type SgResultDetail = { sessionId: string; paymentId: string; amount: number; currency: string; method: string; binding: boolean };
export type SgFailDetail = SgResultDetail & { code: string; reason: string };
export type SgErrorDetail = { code: string; message: string };

export type SgEventMap = {
  'sg-ready': { sessionId: string; methods: SessionView['methods'] };
  'sg-status': SgStatusDetail;
  'sg-success': SgResultDetail;
  'sg-fail': SgFailDetail;
  'sg-error': SgErrorDetail;
};

declare global {
  interface GlobalEventHandlersEventMap {
    'sg-ready': CustomEvent<SgEventMap['sg-ready']>;
    'sg-status': CustomEvent<SgStatusDetail>;
    'sg-success': CustomEvent<SgResultDetail>;
    'sg-fail': CustomEvent<SgFailDetail>;
    'sg-error': CustomEvent<SgErrorDetail>;
  }
}

export function emit<K extends keyof SgEventMap>(host: HTMLElement, name: K, detail: SgEventMap[K]): void {
  host.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}
