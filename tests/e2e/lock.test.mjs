// The lock lab: every variant gives its documented outcome class (exact or
// lossy), through window.spinlab and through the buttons. Counts, not times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextReport, usePage } from './browser.mjs';

const { page, errors } = usePage();
const runLock = (o) => page.evaluate((o) => window.spinlab.runLock(o), o);
const refusal = (o) => page.evaluate((o) => window.spinlab.runLock(o).then(() => 'resolved', (e) => e.message), o);

test('threads lose updates without a lock, and never with one', async () => {
  const racy = await runLock({ units: 'threads', workers: 4, increments: 100000 });
  assert.equal(racy.experiment, 'lock');
  assert.equal(racy.expected, 400000);
  assert.ok(racy.got < racy.expected, `threads without a lock: got ${racy.got} of ${racy.expected}`);
  assert.equal(racy.lost, racy.expected - racy.got);
  assert.deepEqual(racy.transcript, ['4 threads, 100,000 increments each', `counter = ${racy.got.toLocaleString('en-US')} (expected 400,000)`]);
  assert.match(racy.notes[0], /^lost [\d,]+ of 400,000 updates/);
  const locked = await runLock({ units: 'threads', lock: true, workers: 4, increments: 100000 });
  assert.deepEqual([locked.got, locked.lost], [400000, 0]);
  assert.ok(locked.lockWaitMs > 0, `four threads on this machine's cores wait for the lock: ${locked.lockWaitMs} ms`);
  assert.match(locked.notes.join('\n'), /waiting for it \(contention\)/);
  console.log(`# threads: no lock got ${racy.got} of ${racy.expected} in ${racy.elapsedMs.toFixed(0)} ms; lock exact in ${locked.elapsedMs.toFixed(0)} ms, ${locked.lockWaitMs.toFixed(0)} ms waiting`);
});

test('under the GIL updates are still lost, at a handover between the read and the write', async () => {
  const racy = await runLock({ units: 'threads-gil', workers: 4, increments: 100000, switchIntervalMs: 1 });
  assert.ok(racy.gilHandovers > 0, 'the GIL changed hands');
  assert.equal(racy.switchIntervalMs, 1);
  assert.ok(racy.lost > 0, `lost ${racy.lost} with ${racy.gilHandovers} handovers`);
  const locked = await runLock({ units: 'threads-gil', lock: true, workers: 4, increments: 20000 });
  assert.equal(locked.lost, 0);
  assert.equal(locked.got, 80000);
  console.log(`# threads-gil @1 ms: got ${racy.got} of ${racy.expected}, ${racy.gilHandovers} handovers; with the lock exact`);
});

test('coroutines lose updates only with an await between the read and the write', async () => {
  const plain = await runLock({ units: 'coroutines', workers: 4, increments: 50000 });
  assert.deepEqual([plain.got, plain.lost], [200000, 0]);
  const paused = await runLock({ units: 'coroutines', workers: 4, increments: 50000, awaitBetween: true });
  // One event loop, tasks in turn: all read, all await, all write the same value.
  assert.deepEqual([paused.got, paused.lost, paused.awaitBetween], [50000, 150000, true]);
  const locked = await runLock({ units: 'coroutines', workers: 4, increments: 50000, awaitBetween: true, lock: true });
  assert.equal(locked.lost, 0);
});

test('processes share nothing: each counts its own, unless the counter is in shared memory', async () => {
  const own = await runLock({ units: 'processes', workers: 3, increments: 20000 });
  assert.equal(own.expected, 20000, "a correct program's count is each process's own");
  assert.equal(own.got, 20000);
  assert.equal(own.transcript[0], '3 processes, 20,000 increments each');
  assert.deepEqual(own.transcript.slice(1, 4).sort(), ['Process-1: counter = 20,000', 'Process-2: counter = 20,000', 'Process-3: counter = 20,000']);
  assert.equal(own.transcript[4], 'parent: counter = 0');
  const shared = await runLock({ units: 'processes', workers: 3, increments: 20000, lock: true });
  assert.deepEqual([shared.expected, shared.got, shared.lost], [60000, 60000, 0]);
  assert.deepEqual(shared.transcript, ['3 processes, 20,000 increments each', 'counter = 60,000 (expected 60,000)']);
});

test('the buttons run the same code: bars, transcript, notes and the listing', async () => {
  const section = '[data-experiment=lock]';
  await page.fill(`${section} input[data-role=workers]`, '2');
  await page.fill(`${section} input[data-role=increments]`, '1000');
  await page.check(`${section} input[data-role=await-between]`);
  const report = await nextReport(page);
  await page.click(`${section} button[data-units=coroutines]`);
  const r = await report();
  assert.deepEqual([r.units, r.workers, r.increments, r.got, r.awaitBetween], ['coroutines', 2, 1000, 1000, true]);
  assert.equal(await page.locator(`${section} [data-role=counter-bars] .bar`).count(), 2);
  assert.match(await page.textContent(`${section} [data-role=transcript]`), /counter = 1,000 \(expected 2,000\)/);
  assert.match(await page.textContent(`${section} [data-role=code]`), /counter_asyncio\.py/);
  await page.uncheck(`${section} input[data-role=await-between]`);
});

test('bad requests are refused with a reason, and nothing starts', async () => {
  for (const [options, pattern] of [
    [undefined, /runLock needs options/],
    [{ lock: true }, /units is missing: it must be one of threads, threads-gil, coroutines, processes/],
    [{ units: 'fibers' }, /units must be one of threads, threads-gil, coroutines, processes/],
    [{ units: 'threads', workers: 9 }, /workers must be a whole number from 1 to 8/],
    [{ units: 'threads', increments: 0 }, /increments must be a whole number from 1 to 1000000/],
    [{ units: 'threads', lock: 'yes' }, /lock must be true or false/],
    [{ units: 'threads', awaitBetween: true }, /awaitBetween is only used with units: "coroutines"/],
    [{ units: 'coroutines', switchIntervalMs: 5 }, /switchIntervalMs is only used with units: "threads-gil"/],
    [{ units: 'threads', lokc: true }, /^runLock: unknown option "lokc"/],
  ]) {
    assert.match(await refusal(options), pattern, JSON.stringify(options));
  }
  assert.equal(await page.isDisabled('[data-experiment=lock] button[data-units=threads]'), false, 'nothing is left running');
});

test('no errors in the console', () => {
  assert.deepEqual(errors(), []);
});
