'use strict';
// The video pages (issue 4, "Captions and viewing"): axe-core (WCAG 2.0/2.1/2.2 A and AA tags)
// finds 0 violations on my videos, the upload form (empty and after a failed submit), the video
// page (owner, signed out, after the feedback swap, at the extreme preference combinations), the
// edit and delete pages and the catalogue at density 1, 3 and 5; plus what axe cannot see about
// the player: no autoplay, a default captions track served as text/vtt, the transcript right
// after the player, and nothing animating with motion sensitivity on.
//
// Needs the `test_clip` example next to the binary: `cargo build --bin pinkflow --example test_clip`
// (the Makefile's test-browser targets build it).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startServer, ensureBinary, ROOT } = require('./support/server');
const b = require('./support/browser');

const DEFAULTS = { visual_density: 3, reading_level: 3, color_contrast: 'normal', motion_sensitivity: false };
const EXTREME_LOW = { visual_density: 1, reading_level: 1, color_contrast: 'high', motion_sensitivity: true };
const EXTREME_HIGH = { visual_density: 5, reading_level: 5, color_contrast: 'normal', motion_sensitivity: false };

const CUES = ['Hello from the signing test.', 'Captions for everyone who watches.'];
const VTT = `WEBVTT

00:00:00.000 --> 00:00:01.000
${CUES[0]}

00:00:01.000 --> 00:00:02.000
${CUES[1]}
`;

let server;
let browser;
let user;
let clip;
let video; // the captioned, public, ready video: { id, ... }
let second; // a second video, uploaded late, without captions
let tmp;

/** The test clip writer, built next to the pinkflow binary (`cargo build --example test_clip`). */
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

async function api(method, url, body, { srv = server, who = user } = {}) {
  const r = await fetch(`${srv.baseURL}${url}`, {
    method,
    body,
    headers: { authorization: `Bearer ${who.token}` },
    signal: AbortSignal.timeout(30000),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

async function upload(title, { visibility = 'public', language = 'BSL', srv = server, who = user } = {}) {
  const form = new FormData();
  form.append('title', title);
  form.append('description', `${title}: a test clip for the accessibility checks.`);
  form.append('sign_language', language);
  form.append('visibility', visibility);
  form.append('file', new Blob([clip], { type: 'video/mp4' }), 'clip.mp4');
  const r = await api('POST', '/api/videos', form, { srv, who });
  assert.equal(r.status, 202, `upload ${title}: ${r.status} ${r.text}`);
  return r.json;
}

async function waitReady(id, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await api('GET', `/api/videos/${id}`);
    if (last.json?.status === 'ready') return last.json;
    assert.notEqual(last.json?.status, 'failed', `video ${id} failed: ${last.text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`video ${id} not ready after ${timeoutMs} ms: ${last?.text}`);
}

before(async () => {
  server = await startServer({ WORKER_EMBEDDED: 'true' });
  browser = await b.launchBrowser();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pinkflow-vaxe-'));
  clip = makeClip(tmp);
  user = await b.apiUser(server.baseURL, 'videoaxe');
  const created = await upload('Signing test video');
  await waitReady(created.id);
  const form = new FormData();
  form.append('language', 'en');
  form.append('label', 'English');
  form.append('file', new Blob([VTT], { type: 'text/vtt' }), 'captions.vtt');
  const c = await api('POST', `/api/videos/${created.id}/captions`, form);
  assert.equal(c.status, 201, `captions: ${c.status} ${c.text}`);
  video = (await api('GET', `/api/videos/${created.id}`)).json;
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Visit `url` (expecting 200) and run axe; 7:1 contrast too when high contrast is on. */
async function check(page, url, label, { highContrast = false } = {}) {
  const r = await page.goto(url);
  assert.equal(r.status(), 200, `${url} answered ${r.status()} (${label})`);
  await b.expectNoViolations(page, `${url} (${label})`, highContrast ? { extraRules: ['color-contrast-enhanced'] } : undefined);
}

/**
 * axe's video-caption rule on this page: which videos pass (a captions track) and which are left
 * "needs review" (axe never reports a missing track as a violation, only as incomplete).
 */
async function videoCaptionResults(page) {
  await b.axe(page, { rules: ['video-caption'] }); // injects axe when needed
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { runOnly: { type: 'rule', values: ['video-caption'] }, resultTypes: ['passes', 'incomplete', 'violations'] });
    const nodes = (kind) => r[kind].flatMap((v) => v.nodes.map((n) => n.target.join(' ')));
    return { passes: nodes('passes'), incomplete: nodes('incomplete'), violations: nodes('violations') };
  });
}

/** No <video> on the page autoplays. */
async function expectNoAutoplay(page) {
  const auto = await page.evaluate(() => [...document.querySelectorAll('video')]
    .filter((v) => v.hasAttribute('autoplay') || v.autoplay).map((v) => v.outerHTML.slice(0, 120)));
  assert.deepEqual(auto, [], `videos with autoplay on ${page.url()}`);
}

/** Every element (and ::before/::after) that still animates, transitions or scrolls smoothly (as in adaptation.test.js). */
function moving(page) {
  return page.evaluate(() => {
    const found = [];
    const secs = (v) => Math.max(...v.split(',').map((x) => parseFloat(x) || 0));
    if (getComputedStyle(document.documentElement).scrollBehavior === 'smooth') found.push('html: scroll-behavior smooth');
    for (const el of document.querySelectorAll('*')) {
      for (const pseudo of [null, '::before', '::after']) {
        const s = getComputedStyle(el, pseudo);
        const what = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${pseudo || ''}`;
        if (s.animationName !== 'none' && secs(s.animationDuration) > 0) found.push(`${what}: animation ${s.animationName} ${s.animationDuration}`);
        if (secs(s.transitionDuration) > 0) found.push(`${what}: transition ${s.transitionProperty} ${s.transitionDuration}`);
        if (!pseudo && s.scrollBehavior === 'smooth') found.push(`${what}: scroll-behavior smooth`);
      }
    }
    return found;
  });
}

