'use strict';
// axe-core (WCAG 2.0/2.1/2.2 A and AA tags) reports no violations on every page, for each value
// of each preference, for the two extreme combinations, after HTMX swaps, and under emulated
// reduced motion / forced colours / increased contrast.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const b = require('./support/browser');

const DEFAULTS = { visual_density: 3, reading_level: 3, color_contrast: 'normal', motion_sensitivity: false };
const EXTREME_LOW = { visual_density: 1, reading_level: 1, color_contrast: 'high', motion_sensitivity: true };
const EXTREME_HIGH = { visual_density: 5, reading_level: 5, color_contrast: 'normal', motion_sensitivity: false };

/** Every preference state to check: each value of each preference (others at their default) and the extremes. */
function states() {
  const list = [];
  const seen = new Set();
  const add = (name, prefs) => {
    const full = { ...DEFAULTS, ...prefs };
    const key = JSON.stringify(full);
    if (!seen.has(key)) { seen.add(key); list.push({ name, prefs: full }); }
  };
  add('defaults', {});
  for (const v of [1, 2, 3, 4, 5]) add(`density ${v}`, { visual_density: v });
  for (const v of [1, 2, 3, 4, 5]) add(`reading level ${v}`, { reading_level: v });
  for (const v of ['normal', 'high']) add(`contrast ${v}`, { color_contrast: v });
  for (const v of [false, true]) add(`motion sensitivity ${v}`, { motion_sensitivity: v });
  add('extreme: density 1 + high contrast + reduced motion + reading level 1', EXTREME_LOW);
  add('extreme: density 5 + normal contrast + full motion + reading level 5', EXTREME_HIGH);
  return list;
}

const SIGNED_OUT_PAGES = ['/', '/register', '/login', '/login?next=%2Faccount', '/developers', '/no-such-page'];
const SIGNED_IN_PAGES = ['/', '/account', '/preferences', '/no-such-page'];

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

/**
 * Visit a page and run axe; 404 pages are expected to answer 404, everything else 200. With
 * `highContrast`, the AAA 7:1 rule (color-contrast-enhanced, WCAG 1.4.6) runs too: high contrast
 * promises it.
 */
async function checkPage(page, path, label, { highContrast = false } = {}) {
  const r = await page.goto(path);
  const expected = path.startsWith('/no-such-page') ? 404 : 200;
  assert.equal(r.status(), expected, `${path} answered ${r.status()} (${label})`);
  await b.expectNoViolations(page, `${path} (${label})`, highContrast ? { extraRules: ['color-contrast-enhanced'] } : undefined);
}

function expectHtmlPrefs(actual, prefs, where) {
  assert.deepEqual(
    { density: actual.density, contrast: actual.contrast, motion: actual.motion, reading: actual.reading },
    {
      density: String(prefs.visual_density),
      contrast: prefs.color_contrast,
      motion: String(prefs.motion_sensitivity),
      reading: String(prefs.reading_level),
    },
    `<html> preference attributes on ${where}`,
  );
  assert.ok(actual.lang, `<html lang> missing on ${where}`);
}

test('the axe harness detects violations (self-check)', async () => {
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  await page.goto('/');
  await page.evaluate(() => {
    const img = document.createElement('img');
    img.src = '/static/missing.png';
    const p = document.createElement('p');
    p.textContent = 'faint text';
    p.style.cssText = 'color:#ccc;background:#fff';
    document.getElementById('main-content').append(img, p);
  });
  const ids = (await b.axe(page)).map((v) => v.id).sort();
  assert.deepEqual(ids, ['color-contrast', 'image-alt'], 'axe finds a missing alt and faint text');
  // 4.54:1 passes AA but not the 7:1 that high contrast promises: only the extra rule sees it.
  await page.goto('/');
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.textContent = 'grey text';
    p.style.cssText = 'color:#767676;background:#fff';
    document.getElementById('main-content').append(p);
  });
  assert.deepEqual((await b.axe(page)).map((v) => v.id), []);
  assert.deepEqual((await b.axe(page, { extraRules: ['color-contrast-enhanced'] })).map((v) => v.id), ['color-contrast-enhanced']);
  await context.close();
});

test('signed-out pages have no axe violations', async (t) => {
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  for (const path of SIGNED_OUT_PAGES) {
    await t.test(path, () => checkPage(page, path, 'signed out'));
  }
  await t.test('403 page (form posted without a CSRF token)', async () => {
    await page.goto('/login');
    const [r] = await Promise.all([
      page.waitForNavigation(),
      page.evaluate(() => {
        const f = document.createElement('form');
        f.method = 'post';
        f.action = '/login';
        for (const [n, v] of [['email', 'a@example.com'], ['password', 'whatever123']]) {
          const i = document.createElement('input');
          i.type = 'hidden'; i.name = n; i.value = v;
          f.append(i);
        }
        document.body.append(f);
        f.submit();
      }),
    ]);
    assert.equal(r.status(), 403);
    await b.expectNoViolations(page, '403 page');
  });
  await context.close();
});

