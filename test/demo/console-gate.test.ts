import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleGate, hostAllowed } from '../../demo/console/gate';
import { developerConsole } from '../../demo/console/index';
import { startDemoStack } from './harness';

test('is on for a local server, off for a public one, and follows SG_CONSOLE', () => {
  for (const url of ['http://localhost:3000', 'http://127.0.0.1:8080', 'http://[::1]:3000']) assert.deepEqual(consoleGate(url, {}), { enabled: true, loopbackOnly: true }, url);
  const off = consoleGate('https://pay.example.com', {});
  assert.equal(off.enabled, false);
  assert.match(!off.enabled ? off.reason : '', /SG_CONSOLE=on/, 'says how to turn it on');
  assert.deepEqual(consoleGate('https://pay.example.com', { SG_CONSOLE: 'on' }), { enabled: true, loopbackOnly: false });
  assert.equal(consoleGate('http://localhost:3000', { SG_CONSOLE: 'off' }).enabled, false);
  assert.equal(consoleGate('http://localhost.evil.example', {}).enabled, false);
});

test('a local console answers only requests addressed to a loopback name (DNS rebinding)', () => {
  const gate = consoleGate('http://localhost:3000', {});
  assert.equal(hostAllowed(gate, 'http://localhost:3000/console'), true);
  assert.equal(hostAllowed(gate, 'http://127.0.0.1:3000/console'), true);
  assert.equal(hostAllowed(gate, 'http://rebind.evil.example:3000/console'), false);
  assert.equal(hostAllowed(consoleGate('https://pay.example.com', { SG_CONSOLE: 'on' }), 'https://pay.example.com/console'), true);
});

const stack = startDemoStack();
after(() => stack.close());
const consoleFor = (publicUrl: string, env: Record<string, string>) => developerConsole({ store: stack.server.store, sessions: stack.server.sessions, publicUrl, env });

test('a public server does not serve the console or its API unless SG_CONSOLE=on', async () => {
  const off = consoleFor('https://pay.example.com', {});
  for (const path of ['/console', '/console/api/sessions', '/console/console-page.js']) {
    const res = await off.request(`https://pay.example.com${path}`);
    assert.equal(res.status, 404, path);
  }
  const refund = await off.request('https://pay.example.com/console/api/sessions/ps_x/refund', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(refund.status, 404);
  const on = consoleFor('https://pay.example.com', { SG_CONSOLE: 'on' });
  assert.equal((await on.request('https://pay.example.com/console/api/sessions')).status, 200);
});

test('the local console refuses a request whose Host is not a loopback name', async () => {
  const local = consoleFor('http://localhost:3000', {});
  assert.equal((await local.request('http://localhost:3000/console')).status, 200);
  assert.equal((await local.request('http://rebind.evil.example:3000/console/api/sessions')).status, 404);
});

test('serves the page under a CSP with no inline script or style', async () => {
  const res = await stack.request('/console');
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy')!;
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  const page = await res.text();
  assert.doesNotMatch(page, /<script>|<style|style="/);
});

test('accepts actions only as JSON from its own origin', async () => {
  const refund = (headers: Record<string, string>) => stack.request('/console/api/sessions/ps_none/refund', { method: 'POST', headers, body: '{}' });
  assert.equal((await refund({ 'content-type': 'text/plain' })).status, 403, 'a cross-site form or simple request');
  assert.equal((await refund({ 'content-type': 'application/json', origin: 'https://evil.example' })).status, 403);
  assert.equal((await refund({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status, 403);
  assert.equal((await refund({ 'content-type': 'application/json' })).status, 403, 'no Origin at all: curl, a script, not the console page');
  assert.equal((await refund({ 'content-type': 'application/json', origin: 'http://localhost:3000', 'sec-fetch-site': 'same-origin' })).status, 404, 'allowed through: the session does not exist');
});
