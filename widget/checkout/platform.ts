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
