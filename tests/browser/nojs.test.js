'use strict';
// The same keyboard journey with JavaScript disabled: everything works through full page loads,
// and every successful form post answers 303 See Other (post/redirect/get).

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

/** Record every form post of the page and the status it answered. */
function recordPosts(page) {
  const posts = [];
  page.on('requestfinished', async (req) => {
    if (req.method() !== 'POST' || !req.isNavigationRequest()) return;
    const res = await req.response();
    posts.push({ path: new URL(req.url()).pathname, status: res ? res.status() : 0, location: res ? res.headers().location : undefined });
  });
  return posts;
}

test('keyboard only, JavaScript off: register, sign in, change preferences, sign out', async () => {
  const context = await b.newContext(browser, server.baseURL, { javaScriptEnabled: false });
  const page = await context.newPage();
  const posts = recordPosts(page);
  const notes = await flow.keyboardJourney(page, { js: false, name: 'kbnojs' });
  console.log(`# form posts: ${JSON.stringify(posts)}`);
  assert.ok(notes.savedText, '"Preferences saved" is shown on the page after a full-page save');
  const statuses = (path) => posts.filter((p) => p.path === path).map((p) => p.status);
  assert.ok(statuses('/register').includes(303), `/register posts answered ${statuses('/register')}`);
  assert.ok(statuses('/login').includes(303), `/login posts answered ${statuses('/login')}`);
  assert.deepEqual(statuses('/preferences'), [303], 'saving preferences answers 303');
  // The journey signs out after registering (registering signs in) and at the end.
  assert.deepEqual(statuses('/logout'), [303, 303], 'signing out answers 303');
  for (const p of posts.filter((x) => x.status !== 303)) {
    assert.equal(p.status, 422, `a failed ${p.path} post answered ${p.status}, expected 422`);
  }
  await context.close();
});

test('JavaScript off: a signed-out visit to /account signs in and comes back', async () => {
  const user = await b.apiUser(server.baseURL, 'nextuser');
  const context = await b.newContext(browser, server.baseURL, { javaScriptEnabled: false });
  const page = await context.newPage();
  const posts = recordPosts(page);
  await page.goto('/account');
  assert.equal(new URL(page.url()).pathname, '/login', 'signed-out /account redirects to /login');
  await page.fill('input[name="email"]', user.email);
  await page.fill('input[name="password"]', user.password);
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/account'),
    page.locator('form:has(input[name="password"]) [type="submit"]').first().click(),
  ]);
  assert.deepEqual(posts.map((p) => p.status), [303]);
  assert.ok(await page.locator('h1').count() === 1, 'one h1 on /account');
  await context.close();
});

test('JavaScript off: every page has landmarks, one h1, its own title and empty live regions', async (t) => {
  const user = await b.apiUser(server.baseURL, 'landmarks');
  const context = await b.newContext(browser, server.baseURL, { javaScriptEnabled: false });
  const page = await context.newPage();
  const titles = new Map();
  const check = (path) => t.test(path, async () => {
      await page.goto(path);
      const title = await page.title();
      assert.ok(title.length > 0 && !title.startsWith('Error:'), `${path} title "${title}"`);
      assert.ok(!titles.has(title), `${path} has the same title as ${titles.get(title)}: "${title}"`);
      titles.set(title, path);
      const s = await page.evaluate(() => ({
        status: document.querySelector('#status')?.getAttribute('role'),
        alerts: document.querySelector('#alerts')?.getAttribute('role'),
        empty: [document.querySelector('#status')?.textContent.trim(), document.querySelector('#alerts')?.textContent.trim()],
        main: document.querySelector('main#main-content')?.getAttribute('tabindex'),
        h1s: document.querySelectorAll('h1').length,
        landmarks: ['header', 'nav', 'main', 'footer'].filter((t) => document.querySelector(t)),
      }));
      assert.deepEqual(s, { status: 'status', alerts: 'alert', empty: ['', ''], main: '-1', h1s: 1, landmarks: ['header', 'nav', 'main', 'footer'] });
    });
  for (const path of ['/', '/register', '/login', '/preferences', '/no-such-page']) await check(path);
  await b.signIn(page, user);
  titles.clear();
  for (const path of ['/', '/account', '/preferences']) await check(path);
  await context.close();
});

test('a session cookie copied before signing out no longer works afterwards', async () => {
  const user = await b.apiUser(server.baseURL, 'revoked');
  const context = await b.newContext(browser, server.baseURL, { javaScriptEnabled: false });
  const page = await context.newPage();
  await b.signIn(page, user);
  await page.goto('/account');
  assert.equal(new URL(page.url()).pathname, '/account');
  const copied = await context.cookies();
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/account'),
    page.locator('form[action$="/logout"] [type="submit"]').first().click(),
  ]);
  const thief = await b.newContext(browser, server.baseURL, { javaScriptEnabled: false });
  await thief.addCookies(copied);
  const p2 = await thief.newPage();
  await p2.goto('/account');
  assert.equal(new URL(p2.url()).pathname, '/login', 'the copied session cookie still opens /account after sign-out');
  await thief.close();
  await context.close();
});
