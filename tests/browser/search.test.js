'use strict';
// Search on the catalogue (issue 14): 45 videos with captions written by `pinkflow
// seed-search`. axe-core (WCAG 2.0/2.1/2.2 A and AA tags) finds 0 violations on the search
// page with results, with no results (the suggestions), with the error summary, at density
// 1, 3 and 5 and with high contrast (7:1); keyboard only with JavaScript on (typing updates
// the results in place, debounced, focus stays in the field, "N videos found" in #status,
// the URL follows; a checkbox filter by Space; "Next 20 videos" by Enter); and JavaScript off
// (the GET form by Enter, the page links). No console errors, failed assets or CSP
// violations.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { startServer, ensureBinary } = require('./support/server');
const b = require('./support/browser');

let server;
let browser;

before(async () => {
  server = await startServer();
  const r = spawnSync(ensureBinary(), ['seed-search', '--videos', '45', '--cues', '135'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: server.databaseUrl, RUST_LOG: 'error' },
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.status, 0, `seed-search failed: ${r.stdout} ${r.stderr}`);
  browser = await b.launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.stop();
});

const heading = (page) => page.locator('#results-heading').innerText();

test('axe-core finds no violations on search results, no results and errors, at density 1, 3 and 5', async () => {
  const user = await b.apiUser(server.baseURL, 'searcher');
  const context = await b.newContext(browser, server.baseURL, { bypassCSP: true });
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await b.signIn(page, user);
  const prefsSets = [
    { visual_density: 3, color_contrast: 'normal' },
    { visual_density: 1, color_contrast: 'high', reading_level: 1 },
    { visual_density: 5, color_contrast: 'normal', reading_level: 5 },
  ];
  for (const prefs of prefsSets) {
    await b.apiPrefs(server.baseURL, user, prefs);
    const extra = prefs.color_contrast === 'high' ? { extraRules: ['color-contrast-enhanced'] } : {};
    for (const url of ['/catalogue', '/catalogue?q=presenter&captions=en', '/catalogue?q=zzzunknownword&sign_language=BSL', '/catalogue?length=long']) {
      await page.goto(url);
      await b.expectNoViolations(page, `${url} at ${JSON.stringify(prefs)}`, extra);
    }
    const layout = await page.goto('/catalogue').then(() => page.locator('[data-layout]').first().getAttribute('data-layout'));
    assert.equal(layout, { 1: 'single', 3: 'cards', 5: 'table' }[prefs.visual_density]);
  }
  await page.goto('/catalogue?q=zzzunknownword&sign_language=BSL');
  assert.match(await page.locator('#no-results').innerText(), /Remove/);
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('keyboard only, JavaScript on: results update in place and focus stays where it was', async () => {
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await page.goto('/catalogue');
  assert.match(await heading(page), /^45 videos$/);
  await b.tabUntil(page, () => document.activeElement?.id === 'search-q', { what: 'the search field' });
  await page.keyboard.type('presenter');
  // Debounced: one update after typing stops, announced, focus still in the field.
  await page.waitForFunction(() => /videos? found/.test(document.getElementById('status')?.textContent || ''), null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search-q');
  assert.match(page.url(), /[?&]q=presenter/);
  const found = await heading(page);
  assert.match(found, /^\d+ videos?$/);
  assert.ok(await page.locator('#results mark.search-match').count() > 0, 'matched words are marked');
  // A checkbox filter with Space: the results follow, focus stays on the checkbox.
  await b.tabUntil(page, () => document.activeElement?.id === 'filter-sign-language-BSL', { what: 'the BSL checkbox' });
  await page.evaluate(() => { document.getElementById('status').textContent = ''; });
  await page.keyboard.press('Space');
  await page.waitForFunction(() => /found/.test(document.getElementById('status')?.textContent || ''), null, { timeout: 10000 });
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'filter-sign-language-BSL');
  assert.match(page.url(), /sign_language=BSL/);
  const cards = await page.locator('#results .card-meta').allInnerTexts();
  assert.ok(cards.every((t) => t.startsWith('BSL')), `only BSL: ${cards}`);
  // The next page with Enter on its link.
  await page.goto('/catalogue');
  await b.tabUntil(page, () => document.activeElement?.id === 'page-next', { what: 'Next 20 videos', max: 200 });
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Next 20 videos');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => /after=/.test(location.search) && document.getElementById('page-prev'));
  assert.equal(await page.locator('#results .card').count(), 20);
  assert.deepEqual(watch.problems(), []);
  await context.close();
});

test('JavaScript off: the GET form and the page links work', async () => {
  const context = await b.newContext(browser, server.baseURL, { javaScriptEnabled: false });
  const page = await context.newPage();
  const watch = b.watchPage(page);
  await page.goto('/catalogue');
  await page.focus('#search-q');
  await page.keyboard.type('presenter');
  await Promise.all([page.waitForURL(/q=presenter/), page.keyboard.press('Enter')]);
  assert.match(await heading(page), /^\d+ videos?$/);
  assert.ok(await page.locator('mark.search-match').count() > 0);
  await page.goto('/catalogue?sort=newest');
  assert.equal(await page.locator('#results .card').count(), 20);
  await Promise.all([page.waitForURL(/after=/), page.click('#page-next')]);
  assert.equal(await page.locator('#results .card').count(), 20);
  await Promise.all([page.waitForURL(/after=/), page.click('#page-next')]);
  assert.equal(await page.locator('#results .card').count(), 5);
  assert.equal(await page.locator('#page-next').count(), 0);
  await Promise.all([page.waitForURL(/before=/), page.click('#page-prev')]);
  assert.equal(await page.locator('#results .card').count(), 20);
  assert.deepEqual(watch.problems(), []);
  await context.close();
});
