/**
 * One session: what it is, a refund form, its timeline, its payments and each webhook delivery
 * with the headers as sent and the payload. Expanded deliveries stay expanded across redraws.
 */
import { h, replace } from '../dom';
import { postAction, type SessionDetail } from './console-api';
import { amountOf, clock, formatMoney, parseRoubles } from './format';

type Webhook = SessionDetail['webhooks'][number];

export function renderSessionDetail(root: HTMLElement, d: SessionDetail, opts: { replay: boolean; onChange: () => void }): void {
  const open = new Set([...root.querySelectorAll<HTMLDetailsElement>('details[data-key]')].filter((el) => el.open).map((el) => el.dataset.key));
  const s = d.session;
  replace(
    root,
    h('h2', {}, s.id, ' ', h('span', { class: `status status-${s.status}` }, s.status)),
    h(
      'dl',
      { class: 'facts' },
      fact('Project', s.project),
      fact('Amount', amountOf(s.amount_details.amount)),
      s.description ? fact('Description', s.description) : null,
      s.customer_reference ? fact('Customer', s.customer_reference) : null,
      s.metadata !== null ? fact('Metadata', JSON.stringify(s.metadata)) : null,
      s.link_id ? fact('Payment link', s.link_id) : null,
      s.close_reason ? fact('Closed', s.close_reason) : null,
      fact('Expires', s.expires_at),
    ),
    d.refundable_amount > 0 ? refundForm(s.id, d.refundable_amount, opts.onChange) : null,
    // Outside the form: a full refund removes the form on the next redraw, the word that it worked stays.
    notices.has(s.id) ? h('p', { class: 'small notice', role: 'status' }, notices.get(s.id)!) : null,
    h('h3', {}, 'Timeline'),
    h('ol', { class: 'timeline' }, d.timeline.map((e) => h('li', { class: `t-${e.kind}${e.ok === true ? ' ok' : e.ok === false ? ' bad' : ''}` }, h('time', {}, clock(e.at)), ' ', e.text))),
    h('h3', {}, 'Payments'),
    d.payments.length === 0
      ? h('p', { class: 'muted' }, 'No payment yet: the customer has not chosen a method.')
      : h(
          'table',
          {},
          h('thead', {}, h('tr', {}, h('th', {}, 'Payment'), h('th', {}, 'Method'), h('th', {}, 'Status'), h('th', {}, 'Amount'), h('th', {}, 'Refunded'), h('th', {}, 'Details'))),
          h(
            'tbody',
            {},
            d.payments.map((p) =>
              h(
                'tr',
                {},
                h('td', {}, p.id),
                h('td', {}, p.method),
                h('td', {}, h('span', { class: `status status-${p.status}` }, p.status)),
                h('td', { class: 'num' }, amountOf(p.amount)),
                h('td', { class: 'num' }, p.refunded_amount ? formatMoney(p.refunded_amount) : '—'),
                h('td', { class: 'small' }, p.card ? `${p.card.brand} •••• ${p.card.last4} ` : '', p.failure ? `${p.failure.code}: ${p.failure.description ?? ''}` : '', p.status === 'in_progress' || p.status === 'pending' ? stageNote(p) : ''),
              ),
            ),
          ),
        ),
    h('h3', {}, 'Webhook deliveries'),
    d.webhooks.length === 0 ? h('p', { class: 'muted' }, 'None yet: events are queued when a payment needs action, finishes or is refunded.') : d.webhooks.map((w) => webhookView(w, open.has(w.id), opts)),
  );
}

const fact = (term: string, value: string) => [h('dt', {}, term), h('dd', {}, value)];

const stageNote = (p: SessionDetail['payments'][number]) =>
  p.stage === 'awaiting_customer' ? `waits for the customer${p.action_expires_at ? ` until ${clock(p.action_expires_at)}` : ''}` : `waits for the merchant's confirm${p.confirm_expires_at ? ` until ${clock(p.confirm_expires_at)}` : ''}`;

