'use strict';
// Screenshots of each density level (and the two extremes) of the preferences and account pages,
// saved to test-artifacts/screenshots/ so a person can look at them.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
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

const BASE = { reading_level: 3, color_contrast: 'normal', motion_sensitivity: false };

test('screenshots of each density level', async (t) => {
  const user = await b.apiUser(server.baseURL, 'shots');
  const context = await b.newContext(browser, server.baseURL, { viewport: { width: 1024, height: 768 } });
  const page = await context.newPage();
  await b.signIn(page, user);
  const states = [1, 2, 3, 4, 5].map((d) => [`density-${d}`, { ...BASE, visual_density: d }]);
  states.push(['extreme-low', { visual_density: 1, reading_level: 1, color_contrast: 'high', motion_sensitivity: true }]);
  states.push(['extreme-high', { visual_density: 5, reading_level: 5, color_contrast: 'normal', motion_sensitivity: false }]);
  for (const [name, prefs] of states) {
    await t.test(name, async () => {
      await b.apiPrefs(server.baseURL, user, prefs);
      for (const path of ['/preferences', '/account']) {
        await page.goto(path);
        assert.equal(await page.getAttribute('html', 'data-density'), String(prefs.visual_density));
        const file = b.screenshotPath(`${name}${path.replace('/', '-')}`);
        await page.screenshot({ path: file, fullPage: true });
        assert.ok(fs.statSync(file).size > 1000, `${file} written`);
      }
    });
  }
  await context.close();
});
