// Robustness: many runs in a row leak nothing; a reload mid-run leaves no
// worker behind. Figures are printed; the assertions are on counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumOnly, idle, loadReady, until, usePage, waitFor, URL } from './browser.mjs';
import { HEAVY } from './fixtures.mjs';

const { page } = usePage();
const stats = () => page.evaluate(() => window.spinlab.stats());
// Runs of each mode in the leak check (40 × 5 modes × 3 browsers; 100 took
// 75 s in Chromium alone): a leak of 1 KiB a run still shows past the slack.
const RUNS = 40;

test(`${RUNS} runs of each mode in a row: live workers and the live heap stay flat`, async () => {
  const base = await stats();
  // Cheap numbers (the largest, 10^9 + 7, takes 16,000 divisions): what a
  // run leaves behind does not depend on how long its checks take.
  const numbers = ['2', '3', '1000000007', '9999999999999999'];
  // One run of each first: what a mode builds once, on first use, stays.
  for (const mode of ['sequential', 'processes', 'threads', 'threads-gil', 'rayon']) {
    await page.evaluate((o) => window.spinlab.runPool(o), { mode, workers: 2, numbers });
  }
  for (const mode of ['sequential', 'processes', 'threads', 'threads-gil', 'rayon']) {
    const t0 = Date.now();
    const before = await idle(page);
    for (let i = 0; i < RUNS; i++) {
      const r = await page.evaluate((o) => window.spinlab.runPool(o), { mode, workers: 2, numbers });
      assert.equal(r.checked, 4, `${mode} run ${i}`);
    }
    const s = await idle(page);
    const grown = s.heapLiveBytes - before.heapLiveBytes;
    const threads = s.threadsStarted - before.threadsStarted;
    console.log(`# ${mode}: ${RUNS} runs in ${((Date.now() - t0) / 1000).toFixed(1)} s; then ${s.liveThreads} live threads, ${s.liveProcesses} processes; live heap ${grown >= 0 ? '+' : ''}${grown} bytes over ${threads} threads started; ${(s.wasmMemoryBytes / 2 ** 20).toFixed(1)} MB shared memory`);
    assert.equal(s.liveThreads, base.liveThreads, `${mode}: no thread left running`);
    assert.equal(s.liveProcesses, 0, `${mode}: no process left`);
    // Each finished thread keeps its thread-local values (wasm runs no TLS
    // destructors: 512–516 bytes measured); beyond that only buffers that
    // settle at their size (≤ 8 KiB measured over the first hundred runs).
    // A leaked stack is 1 MiB; a leak of 1 KiB a run shows as 40 KiB over
    // the slack of 24 KiB here.
    assert.ok(grown <= threads * 600 + 24 * 1024, `${mode}: the live heap grew by ${grown} bytes over ${RUNS} runs and ${threads} threads`);
  }
});

test('a reload in the middle of a run leaves no worker behind',
  chromiumOnly('it counts the page\'s workers with page.workers(), a CDP list WebDriver BiDi lacks'), async () => {
  const idleWorkers = page.workers().length;
  // Six of the heavy primes (≈2.5 s each): a run of ≈7.5 s on 2 processes.
  const run = page.evaluate((numbers) => window.spinlab.runPool({ mode: 'processes', workers: 2, numbers }), HEAVY.slice(0, 6))
    .then(() => 'resolved', (e) => e.message);
  // Both processes are up and checking (the event, not a duration).
  await waitFor(page, () => { const p = window.spinlab.stats().pool; return p && p.up === 2 && p.taken >= 2 && p.checked === 0; },
    null, 'both processes to hold a number');
  const during = await until(() => page.workers().length > idleWorkers && page.workers().length, 'the processes\' workers to show');
  await loadReady(page, URL);
  assert.match(await run, /Execution context was destroyed/, 'the run ended with its page');
  // Workers of the old page end with it: the new page has only its own.
  await until(() => page.workers().length === idleWorkers, `${idleWorkers} workers after the reload (${page.workers().length} now)`);
  console.log(`# workers: ${idleWorkers} on an idle page, ${during} during the run, ${page.workers().length} after the reload`);
  const fresh = await stats();
  assert.deepEqual([fresh.liveProcesses, fresh.pool, fresh.runsStarted], [0, null, 0], 'the new page started nothing');
});

test('a double click starts one run, in every lab', async () => {
  await page.evaluate(() => {
    window.__reports = [];
    document.addEventListener('spinlab:report', (e) => window.__reports.push(e.detail));
  });
  // Fast runs, so that a second one would show.
  await page.check('[data-experiment=spinner] input[value=prime]');
  await page.fill('[data-role=spinner-number]', '5000111000222021');
  for (const button of ['[data-experiment=smoke] button[data-where=pool]', '[data-experiment=spinner] button[data-model=process]', 'button[data-mode=threads]']) {
    const before = await page.evaluate(() => [window.__reports.length, window.spinlab.stats().runsStarted]);
    await page.dblclick(button);
    // Both clicks have been handled when dblclick returns: a run each would
    // have started by now. Wait for the one report, then count the runs.
    await page.waitForFunction((n) => window.__reports.length > n, before[0]);
    await page.waitForFunction((b) => !document.querySelector(b).disabled, button);
    const after = await page.evaluate(() => [window.__reports.length, window.spinlab.stats().runsStarted]);
    assert.deepEqual([after[0] - before[0], after[1] - before[1]], [1, 1], `${button}: one run started, one report`);
  }
  await idle(page);
});
