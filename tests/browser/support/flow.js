'use strict';
// The keyboard-only journey shared by the JavaScript-on and JavaScript-off tests:
// register -> sign in -> change preferences -> sign out, using Tab, Shift+Tab, Enter and Space
// (plus typing into focused fields, and arrow keys inside a radio group, which is the only way a
// keyboard moves between radios of one group).

const assert = require('node:assert/strict');
const b = require('./browser');

const PASSWORD = 'keyboard only 1234';

/** Press a key that should navigate (or htmx-swap) and wait until `done` holds. */
async function pressAndWait(page, key, done, arg) {
  await page.keyboard.press(key);
  await page.waitForFunction(done, arg, { timeout: 10000 });
  await page.waitForLoadState('domcontentloaded');
}

/** Assert the skip link is the first Tab stop of a fresh page and that it moves focus to main. */
async function expectSkipLinkFirst(page) {
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el.tagName, href: el.getAttribute('href'), text: el.textContent.trim() };
  });
  assert.equal(first.tag, 'A', `first Tab stop on ${page.url()} is ${JSON.stringify(first)}, not the skip link`);
  assert.equal(first.href, '#main-content', `first Tab stop on ${page.url()} is ${JSON.stringify(first)}`);
  const f = await b.focusIndicator(page);
  assert.ok(f.visible, `skip link has no visible focus indicator: ${f.why}`);
  const box = await page.evaluate(() => {
    const r = document.activeElement.getBoundingClientRect();
    return { w: r.width, h: r.height, top: r.top, left: r.left };
  });
  assert.ok(box.w >= 24 && box.h >= 24 && box.top >= 0 && box.left >= 0,
    `focused skip link is not visible on screen: ${JSON.stringify(box)}`);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'main-content');
}

const isSubmitOf = (field) => `(() => { const el = document.activeElement;
  return el && (el.type === 'submit') && el.form && el.form.querySelector('[name="${field}"]') !== null; })()`;
const isField = (name) => `document.activeElement?.getAttribute('name') === '${name}'`;
const isLinkTo = (path) => `(() => { const a = document.activeElement; if (!a || a.tagName !== 'A') return false;
  const u = new URL(a.href, location.href); return u.origin === location.origin && u.pathname === '${path}'; })()`;
const isSignOut = `(() => { const el = document.activeElement;
  return el && el.type === 'submit' && el.form && new URL(el.form.action, location.href).pathname === '/logout'; })()`;

/** Type into the focused field, replacing what is there. */
async function typeInto(page, text) {
  const current = await page.evaluate(() => document.activeElement.value || '');
  if (current) {
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
  }
  await page.keyboard.type(text);
}

/**
 * After a failed submit: `Error:` title, the error summary (an element holding role=alert with
 * links into the fields) focused - with JavaScript; without it, first in <main> - and each linked
 * field names its inline error through aria-describedby (on the field or its fieldset).
 */
async function expectErrorSummary(page, where, { js = true } = {}) {
  await page.waitForFunction(() => document.title.startsWith('Error:'), null, { timeout: 10000 })
    .catch(async () => assert.fail(`${where}: title is "${await page.title()}", expected it to start with "Error:"`));
  if (js) {
    // Focus moves once the swap has settled: give it a moment. (A function, not a string:
    // a string predicate would be eval'd in the page, which the CSP forbids.)
    await page.waitForFunction(() => {
      const el = document.activeElement;
      return el && el !== document.body && !el.querySelector('h1') &&
        [el, ...el.querySelectorAll('[role="alert"]')].some((a) => a.matches('[role="alert"]') && a.querySelector('a[href^="#"]'));
    }, null, { timeout: 3000 }).catch(() => {});
  }
  const state = await page.evaluate(() => {
    const el = document.activeElement;
    const alertIn = (node) => [node, ...node.querySelectorAll('[role="alert"]')]
      .find((a) => a.matches('[role="alert"]') && a.querySelector('a[href^="#"]'));
    const focusedAlert = el && el !== document.body && !el.querySelector('h1') ? alertIn(el) : null;
    const main = document.getElementById('main-content');
    const anyAlert = main && alertIn(main);
    const firstInMain = main && main.firstElementChild;
    return {
      focused: el ? `${el.tagName.toLowerCase()}#${el.id}.${el.className}` : 'none',
      focusedSummary: Boolean(focusedAlert),
      summaryFirstInMain: Boolean(anyAlert && firstInMain && firstInMain.contains(anyAlert)),
      links: anyAlert ? [...anyAlert.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute('href')) : [],
    };
  });
  if (process.env.PF_DEBUG) console.log('# summary focus', where, state);
  if (js) {
    assert.ok(state.focusedSummary, `${where}: focus is on ${state.focused}, not on the error summary (an element holding role=alert with links to the fields)`);
  }
  assert.ok(state.summaryFirstInMain, `${where}: the error summary is not the first thing in <main>`);
  assert.ok(state.links.length > 0, `${where}: the error summary has no links to the fields`);
  // Every linked field exists and names its inline error through aria-describedby.
  const fields = await page.evaluate((links) => links.map((href) => {
    const f = document.getElementById(href.slice(1));
    if (!f) return { href, ok: false, why: 'no element with that id' };
    const holder = f.hasAttribute('aria-describedby') ? f : (f.closest('fieldset') || f);
    const ids = (holder.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean);
    const texts = ids.map((id) => document.getElementById(id)?.textContent.trim() || '');
    return { href, ok: texts.some((t) => t.length > 0), why: `aria-describedby="${ids.join(' ')}" -> ${JSON.stringify(texts)}` };
  }), state.links);
  for (const f of fields) assert.ok(f.ok, `${where}: field ${f.href} has no inline error tied with aria-describedby (${f.why})`);
  return state.links;
}

