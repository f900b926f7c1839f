'use strict';
// Caption appearance and player preferences (issue 11 item 4): the caption preview on
// /preferences follows the choices before saving; after saving, <html> carries the
// data-caption-* / data-sign-* / data-shortcuts attributes and a player-style caption
// (`.captions-display .caption-cue`) is styled from them by static/css/captions.css; a
// low-contrast pair is refused with the reason; axe-core finds nothing on /preferences at
// density 1 and 5 and with high contrast (7:1); the new controls work keyboard-only.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const b = require('./support/browser');

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

/** Computed caption style of the first `.caption-cue` under `root` (a selector). */
function cueStyle(page, root) {
  return page.evaluate((root) => {
    const cue = document.querySelector(`${root} .captions-display .caption-cue`);
    const s = getComputedStyle(cue);
    const rem = parseFloat(getComputedStyle(document.documentElement).fontSize);
    return {
      color: s.color,
      background: s.backgroundColor,
      font: s.fontFamily,
      shadow: s.textShadow,
      scale: Math.round((parseFloat(s.fontSize) / (rem * 1.25)) * 100) / 100,
    };
  }, root);
}

/** Put a player-style caption on the page, as the player renders it. */
function injectCue(page) {
  return page.evaluate(() => {
    const box = document.createElement('div');
    box.className = 'captions-display';
    box.id = 'injected-captions';
    box.setAttribute('aria-hidden', 'true');
    const cue = document.createElement('span');
    cue.className = 'caption-cue';
    cue.textContent = 'Injected caption';
    box.appendChild(cue);
    document.getElementById('main-content').appendChild(box);
  });
}

const HTML_ATTRS = [
  'data-caption-size', 'data-caption-color', 'data-caption-bg', 'data-caption-opacity',
  'data-caption-font', 'data-caption-edge', 'data-caption-position', 'data-sign-layout',
  'data-sign-corner', 'data-sign-size', 'data-shortcuts',
];
const htmlAttrs = (page) => page.evaluate((names) =>
  Object.fromEntries(names.map((n) => [n, document.documentElement.getAttribute(n)])), HTML_ATTRS);

