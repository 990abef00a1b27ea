/**
 * The sandbox issuer's test cards: the published numbers and what the sandbox does with each
 * (approve, ask for 3-D Secure, refuse). The rules every card follows are in ../cards/card-rules.ts.
 */
import { stripSeparators, type CardBrand } from '../cards/card-rules';

/** What the sandbox acquirer does with a card: approve, ask for 3-D Secure, or refuse. */
export type CardScenario = 'success' | 'challenge' | 'decline' | 'insufficient_funds' | 'recurring_decline';

export type SandboxTestCard = {
  readonly pan: string;
  readonly brand: CardBrand;
  readonly scenario: CardScenario;
  readonly description: string;
};

/**
 * Test numbers that decide the sandbox outcome, one family per scenario: Stripe's well-known
 * numbers where they exist, and the same suffixes (…3220 challenge, zeros decline, …999x
 * insufficient funds) for the other brands so they are easy to remember.
 */
export const SANDBOX_TEST_CARDS: readonly SandboxTestCard[] = Object.freeze([
  { pan: '4242424242424242', brand: 'visa', scenario: 'success', description: 'Visa, frictionless success' },
  { pan: '5555555555554444', brand: 'mastercard', scenario: 'success', description: 'Mastercard, frictionless success' },
  { pan: '2223003122003222', brand: 'mastercard', scenario: 'success', description: 'Mastercard 2-series, frictionless success' },
  { pan: '2200220022002206', brand: 'mir', scenario: 'success', description: 'Mir, frictionless success' },
  { pan: '4000000000003220', brand: 'visa', scenario: 'challenge', description: 'Visa, 3-D Secure challenge' },
  { pan: '5200000000003225', brand: 'mastercard', scenario: 'challenge', description: 'Mastercard, 3-D Secure challenge' },
  { pan: '2200000000003222', brand: 'mir', scenario: 'challenge', description: 'Mir, 3-D Secure challenge' },
  { pan: '4000000000000002', brand: 'visa', scenario: 'decline', description: 'Visa, declined by the issuer' },
  { pan: '5200000000000007', brand: 'mastercard', scenario: 'decline', description: 'Mastercard, declined by the issuer' },
  { pan: '2200000000000004', brand: 'mir', scenario: 'decline', description: 'Mir, declined by the issuer' },
  { pan: '4000000000009995', brand: 'visa', scenario: 'insufficient_funds', description: 'Visa, insufficient funds' },
  { pan: '5200000000009990', brand: 'mastercard', scenario: 'insufficient_funds', description: 'Mastercard, insufficient funds' },
  { pan: '2200000000009997', brand: 'mir', scenario: 'insufficient_funds', description: 'Mir, insufficient funds' },
  // Stripe's "attaching succeeds, charges fail": a subscription's renewals and their retries, declined.
  { pan: '4000000000000341', brand: 'visa', scenario: 'recurring_decline', description: 'Visa, pays with the customer there; later recurrent charges declined (insufficient funds)' },
] satisfies SandboxTestCard[]);

const SCENARIO_BY_PAN: ReadonlyMap<string, CardScenario> = new Map(
  SANDBOX_TEST_CARDS.map((card) => [card.pan, card.scenario]),
);

/**
 * The sandbox outcome for a PAN. Any card that is not a listed test number succeeds: the sandbox
 * talks to no bank, so it has nothing else to decide with, and a developer's own card number
 * should work like a happy-path card rather than fail mysteriously.
 */
export function cardScenario(pan: string): CardScenario {
  return SCENARIO_BY_PAN.get(stripSeparators(pan)) ?? 'success';
}
