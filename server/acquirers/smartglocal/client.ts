/**
 * The signed JSON client of a Smart Glocal-compatible upstream: `POST <url>/api/v1/<method>`
 * with `X-PARTNER-PROJECT`, `X-PARTNER-SIGN` (base64 RSA PKCS#1 v1.5 SHA-256 over the exact body
 * bytes) and an optional `Idempotency-Key`.
 *
 * Only two kinds of result come back: `ok` with the reply's body, or a definite refusal (an HTTP
 * 4xx with the documented error body). Anything else (a 5xx, a broken connection, the timeout or
 * the caller's signal, a body that is not the protocol's) throws `UpstreamOutcomeUnknown`: the
 * upstream may or may not have acted, and the gateway reconciles rather than guessing. Nothing
 * is logged here: bodies hold only tokens, but a log line is the wrong place for payments anyway.
 */
import type { KeyObject } from 'node:crypto';
import { partnerSign } from '../../webhooks/signature-headers';

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };
export type JsonObject = { [key: string]: Json | undefined };

export type UpstreamAnswer =
  | { ok: true; httpStatus: number; body: Record<string, unknown> }
  | { ok: false; httpStatus: number; code: string; description: string };

/** The upstream's answer is not known: it may have acted. Ask it again (`session/status`, or the same call with the same Idempotency-Key). */
export class UpstreamOutcomeUnknown extends Error {
  constructor(
    readonly method: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`smartglocal ${method}: ${reason}; the outcome is unknown, so the payment is reconciled through session/status`, options);
    this.name = 'UpstreamOutcomeUnknown';
  }
}

export type ClientOptions = {
  /** The upstream's origin. */
  url: string;
  project: string;
  privateKey: KeyObject;
  /** Each call's own bound; the caller's signal can end it sooner. */
  timeoutMs: number;
  fetch?: typeof fetch;
};

export type CallOptions = { signal: AbortSignal; idempotencyKey?: string };

/**
 * 4xx answers that are not a refusal of the request: 408 (it timed out on the way), 409 with the
 * key still running (the first call's outcome is still unknown), 429 (try again later). They are
 * thrown like a 5xx, so the caller asks again rather than recording a refusal.
 */
function isTransient(httpStatus: number, code: string): boolean {
  return httpStatus === 408 || httpStatus === 429 || (httpStatus === 409 && code === 'idempotency_key_in_progress');
}

export class SmartGlocalClient {
  private readonly fetch: typeof fetch;

  constructor(private readonly o: ClientOptions) {
    this.fetch = o.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Calls `method` (such as `session/status`) with `body`; see the module comment for what comes back. */
  async call(method: string, body: JsonObject, opts: CallOptions): Promise<UpstreamAnswer> {
    const bytes = encodeBody(body);
    const signature = await partnerSign(this.o.privateKey, bytes); // the same X-PARTNER-SIGN as this server's own webhooks
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-partner-project': this.o.project,
      'x-partner-sign': signature,
    };
    if (opts.idempotencyKey !== undefined) headers['idempotency-key'] = opts.idempotencyKey;
    const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(this.o.timeoutMs)]);
    let httpStatus: number;
    let text: string;
    try {
      const res = await this.fetch(`${this.o.url}/api/v1/${method}`, { method: 'POST', headers, body: bytes, signal, redirect: 'error' });
      httpStatus = res.status;
      text = await res.text();
    } catch (error) {
      const reason = opts.signal.aborted ? 'the call was aborted' : signal.aborted ? `no answer within ${this.o.timeoutMs} ms` : `the connection failed (${describe(error)})`;
      throw new UpstreamOutcomeUnknown(method, reason, { cause: error });
    }
    if (httpStatus >= 500) throw new UpstreamOutcomeUnknown(method, `the upstream answered HTTP ${httpStatus}`);
    const parsed = parseReply(text);
    if (httpStatus >= 200 && httpStatus < 300 && parsed?.status === 'ok') return { ok: true, httpStatus, body: parsed.body };
    if (httpStatus >= 400 && httpStatus < 500 && parsed?.status === 'error') {
      if (isTransient(httpStatus, parsed.code)) throw new UpstreamOutcomeUnknown(method, `the upstream answered HTTP ${httpStatus} ${parsed.code}`);
      return { ok: false, httpStatus, code: parsed.code, description: parsed.description };
    }
    throw new UpstreamOutcomeUnknown(method, `the upstream answered HTTP ${httpStatus} with a body that is not a Smart Glocal reply`);
  }
}

/**
 * The exact bytes sent for `body`: JSON with every object's keys sorted and undefined fields
 * left out, so the same request is always the same bytes, however it was put together. The
 * upstream compares a retry's body hash with the first's under one Idempotency-Key.
 */
export function encodeBody(body: JsonObject): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(canonicalJson(body));
}

export function canonicalJson(value: Json | undefined): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('a request body cannot hold a non-finite number');
    return JSON.stringify(value ?? null);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

type ParsedReply = { status: 'ok'; body: Record<string, unknown> } | { status: 'error'; code: string; description: string };

function parseReply(text: string): ParsedReply | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const body = value as Record<string, unknown>;
  if (body.status === 'ok') return { status: 'ok', body };
  const error = body.error as { code?: unknown; description?: unknown } | undefined;
  if (body.status === 'error' && error && typeof error.code === 'string') {
    return { status: 'error', code: error.code, description: typeof error.description === 'string' ? error.description : error.code };
  }
  return null;
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return String(cause);
}
