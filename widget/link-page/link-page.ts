/**
 * The behaviour of the payment link page `/l/:id` (the SG Pay mini app). The server renders the
 * product and the form, in the page's language; this script keeps "Continue" disabled, with a
 * hint saying what is missing, until every field is filled and the offer is accepted, opens the
 * checkout session, and mounts `<sg-checkout>` for it in the page's language without its own
 * summary (the page already shows the product and the amount). Inside Telegram only, it loads
 * Telegram's Mini App script, follows Telegram's theme, sends the Mini App's initData so the
 * server knows the Telegram user, and closes the app after the payment.
 */
import type { SgResultDetail } from '../events';

type TelegramWebApp = {
  initData: string;
  colorScheme?: 'light' | 'dark';
  themeParams: Record<string, string | undefined>;
  ready(): void;
  expand(): void;
  close(): void;
};

/** What the server put in `data-words` (hosted-pages.ts): the hint's words and the customer's words per error. */
type Words = {
  fill: string;
  and: string;
  accept: string;
  acceptFirst: string;
  fields: string[];
  errors: { network: string; invalid_init_data: string; not_found: string; consent: string; field: string; other: string };
};

const TELEGRAM_SCRIPT = 'https://telegram.org/js/telegram-web-app.js';

/**
 * Telegram opens a Mini App with its launch parameters in the URL's hash (`#tgWebAppData=…`), and
 * its script keeps them in sessionStorage for a reload: only then is the script worth loading.
 */
function openedByTelegram(): boolean {
  if (/[#&]tgWebApp(Data|Platform|Version)=/.test(location.hash)) return true;
  try {
    return sessionStorage.getItem('__telegram__initParams') !== null;
  } catch {
    return false;
  }
}

/** The Mini App host, or null outside Telegram (where Telegram's script is never fetched). */
function telegramWebApp(): Promise<TelegramWebApp | null> {
  const present = () => {
    const app = (window as { Telegram?: { WebApp?: TelegramWebApp } }).Telegram?.WebApp;
    return app && app.initData !== '' ? app : null;
  };
  if (present() || !openedByTelegram()) return Promise.resolve(present());
  return new Promise((resolve) => {
    const script = document.createElement('script');
    script.src = TELEGRAM_SCRIPT;
    script.onload = script.onerror = () => resolve(present());
    document.head.append(script);
  });
}

function followTheme(telegram: TelegramWebApp): void {
  telegram.ready();
  telegram.expand();
  const theme = telegram.themeParams;
  const css: [string, string | undefined][] = [
    ['--bg', theme.bg_color],
    ['--panel', theme.secondary_bg_color ?? theme.bg_color],
    ['--fg', theme.text_color],
    ['--muted', theme.hint_color],
    ['--accent', theme.button_color],
    ['--sg-accent', theme.button_color],
    ['--sg-accent-color', theme.button_text_color],
    ['--sg-background', theme.secondary_bg_color ?? theme.bg_color],
    ['--sg-color', theme.text_color],
    ['--sg-muted', theme.hint_color],
  ];
  for (const [name, value] of css) if (value) document.documentElement.style.setProperty(name, value);
}

/** "Fill in A, B and accept the offer" / "Заполните «A», «B» и примите условия оферты"; empty when nothing is missing. */
export function missingHint(words: Words, missingFields: string[], offerAccepted: boolean): string {
  const parts = [...(missingFields.length ? [`${words.fill} ${missingFields.join(', ')}`] : []), ...(offerAccepted ? [] : [missingFields.length ? words.accept : words.acceptFirst])];
  return parts.join(` ${words.and} `);
}

/** The customer's words for a failed checkout: by error code, never the server's developer text. */
export function checkoutError(words: Words, error: { code?: string; field?: string } | undefined): string {
  if (!error) return words.errors.network;
  if (error.code === 'invalid_init_data' || error.code === 'not_found') return words.errors[error.code];
  if (error.field === 'consent') return words.errors.consent;
  const field = /^fields\.(\d+)$/.exec(error.field ?? '')?.[1];
  if (field !== undefined && words.fields[Number(field)]) return words.errors.field.replace('{field}', words.fields[Number(field)]!);
  return words.errors.other;
}

const telegramReady = telegramWebApp();
void telegramReady.then((telegram) => telegram && followTheme(telegram));

const form = document.getElementById('link-form') as HTMLFormElement | null;
const pay = document.getElementById('pay');

if (form && pay) {
  const words = JSON.parse(form.dataset.words ?? '{}') as Words;
  const submit = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
  const hint = document.getElementById('continue-hint')!;
  const error = form.querySelector<HTMLElement>('.error')!;
  const inputs = [...form.querySelectorAll<HTMLInputElement>('input[name=user], input[name=extra]')];
  const consent = form.querySelector<HTMLInputElement>('input[name=consent]')!;
  const marketing = form.querySelector<HTMLInputElement>('input[name=marketing]');
  const missing = () => inputs.flatMap((input, i) => (input.value.trim() === '' ? [words.fields[i] ?? input.name] : []));
  const valid = () => missing().length === 0 && consent.checked;
  const update = () => {
    submit.disabled = !valid();
    hint.textContent = missingHint(words, missing(), consent.checked);
    hint.hidden = hint.textContent === '';
  };
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!valid()) return;
    submit.disabled = true;
    error.hidden = true;
    const telegram = await telegramReady;
    const res = await fetch(`${location.pathname}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        user: inputs[0]!.value,
        extra: inputs.slice(1).map((i) => i.value),
        consent: consent.checked,
        marketing: marketing?.checked ?? false,
        ...(telegram ? { init_data: telegram.initData } : {}),
      }),
    }).catch(() => null);
    const body = (await res?.json().catch(() => null)) as { token?: string; error?: { code?: string; field?: string } } | null;
    if (!res?.ok || !body?.token) {
      error.textContent = checkoutError(words, res ? (body?.error ?? {}) : undefined);
      error.hidden = false;
      submit.disabled = false;
      return;
    }
    for (const el of form.elements) (el as HTMLInputElement).disabled = true;
    form.hidden = true;
    const checkout = document.createElement('sg-checkout');
    checkout.setAttribute('token', body.token);
    checkout.setAttribute('api', location.origin);
    checkout.setAttribute('locale', document.documentElement.lang === 'en' ? 'en' : 'ru');
    checkout.setAttribute('hide-summary', '');
    // Inside Telegram the card iframe must follow the dark theme too, or typed digits vanish.
    if (telegram) checkout.setAttribute('theme', telegram.colorScheme === 'dark' ? 'dark' : 'light');
    checkout.addEventListener('sg-success', (e) => {
      const { method } = (e as CustomEvent<SgResultDetail>).detail;
      // Back to the chat: Telegram closes the Mini App; a one-tap card payment needs no result
      // screen; after FPS the success screen's button takes the customer back.
      if (telegram) setTimeout(() => telegram.close(), 1500);
      else if (method === 'saved_card' && form.dataset.return) setTimeout(() => location.assign(form.dataset.return!), 1500);
    });
    checkout.addEventListener('sg-fail', () => document.getElementById('support')?.classList.add('highlight'));
    pay.append(checkout);
    checkout.scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
}
