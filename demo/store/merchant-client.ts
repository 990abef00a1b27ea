/**
 * A merchant's client of the sg-checkout merchant API, as small as it can be: each call POSTs
 * JSON to `/api/v1/<method>` with the project name in `X-PARTNER-PROJECT` and, in
 * `X-PARTNER-SIGN`, base64 of an RSA PKCS#1 v1.5 SHA-256 signature of the exact bytes sent.
 */
import { createPrivateKey, sign } from 'node:crypto';

export type MerchantClientOptions = {
  /** The payment server's origin, such as http://localhost:3000. */
  apiUrl: string;
  project: string;
  privateKeyPem: string;
  fetch?: typeof fetch;
};

/** The server said no (`status: "error"`), or did not answer JSON at all. */
export class MerchantApiError extends Error {
  constructor(
    readonly httpStatus: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MerchantApiError';
  }
}

export type MerchantClient = ReturnType<typeof merchantClient>;

export function merchantClient(options: MerchantClientOptions) {
  const key = createPrivateKey(options.privateKeyPem);
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);

  /** Calls `method`; an `idempotencyKey` makes a retry of the same call answer the first result. */
  async function call<T = Record<string, unknown>>(method: string, body: unknown, opts: { idempotencyKey?: string } = {}): Promise<T> {
    const raw = JSON.stringify(body);
    const response = await fetchFn(`${options.apiUrl}/api/v1/${method}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-partner-project': options.project,
        'x-partner-sign': sign('sha256', Buffer.from(raw), key).toString('base64'),
        ...(opts.idempotencyKey ? { 'idempotency-key': opts.idempotencyKey } : {}),
      },
      body: raw,
    });
    const reply = (await response.json().catch(() => null)) as { status?: string; error?: { code: string; description: string } } | null;
    if (!response.ok || reply?.status !== 'ok') {
      throw new MerchantApiError(response.status, reply?.error?.code ?? 'http_error', `${method}: ${reply?.error?.description ?? `HTTP ${response.status}`}`);
    }
    return reply as T;
  }

  return { call };
}
