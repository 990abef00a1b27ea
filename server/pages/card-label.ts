/** A saved or used card as the customer's pages name it: "Visa •••• 4242", "Мир •••• 0005", never wrapped apart. */
import type { PageLanguage } from './language';

const BRANDS: Record<PageLanguage, Record<string, string>> = {
  ru: { visa: 'Visa', mastercard: 'Mastercard', mir: 'Мир' },
  en: { visa: 'Visa', mastercard: 'Mastercard', mir: 'Mir' },
};

export const cardLabel = (card: { brand: string; last4: string }, lang: PageLanguage) =>
  `${BRANDS[lang][card.brand] ?? card.brand}\u00a0••••\u00a0${card.last4}`;
