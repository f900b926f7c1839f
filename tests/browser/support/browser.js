'use strict';
// One Chromium per test file (Debian's /usr/bin/chromium driven by playwright-core), axe-core
// injection, and small helpers shared by the browser tests.

const fs = require('node:fs');
const path = require('node:path');
const assert = require('node:assert/strict');
const { chromium } = require('playwright-core');
const { ROOT } = require('./server');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const AXE_PATH = require.resolve('axe-core/axe.min.js');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const SCREENSHOTS = path.join(ARTIFACTS, 'screenshots');

function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
}

/**
 * A fresh context (its own cookie jar). `csp: false` bypasses the page's CSP so axe can be
 * injected as a script tag; keep the CSP (the default) when testing behaviour, so a CSP
 * violation shows up as a failure instead of being hidden.
 */
async function newContext(browser, baseURL, { bypassCSP = false, ...opts } = {}) {
  const context = await browser.newContext({ baseURL, bypassCSP, viewport: { width: 1024, height: 768 }, ...opts });
  context.setDefaultTimeout(10000);
  context.setDefaultNavigationTimeout(15000);
  return context;
}

/**
 * Record what would make a page fail quietly: CSP violations, uncaught errors and console
 * errors. `problems()` lists them; tests assert it is empty.
 */
function watchPage(page) {
  const found = [];
  page.on('pageerror', (e) => found.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Failed responses are judged below, by URL: a 422 to an htmx form post is expected.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) found.push(`console.error: ${m.text()}`);
  });
  page.on('response', (r) => {
    const type = r.request().resourceType();
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && ['stylesheet', 'script', 'image', 'font'].includes(type)) {
      found.push(`${type} ${path} answered ${r.status()}`);
    }
    if (r.status() >= 500) found.push(`${r.request().method()} ${path} answered ${r.status()}`);
    if (r.status() === 404 && type !== 'document' && path !== '/favicon.ico') found.push(`${type} ${path} answered 404`);
  });
  return { problems: () => found.slice(), clear: () => { found.length = 0; } };
}

/**
 * Run axe-core with the WCAG 2.2 AA tags (or only the rule ids in `rules`); returns the
 * violations.
 */
async function axe(page, { rules, extraRules = [] } = {}) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ path: AXE_PATH });
  return withTimeout(20000, `axe on ${page.url()}`, page.evaluate(async ({ tags, rules, extraRules }) => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, {
      runOnly: rules ? { type: 'rule', values: rules } : { type: 'tag', values: tags },
      // Rules outside the tags, switched on in the same run (e.g. 7:1 contrast).
      rules: Object.fromEntries(extraRules.map((id) => [id, { enabled: true }])),
      resultTypes: ['violations'],
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })),
    }));
  }, { tags: AXE_TAGS, rules, extraRules }));
}

/** Reject when `promise` takes longer than `ms` (nothing in a browser test may hang the run). */
function withTimeout(ms, what, promise) {
  let timer;
  const limit = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms); });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function formatViolations(label, violations) {
  const lines = [`${violations.length} axe violation(s) on ${label}:`];
  for (const v of violations) {
    lines.push(`- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes) {
      lines.push(`    target: ${JSON.stringify(n.target)}`);
      lines.push(`    html:   ${n.html}`);
      if (n.summary) lines.push(`    ${n.summary.replace(/\n/g, '\n    ')}`);
    }
  }
  return lines.join('\n');
}

/** Assert axe finds nothing; the message lists each violation in full. */
async function expectNoViolations(page, label, options) {
  const violations = await axe(page, options);
  if (violations.length) console.log(formatViolations(label, violations));
  assert.equal(violations.length, 0, formatViolations(label, violations));
}

/** A short description of the focused element, for messages. */
function describeActive(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    const bits = [el.tagName.toLowerCase()];
    if (el.id) bits.push(`#${el.id}`);
    for (const a of ['name', 'type', 'value', 'href', 'role']) {
      if (el.getAttribute(a) !== null) bits.push(`[${a}="${el.getAttribute(a)}"]`);
    }
    const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    return text ? `${bits.join('')} "${text}"` : bits.join('');
  });
}

/**
 * Is the focus indicator of the focused element visible? Looks for an outline or a box-shadow on
 * the element, and for radios and checkboxes (often drawn by their label) on the label and its
 * ::before / ::after too.
 */
