/** The sandbox phone's words in English: the entry shape every language follows. */
import type { TestCardScenario } from '../test-cards';

export const en = {
  frame: {
    title: "The customer's phone",
    badge: 'Sandbox',
    intro: 'Choose how to pay in the checkout. This phone then shows how the customer finishes the payment.',
    testCards: 'Test cards',
    anyExpiry: 'Any future expiry date, any CVC.',
    pushInbox: 'Push inbox',
    console: 'Console',
  },
  cards: {
    success: 'paid at once',
    challenge: 'asks for 3-D Secure',
    decline: 'declined by the bank',
    insufficient_funds: 'insufficient funds',
    recurring_decline: "paid at once; a subscription's renewals declined",
  } satisfies Record<TestCardScenario, string>,
  idle: {
    cardLabel: 'Bank card: ',
    cardHint: 'type a test card from the list below.',
    qrLabel: 'FPS or SberPay (as the checkout offers): ',
    qrHint: 'a QR appears in the checkout; this phone scans it for you.',
  },
  fps: {
    title: 'FPS (СБП): scan the QR',
    intro: 'A customer scans the QR with their bank app. Play that bank:',
    openBank: 'Open the sandbox bank for this QR',
    bankListTitle: 'The bank list, as a phone shows it',
    bankListHint: 'On a phone the checkout lists banks instead of the QR; each opens its app with this payment.',
    loadingBanks: 'Loading banks…',
    banksUnavailable: 'The bank list is not available right now.',
    findBank: 'Find your bank',
    /** How many banks the list shows (after the search), 0 included. */
    bankCount: (n: number) => (n === 0 ? 'No bank found' : `${n} ${n === 1 ? 'bank' : 'banks'}`),
    onPhone: (deepLink: string) => `On a phone: ${deepLink}`,
  },
  sberpay: {
    intro: 'On a desktop the customer scans the QR; on a phone the checkout opens the SberPay app. Either way:',
    openApp: 'Open the SberPay app',
    /** The sentence around the push inbox link, which `inbox` makes from its text. */
    pushLands: <T>(inbox: (text: string) => T) => ['A push sent from the checkout lands in the ', inbox('push inbox'), '.'],
  },
  threeDs:
    'The card’s bank asks the customer to confirm. Its sandbox page is open in the checkout: press “Confirm with code” there to pay, or “Decline” to see a refusal.',
  answer: {
    pay: 'Pay',
    decline: 'Decline',
    prompt: 'Or answer as the bank, right here:',
    noAnswer: 'The sandbox did not answer: is the server running?',
    /** The sandbox answered with an error: its own description (English) when it gave one. */
    refused: (status: number, description: string | null) => description ?? `The sandbox refused the answer (HTTP ${status}).`,
  },
  awaitingMerchant: 'The payment waits for the merchant to confirm it (manual confirmation).',
  processing: 'The bank is processing the payment…',
  paid: '✓ Paid.',
  paidHint: 'The store marks the order paid when its backend receives the verified payment_finished webhook: see the order status.',
  /** `code`: the payment's failure code; `description`: the server's own (English) words for it. */
  notPaid: (code: string, description: string | null) => `Not paid: ${description ?? code}.`,
  tryAnother: 'Choose another method in the checkout to try again.',
  closed: { cancelled: 'The payment session was cancelled.', error: 'The payment session ended with an error.' },
  startAgain: 'Start a new order to try again.',
};

export type PhoneWords = typeof en;
