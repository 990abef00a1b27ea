import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BANKS, loadBankDirectory } from '../../server/sandbox/banks';

const slimSber = {
  id: '100000000111',
  name: 'Сбербанк',
  logo: 'https://qr.nspk.ru/proxyapp/logo/bank100000000111.png',
  schema: 'bank100000000111',
  package: 'ru.sberbankmobile',
  isDrActive: true,
  isWebClientActive: false,
  webClientUrl: null,
};

const rawTbank = {
  bankName: 'Т-Банк',
  logoURL: 'https://qr.nspk.ru/proxyapp/logo/bank100000000004.png',
  schema: 'bank100000000004',
  package_name: 'com.idamob.tinkoff.android',
  isWebClientActive: 'true',
  webClientUrlSub: 'https://www.tinkoff.ru/mybank/payments/qr-pay',
  param_separator: '&',
};

test('loads the slim format', () => {
  assert.deepEqual(loadBankDirectory({ version: '1.0', banks: [slimSber] }), [
    {
      id: '100000000111',
      name: 'Сбербанк',
      logoUrl: 'https://qr.nspk.ru/proxyapp/logo/bank100000000111.png',
      schema: 'bank100000000111',
      package: 'ru.sberbankmobile',
      webClientUrl: null,
    },
  ]);
});

test("loads NSPK's raw c2bmembers format, taking the member id from the scheme", () => {
  assert.deepEqual(loadBankDirectory({ version: '1.0', dictionary: [rawTbank] }), [
    {
      id: '100000000004',
      name: 'Т-Банк',
      logoUrl: 'https://qr.nspk.ru/proxyapp/logo/bank100000000004.png',
      schema: 'bank100000000004',
      package: 'com.idamob.tinkoff.android',
      webClientUrl: 'https://www.tinkoff.ru/mybank/payments/qr-pay',
    },
  ]);
});

test('a web client that is not active has no URL, whatever the entry says', () => {
  const [bank] = loadBankDirectory({ dictionary: [{ ...rawTbank, isWebClientActive: 'false' }] });
  assert.equal(bank?.webClientUrl, null);
});

test('skips malformed entries and keeps the good ones', () => {
  const banks = loadBankDirectory({
    banks: [
      slimSber,
      { ...slimSber, id: '123' },
      { ...slimSber, id: '100000000222', name: '' },
      { ...slimSber, id: '100000000333', schema: 'not a scheme' },
      { ...slimSber }, // duplicate id
      'Сбербанк',
      null,
    ],
  });
  assert.deepEqual(banks.map((b) => b.id), ['100000000111']);
});

test('a bad optional field becomes null instead of dropping the bank', () => {
  const [bank] = loadBankDirectory({ banks: [{ ...slimSber, logo: 'javascript:alert(1)', package: 'not a package' }] });
  assert.equal(bank?.logoUrl, null);
  assert.equal(bank?.package, null);
});

test('throws a clear error for a document with no usable bank', () => {
  assert.throws(() => loadBankDirectory('banks'), /"banks" \(slim\) or "dictionary"/);
  assert.throws(() => loadBankDirectory({ items: [] }), /"banks" \(slim\) or "dictionary"/);
  assert.throws(() => loadBankDirectory({ banks: [{ id: 1 }] }), /none is a valid bank/);
});

test('BANKS holds the shipped directory with unique ids and app schemes', () => {
  assert.equal(BANKS.length, 192);
  assert.equal(new Set(BANKS.map((b) => b.id)).size, BANKS.length);
  assert.ok(BANKS.every((b) => b.schema === `bank${b.id}`));
  assert.equal(BANKS.find((b) => b.id === '100000000111')?.package, 'ru.sberbankmobile');
  assert.ok(Object.isFrozen(BANKS));
});