test('the video pages have no axe violations (owner, default preferences)', async (t) => {
  await b.apiPrefs(server.baseURL, user, DEFAULTS);
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);

  await t.test('/videos (my videos, one ready video)', async () => {
    await check(page, '/videos', 'owner');
    assert.ok(await page.locator(`a[href="/videos/${video.id}"]`).count() > 0, 'my videos links to the video');
  });

  await t.test('/videos/new (empty form)', () => check(page, '/videos/new', 'empty form'));

  await t.test('/videos/new after a submit without a title (error summary swapped in)', async () => {
    await page.goto('/videos/new');
    await page.evaluate(() => { window.__pfSamePage = true; });
    await page.locator('#upload-submit').click();
    await page.waitForFunction(() => document.title.startsWith('Error:'), null, { timeout: 10000 })
      .catch(async () => assert.fail(`title is "${await page.title()}" after submitting without a title`));
    assert.equal(await page.evaluate(() => window.__pfSamePage), true, 'the failed upload was not swapped in place by htmx');
    assert.ok(await page.locator('[role="alert"] a[href="#title"]').count() > 0, 'the error summary links to the title field');
    await b.expectNoViolations(page, '/videos/new (error summary)');
  });

  await t.test(`/videos/{id} as the owner (player, track, transcript, feedback, captions form)`, async () => {
    await check(page, `/videos/${video.id}`, 'owner');
    for (const sel of ['video#player', 'track[kind="captions"]', '#transcript', '#feedback-form', '#captions-form']) {
      assert.ok(await page.locator(sel).count() > 0, `${sel} on the owner's video page`);
    }
    // The captioned player really passes video-caption (not merely "needs review").
    const vc = await videoCaptionResults(page);
    assert.deepEqual(vc, { passes: ['#player'], incomplete: [], violations: [] }, 'axe video-caption on the captioned player');
  });

  await t.test('/videos/{id} after the feedback save is swapped in', async () => {
    await page.goto(`/videos/${video.id}`);
    await page.evaluate(() => { window.__pfSamePage = true; });
    await page.check('#rating-helpful');
    await page.locator('#feedback-submit').click();
    await page.waitForFunction(() => /:\s*1\b/.test(document.querySelector('[data-rating="helpful"]')?.textContent || ''), null, { timeout: 10000 })
      .catch(async () => assert.fail(`feedback counts after saving: ${await page.textContent('.feedback-counts')}`));
    assert.equal(await page.evaluate(() => window.__pfSamePage), true, 'the feedback save was not swapped in place by htmx');
    await b.expectNoViolations(page, `/videos/${video.id} (after the feedback swap)`);
  });

  await t.test('/videos/{id}/edit', () => check(page, `/videos/${video.id}/edit`, 'owner'));
  await t.test('/videos/{id}/delete', () => check(page, `/videos/${video.id}/delete`, 'owner'));

  await t.test('/videos while a second upload is queued or processing, then its page without captions', async () => {
    second = await upload('Second video, no captions', { visibility: 'private', language: 'ASL' });
    await check(page, '/videos', 'second video in progress');
    await check(page, `/videos/${second.id}`, 'second video in progress');
    await waitReady(second.id);
    await check(page, `/videos/${second.id}`, 'ready, no captions');
    // Without captions axe can only ask for a review (never a violation): recorded, not failed.
    const vc = await videoCaptionResults(page);
    assert.deepEqual(vc, { passes: [], incomplete: ['#player'], violations: [] }, 'axe video-caption on the uncaptioned player');
  });

  await t.test('/videos/{id} with a "Watch in" control (an ASL edition, ASL preferred)', async () => {
    const r = await fetch(`${server.baseURL}/api/videos/${video.id}/editions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ video_id: second.id }),
      signal: AbortSignal.timeout(15000),
    });
    assert.equal(r.status, 200, `link editions: ${r.status} ${await r.text()}`);
    for (const [name, prefs] of [['defaults', DEFAULTS], ['density 1 + high contrast + reduced motion + reading level 1', EXTREME_LOW]]) {
      await b.apiPrefs(server.baseURL, user, { ...prefs, preferred_sign_language: 'ASL' });
      await check(page, `/videos/${video.id}`, `ASL edition, ${name}`, { highContrast: prefs.color_contrast === 'high' });
      assert.equal(await page.getAttribute('#watch-in', 'href'), `/videos/${second.id}`, 'the "Watch in" control leads to the ASL edition');
    }
    await b.apiPrefs(server.baseURL, user, DEFAULTS);
  });

  assert.deepEqual(watch.problems(), [], 'console errors, failed assets or 5xx on the video pages');
  await context.close();
});

test('the public video page signed out has no axe violations', async () => {
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  await check(page, `/videos/${video.id}`, 'signed out');
  assert.ok(await page.locator('video#player track[kind="captions"]').count() > 0, 'player with captions signed out');
  assert.equal(await page.locator(`a[href="/videos/${second.id}"]`).count(), 0, 'the private ASL edition is not offered to a stranger');
  await check(page, '/catalogue', 'signed out');
  await context.close();
});

test('the catalogue has no axe violations at density 1, 3 and 5', async (t) => {
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  await b.signIn(page, user);
  for (const density of [1, 3, 5]) {
    await t.test(`density ${density}`, async () => {
      await b.apiPrefs(server.baseURL, user, { ...DEFAULTS, visual_density: density });
      await check(page, '/catalogue', `density ${density}`);
      assert.equal(await page.getAttribute('html', 'data-density'), String(density));
      assert.ok(await page.locator(`a[href="/videos/${video.id}"]`).count() > 0, 'the public video is in the catalogue');
      await expectNoAutoplay(page);
    });
  }
  await b.apiPrefs(server.baseURL, user, DEFAULTS);
  await context.close();
});

test('the video pages have no axe violations at the extreme preference combinations', async (t) => {
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  await b.signIn(page, user);
  for (const [name, prefs] of [
    ['density 1 + high contrast + reduced motion + reading level 1', EXTREME_LOW],
    ['density 5 + normal contrast + full motion + reading level 5', EXTREME_HIGH],
  ]) {
    await t.test(name, async (st) => {
      await b.apiPrefs(server.baseURL, user, prefs);
      const highContrast = prefs.color_contrast === 'high';
      for (const url of [`/videos/${video.id}`, '/videos', '/videos/new', `/videos/${video.id}/edit`, `/videos/${video.id}/delete`, '/catalogue']) {
        await st.test(url, async () => {
          await check(page, url, name, { highContrast });
          assert.equal(await page.getAttribute('html', 'data-density'), String(prefs.visual_density));
        });
      }
    });
  }
  await b.apiPrefs(server.baseURL, user, DEFAULTS);
  await context.close();
});

test('the player: no autoplay, default captions served as text/vtt, transcript after the player, no motion', async (t) => {
  // The CSP is kept here: this is behaviour, not axe.
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  await page.goto(`/videos/${video.id}`);

  await t.test('no autoplay anywhere', async () => {
    await expectNoAutoplay(page);
    for (const url of ['/videos', '/catalogue']) {
      await page.goto(url);
      await expectNoAutoplay(page);
    }
    await page.goto(`/videos/${video.id}`);
  });

  await t.test('the captions track is default and served as text/vtt', async () => {
    const tracks = await page.evaluate(() => [...document.querySelectorAll('video#player track')].map((tr) => ({
      kind: tr.getAttribute('kind'), src: tr.src, srclang: tr.srclang, label: tr.label, default: tr.default,
    })));
    const captions = tracks.filter((tr) => tr.kind === 'captions');
    assert.equal(captions.length, 1, `captions tracks: ${JSON.stringify(tracks)}`);
    assert.equal(captions[0].default, true, `the captions track has no default: ${JSON.stringify(captions[0])}`);
    assert.equal(captions[0].srclang, 'en');
    assert.equal(captions[0].label, 'English');
    const r = await page.request.get(captions[0].src);
    assert.equal(r.status(), 200, `${captions[0].src} answered ${r.status()}`);
    assert.match(r.headers()['content-type'] || '', /^text\/vtt\b/, `captions content type: ${r.headers()['content-type']}`);
    const body = await r.text();
    for (const cue of CUES) assert.ok(body.includes(cue), `served captions lack "${cue}"`);
  });

  await t.test('the transcript (the cue text) is right after the player', async () => {
    const after = await page.evaluate(() => {
      const player = document.getElementById('player').closest('.player') || document.getElementById('player');
      const next = player.nextElementSibling;
      return next ? { id: next.id, text: next.textContent.replace(/\s+/g, ' ') } : null;
    });
    assert.ok(after, 'nothing after the player');
    assert.equal(after.id, 'transcript', `after the player comes #${after.id}, not the transcript`);
    for (const cue of CUES) assert.ok(after.text.includes(cue), `the transcript lacks "${cue}": ${after.text}`);
  });

  await t.test('with motion sensitivity on, nothing animates on the video pages', async () => {
    await b.apiPrefs(server.baseURL, user, { ...DEFAULTS, motion_sensitivity: true });
    for (const url of [`/videos/${video.id}`, '/videos', '/catalogue', '/videos/new']) {
      await page.goto(url);
      assert.equal(await page.getAttribute('html', 'data-motion'), 'true');
      assert.deepEqual(await moving(page), [], `things move on ${url} with motion sensitivity on`);
      await expectNoAutoplay(page);
    }
    await b.apiPrefs(server.baseURL, user, DEFAULTS);
  });

  assert.deepEqual(watch.problems(), [], 'console errors, CSP violations, failed assets or 5xx on the player');
  await context.close();
});

