/**
 * The rules of bank card numbers, whatever the rail: brands by prefix and length, Luhn, and the
 * validation of a card form. Pure functions; the PAN and CVC go in and never come out (only brand
 * and last4 do). The card iframe uses the same rules as the server.
 */

export const CARD_BRANDS = ['visa', 'mastercard', 'mir'] as const;
export type CardBrand = (typeof CARD_BRANDS)[number];

/** Card data as a customer types it into the form. */
export type CardInput = {
  number: string;
  expiry_month: number;
  expiry_year: number;
  cvc: string;
  holder?: string | null;
};

/** The only card data that may be stored, logged or sent in a webhook. */
export type ValidatedCard = {
  brand: CardBrand;
  last4: string;
  expiry_month: number;
  expiry_year: number;
  holder: string | null;
};

export type CardValidation =
  | { ok: true; card: ValidatedCard }
  | { ok: false; field: string; message: string };

type BrandRule = { brand: CardBrand; lengths: readonly [number, number]; matches: (pan: string) => boolean };

const prefixIn = (pan: string, digits: number, from: number, to: number): boolean => {
  const prefix = Number(pan.slice(0, digits));
  return prefix >= from && prefix <= to;
};

// Mir (2200–2204) is listed before Mastercard's 2-series (2221–2720); the ranges do not overlap,
// but keeping the narrower national range first makes that obvious.
const BRAND_RULES: readonly BrandRule[] = [
  { brand: 'mir', lengths: [16, 19], matches: (pan) => prefixIn(pan, 4, 2200, 2204) },
  { brand: 'visa', lengths: [13, 19], matches: (pan) => pan.startsWith('4') },
  {
    brand: 'mastercard',
    lengths: [16, 16],
    matches: (pan) => prefixIn(pan, 2, 51, 55) || prefixIn(pan, 4, 2221, 2720),
  },
];

const BRAND_NAMES: Record<CardBrand, string> = { visa: 'Visa', mastercard: 'Mastercard', mir: 'Mir' };

/** True when a string of digits passes the Luhn (mod 10) check; false for anything else. */
export function luhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The brand of a PAN (digits only) by its prefix and length, or null when no supported brand fits. */
export function cardBrand(pan: string): CardBrand | null {
  if (!/^\d+$/.test(pan)) return null;
  const rule = BRAND_RULES.find((r) => r.matches(pan));
  if (!rule) return null;
  const [min, max] = rule.lengths;
  return pan.length >= min && pan.length <= max ? rule.brand : null;
}

/**
 * The brand the first digits of a PAN point to, whatever its length so far: what a card field
 * shows as the customer types (cardBrand, which checks the length too, decides what is accepted).
 */
export function brandOfPrefix(digits: string): CardBrand | null {
  if (!/^\d+$/.test(digits)) return null;
  return BRAND_RULES.find((r) => r.matches(digits))?.brand ?? null;
}

/** Spaces and dashes are how people group card numbers; they carry no meaning. */
export const stripSeparators = (value: string): string => value.replace(/[\s-]/g, '');


