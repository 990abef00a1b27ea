/**
 * The sandbox phone beside the widget: it plays the customer's phone for whatever the checkout
 * is waiting for, from the widget's `sg-status` events. Its buttons call the sandbox's own
 * endpoints (`POST /sandbox/payments/:id/approve|decline`), the same ones the sandbox pages use.
 * It speaks the page's language (`<html lang>`), as the widget beside it does, and opens the
 * sandbox bank and push inbox in it too.
 */
import { h, replace, type Child } from '../dom';
import { phoneScreen, sameScreen, type PhoneScreen } from './phone-guide';
import { inLanguage, pageLanguage, PHONE_WORDS, type PhoneLanguage, type PhoneWords } from './words/phone-words';
import type { TestCardScenario } from './test-cards';
import type { SgStatusDetail } from '../../widget/events';

type Bank = { id: string; name: string; ios_url: string };

export class SandboxPhone {
  private screen: PhoneScreen = { kind: 'idle' };
  private readonly lang: PhoneLanguage = pageLanguage();
  private readonly t: PhoneWords = PHONE_WORDS[this.lang];

  constructor(
    private readonly root: HTMLElement,
    private readonly token: string,
  ) {
    this.wordFrame();
    this.render();
  }

  update(detail: SgStatusDetail): void {
    const next = phoneScreen(detail);
    if (sameScreen(next, this.screen)) return;
    this.screen = next;
    this.render();
  }

  /** The frame around the screen (phone-markup.ts), in the page's language: the server may have rendered it in another. */
  private wordFrame(): void {
    const frame = this.root.closest<HTMLElement>('#sandbox-phone');
    if (!frame) return;
    frame.lang = this.lang;
    for (const el of frame.querySelectorAll<HTMLElement>('[data-phone-word]')) {
      const key = el.dataset.phoneWord as keyof PhoneWords['frame'];
      if (key in this.t.frame) el.textContent = this.t.frame[key];
    }
    for (const el of frame.querySelectorAll<HTMLElement>('[data-card-scenario]')) {
      el.textContent = this.t.cards[el.dataset.cardScenario as TestCardScenario] ?? el.textContent;
    }
    for (const a of frame.querySelectorAll<HTMLAnchorElement>('a[href^="/sandbox/pushes"]')) a.setAttribute('href', this.inboxUrl());
  }

  private render(): void {
    const s = this.screen;
    const t = this.t;
    switch (s.kind) {
      case 'idle':
        return replace(
          this.root,
          h('p', {}, t.frame.intro),
          h('ul', { class: 'hints' }, h('li', {}, h('strong', {}, t.idle.cardLabel), t.idle.cardHint), h('li', {}, h('strong', {}, t.idle.qrLabel), t.idle.qrHint)),
        );
      case 'fps': {
        const bankPageUrl = inLanguage(s.bankPageUrl, this.lang);
        replace(
          this.root,
          h('h4', {}, t.fps.title),
          h('p', {}, t.fps.intro),
          h('a', { class: 'phone-primary', href: bankPageUrl, target: '_blank', rel: 'noopener' }, t.fps.openBank),
          this.answerButtons(s.paymentId),
          h('h4', {}, t.fps.bankListTitle),
          h('p', { class: 'muted' }, t.fps.bankListHint),
          h('div', { class: 'bank-list', id: 'phone-banks' }, h('p', { class: 'muted' }, t.fps.loadingBanks)),
        );
        return void this.loadBanks(bankPageUrl);
      }
      case 'sberpay':
        // The app page's link stays exactly the QR's (the e2e test compares them): that page
        // takes its language from the browser.
        return replace(
          this.root,
          h('h4', {}, 'SberPay'),
          h('p', {}, t.sberpay.intro),
          h('a', { class: 'phone-primary', href: s.appPageUrl, target: '_blank', rel: 'noopener' }, t.sberpay.openApp),
          this.answerButtons(s.paymentId),
          h('p', { class: 'muted' }, t.sberpay.pushLands((text) => h('a', { href: this.inboxUrl(), target: '_blank', rel: 'noopener' }, text))),
        );
      case 'three_ds':
        // The checkout shows the challenge in a modal dialog, which leaves the rest of the page
        // inert: the phone explains rather than offering buttons that cannot be pressed.
        return replace(this.root, h('h4', {}, '3-D Secure'), h('p', {}, t.threeDs));
      case 'awaiting_merchant':
        return replace(this.root, h('p', {}, t.awaitingMerchant));
      case 'processing':
        return replace(this.root, h('p', {}, t.processing));
      case 'paid':
        return replace(this.root, h('p', { class: 'phone-ok' }, t.paid), h('p', {}, t.paidHint));
      case 'failed':
        return replace(this.root, h('p', { class: 'phone-failed' }, t.notPaid(s.code, s.description)), h('p', {}, t.tryAnother));
      case 'closed':
        return replace(this.root, h('p', {}, t.closed[s.status]), h('p', {}, t.startAgain));
    }
  }

