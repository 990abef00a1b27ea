/**
 * The console page's behaviour (built by Vite into /console/console-page.js): the view named by
 * the URL hash (`#sessions`, `#sessions/ps_…`, `#subscriptions`, `#links`, `#projects`), refreshed
 * every two seconds while the tab is visible, and redrawn only when the answer changed; the
 * sandbox's test clock in the header, read on the same tick.
 */
import { getJson, type LinkSummary, type ProjectSummary, type SessionDetail, type SessionSummary, type SubscriptionSummary } from './console-api';
import { renderLinks, renderProjects } from './links-view';
import { renderSessionDetail } from './session-detail';
import { renderSessionList } from './session-list';
import { renderSubscriptions } from './subscriptions-view';
import { TestClockView } from './test-clock';

/** How often the console asks again: the "live". */
const POLL_MS = 2_000;

type View = 'sessions' | 'subscriptions' | 'links' | 'projects';

const $ = (id: string) => document.getElementById(id)!;
const replay = document.body.dataset.replay === 'on';
const lastText = new Map<string, string>();
let timer: ReturnType<typeof setTimeout> | undefined;
/** Bumped by every tick: a tick overtaken by a newer one (a click during a fetch) schedules nothing. */
let run = 0;
const testClock = new TestClockView($('test-clock'), () => void tick());

function route(): { view: View; sessionId: string | null } {
  const [view, sessionId] = location.hash.slice(1).split('/');
  if (view === 'subscriptions' || view === 'links' || view === 'projects') return { view, sessionId: null };
  return { view: 'sessions', sessionId: sessionId && /^ps_[0-9a-z]+$/.test(sessionId) ? sessionId : null };
}

/** Fetches `path`; calls `draw` only when the answer differs from the last one drawn for `key`. */
async function refresh<T>(key: string, path: string, draw: (body: T) => void): Promise<void> {
  const { text, body } = await getJson<T>(path);
  if (lastText.get(key) === text) return;
  lastText.set(key, text);
  draw(body);
}

async function tick(): Promise<void> {
  clearTimeout(timer);
  const mine = ++run;
  const { view, sessionId } = route();
  for (const name of ['sessions', 'subscriptions', 'links', 'projects'] as const) {
    $(`view-${name}`).hidden = name !== view;
    $(`tab-${name}`).toggleAttribute('aria-current', name === view);
  }
  try {
    if (view === 'sessions') {
      await refresh<{ sessions: SessionSummary[] }>(`list:${sessionId}`, '/console/api/sessions', (b) => renderSessionList($('session-list'), b.sessions, sessionId));
      const detail = $('session-detail');
      // Never redraw under the cursor of someone typing a refund amount.
      const typing = detail.contains(document.activeElement) && document.activeElement instanceof HTMLInputElement;
      if (sessionId && !typing) {
        await refresh<SessionDetail>(`session:${sessionId}`, `/console/api/sessions/${sessionId}`, (b) => renderSessionDetail(detail, b, { replay, onChange: () => void tick() }));
      }
    } else if (view === 'subscriptions') {
      await refresh<{ subscriptions: SubscriptionSummary[] }>('subscriptions', '/console/api/subscriptions', (b) => renderSubscriptions($('view-subscriptions'), b.subscriptions));
    } else if (view === 'links') {
      await refresh<{ links: LinkSummary[] }>('links', '/console/api/links', (b) => renderLinks($('view-links'), b.links));
    } else {
      await refresh<{ projects: ProjectSummary[] }>('projects', '/console/api/projects', (b) => renderProjects($('view-projects'), b.projects));
    }
    await testClock.refresh();
    setLive(true);
  } catch {
    setLive(false);
  }
  if (mine === run) timer = setTimeout(next, POLL_MS);
}

/** A hidden tab keeps its last picture and asks nothing; it catches up when shown again. */
function next(): void {
  if (document.hidden) timer = setTimeout(next, POLL_MS);
  else void tick();
}

function setLive(ok: boolean): void {
  const live = $('live');
  live.textContent = ok ? `live · ${new Date().toLocaleTimeString()}` : 'server not answering: retrying';
  live.classList.toggle('offline', !ok);
}

window.addEventListener('hashchange', () => {
  lastText.clear(); // another view or session: draw it whatever was drawn before
  $('session-detail').replaceChildren();
  void tick();
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden) void tick();
});
next();
