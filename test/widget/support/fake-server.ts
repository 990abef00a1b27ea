/**
 * A fake of the server's public API (server/public-api/routes.ts) behind a `fetch` the widget is
 * given: the same paths, status codes, error bodies and view shape (server/public-api/view.ts),
 * long-polls that wait for a newer version, and a record of every call.
 */
import type { Bank, Fetch, MethodId, SessionView, StartPayment } from '../../../widget/api/public-api';

export const API = 'https://pay.example.test';
export const TOKEN = 'pt_4k2m9q1x7c0v8b3n5z6w';

const MINUTE_MS = 60_000;
let counter = 0;

/** An id like the server's `newId`: prefix, underscore, 20 of [0-9a-z]; unique within the test run. */
export function testId(prefix: 'ps' | 'pm' | 'tok'): string {
  counter += 1;
  return `${prefix}_${(Date.now().toString(36) + counter.toString(36).padStart(4, '0')).padStart(20, '0').slice(-20)}`;
}

/** CRC-16/CCITT-FALSE as 4 upper-case hex digits (server/sandbox/fps.ts). */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of new TextEncoder().encode(text)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** An NSPK id: `prefix` + 30 of [A-Z0-9], the same for the same seed. */
function nspkId(prefix: 'AD' | 'AB', seed: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let qrId = prefix;
  let x = seed * 7919 + 17;
  while (qrId.length < 32) {
    x = (x * 1103515245 + 12345) % 2147483648;
    qrId += alphabet[x % 36];
  }
  return qrId;
}

/** A dynamic NSPK link as the sandbox acquirer issues it: `AD` + 30 of [A-Z0-9], member 100000000111. */
export function fpsLink(amountMinor: number, seed = counter++): string {
  const unsigned = `https://qr.nspk.ru/${nspkId('AD', seed)}?type=02&bank=100000000111&sum=${amountMinor}&cur=RUB`;
  return `${unsigned}&crc=${crc16(unsigned)}`;
}

/** NSPK's link that only binds an account (server/sandbox/fps.ts `fpsBindingLink`, no amount): `AB` id, type 03, no sum. */
export function fpsBindingLink(seed = counter++): string {
  const unsigned = `https://sub.nspk.ru/${nspkId('AB', seed)}?type=03&bank=100000000111`;
  return `${unsigned}&crc=${crc16(unsigned)}`;
}

const hex32 = () => Array.from({ length: 32 }, (_, i) => ((counter * 31 + i * 7) % 16).toString(16)).join('');

/** A fresh session as the server shows it: 1 499,00 ₽, FPS first, no payment yet. */
export function sessionView(overrides: Partial<SessionView> = {}): SessionView {
  return {
    session_id: testId('ps'),
    version: 1,
    status: 'created',
    close_reason: null,
    amount_details: { amount: 149_900, currency: 'RUB' },
    description: 'Годовая подписка на канал',
    merchant: 'demo-shop',
    methods: ['fps', 'card', 'sberpay'],
    card_form: 'server',
    saved_card: null,
    can_save_card: false,
    return_url: 'https://shop.example.test/thanks',
    show_result: true,
    consent: null,
    recurrent: false,
    subscription: null,
    support: null,
    expires_at: new Date(Date.now() + 60 * MINUTE_MS).toISOString(),
    server_time: new Date().toISOString(),
    sandbox: false,
    payment: null,
    ...overrides,
  };
}

type Payment = NonNullable<SessionView['payment']>;

/** A payment waiting for the customer: the QR or deep link the acquirer would issue. */
export function waitingPayment(
  method: MethodId,
  view: SessionView,
  { channel = 'web', lifetimeMs = 5 * MINUTE_MS, serverNowMs = Date.now() }: { channel?: 'web' | 'mobile_web' | 'app'; lifetimeMs?: number; serverNowMs?: number } = {},
): Payment {
  const expires_at = new Date(serverNowMs + lifetimeMs).toISOString();
  const id = testId('pm');
  if (method === 'fps') {
    const url = view.binding ? fpsBindingLink() : fpsLink(view.amount_details.amount);
    return { id, method, status: 'in_progress', customer_interaction: { type: 'qr', redirect: { url, method: 'GET' }, expires_at } };
  }
  if (method === 'sberpay') {
    const url = channel === 'web' ? `${API}/sandbox/sberpay/${hex32()}` : `sberpay://invoicing/v2?bankInvoiceId=${hex32()}&operationType=Web2App`;
    return { id, method, status: 'in_progress', customer_interaction: { type: channel === 'web' ? 'qr' : 'redirect', redirect: { url, method: 'GET' }, expires_at } };
  }
  return { id, method, status: 'in_progress', customer_interaction: { type: 'redirect', redirect: { url: `${API}/sandbox/3ds/${id}`, method: 'GET' }, expires_at } };
}

