'use strict';
// Moderation (issue 15): axe-core (WCAG 2.0/2.1/2.2 A and AA tags) finds 0 violations on the
// report form (empty and refused), the moderation queue, the 403 page a member gets there,
// the owner's view of a hidden video and the admin pages (find accounts, one account, the
// audit trail); and the whole journey is done with the keyboard only, CSP kept, no console
// errors: a viewer reports a video -> the moderator finds it in the queue and hides it with
// a reason -> the owner sees "Hidden by moderators" and the reason -> the moderator restores
// it -> the owner no longer sees the notice.
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

let server;
let browser;
let owner;
let viewer;
let moderator;
let video;
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

async function api(user, method, url, body, headers = {}) {
  const r = await fetch(`${server.baseURL}${url}`, {
    method, body, headers: { authorization: `Bearer ${user.token}`, ...headers }, signal: AbortSignal.timeout(30000),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

before(async () => {
  server = await startServer({ WORKER_EMBEDDED: 'true' });
  browser = await b.launchBrowser();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pinkflow-moderation-'));
  const clip = makeClip(tmp);
  owner = await b.apiUser(server.baseURL, 'owner');
  viewer = await b.apiUser(server.baseURL, 'viewer');
  moderator = await b.apiUser(server.baseURL, 'moderator');
  // The first admin, as `pinkflow user role EMAIL admin` makes it (admins moderate too).
  assert.ok(server.sql(`UPDATE users SET role = 'admin' WHERE email = '${moderator.email}'`), 'sqlite3 or psql is needed');
  const form = new FormData();
  form.append('title', 'Story in BSL');
  form.append('sign_language', 'BSL');
  form.append('visibility', 'public');
  form.append('file', new Blob([clip], { type: 'video/mp4' }), 'clip.mp4');
  const up = await api(owner, 'POST', '/api/videos', form);
  assert.equal(up.status, 202, up.text);
  video = up.json.id;
  const deadline = Date.now() + 60000;
  for (;;) {
    const v = await api(owner, 'GET', `/api/videos/${video}`);
    if (v.json?.status === 'ready') break;
    assert.notEqual(v.json?.status, 'failed', v.text);
    assert.ok(Date.now() < deadline, `video not ready: ${v.text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function signedIn(user, { bypassCSP = false } = {}) {
  const context = await b.newContext(browser, server.baseURL, { bypassCSP });
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  return { context, page, watch };
}

/** Tab to `selector` (every stop on the way shows its focus). */
async function tabTo(page, selector, what) {
  const match = new Function(`return Boolean(document.activeElement && document.activeElement.matches(${JSON.stringify(selector)}));`);
  await b.tabUntil(page, match, { what, max: 150 });
}

/** Tab to `selector`, then press `key`. */
async function tabAndPress(page, selector, key, what) {
  await tabTo(page, selector, what);
  await page.keyboard.press(key);
}

test('the moderation and admin pages have no axe violations', async () => {
  const member = await signedIn(viewer, { bypassCSP: true });
  let r = await member.page.goto('/moderation');
  assert.equal(r.status(), 403);
  await b.expectNoViolations(member.page, '403 on /moderation for a member');
  r = await member.page.goto(`/videos/${video}/report`);
  assert.equal(r.status(), 200);
  await b.expectNoViolations(member.page, 'the report form');
  await member.context.close();

  const admin = await signedIn(moderator, { bypassCSP: true });
  for (const url of ['/moderation', '/admin/users', '/admin/users?q=own', `/admin/users/${1}`, '/admin/audit', '/admin/audit?from=nope']) {
    r = await admin.page.goto(url);
    assert.ok([200, 422].includes(r.status()), `${url}: ${r.status()}`);
    await b.expectNoViolations(admin.page, url);
  }
  await admin.context.close();
});

test('keyboard only: report -> queue -> hide -> owner sees the reason -> restore', async () => {
  // The viewer reports the video.
  const v = await signedIn(viewer);
  await v.page.goto(`/videos/${video}`);
  await tabAndPress(v.page, '#report-link', 'Enter', 'the report link');
  await v.page.waitForURL(`**/videos/${video}/report`);
  // Sending without a reason: the error summary, its link leads to the radios.
  await tabAndPress(v.page, '#report-submit', 'Enter', 'send report');
  await v.page.waitForSelector('#error-summary');
  assert.match(await v.page.title(), /^Error:/);
  // Choose the first reason with the keyboard: Tab into the group, Space picks it.
  await v.page.goto(`/videos/${video}/report`);
  await tabAndPress(v.page, '#reason-wrong_language', 'Space', 'the first reason');
  assert.ok(await v.page.isChecked('#reason-wrong_language'));
  await v.page.keyboard.press('Tab');
  assert.equal(await v.page.evaluate(() => document.activeElement.id), 'details');
  await v.page.keyboard.type('This is Auslan, not BSL.');
  await v.page.keyboard.press('Tab');
  assert.equal(await v.page.evaluate(() => document.activeElement.id), 'report-submit');
  await v.page.keyboard.press('Enter');
  await v.page.waitForURL(`**/videos/${video}`);
  await v.page.waitForFunction(() => document.body.innerText.includes('Report received'));
  assert.deepEqual(v.watch.problems(), []);

  // The moderator finds it in the queue and hides it with a reason.
  const m = await signedIn(moderator);
  await tabAndPress(m.page, 'a[href="/moderation"]', 'Enter', 'the moderation link');
  await m.page.waitForURL('**/moderation');
  await m.page.waitForSelector(`#queue-${video}`);
  const queueText = await m.page.locator(`#queue-${video}`).innerText();
  assert.match(queueText, /Wrong sign language label/);
  assert.match(queueText, /This is Auslan, not BSL\./);
  await tabTo(m.page, `#hide-reason-${video}`, 'the reason for hiding');
  await m.page.keyboard.type('Labelled BSL but signed in Auslan');
  await m.page.keyboard.press('Tab');
  assert.equal(await m.page.evaluate(() => document.activeElement.id), `hide-${video}`);
  await m.page.keyboard.press('Enter');
  await m.page.waitForFunction(() => document.body.innerText.includes('Video hidden'));
  await m.page.waitForSelector(`#restore-${video}`);

  // The owner sees why.
  const o = await signedIn(owner);
  await o.page.goto(`/videos/${video}`);
  await o.page.waitForSelector('#hidden-notice');
  const notice = await o.page.locator('#hidden-notice').innerText();
  assert.match(notice, /Hidden by moderators/);
  assert.match(notice, /Labelled BSL but signed in Auslan/);
  // Others do not see the video at all.
  const anon = await (await b.newContext(browser, server.baseURL)).newPage();
  assert.equal((await anon.goto(`/videos/${video}`)).status(), 404);

  // The moderator restores it; the owner's notice is gone.
  await m.page.goto('/moderation');
  await tabAndPress(m.page, `#restore-${video}`, 'Enter', 'restore');
  await m.page.waitForFunction(() => document.body.innerText.includes('Video restored'));
  await o.page.goto(`/videos/${video}`);
  assert.equal(await o.page.locator('#hidden-notice').count(), 0);
  assert.equal((await anon.goto(`/videos/${video}`)).status(), 200);
  for (const w of [v.watch, m.watch, o.watch]) assert.deepEqual(w.problems(), []);
});

test('the owner\'s hidden video page has no axe violations', async () => {
  const m = await api(moderator, 'POST', `/api/moderation/videos/${video}/hide`, JSON.stringify({ reason: 'Checked by axe' }), { 'content-type': 'application/json' });
  assert.equal(m.status, 200, m.text);
  const o = await signedIn(owner, { bypassCSP: true });
  await o.page.goto(`/videos/${video}`);
  await o.page.waitForSelector('#hidden-notice');
  await b.expectNoViolations(o.page, 'the owner\'s hidden video');
  await o.context.close();
});

test('the moderation page at density 5 (tables) and 1 (one video at a time) has no axe violations', async () => {
  // The video is hidden by the test before; a report keeps one item in the queue.
  const admin = await signedIn(moderator, { bypassCSP: true });
  const json = { 'content-type': 'application/json' };
  try {
    for (const [density, selector] of [[5, '#hidden-table'], [1, '#queue-heading']]) {
      const p = await api(moderator, 'PUT', '/api/auth/user/preferences', JSON.stringify({ visual_density: density }), json);
      assert.equal(p.status, 200, p.text);
      const r = await admin.page.goto('/moderation');
      assert.equal(r.status(), 200);
      await admin.page.waitForSelector(selector);
      assert.equal(await admin.page.getAttribute('html', 'data-density'), String(density));
      await b.expectNoViolations(admin.page, `/moderation at density ${density}`);
    }
  } finally {
    await api(moderator, 'PUT', '/api/auth/user/preferences', JSON.stringify({ visual_density: 3 }), json);
    await admin.context.close();
  }
});
