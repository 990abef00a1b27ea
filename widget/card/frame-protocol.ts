/** The messages between the card iframe and the checkout element (postMessage, origin-checked on both sides). */
export const CARD_FRAME_SOURCE = 'sg-card-frame';

export type FrameMessage =
  | { source: typeof CARD_FRAME_SOURCE; type: 'resize'; height: number }
  | { source: typeof CARD_FRAME_SOURCE; type: 'tokenized'; token: string; brand: string; last4: string }
  | { source: typeof CARD_FRAME_SOURCE; type: 'invalid'; message: string };

export type HostMessage = { source: typeof CARD_FRAME_SOURCE; type: 'submit' };
