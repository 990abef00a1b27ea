import { test } from 'node:test';
import assert from 'node:assert/strict';
import { brandOfPrefix, cardBrand } from '../../server/cards/card-rules';

test('brandOfPrefix names the brand from the first digits, before the number is complete', () => {
  assert.deepEqual(
    ['4', '2200', '2204 12'.replace(' ', ''), '55', '2221', '2', '22', '5', '6011', '', '4x'].map(brandOfPrefix),
    ['visa', 'mir', 'mir', 'mastercard', 'mastercard', null, null, null, null, null, null],
  );
});

test('brandOfPrefix agrees with cardBrand on complete numbers', () => {
  for (const pan of ['4242424242424242', '2200000000000004', '5555555555554444', '2223003122003222']) assert.equal(brandOfPrefix(pan), cardBrand(pan));
});
