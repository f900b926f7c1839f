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