test('signed-in pages have no axe violations for each preference value and the extremes', async (t) => {
  const user = await b.apiUser(server.baseURL, 'axeuser');
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  await b.signIn(page, user);
  for (const state of states()) {
    await t.test(state.name, async (st) => {
      await b.apiPrefs(server.baseURL, user, state.prefs);
      for (const path of SIGNED_IN_PAGES) {
        await st.test(path, async () => {
          await checkPage(page, path, state.name, { highContrast: state.prefs.color_contrast === 'high' });
          expectHtmlPrefs(await b.htmlPrefs(page), state.prefs, `${path} (${state.name})`);
        });
      }
    });
  }
  await context.close();
});

test('signed-out pages have no axe violations for each preference value (preferences cookie)', async (t) => {
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  for (const state of states()) {
    await t.test(state.name, async (st) => {
      // Signed-out visitors save their choices on /preferences too (kept in a cookie);
      // every question on one page, also at density 1 (which otherwise asks one per screen).
      await page.goto('/preferences?all=1');
      await choosePrefs(page, state.prefs);
      await submitForm(page, 'visual_density');
      await page.waitForFunction(() => document.querySelector('#status')?.textContent.includes('Preferences saved'));
      // (The 404 page, same template as every error page, runs per state in the signed-in test.)
      for (const path of ['/', '/register', '/login', '/preferences']) {
        await st.test(path, async () => {
          await checkPage(page, path, `${state.name}, signed out`, { highContrast: state.prefs.color_contrast === 'high' });
          expectHtmlPrefs(await b.htmlPrefs(page), state.prefs, `${path} (${state.name}, signed out)`);
        });
      }
    });
  }
  await context.close();
});

/** Check the radios for `prefs` on the preferences form. */
async function choosePrefs(page, prefs) {
  await page.check(`[name="visual_density"][value="${prefs.visual_density}"]`);
  await page.check(`[name="reading_level"][value="${prefs.reading_level}"]`);
  await page.check(`[name="color_contrast"][value="${prefs.color_contrast}"]`);
  await page.check(`[name="motion_sensitivity"][value="${prefs.motion_sensitivity}"]`);
}

/** Submit the form holding `field` by clicking its submit button (JS on: htmx swaps in place). */
async function submitForm(page, field) {
  await page.locator(`form:has([name="${field}"]) [type="submit"]`).first().click();
}

/** Wait for a failed submit to render its error summary. */
async function waitForErrorSummary(page) {
  await page.waitForFunction(() => document.title.startsWith('Error:'));
  await page.waitForFunction(() => [...document.querySelectorAll('[role="alert"]')]
    .some((el) => el.querySelector('a[href^="#"]')));
}

test('states after HTMX swaps have no axe violations', async (t) => {
  const user = await b.apiUser(server.baseURL, 'swapuser');
  for (const [name, prefs] of [['defaults', DEFAULTS], ['extreme low', EXTREME_LOW], ['extreme high', EXTREME_HIGH]]) {
    await t.test(name, async (st) => {
      await b.apiPrefs(server.baseURL, user, prefs);
      const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
      const page = await context.newPage();

      await st.test('register: error summary after an empty submit', async () => {
        await page.goto('/register');
        await submitForm(page, 'username');
        await waitForErrorSummary(page);
        await b.expectNoViolations(page, `/register error summary (${name})`);
      });
      await st.test('login: error summary after a wrong password', async () => {
        await page.goto('/login');
        await page.fill('[name="email"]', user.email);
        await page.fill('[name="password"]', 'not the password');
        await submitForm(page, 'password');
        await waitForErrorSummary(page);
        await b.expectNoViolations(page, `/login error summary (${name})`);
      });
      await st.test('preferences: saved and announced', async () => {
        await b.signIn(page, user);
        await page.goto('/preferences?all=1');
        // Save the same values through the form: the swapped-in page must still pass.
        await choosePrefs(page, prefs);
        await submitForm(page, 'visual_density');
        await page.waitForFunction(() => document.querySelector('#status')?.textContent.includes('Preferences saved'));
        expectHtmlPrefs(await b.htmlPrefs(page), prefs, `/preferences after saving (${name})`);
        await b.expectNoViolations(page, `/preferences after saving (${name})`);
      });
      await st.test('preferences: error summary after an invalid value', async () => {
        await page.goto('/preferences?all=1');
        await page.evaluate(() => {
          const r = document.querySelector('[name="visual_density"]:checked') || document.querySelector('[name="visual_density"]');
          r.value = '9';
          r.checked = true;
        });
        await submitForm(page, 'visual_density');
        await waitForErrorSummary(page);
        await b.expectNoViolations(page, `/preferences error summary (${name})`);
      });
      await context.close();
    });
  }
});

