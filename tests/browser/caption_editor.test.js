'use strict';
// The caption editor (issue 12 item 5): axe-core (WCAG 2.0/2.1/2.2 A and AA tags) finds 0
// violations on the editor (before and after a refused save swapped in by htmx, at default
// and extreme preferences, 7:1 with high contrast), the revisions list and one revision; the
// editor is used with the keyboard only (a refused save focuses the error summary, its link
// leads to the field, the fix saves; inserting a row focuses it); it works with JavaScript
// off (422 with the summary, then 303 and the saved banner; no player buttons); and "Set
// start to the player's time" copies the player's time into the row and announces it, with
// the CSP kept and no console errors.
//
// Needs the `test_clip` example next to the binary (see videos.test.js).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startServer, ensureBinary, ROOT } = require('./support/server');
const b = require('./support/browser');
const { expectErrorSummary, typeInto } = require('./support/flow');

const DEFAULTS = { visual_density: 3, reading_level: 3, color_contrast: 'normal', motion_sensitivity: false };
const EXTREME_LOW = { visual_density: 1, reading_level: 1, color_contrast: 'high', motion_sensitivity: true };
const EXTREME_HIGH = { visual_density: 5, reading_level: 5, color_contrast: 'normal', motion_sensitivity: false };

const VTT = `WEBVTT

STYLE
::cue { color: yellow }

intro
00:00:00.000 --> 00:00:01.000 line:90%
Hello from the editor test.

00:00:01.000 --> 00:00:02.000
Second cue.
`;

let server;
let browser;
let user;
let video;
let caption;
let tmp;

function makeClip(dir) {
  const bin = ensureBinary();
  const tool = path.join(path.dirname(bin), 'examples', 'test_clip');
  if (!fs.existsSync(tool) && !process.env.PINKFLOW_BIN) {
    spawnSync('cargo', ['build', '--example', 'test_clip'], { cwd: ROOT, stdio: 'inherit' });
  }
  assert.ok(fs.existsSync(tool), `${tool} is missing: run \`cargo build --example test_clip\``);
  const out = path.join(dir, 'clip.mp4');
  const r = spawnSync(tool, [out, '2'], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `test_clip failed: ${r.stdout} ${r.stderr}`);
  return fs.readFileSync(out);
}

