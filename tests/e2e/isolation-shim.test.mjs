// The opt-in isolation shim, against a server that sends no COOP/COEP: one
// click installs the service worker, the page reloads cross-origin isolated,
// and threads work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage, waitFor } from './browser.mjs';

const URL = process.env.SPINLAB_URL_NOT_ISOLATED;
const { page, errors } = usePage(URL);

test('the shim turns threads on where the host sends no isolation headers', async () => {
  assert.ok(URL, 'SPINLAB_URL_NOT_ISOLATED is set by ./x test');
  const before = await page.evaluate(() => ({
    isolated: self.crossOriginIsolated,
    threads: window.spinlab.capabilities.threads,
  }));
  assert.deepEqual(before, { isolated: false, threads: false });

  const reloaded = page.waitForNavigation();
  await page.click('[data-role=isolation-shim]');
  await reloaded;
  await waitFor(page, () => document.body.dataset.ready === 'true', null, 'the reloaded page to be ready');
  const after = await page.evaluate(() => ({
    isolated: self.crossOriginIsolated,
    caps: window.spinlab.capabilities,
    controlled: Boolean(navigator.serviceWorker.controller),
    error: document.body.dataset.error ?? null,
    cores: navigator.hardwareConcurrency,
  }));
  assert.equal(after.controlled, true, 'the shim controls the page');
  assert.equal(after.isolated, true);
  assert.equal(after.error, null);
  assert.equal(after.caps.threads, true);
  assert.equal(after.caps.poolSize, Math.max(after.caps.hardwareConcurrency, 2));
  assert.equal(after.caps.hardwareConcurrency, after.cores, 'the browser\'s own figure');
  const r = await page.evaluate(() => window.spinlab.runPool({ mode: 'threads', workers: 2 }));
  assert.equal(r.checked, 20);
  // Isolated now: no offer of the shim any more.
  assert.equal(await page.locator('[data-role=isolation-shim]').count(), 0);
  assert.deepEqual(errors(), []);
});