/** From the focused error summary, Tab to its link for `#id` and follow it with Enter. */
async function followErrorLink(page, id) {
  await b.tabUntil(page, `document.activeElement?.getAttribute('href') === '#${id}'`, { what: `error link #${id}` });
  await page.keyboard.press('Enter');
  await page.waitForFunction((i) => document.activeElement?.id === i, id)
    .catch(async () => assert.fail(`following the error link #${id} left focus on ${await b.describeActive(page)}`));
}

/** In the radio group `name`, move with the arrow keys until `value` is checked. */
async function chooseRadio(page, name, value) {
  await b.tabUntil(page, isField(name), { what: `radio group ${name}` });
  for (let i = 0; i < 8; i++) {
    const checked = await page.evaluate((n) => document.activeElement.checked ? document.activeElement.value : null, name);
    if (checked === String(value)) return;
    if (checked === null) { await page.keyboard.press('Space'); continue; }
    await page.keyboard.press('ArrowDown');
    const f = await b.focusIndicator(page);
    assert.ok(f.visible, `radio ${name} has no visible focus indicator: ${f.why}`);
  }
  assert.fail(`could not choose ${name}=${value} with the keyboard`);
}

/**
 * The journey. `js` says whether JavaScript runs (htmx swaps) or not (full page loads).
 * Returns notes for the report.
 */