test('emulated user settings have no axe violations', async (t) => {
  const user = await b.apiUser(server.baseURL, 'mediauser');
  const emulations = [
    ['prefers-reduced-motion: reduce', { reducedMotion: 'reduce' }],
    ['forced-colors: active', { forcedColors: 'active' }],
    ['prefers-contrast: more', { contrast: 'more' }],
    // (No dark colour scheme: the CSS has no prefers-color-scheme rules, so it changes nothing.)
  ];
  for (const [name, media] of emulations) {
    await t.test(name, async (st) => {
      const context = await b.newContext(browser, server.baseURL, { bypassCSP: true, ...media });
      const page = await context.newPage();
      for (const path of ['/', '/register', '/login']) {
        await st.test(`${path} signed out`, () => checkPage(page, path, name));
      }
      await b.signIn(page, user);
      for (const path of ['/account', '/preferences']) {
        await st.test(`${path} signed in`, () => checkPage(page, path, name));
      }
      await context.close();
    });
  }
});

test('the 500 page (database broken behind the server\'s back) has no axe violations', async (t) => {
  const broken = await startServer();
  const context = await b.newContext(browser, broken.baseURL, { bypassCSP: true });
  try {
    const user = await b.apiUser(broken.baseURL, 'unlucky');
    const page = await context.newPage();
    await page.goto('/login');
    if (!broken.sql('ALTER TABLE users RENAME TO users_gone')) {
      t.skip('neither sqlite3 nor psql is installed');
      return;
    }
    await page.fill('[name="email"]', user.email);
    await page.fill('[name="password"]', user.password);
    const [r] = await Promise.all([
      page.waitForResponse((res) => res.request().method() === 'POST'),
      page.locator('form:has([name="password"]) [type="submit"]').first().click(),
    ]);
    assert.equal(r.status(), 500);
    await page.waitForFunction(() => document.querySelectorAll('h1').length === 1 && !document.querySelector('input[name="password"]'));
    console.log(`# 500 page: "${await page.title()}" / h1 "${(await page.textContent('h1')).trim()}"`);
    await b.expectNoViolations(page, '500 page (after an htmx request)');
    const res = await page.goto('/login', { waitUntil: 'domcontentloaded' }).catch(() => null);
    if (res && res.status() === 500) await b.expectNoViolations(page, '500 page (full page)');
  } finally {
    await context.close();
    await broken.stop();
  }
});

test('density 1 asks one question per screen: axe, focus and announcements at each step', async (t) => {
  const user = await b.apiUser(server.baseURL, 'stepuser');
  await b.apiPrefs(server.baseURL, user, EXTREME_LOW);
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  await b.signIn(page, user);
  await page.goto('/preferences');
  await page.evaluate(() => { window.__pfSamePage = true; });
  const answers = [['visual_density', '1'], ['reading_level', '1'], ['color_contrast', 'high'], ['motion_sensitivity', 'true'], ['preferred_sign_language', 'BSL']];
  for (const [i, [field, value]] of answers.entries()) {
    await t.test(`question ${i + 1} of 5 (${field})`, async () => {
      assert.equal((await page.textContent('#prefs-step')).trim(), `Question ${i + 1} of 5`);
      assert.equal(await page.locator('fieldset').count(), 1, 'one question on the screen');
      await b.expectNoViolations(page, `/preferences question ${i + 1} (density 1)`, { extraRules: ['color-contrast-enhanced'] });
      await page.check(`[name="${field}"][value="${value}"]`);
      await page.locator('#preferences-submit').focus();
      await page.keyboard.press('Enter');
      const next = i + 2 <= 5 ? `Question ${i + 2} of 5` : 'Preferences saved';
      await page.waitForFunction((text) => document.querySelector('#status')?.textContent.includes(text), next, { timeout: 10000 })
        .catch(async () => assert.fail(`#status reads "${await page.textContent('#status')}", expected "${next}"`));
      // Focus moves once the swap has settled (a11y.js): never left on <body>.
      await page.waitForFunction(() => document.activeElement && document.activeElement !== document.body, null, { timeout: 3000 })
        .catch(async () => assert.fail(`focus is on ${await b.describeActive(page)} after the swap`));
    });
  }
  await t.test('the answers, each with a Change link', async () => {
    await page.waitForFunction(() => location.search === '?step=done');
    assert.equal(await page.locator('.prefs-answers .summary-row').count(), 5);
    await b.expectNoViolations(page, '/preferences answers (density 1)', { extraRules: ['color-contrast-enhanced'] });
    assert.equal(await page.evaluate(() => window.__pfSamePage), true, 'the walk-through was swapped in place by htmx');
  });
  await t.test('every question on one page on request', async () => {
    await page.goto('/preferences?all=1');
    // The five questions, then the Captions (five radio groups and two selects) and Player
    // (four radio groups) sections.
    assert.equal(await page.locator('fieldset').count(), 5 + 5 + 4);
    assert.equal(await page.locator('#preferences-form select').count(), 2);
    for (const name of ['visual_density', 'reading_level', 'color_contrast', 'motion_sensitivity', 'preferred_sign_language']) {
      assert.equal(await page.locator(`fieldset:has([name="${name}"])`).count(), 1, name);
    }
    await b.expectNoViolations(page, '/preferences?all=1 (density 1)', { extraRules: ['color-contrast-enhanced'] });
  });
  await context.close();
});
