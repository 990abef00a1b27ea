/**
 * The order check (Telegram's pre-checkout rule): before a customer-initiated charge, the server
 * POSTs the order to the merchant's order-check URL, signed like the webhooks, and waits at most
 * ORDER_CHECK_TIMEOUT_MS. Only `{"ok": true}` lets the payment start.
 */
import { signatureHeaders } from '../webhooks/signature-headers';
import { newId } from '../ids';

export const ORDER_CHECK_TIMEOUT_MS = 10_000;

export type OrderCheckResult = { ok: true } | { ok: false; code: 'order_refused' | 'order_check_failed'; message: string };

export type OrderCheckDeps = {
  fetch: typeof fetch;
  /** Resolves after `ms`; tests pass one that resolves at once to play the timeout. */
  sleep: (ms: number) => Promise<void>;
  /** The signature's timestamp: the real time, which the merchant checks against its own clock (not the sandbox's test clock). */
  now: () => number;
};

export async function checkOrder(url: string, secret: string, order: object, d: OrderCheckDeps): Promise<OrderCheckResult> {
  const id = newId('evt');
  const body = JSON.stringify({ type: 'order_check', ...order });
  const abort = new AbortController();
  const request = d
    .fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signatureHeaders(secret, id, d.now(), body),
      },
      body,
      redirect: 'manual',
      signal: abort.signal,
    })
    .then(async (res) => ({ res, json: (await res.json().catch(() => null)) as { ok?: unknown; error_message?: unknown } | null }));
  // Aborted after a timeout, the request rejects with nobody waiting: mark that as handled.
  request.catch(() => undefined);
  const timeout = d.sleep(ORDER_CHECK_TIMEOUT_MS).then(() => 'timeout' as const);
  const failed = (why: string): OrderCheckResult => ({
    ok: false,
    code: 'order_check_failed',
    message: `The shop could not confirm the order (${why}). Nothing was charged; please try again later.`,
  });
  try {
    const answer = await Promise.race([request, timeout]);
    if (answer === 'timeout') return failed('no answer in 10 seconds');
    if (!answer.res.ok) return failed(`HTTP ${answer.res.status}`);
    if (answer.json?.ok === true) return { ok: true };
    if (answer.json?.ok === false) {
      const message = typeof answer.json.error_message === 'string' && answer.json.error_message.trim() ? answer.json.error_message.slice(0, 255) : 'The shop cannot accept this order.';
      return { ok: false, code: 'order_refused', message };
    }
    return failed('an answer without "ok"');
  } catch {
    return failed('unreachable');
  } finally {
    abort.abort();
  }
}
