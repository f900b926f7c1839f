'use strict';
// The web-platform-tests WebVTT file-parsing corpus (tests/data/webvtt-wpt/) in Chromium and in
// PinkFlow: every `.vtt` is loaded as a <track> in Chromium, and uploaded as captions through the
// API. Chromium's cues (count, start times, text as the transcript shows it: markup removed, ruby
// text dropped, lines joined) must equal PinkFlow's cue count and transcript; a file in which
// Chromium finds no cue must be refused by PinkFlow (422, naming a line).
//
// One server (no worker: the video is never processed, captions need only its row) and one Chromium.
// Needs the `test_clip` example next to the binary (`cargo build --example test_clip`), as
// videos.test.js does.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const { spawnSync } = require('node:child_process');
const { startServer, ensureBinary, ROOT } = require('./support/server');
const b = require('./support/browser');

const CORPUS = path.join(ROOT, 'tests/data/webvtt-wpt');
const FILES = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.vtt') && !f.startsWith('support-')).sort();

let server;
let browser;
let user;
let videoId;

/** A short clip from the `test_clip` example built next to the pinkflow binary. */
function makeClip() {
  const tool = path.join(path.dirname(ensureBinary()), 'examples', 'test_clip');
  if (!fs.existsSync(tool) && !process.env.PINKFLOW_BIN) {
    spawnSync('cargo', ['build', '--example', 'test_clip'], { cwd: ROOT, stdio: 'inherit' });
  }
  assert.ok(fs.existsSync(tool), `${tool} is missing: run \`cargo build --example test_clip\``);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinkflow-wpt-'));
  const out = path.join(dir, 'clip.mp4');
  const r = spawnSync(tool, [out, '1'], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, `test_clip failed: ${r.stdout} ${r.stderr}`);
  const bytes = fs.readFileSync(out);
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

async function api(method, url, body) {
  const r = await fetch(`${server.baseURL}${url}`, {
    method, body, headers: { authorization: `Bearer ${user.token}` }, signal: AbortSignal.timeout(30000),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

before(async () => {
  server = await startServer({ WORKER_EMBEDDED: 'false' });
  browser = await b.launchBrowser();
  user = await b.apiUser(server.baseURL, 'wptcompare');
  const form = new FormData();
  form.append('title', 'WebVTT corpus');
  form.append('sign_language', 'BSL');
  form.append('visibility', 'private');
  form.append('file', new Blob([makeClip()], { type: 'video/mp4' }), 'clip.mp4');
  const r = await api('POST', '/api/videos', form);
  assert.equal(r.status, 202, `upload: ${r.status} ${r.text}`);
  videoId = r.json.id;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** PinkFlow's reading of one file: the upload's answer and, when accepted, the transcript. */
async function pinkflow(file) {
  const form = new FormData();
  form.append('language', 'en');
  form.append('label', 'English');
  form.append('file', new Blob([fs.readFileSync(path.join(CORPUS, file))], { type: 'text/vtt' }), file);
  const added = await api('POST', `/api/videos/${videoId}/captions`, form);
  if (added.status !== 201) return { status: added.status, error: added.json?.error, count: 0, lines: [] };
  const t = await api('GET', `/api/videos/${videoId}/transcript?language=en`);
  assert.equal(t.status, 200, `transcript of ${file}: ${t.text}`);
  const lines = t.json.lines.map((l) => ({ start: l.start_seconds, speaker: l.speaker ?? null, text: l.text }));
  return { status: 201, count: added.json.cue_count, lines };
}

/**
 * Chromium's reading of one file: its cues, and the transcript PinkFlow's rules make of them
 * (getCueAsHTML() without <rt>, lines trimmed and joined by a space, empty cues left out,
 * consecutive repeats merged).
 */
async function chromium(page, file) {
  return page.evaluate(async (src) => {
    const video = document.createElement('video');
    const track = document.createElement('track');
    track.kind = 'captions';
    track.src = src;
    video.append(track);
    document.body.append(video);
    const outcome = await new Promise((resolve) => {
      track.addEventListener('load', () => resolve('load'));
      track.addEventListener('error', () => resolve('error'));
      track.track.mode = 'hidden';
      setTimeout(() => resolve('timeout'), 5000);
    });
    const cues = [...(track.track.cues || [])];
    const lines = [];
    for (const cue of cues) {
      const box = document.createElement('div');
      box.append(cue.getCueAsHTML());
      box.querySelectorAll('rt').forEach((rt) => rt.remove());
      const voice = box.querySelector('span[title]');
      const text = box.textContent.split('\n').map((l) => l.trim()).filter((l) => l).join(' ');
      const speaker = voice ? voice.title : null;
      if (!text) continue;
      const last = lines[lines.length - 1];
      if (last && last.text === text && last.speaker === speaker) continue;
      lines.push({ start: cue.startTime, speaker, text });
    }
    video.remove();
    return { outcome, count: cues.length, lines };
  }, `/wpt/${file}`);
}

test('Chromium and PinkFlow read every WPT file-parsing corpus file the same way', async (t) => {
  assert.equal(FILES.length, 24, 'the whole corpus');
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  // The corpus files, served from the server's own origin (a track must be same-origin).
  await page.route('**/wpt/*.vtt', (route) => route.fulfill({
    status: 200,
    contentType: 'text/vtt; charset=utf-8',
    body: fs.readFileSync(path.join(CORPUS, path.basename(new URL(route.request().url()).pathname))),
  }));
  await page.goto('/');
  let withCues = 0;
  let compared = 0;
  for (const file of FILES) {
    const seen = await chromium(page, file);
    assert.equal(seen.outcome, 'load', `${file}: Chromium's track did not load`);
    const ours = await pinkflow(file);
    if (seen.count === 0) {
      assert.equal(ours.status, 422, `${file}: Chromium finds no cue, PinkFlow accepted it`);
      assert.match(ours.error, /Line \d+:/, `${file}: the refusal names a line`);
      continue;
    }
    withCues += 1;
    assert.equal(ours.status, 201, `${file}: Chromium finds ${seen.count} cues, PinkFlow refused it: ${ours.error}`);
    assert.equal(ours.count, seen.count, `${file}: cue count`);
    assert.deepEqual(ours.lines, seen.lines, `${file}: start times and text`);
    compared += seen.lines.length;
  }
  assert.equal(withCues, 22, 'Chromium finds cues in 22 of the 24 files');
  t.diagnostic(`${compared} transcript lines compared`);
  assert.ok(compared >= 22, `only ${compared} transcript lines compared`);
  assert.deepEqual(watch.problems(), [], 'no console errors');
  await context.close();
});
