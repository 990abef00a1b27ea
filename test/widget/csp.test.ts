import { expect, waitUntil } from '@open-wc/testing';
import type { SgCheckout } from '../../widget/checkout/checkout.element';

const PAGE = '/test/widget/csp/page.html';
const STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; require-trusted-types-for 'script'; trusted-types lit-html";

type CspWindow = Window & { cspViolations: string[] };

/** Opens the strict-CSP merchant page in a same-origin iframe; its policy comes with the page. */
async function openPage(): Promise<{ frame: HTMLIFrameElement; win: CspWindow; checkout: () => SgCheckout }> {
  const frame = document.createElement('iframe');
  frame.style.width = '480px';
  frame.style.height = '900px';
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  frame.src = PAGE;
  document.body.append(frame);
  await loaded;
  const win = frame.contentWindow as CspWindow;
  return { frame, win, checkout: () => win.document.querySelector('sg-checkout') as SgCheckout };
}

const inner = (el: Element | null | undefined, selector: string) => el?.shadowRoot?.querySelector(selector) ?? null;

describe('under a strict CSP with Trusted Types', () => {
  let frame: HTMLIFrameElement | undefined;
  afterEach(() => frame?.remove());

  it('is served with the strict policy', async () => {
    const res = await fetch(PAGE);
    expect(res.headers.get('content-security-policy')).to.equal(STRICT_CSP);
  });

  it('renders every method and reports no violation', async () => {
    const page = await openPage();
    frame = page.frame;
    const { win, checkout } = page;
    const askButton = () => checkout()?.shadowRoot?.querySelector<HTMLButtonElement>('[role=tabpanel] button[part=pay-button]');
    await waitUntil(() => askButton(), 'the checkout renders', { timeout: 5000 });
    const el = checkout();
    askButton()!.click(); // "Show the QR code": the QR and its lazily loaded view
    await waitUntil(() => inner(inner(el, 'sg-qr-view'), 'svg path'), 'the FPS QR renders', { timeout: 5000 });
    expect(inner(inner(el, 'sg-qr-view'), 'svg path')!.getAttribute('d')).to.match(/^M\d+ \d+h1v1h-1z/);
    expect([...el.shadowRoot!.querySelectorAll('[role=tab] .label')].map((t) => t.textContent!.trim())).to.deep.equal(['СБП', 'Карта', 'SberPay']);
    // Lit's styles reach the shadow root through constructed style sheets, which style-src allows.
    const total = el.shadowRoot!.querySelector('.total')!;
    expect(win.getComputedStyle(total).fontWeight).to.equal('700');

    const tab = (label: string) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[role=tab]')].find((t) => t.textContent!.trim() === label)!;
    tab('Карта').click();
    await waitUntil(() => inner(inner(el, 'sg-card-view'), 'iframe'), 'the card frame renders');
    tab('SberPay').click();
    await waitUntil(() => askButton(), 'the SberPay panel');
    askButton()!.click();
    await waitUntil(() => el.shadowRoot!.querySelector('sg-qr-view')?.method === 'sberpay' && el.shadowRoot!.querySelector('form.push'), 'the SberPay QR renders', { timeout: 5000 });
    // The 3-D Secure dialog is in the template from the start: its inline-style-free header is checked too.
    expect(el.shadowRoot!.querySelector('dialog header button')!.hasAttribute('style')).to.equal(false);

    await new Promise((r) => setTimeout(r, 100));
    expect(win.cspViolations).to.deep.equal([]);
  });

  it('really enforces the policy in that page (a control)', async () => {
    const page = await openPage();
    frame = page.frame;
    const { win } = page;
    await waitUntil(() => win.cspViolations, 'the page script ran');
    const div = win.document.createElement('div');
    expect(() => {
      div.innerHTML = '<b>not trusted</b>';
    }, 'a string reaching innerHTML is refused').to.throw(/TrustedHTML/);
    const policy = () => (win as unknown as { trustedTypes: { createPolicy(name: string, rules: object): unknown } }).trustedTypes.createPolicy('not-lit', {});
    expect(policy, 'only the lit-html policy may be created').to.throw();
    await waitUntil(() => win.cspViolations.length >= 2, 'the violations are reported');
    expect(win.cspViolations.some((v) => v.startsWith('require-trusted-types-for'))).to.equal(true);
    expect(win.cspViolations.some((v) => v.startsWith('trusted-types'))).to.equal(true);
  });
});
