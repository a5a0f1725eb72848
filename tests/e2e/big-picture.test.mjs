// The big picture lab: starting a coroutine costs far less than starting a
// thread or a process, in this browser (a thread and a process cost about
// the same here: both are Web Workers). Orderings and counts, not times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSER, usePage } from './browser.mjs';

const { page, errors } = usePage();
const startCost = (o) => page.evaluate((o) => window.spinlab.runStartCost(o), o);
const refusal = (o) => page.evaluate((o) => window.spinlab.runStartCost(o).then(() => 'resolved', (e) => e.message), o);

/** Runs `count` `units`, checks the report's shape, logs its line. */
async function measured(units, count) {
  const r = await startCost({ units, count });
  assert.equal(r.experiment, 'start-cost');
  assert.deepEqual([r.units, r.count], [units, count]);
  assert.ok(r.totalMs > 0 && Number.isFinite(r.totalMs), JSON.stringify(r));
  assert.ok(Math.abs(r.perUnitMs - r.totalMs / count) < 1e-9, JSON.stringify(r));
  assert.ok(r.firstInstructionMs >= 0, JSON.stringify(r));
  assert.equal(r.transcript.length, 1);
  assert.match(r.transcript[0], new RegExp(`^${count.toLocaleString('en-US')} ${units} started and heard from in \\d+\\.\\d{3}s: \\d+\\.\\d{6} ms each$`));
  assert.match(r.notes.join('\n'), /first instruction/);
  console.log(`# ${r.transcript[0]} (first instruction after ${r.firstInstructionMs.toFixed(3)} ms, median)`);
  return r;
}

// Measured here: a coroutine ≈ 0.006 ms, a thread or a process 25-40 ms.
test('a coroutine starts for far less than a process', async () => {
  const coroutines = await measured('coroutines', 10000);
  const processes = await measured('processes', 10);
  assert.ok(coroutines.perUnitMs * 100 < processes.perUnitMs, 'a coroutine is far cheaper to start than a process');
  const stats = await page.evaluate(() => window.spinlab.stats());
  assert.equal(stats.liveProcesses, 0, 'every process ended');
});

test('a coroutine starts for far less than a thread', BROWSER === 'firefox'
  ? { skip: 'Firefox ESR 140: with 20 threads started at once, in about 1 run in 3 one or two workers never run their script (no message, no error event) and the run fails at its 60 s timeout; open, see src/models/start_cost.rs' }
  : {}, async () => {
  const coroutines = await measured('coroutines', 10000);
  const threads = await measured('threads', 20);
  assert.ok(coroutines.perUnitMs * 100 < threads.perUnitMs, 'a coroutine is far cheaper to start than a thread');
  // A thread and a process are both Web Workers sharing one compiled
  // module: about the same cost, in either order run to run (so reported,
  // not asserted). The claim's sentence names all three, from these runs.
  const claim = await page.textContent('[data-experiment=big-picture] [data-role=claim]');
  assert.match(claim, /^Started here: a coroutine in .+; a thread in .+ × a coroutine's\); a process in .+ × a coroutine's\)\.( A thread and a process cost about the same here: .+)?$/);
});

test('a button runs the same code: the chart, the transcript and the listing', async () => {
  const section = '[data-experiment=big-picture]';
  await page.click(`${section} button[data-units=coroutines]`);
  await page.waitForFunction((s) => /10,000 coroutines started/.test(document.querySelector(`${s} [data-role=transcript]`).textContent), section);
  const label = await page.textContent(`${section} [data-role=start-cost-chart] [data-units=coroutines] .label`);
  assert.match(label, /^a coroutine: [\d.]+ (µs|ms)$/);
  assert.match(await page.textContent(`${section} pre[data-lang=python]`), /asyncio\.create_task\(coroutine\(results, i\)\)/);
  assert.match(await page.textContent(`${section} pre[data-lang=rust]`), /spawn_local/);
  const download = await page.getAttribute(`${section} a[download]`, 'download');
  assert.equal(download, 'start_cost.py');
});

test('bad arguments are refused with a reason, and nothing starts', async () => {
  const before = await page.evaluate(() => window.spinlab.stats().threadsStarted);
  assert.match(await refusal({ units: 'threads', count: 0 }), /count must be a whole number from 1 to 64, not 0/);
  assert.match(await refusal({ units: 'processes', count: 33 }), /count must be a whole number from 1 to 32, not 33/);
  assert.match(await refusal({ units: 'coroutines', count: 100001 }), /from 1 to 100000/);
  assert.match(await refusal({ units: 'coroutines', count: 2.5 }), /count must be a whole number/);
  assert.match(await refusal({ units: 'fibers' }), /units must be "coroutines", "threads" or "processes", not "fibers"/);
  assert.match(await refusal({ count: 3 }), /units is missing/);
  assert.match(await refusal({ units: 'threads', cuont: 3 }), /cuont/);
  assert.match(await refusal(undefined), /runStartCost needs options/);
  const after = await page.evaluate(() => window.spinlab.stats());
  assert.equal(after.threadsStarted, before, 'no thread was started');
  assert.equal(after.liveProcesses, 0);
});

test('no errors in the console', () => {
  assert.deepEqual(errors(), []);
});
