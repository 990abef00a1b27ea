/**
 * `Idempotency-Key`: the first successful answer to a key is stored in the same transaction as
 * the change it made (the caller runs this inside that transaction), so a retry can never repeat
 * a change whose answer was lost. The same key with the same method and body answers the stored
 * reply; with anything else, 422. The transaction holds the key while it runs (a lock on
 * PostgreSQL; SQLite runs one transaction at a time): a duplicate arriving meanwhile on another
 * instance is answered 409 "in progress", and the stored reply once the first has committed.
 * Exactly one of them makes the change. Duplicates on the same instance take turns before their
 * transactions (`KeyTurns`), so they get the stored reply rather than a 409.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../errors';
import type { Tx } from '../store/port';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** Keys are remembered for a day (Stripe's window): long enough for any retry loop. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export type Reply = { status: 200; body: object };

/**
 * Requests of one project with one Idempotency-Key take turns on this instance: each opens its
 * transaction once the one before has ended, and so replays its stored answer. Without this, on
 * PostgreSQL (whose transactions run side by side) a merchant's retry that overtook its own
 * first call on the same instance would be refused 409 as if another instance held the key.
 * The wait is outside the transaction: a body must not wait for anything but the database.
 */
export class KeyTurns {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(project: string, key: string | undefined, fn: () => Promise<T>): Promise<T> {
    if (key === undefined) return fn();
    const id = `${project}\n${key}`;
    const result = (this.tails.get(id) ?? Promise.resolve()).then(fn);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(id, tail);
    void tail.then(() => {
      if (this.tails.get(id) === tail) this.tails.delete(id);
    });
    return result;
  }
}

export async function runIdempotent(
  tx: Tx,
  req: { project: string; method: string; key: string | undefined; rawBody: Uint8Array; now: number },
  run: () => Promise<Reply>,
): Promise<Reply & { replayed: boolean }> {
  if (req.key === undefined) return { ...(await run()), replayed: false };
  const key = req.key;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ApiError(400, 'invalid_request', `Idempotency-Key must be 1–${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters without spaces, such as a UUID`, 'Idempotency-Key');
  }
  const bodySha256 = createHash('sha256').update(req.rawBody).digest('hex');
  if (!(await tx.idempotency.hold(req.project, key))) {
    throw new ApiError(409, 'idempotency_key_in_progress', `a request with Idempotency-Key "${key}" is still running: retry in a moment to get its answer`);
  }
  const stored = await tx.idempotency.get(req.project, key);
  if (stored) {
    if (stored.method !== req.method || stored.bodySha256 !== bodySha256) {
      throw new ApiError(
        422,
        'idempotency_key_reused',
        `Idempotency-Key "${key}" was already used for a different request${stored.method !== req.method ? ` (${stored.method})` : ''}: use a new key for a new request`,
      );
    }
    return { status: 200 as const, body: JSON.parse(stored.json) as object, replayed: true };
  }
  const reply = await run();
  await tx.idempotency.insert(req.project, key, { method: req.method, bodySha256, status: reply.status, json: JSON.stringify(reply.body) }, req.now);
  return { ...reply, replayed: false };
}
