/**
 * Faster Payments System (FPS, СБП) links in NSPK's dynamic format:
 * `https://qr.nspk.ru/<qrId>?type=02&bank=<memberId>&sum=<kopecks>&cur=RUB&crc=<XXXX>`;
 * NSPK's account-binding (subscription) links, `https://sub.nspk.ru/AB<30>?type=03&bank=<memberId>&crc=<XXXX>`
 * (as NSPK issues them: an `AB` id, type 03), which with `&sum=<kopecks>&cur=RUB` before the
 * checksum also pay that sum as they bind (our form for "pay and bind": NSPK publishes no other);
 * and the deep links that open either in a bank's app.
 */
import { randomBytes } from 'node:crypto';

const FPS_HOST_URL = 'https://qr.nspk.ru/';
const BINDING_HOST_URL = 'https://sub.nspk.ru/';
const QR_ID_LENGTH = 32;
const QR_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
// NSPK's dynamic (one-payment) links start with "AD", static ones with "AS", binding ones with "AB".
const DYNAMIC_QR_ID_PREFIX = 'AD';
const BINDING_ID_PREFIX = 'AB';

const LINK_PATTERN =
  /^https:\/\/qr\.nspk\.ru\/([A-Z0-9]{32})\?type=02&bank=(\d{12})&sum=([1-9]\d{0,15})&cur=RUB&crc=([0-9A-Fa-f]{4})$/;
const BINDING_LINK_PATTERN =
  /^https:\/\/sub\.nspk\.ru\/([A-Z0-9]{32})\?type=03&bank=(\d{12})(?:&sum=([1-9]\d{0,15})&cur=RUB)?&crc=([0-9A-Fa-f]{4})$/;

export type FpsLinkParts = { qrId: string; memberId: string; amountMinor: number };
/** A binding link's parts: `amountMinor` null for a link that only binds. */
export type FpsBindingLinkParts = { qrId: string; memberId: string; amountMinor: number | null };
/** `binding`: an NSPK binding link (sub.nspk.ru), which binds the account, and pays `amountMinor` when it is not null. */
export type ParsedFpsLink =
  | (FpsLinkParts & { binding: false; crcValid: boolean })
  | (FpsBindingLinkParts & { binding: true; crcValid: boolean });
export type FpsDeepLinks = { ios: string; android: string | null };

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no xorout) of the UTF-8 bytes, as 4 upper-case hex digits. */
export function crc16CcittFalse(text: string): string {
  let crc = 0xffff;
  for (const byte of new TextEncoder().encode(text)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** The dynamic FPS link for a payment of `amountMinor` kopecks to FPS member `memberId` (12 digits). */
export function fpsLink({ qrId, memberId, amountMinor }: FpsLinkParts): string {
  checkParts(qrId, memberId, 'newFpsQrId');
  checkAmount(amountMinor);
  return signed(`${FPS_HOST_URL}${qrId}?type=02&bank=${memberId}&sum=${amountMinor}&cur=RUB`);
}

/** NSPK's binding link for binding id `qrId` at member `memberId`; with an amount, it pays that as it binds. */
export function fpsBindingLink({ qrId, memberId, amountMinor }: FpsBindingLinkParts): string {
  checkParts(qrId, memberId, 'newFpsBindingId');
  if (amountMinor !== null) checkAmount(amountMinor);
  return signed(`${BINDING_HOST_URL}${qrId}?type=03&bank=${memberId}${amountMinor === null ? '' : `&sum=${amountMinor}&cur=RUB`}`);
}

const signed = (unsigned: string) => `${unsigned}&crc=${crc16CcittFalse(unsigned)}`;

function checkParts(qrId: string, memberId: string, maker: string): void {
  if (!new RegExp(`^[A-Z0-9]{${QR_ID_LENGTH}}$`).test(qrId)) {
    throw new RangeError(`qrId must be ${QR_ID_LENGTH} upper-case letters and digits, got "${qrId}": use ${maker}()`);
  }
  if (!/^\d{12}$/.test(memberId)) {
    throw new RangeError(`memberId must be a 12-digit FPS member id, got "${memberId}"`);
  }
}

function checkAmount(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
    throw new RangeError(`amountMinor must be a positive whole number of kopecks, got ${amountMinor}`);
  }
}

/** A fresh 32-character dynamic QR id ("AD" + 30 random A–Z/0–9), from the OS's CSPRNG. */
export const newFpsQrId = (): string => randomId(DYNAMIC_QR_ID_PREFIX);

/** A fresh 32-character binding id ("AB" + 30 random A–Z/0–9). */
export const newFpsBindingId = (): string => randomId(BINDING_ID_PREFIX);

function randomId(prefix: string): string {
  let id = prefix;
  // 256 is not a multiple of 36: bytes from 252 up are dropped so every character is equally likely.
  const unbiasedLimit = 256 - (256 % QR_ID_ALPHABET.length);
  while (id.length < QR_ID_LENGTH) {
    for (const byte of randomBytes(QR_ID_LENGTH)) {
      if (byte < unbiasedLimit && id.length < QR_ID_LENGTH) id += QR_ID_ALPHABET[byte % QR_ID_ALPHABET.length];
    }
  }
  return id;
}

/**
 * The parts of a dynamic FPS link or a binding link in exactly the format `fpsLink` and
 * `fpsBindingLink` write, or null for anything else (static `type=01` links, other hosts). A link with a wrong checksum still parses, with
 * `crcValid: false`, so the sandbox bank page can say what is wrong instead of "not found".
 */
export function parseFpsLink(link: string): ParsedFpsLink | null {
  const trimmed = link.trim();
  const payment = LINK_PATTERN.exec(trimmed);
  const binding = payment ? null : BINDING_LINK_PATTERN.exec(trimmed);
  const match = payment ?? binding;
  if (!match) return null;
  const [, qrId = '', memberId = '', sum, crc = ''] = match;
  const amountMinor = sum === undefined ? null : Number(sum);
  if (amountMinor !== null && !Number.isSafeInteger(amountMinor)) return null;
  const unsigned = trimmed.slice(0, trimmed.lastIndexOf('&crc='));
  const crcValid = crc16CcittFalse(unsigned) === crc.toUpperCase();
  return binding ? { binding: true, qrId, memberId, amountMinor, crcValid } : { binding: false, qrId, memberId, amountMinor: amountMinor!, crcValid };
}

/**
 * Links that open an FPS link straight in one bank's app: on iOS the bank's URL scheme replaces
 * `https:`; on Android an intent names the app's package (null when the bank publishes none).
 */
export function bankDeepLinks(link: string, bank: { schema: string; package: string | null }): FpsDeepLinks {
  if (!link.startsWith('https://')) {
    throw new RangeError(`link must be an https:// FPS link, got "${link}": build it with fpsLink()`);
  }
  const rest = link.slice('https://'.length);
  return {
    ios: `${bank.schema}://${rest}`,
    android: bank.package ? `intent://${rest}#Intent;scheme=${bank.schema};package=${bank.package};end;` : null,
  };
}