test('the player reports its time to first frame once per page view, under the CSP, without console errors', async () => {
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  const loadCount = async () => {
    const text = await (await fetch(`${server.baseURL}/metrics`, { signal: AbortSignal.timeout(10000) })).text();
    const m = text.match(/^pinkflow_video_load_seconds_count\{sign_language="BSL"\} (\d+)/m);
    return m ? Number(m[1]) : 0;
  };
  const before = await loadCount();
  const beacons = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith(`/videos/${video.id}/load-time`)) beacons.push(r); });
  const played = async () => {
    await page.goto(`/videos/${video.id}`);
    const first = page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith(`/videos/${video.id}/load-time`), { timeout: 20000 });
    await page.evaluate(() => { const v = document.getElementById('player'); v.muted = true; return v.play(); });
    const req = await first;
    const body = new URLSearchParams(req.postData() || '');
    const ms = Number(body.get('ms'));
    assert.ok(Number.isInteger(ms) && ms >= 0 && ms < 20000, `time to first frame: ${body.get('ms')}`);
    assert.ok((body.get('csrf_token') || '').length > 0, 'the beacon carries the CSRF token');
    const response = await req.response();
    if (response) assert.equal(response.status(), 204, 'the beacon is accepted');
    // Pausing and playing again on the same page sends nothing more.
    await page.evaluate(async () => { const v = document.getElementById('player'); v.pause(); await v.play(); v.pause(); });
    await page.waitForTimeout(300);
  };
  await played();
  assert.equal(beacons.length, 1, 'one beacon for one page view, however often play is pressed');
  await played();
  assert.equal(beacons.length, 2, 'a new page view measures again');
  for (let i = 0; i < 50 && (await loadCount()) < before + 2; i++) await page.waitForTimeout(100);
  assert.equal(await loadCount(), before + 2, 'pinkflow_video_load_seconds counted both page views');
  assert.deepEqual(watch.problems(), [], 'console errors, CSP violations, failed requests or 5xx around the beacon');
  await context.close();
});

