/** Banks' names as a page in the reader's language writes them. */
import type { PageLanguage } from './language';

/** A bank's name from the FPS directory (in Russian) as an English page writes it: its own Latin brand, else transliterated ("Т-Банк" → "T-Bank"). */
export function bankName(name: string, lang: PageLanguage): string {
  if (lang === 'ru') return name;
  return LATIN_BANK_NAMES[name] ?? name.replace(/[а-яё]/gi, (ch) => {
    const latin = CYRILLIC_TO_LATIN[ch.toLowerCase()] ?? ch;
    return ch === ch.toLowerCase() ? latin : latin.charAt(0).toUpperCase() + latin.slice(1);
  });
}

/** Where a bank's own Latin spelling differs from the transliteration. */
const LATIN_BANK_NAMES: Record<string, string> = { 'АЛЬФА-БАНК': 'Alfa-Bank', 'Банк ВТБ': 'VTB Bank', Райффайзенбанк: 'Raiffeisenbank', Совкомбанк: 'Sovcombank' };

const CYRILLIC_TO_LATIN: Record<string, string> = Object.fromEntries(
  'а a б b в v г g д d е e ё e ж zh з z и i й y к k л l м m н n о o п p р r с s т t у u ф f х kh ц ts ч ch ш sh щ shch ъ _ ы y ь _ э e ю yu я ya'
    .match(/\S+ \S+/g)!
    .map((pair) => pair.split(' ') as [string, string])
    .map(([cyr, lat]) => [cyr, lat === '_' ? '' : lat]),
);
