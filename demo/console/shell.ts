/** The console page's markup: an empty frame that console-page.ts fills and keeps live. */
import { html } from 'hono/html';

export const consolePage = (opts: { replay: boolean }) => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Developer console · sg-checkout</title>
<link rel="stylesheet" href="/assets/pages.css">
<link rel="stylesheet" href="/console/console.css">
</head>
<body class="console" data-replay="${opts.replay ? 'on' : 'off'}">
<header class="console-header">
  <h1>Developer console</h1>
  <span class="live" id="live" role="status">live</span>
  <nav aria-label="Views">
    <a href="#sessions" id="tab-sessions">Sessions</a>
    <a href="#subscriptions" id="tab-subscriptions">Subscriptions</a>
    <a href="#links" id="tab-links">Payment links</a>
    <a href="#projects" id="tab-projects">Projects</a>
  </nav>
  <div class="test-clock" id="test-clock" role="group" aria-label="Test clock" hidden></div>
  <nav class="external"><a href="/">Demo store</a><a href="/docs">API reference</a><a href="/sandbox/pushes">Push inbox</a></nav>
</header>
<main class="console-main">
  <section id="view-sessions" class="sessions-view" aria-label="Sessions">
    <div class="session-list" id="session-list"><p class="muted">Loading…</p></div>
    <div class="session-detail" id="session-detail"><p class="muted">Choose a session to see its payments, refunds and webhook deliveries.</p></div>
  </section>
  <section id="view-subscriptions" class="subscriptions-view" aria-label="Subscriptions" hidden><p class="muted">Loading…</p></section>
  <section id="view-links" aria-label="Payment links" hidden></section>
  <section id="view-projects" aria-label="Projects" hidden></section>
</main>
<script src="/console/console-page.js"></script>
</body>
</html>`;
