import { css } from 'lit';

/** Every colour, radius and font comes from a `--sg-*` property, so a merchant themes without ::part when they can. */
export const checkoutStyles = css`
  :host {
    --_bg: var(--sg-background, #ffffff);
    --_fg: var(--sg-color, #111827);
    --_muted: var(--sg-muted, #6b7280);
    --_accent: var(--sg-accent, #1a7f5a);
    --_accent-fg: var(--sg-accent-color, #ffffff);
    --_border: var(--sg-border, #d1d5db);
    --_danger: var(--sg-danger, #b42318);
    /* The focus ring: 3:1 or more against the panel, light or dark. */
    --_focus: var(--sg-focus, #1d4ed8);
    display: block;
    max-width: var(--sg-max-width, 440px);
    font: var(--sg-font, 16px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif);
    color: var(--_fg);
  }
  :host([theme='dark']) {
    --_bg: var(--sg-background, #1a1d24);
    --_fg: var(--sg-color, #e5e7eb);
    --_muted: var(--sg-muted, #9ca3af);
    --_border: var(--sg-border, #374151);
    --_danger: var(--sg-danger, #f97066);
    --_focus: var(--sg-focus, #93c5fd);
  }
  /* The inner views (QR, bank list) read the public properties: hand them this theme's values. */
  .panel { --sg-muted: var(--_muted); --sg-border: var(--_border); --sg-accent: var(--_accent); --sg-focus: var(--_focus); background: var(--_bg); border: 1px solid var(--_border); border-radius: var(--sg-radius-panel, 16px); padding: 20px; }
  h2 { font-size: 1.1em; margin: 0 0 4px; outline: none; }
  .total { font-size: 1.6em; font-weight: 700; margin: 0 0 4px; }
  .muted { color: var(--_muted); font-size: 0.9em; margin: 0 0 12px; }
  /* One row of equal tabs; on a narrow panel four go two by two, and three stay on one row: never one tab stranded on a row of its own. */
  .panel { container-type: inline-size; }
  [role='tablist'] { display: grid; grid-auto-flow: column; grid-auto-columns: 1fr; gap: 6px; margin: 12px 0 16px; }
  @container (max-width: 340px) {
    [role='tablist'].four { grid-auto-flow: row; grid-template-columns: 1fr 1fr; }
  }
  [role='tab'] { font: inherit; font-size: 0.9em; padding: 8px 4px; overflow: hidden; border-radius: var(--sg-radius, 10px);
    border: 1px solid var(--_border); background: transparent; color: inherit; cursor: pointer; white-space: nowrap;
    display: flex; flex-direction: column; align-items: center; gap: 4px; min-width: 0; }
  /* The mark people look for above its name; the card row shrinks to the tab's width. */
  [role='tab'] .mark { height: 1.25em; width: auto; max-width: 100%; display: block; }
  [role='tab'] .label { max-width: 100%; overflow: hidden; text-overflow: ellipsis; }
  /* Marked by its border alone: a bolder label would widen it and cut "SberPay" short on a phone. */
  [role='tab'][aria-selected='true'] { border-color: var(--_accent); box-shadow: inset 0 0 0 1px var(--_accent); }
  /* After the tab's own rule, which it overrides. A 320 px phone: the labels get smaller rather than cut ("Sber…"). */
  @container (max-width: 240px) {
    [role='tab'] { font-size: 0.8em; padding: 8px 2px; }
  }
  button, .button { font: inherit; cursor: pointer; border-radius: var(--sg-radius, 10px); }
  .primary { display: block; width: 100%; box-sizing: border-box; text-align: center; text-decoration: none; margin-top: 12px;
    padding: 12px 16px; border: 0; background: var(--_accent); color: var(--_accent-fg); font-weight: 600; }
  .primary[disabled] { opacity: 0.5; cursor: not-allowed; }
  .secondary { display: block; width: 100%; margin-top: 8px; padding: 10px 16px; border: 1px solid var(--_border); background: transparent; color: inherit; }
  button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid var(--_focus); outline-offset: 2px; }
  .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; margin: -1px; padding: 0; border: 0; }
  .hint { margin: 6px 0 0; text-align: center; }
  .intro { margin: 4px 0 0; text-align: center; }
  .paid { line-height: 1.6; }
  .paid time { display: block; }
  .link { display: block; margin: 10px auto 0; padding: 4px 8px; border: 0; background: none; color: var(--_muted); text-decoration: underline; font-size: 0.9em; }
  .remember, .recurrent { display: flex; gap: 8px; align-items: flex-start; margin: 8px 0 0; font-size: 0.9em; }
  .remember input, .recurrent input { margin-top: 3px; }
  .spinner { display: inline-block; width: 1em; height: 1em; margin-right: 8px; vertical-align: -0.15em; border-radius: 50%;
    border: 2px solid currentColor; border-right-color: transparent; animation: sg-spin 0.8s linear infinite; }
  @keyframes sg-spin { to { transform: rotate(360deg); } }
  @media (prefers-reduced-motion: reduce) { .spinner { animation: none; border-right-color: currentColor; opacity: 0.6; } }
  /* The loading panel has the shape of what replaces it, so nothing below it moves when the session arrives. */
  .skeleton span { display: block; border-radius: 8px; background: rgb(127 127 127 / 0.14); }
  .skeleton .line { height: 1.1em; width: 60%; margin-bottom: 10px; }
  .skeleton .big { height: 1.6em; width: 35%; margin-bottom: 16px; }
  .skeleton .tabs { height: 58px; margin-bottom: 16px; }
  .skeleton .block { height: 100px; }
  .consent { display: flex; gap: 8px; align-items: flex-start; margin: 12px 0 0; font-size: 0.9em; }
  .consent input { margin-top: 3px; }
  .error { color: var(--_danger); }
  .panel.result { text-align: center; }
  .result .secondary.button { text-decoration: none; text-align: center; box-sizing: border-box; }
  .support a { color: inherit; }
  .result .icon { font-size: 40px; line-height: 1; }
  /* Floated into the heading's line: it costs no height, so the panel does not grow in test mode. */
  .test-badge { float: right; margin: 0 0 4px 8px; padding: 1px 8px; border: 1px solid var(--_border); border-radius: 999px;
    font-size: 0.75em; line-height: 1.5; color: var(--_muted); white-space: nowrap; }
  .test-badge::before { content: ''; display: inline-block; width: 0.5em; height: 0.5em; margin-right: 0.4em; border-radius: 50%; background: #f59e0b; }
  /* Above a result's icon, which it would push off centre; and never beside the tabs (a hidden summary leaves it alone at the top). */
  .result .test-badge { float: none; display: inline-block; margin: 0 0 8px; }
  [role='tablist'] { clear: both; }
  .result .icon .spinner { margin: 0; border-width: 4px; color: var(--_accent); }
  .waiting { text-align: center; color: var(--_muted); padding: 24px 0; }
  dialog { border: 0; border-radius: 16px; padding: 0; width: min(420px, 100vw - 24px); background: var(--_bg); color: inherit; }
  dialog::backdrop { background: rgb(0 0 0 / 0.5); }
  dialog header { display: flex; justify-content: space-between; align-items: center; padding: 10px 16px; }
  dialog header .close { width: auto; margin: 0; }
  dialog iframe { width: 100%; height: 460px; border: 0; display: block; }
  .push { margin-top: 16px; text-align: left; }
  .push label { display: grid; gap: 2px; margin-bottom: 6px; font-size: 0.9em; }
  .push label .muted { margin: 0; }
  .push-row { display: flex; flex-wrap: wrap; gap: 8px; }
  .push input { flex: 1 1 160px; min-width: 0; font: inherit; padding: 8px 10px; border-radius: var(--sg-radius, 10px); border: 1px solid var(--_border); background: transparent; color: inherit; }
  .push button { flex: 1 1 auto; padding: 8px 12px; border: 1px solid var(--_border); background: transparent; color: inherit; }
`;
