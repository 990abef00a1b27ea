/**
 * The widget's client of the public API. Every call takes the `fetch` it is given, so tests
 * drive the widget with a fake network and a fake clock.
 */

export type MethodId = 'saved_card' | 'fps' | 'card' | 'sberpay';
export type SberPayChannel = 'app' | 'mobile_web' | 'web';

export type CustomerInteraction = {
  type: 'qr' | 'redirect';
  redirect: { url: string; method: 'GET' };
  expires_at: string;
};

/** The session as the server shows it to the customer (server/public-api/view.ts). */
export type SessionView = {
  session_id: string;
  version: number;
  status: 'created' | 'in_progress' | 'accepted' | 'cancelled' | 'error';
  close_reason: string | null;
  amount_details: { amount: number; currency: string };
  description: string | null;
  merchant: string;
  methods: MethodId[];
  saved_card: { brand: string; last4: string } | null;
  return_url: string | null;
  show_result: boolean;
  consent: { offer_url: string | null } | null;
  support: { phone?: string; email?: string; telegram?: string; url?: string } | null;
  expires_at: string;
  server_time: string;
  payment: {
    id: string;
    method: MethodId | 'recurrent';
    status: 'in_progress' | 'pending' | 'succeeded' | 'failed';
    customer_interaction?: CustomerInteraction;
    failure?: { code: string; description: string | null };
  } | null;
};

export type StartPayment =
  | { method: 'card'; card_token: string }
  | { method: 'saved_card' }
  | { method: 'fps' }
  | { method: 'sberpay'; channel: SberPayChannel; phone?: string };

export type Bank = { id: string; name: string; logo_url: string | null; ios_url: string; android_url: string | null };

export type Fetch = typeof fetch;

/** An answer of the server that is not ok: carries its message for the customer-facing error. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export class PublicApi {
  constructor(
    private readonly base: string,
    private readonly token: string,
    private readonly fetchFn: Fetch = (...args) => fetch(...args),
  ) {}

  private url(path = '') {
    return `${this.base}/public/v1/sessions/${encodeURIComponent(this.token)}${path}`;
  }

  /** The view; with `since`, a long-poll that answers when the version moves past it (≤ waitSeconds). */
  view(signal?: AbortSignal, since?: number, waitSeconds = 25): Promise<SessionView> {
    const query = since === undefined ? '' : `?version=${since}&wait=${waitSeconds}`;
    return this.request<SessionView>(this.url(query), { signal });
  }

  start(body: StartPayment): Promise<SessionView> {
    return this.post<SessionView>('/payments', body);
  }

  renew(): Promise<SessionView> {
    return this.post<SessionView>('/renew', {});
  }

  push(phone: string): Promise<unknown> {
    return this.post('/sberpay/push', { phone });
  }

  banks(): Promise<{ link: string; banks: Bank[] }> {
    return this.request(this.url('/banks'), {});
  }

  private post<T>(path: string, body: unknown): Promise<T> {
    // text/plain keeps the request "simple": no CORS preflight round trip before a payment.
    return this.request<T>(this.url(path), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(body) });
  }

  private async request<T>(url: string, init: RequestInit): Promise<T> {
    const res = await this.fetchFn(url, { ...init, credentials: 'omit' });
    const body = (await res.json().catch(() => null)) as { error?: { code: string; description: string } } | null;
    if (!res.ok) throw new ApiFailure(res.status, body?.error?.code ?? 'http_error', body?.error?.description ?? `HTTP ${res.status}`);
    return body as T;
  }
}
