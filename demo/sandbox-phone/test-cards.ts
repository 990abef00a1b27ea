/** The sandbox's test cards that the phone lists: one of each outcome a first-time visitor wants to see (words/ says each outcome). */
export const TEST_CARDS = [
  { number: '4242 4242 4242 4242', scenario: 'success' },
  { number: '4000 0000 0000 3220', scenario: 'challenge' },
  { number: '4000 0000 0000 0002', scenario: 'decline' },
  { number: '4000 0000 0000 9995', scenario: 'insufficient_funds' },
  { number: '4000 0000 0000 0341', scenario: 'recurring_decline' },
] as const;

export type TestCardScenario = (typeof TEST_CARDS)[number]['scenario'];