async function keyboardJourney(page, { js, name }) {
  const email = `${name}@example.com`;

  // Home: the skip link is the first Tab stop.
  await page.goto('/');
  await expectSkipLinkFirst(page);

  // Home -> register, by keyboard.
  await b.tabUntil(page, isLinkTo('/register'), { what: 'link to /register' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/register');
  await page.waitForSelector('input[name="email"]');

  // A failed submit: no email.
  await b.tabUntil(page, isField('username'), { what: 'username field' });
  await typeInto(page, name);
  await b.tabUntil(page, isField('password'), { what: 'password field' });
  await typeInto(page, PASSWORD);
  await b.tabUntil(page, isSubmitOf('username'), { what: 'register button' });
  // Shift+Tab goes back to the password field: the reverse order is the same.
  await b.tabUntil(page, isField('password'), { back: true, what: 'password field (Shift+Tab)' });
  await b.tabUntil(page, isSubmitOf('username'), { what: 'register button' });
  // With JavaScript the failed submit is swapped in place (no page load): a marker survives it.
  if (js) await page.evaluate(() => { window.__pfSamePage = true; });
  await page.keyboard.press('Enter');
  const links = await expectErrorSummary(page, 'register with no email', { js });
  if (js) assert.equal(await page.evaluate(() => window.__pfSamePage), true, 'the failed register submit was not swapped in place by htmx');
  assert.equal(await page.inputValue('input[name="username"]'), name, 'username kept after the error');

  // Follow the summary's link to the email field, fix it, submit with Space.
  const emailId = await page.getAttribute('input[name="email"]', 'id');
  assert.ok(links.includes(`#${emailId}`), `error summary links ${links} do not include the email field #${emailId}`);
  await followErrorLink(page, emailId);
  await typeInto(page, email);
  await b.tabUntil(page, isField('password'), { what: 'password field' });
  await typeInto(page, PASSWORD);
  await b.tabUntil(page, isSubmitOf('username'), { what: 'register button' });
  await pressAndWait(page, 'Space', () => location.pathname !== '/register' && !document.title.startsWith('Error:'));

  // Registration may sign the person in; if so, sign out to sign in again below.
  if (await page.evaluate(() => document.querySelector('form[action$="/logout"]') !== null)) {
    await b.tabUntil(page, isSignOut, { what: 'sign-out button' });
    await pressAndWait(page, 'Enter', () => !document.querySelector('form[action$="/logout"]'));
  }

  // Sign in: first a wrong password, then the right one.
  if (!(await page.evaluate(() => location.pathname === '/login'))) {
    await b.tabUntil(page, isLinkTo('/login'), { what: 'link to /login' });
    await pressAndWait(page, 'Enter', () => location.pathname === '/login');
  }
  await page.waitForSelector('input[name="password"]');
  await b.tabUntil(page, isField('email'), { what: 'email field' });
  await typeInto(page, email);
  await b.tabUntil(page, isField('password'), { what: 'password field' });
  await typeInto(page, 'wrong password 999');
  await b.tabUntil(page, isSubmitOf('password'), { what: 'sign-in button' });
  await page.keyboard.press('Enter');
  await expectErrorSummary(page, 'sign in with a wrong password', { js });
  assert.equal(await page.inputValue('input[name="email"]'), email, 'email kept after the error');
  await b.tabUntil(page, isField('password'), { what: 'password field' });
  await typeInto(page, PASSWORD);
  await b.tabUntil(page, isSubmitOf('password'), { what: 'sign-in button' });
  await pressAndWait(page, 'Enter', () => location.pathname !== '/login');
  await page.waitForSelector('form[action$="/logout"]');

  // Preferences, reached by keyboard from wherever sign-in landed.
  await b.tabUntil(page, isLinkTo('/preferences'), { what: 'link to /preferences' });
  await pressAndWait(page, 'Enter', () => location.pathname === '/preferences');
  await page.waitForSelector('input[name="visual_density"]');
  await chooseRadio(page, 'visual_density', 1);
  await chooseRadio(page, 'reading_level', 2);
  await chooseRadio(page, 'color_contrast', 'high');
  await chooseRadio(page, 'motion_sensitivity', 'true');
  await b.tabUntil(page, isSubmitOf('visual_density'), { what: 'save preferences button' });
  if (js) await page.evaluate(() => { window.__pfSamePage = true; });
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.documentElement.getAttribute('data-density') === '1', null, { timeout: 10000 })
    .catch(async () => assert.fail(`after saving, <html data-density> is ${await page.getAttribute('html', 'data-density')}`));
  const prefs = await b.htmlPrefs(page);
  assert.deepEqual(
    { density: prefs.density, contrast: prefs.contrast, motion: prefs.motion, reading: prefs.reading },
    { density: '1', contrast: 'high', motion: 'true', reading: '2' },
    'the page re-rendered with the saved preferences',
  );
  const notes = {};
  if (js) {
    await page.waitForFunction(() => document.querySelector('#status')?.textContent.includes('Preferences saved'), null, { timeout: 5000 })
      .catch(async () => assert.fail(`#status reads "${await page.textContent('#status')}", expected "Preferences saved"`));
    assert.equal(await page.evaluate(() => window.__pfSamePage), true, 'saving preferences was not swapped in place by htmx');
    notes.focusAfterSave = await b.describeActive(page);
    assert.notEqual(notes.focusAfterSave, 'body', 'focus was lost (on <body>) after saving preferences');
  } else {
    notes.savedText = await page.evaluate(() => document.body.innerText.includes('Preferences saved'));
  }

  // Sign out.
  await b.tabUntil(page, isSignOut, { what: 'sign-out button' });
  await pressAndWait(page, 'Enter', () => !document.querySelector('form[action$="/logout"]'));
  const r = await page.goto('/account');
  assert.equal(new URL(page.url()).pathname, '/login', `after signing out /account shows ${page.url()} (${r.status()})`);
  return notes;
}

module.exports = { keyboardJourney, expectSkipLinkFirst, expectErrorSummary, isLinkTo, isSubmitOf, isField, isSignOut, typeInto, PASSWORD };
