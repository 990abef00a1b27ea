/**
 * The language of a page the customer reads: the merchant's fixed choice if the project has one,
 * else `?lang=ru|en` (the widget adds it to the 3-D Secure page it frames; the demo's switch),
 * else the browser's Accept-Language, else Russian.
 */
import type { Context } from 'hono';

export type PageLanguage = 'ru' | 'en';

/** Languages whose speakers in this market read Russian sooner than English. */
const RUSSIAN_FAMILY = /^(ru|be|uk|kk)$/i;

/** The page's language for this request; `fixed` is the project's `locale` setting (null: follow the customer). */
export function pageLanguage(c: Context, fixed: PageLanguage | null = null): PageLanguage {
  return fixed ?? asLanguage(c.req.query('lang')) ?? fromAcceptLanguage(c.req.header('accept-language')) ?? 'ru';
}

export const asLanguage = (value: string | null | undefined): PageLanguage | null => (value === 'ru' || value === 'en' ? value : null);

/** The best-ranked language we speak in an Accept-Language header (q-values honoured, q=0 ignored), or null. */
export function fromAcceptLanguage(header: string | undefined): PageLanguage | null {
  const ranked = (header ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([01](?:\.\d{0,3})?)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
      return { primary: tag.trim().split('-')[0]!, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.primary && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { primary } of ranked) {
    if (RUSSIAN_FAMILY.test(primary)) return 'ru';
    if (/^en$/i.test(primary)) return 'en';
  }
  return null;
}
