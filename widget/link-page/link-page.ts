/**
 * The behaviour of the payment link page `/l/:id` (the SG Pay mini app). The server renders the
 * product and the form, in the page's language; this script keeps "Continue" disabled, with a
 * hint saying what is missing, until every field is filled and the offer is accepted, opens the
 * checkout session, and mounts `<sg-checkout>` for it in the page's language without its own
 * summary (the page already shows the product and the amount; on a subscription link the widget's
 * regular-payment notice stands in for the page's until the payment succeeds). Inside Telegram
 * only, it loads Telegram's Mini App script, follows Telegram's theme, sends the Mini App's
 * initData so the server knows the Telegram user, and closes the app after the payment.
 */
import { checkoutError, missingHint, type LinkWords } from './link-words';

type TelegramWebApp = {
  initData: string;
  colorScheme?: 'light' | 'dark';
  themeParams: Record<string, string | undefined>;
  ready(): void;
  expand(): void;
  close(): void;
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
    // A request to telegram.org that neither loads nor fails must not hold the Continue button for ever.
    setTimeout(() => resolve(present()), TELEGRAM_SCRIPT_WAIT_MS);
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

/** How long the page waits for Telegram's script before it goes on without it. */
const TELEGRAM_SCRIPT_WAIT_MS = 5_000;

const telegramReady = telegramWebApp();
void telegramReady.then((telegram) => telegram && followTheme(telegram));

const form = document.getElementById('link-form') as HTMLFormElement | null;
const pay = document.getElementById('pay');

if (form && pay) {
  const words = JSON.parse(form.dataset.words ?? '{}') as LinkWords;
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
    // Back to the chat: Telegram closes the Mini App. Elsewhere the success screen's button takes
    // the customer back (a typed customer is never offered a one-tap card that could skip it).
    if (telegram) checkout.addEventListener('sg-success', () => setTimeout(() => telegram.close(), 1500));
    checkout.addEventListener('sg-fail', () => document.getElementById('support')?.classList.add('highlight'));
    // A subscription's notice under the price gives way to the widget's, which says it again with the next payment's
    // date, and is back once the payment succeeds (the success screen says nothing of what comes next).
    const notice = document.getElementById('regular-payment');
    checkout.addEventListener('sg-ready', () => notice?.setAttribute('hidden', ''));
    checkout.addEventListener('sg-success', () => notice?.removeAttribute('hidden'));
    pay.append(checkout);
    checkout.scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
}
