'use strict';
// Keyboard-only use with JavaScript on (htmx): the whole journey, the skip link on every page,
// focus after boosted navigation, aria-busy during requests, and no CSP violations or script errors
// (this context keeps the app's Content-Security-Policy).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const b = require('./support/browser');
const flow = require('./support/flow');

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await b.launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('keyboard only, JavaScript on: register, sign in, change preferences, sign out', async () => {
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  const notes = await flow.keyboardJourney(page, { js: true, name: 'kbjs' });
  if (notes.focusAfterSave) console.log(`# focus after saving preferences: ${notes.focusAfterSave}`);
  assert.deepEqual(watch.problems(), [], 'console errors, CSP violations or uncaught exceptions');
  await context.close();
});

test('the skip link is the first Tab stop on every page', async (t) => {
  const user = await b.apiUser(server.baseURL, 'skipper');
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  for (const path of ['/', '/register', '/login', '/no-such-page']) {
    await t.test(`${path} signed out`, async () => { await page.goto(path); await flow.expectSkipLinkFirst(page); });
  }
  await b.signIn(page, user);
  for (const path of ['/', '/account', '/preferences']) {
    await t.test(`${path} signed in`, async () => { await page.goto(path); await flow.expectSkipLinkFirst(page); });
  }
  await context.close();
});

