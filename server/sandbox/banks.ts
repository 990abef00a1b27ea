/**
 * The directory of FPS (СБП) banks whose apps can pay an FPS link: names, logos and the URL
 * scheme / Android package that `bankDeepLinks` needs. See data/NOTICE.md for the source.
 */
import { readFileSync } from 'node:fs';

export type FpsBank = {
  id: string;
  name: string;
  logoUrl: string | null;
  schema: string;
  package: string | null;
  webClientUrl: string | null;
};

type Entry = Record<string, unknown>;

const MEMBER_ID_PATTERN = /^\d{12}$/;
const SCHEMA_PATTERN = /^[a-z][a-z0-9+.-]*$/i;
const ANDROID_PACKAGE_PATTERN = /^[A-Za-z][\w]*(\.[A-Za-z_][\w]*)+$/;
// NSPK's raw list has no id field: the member id is only in the scheme, `bank<12 digits>`.
const RAW_SCHEMA_ID_PATTERN = /^bank(\d{12})$/;

/**
 * The banks in a directory document: the slim `{ banks: [{ id, name, logo, schema, package, … }] }`
 * or NSPK's raw `{ dictionary: [{ bankName, logoURL, schema, package_name, … }] }`. Malformed
 * entries are skipped, so one bad row in a list NSPK edits by hand does not take FPS down;
 * throws when the document holds no usable bank at all.
 */
export function loadBankDirectory(json: unknown): FpsBank[] {
  const entries = entriesOf(json);
  if (!entries) {
    throw new Error('bank directory must be an object with a "banks" (slim) or "dictionary" (NSPK c2bmembers) array');
  }
  const banks = new Map<string, FpsBank>();
  for (const entry of entries) {
    const bank = isEntry(entry) ? ('bankName' in entry ? fromRaw(entry) : fromSlim(entry)) : null;
    // The first entry for an id wins: a bank listed twice would show twice in the picker.
    if (bank && !banks.has(bank.id)) banks.set(bank.id, bank);
  }
  if (banks.size === 0) {
    throw new Error(`bank directory has ${entries.length} entries and none is a valid bank: check the file's format`);
  }
  return [...banks.values()];
}

function entriesOf(json: unknown): unknown[] | null {
  if (Array.isArray(json)) return json;
  if (!isEntry(json)) return null;
  if (Array.isArray(json.banks)) return json.banks;
  if (Array.isArray(json.dictionary)) return json.dictionary;
  return null;
}

function fromSlim(entry: Entry): FpsBank | null {
  const id = entry.id;
  if (typeof id !== 'string' || !MEMBER_ID_PATTERN.test(id)) return null;
  return bank(id, entry.name, entry.logo, entry.schema, entry.package, entry.isWebClientActive === true, entry.webClientUrl);
}

function fromRaw(entry: Entry): FpsBank | null {
  const id = typeof entry.schema === 'string' ? RAW_SCHEMA_ID_PATTERN.exec(entry.schema)?.[1] : undefined;
  if (!id) return null;
  const webClientActive = entry.isWebClientActive === 'true' || entry.isWebClientActive === true;
  return bank(id, entry.bankName, entry.logoURL, entry.schema, entry.package_name, webClientActive, entry.webClientUrlSub);
}

function bank(
  id: string,
  name: unknown,
  logo: unknown,
  schema: unknown,
  androidPackage: unknown,
  webClientActive: boolean,
  webClientUrl: unknown,
): FpsBank | null {
  if (typeof name !== 'string' || name.trim() === '') return null;
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) return null;
  // Optional fields degrade to null rather than dropping the bank: its app still opens by scheme.
  return {
    id,
    name: name.trim(),
    logoUrl: httpUrl(logo, ['https:']),
    schema,
    package: typeof androidPackage === 'string' && ANDROID_PACKAGE_PATTERN.test(androidPackage) ? androidPackage : null,
    // One bank's web client is plain http in NSPK's own list, so http is accepted here.
    webClientUrl: webClientActive ? httpUrl(webClientUrl, ['https:', 'http:']) : null,
  };
}

function httpUrl(value: unknown, protocols: readonly string[]): string | null {
  if (typeof value !== 'string' || !URL.canParse(value)) return null;
  return protocols.includes(new URL(value).protocol) ? value : null;
}

function isEntry(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The FPS banks shipped with the sandbox, read once at start-up from data/sbp-banks.json. */
export const BANKS: readonly FpsBank[] = Object.freeze(
  loadBankDirectory(JSON.parse(readFileSync(new URL('./data/sbp-banks.json', import.meta.url), 'utf8'))),
);
