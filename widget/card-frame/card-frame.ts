/**
 * The card form inside the iframe that the payment server serves. Plain DOM, no framework: it
 * must stay tiny and load fast. The card number and CVC exist only here and in the one POST to
 * the server that turns them into a `tok_`; the merchant page only ever receives the token.
 */
import { cardBrand, luhnValid } from '../../server/sandbox/cards';
import { CARD_FRAME_SOURCE, type FrameMessage, type HostMessage } from '../card/frame-protocol';
import { FRAME_TEXT } from './frame-text';

const params = new URLSearchParams(location.hash.slice(1));
const token = params.get('token') ?? '';
const parentOrigin = params.get('origin') ?? '';
const t = FRAME_TEXT[params.get('locale') === 'en' ? 'en' : 'ru'];
document.documentElement.lang = params.get('locale') === 'en' ? 'en' : 'ru';
document.documentElement.dataset.theme = params.get('theme') === 'dark' ? 'dark' : 'light';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('card');
const number = $<HTMLInputElement>('number');
const expiry = $<HTMLInputElement>('expiry');
const cvc = $<HTMLInputElement>('cvc');
const brand = $<HTMLSpanElement>('brand');

for (const [id, text] of Object.entries(t.labels)) $(`${id}-label`).textContent = text;
expiry.placeholder = t.expiryPlaceholder;

const digits = (s: string) => s.replace(/\D/g, '');
const BRAND_NAMES: Record<string, string> = { visa: 'VISA', mastercard: 'Mastercard', mir: 'МИР' };

function post(message: FrameMessage): void {
  if (parentOrigin) parent.postMessage(message, parentOrigin);
}

function showError(input: HTMLInputElement, message: string): void {
  const box = $(`${input.id}-error`);
  box.textContent = message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

number.addEventListener('input', () => {
  const d = digits(number.value).slice(0, 19);
  number.value = d.replace(/(\d{4})(?=\d)/g, '$1 ');
  const b = cardBrand(d);
  brand.textContent = b ? BRAND_NAMES[b]! : '';
  if (d.length >= 16 && luhnValid(d)) expiry.focus();
});

expiry.addEventListener('input', () => {
  const d = digits(expiry.value).slice(0, 4);
  expiry.value = d.length > 2 ? `${d.slice(0, 2)}/${d.slice(2)}` : d;
  if (d.length === 4) cvc.focus();
});

cvc.addEventListener('input', () => (cvc.value = digits(cvc.value).slice(0, 3)));

/** The first problem of each field, in the customer's language; empty when the field is fine. */
function check(): { number: string; expiry: string; cvc: string } {
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

for (const input of [number, expiry, cvc]) {
  input.addEventListener('blur', () => {
    if (input.value) showError(input, check()[input.id as 'number' | 'expiry' | 'cvc']);
  });
}

async function submit(): Promise<void> {
  const errors = check();
  for (const input of [number, expiry, cvc]) showError(input, errors[input.id as 'number' | 'expiry' | 'cvc']);
  const firstBad = [number, expiry, cvc].find((i) => errors[i.id as 'number' | 'expiry' | 'cvc']);
  if (firstBad) {
    firstBad.focus();
    return post({ source: CARD_FRAME_SOURCE, type: 'invalid', message: errors[firstBad.id as 'number' | 'expiry' | 'cvc'] });
  }
  const [mm, yy] = expiry.value.split('/');
  const res = await fetch(`/public/v1/sessions/${encodeURIComponent(token)}/cards`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ number: digits(number.value), expiry_month: Number(mm), expiry_year: 2000 + Number(yy), cvc: cvc.value }),
  }).catch(() => null);
  const body = (await res?.json().catch(() => null)) as { token?: string; brand?: string; last4?: string; error?: { description: string } } | null;
  if (!res?.ok || !body?.token) {
    const message = body?.error?.description ?? t.network;
    showError(number, message);
    return post({ source: CARD_FRAME_SOURCE, type: 'invalid', message });
  }
  // The fields are cleared at once: nothing of the card stays in this page after tokenisation.
  form.reset();
  brand.textContent = '';
  post({ source: CARD_FRAME_SOURCE, type: 'tokenized', token: body.token, brand: body.brand!, last4: body.last4! });
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  void submit();
});

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  if (event.origin !== parentOrigin || event.source !== parent) return;
  if (event.data?.source === CARD_FRAME_SOURCE && event.data.type === 'submit') void submit();
});

new ResizeObserver(() => post({ source: CARD_FRAME_SOURCE, type: 'resize', height: document.documentElement.scrollHeight })).observe(document.body);