test('boosted navigation moves focus to the new h1', async (t) => {
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await page.goto('/');
  const boosted = await page.evaluate(() => document.querySelector('[hx-boost="true"], [data-hx-boost="true"]') !== null);
  if (!boosted) {
    t.skip('the pages do not use hx-boost');
    await context.close();
    return;
  }
  await page.evaluate(() => { window.__pfNoReload = true; });
  await b.tabUntil(page, flow.isLinkTo('/login'), { what: 'link to /login' });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.pathname === '/login');
  await page.waitForFunction(() => document.activeElement?.tagName === 'H1', null, { timeout: 5000 })
    .catch(async () => assert.fail(`after boosted navigation focus is on ${await b.describeActive(page)}, not the h1`));
  assert.equal(await page.evaluate(() => window.__pfNoReload), true, 'the navigation was boosted (no full page load)');
  const h1 = await page.evaluate(() => ({ text: document.activeElement.textContent.trim(), title: document.title }));
  assert.ok(h1.text.length > 0, 'the focused h1 has text');
  assert.ok(h1.title.length > 0, 'the title was updated');
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('aria-busy marks the region being updated and is cleared afterwards', async () => {
  const user = await b.apiUser(server.baseURL, 'busy');
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  await page.goto('/preferences');
  // Hold the save request for a moment so the busy state can be observed.
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/preferences', async (route) => {
    if (route.request().method() === 'POST') await held;
    await route.continue();
  });
  await page.check('[name="visual_density"][value="4"]');
  await page.locator('form:has([name="visual_density"]) [type="submit"]').first().focus();
  await page.keyboard.press('Enter');
  const busy = await page.waitForFunction(() => {
    const el = document.querySelector('[aria-busy="true"]');
    return el && `${el.tagName.toLowerCase()}#${el.id}`;
  }, null, { timeout: 5000 }).then((h) => h.jsonValue())
    .catch(() => null);
  release();
  assert.ok(busy, 'no element had aria-busy="true" while the request ran');
  console.log(`# aria-busy was set on ${busy}`);
  await page.waitForFunction(() => document.querySelector('#status')?.textContent.includes('Preferences saved'));
  await page.waitForFunction(() => document.querySelector('[aria-busy="true"]') === null, null, { timeout: 5000 })
    .catch(() => assert.fail('aria-busy="true" was not cleared after the request'));
  await page.waitForFunction(() => document.documentElement.getAttribute('data-density') === '4', null, { timeout: 5000 })
    .catch(async () => assert.fail(`<html data-density> is ${await page.getAttribute('html', 'data-density')} after saving 4`));
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

/**
 * Tab through a whole page and back to its start: every stop shows a focus indicator, lies inside
 * the viewport and is not hidden under something else (WCAG 2.4.7, 2.4.11), and focus is never
 * trapped.
 */
async function tabThroughPage(page, label) {
  await page.goto(label.path);
  const stops = [];
  for (let i = 0; i < 120; i++) {
    await page.keyboard.press('Tab');
    // One round trip per stop: what is focused, where it is, whether it is covered.
    const stop = await page.evaluate(async () => {
      const el = document.activeElement;
      if (!el || el === document.body) return null; // past the last stop Chromium passes through the document
      const atStart = el.getAttribute('href') === '#main-content';
      // Smooth scrolling (full motion) brings the element into view over a few frames.
      let last = null;
      for (let frame = 0, still = 0; frame < 90 && still < 2; frame++) {
        await new Promise((r) => requestAnimationFrame(r));
        const now = `${window.scrollX},${window.scrollY},${el.getBoundingClientRect().top}`;
        still = now === last ? still + 1 : 0;
        last = now;
      }
      const r = el.getBoundingClientRect();
      const inView = r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 &&
        r.bottom <= window.innerHeight + 1 && r.right <= window.innerWidth + 1;
      const x = r.left + Math.min(r.width / 2, 8);
      const y = r.top + r.height / 2;
      const top = document.elementFromPoint(x, y);
      const labels = el.labels ? [...el.labels] : [];
      const covered = !top || !(el.contains(top) || top.contains(el) || labels.some((l) => l.contains(top)));
      return { atStart, inView, covered, rect: [r.left, r.top, r.width, r.height].map(Math.round), top: top && top.outerHTML.slice(0, 80) };
    });
    if (!stop) continue;
    if (stop.atStart && stops.length > 0) return stops;
    const desc = await b.describeActive(page);
    stops.push(desc);
    const f = await b.focusIndicator(page, { outlineOnly: Boolean(label.forced) });
    assert.ok(f.visible, `${label.name}: no visible focus on ${desc}: ${f.why}`);
    assert.ok(stop.inView, `${label.name}: focused ${desc} is outside the viewport ${JSON.stringify(stop.rect)}`);
    assert.ok(!stop.covered, `${label.name}: focused ${desc} is covered by ${stop.top}`);
  }
  assert.fail(`${label.name}: focus never came back to the skip link (a trap?): ${stops.join(', ')}`);
}

test('every Tab stop is visible and unobscured, and focus cycles (extreme preferences)', async (t) => {
  const user = await b.apiUser(server.baseURL, 'cycler');
  for (const [name, prefs] of [
    ['density 1, high contrast, reduced motion, reading level 1', { visual_density: 1, reading_level: 1, color_contrast: 'high', motion_sensitivity: true }],
    ['density 5, normal contrast, full motion, reading level 5', { visual_density: 5, reading_level: 5, color_contrast: 'normal', motion_sensitivity: false }],
  ]) {
    await t.test(name, async (st) => {
      await b.apiPrefs(server.baseURL, user, prefs);
      const context = await b.newContext(browser, server.baseURL);
      const page = await context.newPage();
      // The same choices for the signed-out pages, saved in the preferences cookie.
      await page.goto('/preferences');
      for (const [field, value] of Object.entries(prefs)) await page.check(`[name="${field}"][value="${value}"]`);
      await page.locator('form:has([name="visual_density"]) [type="submit"]').first().click();
      await page.waitForFunction((d) => document.documentElement.getAttribute('data-density') === d, String(prefs.visual_density));
      for (const path of ['/', '/register', '/login']) {
        await st.test(`${path} signed out`, async () => {
          const stops = await tabThroughPage(page, { path, name: `${path} (${name})` });
          assert.ok(stops.length >= 3, `${path}: only ${stops.length} Tab stops`);
        });
      }
      await b.signIn(page, user);
      for (const path of ['/', '/account', '/preferences']) {
        await st.test(`${path} signed in`, async () => {
          const stops = await tabThroughPage(page, { path, name: `${path} (${name})` });
          assert.ok(stops.length >= 3, `${path}: only ${stops.length} Tab stops`);
        });
      }
      await context.close();
    });
  }
});

test('every Tab stop keeps a focus outline in forced colours (Windows High Contrast)', async (t) => {
  const user = await b.apiUser(server.baseURL, 'forced');
  const context = await b.newContext(browser, server.baseURL, { forcedColors: 'active' });
  const page = await context.newPage();
  for (const path of ['/', '/register', '/login', '/preferences']) {
    await t.test(`${path} signed out`, () => tabThroughPage(page, { path, name: `${path} (forced colours)`, forced: true }));
  }
  await b.signIn(page, user);
  for (const path of ['/account', '/preferences']) {
    await t.test(`${path} signed in`, () => tabThroughPage(page, { path, name: `${path} (forced colours)`, forced: true }));
  }
  await context.close();
});

test('Back after boosted navigation restores a whole, working page', async () => {
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await page.goto('/');
  const home = await page.evaluate(() => document.querySelector('h1').textContent.trim());
  await b.tabUntil(page, flow.isLinkTo('/register'), { what: 'link to /register' });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.pathname === '/register' && document.querySelector('input[name="email"]'));
  await page.goBack();
  await page.waitForFunction((h) => location.pathname === '/' && document.querySelector('h1')?.textContent.trim() === h, home);
  const s = await page.evaluate(() => ({
    h1s: document.querySelectorAll('h1').length,
    mains: document.querySelectorAll('main#main-content').length,
    status: document.querySelectorAll('#status[role="status"]').length,
    alerts: document.querySelectorAll('#alerts[role="alert"]').length,
    busy: document.querySelectorAll('[aria-busy="true"]').length,
    density: document.documentElement.getAttribute('data-density'),
    title: document.title,
  }));
  assert.deepEqual({ ...s, title: undefined }, { h1s: 1, mains: 1, status: 1, alerts: 1, busy: 0, density: '3', title: undefined }, JSON.stringify(s));
  assert.ok(s.title && !s.title.startsWith('Error'), `title after Back: ${s.title}`);
  // Still works: forward again by keyboard.
  await b.tabUntil(page, flow.isLinkTo('/login'), { what: 'link to /login' });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => location.pathname === '/login' && document.activeElement?.tagName === 'H1');
  assert.deepEqual(watch.problems(), []);
  await context.close();
});
