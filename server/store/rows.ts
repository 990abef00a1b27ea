/**
 * The rows of the store, as both implementations (SQLite and PostgreSQL) read and write them:
 * column names as in the schema, money in integer kopecks, times in milliseconds since the epoch.
 */
import type { Confirmation, PaymentMethod, PaymentStage, RailOp, PaymentStatus, SessionStatus } from '../domain/types';

export type Project = {
  name: string;
  publicKeyPem: string;
  webhookUrl: string;
  webhookSecret: string;
  origins: string[];
  confirmation: Confirmation;
  confirmWindowMinutes: number;
  fpsQrLifetimeMinutes: number;
  /** How its webhooks are signed: Standard Webhooks (`whsec_`), or Smart Glocal's X-PARTNER-SIGN with the server's key. */
  webhookSigning: WebhookSigning;
  createdAt: number;
} & ProjectBranding;

export type WebhookSigning = 'standard' | 'smartglocal';

/** How the shop's support can be reached; each optional. */
export type SupportContacts = { email?: string; phone?: string; telegram?: string; url?: string };

/** What a customer sees of the shop on the hosted pages. */
export type ProjectBranding = {
  /** The shop's name for customers; null: the project's name is shown. */
  displayName: string | null;
  /** An https URL of the shop's logo, or null. */
  logoUrl: string | null;
  /** The language of every page the customer reads; null: the customer's own. */
  locale: 'ru' | 'en' | null;
  support: SupportContacts;
};

/** A project to insert: the branding may be left out (none yet). */
export type NewProject = Omit<Project, keyof ProjectBranding | 'webhookSigning'> & Partial<ProjectBranding> & { webhookSigning?: WebhookSigning };


export type ProjectRow = {
  name: string;
  public_key_pem: string;
  webhook_url: string;
  webhook_secret: string;
  origins_json: string;
  confirmation: Confirmation;
  confirm_window_minutes: number;
  fps_qr_lifetime_minutes: number;
  webhook_signing: WebhookSigning;
  created_at: number;
  display_name: string | null;
  logo_url: string | null;
  locale: 'ru' | 'en' | null;
  support_json: string;
};

export const projectFromRow = (r: ProjectRow): Project => ({
  name: r.name,
  publicKeyPem: r.public_key_pem,
  webhookUrl: r.webhook_url,
  webhookSecret: r.webhook_secret,
  origins: JSON.parse(r.origins_json) as string[],
  confirmation: r.confirmation,
  confirmWindowMinutes: r.confirm_window_minutes,
  fpsQrLifetimeMinutes: r.fps_qr_lifetime_minutes,
  webhookSigning: r.webhook_signing,
  createdAt: r.created_at,
  displayName: r.display_name,
  logoUrl: r.logo_url,
  locale: r.locale,
  support: JSON.parse(r.support_json) as SupportContacts,
});

export const projectParams = (p: Project) => ({ ...p, originsJson: JSON.stringify(p.origins), supportJson: JSON.stringify(p.support) });

/** What a session carries besides its state: echoed back to the merchant as given. */
export type SessionData = {
  description?: string;
  metadata?: unknown;
  /** `verified: false`: the reference is the customer's own claim (a payment link's typed field). */
  customer?: { reference?: string; email?: string; phone?: string; verified?: boolean };
  payment_options?: { return_url?: string; recurrent?: boolean; [k: string]: unknown };
  [k: string]: unknown;
};

export type SessionRow = {
  id: string;
  project: string;
  status: SessionStatus;
  version: number;
  amount: number;
  currency: string;
  confirmation: Confirmation;
  customer_reference: string | null;
  webhook_url: string | null;
  failed_attempts: number;
  close_reason: string | null;
  data_json: string;
  expires_at: number;
  created_at: number;
  updated_at: number;
  /** The payment link the session was opened from, if any. */
  link_id: string | null;
  /** Asked before every charge (Telegram's pre-checkout rule); null: no check. */
  order_check_url: string | null;
};

