/**
 * The address a request came from, for the per-address rate limits: the TCP peer, or with
 * `trustProxy` (the server runs behind a reverse proxy that sets it) the address the proxy
 * appended last to X-Forwarded-For. Without a proxy that header is the client's own word, so it
 * is not read. Null where there is no socket (a test calling the app directly).
 */
import type { Context } from 'hono';

export function clientAddress(c: Context, trustProxy: boolean): string | null {
  if (trustProxy) {
    const forwarded = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? null;
}
