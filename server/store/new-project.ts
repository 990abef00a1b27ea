import type { NewProject, Project } from './rows';

/** A new project as both stores insert it: no branding yet unless given, Standard Webhooks signing unless asked otherwise. */
export const projectWithDefaults = (p: NewProject): Project => ({
  ...p,
  webhookSigning: p.webhookSigning ?? 'standard',
  displayName: p.displayName ?? null,
  logoUrl: p.logoUrl ?? null,
  locale: p.locale ?? null,
  support: p.support ?? {},
});
