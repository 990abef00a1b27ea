import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bankDeepLinks, crc16CcittFalse, fpsBindingLink, fpsLink, newFpsBindingId, newFpsQrId, parseFpsLink } from '../../server/sandbox/fps';

/** Links issued by real FPS acquirers, published in public code. */
const REAL_LINKS = {
  // Raiffeisen-DGTL/sbp-sdk-java, README.md (response of registerQR): a dynamic link.
  raiffeisen:
    'https://qr.nspk.ru/AD100004BAL7227F9BNP6KNE007J9B3K?type=02&bank=100000000007&sum=1&cur=RUB&crc=AB75',
  // A Gazprombank FPS provider's unit test (mocked qrc-data response), found with the code index's
  // exact-string search; the index did not name its repository.
  gazprombank:
    'https://qr.nspk.ru/AD10001246OADML79D5OP9279JLPI2V6?type=02&bank=100000000001&sum=253&cur=RUB&crc=D959',
  // smenateam/sbp (Flutter plugin), example/lib/main.dart: a static (type=01) link, same checksum.
  smenaStatic:
    'https://qr.nspk.ru/AS10003P3RH0LJ2A9ROO038L6NT5RU1M?type=01&bank=000000000001&sum=10000&cur=RUB&crc=F3D0',
};

const splitCrc = (link: string): [string, string] => {
  const at = link.lastIndexOf('&crc=');
  return [link.slice(0, at), link.slice(at + '&crc='.length)];
};

test('crc16CcittFalse matches the CRC catalogue check value', () => {
  assert.equal(crc16CcittFalse('123456789'), '29B1');
  assert.equal(crc16CcittFalse(''), 'FFFF');
});

test('crc16CcittFalse reproduces the checksum of real NSPK links', () => {
  for (const [name, link] of Object.entries(REAL_LINKS)) {
    const [unsigned, crc] = splitCrc(link);
    assert.equal(crc16CcittFalse(unsigned), crc, name);
  }
});

test('parseFpsLink reads real dynamic links and finds their checksum valid', () => {
  assert.deepEqual(parseFpsLink(REAL_LINKS.raiffeisen), {
    binding: false,
    qrId: 'AD100004BAL7227F9BNP6KNE007J9B3K',
    memberId: '100000000007',
    amountMinor: 1,
    crcValid: true,
  });
  assert.equal(parseFpsLink(REAL_LINKS.gazprombank)?.crcValid, true);
  // Lower-case hex is still the same checksum.
  assert.equal(parseFpsLink(REAL_LINKS.gazprombank.replace('crc=D959', 'crc=d959'))?.crcValid, true);
});

test('fpsLink builds the NSPK format and round-trips through parseFpsLink', () => {
  const qrId = newFpsQrId();
  const link = fpsLink({ qrId, memberId: '100000000111', amountMinor: 150050 });
  assert.match(link, new RegExp(`^https://qr\\.nspk\\.ru/${qrId}\\?type=02&bank=100000000111&sum=150050&cur=RUB&crc=[0-9A-F]{4}$`));
  assert.deepEqual(parseFpsLink(link), { binding: false, qrId, memberId: '100000000111', amountMinor: 150050, crcValid: true });
  assert.equal(
    fpsLink({ qrId: 'AD100004BAL7227F9BNP6KNE007J9B3K', memberId: '100000000007', amountMinor: 1 }),
    REAL_LINKS.raiffeisen,
  );
});

// A binding link as NSPK issues it (published in an acquirer's documentation of binding an account).
const REAL_BINDING_LINK = 'https://sub.nspk.ru/AB1S002LBQ7PDTTE88HQ1SE2PVFVTP04?type=03&bank=100000000111&crc=3B02';

test('parseFpsLink reads a real binding link, and fpsBindingLink writes it back', () => {
  assert.deepEqual(parseFpsLink(REAL_BINDING_LINK), { binding: true, qrId: 'AB1S002LBQ7PDTTE88HQ1SE2PVFVTP04', memberId: '100000000111', amountMinor: null, crcValid: true });
  assert.equal(fpsBindingLink({ qrId: 'AB1S002LBQ7PDTTE88HQ1SE2PVFVTP04', memberId: '100000000111', amountMinor: null }), REAL_BINDING_LINK);
});