  private inboxUrl(): string {
    return inLanguage('/sandbox/pushes', this.lang);
  }

  /** Approve / decline as the customer's bank, through the sandbox endpoints. */
  private answerButtons(paymentId: string): HTMLElement {
    const t = this.t.answer;
    const message = h('p', { class: 'error', role: 'alert', hidden: true });
    const answer = async (verdict: 'approve' | 'decline') => {
      for (const b of buttons) b.disabled = true;
      const res = await fetch(`/sandbox/payments/${encodeURIComponent(paymentId)}/${verdict}`, { method: 'POST' }).catch(() => null);
      if (res?.ok) return; // the widget hears the change on its own and sends sg-status
      const body = (await res?.json().catch(() => null)) as { error?: { description?: string } } | null;
      message.textContent = res ? t.refused(res.status, body?.error?.description ?? null) : t.noAnswer;
      message.hidden = false;
      for (const b of buttons) b.disabled = false;
    };
    const buttons = [
      h('button', { type: 'button', class: 'approve', onclick: () => void answer('approve') }, t.pay),
      h('button', { type: 'button', class: 'decline', onclick: () => void answer('decline') }, t.decline),
    ];
    return h('div', { class: 'phone-answer' }, h('p', { class: 'muted' }, t.prompt), h('div', { class: 'actions' }, buttons), message);
  }

  private async loadBanks(bankPageUrl: string): Promise<void> {
    const t = this.t.fps;
    const res = await fetch(`/public/v1/sessions/${encodeURIComponent(this.token)}/banks`).catch(() => null);
    const container = this.root.querySelector('#phone-banks');
    if (!container) return; // the screen changed meanwhile
    if (!res?.ok) return replace(container, h('p', { class: 'muted' }, t.banksUnavailable));
    const { banks } = (await res.json()) as { banks: Bank[] };
    const items = banks.map((bank) =>
      h('li', { 'data-name': bank.name.toLowerCase() }, h('a', { href: bankPageUrl, target: '_blank', rel: 'noopener', title: t.onPhone(bank.ios_url) }, bankLogo(bank), h('span', {}, bank.name))),
    );
    const count = h('p', { class: 'muted bank-count', id: 'phone-bank-count', 'aria-live': 'polite' }, t.bankCount(items.length));
    const search = h('input', { type: 'search', placeholder: t.findBank, 'aria-label': t.findBank });
    search.addEventListener('input', () => {
      const q = search.value.trim().toLowerCase();
      let shown = 0;
      for (const li of items) {
        li.hidden = !li.dataset.name!.includes(q);
        if (!li.hidden) shown++;
      }
      count.textContent = t.bankCount(shown);
    });
    replace(container, search, count, h('ul', {}, items as Child[]));
  }
}

/**
 * The bank's logo as this server serves it (`/assets/banks/<id>`: a cached logo or a monogram, for
 * every FPS bank, so it loads under the page's `img-src 'self'` and offline); the bank's initial if
 * even that fails.
 */
function bankLogo(bank: Bank): HTMLElement {
  const initial = h('span', { class: 'bank-initial', 'aria-hidden': 'true' }, bank.name.replace(/^[^\p{L}\d]+/u, '').slice(0, 1));
  const img = h('img', { src: `/assets/banks/${encodeURIComponent(bank.id)}`, alt: '', loading: 'lazy', width: 36, height: 36 });
  img.addEventListener('error', () => img.replaceWith(initial));
  return img;
}
