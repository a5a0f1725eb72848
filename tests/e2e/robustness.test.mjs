// Robustness: many runs in a row leak nothing; a reload mid-run leaves no
// worker behind. Figures are printed; the assertions are on counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage, loadReady, URL } from './browser.mjs';

const { page } = usePage();
const stats = () => page.evaluate(() => window.spinlab.stats());

/** Threads free themselves one task after their last message: wait for it. */
async function idle(expectThreads) {
  for (let i = 0; i < 50; i++) {
    const s = await stats();
    if (s.liveThreads === expectThreads && s.liveProcesses === 0) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return stats();
}

test('100 runs of each mode in a row: live workers and memory stay flat', async () => {
  const base = await stats();
  const numbers = ['2', '3', '5000111000222021', '9999999999999999'];
  const memory = [];
  for (const mode of ['sequential', 'processes', 'threads', 'threads-gil', 'rayon']) {
    const t0 = Date.now();
    for (let i = 0; i < 100; i++) {
      const r = await page.evaluate((o) => window.spinlab.runPool(o), { mode, workers: 2, numbers });
      assert.equal(r.checked, 4, `${mode} run ${i}`);
    }
    const s = await idle(base.liveThreads);
    memory.push(s.wasmMemoryBytes);
    console.log(`# ${mode}: 100 runs in ${((Date.now() - t0) / 1000).toFixed(1)} s; then ${s.liveThreads} live threads, ${s.liveProcesses} processes, ${(s.wasmMemoryBytes / 2 ** 20).toFixed(1)} MB shared memory`);
    assert.equal(s.liveThreads, base.liveThreads, `${mode}: threads back to the idle page's`);
    assert.equal(s.liveProcesses, 0, `${mode}: no process left`);
  }
  console.log(`# memory: ${(base.wasmMemoryBytes / 2 ** 20).toFixed(1)} MB before, ${memory.map((b) => (b / 2 ** 20).toFixed(1)).join(' → ')} MB after each mode`);
  // The shared memory grows once, when the first threads are spawned (their
  // stacks and thread-local storage), to a high-water mark; then 200 more
  // runs (threads-gil, rayon) leave it where it was.
  assert.ok(memory[4] <= memory[2], `memory kept growing: ${memory.join(', ')}`);
});

test('a reload in the middle of a run leaves no worker behind', async () => {
  const idleWorkers = page.workers().length;
  // A run of ≈ 2 s: the calibrated fixture would take longer; the fixture twice will do.
  const run = page.evaluate(() => window.spinlab.runPool({ mode: 'processes', workers: 2, numbers: Array(40).fill('9999999999999917') })).catch(() => 'interrupted');
  await page.waitForFunction(() => window.spinlab.stats().liveProcesses === 2);
  for (let i = 0; i < 50 && page.workers().length <= idleWorkers; i++) await new Promise((r) => setTimeout(r, 100));
  const during = page.workers().length;
  await loadReady(page, URL);
  assert.equal(await run, 'interrupted');
  await idle((await stats()).liveThreads);
  // Workers of the old page end with it: the new page has only its own.
  for (let i = 0; i < 50 && page.workers().length !== idleWorkers; i++) await new Promise((r) => setTimeout(r, 100));
  console.log(`# workers: ${idleWorkers} on an idle page, ${during} during the run, ${page.workers().length} after the reload`);
  assert.ok(during > idleWorkers, 'the run had started its processes');
  assert.equal(page.workers().length, idleWorkers);
});

test('a double click starts one run, in every lab', async () => {
  await page.evaluate(() => {
    window.__reports = [];
    document.addEventListener('spinlab:report', (e) => window.__reports.push(e.detail));
  });
  // Fast runs, so that a second one would show.
  await page.check('[data-experiment=spinner] input[value=prime]');
  await page.fill('[data-role=spinner-number]', '5000111000222021');
  for (const button of ['[data-experiment=smoke] button[data-where=pool]', 'button[data-model=process]', 'button[data-mode=threads]']) {
    const before = await page.evaluate(() => window.__reports.length);
    await page.dblclick(button);
    await page.waitForFunction((n) => window.__reports.length > n, before);
    // Long enough for a second run of these to have reported too.
    await page.waitForTimeout(1500);
    const after = await page.evaluate(() => window.__reports.length);
    assert.equal(after - before, 1, `${button}: one run`);
    assert.equal(await page.isDisabled(button), false, `${button}: usable again`);
  }
  await idle((await stats()).liveThreads);
  assert.equal((await stats()).liveProcesses, 0);
});