/** The last action's outcome per session, kept across the redraws of the live page. */
const notices = new Map<string, string>();

function refundForm(sessionId: string, refundable: number, onChange: () => void): HTMLElement {
  const input = h('input', { name: 'amount', inputmode: 'decimal', placeholder: `all: ${formatMoney(refundable)}`, 'aria-label': 'Amount to refund, in roubles (empty: all)' });
  const message = h('p', { class: 'small', role: 'status' });
  const button = h('button', { type: 'submit', class: 'decline' }, 'Refund');
  const form = h('form', { class: 'refund' }, h('label', {}, 'Refund ', input, ' ₽'), button, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const amount = input.value.trim() === '' ? undefined : parseRoubles(input.value);
    if (amount === null || amount === 0) return void (message.textContent = 'Type an amount in roubles, such as 150 or 150,50; leave it empty to refund all.');
    button.disabled = true;
    const result = await postAction(`/console/api/sessions/${encodeURIComponent(sessionId)}/refund`, amount === undefined ? {} : { amount });
    button.disabled = false;
    if (!result.ok) return void (message.textContent = `Refused: ${result.message}`);
    notices.set(sessionId, 'Refunded: the payment_refunded webhook is on its way.');
    onChange();
  });
  return form;
}

function webhookView(w: Webhook, open: boolean, opts: { replay: boolean; onChange: () => void }): HTMLElement {
  const last = w.attempts.at(-1);
  const result = w.status === 'delivered' ? `delivered: ${w.last_response_status}` : w.status === 'failed' ? `failed: ${w.last_error ?? w.last_response_status}` : w.attempts_count ? `retrying at ${clock(w.next_attempt_at ?? '')}: ${w.last_error ?? w.last_response_status}` : 'queued';
  return h(
    'details',
    { 'data-key': w.id, open, class: 'webhook' },
    h('summary', {}, h('strong', {}, w.type), ' ', h('span', { class: `status status-${w.status}` }, result), h('span', { class: 'muted small' }, ` · ${w.attempts_count} attempt${w.attempts_count === 1 ? '' : 's'} · ${w.id}`)),
    h('p', { class: 'small' }, 'POST ', h('code', {}, w.url)),
    last?.headers ? [h('p', { class: 'small muted' }, `Headers as sent in attempt ${last.attempt}:`), h('pre', {}, Object.entries(last.headers).map(([k, v]) => `${k}: ${v}`).join('\n'))] : null,
    w.attempts.length
      ? h(
          'table',
          { class: 'attempts' },
          h('thead', {}, h('tr', {}, h('th', {}, '#'), h('th', {}, 'At'), h('th', {}, 'Response'), h('th', {}, 'Time'), h('th', {}, 'webhook-timestamp'))),
          h(
            'tbody',
            {},
            w.attempts.map((a) =>
              h('tr', {}, h('td', {}, a.attempt), h('td', {}, clock(a.at)), h('td', { class: a.response_status !== null && a.response_status < 300 ? 'ok' : 'bad' }, a.response_status ?? a.error ?? '—'), h('td', {}, `${a.duration_ms} ms`), h('td', {}, a.headers?.['webhook-timestamp'] ?? '')),
            ),
          ),
        )
      : null,
    opts.replay && w.status === 'failed' ? replayButton(w.id, opts.onChange) : null,
    h('p', { class: 'small muted' }, 'Payload:'),
    h('pre', {}, JSON.stringify(w.payload, null, 2)),
  );
}

function replayButton(eventId: string, onChange: () => void): HTMLElement {
  const button = h('button', { type: 'button', class: 'approve' }, 'Replay this event');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const result = await postAction(`/console/api/webhooks/${encodeURIComponent(eventId)}/replay`, {});
    button.textContent = result.ok ? 'Queued again' : `Refused: ${result.message}`;
    onChange();
  });
  return button;
}
