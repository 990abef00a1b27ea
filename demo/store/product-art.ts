/**
 * The product pictures, drawn as inline SVG: no external assets, nothing to host. Colours are
 * presentation attributes rather than `style`, which the page's CSP would refuse.
 */
import { html, raw } from 'hono/html';

const mug = html`<svg viewBox="0 0 200 150" role="img" aria-label="A blue stoneware mug">
  <rect width="200" height="150" fill="#e0f2fe"/>
  <ellipse cx="100" cy="128" rx="62" ry="9" fill="#bae6fd"/>
  <path d="M138 62 q32 0 32 26 q0 26 -32 26" fill="none" stroke="#0369a1" stroke-width="9"/>
  <path d="M52 40 h86 v72 q0 18 -18 18 h-50 q-18 0 -18 -18 z" fill="#0284c7"/>
  <ellipse cx="95" cy="40" rx="43" ry="8" fill="#0c4a6e"/>
  <path d="M52 78 q11 -9 22 0 t22 0 t22 0 t20 0" fill="none" stroke="#e0f2fe" stroke-width="4"/>
  <path d="M52 92 q11 -9 22 0 t22 0 t22 0 t20 0" fill="none" stroke="#7dd3fc" stroke-width="3"/>
  <path d="M82 30 q-6 -10 0 -18 M100 30 q-6 -10 0 -18" fill="none" stroke="#94a3b8" stroke-width="3" stroke-linecap="round"/>
</svg>`;

const socks = html`<svg viewBox="0 0 200 150" role="img" aria-label="A pair of red wool socks">
  <rect width="200" height="150" fill="#fee2e2"/>
  <path d="M58 18 h36 v68 l22 18 q12 12 0 24 q-10 10 -24 2 l-40 -26 q-6 -4 -6 -12 z" fill="#b91c1c"/>
  <path d="M106 28 h36 v64 l22 18 q12 12 0 24 q-10 10 -24 2 l-40 -26 q-6 -4 -6 -12 z" fill="#dc2626"/>
  <rect x="58" y="18" width="36" height="12" fill="#fef2f2"/>
  <rect x="106" y="28" width="36" height="12" fill="#fef2f2"/>
  <path d="M62 50 l6 6 l6 -6 l6 6 l6 -6 l6 6 M110 60 l6 6 l6 -6 l6 6 l6 -6 l6 6" fill="none" stroke="#fecaca" stroke-width="3"/>
</svg>`;

const tea = html`<svg viewBox="0 0 200 150" role="img" aria-label="A tin of sea-buckthorn tea">
  <rect width="200" height="150" fill="#ffedd5"/>
  <rect x="62" y="30" width="76" height="100" rx="8" fill="#c2410c"/>
  <rect x="58" y="22" width="84" height="16" rx="5" fill="#7c2d12"/>
  <rect x="70" y="58" width="60" height="44" rx="4" fill="#fff7ed"/>
  <path d="M100 66 v30 M100 74 l-10 -6 M100 82 l10 -6 M100 90 l-10 -6" stroke="#15803d" stroke-width="3" stroke-linecap="round"/>
  <circle cx="88" cy="72" r="4" fill="#f97316"/><circle cx="112" cy="80" r="4" fill="#f97316"/><circle cx="90" cy="88" r="4" fill="#fb923c"/>
  <circle cx="110" cy="94" r="4" fill="#f97316"/><circle cx="112" cy="66" r="3" fill="#fb923c"/>
</svg>`;

const teaSubscription = html`<svg viewBox="0 0 200 150" role="img" aria-label="A box of Baikal herbal tea, with an arrow going round: it comes every month">
  <rect width="200" height="150" fill="#dcfce7"/>
  <ellipse cx="92" cy="130" rx="62" ry="8" fill="#bbf7d0"/>
  <rect x="42" y="52" width="100" height="76" rx="6" fill="#15803d"/>
  <rect x="38" y="42" width="108" height="18" rx="5" fill="#14532d"/>
  <rect x="58" y="72" width="68" height="44" rx="4" fill="#f0fdf4"/>
  <path d="M92 110 v-32" stroke="#166534" stroke-width="3" stroke-linecap="round"/>
  <ellipse cx="85" cy="86" rx="8" ry="3.5" transform="rotate(-35 85 86)" fill="#22c55e"/>
  <ellipse cx="99" cy="92" rx="8" ry="3.5" transform="rotate(35 99 92)" fill="#16a34a"/>
  <ellipse cx="85" cy="100" rx="8" ry="3.5" transform="rotate(-35 85 100)" fill="#16a34a"/>
  <ellipse cx="99" cy="80" rx="7" ry="3" transform="rotate(35 99 80)" fill="#22c55e"/>
  <circle cx="110" cy="104" r="3" fill="#a855f7"/><circle cx="114" cy="98" r="2.5" fill="#c084fc"/>
  <path d="M176 26 a18 18 0 1 0 4 16" fill="none" stroke="#15803d" stroke-width="5" stroke-linecap="round"/>
  <path d="M168 24 l9 2 l1 -9" fill="none" stroke="#15803d" stroke-width="5" stroke-linecap="round" stroke-linejoin="round"/>
</svg>`;

export const PRODUCT_ART: Record<string, ReturnType<typeof html>> = { 'baikal-mug': mug, 'wool-socks': socks, 'buckthorn-tea': tea, 'baikal-tea-monthly': teaSubscription };

/** The shop's logo: a wave over a mountain. */
/** The shop's logo, as a file (`/demo/logo.svg`: the project's logo_url on the hosted pages) and inline in the header. */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32" aria-hidden="true">
  <rect width="32" height="32" rx="8" fill="#0c4a6e"/>
  <path d="M5 22 l8 -12 l5 7 l3 -4 l6 9 z" fill="#e0f2fe"/>
  <path d="M4 25 q4 -3 8 0 t8 0 t8 0" fill="none" stroke="#38bdf8" stroke-width="2"/>
</svg>`;
export const LOGO = raw(LOGO_SVG);
