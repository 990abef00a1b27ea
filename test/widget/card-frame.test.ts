/**
 * The card iframe's own page (widget/card-frame/), loaded as the server serves it: in an iframe,
 * under its Trusted Types policy, talking to this page by postMessage. Its `fetch` is replaced
 * per test (same origin here), so the server's answers are the test's.
 */
import { expect, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { CARD_FRAME_SOURCE, type FrameMessage } from '../../widget/card/frame-protocol';
import { contrastRatio, focusRing } from './support/contrast';

type Mounted = { frame: HTMLIFrameElement; doc: Document; win: Window & typeof globalThis; messages: FrameMessage[]; calls: RequestInit[] };

const mounted: HTMLIFrameElement[] = [];
afterEach(() => mounted.splice(0).forEach((f) => f.remove()));

async function mountFrame(hash: Record<string, string> = {}, answer: () => Response = () => new Response('{}', { status: 500 })): Promise<Mounted> {
  const frame = document.createElement('iframe');
  const params = new URLSearchParams({ origin: location.origin, locale: 'en', ...hash });
  frame.src = `/widget/card-frame/card-frame.html?token=pt_frame#${params}`;
  frame.style.width = '400px';
  frame.style.height = '260px';
  const messages: FrameMessage[] = [];
  window.addEventListener('message', (e: MessageEvent<FrameMessage>) => {
    if (e.source === frame.contentWindow && e.data?.source === CARD_FRAME_SOURCE) messages.push(e.data);
  });
  document.body.append(frame);
  mounted.push(frame);
  await waitUntil(() => frame.contentWindow?.location.pathname.endsWith('card-frame.html') && frame.contentDocument?.documentElement?.dataset.theme, 'the frame script ran', { timeout: 8000 });
  const win = frame.contentWindow as Window & typeof globalThis;
  const calls: RequestInit[] = [];
  win.fetch = (async (_url: RequestInfo | URL, init?: RequestInit) => {
    calls.push(init ?? {});
    return answer();
  }) as typeof fetch;
  return { frame, doc: frame.contentDocument!, win, messages, calls };
}

function type(m: Mounted, id: string, value: string) {
  const input = m.doc.getElementById(id) as HTMLInputElement;
  input.value = value;
  input.dispatchEvent(new m.win.Event('input'));
}

const yy = String((new Date().getFullYear() + 3) % 100).padStart(2, '0');
const value = (m: Mounted, id: string) => (m.doc.getElementById(id) as HTMLInputElement).value;
const text = (m: Mounted, id: string) => m.doc.getElementById(id)!.textContent;
const hostSubmit = (m: Mounted) => m.win.postMessage({ source: CARD_FRAME_SOURCE, type: 'submit' }, location.origin);

function fillCard(m: Mounted, pan = '4242424242424242') {
  type(m, 'number', pan);
  type(m, 'expiry', `12${yy}`);
  type(m, 'cvc', '123');
}

describe('card iframe', () => {
  it('Enter in a field asks the host to pay, and keeps what was typed', async () => {
    const m = await mountFrame();
    fillCard(m);
    (m.doc.getElementById('cvc') as HTMLInputElement).focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => m.messages.some((x) => x.type === 'submit-request'), 'submit-request posted');
    expect(m.calls, 'the frame does not tokenise on its own').to.have.length(0);
    expect([value(m, 'number'), value(m, 'expiry'), value(m, 'cvc')]).to.deep.equal(['4242 4242 4242 4242', `12/${yy}`, '123']);
  });

  it("tokenises on the host's submit and tells it brand, last4 and expiry, then clears the fields", async () => {
    const m = await mountFrame({}, () => Response.json({ token: 'tok_abc', brand: 'visa', last4: '4242', expiry_month: 12, expiry_year: 2000 + Number(yy) }));
    fillCard(m);
    hostSubmit(m);
    await waitUntil(() => m.messages.some((x) => x.type === 'tokenized'), 'tokenized');
    expect(m.messages.find((x) => x.type === 'tokenized')).to.deep.equal({ source: CARD_FRAME_SOURCE, type: 'tokenized', token: 'tok_abc', brand: 'visa', last4: '4242', expiry: `12/${yy}` });
    expect(JSON.parse(String(m.calls[0]!.body))).to.deep.equal({ number: '4242424242424242', expiry_month: 12, expiry_year: 2000 + Number(yy), cvc: '123' });
    expect([value(m, 'number'), value(m, 'expiry'), value(m, 'cvc')]).to.deep.equal(['', '', '']);
  });

  const refusals: Array<[string, { code: string; field?: string }, number, string, string]> = [
    ['a refused number', { code: 'invalid_request', field: 'card.number' }, 400, 'number-error', 'Check the card number'],
    ['a refused expiry', { code: 'invalid_request', field: 'card.expiry_year' }, 400, 'expiry-error', 'Check the expiry date'],
    ['a refused CVC', { code: 'invalid_request', field: 'card.cvc' }, 400, 'cvc-error', 'Check the CVC: the three digits on the back of the card'],
    ['a page no longer valid', { code: 'not_found' }, 404, 'form-error', 'This payment page is no longer valid. Return to the shop and start the payment again'],
    ['a closed session', { code: 'invalid_state' }, 409, 'form-error', 'This order can no longer be paid. Return to the shop'],
    ['a server failure', { code: 'internal_error' }, 500, 'form-error', 'The card could not be checked. Try again in a minute'],
  ];
  for (const [what, error, status, box, words] of refusals) {
    it(`shows ${what} in the customer's words, never the server's description`, async () => {
      const m = await mountFrame({}, () => Response.json({ status: 'error', error: { ...error, description: 'card.number fails the Luhn check: re-type the number (developer text)' } }, { status }));
      fillCard(m);
      hostSubmit(m);
      await waitUntil(() => m.messages.some((x) => x.type === 'invalid'), 'invalid');
      expect(text(m, box)).to.equal(words);
      expect(m.messages.find((x) => x.type === 'invalid')).to.deep.equal({ source: CARD_FRAME_SOURCE, type: 'invalid', message: words });
      expect(m.doc.body.textContent).not.to.include('developer text');
    });
  }

  it('in Russian too', async () => {
    const m = await mountFrame({ locale: 'ru' }, () => Response.json({ status: 'error', error: { code: 'invalid_request', field: 'card.number', description: 'card.number …' } }, { status: 400 }));
    expect(m.doc.documentElement.lang).to.equal('ru');
    expect(m.doc.title).to.equal('Данные карты');
    fillCard(m);
    hostSubmit(m);
    await waitUntil(() => text(m, 'number-error'), 'error shown');
    expect(text(m, 'number-error')).to.equal('Проверьте номер карты');
  });

  it('fills in the expiry it is given (never the number or the CVC), on load and when the hash changes', async () => {
    const m = await mountFrame({ expiry: `11/${yy}` });
    expect([value(m, 'number'), value(m, 'expiry'), value(m, 'cvc')]).to.deep.equal(['', `11/${yy}`, '']);
    const other = await mountFrame();
    expect(value(other, 'expiry')).to.equal('');
    other.win.location.hash = `${other.win.location.hash.slice(1)}&expiry=10%2F${yy}`;
    await waitUntil(() => value(other, 'expiry') === `10/${yy}`, 'filled on hashchange');
  });

  it("shows the brand's mark as the number is typed", async () => {
    const m = await mountFrame();
    const shown = () => m.doc.querySelector('#brand svg')?.getAttribute('aria-label') ?? null;
    type(m, 'number', '4');
    expect(shown()).to.equal('Visa');
    type(m, 'number', '2200 1234');
    expect(shown()).to.equal('Мир');
    type(m, 'number', '5555');
    expect(shown()).to.equal('Mastercard');
    type(m, 'number', '');
    expect(shown()).to.equal(null);
    expect(m.doc.querySelector('#brand svg.mark')).to.equal(null);
  });

  it('refuses markup strings (Trusted Types): the marks are built with DOM calls', async () => {
    const m = await mountFrame();
    expect(() => {
      m.doc.getElementById('brand')!.innerHTML = '<b>x</b>';
    }).to.throw(/TrustedHTML/);
  });

  for (const [theme, background] of [['light', 'rgb(255, 255, 255)'], ['dark', 'rgb(26, 29, 36)']] as const) {
    it(`shows a solid focus ring at 3:1 or more on the ${theme} theme`, async () => {
      const m = await mountFrame({ theme });
      const input = m.doc.getElementById('number')!;
      input.focus();
      const ring = focusRing(input);
      expect(ring.style).to.equal('solid');
      expect(contrastRatio(ring.color, background)).to.be.at.least(3);
    });
  }
});
