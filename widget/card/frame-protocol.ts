/** The messages between the card iframe and the checkout element (postMessage, origin-checked on both sides). */
export const CARD_FRAME_SOURCE = 'sg-card-frame';

/** From the frame to the host. */
export type FrameMessage =
  | { source: typeof CARD_FRAME_SOURCE; type: 'resize'; height: number }
  /** The card became a token; `expiry` ('MM/YY') is not secret and lets a new frame keep it after a failed payment. */
  | { source: typeof CARD_FRAME_SOURCE; type: 'tokenized'; token: string; brand: string; last4: string; expiry: string }
  /** The fields or the server refused the card; `message` is in the customer's language. */
  | { source: typeof CARD_FRAME_SOURCE; type: 'invalid'; message: string }
  /** The customer pressed Enter in a field: the host pays as its Pay button does (and sends 'submit'). */
  | { source: typeof CARD_FRAME_SOURCE; type: 'submit-request' };

/** From the host to the frame: check and tokenise the card. */
export type HostMessage = { source: typeof CARD_FRAME_SOURCE; type: 'submit' };
