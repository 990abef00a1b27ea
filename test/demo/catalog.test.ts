import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATALOG, describeOrder, priceOrder } from '../../demo/store/catalog';
import { TEST_CARDS } from '../../demo/sandbox-phone/test-cards';
import { SANDBOX_TEST_CARDS } from '../../server/sandbox/cards';

test('prices an order from the catalog, merging lines of one product', () => {
  const priced = priceOrder([{ sku: 'baikal-mug', qty: 1 }, { sku: 'buckthorn-tea', qty: 2 }, { sku: 'baikal-mug', qty: 1 }]);
  assert.ok(!('error' in priced));
  assert.equal(priced.amountMinor, 2 * 129_000 + 2 * 45_000);
  assert.deepEqual(priced.lines.map((l) => [l.sku, l.qty, l.totalMinor]), [['baikal-mug', 2, 258_000], ['buckthorn-tea', 2, 90_000]]);
  assert.equal(describeOrder(priced.lines), '2 × Baikal mug, 2 × Sea-buckthorn tea');
});

test('refuses unknown products, empty carts and quantities out of range', () => {
  assert.match((priceOrder([{ sku: 'caviar', qty: 1 }]) as { error: string }).error, /unknown product "caviar"/);
  assert.match((priceOrder([]) as { error: string }).error, /empty/);
  assert.match((priceOrder([{ sku: 'wool-socks', qty: 6 }, { sku: 'wool-socks', qty: 5 }]) as { error: string }).error, /from 1 to 10/);
  assert.match((priceOrder([{ sku: 'wool-socks', qty: 0.5 }]) as { error: string }).error, /whole number/);
});

test('every price is whole kopecks', () => {
  for (const p of CATALOG) assert.ok(Number.isInteger(p.priceMinor) && p.priceMinor > 0, p.sku);
});

test('the test cards the phone lists are the sandbox’s own, with the outcome the sandbox gives them', () => {
  for (const card of TEST_CARDS) {
    const known = SANDBOX_TEST_CARDS.find((c) => c.pan === card.number.replace(/ /g, ''));
    assert.equal(known?.scenario, card.scenario, card.number);
  }
});
