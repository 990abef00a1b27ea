/**
 * What the link page says beside a disabled "Continue" and after a failed checkout, from the words
 * the server rendered into `data-words` in the page's language (hosted-pages.ts). Pure, so it is
 * tested without a browser.
 */
export type LinkWords = {
  fill: string;
  and: string;
  accept: string;
  acceptFirst: string;
  /** The fields' names, quoted as the page's language quotes them. */
  fields: string[];
  errors: { network: string; invalid_init_data: string; not_found: string; consent: string; field: string; other: string };
};

/** "Fill in A, B and accept the offer" / "Заполните «A», «B» и примите условия оферты"; empty when nothing is missing. */
export function missingHint(words: LinkWords, missingFields: string[], offerAccepted: boolean): string {
  const fill = missingFields.length ? [`${words.fill} ${missingFields.join(', ')}`] : [];
  const accept = offerAccepted ? [] : [missingFields.length ? words.accept : words.acceptFirst];
  return [...fill, ...accept].join(` ${words.and} `);
}

/**
 * The customer's words for a failed checkout, by error code and field: never the server's
 * `description`, which is written for developers. `error` undefined: no answer at all (network).
 */
export function checkoutError(words: LinkWords, error: { code?: string; field?: string } | undefined): string {
  if (!error) return words.errors.network;
  if (error.code === 'invalid_init_data' || error.code === 'not_found') return words.errors[error.code];
  if (error.field === 'consent') return words.errors.consent;
  const index = /^fields\.(\d+)$/.exec(error.field ?? '')?.[1];
  const field = index === undefined ? undefined : words.fields[Number(index)];
  return field ? words.errors.field.replace('{field}', field) : words.errors.other;
}
