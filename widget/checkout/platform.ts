/** Whether the customer is on a phone (bank apps instead of a QR), and which kind. */
export type Layout = 'desktop' | 'mobile';

export function detectLayout(override: string | null | undefined, nav: Pick<Navigator, 'userAgent'> = navigator): Layout {
  if (override === 'desktop' || override === 'mobile') return override;
  return /Android|iPhone|iPad|iPod|Mobile/i.test(nav.userAgent) ? 'mobile' : 'desktop';
}

export const mobileOs = (nav: Pick<Navigator, 'userAgent'> = navigator): 'ios' | 'android' =>
  /Android/i.test(nav.userAgent) ? 'android' : 'ios';

/** The server's origin: the `api` attribute, else where this script was loaded from. */
export function apiBase(attribute: string | null | undefined, scriptUrl: string | undefined): string {
  const base = attribute || (scriptUrl ? new URL(scriptUrl).origin : '');
  return base.replace(/\/+$/, '');
}

/**
 * The URL of the widget's own script, whichever way the page included it: a classic script is
 * `document.currentScript` while it runs; an ES module knows its own URL (`moduleUrl`, its
 * import.meta.url). A bundle whose import.meta.url was rewritten to the page's address (a
 * classic build loaded with type="module") is caught by looking for the script tag itself.
 */
export function ownScriptUrl(moduleUrl: string | undefined): string | undefined {
  if (typeof document === 'undefined') return undefined;
  const current = document.currentScript as HTMLScriptElement | null;
  if (current?.src) return current.src;
  if (moduleUrl && /\/widget\//.test(new URL(moduleUrl, document.baseURI).pathname)) return moduleUrl;
  const tag = document.querySelector<HTMLScriptElement>('script[src*="/widget/sg-checkout."]');
  return tag?.src ?? moduleUrl;
}
