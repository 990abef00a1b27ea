import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cardBrand, luhnValid, validateCard, type CardInput } from '../../server/cards/card-rules';
import { SANDBOX_TEST_CARDS, cardScenario, type CardScenario } from '../../server/sandbox/cards';

const NOW_MS = Date.UTC(2026, 4, 15, 12); // 15 May 2026
const valid: CardInput = { number: '4242 4242 4242 4242', expiry_month: 12, expiry_year: 2030, cvc: '123' };

function failure(input: Partial<CardInput>, nowMs = NOW_MS) {
  const result = validateCard({ ...valid, ...input }, nowMs);
  assert.equal(result.ok, false, `expected ${JSON.stringify(input)} to be rejected`);
  return result as { ok: false; field: string; message: string };
}

test('luhnValid accepts well-known numbers and rejects a changed digit or non-digits', () => {
  assert.equal(luhnValid('4242424242424242'), true);
  assert.equal(luhnValid('79927398713'), true);
  assert.equal(luhnValid('4242424242424241'), false);
  assert.equal(luhnValid('4242 4242 4242 4242'), false);
  assert.equal(luhnValid(''), false);
});

test('cardBrand tells Visa, Mastercard (both series) and Mir apart by prefix and length', () => {
  assert.equal(cardBrand('4242424242424242'), 'visa');
  assert.equal(cardBrand('4222222222222'), 'visa'); // 13 digits
  assert.equal(cardBrand('5105105105105100'), 'mastercard');
  assert.equal(cardBrand('2221000000000009'), 'mastercard');
  assert.equal(cardBrand('2720990000000000'), 'mastercard');
  assert.equal(cardBrand('2204000000000000'), 'mir');
  assert.equal(cardBrand('2200000000000000000'), 'mir'); // 19 digits
  assert.equal(cardBrand('2205000000000000'), null); // between Mir and Mastercard 2-series
  assert.equal(cardBrand('2721000000000000'), null);
  assert.equal(cardBrand('378282246310005'), null); // American Express
  assert.equal(cardBrand('55555555555544'), null); // Mastercard is 16 digits only
});

test('every sandbox test card is Luhn-valid, of its stated brand and unique', () => {
  for (const card of SANDBOX_TEST_CARDS) {
    assert.equal(luhnValid(card.pan), true, `${card.pan} fails Luhn`);
    assert.equal(cardBrand(card.pan), card.brand, `${card.pan} is not ${card.brand}`);
    assert.equal(cardScenario(card.pan), card.scenario);
  }
  assert.equal(new Set(SANDBOX_TEST_CARDS.map((c) => c.pan)).size, SANDBOX_TEST_CARDS.length);
});

test('the test cards cover every scenario for every brand', () => {
  const scenarios: CardScenario[] = ['success', 'challenge', 'decline', 'insufficient_funds'];
  for (const brand of ['visa', 'mastercard', 'mir'] as const) {
    for (const scenario of scenarios) {
      assert.ok(
        SANDBOX_TEST_CARDS.some((c) => c.brand === brand && c.scenario === scenario),
        `no ${brand} card for ${scenario}`,
      );
    }
  }
});

test('any other card of a supported brand succeeds, and separators do not matter', () => {
  assert.equal(cardScenario('5105105105105100'), 'success');
  assert.equal(cardScenario('4000-0000-0000-0002'), 'decline');
});

test('a valid card comes back as brand, last4 and expiry, without PAN or CVC; the sandbox reads its scenario from the number', () => {
  const result = validateCard({ ...valid, number: '2200-0000-0000-3222', holder: '  Ivan   Petrov ' }, NOW_MS);
  assert.deepEqual(result, {
    ok: true,
    card: { brand: 'mir', last4: '3222', expiry_month: 12, expiry_year: 2030, holder: 'Ivan Petrov' },
  });
  assert.equal(cardScenario('2200-0000-0000-3222'), 'challenge');
  const serialized = JSON.stringify(result);
  assert.ok(!serialized.includes('2200000000003222') && !serialized.includes('"123"'));
});

test('rejects a number that fails the Luhn check, saying to re-type it', () => {
  const { field, message } = failure({ number: '4242 4242 4242 4241' });
  assert.equal(field, 'card.number');
  assert.match(message, /card\.number fails the Luhn check: re-type the number/);
});

test('rejects missing, non-digit, too short and unsupported-brand numbers', () => {
  assert.match(failure({ number: '' }).message, /required/);
  assert.match(failure({ number: '4242x4242424242424' }).message, /only digits/);
  assert.match(failure({ number: '42424242' }).message, /8 digits/);
  assert.match(failure({ number: '378282246310005' }).message, /not a Visa, Mastercard or Mir card/);
  assert.match(failure({ number: '2200000000000000000000' }).message, /22 digits/);
});

test('rejects a Luhn-valid number of the wrong length for its brand', () => {
  // Luhn-valid, Mastercard prefix, 19 digits.
  const { field, message } = failure({ number: '5555555555555555507' });
  assert.equal(field, 'card.number');
  assert.match(message, /a Mastercard card has 16/);
});

test('accepts the current month and a 2-digit year, rejects last month and last year', () => {
  const current = validateCard({ ...valid, expiry_month: 5, expiry_year: 26 }, NOW_MS);
  assert.equal(current.ok, true);
  assert.equal(current.ok && current.card.expiry_year, 2026);
  // The last moment of May is still May in UTC, whatever the server's time zone.
  assert.equal(validateCard({ ...valid, expiry_month: 5, expiry_year: 2026 }, Date.UTC(2026, 4, 31, 23, 59, 59)).ok, true);

  const lastMonth = failure({ expiry_month: 4, expiry_year: 2026 });
  assert.equal(lastMonth.field, 'card.expiry_month');
  assert.match(lastMonth.message, /expired/);
  assert.equal(failure({ expiry_month: 12, expiry_year: 2025 }).field, 'card.expiry_year');
});

test('rejects an impossible month or year', () => {
  assert.equal(failure({ expiry_month: 13 }).field, 'card.expiry_month');
  assert.equal(failure({ expiry_month: 0 }).field, 'card.expiry_month');
  assert.equal(failure({ expiry_month: 1.5 }).field, 'card.expiry_month');
  assert.equal(failure({ expiry_year: 203 }).field, 'card.expiry_year');
  assert.match(failure({ expiry_year: 2205 }).message, /too far ahead/);
});

test('requires a 3-digit CVC and explains a 4-digit one', () => {
  assert.match(failure({ cvc: '1234' }).message, /card\.cvc has 4 digits/);
  assert.equal(failure({ cvc: '12' }).field, 'card.cvc');
  assert.equal(failure({ cvc: '12a' }).field, 'card.cvc');
});

test('holder is optional, latin only and at most 64 characters', () => {
  const noHolder = validateCard({ ...valid, holder: '   ' }, NOW_MS);
  assert.equal(noHolder.ok && noHolder.card.holder, null);
  assert.equal(validateCard({ ...valid, holder: "D'Arcy O. Smith-Jones" }, NOW_MS).ok, true);
  assert.equal(failure({ holder: 'Иван Петров' }).field, 'card.holder');
  assert.match(failure({ holder: 'A'.repeat(65) }).message, /64 characters/);
});
