import { randomBytes } from 'node:crypto';

/** Id prefixes of design.md: the prefix tells a reader what an id names. */
export type IdPrefix = 'ps' | 'pm' | 'rf' | 'pl' | 'sub' | 'evt' | 'cus' | 'tok' | 'pt';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** A new random id `<prefix>_<20 chars>` (about 103 bits of entropy, so ids cannot be guessed). */
export function newId(prefix: IdPrefix, length = 20): string {
  const bytes = randomBytes(length);
  let out = '';
  // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps every character equally likely.
  for (let i = 0; out.length < length; i++) {
    const byte = i < bytes.length ? bytes[i]! : randomBytes(1)[0]!;
    if (byte < 252) out += ALPHABET[byte % 36];
  }
  return `${prefix}_${out}`;
}
