/**
 * The frame of every server-rendered page (sandbox bank, 3-D Secure, push inbox, receipts, docs,
 * hosted pages). Values interpolated with `html` are escaped; no page has an inline script or
 * style, so they run under a CSP that allows neither.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** Pages may be framed anywhere: the 3-D Secure page opens inside the merchant's checkout, as an issuer's would. */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors *; base-uri 'none'";

/** PAGE_CSP widened only as far as a page needs: this server's scripts, and the shop logo's origin. */
export function pageCsp(opts: { scripts?: boolean; logoUrl?: string | null } = {}): string {
  const logoOrigin = opts.logoUrl && URL.canParse(opts.logoUrl) ? ` ${new URL(opts.logoUrl).origin}` : '';
  return [
    "default-src 'none'",
    ...(opts.scripts ? ["script-src 'self'"] : []),
    "style-src 'self'",
    `img-src 'self' data:${logoOrigin}`,
    "form-action 'self'",
    'frame-ancestors *',
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
.badge { display: inline-block; font-size: 12px; padding: 2px 8px; border-radius: 999px; background: #fef3c7; color: #92400e; }
.actions { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 20px; }
button { flex: 1; font: inherit; font-weight: 600; padding: 12px 16px; border-radius: 10px; border: 0; cursor: pointer; }
button.approve { background: var(--accent); color: #fff; }
button.decline { background: transparent; color: var(--danger); border: 1px solid currentColor; }
button:focus-visible { outline: 3px solid #93c5fd; outline-offset: 2px; }
.result { padding: 12px; border-radius: 10px; background: #ecfdf5; color: #065f46; margin-top: 16px; }
.result.failed { background: #fef2f2; color: var(--danger); }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 8px; border-bottom: 1px solid rgb(127 127 127 / .2); vertical-align: top; }
.hosted h1 { font-size: 22px; margin-top: 12px; }
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
