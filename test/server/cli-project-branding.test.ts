/** The project's customer-facing settings through the CLI: display name, logo, language, support. */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectCommand } from '../../server/cli/project';
import { SqliteStorage } from '../../server/store/sqlite/storage';
import { newKeyPair } from './helpers';

const KEYS = newKeyPair();

function fixture(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'sg-cli-brand-'));
  writeFileSync(join(dir, 'public.pem'), KEYS.publicKey);
  const store = SqliteStorage.open(join(dir, 'db.sqlite'));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const run = async (...args: string[]) => (await projectCommand(store, args)) as Record<string, unknown>;
  const add = (...flags: string[]) => run('add', '--name', 'shop', '--public-key', join(dir, 'public.pem'), '--webhook-url', 'https://shop.example/hooks', ...flags);
  return { store, run, add };
}

test('project add and update set the display name, logo, language and support contacts, and show them', async (t) => {
  const { store, run, add } = fixture(t);
  const added = await add('--display-name', 'Байкал Маркет', '--logo-url', 'https://shop.example/logo.png', '--locale', 'ru', '--support-email', 'help@shop.example', '--support-telegram', '@shop_support');
  assert.equal(added.display_name, 'Байкал Маркет');
  assert.equal(added.logo_url, 'https://shop.example/logo.png');
  assert.equal(added.locale, 'ru');
  assert.deepEqual(added.support, { email: 'help@shop.example', telegram: '@shop_support' });
  const saved = (await store.projects.get('shop'))!;
  assert.deepEqual([saved.displayName, saved.logoUrl, saved.locale, saved.support], ['Байкал Маркет', 'https://shop.example/logo.png', 'ru', { email: 'help@shop.example', telegram: '@shop_support' }]);

  const updated = await run('update', 'shop', '--locale', 'auto', '--logo-url', '', '--support-phone', '+79001234567', '--support-email', '');
  assert.equal(updated.locale, 'auto', 'auto: follow the customer');
  assert.equal(updated.logo_url, null, 'an empty flag clears the logo');
  assert.equal(updated.display_name, 'Байкал Маркет', 'a flag left out keeps its value');
  assert.deepEqual(updated.support, { telegram: '@shop_support', phone: '+79001234567' });
  assert.equal((await store.projects.get('shop'))!.locale, null);
  assert.deepEqual((await run('show', 'shop')).support, updated.support);
});

test('a project without branding has none: no display name, the customer\'s language', async (t) => {
  const { add } = fixture(t);
  const added = await add();
  assert.deepEqual([added.display_name, added.logo_url, added.locale, added.support], [null, null, 'auto', {}]);
});

test('each bad flag is refused with one line that says how to fix it', async (t) => {
  const { add } = fixture(t);
  const cases: [string[], RegExp][] = [
    [['--logo-url', 'http://shop.example/logo.png'], /--logo-url .* must be an https URL such as https:\/\/shop\.example\/logo\.png/],
    [['--logo-url', 'logo.png'], /must be an https URL/],
    [['--locale', 'de'], /--locale must be ru, en or auto .*not "de"/],
    [['--display-name', 'x'.repeat(81)], /--display-name must be at most 80 characters/],
    [['--display-name', 'two\nlines'], /on one line/],
    [['--support-email', 'nobody'], /--support-email "nobody" must be an email address/],
    [['--support-phone', '12'], /--support-phone "12" must be a phone number such as \+79001234567/],
    [['--support-telegram', 'shop'], /--support-telegram "shop" must be a Telegram username such as @shop_support/],
    [['--support-url', 'ftp://x'], /--support-url "ftp:\/\/x" must be an http\(s\) URL/],
  ];
  for (const [flags, message] of cases) {
    await assert.rejects(add(...flags), (error: Error) => message.test(error.message) && !error.message.includes('\n'), flags.join(' '));
  }
});