async function api(method, url, body, headers = {}) {
  const r = await fetch(`${server.baseURL}${url}`, {
    method, body, headers: { authorization: `Bearer ${user.token}`, ...headers }, signal: AbortSignal.timeout(30000),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

/** Put the track back as it was (two cues), so each test starts from the same state. */
async function resetCues() {
  const cues = [
    { id: 'intro', start: '00:00:00.000', end: '00:00:01.000', settings: 'line:90%', text: 'Hello from the editor test.' },
    { start: '00:00:01.000', end: '00:00:02.000', text: 'Second cue.' },
  ];
  const r = await api('PUT', `/api/videos/${video}/captions/${caption}/cues`, JSON.stringify({ cues }), { 'content-type': 'application/json' });
  assert.equal(r.status, 200, `reset: ${r.text}`);
}

const editorURL = () => `/videos/${video}/captions/${caption}/edit`;

before(async () => {
  server = await startServer({ WORKER_EMBEDDED: 'true' });
  browser = await b.launchBrowser();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pinkflow-ceditor-'));
  const clip = makeClip(tmp);
  user = await b.apiUser(server.baseURL, 'captioneditor');
  const form = new FormData();
  form.append('title', 'Editor test video');
  form.append('sign_language', 'BSL');
  form.append('visibility', 'private');
  form.append('file', new Blob([clip], { type: 'video/mp4' }), 'clip.mp4');
  const up = await api('POST', '/api/videos', form);
  assert.equal(up.status, 202, up.text);
  video = up.json.id;
  const deadline = Date.now() + 60000;
  for (;;) {
    const v = await api('GET', `/api/videos/${video}`);
    if (v.json?.status === 'ready') break;
    assert.notEqual(v.json?.status, 'failed', v.text);
    assert.ok(Date.now() < deadline, `video not ready: ${v.text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const c = new FormData();
  c.append('language', 'en');
  c.append('label', 'English');
  c.append('kind', 'captions');
  c.append('file', new Blob([VTT], { type: 'text/vtt' }), 'captions.vtt');
  const added = await api('POST', `/api/videos/${video}/captions`, c);
  assert.equal(added.status, 201, added.text);
  caption = added.json.id;
  // One save, so the revisions list is not empty.
  await resetCues();
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function check(page, url, label, { highContrast = false } = {}) {
  const r = await page.goto(url);
  assert.equal(r.status(), 200, `${url} answered ${r.status()} (${label})`);
  await b.expectNoViolations(page, `${url} (${label})`, highContrast ? { extraRules: ['color-contrast-enhanced'] } : undefined);
}

test('the editor, its refused save and the revisions have no axe violations', async (t) => {
  for (const [name, prefs] of [['defaults', DEFAULTS], ['extreme low', EXTREME_LOW], ['extreme high', EXTREME_HIGH]]) {
    await t.test(name, async () => {
      await b.apiPrefs(server.baseURL, user, prefs);
      const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
      const page = await context.newPage();
      const highContrast = prefs.color_contrast === 'high';
      await b.signIn(page, user);
      await check(page, `/videos/${video}`, `watch page with the track list, ${name}`, { highContrast });
      assert.ok(await page.locator(`a[href="${editorURL()}"]`).count() > 0, 'the track list links to the editor');
      await check(page, editorURL(), name, { highContrast });
      // A refused save, swapped in place by htmx.
      await page.evaluate(() => { window.__pfSamePage = true; });
      await page.fill('#cue-1-end', '00:00:00.500');
      await page.locator('#save-top').click();
      await expectErrorSummary(page, `editor (${name})`);
      assert.equal(await page.evaluate(() => window.__pfSamePage), true, 'swapped in place');
      await b.expectNoViolations(page, `editor with errors (${name})`, highContrast ? { extraRules: ['color-contrast-enhanced'] } : undefined);
      await check(page, `/videos/${video}/captions/${caption}/revisions`, `revisions, ${name}`, { highContrast });
      const href = await page.locator('#revisions a').first().getAttribute('href');
      await check(page, href, `one revision, ${name}`, { highContrast });
      await context.close();
    });
  }
  await b.apiPrefs(server.baseURL, user, DEFAULTS);
});

test('keyboard only: a refused save leads to the field, the fix saves, an inserted row is focused', async () => {
  await resetCues();
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  await page.goto(editorURL());
  await page.waitForFunction(() => !document.querySelector('.set-time[hidden]'));
  await b.tabUntil(page, () => document.activeElement?.id === 'cue-1-end', { what: 'the end of cue 2' });
  await typeInto(page, '00:00:00.500');
  await page.keyboard.press('Enter'); // the form's first button: Save changes
  const links = await expectErrorSummary(page, 'editor, keyboard');
  assert.deepEqual(links, ['#cue-1-end']);
  await b.tabUntil(page, () => document.activeElement?.getAttribute('href') === '#cue-1-end', { what: 'the error link' });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'cue-1-end');
  await typeInto(page, '00:00:02.500');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.getElementById('banner')?.textContent.includes('The captions were saved.'), null, { timeout: 10000 });
  // Focus moves once the swap has settled (a11y.js).
  await page.waitForFunction(() => document.activeElement?.id === 'banner', null, { timeout: 3000 })
    .catch(async () => assert.fail(`focus is on ${await b.describeActive(page)}, not on the saved banner`));
  assert.equal(await page.inputValue('#cue-1-end'), '00:00:02.500');

  // Insert a cue after cue 1 with the keyboard: the new row's start field gets focus.
  await b.tabUntil(page, () => document.activeElement?.id === 'cue-0-insert', { what: 'insert after cue 1' });
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.activeElement?.id === 'cue-1-start', null, { timeout: 10000 });
  assert.equal(await page.inputValue('#cue-1-start'), '00:00:01.000', 'starts where cue 1 ends');
  assert.equal(await page.locator('#unsaved').count(), 1, 'says it is not saved yet');
  assert.deepEqual(watch.problems(), [], 'no console errors, failed assets or CSP violations');
  await context.close();
});

test('JavaScript off: the same form, 422 with the summary, then 303 and the banner', async () => {
  await resetCues();
  const context = await b.newContext(browser, server.baseURL, { javaScriptEnabled: false });
  const page = await context.newPage();
  await b.signIn(page, user);
  let r = await page.goto(editorURL());
  assert.equal(r.status(), 200);
  assert.equal(await page.locator('.set-time:visible').count(), 0, 'no player buttons without JavaScript');
  await page.fill('#cue-0-text', '');
  const [refused] = await Promise.all([
    page.waitForResponse((res) => res.request().method() === 'POST'),
    page.locator('#save-bottom').click(),
  ]);
  assert.equal(refused.status(), 422);
  await page.waitForLoadState('domcontentloaded');
  const links = await expectErrorSummary(page, 'editor without JavaScript', { js: false });
  assert.deepEqual(links, ['#cue-0-text']);
  await page.fill('#cue-0-text', 'Fixed without JavaScript');
  const [saved] = await Promise.all([
    page.waitForResponse((res) => res.request().method() === 'POST'),
    page.locator('#save-top').click(),
  ]);
  assert.equal(saved.status(), 303);
  await page.waitForURL((u) => u.search === '?page=1');
  assert.match(await page.locator('#banner').innerText(), /The captions were saved\./);
  assert.equal(await page.inputValue('#cue-0-text'), 'Fixed without JavaScript');
  // Delete a row and save: the track has one cue left.
  await page.locator('#cue-1-delete').click();
  await page.waitForLoadState('domcontentloaded');
  assert.equal(await page.locator('#cue-1-start').count(), 0);
  await page.locator('#save-top').click();
  await page.waitForLoadState('domcontentloaded');
  const cues = await api('GET', `/api/videos/${video}/captions/${caption}/cues`);
  assert.equal(cues.json.cues.length, 1);
  assert.equal(cues.json.cues[0].settings, 'line:90%', 'settings kept');
  const vtt = await (await fetch(`${server.baseURL}${cues.json.caption.url}`, { headers: { authorization: `Bearer ${user.token}` } })).text();
  assert.match(vtt, /STYLE\n::cue \{ color: yellow \}/, 'the STYLE block survived');
  await context.close();
});

test("'Set start to the player's time' copies the player's time and announces it", async () => {
  await resetCues();
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  await page.goto(editorURL());
  await page.waitForFunction(() => !document.querySelector('.set-time[hidden]'));
  await page.evaluate(() => new Promise((resolve, reject) => {
    const v = document.getElementById('editor-player');
    const seek = () => { v.addEventListener('seeked', resolve, { once: true }); v.currentTime = 1.25; };
    v.addEventListener('error', () => reject(new Error('the player could not load the video')), { once: true });
    if (v.readyState >= 1) seek(); else { v.addEventListener('loadedmetadata', seek, { once: true }); v.load(); }
  }));
  const button = '[data-set-time="cue-1-start"]';
  assert.match(await page.locator(button).innerText(), /Set start to the player's time/);
  await b.tabUntil(page, () => document.activeElement?.getAttribute('data-set-time') === 'cue-1-start', { what: 'set start of cue 2' });
  await page.keyboard.press('Enter');
  assert.equal(await page.inputValue('#cue-1-start'), '00:00:01.250');
  await page.waitForFunction(() => document.getElementById('status')?.textContent.includes('00:00:01.250'));
  assert.match(await page.locator('#status').textContent(), /Start, cue 2, set to 00:00:01\.250/);
  await page.locator('[data-set-time="cue-1-end"]').focus();
  await page.evaluate(() => { document.getElementById('editor-player').currentTime = 1.75; });
  await page.waitForFunction(() => Math.abs(document.getElementById('editor-player').currentTime - 1.75) < 0.01);
  await page.keyboard.press('Space');
  assert.equal(await page.inputValue('#cue-1-end'), '00:00:01.750');
  await page.locator('#save-top').click();
  await page.waitForFunction(() => document.getElementById('banner')?.textContent.includes('The captions were saved.'));
  const cues = await api('GET', `/api/videos/${video}/captions/${caption}/cues`);
  assert.equal(cues.json.cues[1].start, '00:00:01.250');
  assert.equal(cues.json.cues[1].end, '00:00:01.750');
  assert.deepEqual(watch.problems(), [], 'no console errors, failed assets or CSP violations');
  await context.close();
});
