'use strict';
// The account pages people run themselves (change password, forgotten password, reset link,
// change of address, where you are signed in, delete account, the account page's password
// section) have no axe violations, signed out and signed in, at the extreme preferences too; a
// password can be changed with the keyboard only; and the whole journey - register, confirm the
// address from the mailed link, change the password, sign out another browser, delete the
// account - is done with the keyboard only.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer } = require('./support/server');
const b = require('./support/browser');
const { isField, isLinkTo, isSubmitOf, typeInto } = require('./support/flow');

let server;
let browser;
// Mail is written here as .eml files (no SMTP_URL), as in development.
const outbox = fs.mkdtempSync(path.join(os.tmpdir(), 'pinkflow-outbox-'));
before(async () => {
  server = await startServer({
    RATE_LIMIT_PASSWORD_RESET: '1000/minute',
    MAIL_OUTBOX_DIR: outbox,
    MAIL_POLL_INTERVAL: '1s',
  });
  browser = await b.launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  fs.rmSync(outbox, { recursive: true, force: true });
});

/** The path (with its token) of the newest link to `route` mailed to `to` (waits 20 s). */
async function mailedLink(to, route) {
  const pattern = new RegExp(`https?://[^/\\s]+(${route.replace('?', '\\?')}[0-9a-f]{64})`);
  const deadline = Date.now() + 20000;
  while (Date.now() < deadline) {
    const found = fs.readdirSync(outbox)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => path.join(outbox, f))
      .sort((a, c) => fs.statSync(a).mtimeMs - fs.statSync(c).mtimeMs)
      // Quoted-printable: soft line breaks and "=" as =3D.
      .map((f) => fs.readFileSync(f, 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '='))
      .filter((m) => m.split(/\r?\n/).includes(`To: ${to}`))
      .map((m) => m.match(pattern))
      .filter(Boolean);
    if (found.length) return found[found.length - 1][1];
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`no ${route} link mailed to ${to}`);
}

