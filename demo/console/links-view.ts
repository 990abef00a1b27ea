/** The payment links and the registered projects, as tables. */
import { h, replace } from '../dom';
import type { LinkSummary, ProjectSummary } from './console-api';
import { dateTime, formatMoney } from './format';

export function renderLinks(root: HTMLElement, links: LinkSummary[]): void {
  if (links.length === 0) {
    return replace(root, h('p', { class: 'muted' }, 'No payment links yet. Create one with ', h('code', {}, 'npm run cli -- link create --project <name> --file link.json'), ' or the signed link/create method.'));
  }
  replace(
    root,
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Link'), h('th', {}, 'Product'), h('th', {}, 'Amount'), h('th', {}, 'Paid / opened'), h('th', {}, 'State'), h('th', {}, 'Created'))),
      h(
        'tbody',
        {},
        links.map((l) =>
          h(
            'tr',
            {},
            h('td', {}, h('a', { href: l.url, target: '_blank', rel: 'noopener' }, l.id), h('div', { class: 'muted small' }, l.project)),
            h('td', {}, l.product_name, l.description ? h('div', { class: 'muted small' }, l.description) : null),
            h('td', { class: 'num' }, formatMoney(l.amount_details.amount)),
            h('td', {}, `${l.paid} / ${l.sessions}`),
            h('td', {}, l.disabled_at ? h('span', { class: 'status status-cancelled' }, 'disabled') : h('span', { class: 'status status-accepted' }, 'active'), ` ${l.confirmation}`),
            h('td', { class: 'time' }, dateTime(l.created_at!)),
          ),
        ),
      ),
    ),
  );
}

export function renderProjects(root: HTMLElement, projects: ProjectSummary[]): void {
  replace(
    root,
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Project'), h('th', {}, 'Webhook URL'), h('th', {}, 'Origins'), h('th', {}, 'Confirmation'), h('th', {}, 'Failed webhooks'))),
      h(
        'tbody',
        {},
        projects.map((p) =>
          h(
            'tr',
            {},
            h('td', {}, p.name),
            h('td', {}, h('code', {}, p.webhook_url), p.webhook_endpoint_disabled ? h('div', { class: 'bad small' }, 'disabled after HTTP 410: replay or update the project') : null),
            h('td', { class: 'small' }, p.origins.join(', ') || '—'),
            h('td', {}, p.confirmation),
            h('td', { class: p.failed_webhooks ? 'bad' : '' }, p.failed_webhooks),
          ),
        ),
      ),
    ),
  );
}
