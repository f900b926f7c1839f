#!/usr/bin/env node
'use strict';
// The player's bench rows (bench/run.sh): time to first frame of a 720p video in Chromium on
// loopback, and the player's own JS + CSS gzipped.
//
//   node bench/player.js BASE TOKEN CLIP_720P [RUNS]  ->  prints one JSON line:
//   {"runs":N,"p50_ms":…,"p95_ms":…,"max_ms":…,"height":720,"player_gzip_bytes":…,"player_files":[…],"framework":false}
//
// Uploads the clip (public) with the API token and waits until it is processed, then RUNS
// times (default 20, after one warm-up run): a fresh browser context (nothing cached) opens the watch page, waits
// until the player is enhanced and the video's metadata is loaded (preload="metadata"),
// presses the player's own Play button and measures until the first frame is presented
// (requestVideoFrameCallback). The sizes are of the player's assets exactly as the page links
// them (/static/player*.js and .css), gzipped at the default level like a server would.
// Exits 1 when something cannot be measured.

const zlib = require('node:zlib');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const [BASE, TOKEN, CLIP, RUNS = '20'] = process.argv.slice(2);
if (!BASE || !TOKEN || !CLIP) {
  console.error('usage: node bench/player.js BASE TOKEN CLIP_720P [RUNS]');
  process.exit(2);
}
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

async function api(method, url, body) {
  const r = await fetch(`${BASE}${url}`, { method, body, headers: { authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(60000) });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${url}: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function uploaded() {
  const form = new FormData();
  form.append('title', 'Player bench 720p');
  form.append('description', 'A 720p clip for the time-to-first-frame row.');
  form.append('sign_language', 'BSL');
  form.append('visibility', 'public');
  form.append('file', new Blob([fs.readFileSync(CLIP)], { type: 'video/mp4' }), path.basename(CLIP));
  const { id } = await api('POST', '/api/videos', form);
  const deadline = Date.now() + 180000;
  while (Date.now() < deadline) {
    const v = await api('GET', `/api/videos/${id}`);
    if (v.status === 'ready') return v;
    if (v.status === 'failed') throw new Error(`the 720p clip failed: ${v.error}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the 720p clip was not processed in time');
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const video = await uploaded();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
  });
  const times = [];
  let assets = null;
  try {
    // One warm-up run (Chromium's media pipeline starts once per browser), not counted.
    for (let i = -1; i < Number(RUNS); i++) {
      const context = await browser.newContext({ baseURL: BASE });
      const page = await context.newPage();
      await page.goto(`/videos/${video.id}`);
      await page.waitForSelector('#player-root[data-enhanced] #pc-play');
      await page.waitForFunction(() => document.getElementById('player').readyState >= 1);
      if (!assets) {
        assets = await page.evaluate(() => [
          ...[...document.querySelectorAll('script[src*="/static/player"]')].map((s) => s.getAttribute('src')),
          ...[...document.querySelectorAll('link[rel="stylesheet"][href*="/static/player"]')].map((l) => l.getAttribute('href')),
        ]);
      }
      const ms = await page.evaluate(() => new Promise((resolve, reject) => {
        const v = document.getElementById('player');
        v.muted = true;
        const started = performance.now();
        v.requestVideoFrameCallback(() => resolve(performance.now() - started));
        document.getElementById('pc-play').click();
        setTimeout(() => reject(new Error('no frame within 10 s')), 10000);
      }));
      if (i >= 0) times.push(ms);
      await context.close();
    }
  } finally {
    await browser.close();
  }
  let gzip = 0;
  const files = [];
  let framework = false;
  for (const url of assets || []) {
    const r = await fetch(`${BASE}${url}`);
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    const body = Buffer.from(await r.arrayBuffer());
    const size = zlib.gzipSync(body).length;
    gzip += size;
    files.push({ url, bytes: body.length, gzip_bytes: size });
    // No front-end framework: the player is one plain script (no imports, no known runtime).
    if (url.endsWith('.js') && /\bimport\s|require\(|React|Vue|angular|preact|svelte|jQuery/.test(body.toString())) framework = true;
  }
  if (files.length < 2) throw new Error(`the page links ${files.length} player assets, expected the script and the stylesheet`);
  times.sort((a, b) => a - b);
  const round = (x) => Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    runs: times.length,
    p50_ms: round(percentile(times, 50)),
    p95_ms: round(percentile(times, 95)),
    max_ms: round(times[times.length - 1]),
    height: video.height,
    player_gzip_bytes: gzip,
    player_files: files,
    framework,
  }));
}

main().catch((e) => {
  console.error(`bench/player.js: ${e.message}`);
  process.exit(1);
});