export const succeeded = (payment: Payment, paidAt = new Date().toISOString()): Payment => ({
  id: payment.id,
  method: payment.method,
  status: 'succeeded',
  paid_at: paidAt,
  ...(payment.method === 'card' || payment.method === 'saved_card' ? { card: { brand: 'visa', last4: '4242' } } : {}),
});
/** The same payment while the server learns its outcome from the rail: no interaction left to show. */
export const checking = (payment: Payment): Payment => ({ id: payment.id, method: payment.method, status: 'in_progress', checking: true });
export const failed = (payment: Payment, code = 'declined_by_customer', description = 'The customer declined the payment in the bank app'): Payment => ({
  id: payment.id,
  method: payment.method,
  status: 'failed',
  failure: { code, description },
});

export const BANKS: Bank[] = [
  { id: '100000000111', name: 'Сбербанк', logo_url: null, ios_url: '', android_url: '' },
  { id: '100000000004', name: 'Т-Банк', logo_url: null, ios_url: '', android_url: '' },
  { id: '100000000008', name: 'Альфа-Банк', logo_url: null, ios_url: '', android_url: '' },
  { id: '100000000174', name: 'КБ Пойдём!', logo_url: null, ios_url: '', android_url: null },
];

/** The banks with deep links to `link`, as `/banks` builds them (server/sandbox/fps.ts `bankDeepLinks`). */
export function banksFor(link: string, banks = BANKS): Bank[] {
  const rest = link.slice('https://'.length);
  const packages: Record<string, string> = { '100000000111': 'ru.sberbankmobile', '100000000004': 'com.idamob.tinkoff.android', '100000000008': 'ru.alfabank.mobile.android' };
  return banks.map((b) => ({
    ...b,
    ios_url: `bank${b.id}://${rest}`,
    android_url: packages[b.id] ? `intent://${rest}#Intent;scheme=bank${b.id};package=${packages[b.id]};end;` : null,
  }));
}

/** The rail's own card form (an upstream's card frame) and the token it is opened with. */
export const RAIL_FORM = 'https://rail.example.test/widget/card-frame.html';
export const RAIL_FORM_TOKEN = 'pt_rail';

export type Call = { method: string; path: string; query: URLSearchParams; body: unknown };
type Reply = SessionView | Response | Promise<SessionView | Response>;

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
export const apiError = (status: number, code: string, description: string) => json({ error: { code, description } }, status);

/**
 * The fake server. `view` is the session; `update()` changes it (a new version) and answers the
 * long-polls waiting for that. Handlers for starting a payment and for renewing can be replaced.
 */
export class FakeServer {
  view: SessionView;
  calls: Call[] = [];
  /** The server's clock minus the page's: the widget must count down on the server's. */
  serverOffsetMs = 0;
  token = TOKEN;
  /** What `POST /payments` answers; by default what the sandbox does (a QR, a deep link, a success). */
  onStart: (body: StartPayment, server: FakeServer) => Reply = defaultStart;
  onRenew: (server: FakeServer) => Reply = defaultRenew;
  /** What `POST /payments/:id/abandon` answers; by default what the server does (the attempt fails as abandoned). */
  onAbandon: (paymentId: string, server: FakeServer) => Reply = defaultAbandon;
  onBanks: (server: FakeServer) => Response | Promise<Response> = (server) => {
    const link = server.view.payment?.method === 'fps' ? server.view.payment.customer_interaction?.redirect.url : undefined;
    return link ? json({ link, banks: banksFor(link) }) : apiError(409, 'invalid_state', 'no FPS payment is waiting: start one with method fps first');
  };
  /** What `POST /card-form` answers (view.card_form = acquirer): by default the rail's card form at RAIL_FORM. */
  onCardForm: (server: FakeServer) => Response | Promise<Response> = () => json({ url: RAIL_FORM, token: RAIL_FORM_TOKEN });
  /** When set, the first GET (no `version`) answers this instead of the view. */
  onLoad: ((server: FakeServer) => Response | Promise<Response>) | null = null;
  private waiters: Array<{ since: number; answer: () => void }> = [];

  constructor(view: SessionView = sessionView()) {
    this.view = view;
  }

  /** The session changed: a new version, and every long-poll waiting on an older one answers. */
  update(patch: Partial<SessionView>): SessionView {
    this.view = { ...this.view, ...patch, version: this.view.version + 1 };
    for (const w of this.waiters.splice(0)) w.answer();
    return this.view;
  }

