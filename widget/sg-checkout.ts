/** The widget's entry: one script tag defines `<sg-checkout>`. */
export { SgCheckout } from './checkout/checkout.element';
export type { SgEventMap, SgResultDetail, SgFailDetail, SgStatusDetail, SgErrorDetail } from './events';
