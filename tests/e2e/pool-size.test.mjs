// The pool's size: the browser's hardwareConcurrency by default (which may
// not be the machine's: WebKit read 4 on 2 cores), or the learner's choice
// in the capabilities panel, which reloads the page with ?threads=N.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { URL, loadReady, usePage, waitFor } from './browser.mjs';

const { page, errors } = usePage();

const state = () => page.evaluate(() => ({
  caps: window.spinlab.capabilities,
  row: document.querySelector('[data-cap=poolSize] dd').textContent,
  chosen: document.querySelector('[data-role=pool-size]')?.value ?? null,
  search: location.search,
}));

test('by default the pool has the browser\'s figure, and the panel says where it came from', async () => {
  const s = await state();
  assert.equal(s.caps.poolSize, Math.max(s.caps.hardwareConcurrency, 2));
  assert.equal(s.chosen, String(s.caps.poolSize));
  assert.match(s.row, /from the browser's hardwareConcurrency \(\d+\), which may not be this machine's cores/);
});

test('choosing a size reloads the page with a pool of that size', async () => {
  // The capabilities are one line; their detail, the size among it, unfolds.
  assert.equal(await page.evaluate(() => document.querySelector('[data-role=capabilities-detail]').open), false, 'folded when nothing is missing');
  await page.click('[data-role=capabilities-detail] > summary');
  const reloaded = page.waitForNavigation();
  await page.selectOption('[data-role=pool-size]', '1');
  await reloaded;
  await waitFor(page, () => document.body.dataset.ready === 'true', null, 'the reloaded page to be ready');
  const s = await state();
  assert.equal(s.search, '?threads=1');
  assert.equal(s.caps.poolSize, 1);
  assert.equal(s.chosen, '1');
  assert.match(s.row, /^1 threads, up in \d+ ms; chosen here \(the browser says \d+\)/);
  // The pool lab offers as many workers as the pool has, and no more.
  const refused = await page.evaluate(() =>
    window.spinlab.runPool({ mode: 'threads', workers: 2 }).then(() => 'resolved', (e) => e.message));
  assert.match(refused, /workers must be a whole number from 1 to 1, not 2/);
  const r = await page.evaluate(() => window.spinlab.runPool({ mode: 'threads', workers: 1 }));
  assert.equal(r.checked, 20);
});

test('a size that is not a whole number in range is refused in words, and the browser\'s figure used', async () => {
  await loadReady(page, `${URL}?threads=lots`);
  const s = await state();
  assert.equal(s.caps.poolSize, Math.max(s.caps.hardwareConcurrency, 2));
  assert.match(s.row, /\?threads=lots is not a whole number from 1 to 32, so the pool has the browser's \d+\./);
  assert.deepEqual(errors(), [], 'no page or console error in the whole file');
});
