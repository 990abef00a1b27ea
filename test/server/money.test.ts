import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatAmount } from '../../widget/i18n/money';

test('Russian amounts group by a narrow no-break space, with a decimal comma and a no-break space before ₽', () => {
  assert.equal(formatAmount(129000, 'RUB', 'ru'), '1\u202f290,00\u00a0₽');
  assert.equal(formatAmount(123456789, 'RUB', 'ru'), '1\u202f234\u202f567,89\u00a0₽');
  assert.equal(formatAmount(5, 'RUB', 'ru'), '0,05\u00a0₽');
});

test('English amounts group by a comma, with a decimal point', () => {
  assert.equal(formatAmount(129000, 'RUB', 'en'), '1,290.00\u00a0₽');
  assert.equal(formatAmount(100, 'USD', 'en'), '1.00\u00a0USD');
});

test('a negative amount has one minus, before the digits, even under one rouble', () => {
  assert.equal(formatAmount(-50, 'RUB', 'ru'), '-0,50\u00a0₽');
  assert.equal(formatAmount(-123456, 'RUB', 'en'), '-1,234.56\u00a0₽');
});

test('the digits always read back as the amount (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom('ru' as const, 'en' as const), (amount, locale) => {
      const text = formatAmount(amount, 'RUB', locale);
      assert.equal(Number(text.replace(/[^\d-]/g, '')), amount);
      assert.equal((text.match(/-/g) ?? []).length, amount < 0 ? 1 : 0);
    }),
  );
});