export type PaymentRow = {
  id: string;
  session_id: string;
  status: PaymentStatus;
  method: PaymentMethod;
  stage: PaymentStage;
  amount: number;
  currency: string;
  refunded_amount: number;
  card_token: string | null;
  /** The rail's own reference: the sandbox's QR or invoice id, an upstream's session id. */
  rail_ref: string | null;
  details_json: string;
  /** The last call made to the rail for this payment; with `reconcile_at`, one whose outcome is still to learn. */
  rail_op: RailOp | null;
  /** When the reconciler next asks the rail about `rail_op` (null: nothing to learn). Also the lease of a call under way. */
  reconcile_at: number | null;
  /** How many times the reconciler has asked, for its backoff. */
  rail_checks: number;
  /** What the rail said to show the customer (a CustomerInteraction as JSON), while they are to act. */
  interaction_json: string | null;
  failure_code: string | null;
  failure_description: string | null;
  action_expires_at: number | null;
  confirm_expires_at: number | null;
  created_at: number;
  updated_at: number;
};

export type { RailOp } from '../domain/types';

export type RefundRow = {
  id: string;
  payment_id: string;
  amount: number;
  currency: string;
  /** pending until the rail reports it; a failed refund gives its amount back to what may be refunded. */
  status: 'pending' | 'succeeded' | 'failed';
  failure_code: string | null;
  failure_description: string | null;
  reconcile_at: number | null;
  rail_checks: number;
  created_at: number;
  updated_at: number;
};

/**
 * The sandbox rail's own record of a payment: what a remote acquirer would keep on its side,
 * keyed by the gateway's payment id (the idempotency key of `start`).
 */
export type SandboxRailPaymentRow = {
  payment_id: string;
  method: PaymentMethod;
  status: 'awaiting_customer' | 'authorized' | 'captured' | 'declined' | 'voided';
  amount: number;
  currency: string;
  refunded_amount: number;
  card_token: string | null;
  /** The QR id or the SberPay invoice id the customer's bank app knows it by. */
  ref: string | null;
  /** 1: the customer's approval takes the money at once; 0: it is held for capture. */
  capture_on_approval: number;
  decline_code: string | null;
  decline_description: string | null;
  /** The interaction the rail returned (JSON), while it waits for the customer. */
  interaction_json: string | null;
  expires_at: number | null;
  /** 1: an FPS payment that also binds the customer's account (the link is NSPK's binding link); its binding is under `ref`. */
  binds: number;
  created_at: number;
  updated_at: number;
};

/** A binding the sandbox bank keeps, as NSPK keeps a subscription: charged without the customer while active. */
export type SandboxRailBindingRow = {
  /** The binding link's id (NSPK's subscription id), which the gateway knows it by. */
  ref: string;
  /** The payment whose approval made it. */
  payment_id: string;
  /** The customer's bank (its FPS member id), where they can revoke it. */
  bank_id: string;
  status: 'active' | 'revoked';
  created_at: number;
  revoked_at: number | null;
};

export type SandboxRailRefundRow = { refund_id: string; payment_id: string; amount: number; status: 'succeeded' | 'failed'; created_at: number };

/** A tokenised card: everything the sandbox keeps of it. Never the PAN or the CVC. */
export type CardTokenRow = {
  id: string;
  project: string;
  session_id: string | null;
  brand: string;
  last4: string;
  expiry_month: number;
  expiry_year: number;
  holder: string | null;
  /** What the sandbox issuer does with this card; `rail` for a token of a rail's own card form, whose issuer decides. */
  scenario: string;
  recurrent: number;
  /** When it became a recurrent token (its first payment, made with payment_options.recurrent, succeeded). */
  recurrent_at: number | null;
  used_at: number | null;
  disabled_at: number | null;
  created_at: number;
};

/**
 * An FPS account binding: the customer agreed in their bank app that the shop may charge their
 * account later (NSPK's subscription), which makes a recurrent token of type faster_payment_system.
 */
