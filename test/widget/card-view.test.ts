import { expect, fixture, html } from '@open-wc/testing';
import type { CardView } from '../../widget/card/card-view';
import '../../widget/card/card-view';
import { CARD_FRAME_SOURCE, type FrameMessage } from '../../widget/card/frame-protocol';

/** The view with the API on this page's origin (the frame itself does not load: its messages are the test's). */
async function mount(props: { locale?: 'ru' | 'en'; label?: string; expiry?: string } = {}) {
  const el = await fixture<CardView>(html`<sg-card-view form=${`${location.origin}/widget/card-frame.html`} token="pt_view" locale=${props.locale ?? 'ru'}
    label=${props.label ?? ''} expiry=${props.expiry ?? ''}></sg-card-view>`);
  return { el, iframe: el.shadowRoot!.querySelector('iframe')! };
}

/** A message as if the frame posted it: from its window and the server's origin. */
function fromFrame(iframe: HTMLIFrameElement, data: FrameMessage, origin = location.origin, source: Window | null = iframe.contentWindow) {
  window.dispatchEvent(new MessageEvent('message', { data, origin, source }));
}

const hashOf = (iframe: HTMLIFrameElement) => new URLSearchParams(new URL(iframe.src).hash.slice(1));

describe('<sg-card-view>', () => {
  it("names the frame in the customer's language, or by the label it is given", async () => {
    expect((await mount({ locale: 'ru' })).iframe.title).to.equal('Данные карты');
    expect((await mount({ locale: 'en' })).iframe.title).to.equal('Card details');
    expect((await mount({ locale: 'en', label: 'Your card' })).iframe.title).to.equal('Your card');
  });

  it('passes the expiry it is given to the frame, and nothing of the number or the CVC', async () => {
    const { iframe } = await mount({ expiry: '11/29' });
    const hash = hashOf(iframe);
    expect([...hash.keys()].sort()).to.deep.equal(['expiry', 'locale', 'origin', 'theme']);
    expect(new URL(iframe.src).searchParams.get('token'), 'the token goes in the query, where the server reads it').to.equal('pt_view');
    expect(hash.get('expiry')).to.equal('11/29');
    expect(hashOf((await mount({ expiry: 'soon' })).iframe).has('expiry'), 'only an MM/YY expiry').to.equal(false);
  });

  it("re-dispatches the frame's Enter as a bubbling, composed card-submit", async () => {
    const { el, iframe } = await mount();
    const seen: Event[] = [];
    const listener = (e: Event) => seen.push(e);
    document.addEventListener('card-submit', listener);
    try {
      fromFrame(iframe, { source: CARD_FRAME_SOURCE, type: 'submit-request' });
      fromFrame(iframe, { source: CARD_FRAME_SOURCE, type: 'submit-request' }, 'https://evil.example');
      fromFrame(iframe, { source: CARD_FRAME_SOURCE, type: 'submit-request' }, location.origin, window);
    } finally {
      document.removeEventListener('card-submit', listener);
    }
    expect(seen, 'only from its own frame and origin').to.have.length(1);
    expect(seen[0]!.target).to.equal(el);
    expect([seen[0]!.bubbles, seen[0]!.composed]).to.deep.equal([true, true]);
  });

  it('resolves tokenize() with brand, last4 and the expiry to keep', async () => {
    const { el, iframe } = await mount();
    const card = el.tokenize();
    fromFrame(iframe, { source: CARD_FRAME_SOURCE, type: 'tokenized', token: 'tok_1', brand: 'mir', last4: '0004', expiry: '12/30' });
    expect(await card).to.deep.equal({ token: 'tok_1', brand: 'mir', last4: '0004', expiry: '12/30' });
  });
});
