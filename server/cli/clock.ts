import { iso } from '../clock';
import { parseDuration } from '../sandbox/test-clock';
import type { Storage } from '../store/port';
import { CliError, parse } from './args';

/**
 * `clock [show]` and `clock advance <1mo|30d|12h|90m|45s>`: the sandbox's test clock, shared by every
 * instance on this storage (each takes the new time within a second). It only moves forward; a
 * server with a real acquirer ignores it.
 */
export async function clockCommand(store: Storage, args: string[]): Promise<unknown> {
  const { positionals } = parse(args, {} as const);
  const [action = 'show', by, ...extra] = positionals;
  if (action === 'show' && by === undefined) return reading(await store.sandboxRail.clockOffset());
  if (action === 'advance' && by !== undefined && !extra.length) {
    const ms = parseDuration(by, Date.now() + (await store.sandboxRail.clockOffset()));
    if (!ms) throw new CliError(`"${by}" is not a duration: give a number and a unit, such as 1mo, 30d, 12h, 90m or 45s`);
    return reading(await store.transaction((tx) => tx.sandboxRail.advanceClock(ms)));
  }
  throw new CliError('use `clock` (show) or `clock advance <duration>`, such as `clock advance 30d`');
}

const reading = (offsetMs: number) => ({ now: iso(Date.now() + offsetMs), offset_ms: offsetMs, note: 'the sandbox test clock; servers take it within a second' });
