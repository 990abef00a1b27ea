import { randomFillSync } from 'node:crypto';

/** Id prefixes of design.md: the prefix tells a reader what an id names. */
export type IdPrefix = 'ps' | 'pm' | 'rf' | 'pl' | 'sub' | 'evt' | 'cus' | 'tok' | 'bnd' | 'pt';

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

function randomChars(count: number): string {
  let out = '';
  while (out.length < count) {
    // 252 is the largest multiple of 36 below 256: rejecting bytes above it keeps every character equally likely.
    const byte = randomByte();
    if (byte < 252) out += ALPHABET[byte % 36];
  }
  return out;
}

const ID_LENGTH = 20;
const TIME_CHARS = 9; // base 36 milliseconds: 9 characters last until the year 5188

/**
 * A new row id `<prefix>_<20 chars>`: 9 characters of the creation time (base 36 milliseconds)
 * then 11 random ones (57 bits). Ids sort by creation, so each new row lands at the end of its
 * table's primary-key index: a batch of inserts dirties a few pages instead of one page per row,
 * which is most of what a durable write costs. For ids that grant nothing by themselves: every
 * call on a session is signed by its project or scoped by a public token.
 */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${Date.now().toString(36).padStart(TIME_CHARS, '0')}${randomChars(ID_LENGTH - TIME_CHARS)}`;
}

/**
 * An id that opens something by itself, all 20 characters random (about 103 bits): a card token,
 * and a payment id, which alone opens the payment's receipt page and its sandbox bank page.
 */
export function newSecretId(prefix: IdPrefix): string {
  return `${prefix}_${randomChars(ID_LENGTH)}`;
}
