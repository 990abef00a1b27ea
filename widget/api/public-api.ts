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

/** How often a subscription charges: every `count` units. */
export type SubscriptionPeriod = { unit: 'day' | 'week' | 'month' | 'year'; count: number };

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
  /** Who tokenises cards: this server's card frame, the rail's own card form (`cardForm()` opens it), or nobody (no card method). */
  card_form: 'server' | 'acquirer' | null;
  saved_card: { brand: string; last4: string } | null;
  /** Whether "remember this card" may be offered: the shop or Telegram vouched for the customer. */
  can_save_card: boolean;
  return_url: string | null;
  show_result: boolean;
  consent: { offer_url: string | null } | null;
  /**
   * The shop asks to keep the card for its later charges without the customer (a recurrent token):
   * the customer must agree to that before paying (`recurrent_consent`). Such a view lists only
   * methods that can recur, and offers no saved card nor "remember this card".
   */
  recurrent: boolean;
  /**
   * The session only binds the customer's bank account by FPS for the shop's later charges: its
   * amount is 0 and nothing is paid now (the payment succeeds with amount 0 once the bank binds it).
   * Comes with `recurrent`, `methods: ['fps']`, no subscription. Absent from older servers: false.
   */
  binding?: boolean;
  /** It checks a subscription's new card or account (1 ₽, refunded): success is "the method was saved", and the way back is to the subscription. */
  method_change?: boolean;
  /**
   * The subscription whose first payment this session is, or null: what it charges each period
   * (kopecks), how often, and when next if the customer pays now (ISO-8601 UTC). The widget shows
   * it by the total, so the customer sees before paying that it repeats. Comes with `recurrent`.
   * `trial`: this payment is a trial's (its days and price); the period's price is due at its end.
   */
  subscription: {
    amount_details: { amount: number; currency: string };
    period: SubscriptionPeriod;
    next_payment_at: string;
    trial?: { days: number; amount_details: { amount: number; currency: string } } | null;
  } | null;
  support: { phone?: string; email?: string; telegram?: string; url?: string } | null;
  expires_at: string;
  server_time: string;
  /** The server runs the sandbox acquirer: test cards and the sandbox bank, no real money (a "Test mode" badge). */
  sandbox: boolean;
  payment: {
    id: string;
    method: MethodId | 'recurrent';
    status: 'in_progress' | 'pending' | 'succeeded' | 'failed';
    customer_interaction?: CustomerInteraction;
    failure?: { code: string; description: string | null };
    /** The card it was paid with, as brand and last four digits only. */
    card?: { brand: string; last4: string };
    /** When it succeeded (ISO-8601 UTC). */
    paid_at?: string;
    /**
     * The outcome is being learned from the rail (its answer was lost or is slow): status is
     * `in_progress`, with no customer interaction, until the server's reconciler settles it.
     */
    checking?: true;
  } | null;
};

export type StartPayment = (
  /** `card`: the card as the rail's card form showed it (only for a token of that form). */
  | { method: 'card'; card_token: string; card?: ShownCard; remember_card?: boolean }
  | { method: 'saved_card' }
  | { method: 'fps' }
  | { method: 'sberpay'; channel: SberPayChannel; phone?: string }
) &
  Consents;

/** What the customer agreed to, sent with any start: the offer (`view.consent`) and the later charges (`view.recurrent`). */
export type Consents = { consent?: boolean; recurrent_consent?: boolean };

export type ShownCard = { brand: string; last4: string; expiry_month: number; expiry_year: number };

/** The rail's card form for this checkout: its page and the token to open it with. */
export type RailCardForm = { url: string; token: string };

export type Bank = { id: string; name: string; logo_url: string | null; ios_url: string; android_url: string | null };

export type Fetch = typeof fetch;

/**
 * A call that did not give a usable answer: an error of the server (its code), a network failure
 * or timeout (`network`, status 0), or an answer that is not the JSON it should be (`bad_response`).
 * The message is for developers (sg-error); the customer reads words chosen by the code.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** How long a call may take before the widget calls it a network failure; a long-poll gets its wait on top. */
export const REQUEST_TIMEOUT_MS = 15_000;

const isView = (v: unknown): v is SessionView => {
  const o = v as Partial<SessionView> | null;
  return !!o && typeof o.session_id === 'string' && typeof o.version === 'number' && Array.isArray(o.methods) && o.methods.length > 0 && !!o.amount_details;
};

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
    return this.request(this.url(query), { signal }, isView, since === undefined ? 0 : waitSeconds * 1000);
  }

  start(body: StartPayment): Promise<SessionView> {
    return this.post('/payments', body, isView);
  }

  /** Ends the attempt the customer walked away from (the 3-D Secure page closed). */
  abandon(paymentId: string): Promise<SessionView> {
    return this.post(`/payments/${encodeURIComponent(paymentId)}/abandon`, {}, isView);
  }

  /** Forgets the customer's saved card. */
  removeSavedCard(): Promise<SessionView> {
    return this.post('/saved-card/remove', {}, isView);
  }

  renew(): Promise<SessionView> {
    return this.post('/renew', {}, isView);
  }

  push(phone: string): Promise<unknown> {
    return this.post('/sberpay/push', { phone }, (b): b is unknown => !!b);
  }

  /** Opens the rail's card form for this checkout (view.card_form = acquirer). */
  cardForm(): Promise<RailCardForm> {
    return this.post('/card-form', {}, (b): b is RailCardForm => typeof (b as RailCardForm | null)?.url === 'string' && typeof (b as RailCardForm).token === 'string');
  }

  banks(): Promise<{ link: string; banks: Bank[] }> {
    return this.request(this.url('/banks'), {}, (b): b is { link: string; banks: Bank[] } => Array.isArray((b as { banks?: unknown } | null)?.banks));
  }

  private post<T>(path: string, body: unknown, valid: (b: unknown) => b is T): Promise<T> {
    // JSON as JSON: the server takes no other type. The CORS preflight this costs is cached (Access-Control-Max-Age).
    return this.request(this.url(path), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, valid);
  }

  /** One call: any answer that is not an ok one of the expected shape becomes an ApiFailure, never a crash further on. */
  private async request<T>(url: string, init: RequestInit, valid: (b: unknown) => b is T, extraMs = 0): Promise<T> {
    // One controller for both the caller's abort and the timeout: AbortSignal.any and .timeout are
    // too new for the Safari versions the widget supports (15.4+).
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS + extraMs);
    const abort = () => controller.abort();
    init.signal?.addEventListener('abort', abort);
    if (init.signal?.aborted) controller.abort();
    let res: Response;
    try {
      res = await this.fetchFn(url, { ...init, signal: controller.signal, credentials: 'omit' });
    } catch (error) {
      if (init.signal?.aborted) throw error; // the caller's own abort: not a failure
      throw new ApiFailure(0, 'network', error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
      init.signal?.removeEventListener('abort', abort);
    }
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: unknown; description?: unknown } } | undefined;
    const error = body?.error;
    if (!res.ok) {
      const code = typeof error?.code === 'string' ? error.code : `http_${res.status}`;
      throw new ApiFailure(res.status, code, typeof error?.description === 'string' ? error.description : `HTTP ${res.status} from ${url}`);
    }
    if (!valid(body)) throw new ApiFailure(res.status, 'bad_response', `the answer of ${url} is not the JSON the widget expects (is the api attribute the payment server?)`);
    return body;
  }
}