test('queued, processing and failed videos have no axe violations (a server without a worker)', async (t) => {
  // No worker: uploads stay queued; the other states are set in the database behind the server's back.
  const idle = await startServer({ WORKER_EMBEDDED: 'false' });
  const context = await b.newContext(browser, idle.baseURL, { bypassCSP: true });
  try {
    const owner = await b.apiUser(idle.baseURL, 'idleowner');
    const queued = await upload('Waiting video', { srv: idle, who: owner });
    const processing = await upload('Processing video', { srv: idle, who: owner });
    const failed = await upload('Failed video', { srv: idle, who: owner });
    if (!idle.sql(`UPDATE videos SET status = 'processing', progress = 40 WHERE id = ${processing.id}`)) {
      t.skip('sqlite3/psql not installed: only the queued state is checked');
    } else {
      idle.sql(`UPDATE videos SET status = 'failed', attempts = 3, last_error = 'The file could not be read as a video.' WHERE id = ${failed.id}`);
    }
    const page = await context.newPage();
    await b.signIn(page, owner);
    for (const [name, prefs] of [['defaults', DEFAULTS], ['density 1 + high contrast + reduced motion + reading level 1', EXTREME_LOW], ['density 5 + reading level 5', EXTREME_HIGH]]) {
      await t.test(name, async (st) => {
        await b.apiPrefs(idle.baseURL, owner, prefs);
        const highContrast = prefs.color_contrast === 'high';
        for (const url of ['/videos', `/videos/${queued.id}`, `/videos/${processing.id}`, `/videos/${failed.id}`]) {
          await st.test(url, async () => {
            await check(page, url, name, { highContrast });
            if (prefs.motion_sensitivity) assert.deepEqual(await moving(page), [], `things move on ${url} with motion sensitivity on`);
          });
        }
      });
    }
    await page.goto(`/videos/${processing.id}`);
    assert.ok(await page.locator('#video-status progress').count() > 0, 'the processing video shows its progress');
    await page.goto(`/videos/${failed.id}`);
    assert.ok(await page.locator(`#retry-${failed.id}`).count() > 0, 'the failed video offers a retry');
  } finally {
    await context.close();
    await idle.stop();
  }
});
