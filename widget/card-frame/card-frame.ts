/**
 * The card form inside the iframe that the payment server serves. Plain DOM, no framework: it
 * must stay tiny and load fast, and it runs under Trusted Types (no markup strings). The card
 * number and CVC exist only here and in the one POST to the server that turns them into a
 * `tok_`; the merchant page only ever receives the token, the brand, last4 and the expiry.
 *
 * The query carries the session's public `token` (the server frames this page only inside that
 * session's project's origins, so the token it checked is the one used here); the hash carries
 * `origin` (the host page's), `locale`, `theme` and, after a failed payment, `expiry` ('MM/YY') to
 * keep what the customer typed: never the number or the CVC.
 */
import { brandOfPrefix, cardBrand, luhnValid } from '../../server/cards/card-rules';
import { CARD_FRAME_SOURCE, type FrameMessage, type HostMessage } from '../card/frame-protocol';
import { markElement } from '../marks/mark-dom';
import { FRAME_TEXT, serverRefusal } from './frame-text';

const params = new URLSearchParams(location.hash.slice(1));
const token = new URLSearchParams(location.search).get('token') ?? '';
const parentOrigin = params.get('origin') ?? '';
const locale = params.get('locale') === 'en' ? 'en' : 'ru';
const t = FRAME_TEXT[locale];
document.documentElement.lang = locale;
document.documentElement.dataset.theme = params.get('theme') === 'dark' ? 'dark' : 'light';
document.title = t.title;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('card');
const number = $<HTMLInputElement>('number');
const expiry = $<HTMLInputElement>('expiry');
const cvc = $<HTMLInputElement>('cvc');
const brand = $<HTMLSpanElement>('brand');
type Field = 'number' | 'expiry' | 'cvc';
const FIELDS = [number, expiry, cvc];

for (const [id, text] of Object.entries(t.labels)) $(`${id}-label`).textContent = text;
expiry.placeholder = t.expiryPlaceholder;
/** The expiry the host passes back after a failed payment fills the (empty) field. */
function fillKeptExpiry(): void {
  const kept = new URLSearchParams(location.hash.slice(1)).get('expiry') ?? '';
  if (/^\d{2}\/\d{2}$/.test(kept) && !expiry.value) expiry.value = kept;
}
fillKeptExpiry();
// A host that keeps its frame changes only the hash: no reload, a hashchange.
window.addEventListener('hashchange', fillKeptExpiry);

const digits = (s: string) => s.replace(/\D/g, '');

function post(message: FrameMessage): void {
  if (parentOrigin) parent.postMessage(message, parentOrigin);
}

function showError(input: HTMLInputElement, message: string): void {
  const box = $(`${input.id}-error`);
  box.textContent = message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

/** The brand's mark in the number field, as typed (nothing while no brand fits). */
function showBrand(pan: string): void {
  const b = brandOfPrefix(pan);
  if (brand.dataset.brand === (b ?? '')) return;
  brand.dataset.brand = b ?? '';
  brand.replaceChildren(...(b ? [markElement(b)] : []));
}

/** Formats the number as typed and shows its brand; true when it looks complete. */
function formatNumber(): boolean {
  const d = digits(number.value).slice(0, 19);
  number.value = d.replace(/(\d{4})(?=\d)/g, '$1 ');
  showBrand(d);
  return d.length >= 16 && luhnValid(d);
}

/** Formats the expiry as MM/YY; true when it is complete. */
function formatExpiry(): boolean {
  const d = digits(expiry.value).slice(0, 4);
  expiry.value = d.length > 2 ? `${d.slice(0, 2)}/${d.slice(2)}` : d;
  return d.length === 4;
}

const formatCvc = () => (cvc.value = digits(cvc.value).slice(0, 3));

number.addEventListener('input', () => formatNumber() && expiry.focus());
expiry.addEventListener('input', () => formatExpiry() && cvc.focus());
cvc.addEventListener('input', formatCvc);
// What a quick customer typed before this script ran is formatted now (without moving the focus).
formatNumber();
formatExpiry();
formatCvc();

/** The first problem of each field, in the customer's language; empty when the field is fine. */
function check(): Record<Field, string> {
  const pan = digits(number.value);
  const [mm, yy] = expiry.value.split('/');
  const month = Number(mm);
  const year = 2000 + Number(yy);
  const now = new Date();
  const expired = year < now.getFullYear() || (year === now.getFullYear() && month < now.getMonth() + 1);
  return {
    number: !pan ? t.required : !cardBrand(pan) ? t.unsupported : !luhnValid(pan) ? t.luhn : '',
    expiry: !/^\d{2}\/\d{2}$/.test(expiry.value) || month < 1 || month > 12 ? t.expiryFormat : expired ? t.expired : '',
    cvc: /^\d{3}$/.test(cvc.value) ? '' : t.cvc,
  };
}

for (const input of FIELDS) {
  input.addEventListener('blur', () => {
    if (input.value) showError(input, check()[input.id as Field]);
  });
}

type CardAnswer = { token?: string; brand?: string; last4?: string; error?: { code?: string; field?: string } };

async function submit(): Promise<void> {
  const errors = check();
  for (const input of FIELDS) showError(input, errors[input.id as Field]);
  $('form-error').textContent = '';
  const firstBad = FIELDS.find((i) => errors[i.id as Field]);
  if (firstBad) {
    firstBad.focus();
    return post({ source: CARD_FRAME_SOURCE, type: 'invalid', message: errors[firstBad.id as Field] });
  }
  const [mm, yy] = expiry.value.split('/');
  const res = await fetch(`/public/v1/sessions/${encodeURIComponent(token)}/cards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ number: digits(number.value), expiry_month: Number(mm), expiry_year: 2000 + Number(yy), cvc: cvc.value }),
  }).catch(() => null);
  const body = (await res?.json().catch(() => null)) as CardAnswer | null;
  if (!res?.ok || !body?.token) {
    // The server's description is for developers: the customer reads words mapped from its code.
    const refusal = res ? serverRefusal(t, body?.error?.code, body?.error?.field) : { field: null, message: t.network };
    const input = FIELDS.find((i) => i.id === refusal.field);
    if (input) {
      showError(input, refusal.message);
      input.focus();
    } else {
      $('form-error').textContent = refusal.message;
    }
    return post({ source: CARD_FRAME_SOURCE, type: 'invalid', message: refusal.message });
  }
  const kept = expiry.value;
  // The fields are cleared at once: nothing of the card stays in this page after tokenisation.
  form.reset();
  showBrand('');
  post({ source: CARD_FRAME_SOURCE, type: 'tokenized', token: body.token, brand: body.brand!, last4: body.last4!, expiry: kept });
}

// Enter in a field: the host decides (its Pay button's path: consent, progress, then 'submit').
form.addEventListener('submit', (e) => {
  e.preventDefault();
  post({ source: CARD_FRAME_SOURCE, type: 'submit-request' });
});

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  if (event.origin !== parentOrigin || event.source !== parent) return;
  if (event.data?.source === CARD_FRAME_SOURCE && event.data.type === 'submit') void submit();
});

new ResizeObserver(() => post({ source: CARD_FRAME_SOURCE, type: 'resize', height: document.documentElement.scrollHeight })).observe(document.body);
