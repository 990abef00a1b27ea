/**
 * The Content-Security-Policy of the demo pages: no inline script or style anywhere, so the
 * pages prove that the widget runs where a careful merchant's page would put it.
 */
const BASE = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
];

/**
 * The store page: the widget frames the card form and the 3-D Secure page from this server,
 * shows the banks' logos (served by NSPK over https) in its FPS bank list, and renders through
 * Lit, whose Trusted Types policy is `lit-html`.
 */
export const STORE_PAGE_CSP = [...BASE, "img-src 'self' data: https:", "frame-src 'self'", 'trusted-types lit-html'].join('; ');

/** The console builds its DOM with createElement and textContent: it needs no policy at all. */
export const CONSOLE_PAGE_CSP = [...BASE, "img-src 'self' data:", "trusted-types 'none'"].join('; ');
