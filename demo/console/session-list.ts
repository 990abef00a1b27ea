/** The newest sessions as a table; a row opens the session (`#sessions/ps_…`). */
import { h, replace } from '../dom';
import type { SessionSummary } from './console-api';
import { amountOf, clock } from './format';

export function renderSessionList(root: HTMLElement, sessions: SessionSummary[], selected: string | null): void {
  if (sessions.length === 0) {
    return replace(root, h('p', { class: 'muted' }, 'No sessions yet. Buy something in the ', h('a', { href: '/' }, 'demo store'), ' and it shows up here within two seconds.'));
  }
  replace(
    root,
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', {}, 'Created'), h('th', {}, 'Session'), h('th', {}, 'Amount'), h('th', {}, 'Status'), h('th', {}, 'Webhooks'))),
      h(
        'tbody',
        {},
        sessions.map((s) =>
          h(
            'tr',
            { class: s.id === selected ? 'selected' : null },
            h('td', { class: 'time' }, clock(s.created_at)),
            h('td', {}, h('a', { href: `#sessions/${s.id}` }, s.id), h('div', { class: 'muted small' }, s.project, s.payments.length ? ` · ${s.payments.map((p) => p.method).join(', ')}` : '')),
            h('td', { class: 'num' }, amountOf(s.amount_details.amount)),
            h('td', {}, h('span', { class: `status status-${s.status}` }, s.status)),
            h('td', {}, webhookCounts(s.webhooks)),
          ),
        ),
      ),
    ),
  );
}

function webhookCounts(w: SessionSummary['webhooks']) {
  if (w.total === 0) return h('span', { class: 'muted' }, '—');
  return h(
    'span',
    { title: `${w.delivered} delivered, ${w.pending} pending, ${w.failed} failed` },
    h('span', { class: 'ok' }, `${w.delivered}✓`),
    w.pending ? h('span', { class: 'warn' }, ` ${w.pending}…`) : null,
    w.failed ? h('span', { class: 'bad' }, ` ${w.failed}✗`) : null,
  );
}
