// Served without COOP/COEP (like `python3 -m http.server`), the page must load,
// say exactly what is missing and why, and keep what works without threads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadReady, openBrowser } from './browser.mjs';

const URL = process.env.SPINLAB_URL_NOT_ISOLATED;
let browser;

before(async () => {
  assert.ok(URL, 'SPINLAB_URL_NOT_ISOLATED is set by ./x test');
  browser = await openBrowser();
  await loadReady(browser.page, URL);
});

after(async () => {
  await browser?.close();
});

test('the page explains that it is not cross-origin isolated', async () => {
  const page = browser.page;
  const state = await page.evaluate(() => ({
    isolated: self.crossOriginIsolated,
    error: document.body.dataset.error ?? '',
    status: document.querySelector('#capabilities [data-role=status]').textContent,
  }));
  assert.equal(state.isolated, false);
  assert.match(state.error, /not cross-origin isolated/);
  assert.match(state.error, /Cross-Origin-Opener-Policy: same-origin/);
  assert.match(state.error, /Cross-Origin-Embedder-Policy: require-corp/);
  assert.equal(state.status, state.error, 'the reason is shown in the page');
  // And the way out on a host that cannot send headers (isolation-shim.test.mjs uses it).
  assert.equal(await page.locator('[data-role=isolation-shim]').count(), 1);
});

test('capabilities say there are no threads, and the pool button is disabled', async () => {
  const page = browser.page;
  const caps = await page.evaluate(() => window.spinlab?.capabilities ?? null);
  assert.ok(caps, 'window.spinlab exists without isolation');
  assert.equal(caps.crossOriginIsolated, false);
  assert.equal(caps.threads, false);
  assert.equal(caps.poolSize, 0);
  assert.equal(await page.isDisabled('button[data-where=pool]'), true);
  const refused = await page.evaluate(() =>
    window.spinlab.runSmoke({ where: 'pool' }).then(() => 'resolved', (e) => e.message));
  assert.match(refused, /no thread pool/);
});

test('the main-thread check still works', async () => {
  const report = await browser.page.evaluate(() => window.spinlab.runSmoke({ where: 'main' }));
  assert.equal(report.prime, true);
  assert.equal(report.n, '5000111000222021');
});

test('without isolation the coroutine and process spinners run; the pool modes say why they cannot', async () => {
  const page = browser.page;
  const spin = (o) => page.evaluate((o) => window.spinlab.runSpinner(o).then((r) => r.prime, (e) => e.message), o);
  assert.equal(await spin({ model: 'coroutine-nap', slow: 'prime', n: '5000111000222021' }), true);
  assert.equal(await spin({ model: 'process', slow: 'prime', n: '5000111000222021' }), true);
  const processes = await page.evaluate(() => window.spinlab.runPool({ mode: 'processes', workers: 2 }).then(() => 'resolved', (e) => e.message));
  assert.match(processes, /SharedArrayBuffer, which the browser gives only to cross-origin isolated pages/);
  assert.equal(await page.isDisabled('button[data-mode=processes]'), true);
  // The page is alive and idle after the refusal.
  assert.equal((await page.evaluate(() => window.spinlab.stats())).liveProcesses, 0);
});

test('no uncaught errors, only the explanation', async () => {
  assert.deepEqual(browser.errors.filter((e) => e.startsWith('pageerror')), []);
});
