'use strict';
// How the site adapts, beyond what axe can see: motion sensitivity removes every animation,
// transition and smooth scroll; the operating system's prefers-reduced-motion / prefers-contrast
// apply when no choice was made; a person's explicit choice wins over them.

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

/** Every element (and ::before/::after) that still animates, transitions or scrolls smoothly. */
function moving(page) {
  return page.evaluate(() => {
    const found = [];
    const secs = (v) => Math.max(...v.split(',').map((x) => parseFloat(x) || 0));
    const rootScroll = getComputedStyle(document.documentElement).scrollBehavior;
    if (rootScroll === 'smooth') found.push('html: scroll-behavior smooth');
    for (const el of document.querySelectorAll('*')) {
      for (const pseudo of [null, '::before', '::after']) {
        const s = getComputedStyle(el, pseudo);
        const what = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''}${pseudo || ''}`;
        if (s.animationName !== 'none' && secs(s.animationDuration) > 0) found.push(`${what}: animation ${s.animationName} ${s.animationDuration}`);
        if (secs(s.transitionDuration) > 0) found.push(`${what}: transition ${s.transitionProperty} ${s.transitionDuration}`);
        if (!pseudo && s.scrollBehavior === 'smooth') found.push(`${what}: scroll-behavior smooth`);
      }
    }
    return found;
  });
}

async function savePrefsByForm(page, prefs) {
  await page.goto('/preferences');
  for (const [name, value] of Object.entries(prefs)) await page.check(`[name="${name}"][value="${value}"]`);
  await page.locator('form:has([name="visual_density"]) [type="submit"]').first().click();
  await page.waitForFunction(() => document.querySelector('#status')?.textContent.includes('Preferences saved'));
}

test('motion sensitivity removes every animation, transition and smooth scroll', async (t) => {
  const user = await b.apiUser(server.baseURL, 'still');
  await b.apiPrefs(server.baseURL, user, { motion_sensitivity: true });
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  await b.signIn(page, user);
  for (const path of ['/', '/account', '/preferences', '/no-such-page']) {
    await t.test(path, async () => {
      await page.goto(path);
      assert.equal(await page.getAttribute('html', 'data-motion'), 'true');
      assert.deepEqual(await moving(page), [], `things still move on ${path}`);
    });
  }
  await t.test('after an htmx swap (preferences saved)', async () => {
    await savePrefsByForm(page, { motion_sensitivity: 'true', visual_density: '2' });
    assert.deepEqual(await moving(page), []);
  });
  await context.close();
});

test('prefers-reduced-motion applies when no choice was made, and an explicit choice wins', async (t) => {
  const context = await b.newContext(browser, server.baseURL, { reducedMotion: 'reduce' });
  const page = await context.newPage();
  for (const path of ['/', '/register', '/login', '/preferences']) {
    await t.test(`${path}, no choice made`, async () => {
      await page.goto(path);
      assert.equal(await page.getAttribute('html', 'data-motion'), null, 'no explicit choice yet');
      assert.deepEqual(await moving(page), [], `things move on ${path} although the system asks for reduced motion`);
    });
  }
  await t.test('an explicit "allow motion" wins over the system setting', async () => {
    await savePrefsByForm(page, { motion_sensitivity: 'false' });
    await page.goto('/login');
    assert.equal(await page.getAttribute('html', 'data-motion'), 'false');
    assert.ok((await moving(page)).length > 0, 'the person chose to allow motion, yet nothing transitions');
  });
  await t.test('and an explicit "stop motion" works without the system setting', async () => {
    const plain = await b.newContext(browser, server.baseURL, { reducedMotion: 'no-preference' });
    const p = await plain.newPage();
    await p.goto('/login');
    assert.ok((await moving(p)).length > 0, 'by default (no system setting, no choice) small transitions exist');
    await savePrefsByForm(p, { motion_sensitivity: 'true' });
    await p.goto('/login');
    assert.deepEqual(await moving(p), []);
    await plain.close();
  });
  await context.close();
});

test('prefers-contrast: more gives 7:1 text contrast when no choice was made; an explicit choice wins', async (t) => {
  const context = await b.newContext(browser, server.baseURL, { contrast: 'more', bypassCSP: true });
  const page = await context.newPage();
  for (const path of ['/', '/register', '/login', '/preferences', '/no-such-page']) {
    await t.test(path, async () => {
      await page.goto(path);
      assert.equal(await page.getAttribute('html', 'data-contrast'), null, 'no explicit choice yet');
      await b.expectNoViolations(page, `${path} (prefers-contrast: more, 7:1)`, { rules: ['color-contrast-enhanced'] });
    });
  }
  await t.test('explicit normal contrast wins over the system setting', async () => {
    await page.goto('/login');
    const systemHigh = await page.evaluate(() => getComputedStyle(document.querySelector('header') || document.body).backgroundColor);
    await savePrefsByForm(page, { color_contrast: 'normal' });
    await page.goto('/login');
    assert.equal(await page.getAttribute('html', 'data-contrast'), 'normal');
    const chosen = await page.evaluate(() => getComputedStyle(document.querySelector('header') || document.body).backgroundColor);
    assert.notEqual(chosen, systemHigh, 'the header looks the same with the explicit normal choice as with the system high contrast');
    await b.expectNoViolations(page, '/login (explicit normal contrast under prefers-contrast: more)');
  });
  await context.close();
});

/** Pages at `prefs`, signed in, checked by `check(page, path)`. */
async function eachSignedInPage(t, user, prefs, contextOptions, check) {
  await b.apiPrefs(server.baseURL, user, prefs);
  const context = await b.newContext(browser, server.baseURL, contextOptions);
  const page = await context.newPage();
  for (const path of ['/', '/register', '/login']) {
    await t.test(`${path} signed out`, async () => { await page.goto(path); await check(page, path); });
  }
  await b.signIn(page, user);
  for (const path of ['/', '/account', '/preferences', '/no-such-page']) {
    await t.test(`${path} signed in`, async () => { await page.goto(path); await check(page, path); });
  }
  await context.close();
}

test('reflow: nothing scrolls sideways at 320 CSS px (WCAG 1.4.10), at density 1, 3 and 5', async (t) => {
  const user = await b.apiUser(server.baseURL, 'narrow');
  for (const density of [1, 3, 5]) {
    await t.test(`density ${density}`, (st) => eachSignedInPage(st, user, { visual_density: density }, { viewport: { width: 320, height: 640 } }, async (page, path) => {
      const r = await page.evaluate(() => {
        const wide = [...document.querySelectorAll('body *')].filter((el) => {
          const rect = el.getBoundingClientRect();
          return rect.width > 0 && rect.right > document.documentElement.clientWidth + 1 && !el.closest('[hidden]');
        }).filter((el, _, all) => !all.some((o) => o !== el && o.contains(el))).slice(0, 5)
          .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className} right=${Math.round(el.getBoundingClientRect().right)}`);
        return { scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth, wide };
      });
      assert.ok(r.scrollWidth <= r.clientWidth, `${path} at 320px scrolls sideways (${r.scrollWidth} > ${r.clientWidth}); too wide: ${r.wide.join(', ')}`);
    }));
  }
});