/** Press a key that navigates (or swaps) and wait until `done` holds. */
async function pressAndWait(page, key, done, arg) {
  await page.keyboard.press(key);
  await page.waitForFunction(done, arg, { timeout: 10000 });
  await page.waitForLoadState('domcontentloaded');
}

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
  await t.test('/confirm-email with a bad link', () => check(page, '/confirm-email?token=nope', 400, 'signed out'));
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
    for (const path of ['/account', '/account/password', '/account/email', '/account/sessions', '/account/delete']) {
      await t.test(`${path} ${label}`, () => check(page, path, 200, label));
    }
    await t.test(`/account/password with errors ${label}`, async () => {
      await page.goto('/account/password');
      await Promise.all([page.waitForLoadState('load'), page.locator('#password-submit').click()]);
      await page.waitForSelector('#error-summary');
      await b.expectNoViolations(page, `password errors ${label}`);
    });
    await t.test(`/account/email with errors, sent, and its link ${label}`, async () => {
      await page.goto('/account/email');
      await Promise.all([page.waitForLoadState('load'), page.locator('#email-submit').click()]);
      await page.waitForSelector('#error-summary');
      await b.expectNoViolations(page, `email errors ${label}`);
      const to = `${user.username}.new@example.com`;
      await page.fill('input[name="new_email"]', to);
      await page.fill('input[name="current_password"]', user.password);
      await Promise.all([page.waitForLoadState('load'), page.locator('#email-submit').click()]);
      // The notice (its wording follows the reading level) replaces the form.
      await page.waitForFunction(() => !document.querySelector('#email-submit')
        && document.body.textContent.includes(`${'@'}example.com`));
      await b.expectNoViolations(page, `email sent ${label}`);
      await check(page, await mailedLink(to, '/confirm-email?token='), 200, `confirm-email ${label}`);
    });
    await t.test(`/account/sessions with another sign-in ${label}`, async () => {
      // The API sign-in made by apiUser is listed beside this browser, with its button.
      await page.goto('/account/sessions');
      assert.ok(await page.locator('#sign-out-others').count(), 'sign out everywhere else offered');
      await b.expectNoViolations(page, `sessions ${label}`);
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

test('keyboard only: register, confirm the address, change the password, sign out elsewhere, delete', async () => {
  const name = 'journeyer';
  const email = `${name}@example.com`;
  const first = 'first passphrase 1234';
  const second = 'second passphrase 5678';
  // bypassCSP only lets axe inject itself; the pages' own scripts are all external.
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  b.watchPage(page);

  // Register: signed in at once.
  await page.goto('/register');
  await page.waitForSelector('input[name="email"]');
  await b.tabUntil(page, isField('email'), { what: 'email field' });
  await typeInto(page, email);
  await b.tabUntil(page, isField('username'), { what: 'username field' });
  await typeInto(page, name);
  await b.tabUntil(page, isField('password'), { what: 'password field' });
  await typeInto(page, first);
  await b.tabUntil(page, isSubmitOf('username'), { what: 'register button' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/account');
  await page.waitForFunction(() => document.body.textContent.includes('not confirmed yet'));

  // Confirm the address with the mailed link (opened as from the mail; a button confirms).
  await page.goto(await mailedLink(email, '/verify-email?token='));
  await b.tabUntil(page, () => document.activeElement?.id === 'verify-submit', { what: 'confirm button' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/account'
    && document.querySelector('#email-status')?.textContent.includes('is confirmed'));

  // Change the password.
  await b.tabUntil(page, isLinkTo('/account/password'), { what: 'change password link' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/account/password');
  await b.tabUntil(page, isField('current_password'), { what: 'current password' });
  await typeInto(page, first);
  await b.tabUntil(page, isField('new_password'), { what: 'new password' });
  await typeInto(page, second);
  await b.tabUntil(page, () => document.activeElement?.id === 'password-submit', { what: 'change password button' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/account'
    && document.body.textContent.includes('Your password has been changed'));

  // Another browser signs in with the new password.
  const elsewhere = await b.newContext(browser, server.baseURL);
  const other = await elsewhere.newPage();
  b.watchPage(other);
  await b.signIn(other, { email, password: second });
  let r = await other.goto('/account');
  assert.equal(new URL(other.url()).pathname, '/account', `the other browser is signed in (${r.status()})`);

  // Here: where you are signed in, then sign the other browser out.
  await b.tabUntil(page, isLinkTo('/account/sessions'), { what: 'where you are signed in link' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/account/sessions');
  await b.expectNoViolations(page, '/account/sessions with another browser');
  assert.equal(await page.locator('text=This browser').count(), 1, 'this browser is marked once');
  await b.tabUntil(page, () => {
    const id = document.activeElement?.id || '';
    return id.startsWith('sign-out-') && id !== 'sign-out-others';
  }, { what: "the other browser's sign-out button" });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent.includes('Signed out:'), null, { timeout: 10000 })
    .catch(async () => assert.fail(`#status reads "${await page.textContent('#status')}"`));
  await page.waitForFunction(() => document.body.textContent.includes('You are not signed in anywhere else.'));
  // Focus moves to the new content once the swap has settled (not left on <body>).
  await page.waitForFunction(() => document.activeElement && document.activeElement !== document.body
    && document.getElementById('main-content')?.contains(document.activeElement), null, { timeout: 5000 })
    .catch(async () => assert.fail(`focus is on ${await b.describeActive(page)} after signing the other browser out`));
  await b.expectNoViolations(page, '/account/sessions after signing out elsewhere');

  // The other browser is shown signed out on its next page.
  r = await other.goto('/account');
  assert.equal(new URL(other.url()).pathname, '/login', `the other browser still sees ${other.url()} (${r.status()})`);
  assert.equal(await other.locator('form[action$="/logout"]').count(), 0, 'no sign-out button: signed out');
  await elsewhere.close();

  // Delete the account.
  await b.tabUntil(page, isLinkTo('/account'), { what: 'link back to the account' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/account');
  await b.tabUntil(page, isLinkTo('/account/delete'), { what: 'delete account link' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/account/delete');
  await b.tabUntil(page, isField('password'), { what: 'password to confirm' });
  await typeInto(page, second);
  await b.tabUntil(page, () => document.activeElement?.id === 'delete-submit', { what: 'delete button' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/'
    && document.body.textContent.includes('Your account has been deleted'));
  const login = await fetch(`${server.baseURL}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: second }),
  });
  assert.equal(login.status, 401, 'the deleted account cannot sign in');
  await context.close();
});
