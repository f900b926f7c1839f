'use strict';
// The player (issue 11): own controls over the native <video>, the signed edition in sync
// inside the player, the transcript that follows, loop / frame steps / slow motion / mirror,
// focus-scoped shortcuts, chapters, no motion with motion sensitivity, axe-core with every
// panel open, a keyboard-only journey, and the JavaScript-off page. One server, one browser,
// shared fixtures: a 6 s BSL video with English and French captions, a text descriptions
// track and a chapters track,
// linked to an ASL and an LSF edition.
//
// Needs the `test_clip` example next to the binary (`cargo build --example test_clip`).

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { startServer, ensureBinary, ROOT } = require('./support/server');
const b = require('./support/browser');

const DEFAULTS = { visual_density: 3, reading_level: 3, color_contrast: 'normal', motion_sensitivity: false, preferred_sign_language: 'ASL' };
const CUES_EN = ['Hello and welcome.', 'We sign the weather today.', 'Rain comes later, then sun.'];
const CUES_FR = ['Bonjour et bienvenue.', 'La météo en langue des signes.', 'La pluie puis le soleil.'];
const CHAPTERS = ['Welcome', 'The weather'];
const DESCRIPTIONS = ['A woman waves at the camera.', 'She points at a <i>map</i> of rain clouds.'];
const vtt = (cues) => `WEBVTT\n\n${cues.map((c, i) => `00:00:0${i * 2}.000 --> 00:00:0${i * 2 + 2}.000\n${c}\n`).join('\n')}`;
const CHAPTERS_VTT = `WEBVTT\n\n00:00:00.000 --> 00:00:03.000\n${CHAPTERS[0]}\n\n00:00:03.000 --> 00:00:06.000\n${CHAPTERS[1]}\n`;

let server;
let browser;
let user;
let clip;
let tmp;
let main; // the BSL video
let asl;
let lsf;

