import { randomFillSync } from 'node:crypto';

/** Id prefixes of design.md: the prefix tells a reader what an id names. */
export type IdPrefix = 'ps' | 'pm' | 'rf' | 'pl' | 'sub' | 'evt' | 'cus' | 'tok' | 'pt';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Random bytes are drawn from the OS in blocks: one system call per block, not one per id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++]!;
}

/** A new random id `<prefix>_<20 chars>` (about 103 bits of entropy, so ids cannot be guessed). */
export function newId(prefix: IdPrefix, length = 20): string {
  let out = '';
  while (out.length < length) {
    // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps every character equally likely.
    const byte = randomByte();
    if (byte < 252) out += ALPHABET[byte % 36];
  }
  return `${prefix}_${out}`;
}
