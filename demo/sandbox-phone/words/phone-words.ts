/**
 * The sandbox phone's words in Russian and English. Entries that depend on a number or on data
 * are functions, which is how Russian plurals come out right (1 банк, 2 банка, 5 банков).
 */
import type { Locale } from '../../../widget/i18n/i18n';
import { en, type PhoneWords } from './en';
import { ru } from './ru';

export type { PhoneWords };
export type PhoneLanguage = Locale;

export const PHONE_WORDS: Record<PhoneLanguage, PhoneWords> = { ru, en };

/** The page's language as its `<html lang>` says ('en', 'en-US' → en); Russian otherwise, as the store defaults. */
export function pageLanguage(doc: Document = document): PhoneLanguage {
  return /^en\b/i.test(doc.documentElement.lang) ? 'en' : 'ru';
}

/** `url` (a path of this server, with or without a query) asking its page for `lang`. */
export function inLanguage(url: string, lang: PhoneLanguage): string {
  const u = new URL(url, 'http://this.server');
  u.searchParams.set('lang', lang);
  return `${u.pathname}${u.search}${u.hash}`;
}
