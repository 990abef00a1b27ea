/**
 * The sandbox phone beside the widget: it plays the customer's phone for whatever the checkout
 * is waiting for, from the widget's `sg-status` events. Its buttons call the sandbox's own
 * endpoints (`POST /sandbox/payments/:id/approve|decline`), the same ones the sandbox pages use.
 */
import { h, replace, type Child } from '../dom';
import { phoneScreen, sameScreen, type PhoneScreen } from './phone-guide';
import type { SgStatusDetail } from '../../widget/events';

type Bank = { id: string; name: string; logo_url: string | null; ios_url: string };

export class SandboxPhone {
  private screen: PhoneScreen = { kind: 'idle' };

  constructor(
    private readonly root: HTMLElement,
    private readonly token: string,
  ) {
    this.render();
  }

  update(detail: SgStatusDetail): void {
    const next = phoneScreen(detail);
    if (sameScreen(next, this.screen)) return;
    this.screen = next;
    this.render();
  }

  private render(): void {
    const s = this.screen;
    switch (s.kind) {
      case 'idle':
        return replace(
          this.root,
          h('p', {}, 'Choose how to pay in the checkout. This phone then shows how the customer finishes the payment.'),
          h('ul', { class: 'hints' }, h('li', {}, h('strong', {}, 'Bank card: '), 'type a test card from the list below.'), h('li', {}, h('strong', {}, 'FPS or SberPay: '), 'a QR appears in the checkout; this phone scans it for you.')),
        );
      case 'fps':
        replace(
          this.root,
          h('h4', {}, 'FPS (СБП): scan the QR'),
          h('p', {}, 'A customer scans the QR with their bank app. Play that bank:'),
          h('a', { class: 'phone-primary', href: s.bankPageUrl, target: '_blank', rel: 'noopener' }, 'Open the sandbox bank for this QR'),
          this.answerButtons(s.paymentId, 'Pay'),
          h('h4', {}, 'The bank list, as a phone shows it'),
          h('p', { class: 'muted' }, 'On a phone the checkout lists banks instead of the QR; each opens its app with this payment.'),
          h('div', { class: 'bank-list', id: 'phone-banks' }, h('p', { class: 'muted' }, 'Loading banks…')),
        );
        return void this.loadBanks(s.bankPageUrl);
      case 'sberpay':
        return replace(
          this.root,
          h('h4', {}, 'SberPay'),
          h('p', {}, 'On a desktop the customer scans the QR; on a phone the checkout opens the SberPay app. Either way:'),
          h('a', { class: 'phone-primary', href: s.appPageUrl, target: '_blank', rel: 'noopener' }, 'Open the SberPay app'),
          this.answerButtons(s.paymentId, 'Pay'),
          h('p', { class: 'muted' }, 'A push sent from the checkout lands in the ', h('a', { href: '/sandbox/pushes', target: '_blank', rel: 'noopener' }, 'push inbox'), '.'),
        );
      case 'three_ds':
        // The checkout shows the challenge in a modal dialog, which leaves the rest of the page
        // inert: the phone explains rather than offering buttons that cannot be pressed.
        return replace(
          this.root,
          h('h4', {}, '3-D Secure'),
          h('p', {}, 'The card’s bank asks the customer to confirm. Its sandbox page is open in the checkout: press “Confirm with code” there to pay, or “Decline” to see a refusal.'),
        );
      case 'awaiting_merchant':
        return replace(this.root, h('p', {}, 'The payment waits for the merchant to confirm it (manual confirmation).'));
      case 'processing':
        return replace(this.root, h('p', {}, 'The bank is processing the payment…'));
      case 'paid':
        return replace(this.root, h('p', { class: 'phone-ok' }, '✓ Paid.'), h('p', {}, 'The store marks the order paid when its backend receives the verified payment_finished webhook: see the order status.'));
      case 'failed':
        return replace(this.root, h('p', { class: 'phone-failed' }, `Not paid: ${s.reason}.`), h('p', {}, 'Choose another method in the checkout to try again.'));
      case 'closed':
        return replace(this.root, h('p', {}, s.status === 'cancelled' ? 'The payment session was cancelled.' : 'The payment session ended with an error.'), h('p', {}, 'Start a new order to try again.'));
    }
  }

  /** Approve / decline as the customer's bank, through the sandbox endpoints. */
  private answerButtons(paymentId: string, approveLabel: string): HTMLElement {
    const message = h('p', { class: 'error', role: 'alert', hidden: true });
    const answer = async (verdict: 'approve' | 'decline') => {
      for (const b of buttons) b.disabled = true;
      const res = await fetch(`/sandbox/payments/${encodeURIComponent(paymentId)}/${verdict}`, { method: 'POST' }).catch(() => null);
      if (res?.ok) return; // the widget hears the change on its own and sends sg-status
      const body = (await res?.json().catch(() => null)) as { error?: { description?: string } } | null;
      message.textContent = body?.error?.description ?? 'The sandbox did not answer: is the server running?';
      message.hidden = false;
      for (const b of buttons) b.disabled = false;
    };
    const buttons = [
      h('button', { type: 'button', class: 'approve', onclick: () => void answer('approve') }, approveLabel),
      h('button', { type: 'button', class: 'decline', onclick: () => void answer('decline') }, 'Decline'),
    ];
    return h('div', { class: 'phone-answer' }, h('p', { class: 'muted' }, 'Or answer as the bank, right here:'), h('div', { class: 'actions' }, buttons), message);
  }

  private async loadBanks(bankPageUrl: string): Promise<void> {
    const res = await fetch(`/public/v1/sessions/${encodeURIComponent(this.token)}/banks`).catch(() => null);
    const container = this.root.querySelector('#phone-banks');
    if (!container) return; // the screen changed meanwhile
    if (!res?.ok) return replace(container, h('p', { class: 'muted' }, 'The bank list is not available right now.'));
    const { banks } = (await res.json()) as { banks: Bank[] };
    const items = banks.map((bank) =>
      h('li', { 'data-name': bank.name.toLowerCase() }, h('a', { href: bankPageUrl, target: '_blank', rel: 'noopener', title: `On a phone: ${bank.ios_url}` }, bankLogo(bank), h('span', {}, bank.name))),
    );
    const search = h('input', { type: 'search', placeholder: 'Find your bank', 'aria-label': 'Find your bank' });
    search.addEventListener('input', () => {
      const q = search.value.trim().toLowerCase();
      for (const li of items) li.hidden = !li.dataset.name!.includes(q);
    });
    replace(container, search, h('ul', {}, items as Child[]));
  }
}

function bankLogo(bank: Bank): HTMLElement {
  const initial = h('span', { class: 'bank-initial', 'aria-hidden': 'true' }, bank.name.replace(/^[^\p{L}\d]+/u, '').slice(0, 1));
  if (!bank.logo_url) return initial;
  const img = h('img', { src: bank.logo_url, alt: '', loading: 'lazy', width: 28, height: 28 });
  img.addEventListener('error', () => img.replaceWith(initial));
  return img;
}