test('the caption preview follows the choices before saving, and saving applies them', async () => {
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await page.goto('/preferences');
  const initial = await cueStyle(page, '#caption-preview');
  assert.equal(initial.color, 'rgb(255, 255, 255)', 'default text colour');
  assert.equal(initial.background, 'rgba(0, 0, 0, 0.75)', 'default background');
  assert.equal(initial.shadow, 'none');
  assert.equal(initial.scale, 1);
  await page.selectOption('#caption_size', '200');
  await page.check('#caption_color-yellow');
  await page.check('#caption_background-blue');
  await page.selectOption('#caption_opacity', '100');
  await page.check('#caption_font-legible');
  await page.check('#caption_edge-outline');
  const preview = await cueStyle(page, '#caption-preview');
  assert.equal(preview.color, 'rgb(255, 255, 0)', 'text colour');
  assert.equal(preview.background, 'rgb(0, 0, 255)', 'solid blue');
  assert.match(preview.font, /Atkinson Hyperlegible/);
  assert.match(preview.shadow, /rgb\(0, 0, 0\)/, 'a black outline');
  assert.equal(preview.scale, 2, '200 %');
  assert.equal(await page.getAttribute('#caption-preview', 'data-caption-size'), '200');
  assert.equal(await page.getAttribute('html', 'data-caption-color'), 'white', 'not applied before saving');

  await page.check('#sign_corner-top-left');
  await page.check('#keyboard_shortcuts-off');
  await page.click('#preferences-submit');
  await page.waitForFunction(() => document.documentElement.getAttribute('data-caption-color') === 'yellow');
  const attrs = await htmlAttrs(page);
  assert.deepEqual(attrs, {
    'data-caption-size': '200', 'data-caption-color': 'yellow', 'data-caption-bg': 'blue',
    'data-caption-opacity': '100', 'data-caption-font': 'legible', 'data-caption-edge': 'outline',
    'data-caption-position': 'over', 'data-sign-layout': 'pip', 'data-sign-corner': 'top-left',
    'data-sign-size': 'medium', 'data-shortcuts': 'off',
  }, 'copied onto <html> after the htmx swap');

  // A full page load renders them on <html> (server-side, signed out: from the cookie), and
  // a caption rendered by the player anywhere takes the saved style.
  await page.goto('/');
  assert.deepEqual(await htmlAttrs(page), attrs, 'rendered by the server');
  await injectCue(page);
  const style = await cueStyle(page, '#main-content');
  assert.equal(style.color, 'rgb(255, 255, 0)');
  assert.equal(style.background, 'rgb(0, 0, 255)');
  assert.match(style.font, /Atkinson Hyperlegible/);
  assert.notEqual(style.shadow, 'none');
  assert.equal(style.scale, 2);
  const fontLoaded = await page.evaluate(async () => {
    await document.fonts.load('16px "Atkinson Hyperlegible"');
    return document.fonts.check('16px "Atkinson Hyperlegible"');
  });
  assert.ok(fontLoaded, 'the bundled font loads (CSP font-src self)');
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('a low-contrast caption style is refused with the reason', async () => {
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await page.goto('/preferences');
  await page.check('#caption_color-magenta');
  await page.click('#preferences-submit');
  await page.waitForFunction(() => document.title.startsWith('Error:'));
  await page.waitForFunction(() => document.activeElement?.id === 'error-summary');
  const summary = await page.textContent('#error-summary');
  assert.match(summary, /3\.3 to 1 over a light picture/);
  assert.match(summary, /at least 4\.5 to 1/);
  assert.ok(await page.isChecked('#caption_color-magenta'), 'the answer is kept');
  assert.equal(await page.getAttribute('#caption-preview', 'data-caption-color'), 'magenta');
  assert.equal(await page.getAttribute('html', 'data-caption-color'), 'white', 'nothing saved');
  // The summary's link leads to the field.
  await page.click('#error-summary a[href="#caption_color-white"]');
  assert.equal(await page.evaluate(() => location.hash), '#caption_color-white');
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('axe-core: /preferences at density 1 and 5 and with high contrast', async (t) => {
  const user = await b.apiUser(server.baseURL, 'captionsaxe');
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  await b.signIn(page, user);
  const cases = [
    [{ visual_density: 1, color_contrast: 'normal' }, '/preferences?all=1', []],
    [{ visual_density: 5, color_contrast: 'normal' }, '/preferences', []],
    [{ visual_density: 3, color_contrast: 'high' }, '/preferences', ['color-contrast-enhanced']],
    [{ visual_density: 5, color_contrast: 'high', caption_size: 300, caption_color: 'black',
      caption_background: 'yellow', caption_opacity: 100, caption_edge: 'depressed',
      caption_position: 'below' }, '/preferences', ['color-contrast-enhanced']],
  ];
  for (const [prefs, path, extraRules] of cases) {
    await t.test(`${JSON.stringify(prefs)} ${path}`, async () => {
      await b.apiPrefs(server.baseURL, user, prefs);
      await page.goto(path);
      assert.ok(await page.isVisible('#captions-heading'), 'the captions section is shown');
      await b.expectNoViolations(page, `${path} ${JSON.stringify(prefs)}`, { extraRules });
    });
  }
  await context.close();
});

test('keyboard only: through the caption and player controls to a save', async () => {
  const user = await b.apiUser(server.baseURL, 'captionskeys');
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  await page.goto('/preferences');
  await b.tabUntil(page, () => document.activeElement?.id === 'caption_size', { what: 'caption size' });
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.inputValue('#caption_size'), '125', 'arrow keys change the select');
  assert.equal(await page.getAttribute('#caption-preview', 'data-caption-size'), '125', 'previewed');
  await b.tabUntil(page, () => document.activeElement?.name === 'caption_color', { what: 'text colour' });
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'yellow');
  assert.equal(await page.getAttribute('#caption-preview', 'data-caption-color'), 'yellow');
  await b.tabUntil(page, () => document.activeElement?.name === 'caption_edge', { what: 'edge' });
  await page.keyboard.press('ArrowDown');
  await b.tabUntil(page, () => document.activeElement?.name === 'sign_layout', { what: 'sign layout' });
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'side');
  await b.tabUntil(page, () => document.activeElement?.name === 'keyboard_shortcuts', { what: 'shortcuts' });
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement.value), 'off');
  await b.tabUntil(page, () => document.activeElement?.id === 'preferences-submit', { what: 'save' });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('status')?.textContent.includes('Preferences saved'));
  assert.ok(await page.evaluate(() => document.activeElement && document.activeElement !== document.body),
    'focus is not lost after saving');
  // The announcement and the new <html> attributes come from the same swap: wait for the
  // attributes to settle rather than read them in between.
  await page.waitForFunction(() => document.documentElement.getAttribute('data-caption-size') === '125', null, { timeout: 5000 }).catch(() => {});
  const attrs = await htmlAttrs(page);
  assert.equal(attrs['data-caption-size'], '125');
  assert.equal(attrs['data-caption-color'], 'yellow');
  assert.equal(attrs['data-caption-edge'], 'outline');
  assert.equal(attrs['data-sign-layout'], 'side');
  assert.equal(attrs['data-shortcuts'], 'off');
  // Stored with the account: a fresh page load shows them.
  await page.goto('/account');
  assert.equal(await page.getAttribute('html', 'data-caption-color'), 'yellow');
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('the player form saves the layout without a page of its own (POST /preferences/player)', async () => {
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  await page.goto('/preferences');
  const token = await page.getAttribute('#page-meta', 'data-csrf-token');
  const status = await page.evaluate(async (token) => {
    const body = new URLSearchParams({ csrf_token: token, sign_corner: 'top-left', sign_size: 'large' });
    const r = await fetch('/preferences/player', { method: 'POST', body, headers: { 'HX-Request': 'true' } });
    return r.status;
  }, token);
  assert.equal(status, 204);
  await page.goto('/');
  assert.equal(await page.getAttribute('html', 'data-sign-corner'), 'top-left');
  assert.equal(await page.getAttribute('html', 'data-sign-size'), 'large');
  await context.close();
});
