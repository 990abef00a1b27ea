/**
 * Whether the developer console is served. It shows every project's sessions, customers and
 * webhook payloads and can refund payments, with no login: that is fine on a developer's own
 * machine and wrong anywhere else. So it is on only when the server is evidently local (its
 * PUBLIC_URL is localhost or a loopback address) or when the operator says so with
 * SG_CONSOLE=on; SG_CONSOLE=off turns it off everywhere. Secure by default, opt in to expose.
 */
import { isLoopbackHost as isLoopback } from '../../server/config';

export type ConsoleGate =
  /** `loopbackOnly`: answer only requests addressed to a loopback host name (see `hostAllowed`). */
  | { enabled: true; loopbackOnly: boolean }
  | { enabled: false; reason: string };

export function consoleGate(publicUrl: string, env: Record<string, string | undefined> = process.env): ConsoleGate {
  const setting = env.SG_CONSOLE?.toLowerCase();
  if (setting === 'off') return { enabled: false, reason: 'SG_CONSOLE=off turned the developer console off' };
  if (setting === 'on') return { enabled: true, loopbackOnly: false };
  if (isLoopback(new URL(publicUrl).hostname)) return { enabled: true, loopbackOnly: true };
  return {
    enabled: false,
    reason: `the developer console shows every payment and can refund them, so it is off on a public server (PUBLIC_URL ${publicUrl}): set SG_CONSOLE=on only where the console is not reachable by anyone else`,
  };
}

/**
 * With the console on because the server is local, a request must also be addressed to a
 * loopback name: a web page whose own domain resolves to 127.0.0.1 (DNS rebinding) would
 * otherwise read the console as same-origin.
 */
export const hostAllowed = (gate: ConsoleGate, requestUrl: string) =>
  gate.enabled && (!gate.loopbackOnly || isLoopback(new URL(requestUrl).hostname));