export type FpsBindingRow = {
  /** `bnd_…`: the recurrent token the merchant charges with. */
  id: string;
  project: string;
  session_id: string;
  /** The payment that bound it. */
  payment_id: string;
  /** The rail's id of the binding. */
  rail_ref: string;
  /** The customer's bank (FPS member id and name), as the rail reported it. */
  bank_id: string | null;
  bank_name: string | null;
  disabled_at: number | null;
  /** Who ended it: the merchant (recurrent/disable) or the customer at their bank. */
  disabled_by: 'merchant' | 'bank' | null;
  created_at: number;
};

export type WebhookEventRow = {
  id: string;
  project: string;
  session_id: string | null;
  type: string;
  url: string;
  payload_json: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number | null;
  first_attempt_at: number | null;
  last_response_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
  /** Which sender holds the event until when (null: none); see OutboxTable.claimDue. */
  lease_owner: string | null;
  lease_until: number | null;
};

export type WebhookAttemptRow = {
  event_id: string;
  attempt: number;
  at: number;
  response_status: number | null;
  error: string | null;
  duration_ms: number;
};

export type StoredResponse = { method: string; bodySha256: string; status: number; json: string };

/** A subscription's state (server/subscriptions/): pending until its first payment succeeds. */
export type SubscriptionStatus = 'pending' | 'active' | 'past_due' | 'cancelled';
export type PeriodUnit = 'day' | 'week' | 'month' | 'year';

/**
 * A subscription (`sub_…`): the server charges `amount` every `period_count` × `period_unit` with
 * the recurrent card token its first payment made. Times are epoch ms. `next_charge_at` is when
 * the scheduler acts next (the period's end, or a retry after a failed charge); null while a
 * charge is out (`charge_session_id`), while pending, and once cancelled.
 */
export type SubscriptionRow = {
  id: string;
  project: string;
  status: SubscriptionStatus;
  /** The customer as the merchant gave it: {reference, email?, phone?}, JSON. */
  customer_json: string;
  amount: number;
  currency: string;
  period_unit: PeriodUnit;
  period_count: number;
  description: string | null;
  return_url: string | null;
  /** The recurrent card token, once the first payment made one (or null: see binding_id). */
  card_token: string | null;
  /** The FPS account binding, once a first payment by FPS made one. */
  binding_id: string | null;
  /** A trial: its length; the first payment is then `trial_amount`, and the periods are counted from the trial's end. */
  trial_days: number | null;
  trial_amount: number | null;
  /** The session of the first payment (the widget's or the hosted page's). */
  first_session_id: string;
  /** When the first payment succeeded: every period is counted from it (see subscriptions/schedule.ts). */
  started_at: number | null;
  /** When the period paid last ends: the next charge is due then. */
  current_period_end: number | null;
  next_charge_at: number | null;
  /** The session of the charge under way, or null. */
  charge_session_id: string | null;
  /** How many periods were paid, the first included. */
  periods_paid: number;
  /** Failed charges for the period now due (reset when one succeeds). */
  failed_attempts: number;
  /** 1: ends when the period paid last ends, with no further charge (the merchant or the customer asked). */
  cancel_at_period_end: number;
  cancelled_at: number | null;
  cancel_reason: string | null;
  /** SHA-256 (hex) of the customer page's token (`/s/:token`); the token itself is never stored. */
  page_token_hash: string;
  version: number;
  created_at: number;
  updated_at: number;
};

/** One charge of a subscription: a session of its own. (subscription_id, period, attempt) is unique: a period's attempt is charged once. */
export type SubscriptionChargeRow = { session_id: string; subscription_id: string; period: number; attempt: number; created_at: number };

export type LinkRow = { id: string; project: string; data_json: string; disabled_at: number | null; created_at: number };

export type SandboxPush = { id: number; payment_id: string; phone: string; text: string; created_at: number };
