/**
 * The frame of every server-rendered page (sandbox bank, 3-D Secure, push inbox, receipts, docs,
 * hosted pages), and its stylesheet, `/assets/pages.css`. Values interpolated with `html` are
 * escaped; no page has an inline script or style, so they run under a CSP that allows neither.
 */
import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import { frameAncestors } from '../http/security-headers';

/** Nobody may frame a page unless it says who may (`pageCsp({ framers })`): a framed page can be clickjacked. */
export const PAGE_CSP = `default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; ${frameAncestors()}; base-uri 'none'`;

/**
 * PAGE_CSP widened only as far as a page needs: this server's scripts, the shop logo's origin,
 * and who may frame it (`framers`, default nobody: the 3-D Secure page opens in the checkout's dialog).
 */
export function pageCsp(opts: { scripts?: boolean; logoUrl?: string | null; framers?: readonly string[] } = {}): string {
  const logoOrigin = opts.logoUrl && URL.canParse(opts.logoUrl) ? ` ${new URL(opts.logoUrl).origin}` : '';
  return [
    "default-src 'none'",
    ...(opts.scripts ? ["script-src 'self'"] : []),
    "style-src 'self'",
    `img-src 'self' data:${logoOrigin}`,
    "form-action 'self'",
    frameAncestors(opts.framers),
    "base-uri 'none'",
  ].join('; ');
}

type Content = HtmlEscapedString | Promise<HtmlEscapedString>;

/** `head`: more of the head (meta tags, scripts); `mainClass`: a class beside `card` (`wide`, `hosted`). */
export const page = (title: string, body: Content, lang = 'en', opts: { mainClass?: string; head?: Content } = {}) => html`<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/pages.css">
${opts.head ?? ''}
</head>
<body>
<main class="card${opts.mainClass ? ` ${opts.mainClass}` : ''}">${body}</main>
</body>
</html>`;

export const PAGES_CSS = `
:root { color-scheme: light dark; --accent: #1a7f5a; --muted: #6b7280; --bg: #f4f5f7; --fg: #111827; --panel: #fff; --danger: #b42318; }
@media (prefers-color-scheme: dark) { :root { --bg: #0f1115; --fg: #e5e7eb; --panel: #1a1d24; --muted: #9ca3af; } }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
/* Read by screen readers, not shown: a page's heading where the design has none to see. */
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: var(--bg); color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.card { width: min(440px, 100% - 32px); background: var(--panel); border-radius: 16px; padding: 28px;
  box-shadow: 0 10px 30px rgb(0 0 0 / .08); margin: 24px 0; }
.card.wide { width: min(960px, 100% - 32px); }
/* A phone, or the 3-D Secure page framed in the checkout's dialog: less padding, so the answers fit side by side. */
@media (max-width: 400px) { .card { padding: 20px; width: calc(100% - 24px); } }
h1 { font-size: 20px; margin: 0 0 4px; }
.muted { color: var(--muted); font-size: 14px; }
.amount { font-size: 32px; font-weight: 700; margin: 16px 0; }
.amount .per { display: block; font-size: 16px; font-weight: 400; color: var(--muted); }
.subscription h2 { font-size: 16px; margin: 24px 0 4px; }
details.confirm { margin-top: 16px; }
details.confirm summary { cursor: pointer; color: var(--danger); font-weight: 600; padding: 8px 0; }
.history { list-style: none; padding: 0; margin: 0; font-size: 14px; }
.history li { padding: 8px 0; border-bottom: 1px solid rgb(127 127 127 / .2); }
.history .when { display: block; color: var(--muted); }
.history .declined { color: var(--danger); }
.badge { display: inline-block; font-size: 12px; padding: 2px 8px; border-radius: 999px; background: #fef3c7; color: #92400e; }
.actions { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 20px; }
button { flex: 1; font: inherit; font-weight: 600; padding: 12px 16px; border-radius: 10px; border: 0; cursor: pointer; }
button.approve { background: var(--accent); color: #fff; }
button.decline { background: transparent; color: var(--danger); border: 1px solid currentColor; }
/* The ring against the panel: #1d4ed8 is 6.7:1 on light (#93c5fd only 1.8:1 there), #93c5fd 9.4:1 on dark. */
button:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
@media (prefers-color-scheme: dark) { button:focus-visible { outline-color: #93c5fd; } }
.result { padding: 12px; border-radius: 10px; background: #ecfdf5; color: #065f46; margin-top: 16px; }
.result.failed { background: #fef2f2; color: var(--danger); }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 8px; border-bottom: 1px solid rgb(127 127 127 / .2); vertical-align: top; }
.hosted h1 { font-size: 22px; margin-top: 12px; }
/* Held at the top: centred, the card moved down each time the widget inside it grew (the layout shift on /pay/:token). */
main.card.hosted { align-self: start; }
.product-image { width: 100%; max-height: 260px; object-fit: cover; border-radius: 12px; display: block; }
.link-form { display: grid; gap: 12px; margin: 8px 0 16px; }
.link-form label { display: grid; gap: 4px; font-size: 14px; color: var(--muted); }
.link-form input:not([type=checkbox]) { font: inherit; color: var(--fg); padding: 10px 12px; border-radius: 10px; border: 1px solid rgb(127 127 127 / .4); background: transparent; }
.link-form .consent { display: flex; gap: 8px; align-items: flex-start; color: var(--fg); }
.link-form .consent input { margin-top: 4px; }
.link-form button[disabled] { opacity: .5; cursor: not-allowed; }
.link-form .hint { margin: -4px 0 0; font-size: 14px; color: var(--muted); }
.shop-head { display: flex; align-items: center; gap: 10px; margin: 0 0 16px; font-weight: 600; }
.shop-logo { width: 40px; height: 40px; border-radius: 8px; object-fit: contain; }
.fine-print { font-size: 13px; color: var(--muted); margin: 16px 0 0; }
.error { color: var(--danger); margin: 0; }
.support { font-size: 14px; color: var(--muted); margin-top: 16px; }
.support.highlight { color: var(--fg); background: rgb(127 127 127 / .12); padding: 8px 12px; border-radius: 10px; }
a { color: var(--accent); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
pre { background: rgb(127 127 127 / .1); padding: 12px; border-radius: 8px; overflow: auto; }
`;

/** The stylesheet's validator: its content hash, so a deploy that changes it is seen at once. */
const PAGES_CSS_ETAG = `"${createHash('sha256').update(PAGES_CSS).digest('base64url').slice(0, 22)}"`;

/**
 * `/assets/pages.css`: `no-cache` with a strong ETag, so a browser asks each time and gets a
 * bodiless 304 while it is unchanged, as the widget's stable URLs do (widget-assets.ts); with
 * `max-age=3600` alone a deploy's new CSS reached returning visitors an hour late.
 */
export function pagesStylesheet() {
  const app = new Hono();
  app.get('/assets/pages.css', (c) => {
    c.header('Cache-Control', 'public, no-cache');
    c.header('ETag', PAGES_CSS_ETAG);
    const ifNoneMatch = c.req.header('if-none-match');
    // Weak comparison (RFC 9110): a compressed copy comes back as W/"…".
    if (ifNoneMatch?.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === PAGES_CSS_ETAG)) return c.body(null, 304);
    return c.body(PAGES_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
  return app;
}
