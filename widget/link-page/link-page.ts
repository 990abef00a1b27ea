/**
 * The behaviour of the payment link page `/l/:id` (the SG Pay mini app). The server renders the
 * product and the form; this script keeps "Continue" disabled until every field is filled and the
 * consent box is ticked, opens the checkout session, and mounts `<sg-checkout>` for it. Inside
 * Telegram it also follows Telegram's theme, sends the Mini App's initData so the server knows the
 * Telegram user, and closes the app after the payment.
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

const telegram = (window as { Telegram?: { WebApp?: TelegramWebApp } }).Telegram?.WebApp;
const inTelegram = !!telegram && telegram.initData !== '';
const form = document.getElementById('link-form') as HTMLFormElement | null;
const pay = document.getElementById('pay');

if (inTelegram) {
  telegram!.ready();
  telegram!.expand();
  const theme = telegram!.themeParams;
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

if (form && pay) {
  const submit = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
  const error = form.querySelector<HTMLElement>('.error')!;
  const inputs = [...form.querySelectorAll<HTMLInputElement>('input[name=user], input[name=extra]')];
  const consent = form.querySelector<HTMLInputElement>('input[name=consent]')!;
  const valid = () => inputs.every((i) => i.value.trim() !== '') && consent.checked;
  const update = () => (submit.disabled = !valid());
  form.addEventListener('input', update);
  form.addEventListener('change', update);
  update();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!valid()) return;
    submit.disabled = true;
    error.hidden = true;
    const res = await fetch(`${location.pathname}/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        user: inputs[0]!.value,
        extra: inputs.slice(1).map((i) => i.value),
        consent: consent.checked,
        ...(inTelegram ? { init_data: telegram!.initData } : {}),
      }),
    }).catch(() => null);
    const body = (await res?.json().catch(() => null)) as { token?: string; error?: { code: string; description: string } } | null;
    if (!res?.ok || !body?.token) {
      // Telegram's refusal is the server's business: the customer gets words they can act on.
      const telegramRefused = body?.error?.code === 'invalid_init_data';
      error.textContent = (telegramRefused ? form.dataset.telegramError : body?.error?.description) ?? form.dataset.networkError ?? '';
      error.hidden = false;
      submit.disabled = false;
      return;
    }
    for (const el of form.elements) (el as HTMLInputElement).disabled = true;
    form.hidden = true;
    const checkout = document.createElement('sg-checkout');
    checkout.setAttribute('token', body.token);
    checkout.setAttribute('api', location.origin);
    checkout.setAttribute('locale', document.documentElement.lang);
    // Inside Telegram the card iframe must follow the dark theme too, or typed digits vanish.
    if (inTelegram) checkout.setAttribute('theme', telegram!.colorScheme === 'dark' ? 'dark' : 'light');
    checkout.addEventListener('sg-success', (e) => {
      const { method } = (e as CustomEvent<SgResultDetail>).detail;
      // Back to the chat: Telegram closes the Mini App; a one-tap card payment needs no result
      // screen; after FPS the success screen's button takes the customer back.
      if (inTelegram) setTimeout(() => telegram!.close(), 1500);
      else if (method === 'saved_card' && form.dataset.return) setTimeout(() => location.assign(form.dataset.return!), 1500);
    });
    checkout.addEventListener('sg-fail', () => document.getElementById('support')?.classList.add('highlight'));
    pay.append(checkout);
    checkout.scrollIntoView({ behavior: 'smooth', block: 'start' });
  });
}
