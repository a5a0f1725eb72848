// The deployable site (`./x build --dist`), served as two kinds of host
// would serve it: python3 -m http.server, which sends no headers of ours
// (GitHub Pages is like it), and a server that applies the folder's
// `_headers` (Netlify, Cloudflare Pages). In both: the page loads its assets
// from the content-hashed folder, threads run, and the fixture checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSER, openBrowser, waitFor } from './browser.mjs';
import { FIXTURE } from './fixtures.mjs';

const HEADERLESS = process.env.SPINLAB_DIST_URL;
const WITH_HEADERS = process.env.SPINLAB_DIST_URL_HEADERS;

/** The page's own resources as loaded: every one must come from v/<hash>/. */
function loaded(page) {
  return page.evaluate(() => performance.getEntriesByType('resource')
    .map((e) => new URL(e.name))
    .filter((u) => u.origin === location.origin)
    .map((u) => u.pathname));
}

/** Threads × 2 on the book's fixture: every answer right. */
async function checksTheFixture(page) {
  const r = await page.evaluate(() => window.spinlab.runPool({ mode: 'threads', workers: 2 }));
  assert.equal(r.checked, 20);
  const answers = Object.fromEntries(r.results.map((x) => [x.n, x.prime]));
  assert.deepEqual(answers, Object.fromEntries(FIXTURE));
}

async function bundleOf(url) {
  const html = await (await fetch(url)).text();
  const bundle = html.match(/src="(v\/[0-9a-f]{16})\/main\.js"/)?.[1];
  assert.ok(bundle, `index.html loads main.js from v/<hash>/: ${html.slice(0, 400)}`);
  assert.match(html, /<meta name="spinlab-isolation-shim" content="auto">/);
  return bundle;
}

const BEFORE_PAGE_SCRIPTS = BROWSER === 'webkit'
  ? { skip: 'WebDriver classic (WebKit) runs no script before the page\'s own, which this test needs to read what the page says before its reload' }
  : {};

test('from a host that sends no headers, the shim turns on by itself and threads run after one reload', BEFORE_PAGE_SCRIPTS, async () => {
  assert.ok(HEADERLESS, 'SPINLAB_DIST_URL is set by ./x test');
  const response = await fetch(HEADERLESS);
  assert.equal(response.headers.get('cross-origin-embedder-policy'), null, 'the host sends no COEP');
  const bundle = await bundleOf(HEADERLESS);
  const browser = await openBrowser();
  try {
    const { page } = browser;
    // What the page says before its reload, kept across it (the tab's
    // sessionStorage survives a reload; the reload comes on its own).
    await page.addInitScript(() => {
      new MutationObserver(() => {
        const note = document.querySelector('[data-role=isolation-shim-auto]');
        if (note) sessionStorage.setItem('spinlab.test.autoNote', note.textContent);
      }).observe(document, { childList: true, subtree: true });
    });
    await page.goto(HEADERLESS);
    await waitFor(page, () => self.crossOriginIsolated && document.body.dataset.ready === 'true',
      null, 'the page to reload isolated, by the shim');
    const state = await page.evaluate(() => ({
      note: sessionStorage.getItem('spinlab.test.autoNote'),
      shim: navigator.serviceWorker.controller?.scriptURL ?? null,
      isolatedRow: document.querySelector('[data-cap=crossOriginIsolated] dd').textContent,
      threads: window.spinlab.capabilities.threads,
      error: document.body.dataset.error ?? null,
      offer: document.querySelectorAll('[data-role=isolation-shim]').length,
    }));
    assert.match(state.note ?? '', /This host sends no cross-origin isolation headers/, 'the page said why it reloads');
    assert.match(state.note, /reloads once/);
    assert.equal(state.shim, new URL('isolation-shim.js', HEADERLESS).href);
    assert.match(state.isolatedRow, /^yes, by the isolation shim/);
    assert.equal(state.threads, true);
    assert.equal(state.error, null);
    assert.equal(state.offer, 0, 'isolated: no offer of the shim');
    await checksTheFixture(page);
    const paths = await loaded(page);
    assert.ok(paths.includes(`/${bundle}/pkg/spinlab_bg.wasm`), paths.join(' '));
    const outside = paths.filter((p) => !p.startsWith(`/${bundle}/`));
    assert.deepEqual(outside, [], 'every asset comes from the hashed folder');
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});

test('from a host that applies the folder\'s _headers, the page is isolated at once', async () => {
  assert.ok(WITH_HEADERS, 'SPINLAB_DIST_URL_HEADERS is set by ./x test');
  const response = await fetch(WITH_HEADERS);
  assert.equal(response.headers.get('cross-origin-embedder-policy'), 'require-corp');
  assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin');
  const bundle = await bundleOf(WITH_HEADERS);
  const wasm = await fetch(new URL(`${bundle}/pkg/spinlab_bg.wasm`, WITH_HEADERS));
  assert.equal(wasm.status, 200);
  assert.match(wasm.headers.get('cache-control'), /immutable/, 'hashed assets are cached for good');
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await page.goto(WITH_HEADERS);
    await waitFor(page, () => document.body.dataset.ready === 'true', null, 'the page to be ready');
    const state = await page.evaluate(() => ({
      isolated: self.crossOriginIsolated,
      controlled: Boolean(navigator.serviceWorker.controller),
      tried: sessionStorage.getItem('spinlab.isolationShimTried'),
      isolatedRow: document.querySelector('[data-cap=crossOriginIsolated] dd').textContent,
    }));
    assert.deepEqual(state, { isolated: true, controlled: false, tried: null, isolatedRow: 'yes' });
    await checksTheFixture(page);
    assert.ok((await loaded(page)).includes(`/${bundle}/pkg/spinlab_bg.wasm`));
    assert.deepEqual(browser.errors, []);
  } finally {
    await browser.close();
  }
});
