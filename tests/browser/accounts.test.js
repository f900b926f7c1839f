'use strict';
// The account pages people run themselves (change password, forgotten password, reset link,
// delete account, the account page's password section) have no axe violations, signed out and
// signed in, at the extreme preferences too; and a password can be changed with the keyboard only.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const b = require('./support/browser');

let server;
let browser;
before(async () => {
  server = await startServer({ RATE_LIMIT_PASSWORD_RESET: '1000/minute' });
  browser = await b.launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function check(page, path, status, label) {
  const r = await page.goto(path);
  assert.equal(r.status(), status, `${path} answered ${r.status()} (${label})`);
  await b.expectNoViolations(page, `${path} (${label})`);
}

test('signed-out account pages have no axe violations', async (t) => {
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  b.watchPage(page);
  await t.test('/forgot-password', () => check(page, '/forgot-password', 200, 'signed out'));
  await t.test('/reset-password with a bad link', () => check(page, '/reset-password?token=nope', 400, 'signed out'));
  await t.test('/verify-email with a bad link', () => check(page, '/verify-email?token=nope', 400, 'signed out'));
  await t.test('forgotten password: sent and error states', async () => {
    await page.goto('/forgot-password');
    await page.fill('input[name="email"]', 'not an address');
    await Promise.all([page.waitForLoadState('load'), page.locator('#forgot-submit').click()]);
    await page.waitForSelector('#error-summary');
    await b.expectNoViolations(page, 'forgot-password with an error');
    await page.fill('input[name="email"]', 'someone@example.com');
    await Promise.all([page.waitForLoadState('load'), page.locator('#forgot-submit').click()]);
    await page.waitForFunction(() => document.querySelector('h1')?.textContent.includes('Check your email'));
    await b.expectNoViolations(page, 'forgot-password sent');
  });
  await context.close();
});

test('signed-in account pages have no axe violations at the default and extreme preferences', async (t) => {
  for (const prefs of [
    {},
    { visual_density: 1, reading_level: 1, color_contrast: 'high', motion_sensitivity: true },
    { visual_density: 5, reading_level: 5 },
  ]) {
    const user = await b.apiUser(server.baseURL, `acct${Object.keys(prefs).length}${prefs.visual_density || 0}`);
    if (Object.keys(prefs).length) await b.apiPrefs(server.baseURL, user, prefs);
    const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
    const page = await context.newPage();
    b.watchPage(page);
    await b.signIn(page, user);
    const label = JSON.stringify(prefs);
    for (const path of ['/account', '/account/password', '/account/delete']) {
      await t.test(`${path} ${label}`, () => check(page, path, 200, label));
    }
    await t.test(`/account/password with errors ${label}`, async () => {
      await page.goto('/account/password');
      await Promise.all([page.waitForLoadState('load'), page.locator('#password-submit').click()]);
      await page.waitForSelector('#error-summary');
      await b.expectNoViolations(page, `password errors ${label}`);
    });
    await context.close();
  }
});

test('the password is changed with the keyboard only', async () => {
  const user = await b.apiUser(server.baseURL, 'keyboarder');
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  b.watchPage(page);
  await b.signIn(page, user);
  await page.goto('/account');
  await b.tabUntil(page, () => document.activeElement?.getAttribute('href') === '/account/password', { what: 'change password link' });
  await Promise.all([page.waitForURL((u) => u.pathname === '/account/password'), page.keyboard.press('Enter')]);
  await b.tabUntil(page, () => document.activeElement?.id === 'current_password', { what: 'current password' });
  await page.keyboard.type(user.password);
  await b.tabUntil(page, () => document.activeElement?.id === 'new_password', { what: 'new password' });
  await page.keyboard.type('a brand new passphrase');
  await b.tabUntil(page, () => document.activeElement?.id === 'password-submit', { what: 'submit' });
  await Promise.all([page.waitForURL((u) => u.pathname === '/account'), page.keyboard.press('Enter')]);
  await page.waitForFunction(() => document.body.textContent.includes('Your password has been changed'));
  await context.close();
});