/** Expiry years further out than this are typos (2205 for 2025), not real cards. */
const MAX_EXPIRY_YEARS_AHEAD = 50;
const HOLDER_MAX_LENGTH = 64;
const HOLDER_PATTERN = /^[A-Za-z][A-Za-z .'-]*$/;

const fail = (field: string, message: string): CardValidation => ({ ok: false, field, message });

/**
 * Checks a card form against the server clock `nowMs` (ms since epoch, UTC months) and returns
 * the storable card, or the first field at fault with a message that says how to fix it.
 */
export function validateCard(input: CardInput, nowMs: number): CardValidation {
  const numberResult = checkNumber(input.number);
  if (typeof numberResult !== 'string') return numberResult;
  const pan = numberResult;

  const expiry = checkExpiry(input.expiry_month, input.expiry_year, nowMs);
  if ('ok' in expiry) return expiry;

  if (typeof input.cvc !== 'string' || !/^\d{3}$/.test(input.cvc)) {
    return fail('card.cvc', cvcMessage(input.cvc));
  }

  const holder = checkHolder(input.holder);
  if (typeof holder === 'object' && holder !== null) return holder;

  const brand = cardBrand(pan) as CardBrand; // checkNumber has made sure a brand fits
  return {
    ok: true,
    card: { brand, last4: pan.slice(-4), ...expiry, holder },
  };
}

function checkNumber(raw: unknown): string | CardValidation {
  if (typeof raw !== 'string' || stripSeparators(raw) === '') {
    return fail('card.number', 'card.number is required: type the digits printed on the card');
  }
  const pan = stripSeparators(raw);
  if (!/^\d+$/.test(pan)) {
    return fail('card.number', 'card.number may contain only digits, spaces and dashes: remove the other characters');
  }
  if (pan.length < 13 || pan.length > 19) {
    return fail('card.number', `card.number has ${pan.length} digits, a card number has 13 to 19: re-type the number`);
  }
  if (!luhnValid(pan)) {
    return fail('card.number', 'card.number fails the Luhn check: re-type the number');
  }
  if (cardBrand(pan) === null) {
    const rule = BRAND_RULES.find((r) => r.matches(pan));
    if (rule) {
      const [min, max] = rule.lengths;
      const expected = min === max ? `${min}` : `${min} to ${max}`;
      return fail('card.number', `card.number has ${pan.length} digits, a ${BRAND_NAMES[rule.brand]} card has ${expected}: re-type the number`);
    }
    return fail('card.number', 'card.number is not a Visa, Mastercard or Mir card: pay with a card of one of these brands');
  }
  return pan;
}

function checkExpiry(
  month: unknown,
  year: unknown,
  nowMs: number,
): { expiry_month: number; expiry_year: number } | CardValidation {
  if (typeof month !== 'number' || !Number.isInteger(month) || month < 1 || month > 12) {
    return fail('card.expiry_month', 'card.expiry_month must be a whole number from 1 to 12: use the MM printed on the card');
  }
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 0 || (year > 99 && (year < 1000 || year > 9999))) {
    return fail('card.expiry_year', 'card.expiry_year must have 4 digits (or 2): use the YY printed on the card, e.g. 2030');
  }
  // Cards print a 2-digit year; every card that can still be valid expires in 20xx.
  const fullYear = year <= 99 ? 2000 + year : year;
  const now = new Date(nowMs);
  const nowYear = now.getUTCFullYear();
  // A card is valid through the last day of its expiry month, so that whole month is accepted.
  if (fullYear < nowYear) {
    return fail('card.expiry_year', `card.expiry_year ${fullYear} is in the past, the card has expired: use a card that is still valid`);
  }
  if (fullYear === nowYear && month < now.getUTCMonth() + 1) {
    return fail('card.expiry_month', `card.expiry_month ${month}/${fullYear} is in the past, the card has expired: use a card that is still valid`);
  }
  if (fullYear > nowYear + MAX_EXPIRY_YEARS_AHEAD) {
    return fail('card.expiry_year', `card.expiry_year ${fullYear} is too far ahead: check the year printed on the card`);
  }
  return { expiry_month: month, expiry_year: fullYear };
}

function cvcMessage(cvc: unknown): string {
  if (typeof cvc === 'string' && /^\d{4}$/.test(cvc)) {
    return 'card.cvc has 4 digits, Visa, Mastercard and Mir use 3: type the 3 digits on the back of the card';
  }
  return 'card.cvc must be 3 digits: type the code on the back of the card';
}

function checkHolder(raw: unknown): string | null | CardValidation {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string') {
    return fail('card.holder', 'card.holder must be text: type the name as printed on the card, or leave it out');
  }
  const holder = raw.trim().replace(/\s+/g, ' ');
  if (holder === '') return null;
  if (holder.length > HOLDER_MAX_LENGTH) {
    return fail('card.holder', `card.holder is longer than ${HOLDER_MAX_LENGTH} characters: type the name as printed on the card`);
  }
  if (!HOLDER_PATTERN.test(holder)) {
    return fail('card.holder', "card.holder may contain only latin letters, spaces, dots, hyphens and apostrophes: type the name as printed on the card");
  }
  return holder;
}
