/**
 * The sandbox's test clock in the console's header: the server's time, how far it runs ahead of
 * the real one, and buttons that move it forward (`POST /sandbox/clock/advance`, the sandbox's
 * own route: the console adds no action of its own). A server without a test clock (a real
 * rail) answers `GET /sandbox/clock` with 404: then nothing is shown and nothing asked again.
 */
import { h, replace } from '../dom';
import { dateTime } from './format';

type Reading = { now: string; offset_ms: number };

/** The buttons: what each says and how far it moves the clock (the route's duration syntax). */
const STEPS = [
  { label: '+1 day', by: '1d' },
  { label: '+1 month', by: '1mo' },
] as const;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export class TestClockView {
  /** Unknown until the server first answers; `absent` once it said it has no test clock. */
  private state: 'unknown' | 'present' | 'absent' = 'unknown';
  private readonly now = h('time', {});
  private readonly offset = h('span', { class: 'muted small' });
  private readonly message = h('span', { class: 'bad small', role: 'status' });
  private readonly buttons: HTMLButtonElement[];

  /** `onAdvanced` runs after the clock moved (the console redraws what it shows). */
  constructor(
    private readonly root: HTMLElement,
    private readonly onAdvanced: () => void,
  ) {
    this.buttons = STEPS.map((step) => {
      const button = h('button', { type: 'button', class: 'approve' }, step.label);
      button.addEventListener('click', () => void this.advance(step.by));
      return button;
    });
    replace(root, h('span', {}, 'Sandbox time ', this.now), this.offset, this.buttons, this.message);
  }

  /** Reads the clock again (each console tick); shows it the first time the server has one. */
  async refresh(): Promise<void> {
    if (this.state === 'absent') return;
    const res = await fetch('/sandbox/clock', { headers: { accept: 'application/json' } }).catch(() => null);
    if (res?.status === 404) {
      this.state = 'absent';
      this.root.hidden = true;
      return;
    }
    if (!res?.ok) return; // the server is not answering: the console's own status says so
    this.show((await res.json()) as Reading);
  }

  private async advance(by: string): Promise<void> {
    for (const b of this.buttons) b.disabled = true;
    this.message.textContent = '';
    const res = await fetch('/sandbox/clock/advance', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ by }) }).catch(() => null);
    for (const b of this.buttons) b.disabled = false;
    if (!res?.ok) {
      const reply = (await res?.json().catch(() => null)) as { error?: { description?: string } } | null;
      this.message.textContent = `Not moved: ${reply?.error?.description ?? 'the server did not answer'}`;
      return;
    }
    this.show((await res.json()) as Reading);
    this.onAdvanced();
  }

  private show(reading: Reading): void {
    this.state = 'present';
    this.root.hidden = false;
    this.now.dateTime = reading.now;
    this.now.textContent = `${dateTime(reading.now)} UTC`;
    this.offset.textContent = ahead(reading.offset_ms);
  }
}

/** "30 d 2 h ahead of real time"; "real time" while it has not been moved (by under a minute). */
function ahead(offsetMs: number): string {
  if (offsetMs < MINUTE_MS) return 'real time';
  const days = Math.floor(offsetMs / DAY_MS);
  const hours = Math.floor((offsetMs % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((offsetMs % HOUR_MS) / MINUTE_MS);
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', !days && minutes ? `${minutes} min` : ''].filter(Boolean);
  return `${parts.join(' ')} ahead of real time`;
}
