/**
 * The documented answers of an operation: its success and each error status it can send, every
 * error in the one shape `onError` answers (app.ts). The wording shared by the merchant and the
 * public API (a body over the cap, a rate limit, a failure of ours) is written here once.
 */
import type { z } from '@hono/zod-openapi';
import { errorReply } from '../merchant-api/schemas';
import { DEFAULT_RATE_LIMITS, type RateLimitName } from '../http/rate-limits';

/** Every error status an operation of this server can answer. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503;

type Header = { description: string; schema: { type: 'integer' | 'string' } };
type Response = { description: string; headers?: Record<string, Header>; content?: Record<string, { schema: z.ZodType }> };

const HEADERS: Partial<Record<ErrorStatus, Record<string, Header>>> = {
  405: { Allow: { description: 'The methods this path takes: `POST`.', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds until the limit lets the next request through.', schema: { type: 'integer' } } },
  503: { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } },
};

/** Any operation: every answer passes through `onError` and waits for the disk (durable-answers.ts). */
const SERVER_FAILURE =
  'internal_error: the server failed on this request (nothing was changed; safe to retry); storage_failure: what the request did could not be saved to disk (read the state before retrying)';

/** Any operation that reads or writes the database (several instances share it, and it can be away for a moment). */
const STORAGE_DOWN =
  'storage_unavailable: the database is unreachable for a moment, so nothing was done (retry after Retry-After); storage_outcome_unknown: the connection to it broke while a change was saved, so it may have taken effect (read the state, or retry with the same Idempotency-Key)';

/** The success of an operation, and each error it can answer with what it means here. 500 and 503 are added: any operation can send them. */
export function responses(ok: { status: 200 | 204; description: string; schema?: z.ZodType }, errors: Partial<Record<Exclude<ErrorStatus, 500 | 503>, string>>) {
  const all: Record<string, Response> = {
    [ok.status]: { description: ok.description, ...(ok.schema ? { content: { 'application/json': { schema: ok.schema } } } : {}) },
  };
  for (const [status, description] of [...Object.entries(errors), ['500', SERVER_FAILURE] as const, ['503', STORAGE_DOWN] as const]) {
    const headers = HEADERS[Number(status) as ErrorStatus];
    all[status] = { description, ...(headers ? { headers } : {}), content: { 'application/json': { schema: errorReply } } };
  }
  return all;
}

/** 413, naming the cap in bytes as the error does. */
export const tooLarge = (limitBytes: number) =>
  `body_too_large: the body is over ${limitBytes} bytes (${limitBytes / 1024} KiB), counted while it streams in (a chunked body too) and before it is parsed`;

export const NOT_JSON = 'unsupported_media_type: Content-Type is not application/json';

/** 429, naming each limit the operation counts with its default (all are set with SG_RATE_LIMITS). */
export function rateLimited(...names: RateLimitName[]): string {
  const each = names.map((name) => {
    const limit = DEFAULT_RATE_LIMITS[name];
    return limit ? `${name} (by default ${limit.max} per ${limit.windowMs / 60_000} min)` : name;
  });
  return `rate_limited: over ${each.join(', ')}; Retry-After says in how many seconds to try again. Limits are configured with SG_RATE_LIMITS`;
}
