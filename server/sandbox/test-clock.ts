/**
 * The sandbox's test clock: the server's time runs ahead of the real one by an offset that only
 * grows (`POST /sandbox/clock/advance`, `npm run cli -- clock advance 30d`), so a developer can
 * watch a month of subscription renewals, a declined charge and its retries in seconds. Every
 * deadline follows it: sessions expire, QR codes lapse, webhooks retry on it.
 *
 * The offset is one row in the store, so every instance and the CLI move the same clock; each
 * instance reads it again on its background tick (every second). It exists only in sandbox mode:
 * a server with a real rail keeps the real time.
 */
import { periodEnd } from '../subscriptions/schedule';
import { Hono } from 'hono';
import { iso, type Clock } from '../clock';
import { badRequest } from '../errors';
import { readJson, requireJson } from '../http/body';
import type { Storage } from '../store/port';

export class SandboxClock implements Clock {
  private offsetMs = 0;

  constructor(private readonly store: Storage) {}

  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** How far ahead of the real time it runs. */
  get offset(): number {
    return this.offsetMs;
  }

  /** Takes the offset another instance or the CLI may have moved. */
  async refresh(): Promise<void> {
    this.offsetMs = await this.store.sandboxRail.clockOffset();
  }

  /** Moves the clock forward by `ms`, for every instance. */
  async advance(ms: number): Promise<void> {
    this.offsetMs = await this.store.transaction((tx) => tx.sandboxRail.advanceClock(ms));
  }
}

/**
 * `1mo`, `30d`, `12h`, `90m`, `45s`: how far to move the clock from `from`, in ms; null when it
 * is not such a duration. Months are the calendar's, as subscriptions count them (from 1 January,
 * `1mo` is 31 days; from 1 February, 28 or 29), so one month on renews a monthly subscription.
 */
export function parseDuration(text: string, from: number): number | null {
  const m = /^(\d{1,6})(mo|[dhms])$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (m[2] === 'mo') return n > 1200 ? null : periodEnd(from, 'month', n, 1) - from;
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
  return n * unit;
}

/**
 * `GET /sandbox/clock` and `POST /sandbox/clock/advance` (JSON `{"by": "30d"}`): the test clock
 * for the console and scripts. Moving it forward is all it does; the background tick, within a
 * second, expires what has lapsed and charges what has come due.
 */
export function testClockRoutes(clock: SandboxClock) {
  const app = new Hono();
  const reading = () => ({ now: iso(clock.now()), offset_ms: clock.offset });
  app.get('/sandbox/clock', (c) => c.json(reading()));
  app.post('/sandbox/clock/advance', async (c) => {
    requireJson(c.req.raw);
    const body = (await readJson(c.req.raw, 1024)) as { by?: unknown } | null;
    const ms = typeof body?.by === 'string' ? parseDuration(body.by, clock.now()) : null;
    if (!ms) throw badRequest('by', 'give how far to move the test clock forward as a number and a unit, such as "1mo", "30d", "12h", "90m" or "45s"');
    await clock.advance(ms);
    return c.json(reading());
  });
  return app;
}
