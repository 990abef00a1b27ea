/** The sandbox's test cards that the phone lists: one of each outcome a first-time visitor wants to see. */
export const TEST_CARDS = [
  { number: '4242 4242 4242 4242', scenario: 'success', outcome: 'paid at once' },
  { number: '4000 0000 0000 3220', scenario: 'challenge', outcome: 'asks for 3-D Secure' },
  { number: '4000 0000 0000 0002', scenario: 'decline', outcome: 'declined by the bank' },
  { number: '4000 0000 0000 9995', scenario: 'insufficient_funds', outcome: 'insufficient funds' },
] as const;
