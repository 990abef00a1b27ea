import { expect, fixture, html } from '@open-wc/testing';
import { brandMark, mark, methodMark } from '../../widget/marks/marks';
import { markElement } from '../../widget/marks/mark-dom';

const render = (template: unknown) => fixture<HTMLElement>(html`<div>${template}</div>`);
const svgs = (el: HTMLElement) => [...el.querySelectorAll('svg')];

describe('payment marks', () => {
  it('draws each mark as an inline SVG image named by its brand, with nothing to fetch', async () => {
    const el = await render(['fps', 'sberpay', 'mir', 'visa', 'mastercard'].map((id) => mark(id as 'fps')));
    expect(svgs(el).map((s) => [s.getAttribute('role'), s.getAttribute('aria-label')])).to.deep.equal([
      ['img', 'СБП'],
      ['img', 'SberPay'],
      ['img', 'Мир'],
      ['img', 'Visa'],
      ['img', 'Mastercard'],
    ]);
    expect(el.querySelectorAll('img, image, use, [href], [src], foreignObject, style')).to.have.length(0);
    for (const s of svgs(el)) expect(s.getBoundingClientRect().width, `${s.getAttribute('aria-label')} has a size`).to.be.greaterThan(0);
    await expect(el).to.be.accessible();
  });

  it('a mark beside its label is hidden from screen readers', async () => {
    const el = await render(html`${methodMark('fps')}<span>СБП</span>`);
    const [svg] = svgs(el);
    expect(svg!.getAttribute('aria-hidden')).to.equal('true');
    expect(svg!.hasAttribute('role')).to.equal(false);
    expect(svg!.hasAttribute('aria-label')).to.equal(false);
  });

  it('gives each method its mark: СБП, SberPay, and one row of Mir, Visa and Mastercard for cards', async () => {
    const el = await render(['fps', 'sberpay', 'card', 'saved_card', 'recurrent'].map((m) => methodMark(m, { decorative: false })));
    expect(svgs(el).map((s) => s.getAttribute('class'))).to.deep.equal(['mark mark-fps', 'mark mark-sberpay', 'mark mark-cards', 'mark mark-cards']);
    expect(svgs(el)[2]!.getAttribute('aria-label')).to.equal('Мир, Visa, Mastercard');
    const row = svgs(el)[2]!.getBoundingClientRect();
    expect(row.width / row.height, 'three card-shaped chips side by side').to.be.closeTo((3 * 38 + 2 * 4) / 24, 0.05);
  });

  it('shows a card brand, and nothing for a brand it does not know', async () => {
    const el = await render([brandMark('visa'), brandMark('amex'), brandMark('')]);
    expect(svgs(el).map((s) => s.getAttribute('aria-label'))).to.deep.equal(['Visa']);
  });

  it('builds the same marks with DOM calls for the card frame', async () => {
    const lit = await render(mark('mastercard'));
    const dom = markElement('mastercard');
    expect(dom.getAttribute('role')).to.equal('img');
    expect(dom.getAttribute('aria-label')).to.equal('Mastercard');
    expect(dom.getAttribute('viewBox')).to.equal(svgs(lit)[0]!.getAttribute('viewBox'));
    const paths = (root: Element) => [...root.querySelectorAll('path')].map((p) => `${p.getAttribute('d')} ${p.getAttribute('fill')}`);
    expect(paths(dom)).to.deep.equal(paths(svgs(lit)[0]!));
    expect(markElement('visa').textContent, 'drawn, not typed: no stray text in what surrounds it').to.equal('');
    const tab = await render(html`<button>${methodMark('card')}<span>Карта</span></button>`);
    expect(tab.textContent!.trim(), "a tab's text is its label alone").to.equal('Карта');
  });
});