  /** The long-polls time out: each answers with the current view, whatever its version. */
  releaseWaiters(): void {
    for (const w of this.waiters.splice(0)) w.answer();
  }

  get waiting(): number {
    return this.waiters.length;
  }

  callsTo(method: string, path: string): Call[] {
    return this.calls.filter((c) => c.method === method && c.path === path);
  }

  /** The server's clock, in ms. */
  now(): number {
    return Date.now() + this.serverOffsetMs;
  }

  reply(view: SessionView = this.view): Response {
    return json({ ...view, server_time: new Date(this.now()).toISOString() });
  }

  fetch: Fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const prefix = `/public/v1/sessions/${encodeURIComponent(this.token)}`;
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) || '/' : url.pathname;
    this.calls.push({ method, path, query: url.searchParams, body });
    if (url.origin !== API) return apiError(404, 'not_found', `no route ${method} ${url.pathname}`);
    if (!url.pathname.startsWith(prefix)) return apiError(404, 'not_found', 'this payment token is unknown: ask the shop for a new payment page');
    if (method === 'GET' && path === '/') return this.get(url.searchParams, init?.signal ?? undefined);
    if (method === 'POST' && path === '/payments') return this.answer(await this.onStart(body as StartPayment, this));
    if (method === 'POST' && path === '/renew') return this.answer(await this.onRenew(this));
    if (method === 'POST' && path === '/sberpay/push') return json({ status: 'ok' });
    const abandon = /^\/payments\/(pm_[0-9a-z]+)\/abandon$/.exec(path);
    if (method === 'POST' && abandon) return this.answer(await this.onAbandon(abandon[1]!, this));
    if (method === 'POST' && path === '/saved-card/remove') {
      if (!this.view.saved_card) return apiError(409, 'invalid_state', `session ${this.view.session_id} has no saved card to remove`);
      return this.reply(this.update({ saved_card: null, methods: this.view.methods.filter((m) => m !== 'saved_card') }));
    }
    if (method === 'GET' && path === '/banks') return this.onBanks(this);
    if (method === 'POST' && path === '/card-form') return this.onCardForm(this);
    return apiError(404, 'not_found', `no route ${method} ${url.pathname}`);
  };

  private answer(result: SessionView | Response): Response {
    return result instanceof Response ? result : this.reply(result);
  }

  private async get(query: URLSearchParams, signal: AbortSignal | undefined): Promise<Response> {
    if (!query.has('version') && this.onLoad) return this.onLoad(this);
    const since = Number(query.get('version') ?? NaN);
    const wait = Number(query.get('wait') ?? 0);
    const open = this.view.status === 'created' || this.view.status === 'in_progress';
    if (!(Number.isInteger(since) && this.view.version <= since && wait > 0 && open)) return this.reply();
    return new Promise<Response>((resolve, reject) => {
      const waiter = { since, answer: () => resolve(this.reply()) };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', () => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new DOMException('The operation was aborted.', 'AbortError'));
      });
    });
  }
}

function defaultStart(body: StartPayment, server: FakeServer): Reply {
  const view = server.view;
  if (view.consent && body.consent !== true) {
    return apiError(400, 'invalid_request', 'the customer must accept the offer first: tick the consent box, then pay');
  }
  if (view.recurrent && body.recurrent_consent !== true) {
    return apiError(400, 'invalid_request', "the customer must agree to the shop's later charges first: tick that box, then pay");
  }
  if (body.method === 'card' || body.method === 'saved_card') {
    const payment = succeeded(waitingPayment(body.method, view));
    return server.update({ status: 'accepted', payment });
  }
  const channel = body.method === 'sberpay' ? body.channel : 'web';
  return server.update({ status: 'in_progress', payment: waitingPayment(body.method, view, { channel, serverNowMs: server.now() }) });
}

function defaultAbandon(paymentId: string, server: FakeServer): Reply {
  const p = server.view.payment;
  if (!p || p.id !== paymentId || p.status !== 'in_progress') return apiError(409, 'invalid_state', `payment ${paymentId} is not the one waiting for the customer`);
  return server.update({ status: 'created', payment: failed(p, 'abandoned', 'The customer closed the 3-D Secure page') });
}

function defaultRenew(server: FakeServer): Reply {
  const p = server.view.payment;
  if (!p || p.status !== 'in_progress' || !p.customer_interaction) {
    return apiError(409, 'invalid_state', 'the payment waits for no customer action');
  }
  const fresh = waitingPayment(p.method as MethodId, server.view, { serverNowMs: server.now() });
  return server.update({ payment: { ...p, customer_interaction: fresh.customer_interaction! } });
}