function makeClip(dir, seconds) {
  const bin = ensureBinary();
  const tool = path.join(path.dirname(bin), 'examples', 'test_clip');
  if (!fs.existsSync(tool) && !process.env.PINKFLOW_BIN) {
    spawnSync('cargo', ['build', '--example', 'test_clip'], { cwd: ROOT, stdio: 'inherit' });
  }
  assert.ok(fs.existsSync(tool), `${tool} is missing: run \`cargo build --example test_clip\``);
  const out = path.join(dir, 'clip.mp4');
  const r = spawnSync(tool, [out, String(seconds)], { encoding: 'utf8', timeout: 60000 });
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

async function upload(title, language) {
  const form = new FormData();
  form.append('title', title);
  form.append('description', `${title}: a clip for the player tests.`);
  form.append('sign_language', language);
  form.append('visibility', 'public');
  form.append('file', new Blob([clip], { type: 'video/mp4' }), 'clip.mp4');
  const r = await api('POST', '/api/videos', form);
  assert.equal(r.status, 202, `upload ${title}: ${r.status} ${r.text}`);
  return r.json;
}

async function waitReady(id) {
  const deadline = Date.now() + 90000;
  let last;
  while (Date.now() < deadline) {
    last = await api('GET', `/api/videos/${id}`);
    if (last.json?.status === 'ready') return last.json;
    assert.notEqual(last.json?.status, 'failed', `video ${id} failed: ${last.text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`video ${id} not ready: ${last?.text}`);
}

async function addTrack(id, language, label, body, kind) {
  const form = new FormData();
  form.append('language', language);
  form.append('label', label);
  if (kind) form.append('kind', kind);
  form.append('file', new Blob([body], { type: 'text/vtt' }), 'track.vtt');
  const r = await api('POST', `/api/videos/${id}/captions`, form);
  assert.equal(r.status, 201, `captions ${language}: ${r.status} ${r.text}`);
  return r.json;
}

/** Turn a stored track into a chapters track behind the server's back (until uploads can say "chapters"). */
function makeChapters(captionId) {
  const sql = server.backend === 'postgres'
    ? `ALTER TABLE captions DROP CONSTRAINT IF EXISTS captions_kind_check; UPDATE captions SET kind = 'chapters' WHERE id = ${captionId}`
    : `PRAGMA ignore_check_constraints = ON; UPDATE captions SET kind = 'chapters' WHERE id = ${captionId};`;
  assert.ok(server.sql(sql), 'sqlite3 or psql is needed to add a chapters track');
}

before(async () => {
  server = await startServer({ WORKER_EMBEDDED: 'true', CACHE_DEFAULT_TIMEOUT: '0' });
  browser = await b.launchBrowser();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pinkflow-player-'));
  clip = makeClip(tmp, 6);
  user = await b.apiUser(server.baseURL, 'playertest');
  const made = [await upload('Weather in BSL', 'BSL'), await upload('Weather in ASL', 'ASL'), await upload('Weather in LSF', 'LSF')];
  [main, asl, lsf] = await Promise.all(made.map((v) => waitReady(v.id)));
  await addTrack(main.id, 'en', 'English', vtt(CUES_EN));
  await addTrack(main.id, 'fr', 'Français', vtt(CUES_FR));
  const chapters = await addTrack(main.id, 'de', 'Chapters', CHAPTERS_VTT);
  makeChapters(chapters.id);
  await addTrack(main.id, 'en', 'Described', vtt(DESCRIPTIONS), 'descriptions');
  for (const other of [asl, lsf]) {
    const r = await api('POST', `/api/videos/${main.id}/editions`, JSON.stringify({ video_id: other.id }), { 'content-type': 'application/json' });
    assert.equal(r.status, 200, `link editions: ${r.status} ${r.text}`);
  }
  main = (await api('GET', `/api/videos/${main.id}`)).json;
  await b.apiPrefs(server.baseURL, user, DEFAULTS);
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** A signed-in page on the watch page, JavaScript on, CSP kept, player enhanced and ready. */
async function watchPlayer({ prefs = DEFAULTS, bypassCSP = false, reducedMotion } = {}) {
  await b.apiPrefs(server.baseURL, user, prefs);
  const context = await b.newContext(browser, server.baseURL, { bypassCSP, ...(reducedMotion ? { reducedMotion } : {}) });
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  await page.goto(`/videos/${main.id}`);
  await page.waitForSelector('#player-root[data-enhanced] #player-controls');
  await page.waitForFunction(() => {
    const m = document.getElementById('player');
    const s = document.getElementById('sign-video');
    return m.readyState >= 1 && (!s || s.readyState >= 1);
  });
  await page.evaluate(() => { document.getElementById('player').muted = true; });
  return { context, page, watch };
}

const times = (page) => page.evaluate(() => {
  const m = document.getElementById('player');
  const s = document.getElementById('sign-video');
  return { main: m.currentTime, sign: s ? s.currentTime : null, paused: m.paused, rate: m.playbackRate, signRate: s ? s.playbackRate : null };
});
const status = (page) => page.evaluate(() => document.getElementById('status').textContent.trim());
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function seek(page, t) {
  await page.evaluate((t) => new Promise((resolve) => {
    const m = document.getElementById('player');
    m.addEventListener('seeked', () => resolve(), { once: true });
    m.currentTime = t;
  }), t);
}

test('JavaScript off: native controls, captions, transcript list and links to the signed editions', async () => {
  const context = await b.newContext(browser, server.baseURL, { javaScriptEnabled: false });
  const page = await context.newPage();
  const r = await page.goto(`/videos/${main.id}`);
  assert.equal(r.status(), 200);
  const facts = await page.evaluate(() => ({
    controls: document.getElementById('player').hasAttribute('controls'),
    tracks: [...document.querySelectorAll('#player track')].map((t) => [t.kind, t.srclang, t.default]),
    bar: !!document.querySelector('.player-controls:not(template .player-controls)'),
    signShown: !!document.querySelector('#player-sign:not([hidden])'),
    lines: [...document.querySelectorAll('.transcript-track:not([hidden]) .transcript-lines li')].map((li) => li.textContent.replace(/\s+/g, ' ').trim()),
    editions: [...document.querySelectorAll('.player-editions a')].map((a) => a.getAttribute('href')),
    chapters: [...document.querySelectorAll('.chapter-list li')].map((li) => li.textContent.replace(/\s+/g, ' ').trim()),
    downloads: [...document.querySelectorAll('.transcript-track:not([hidden]) .transcript-downloads a')].map((a) => a.getAttribute('href')),
  }));
  assert.equal(facts.controls, true, 'the native controls stay without JavaScript');
  assert.deepEqual(facts.tracks.filter((t) => t[0] === 'captions').map((t) => t[1]).sort(), ['en', 'fr']);
  assert.ok(facts.tracks.some((t) => t[0] === 'captions' && t[2]), 'a default captions track');
  assert.deepEqual(facts.tracks.filter((t) => t[0] === 'chapters').length, 1, 'the chapters track');
  assert.equal(facts.bar, false, 'no control bar without JavaScript');
  assert.equal(facts.signShown, false, 'no second video without JavaScript');
  assert.equal(facts.lines.length, 3);
  CUES_EN.forEach((cue, i) => assert.ok(facts.lines[i].includes(cue), `line ${i}: ${facts.lines[i]}`));
  assert.deepEqual(facts.editions, [`/videos/${asl.id}`, `/videos/${lsf.id}`]);
  assert.deepEqual(facts.chapters, [`00:00:00.000 ${CHAPTERS[0]}`, `00:00:03.000 ${CHAPTERS[1]}`]);
  assert.equal(facts.downloads.length, 2);
  // The native player really plays.
  await context.close();
  const ctx2 = await b.newContext(browser, server.baseURL, { javaScriptEnabled: false });
  const p2 = await ctx2.newPage();
  await p2.goto(`/videos/${main.id}`);
  const src = await p2.getAttribute('#player source', 'src');
  const media = await p2.request.get(src);
  assert.equal(media.status(), 200);
  assert.equal(media.headers()['content-type'], 'video/mp4');
  await ctx2.close();
});

test('a search result\'s cue link (?t=) opens the enhanced player at that cue, the signed edition with it, and plays on from there', async () => {
  await b.apiPrefs(server.baseURL, user, DEFAULTS);
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  // "weather" is in the second English cue (00:00:02): the result links there.
  await page.goto('/catalogue?q=weather+today');
  const link = page.locator(`#results a[href^="/videos/${main.id}?t="]`);
  assert.equal(await link.count(), 1, 'the cue links to the video at its time');
  assert.equal(await link.getAttribute('href'), `/videos/${main.id}?t=2`);
  await link.focus();
  await Promise.all([page.waitForURL(`**/videos/${main.id}?t=2`), page.keyboard.press('Enter')]);
  await page.waitForSelector('#player-root[data-enhanced] #player-controls');
  await page.waitForFunction(() => {
    const m = document.getElementById('player');
    const s = document.getElementById('sign-video');
    // The signed edition follows the main video's seek a moment later: wait for it too.
    return m.readyState >= 1 && (!s || (s.readyState >= 1 && Math.abs(s.currentTime - m.currentTime) < 0.25)) && m.currentTime > 1.9;
  }, null, { timeout: 10000 });
  let t = await times(page);
  assert.ok(Math.abs(t.main - 2) < 0.05, `starts at the cue: ${t.main}`);
  assert.ok(t.sign === null || Math.abs(t.sign - 2) < 0.25, `the signed edition with it: ${t.sign}`);
  // The cue's line is the current one in the transcript, and playing goes on from there.
  await page.evaluate(() => { document.getElementById('player').muted = true; });
  await page.locator('#player-controls button[data-action="play"]').click();
  await page.waitForFunction(() => document.getElementById('player').currentTime > 2.3, null, { timeout: 10000 });
  t = await times(page);
  assert.ok(t.main < 5, `played on from the cue, not from 0: ${t.main}`);
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('controls: named as the issue says, time as text, speed on both videos, announced', async () => {
  const { context, page, watch } = await watchPlayer();
  const names = await page.evaluate(() => [...document.querySelectorAll('#player-controls button, #player-controls select, #player-controls input')]
    .map((el) => (el.labels && el.labels[0] ? el.labels[0].textContent : el.textContent).trim()));
  // The test muted the video, so the mute button offers "Unmute" (it says "Mute" below).
  for (const name of ['Play', 'Back 5 seconds', 'Forward 5 seconds', 'Speed', 'Normal speed', 'Captions', 'Full screen', 'Unmute',
    'Sign language video', 'Signed edition', 'Swap', 'Set loop start', 'Set loop end', 'Clear loop', 'Previous frame', 'Next frame', 'Mirror']) {
    assert.ok(names.includes(name), `a control named "${name}" in ${JSON.stringify(names)}`);
  }
  assert.equal(await page.evaluate(() => document.getElementById('player').hasAttribute('controls')), false, 'native controls replaced');
  assert.match(await page.textContent('#pc-time'), /^0:00 of 0:0[56]$/);
  await page.selectOption('#pc-speed', '0.5');
  let t = await times(page);
  assert.equal(t.rate, 0.5);
  assert.equal(t.signRate, 0.5, 'the signed edition follows the speed');
  assert.equal(await status(page), 'Speed 0.5 ×');
  await page.click('#pc-normal');
  t = await times(page);
  assert.deepEqual([t.rate, t.signRate], [1, 1]);
  assert.equal(await page.inputValue('#pc-speed'), '1');
  assert.equal(await status(page), 'Speed 1 ×');
  await page.click('#pc-mute');
  assert.equal(await page.textContent('#pc-mute'), 'Mute', 'muted by the test before: now unmuted');
  await page.click('#pc-mute');
  assert.equal(await page.textContent('#pc-mute'), 'Unmute');
  assert.equal(await status(page), 'Sound off');
  await page.click('#pc-play');
  await page.waitForFunction(() => !document.getElementById('player').paused);
  assert.equal(await page.textContent('#pc-play'), 'Pause');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'Playing');
  await page.click('#pc-play');
  assert.equal(await page.textContent('#pc-play'), 'Play');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'Paused');
  await seek(page, 1);
  await page.click('#pc-forward');
  assert.ok(Math.abs((await times(page)).main - 6) < 0.2 || Math.abs((await times(page)).main - 6) < 0.2, 'forward 5 s (to the end)');
  await page.click('#pc-back');
  assert.ok((await times(page)).main < 1.2, 'back 5 s');
  assert.match(await status(page), /^At 0:0\d$/);
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('the signed edition stays within 0.2 s after seeks and at 0.5 ×; toggle, swap and chooser', async () => {
  const { context, page, watch } = await watchPlayer();
  assert.equal(await page.getAttribute('#sign-video', 'data-edition-id'), String(asl.id), 'the viewer\'s sign language (ASL) first');
  await page.click('#pc-play');
  await page.waitForFunction(() => document.getElementById('player').currentTime > 0.3);
  for (const to of [3, 0.5, 4]) {
    await seek(page, to);
    await sleep(700);
    const t = await times(page);
    assert.ok(Math.abs(t.main - t.sign) < 0.2, `drift after a seek to ${to}: ${JSON.stringify(t)}`);
  }
  await seek(page, 0.2);
  await page.selectOption('#pc-speed', '0.5');
  for (let i = 0; i < 6; i++) {
    await sleep(300);
    const t = await times(page);
    assert.ok(!t.paused, 'still playing');
    assert.ok(Math.abs(t.main - t.sign) < 0.2, `drift at 0.5 ×: ${JSON.stringify(t)}`);
    assert.ok(Math.abs(t.signRate - 0.5) < 0.1, `the sign video plays at about 0.5 ×: ${t.signRate}`);
  }
  await page.click('#pc-play');
  await page.waitForFunction(() => document.getElementById('sign-video').paused, null, { timeout: 3000 });

  await page.click('#pc-sign');
  assert.equal(await page.getAttribute('#pc-sign', 'aria-pressed'), 'false');
  assert.equal(await page.isVisible('#sign-video'), false);
  assert.equal(await status(page), 'Sign language video off');
  await page.click('#pc-sign');
  assert.equal(await page.isVisible('#sign-video'), true);

  const box = (sel) => page.evaluate((sel) => { const r = document.querySelector(sel).getBoundingClientRect(); return r.width * r.height; }, sel);
  assert.ok(await box('#sign-video') < await box('#player'), 'picture in picture: the signed edition is the inset');
  await page.click('#pc-swap');
  assert.equal(await page.getAttribute('#pc-swap', 'aria-pressed'), 'true');
  assert.ok(await box('#sign-video') > await box('#player'), 'swapped: the signed edition is the main picture');
  assert.equal(await status(page), 'The signed edition is the main picture');
  await page.click('#pc-swap');

  const options = await page.evaluate(() => [...document.querySelectorAll('#pc-edition option')].map((o) => o.textContent.trim()));
  assert.equal(options.length, 2, `every signed edition: ${options}`);
  await page.selectOption('#pc-edition', String(lsf.id));
  assert.equal(await page.getAttribute('#sign-video', 'data-edition-id'), String(lsf.id));
  assert.ok((await page.getAttribute('#sign-video', 'src')).includes(`/media/videos/${lsf.id}/`));
  assert.match(await status(page), /^Signed edition: /);

  // Side by side from html[data-sign-layout]; the layout form posts to /preferences/player (contract).
  let posted = null;
  await page.route('**/preferences/player', async (route) => {
    posted = { body: route.request().postData(), hx: route.request().headers()['hx-request'] };
    await route.fulfill({ status: 204 });
  });
  await page.click('#player-settings summary');
  await page.check('#sign-layout-side');
  await page.waitForFunction(() => document.documentElement.getAttribute('data-sign-layout') === 'side');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('Player layout saved'));
  assert.equal(posted.hx, 'true');
  assert.match(posted.body, /sign_layout=side/);
  assert.match(posted.body, /csrf_token=/);
  const [a, s] = await page.evaluate(() => ['#player', '#sign-video'].map((q) => document.querySelector(q).getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width })));
  assert.ok(s.x >= a.x + a.w - 1, `side by side: ${JSON.stringify([a, s])}`);
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('transcript: cue buttons seek, aria-current follows playback without moving focus, search, follows the caption track, downloads', async () => {
  const { context, page, watch } = await watchPlayer();
  const current = () => page.evaluate(() => [...document.querySelectorAll('.transcript-track:not([hidden]) .cue-button[aria-current="true"]')].map((b) => b.textContent.trim()));
  await page.click('.transcript-track:not([hidden]) li:nth-child(2) .cue-button');
  assert.ok(Math.abs((await times(page)).main - 2) < 0.1, 'the second cue seeks to 2 s');
  await page.waitForFunction(() => document.querySelector('.transcript-track:not([hidden]) li:nth-child(2) .cue-button').getAttribute('aria-current') === 'true');
  await page.focus('#pc-play');
  await seek(page, 4.2);
  await page.waitForFunction(() => document.querySelector('.transcript-track:not([hidden]) li:nth-child(3) .cue-button').getAttribute('aria-current') === 'true');
  assert.equal((await current()).length, 1, 'one current cue');
  assert.ok((await current())[0].includes(CUES_EN[2]));
  assert.equal(await page.evaluate(() => document.activeElement.id), 'pc-play', 'focus stays where it was');
  // Rendered captions: our own display, the native track hidden.
  assert.equal(await page.textContent('.captions-display .caption-cue'), CUES_EN[2]);
  assert.equal(await page.evaluate(() => [...document.getElementById('player').textTracks].filter((t) => t.mode === 'showing').length), 0);
  // Playback moves aria-current along.
  await seek(page, 1.5);
  await page.click('#pc-play');
  await page.waitForFunction(() => document.querySelector('.transcript-track:not([hidden]) li:nth-child(2) .cue-button').getAttribute('aria-current') === 'true', null, { timeout: 5000 });
  await page.click('#pc-play');

  await page.fill('#transcript-query', 'the');
  assert.equal(await page.textContent('#transcript-count'), '1 of 3');
  assert.equal(await page.locator('.transcript-track:not([hidden]) mark.transcript-match').count(), 3);
  await page.click('#transcript-next');
  assert.equal(await page.textContent('#transcript-count'), '2 of 3');
  await page.click('#transcript-prev');
  await page.click('#transcript-prev');
  assert.equal(await page.textContent('#transcript-count'), '3 of 3');
  assert.equal(await status(page), '3 of 3');
  await page.fill('#transcript-query', 'zzz');
  assert.equal(await page.textContent('#transcript-count'), 'No matches');
  await page.fill('#transcript-query', '');

  await page.selectOption('#pc-captions', { label: 'Français' });
  assert.equal(await status(page), 'Captions: Français');
  const shown = await page.evaluate(() => document.querySelector('.transcript-track:not([hidden])').textContent);
  assert.ok(shown.includes(CUES_FR[0]) && !shown.includes(CUES_EN[0]), 'the transcript follows the caption track');
  await seek(page, 0.5);
  await page.waitForFunction((c) => document.querySelector('.captions-display .caption-cue')?.textContent === c, CUES_FR[0]);
  await page.selectOption('#pc-captions', '');
  assert.equal(await page.locator('.captions-display .caption-cue').count(), 0, 'captions off');
  assert.equal(await status(page), 'Captions off');

  const links = await page.evaluate(() => [...document.querySelectorAll('.transcript-track:not([hidden]) .transcript-downloads a')].map((a) => a.href));
  const txt = await page.request.get(links[0]);
  assert.equal(txt.status(), 200);
  assert.match(txt.headers()['content-disposition'], /attachment; filename="transcript-\d+-fr\.txt"/);
  assert.ok((await txt.text()).includes(CUES_FR[1]));
  const vttFile = await page.request.get(links[1]);
  assert.match(vttFile.headers()['content-type'], /^text\/vtt/);
  assert.ok((await vttFile.text()).startsWith('WEBVTT'));
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('tools: the loop holds three passes, frame steps move by 1/fps, slow motion, mirror flips the picture', async () => {
  const { context, page, watch } = await watchPlayer();
  const fps = Number(await page.getAttribute('#player-root', 'data-frame-rate'));
  assert.ok(Math.abs(fps - 25) < 0.01, `the stored frame rate: ${fps}`);
  await seek(page, 1);
  await page.click('#pc-loop-start');
  assert.equal(await status(page), 'Loop starts at 0:01');
  await seek(page, 1.8);
  await page.click('#pc-loop-end');
  assert.equal(await status(page), 'Loop from 0:01 to 0:01');
  await seek(page, 1);
  await page.evaluate(() => {
    const m = document.getElementById('player');
    window.__loop = { wraps: 0, max: 0, last: m.currentTime };
    const watchTime = () => {
      const t = m.currentTime;
      if (t < window.__loop.last - 0.3) window.__loop.wraps++;
      window.__loop.max = Math.max(window.__loop.max, t);
      window.__loop.last = t;
      m.requestVideoFrameCallback(watchTime);
    };
    m.requestVideoFrameCallback(watchTime);
  });
  await page.click('#pc-play');
  await page.waitForFunction(() => window.__loop.wraps >= 1, null, { timeout: 5000 });
  await page.click('#pc-play'); // a pause in between: the loop holds
  await sleep(300);
  await page.click('#pc-play');
  await page.waitForFunction(() => window.__loop.wraps >= 3, null, { timeout: 8000 });
  await page.click('#pc-play');
  const loop = await page.evaluate(() => window.__loop);
  assert.ok(loop.max < 2.1, `never far past the loop end: ${JSON.stringify(loop)}`);
  await page.click('#pc-loop-clear');
  assert.equal(await status(page), 'Loop cleared');

  await seek(page, 2);
  const before = (await times(page)).main;
  await page.click('#pc-next-frame');
  const after = (await times(page)).main;
  assert.ok(Math.abs(after - before - 1 / fps) < 0.002, `next frame: ${before} -> ${after}`);
  await page.click('#pc-prev-frame');
  await page.click('#pc-prev-frame');
  assert.ok(Math.abs((await times(page)).main - (before - 1 / fps)) < 0.002, 'previous frame');
  assert.match(await status(page), /^Frame at 0:01$/);

  await page.click('#pc-slow-25');
  assert.deepEqual([(await times(page)).rate, (await times(page)).signRate], [0.25, 0.25]);
  assert.equal(await page.getAttribute('#pc-slow-25', 'aria-pressed'), 'true');
  await page.click('#pc-normal');
  assert.equal(await page.getAttribute('#pc-slow-25', 'aria-pressed'), 'false');

  const transform = () => page.evaluate(() => getComputedStyle(document.getElementById('player')).transform);
  assert.equal(await transform(), 'none');
  await page.click('#pc-mirror');
  assert.equal(await page.getAttribute('#pc-mirror', 'aria-pressed'), 'true');
  assert.equal(await transform(), 'matrix(-1, 0, 0, 1, 0, 0)');
  assert.equal(await status(page), 'Mirror on');
  await page.click('#pc-mirror');
  assert.equal(await transform(), 'none');
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('shortcuts act only while focus is inside the player, never in its fields, and not when turned off', async () => {
  const { context, page, watch } = await watchPlayer();
  const mirrored = () => page.evaluate(() => document.getElementById('player-root').classList.contains('player-mirrored'));
  await page.focus('h1');
  for (const key of ['k', 'm', 's', ']']) await page.keyboard.press(key);
  let t = await times(page);
  assert.equal(t.paused, true, 'K outside the player does nothing');
  assert.equal(await mirrored(), false, 'M outside the player does nothing');
  assert.equal(t.rate, 1);
  await page.focus('#transcript-query');
  await page.keyboard.type('km');
  assert.equal(await mirrored(), false);

  await page.focus('#player');
  await page.keyboard.press('k');
  await page.waitForFunction(() => !document.getElementById('player').paused);
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.getElementById('player').paused);
  await page.keyboard.press('m');
  assert.equal(await mirrored(), true, 'M mirrors');
  await page.keyboard.press(']');
  assert.equal((await times(page)).rate, 1.25);
  await page.keyboard.press('[');
  await page.keyboard.press('[');
  assert.equal((await times(page)).rate, 0.75);
  await seek(page, 2);
  await page.keyboard.press('l');
  assert.ok(Math.abs((await times(page)).main - 6) < 0.3, 'L forward');
  await page.keyboard.press('j');
  assert.ok(Math.abs((await times(page)).main - 1) < 0.3, 'J back');
  const at = (await times(page)).main;
  await page.keyboard.press('.');
  assert.ok(Math.abs((await times(page)).main - at - 0.04) < 0.002, '. next frame');
  await page.keyboard.press(',');
  assert.ok(Math.abs((await times(page)).main - at) < 0.002, ', previous frame');
  await page.keyboard.press('c');
  assert.equal(await page.inputValue('#pc-captions'), '', 'C captions off');
  await page.keyboard.press('c');
  assert.notEqual(await page.inputValue('#pc-captions'), '', 'C captions on');
  await page.keyboard.press('s');
  assert.equal(await page.getAttribute('#pc-sign', 'aria-pressed'), 'false', 'S sign video off');
  await page.keyboard.press('s');
  // Space on a focused button presses that button, not play/pause.
  await page.focus('#pc-mirror');
  await page.keyboard.press('Space');
  assert.equal(await mirrored(), false, 'Space pressed the Mirror button');
  assert.equal((await times(page)).paused, true);
  // Inside the player's own select, keys belong to the select.
  await page.focus('#pc-speed');
  await page.keyboard.press('m');
  assert.equal(await mirrored(), false);

  await page.evaluate(() => document.documentElement.setAttribute('data-shortcuts', 'off'));
  await page.focus('#player');
  await page.keyboard.press('m');
  await page.keyboard.press('k');
  assert.equal(await mirrored(), false, 'shortcuts off');
  assert.equal((await times(page)).paused, true);
  await page.click('#pc-shortcuts summary');
  assert.equal(await page.isVisible('.player-shortcuts-off'), true, 'the disclosure says they are off');
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('text descriptions: their own switch, not a caption track, words written into a live region as each cue starts', async () => {
  const { context, page, watch } = await watchPlayer();
  const captionOptions = await page.locator('#pc-captions option').allTextContents();
  assert.ok(!captionOptions.includes('Described'), `descriptions are not captions: ${captionOptions}`);
  assert.equal(await page.locator('#pc-descriptions').getAttribute('id'), 'pc-descriptions');
  assert.equal(await page.isVisible('#pc-description'), false, 'off until chosen');
  const label = await page.evaluate(() => document.querySelector('label[for="pc-descriptions"]').textContent);
  assert.equal(label, 'Text descriptions');
  await page.selectOption('#pc-descriptions', { label: 'Described' });
  assert.equal(await status(page), 'Text descriptions: Described');
  assert.equal(await page.getAttribute('#pc-description-text', 'aria-live'), 'polite');
  await seek(page, 0.5);
  await page.waitForFunction((w) => document.getElementById('pc-description-text').textContent === w, DESCRIPTIONS[0]);
  await seek(page, 2.5);
  await page.waitForFunction(() => document.getElementById('pc-description-text').textContent === 'She points at a map of rain clouds.');
  assert.equal(await page.isVisible('#pc-description'), true);
  // The captions keep their own track meanwhile.
  const modes = await page.evaluate(() => Array.from(document.getElementById('player').textTracks).map((t) => `${t.kind}:${t.mode}`));
  assert.ok(modes.includes('descriptions:hidden') && modes.includes('captions:hidden'), modes.join());
  await page.selectOption('#pc-descriptions', '');
  assert.equal(await status(page), 'Text descriptions off');
  assert.equal(await page.isVisible('#pc-description'), false);
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('chapters navigate and the current chapter is shown', async () => {
  const { context, page, watch } = await watchPlayer();
  const buttons = page.locator('#chapters .chapter-button');
  assert.equal(await buttons.count(), 2);
  await buttons.nth(1).click();
  assert.ok(Math.abs((await times(page)).main - 3) < 0.1, 'the second chapter starts at 3 s');
  await page.waitForFunction(() => document.getElementById('chapter-current-name').textContent === 'The weather');
  assert.equal(await status(page), 'Chapter: The weather');
  assert.equal(await page.isVisible('#chapter-current'), true);
  assert.equal(await buttons.nth(1).getAttribute('aria-current'), 'true');
  await buttons.nth(0).click();
  await page.waitForFunction(() => document.getElementById('chapter-current-name').textContent === 'Welcome');
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('caption placement follows html[data-caption-position], and the stored caption appearance reaches the rendered cues', async () => {
  const { context, page, watch } = await watchPlayer();
  await seek(page, 0.5);
  await page.waitForSelector('.captions-display .caption-cue');
  const place = () => page.evaluate(() => {
    const v = document.getElementById('player').getBoundingClientRect();
    const c = document.querySelector('.captions-display .caption-cue').getBoundingClientRect();
    return { inside: c.top >= v.top && c.bottom <= v.bottom, below: c.top >= v.bottom - 1 };
  });
  assert.equal((await place()).inside, true, 'over the picture by default');
  await page.evaluate(() => document.documentElement.setAttribute('data-caption-position', 'below'));
  assert.equal((await place()).below, true, 'below the picture');
  assert.deepEqual(watch.problems(), []);
  await context.close();

  // The viewer's stored caption appearance, rendered by the server on <html>, reaches our cues.
  const styled = await watchPlayer({ prefs: { ...DEFAULTS, caption_color: 'yellow', caption_position: 'below' } });
  assert.equal(await styled.page.getAttribute('html', 'data-caption-color'), 'yellow');
  await seek(styled.page, 0.5);
  await styled.page.waitForSelector('.captions-display .caption-cue');
  assert.equal(await styled.page.evaluate(() => getComputedStyle(document.querySelector('.caption-cue')).color), 'rgb(255, 255, 0)');
  const below = await styled.page.evaluate(() => document.querySelector('.caption-cue').getBoundingClientRect().top >= document.getElementById('player').getBoundingClientRect().bottom - 1);
  assert.equal(below, true, 'stored position "below"');
  assert.deepEqual(styled.watch.problems(), []);
  await styled.context.close();
  await b.apiPrefs(server.baseURL, user, DEFAULTS);
});

test('motion: nothing in the player animates or scrolls with motion sensitivity on; the transcript follows when motion is allowed', async () => {
  for (const [motion, scrolls] of [[true, false], [false, true]]) {
    const { context, page, watch } = await watchPlayer({ prefs: { ...DEFAULTS, motion_sensitivity: motion } });
    await page.evaluate(() => { document.querySelector('.transcript-track:not([hidden]) .transcript-lines').style.setProperty('max-height', '3rem'); });
    await page.click('#pc-mirror');
    await page.click('#pc-play');
    await seek(page, 4.2);
    await sleep(600);
    await page.click('#pc-play');
    const moving = await page.evaluate((motion) => {
      const found = [];
      const secs = (v) => Math.max(...v.split(',').map((x) => parseFloat(x) || 0));
      for (const el of document.querySelectorAll('#player-root, #player-root *, #transcript, #transcript *')) {
        const s = getComputedStyle(el);
        if (s.animationName !== 'none' && secs(s.animationDuration) > 0) found.push(`${el.tagName}#${el.id} animation`);
        if (secs(s.transitionDuration) > 0) found.push(`${el.tagName}#${el.id} transition ${s.transitionDuration}`);
        if (motion && s.scrollBehavior === 'smooth') found.push(`${el.tagName}#${el.id} smooth scroll`);
      }
      return found;
    }, motion);
    assert.deepEqual(moving, [], `motion sensitivity ${motion}`);
    await sleep(800);
    const top = await page.evaluate(() => document.querySelector('.transcript-track:not([hidden]) .transcript-lines').scrollTop);
    assert.equal(top > 0, scrolls, `transcript scrollTop ${top} with motion sensitivity ${motion}`);
    assert.deepEqual(watch.problems(), []);
    await context.close();
  }
});

test('axe: 0 violations with every panel open, at density 1 and 5 and with high contrast', async (t) => {
  for (const [name, prefs] of [
    ['defaults', DEFAULTS],
    ['density 1', { ...DEFAULTS, visual_density: 1, reading_level: 1 }],
    ['density 5', { ...DEFAULTS, visual_density: 5, reading_level: 5 }],
    ['high contrast', { ...DEFAULTS, color_contrast: 'high', motion_sensitivity: true }],
  ]) {
    await t.test(name, async () => {
      const { context, page } = await watchPlayer({ prefs, bypassCSP: true });
      await page.evaluate(() => document.querySelectorAll('#player-root details').forEach((d) => { d.open = true; }));
      await page.fill('#transcript-query', 'the');
      await seek(page, 2.5);
      await page.waitForSelector('.captions-display .caption-cue');
      await page.click('#pc-mirror');
      const extra = prefs.color_contrast === 'high' ? { extraRules: ['color-contrast-enhanced'] } : undefined;
      await b.expectNoViolations(page, `player, ${name}`, extra);
      await page.click('#pc-swap');
      await b.expectNoViolations(page, `player swapped, ${name}`, extra);
      await context.close();
    });
  }
});

test('keyboard only: every control reached with Tab, focus visible, and each one works', async () => {
  const { context, page, watch } = await watchPlayer();
  await page.focus('#watch-in'); // the "Watch in ASL" link right before the player
  const ids = ['player', 'pc-play', 'pc-back', 'pc-forward', 'pc-position', 'pc-speed', 'pc-normal', 'pc-captions', 'pc-descriptions', 'pc-mute', 'pc-fullscreen',
    'pc-sign', 'pc-edition', 'pc-swap', 'pc-loop-start', 'pc-loop-end', 'pc-loop-clear', 'pc-prev-frame', 'pc-next-frame',
    'pc-slow-25', 'pc-slow-50', 'pc-slow-75', 'pc-mirror'];
  for (const id of ids) {
    // One Tab press each: the controls come in this order, nothing in between.
    await b.tabUntil(page, `document.activeElement && document.activeElement.id === ${JSON.stringify(id)}`, { what: `#${id}`, max: 1 });
  }
  // Back to the play button and use the controls with the keyboard alone.
  await page.focus('#pc-play');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.getElementById('player').paused);
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.getElementById('player').paused);
  await page.focus('#pc-speed');
  await page.keyboard.press('ArrowUp');
  assert.equal((await times(page)).rate, 0.75, 'ArrowUp in the speed select');
  await page.focus('#pc-mirror');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('#pc-mirror', 'aria-pressed'), 'true');
  await page.focus('#pc-position');
  await page.keyboard.press('ArrowRight');
  assert.ok((await times(page)).main > 0, 'the position slider moves the video');
  // The disclosure and the transcript by keyboard.
  await b.tabUntil(page, () => document.activeElement.matches('#pc-shortcuts summary'), { what: 'Keyboard shortcuts', max: 25 });
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.getElementById('pc-shortcuts').open), true);
  await b.tabUntil(page, () => document.activeElement.classList.contains('chapter-button'), { what: 'a chapter', max: 30 });
  await page.keyboard.press('Enter');
  await b.tabUntil(page, () => document.activeElement.id === 'transcript-query', { what: 'transcript search', max: 20 });
  await b.tabUntil(page, () => document.activeElement.classList.contains('cue-button'), { what: 'a cue', max: 10 });
  await page.keyboard.press('Enter');
  assert.ok(Math.abs((await times(page)).main) < 0.1, 'Enter on the first cue seeks to it');
  assert.ok(await page.evaluate(() => document.activeElement.classList.contains('cue-button')), 'focus stays on the cue');
  assert.deepEqual(watch.problems(), []);
  await context.close();
});
