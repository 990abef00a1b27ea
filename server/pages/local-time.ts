/**
 * Times the customer reads: a `<time datetime="…">` whose text is Moscow time, labelled, so it is
 * right without JavaScript, and `/assets/local-time.js`, a tiny script (external: the pages' CSP
 * allows no inline script) that rewrites each one in the browser's own time zone and the page's
 * language.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { PageLanguage } from './language';

const MOSCOW = { timeZone: 'Europe/Moscow', label: { ru: 'МСК', en: 'Moscow time' } } as const;

/** "1 декабря 2026, 12:30 МСК" / "1 December 2026, 12:30 Moscow time". */
export function moscowTime(atMs: number, lang: PageLanguage): string {
  const part = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(lang, { timeZone: MOSCOW.timeZone, ...options }).formatToParts(atMs);
  const date = Object.fromEntries(part({ day: 'numeric', month: 'long', year: 'numeric' }).map((p) => [p.type, p.value]));
  const time = new Intl.DateTimeFormat(lang, { timeZone: MOSCOW.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(atMs);
  return `${date.day} ${date.month} ${date.year}, ${time} ${MOSCOW.label[lang]}`;
}

/** A time the browser will show in its own zone; Moscow time until then. */
export const timeElement = (atMs: number, lang: PageLanguage) => html`<time datetime="${new Date(atMs).toISOString()}">${moscowTime(atMs, lang)}</time>`;

/** Rewrites every `<time datetime>` in the browser's time zone, in the page's language, naming the zone. */
export const LOCAL_TIME_JS = `(function () {
  var lang = document.documentElement.lang === 'en' ? 'en' : 'ru';
  var format = new Intl.DateTimeFormat(lang, { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
  var times = document.querySelectorAll('time[datetime]');
  for (var i = 0; i < times.length; i++) {
    var at = new Date(times[i].getAttribute('datetime'));
    if (!isNaN(at.getTime())) times[i].textContent = format.format(at);
  }
})();
`;

/** Where the pages that show times load the script from (their CSP allows script-src 'self'). */
export const LOCAL_TIME_PATH = '/assets/local-time.js';

/** Serves LOCAL_TIME_JS at LOCAL_TIME_PATH (cached for an hour). */
export function localTimeScript() {
  const app = new Hono();
  app.get(LOCAL_TIME_PATH, (c) => {
    c.header('Cache-Control', 'public, max-age=3600');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(LOCAL_TIME_JS, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });
  return app;
}