test('text spacing (WCAG 1.4.12): extra line, letter, word and paragraph spacing clips nothing', async (t) => {
  const user = await b.apiUser(server.baseURL, 'spacing');
  for (const density of [1, 5]) {
    await t.test(`density ${density}`, (st) => eachSignedInPage(st, user, { visual_density: density }, { bypassCSP: true }, async (page, path) => {
      await page.addStyleTag({ content: '* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }' });
      const clipped = await page.evaluate(() => [...document.querySelectorAll('body *')].filter((el) => {
        const s = getComputedStyle(el);
        if (el.closest('.visually-hidden, .skip-link, [hidden]')) return false;
        const hides = /(hidden|clip)/.test(s.overflowX + s.overflowY) || s.textOverflow === 'ellipsis';
        return hides && el.textContent.trim() && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1);
      }).map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${el.className}`));
      assert.deepEqual(clipped, [], `${path}: text clipped with text-spacing overrides`);
    }));
  }
});

test('density 1 gives large targets: every control at least 44×44 CSS px (WCAG 2.5.5)', async (t) => {
  const user = await b.apiUser(server.baseURL, 'bigtargets');
  await b.apiPrefs(server.baseURL, user, { visual_density: 1 });
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  await savePrefsByForm(page, { visual_density: '1' });
  const check = async (path) => {
    await page.goto(path);
    const small = await page.evaluate(() => [...document.querySelectorAll('a[href], button, input:not([type="hidden"]), select, textarea')]
      .filter((el) => !el.closest('p') && el.getClientRects().length > 0 && !el.classList.contains('skip-link'))
      .map((el) => {
        // The clickable area of a radio or field includes its label.
        const boxes = [el, ...(el.labels ? [...el.labels] : [])].map((n) => n.getBoundingClientRect());
        const w = Math.max(...boxes.map((r) => r.width));
        const h = Math.max(...boxes.map((r) => r.height));
        return { el: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent || el.value || '').trim().slice(0, 20)}"`, w: Math.round(w), h: Math.round(h) };
      })
      .filter((x) => x.w < 44 || x.h < 44));
    assert.deepEqual(small, [], `${path}: controls smaller than 44×44 at density 1`);
  };
  for (const path of ['/', '/register', '/login', '/preferences']) await t.test(`${path} signed out`, () => check(path));
  await b.signIn(page, user);
  for (const path of ['/', '/account', '/preferences']) await t.test(`${path} signed in`, () => check(path));
  await context.close();
});

test('the preferences page previews a choice before it is saved', async () => {
  const context = await b.newContext(browser, server.baseURL);
  const page = await context.newPage();
  await page.goto('/preferences');
  await page.check('[name="visual_density"][value="5"]');
  await page.check('[name="color_contrast"][value="high"]');
  await page.check('[name="reading_level"][value="1"]');
  await page.check('[name="motion_sensitivity"][value="true"]');
  const preview = await page.evaluate(() => {
    const p = document.getElementById('preview');
    return p && ['data-density', 'data-contrast', 'data-reading-level', 'data-motion'].map((a) => p.getAttribute(a));
  });
  assert.deepEqual(preview, ['5', 'high', '1', 'true'], 'the preview follows the choices');
  assert.equal(await page.getAttribute('html', 'data-density'), '3', 'nothing is applied to the page before saving');
  await context.close();
});