function focusIndicator(page, { outlineOnly = false } = {}) {
  return page.evaluate((outlineOnly) => {
    const el = document.activeElement;
    if (!el || el === document.body) return { visible: false, why: 'nothing focused' };
    const shows = (node, pseudo) => {
      if (!pseudo) for (const a of node.getAnimations ? node.getAnimations() : []) a.finish();
      const s = getComputedStyle(node, pseudo);
      const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
      // Forced colours drop box-shadows and backgrounds: only an outline survives there.
      const shadow = !outlineOnly && Boolean(s.boxShadow) && s.boxShadow !== 'none';
      return { ok: outline || shadow, why: `${pseudo || ''} outline: ${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}; box-shadow: ${s.boxShadow}` };
    };
    const candidates = [[el, null]];
    if (el.labels && /^(radio|checkbox)$/.test(el.type)) {
      for (const l of el.labels) candidates.push([l, null], [l, '::before'], [l, '::after']);
    }
    const whys = [];
    for (const [node, pseudo] of candidates) {
      const r = shows(node, pseudo);
      if (r.ok) return { visible: true, why: r.why };
      whys.push(r.why);
    }
    return { visible: false, why: whys.join(' | ') };
  }, outlineOnly);
}

/**
 * Press Tab (or Shift+Tab with `back`) until `match(el)` (evaluated in the page) is true.
 * Every element focused on the way must show a focus indicator. Returns the elements visited.
 */
async function tabUntil(page, match, { back = false, max = 80, what = 'target' } = {}) {
  const visited = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const desc = await describeActive(page);
    visited.push(desc);
    if (desc !== 'body') {
      const f = await focusIndicator(page);
      assert.ok(f.visible, `no visible focus indicator on ${desc} (${page.url()}): ${f.why}`);
    }
    if (await page.evaluate(match)) return visited;
  }
  assert.fail(`${what} not reached after ${max} ${back ? 'Shift+Tab' : 'Tab'} presses on ${page.url()}; visited:\n  ${visited.join('\n  ')}`);
}

/** Register a user through the JSON API and return { email, username, password, token }. */
async function apiUser(baseURL, name) {
  const email = `${name}@example.com`;
  const password = 'correct horse battery';
  let r = await fetch(`${baseURL}/api/auth/register`, {
    signal: AbortSignal.timeout(15000),
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, username: name, password }),
  });
  assert.equal(r.status, 201, `register ${name}: ${r.status} ${await r.text()}`);
  r = await fetch(`${baseURL}/api/auth/login`, {
    signal: AbortSignal.timeout(15000),
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(r.status, 200, `login ${name}: ${r.status}`);
  const { access_token: token } = await r.json();
  return { email, username: name, password, token };
}

/** Set a user's preferences through the JSON API (fast; the pages read them on each request). */
async function apiPrefs(baseURL, user, prefs) {
  const r = await fetch(`${baseURL}/api/auth/user/preferences`, {
    signal: AbortSignal.timeout(15000),
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
    body: JSON.stringify(prefs),
  });
  assert.equal(r.status, 200, `set preferences ${JSON.stringify(prefs)}: ${r.status} ${await r.text()}`);
}

/** Sign in through the /login form (mouse-free but not keyboard-strict: used for setup). */
async function signIn(page, user) {
  await page.goto('/login');
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/login')),
    page.locator('form:has(input[name="password"]) [type="submit"]').first().click(),
  ]);
}

/** The preference attributes on <html>. */
function htmlPrefs(page) {
  return page.evaluate(() => {
    const h = document.documentElement;
    return {
      density: h.getAttribute('data-density'),
      contrast: h.getAttribute('data-contrast'),
      motion: h.getAttribute('data-motion'),
      reading: h.getAttribute('data-reading-level'),
      lang: h.getAttribute('lang'),
    };
  });
}

function screenshotPath(name) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return path.join(SCREENSHOTS, `${name}.png`);
}

module.exports = {
  withTimeout,
  AXE_TAGS, launchBrowser, newContext, watchPage, axe, expectNoViolations, formatViolations,
  describeActive, focusIndicator, tabUntil, apiUser, apiPrefs, signIn, htmlPrefs, screenshotPath,
};