test('a binding link that also pays carries its sum before the checksum, and round-trips', () => {
  const qrId = newFpsBindingId();
  assert.match(qrId, /^AB[A-Z0-9]{30}$/);
  const link = fpsBindingLink({ qrId, memberId: '100000000111', amountMinor: 49900 });
  assert.match(link, new RegExp(`^https://sub\\.nspk\\.ru/${qrId}\\?type=03&bank=100000000111&sum=49900&cur=RUB&crc=[0-9A-F]{4}$`));
  assert.deepEqual(parseFpsLink(link), { binding: true, qrId, memberId: '100000000111', amountMinor: 49900, crcValid: true });
  assert.equal(parseFpsLink(link.replace('sum=49900', 'sum=49901'))?.crcValid, false);
  assert.equal(parseFpsLink(link.replace('type=03', 'type=02')), null, 'a binding link is type 03');
  assert.deepEqual(bankDeepLinks(link, { schema: 'bank100000000004', package: null }).ios, link.replace('https:', 'bank100000000004:'));
});

test('a tampered amount, member or id makes the checksum invalid', () => {
  const link = REAL_LINKS.raiffeisen;
  for (const tampered of [
    link.replace('sum=1&', 'sum=100000&'),
    link.replace('bank=100000000007', 'bank=100000000004'),
    link.replace('AD100004BAL', 'AD100004BAM'),
    link.replace('crc=AB75', 'crc=AB76'),
  ]) {
    assert.equal(parseFpsLink(tampered)?.crcValid, false, tampered);
  }
});

test('parseFpsLink returns null for anything that is not a dynamic FPS link', () => {
  for (const link of [
    REAL_LINKS.smenaStatic,
    'https://example.com/AD100004BAL7227F9BNP6KNE007J9B3K?type=02&bank=100000000007&sum=1&cur=RUB&crc=AB75',
    REAL_LINKS.raiffeisen.replace('cur=RUB', 'cur=USD'),
    REAL_LINKS.raiffeisen.replace('sum=1&', 'sum=0&'),
    REAL_LINKS.raiffeisen.replace('&crc=AB75', ''),
    'not a link',
  ]) {
    assert.equal(parseFpsLink(link), null, link);
  }
});

test('fpsLink refuses a malformed id, member id or amount', () => {
  const good = { qrId: newFpsQrId(), memberId: '100000000111', amountMinor: 100 };
  assert.throws(() => fpsLink({ ...good, qrId: 'ad1000' }), RangeError);
  assert.throws(() => fpsLink({ ...good, memberId: '1000' }), RangeError);
  assert.throws(() => fpsLink({ ...good, amountMinor: 0 }), RangeError);
  assert.throws(() => fpsLink({ ...good, amountMinor: 10.5 }), RangeError);
});

test('newFpsQrId makes distinct 32-character AD ids', () => {
  const ids = Array.from({ length: 200 }, newFpsQrId);
  for (const id of ids) assert.match(id, /^AD[A-Z0-9]{30}$/);
  assert.equal(new Set(ids).size, ids.length);
});

test('bankDeepLinks swaps the scheme on iOS and builds an intent on Android', () => {
  const link = REAL_LINKS.raiffeisen;
  const rest = link.slice('https://'.length);
  assert.deepEqual(bankDeepLinks(link, { schema: 'bank100000000111', package: 'ru.sberbankmobile' }), {
    ios: `bank100000000111://${rest}`,
    android: `intent://${rest}#Intent;scheme=bank100000000111;package=ru.sberbankmobile;end;`,
  });
  assert.equal(bankDeepLinks(link, { schema: 'bank100000000111', package: null }).android, null);
  assert.throws(() => bankDeepLinks('http://qr.nspk.ru/x', { schema: 'bank1', package: null }), RangeError);
});
