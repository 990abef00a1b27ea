/**
 * The sandbox's test clock: moved forward by the console's route or the CLI, shared through the
 * store, taken by the server's deadlines; absent with a real acquirer.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from '../../server/app';
import { parseDuration } from '../../server/sandbox/test-clock';
import { PUBLIC_URL, runCli } from './helpers';

const DAY = 86_400_000;

function sandboxServer(t: test.TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'sg-clock-'));
  const server = createServer({ dbFile: join(dir, 'sg-checkout.sqlite'), publicUrl: PUBLIC_URL });
  t.after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, server };
}

const advance = (server: ReturnType<typeof createServer>, body: unknown) =>
  server.app.request('/sandbox/clock/advance', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('POST /sandbox/clock/advance moves the server clock forward; a bad duration is a 400 that says how', async (t) => {
  const { server } = sandboxServer(t);
  const before = (await (await server.app.request('/sandbox/clock')).json()) as { offset_ms: number };
  assert.equal(before.offset_ms, 0);
  const moved = await advance(server, { by: '2d' });
  assert.equal(moved.status, 200);
  const reading = (await moved.json()) as { now: string; offset_ms: number };
  assert.equal(reading.offset_ms, 2 * DAY);
  assert.ok(Math.abs(server.clock.now() - (Date.now() + 2 * DAY)) < 1000, 'the server runs two days ahead');
  assert.ok(Math.abs(Date.parse(reading.now) - (Date.now() + 2 * DAY)) < 1000);
  for (const by of ['-1d', '2 weeks', 5, '']) {
    const bad = await advance(server, { by });
    assert.equal(bad.status, 400, String(by));
    assert.match(((await bad.json()) as { error: { description: string } }).error.description, /such as "1mo", "30d"/);
  }
});

test("the CLI moves the same clock: the running server takes it on its tick", async (t) => {
  const { dir, server } = sandboxServer(t);
  await advance(server, { by: '1h' });
  const cli = await runCli(dir, 'clock', 'advance', '30d');
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(JSON.parse(cli.stdout).offset_ms, 30 * DAY + 3_600_000, 'added to what the server had moved');
  const shown = await runCli(dir, 'clock');
  assert.equal(JSON.parse(shown.stdout).offset_ms, 30 * DAY + 3_600_000);
  server.start();
  await new Promise((r) => setTimeout(r, 1_500)); // one background tick
  assert.ok(Math.abs(server.clock.now() - (Date.now() + 30 * DAY + 3_600_000)) < 1000);
  const wrong = await runCli(dir, 'clock', 'advance', 'soon');
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /not a duration: give a number and a unit, such as 1mo, 30d/);
});

test('durations: calendar months, days, hours, minutes, seconds; nothing else', () => {
  const from = Date.parse('2027-01-01T10:00:00Z');
  assert.deepEqual(['30d', '12h', '90m', '45s'].map((t) => parseDuration(t, from)), [30 * DAY, 12 * 3_600_000, 90 * 60_000, 45_000]);
  assert.deepEqual([parseDuration('1mo', from), parseDuration('1mo', Date.parse('2027-02-01T10:00:00Z')), parseDuration('2mo', from)], [31 * DAY, 28 * DAY, 59 * DAY], "the calendar's months");
  for (const text of ['0.5d', '1w', 'd', '-1d', '1000000d', '1m0', '2000mo']) assert.equal(parseDuration(text, from), null, text);
});
