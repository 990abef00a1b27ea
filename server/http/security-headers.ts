/**
 * The headers that protect every answer, and who may frame the server's pages.
 *
 * Every answer: `X-Content-Type-Options: nosniff`, and `Strict-Transport-Security` when the
 * server's public URL is https. Every HTML page: `Referrer-Policy: no-referrer` (unless the page
 * chose its own), because several pages' URLs are capabilities (`/pay/:token`, `/receipt/:id`,
 * the card frame's `?token=`), and `X-Frame-Options: DENY` when its CSP lets nobody frame it, or
 * says nothing about framing. Each page states who may frame it in its CSP (`frame-ancestors`,
 * see `frameAncestors`); X-Frame-Options only backs `'none'` up for browsers that predate it, as
 * it cannot name a list of origins.
 */
import type { Hono } from 'hono';
import type { Reads } from '../store/port';
import type { SessionRow } from '../store/rows';
import { publicTokenHash } from '../sessions/service';

/**
 * Telegram's web clients, Web K (`/k/`) and Web A (`/a/`), are served from this one origin, and
 * telegram-web-app.js names it as the parent it talks to. The phone and desktop apps open a mini
 * app in a web view of their own, which frame-ancestors does not concern.
 */
export const TELEGRAM_WEB_ORIGIN = 'https://web.telegram.org';

/** One year (seconds): what browsers' preload lists ask for. No includeSubDomains: other hosts under the domain are not ours to pin. */
export const HSTS_MAX_AGE_SECONDS = 31_536_000;

/** The Strict-Transport-Security value for a server at `publicUrl`: only behind https. */
export const hstsHeader = (publicUrl: string): string | null =>
  new URL(publicUrl).protocol === 'https:' ? `max-age=${HSTS_MAX_AGE_SECONDS}` : null;

/** The CSP directive that lets `framers` frame a page (`'self'` or origins); none: nobody may. */
export function frameAncestors(framers: readonly string[] = []): string {
  return `frame-ancestors ${framers.length > 0 ? framers.join(' ') : "'none'"}`;
}

/**
 * Who may frame a session's pages that open inside a checkout (the card iframe, the 3-D Secure
 * page): this server (`'self'`, its hosted pages and the demo), the origins of the session's project
 * and, for a session opened through a payment link, Telegram's web client, which frames the link
 * page: frame-ancestors checks every ancestor, not only the parent. An unknown session: this server only.
 */
export async function sessionFramers(store: Reads, session: Pick<SessionRow, 'project' | 'link_id'> | undefined): Promise<string[]> {
  if (!session) return ["'self'"];
  // The CLI keeps only bare origins; checked again so no stored value can end the directive early.
  const origins = ((await store.projects.get(session.project))?.origins ?? []).filter((o) => URL.canParse(o) && new URL(o).origin === o);
  return ["'self'", ...origins, ...(session.link_id ? [TELEGRAM_WEB_ORIGIN] : [])];
}

/** What a public token looks like (service.ts issues 24 random bytes, base64url): anything else is looked up nowhere. */
const PUBLIC_TOKEN = /^pt_[A-Za-z0-9_-]{32}$/;

/** `sessionFramers` of the session with this public token, as the card frame's `?token=` names it. */
export const framersOfPublicToken = (store: Reads) => async (token: string | undefined): Promise<string[]> =>
  sessionFramers(store, token && PUBLIC_TOKEN.test(token) ? await store.sessions.byPublicToken(publicTokenHash(token)) : undefined);

export type SecurityHeadersOptions = {
  /** The server's public URL (PUBLIC_URL): HSTS is sent when it is https. */
  publicUrl: string;
  /**
   * Requests whose answers are sent untouched (default none): the widgets' status read, whose
   * plain Response the Node adapter writes from its header object directly; reading `headers`
   * here would turn that into a Headers object (about 2 µs per answer, measured), so such a route
   * must set these headers itself.
   */
  passThrough?: (request: Request) => boolean;
};

/**
 * Adds the headers above to every answer of `app`. Like answerWhenDurable and compressAnswers
 * it wraps `app.fetch` rather than being a middleware, which would put every route (the
 * widgets' status poll first) on Hono's async path; install it last, so it sees the final answer.
 */
export function secureAnswers<A extends Hono<any, any, any>>(app: A, options: SecurityHeadersOptions): A {
  const dispatch = app.fetch;
  const hsts = hstsHeader(options.publicUrl);
  const secure = (response: Response) => withSecurityHeaders(response, hsts);
  const passThrough = options.passThrough ?? (() => false);
  app.fetch = (request, env, ctx) => {
    const response = dispatch(request, env, ctx);
    if (!passThrough(request)) return response instanceof Promise ? response.then(secure) : secure(response);
    // A passed-through answer carries its own headers when it is the route's; an error (onError's) gets them here.
    const own = (r: Response) => (r.ok ? r : secure(r));
    return response instanceof Promise ? response.then(own) : own(response);
  };
  return app;
}

function withSecurityHeaders(answer: Response, hsts: string | null): Response {
  let response = answer;
  try {
    response.headers.set('x-content-type-options', 'nosniff');
  } catch {
    // Response.redirect() and fetched answers have immutable headers: a copy has its own.
    response = new Response(answer.body, answer);
    response.headers.set('x-content-type-options', 'nosniff');
  }
  const headers = response.headers;
  if (hsts) headers.set('strict-transport-security', hsts);
  if (!headers.get('content-type')?.startsWith('text/html')) return response;
  if (!headers.has('referrer-policy')) headers.set('referrer-policy', 'no-referrer');
  if (framedByNobody(headers.get('content-security-policy'))) headers.set('x-frame-options', 'DENY');
  return response;
}

/** The page's CSP lets nobody frame it: `frame-ancestors 'none'`, or no frame-ancestors at all (then no one should). */
function framedByNobody(csp: string | null): boolean {
  const directive = csp?.match(/(?:^|[;,])\s*frame-ancestors(?:\s+([^;,]*))?/i);
  if (!directive) return true;
  const sources = (directive[1] ?? '').trim().toLowerCase();
  return sources === '' || sources === "'none'";
}
