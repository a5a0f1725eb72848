// The big picture lab: starting a coroutine costs far less than starting a
// thread or a process, in this browser (a thread and a process cost about
// the same here: both are Web Workers); 64 MB crosses to a thread (shared)
// faster than to a process (copied). Orderings and counts, not times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage } from './browser.mjs';
import { FIXTURE } from './fixtures.mjs';

const { page, errors } = usePage();
const startCost = (o) => page.evaluate((o) => window.spinlab.runStartCost(o), o);
const crossing = (o) => page.evaluate((o) => window.spinlab.runCrossing(o), o);
const crossingRefusal = (o) => page.evaluate((o) => window.spinlab.runCrossing(o).then(() => 'resolved', (e) => e.message), o);
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

test('a coroutine starts for far less than a thread', async () => {
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

const pool = (o) => page.evaluate((o) => window.spinlab.runPool(o), o);
const poolRefusal = (o) => page.evaluate((o) => window.spinlab.runPool(o).then(() => 'resolved', (e) => e.message), o);

// One new worker per number: as many workers as numbers, each checking
// exactly one, every number checked once with the book's answer.
for (const [mode, unit] of [['processes', 'processes'], ['threads', 'threads']]) {
  test(`per job: the fixture on 20 new ${unit}, one a number`, async () => {
    const r = await pool({ mode, perJob: true });
    assert.equal(r.perJob, true);
    assert.equal(r.workers, FIXTURE.length);
    assert.equal(r.checked, FIXTURE.length);
    assert.equal(r.stopped, null);
    const byWorker = new Map(r.results.map((x) => [x.worker, x.n]));
    assert.equal(byWorker.size, FIXTURE.length, 'each worker checked one number');
    assert.deepEqual(r.results.map((x) => [x.n, x.prime]).sort(), [...FIXTURE].sort());
    assert.equal(r.transcript[0], `Checking 20 numbers with 20 ${unit}:`);
    assert.match(r.transcript.at(-1), /^20 checks in \d+\.\d\ds$/);
    assert.match(r.notes.join('\n'), /one new (process|thread) per number/);
    const file = await page.getAttribute('[data-experiment=pool] a[download]:not([download="primes.py"])', 'download');
    assert.equal(file, mode === 'processes' ? 'procs_per_job.py' : 'threads_per_job.py');
    const looping = await pool({ mode, workers: 2 });
    assert.equal(looping.perJob, false);
    console.log(`# ${mode}: 20 new workers, one a number, ${r.totalMs.toFixed(0)} ms; a pool of 2 that loop, ${looping.totalMs.toFixed(0)} ms`);
    const stats = await page.evaluate(() => window.spinlab.stats());
    assert.equal(stats.liveProcesses, 0, 'every process ended');
  });
}

test('the per-job button runs the pool, then one worker a number, and fills in the claim', async () => {
  const reports = [];
  await page.evaluate(() => {
    window.__perJobReports = [];
    document.addEventListener('spinlab:report', (e) => window.__perJobReports.push(e.detail));
  });
  await page.click('[data-experiment=big-picture] button[data-per-job=processes]');
  await page.waitForFunction(() => /^The book's 20 numbers here/.test(document.querySelector('[data-experiment=big-picture] [data-role=per-job-claim]').textContent));
  const claim = await page.textContent('[data-experiment=big-picture] [data-role=per-job-claim]');
  assert.match(claim, /^The book's 20 numbers here: a pool of \d+ processes that loop, [\d.]+ m?s; 20 processes, one a number, [\d.]+ m?s \([\d.]+ × the pool's time\)\.$/);
  reports.push(...await page.evaluate(() => window.__perJobReports.filter((r) => r.mode)));
  assert.deepEqual(reports.map((r) => [r.mode, r.perJob, r.checked]), [['processes', false, 20], ['processes', true, 20]]);
  assert.equal(reports[1].workers, 20);
});

test('bad per-job runs are refused with a reason, and nothing starts', async () => {
  const before = await page.evaluate(() => window.spinlab.stats().threadsStarted);
  assert.match(await poolRefusal({ mode: 'rayon', perJob: true }), /mode must be "processes" or "threads", not "rayon"/);
  assert.match(await poolRefusal({ mode: 'threads-gil', perJob: true }), /mode must be "processes" or "threads"/);
  assert.match(await poolRefusal({ mode: 'processes', perJob: true, workers: 2 }), /workers does not go with perJob/);
  assert.match(await poolRefusal({ mode: 'processes', perJob: true, race: true }), /race and perJob are two designs/);
  assert.match(await poolRefusal({ mode: 'threads', perJob: true, workload: 'io' }), /perJob runs the book's workload/);
  assert.match(await poolRefusal({ mode: 'processes', perJob: 'yes' }), /perJob must be true or false/);
  const many = Array.from({ length: 33 }, (_, i) => String(1000 + i));
  assert.match(await poolRefusal({ mode: 'processes', perJob: true, numbers: many }), /at most 32 numbers, not 33/);
  const after = await page.evaluate(() => window.spinlab.stats());
  assert.equal(after.threadsStarted, before, 'no thread was started');
  assert.equal(after.liveProcesses, 0);
});

const MB64 = 64 * 1024 * 1024;

/** Sends `bytes` `via`, checks the report's shape, logs its line. */
async function crossed(via, bytes) {
  const r = await crossing({ via, bytes });
  assert.equal(r.experiment, 'crossing');
  assert.deepEqual([r.via, r.bytes], [via, bytes]);
  assert.equal(r.roundTripsMs.length, 5);
  assert.ok(r.roundTripsMs.every((ms) => ms >= 0 && Number.isFinite(ms)), JSON.stringify(r));
  const sorted = [...r.roundTripsMs].sort((a, b) => a - b);
  assert.equal(r.roundTripMs, sorted[2], 'the median of the five');
  assert.equal(r.transcript.length, 1);
  assert.match(r.transcript[0], new RegExp(`^${via}: ${bytes.toLocaleString('en-US')} bytes there and back in \\d+\\.\\d{6}s \\(median of 5\\)$`));
  assert.match(r.notes.join('\n'), via === 'copy' ? /pickles/ : via === 'share' ? /threads share every object/ : /shared_memory/);
  console.log(`# ${r.transcript[0]}`);
  return r;
}

test('64 MB crosses to a thread (shared) faster than to a process (copied); a transfer empties the sender', async () => {
  const copy = await crossed('copy', MB64);
  const transfer = await crossed('transfer', MB64);
  const share = await crossed('share', MB64);
  assert.ok(share.roundTripMs < copy.roundTripMs, `share ${share.roundTripMs} ms, copy ${copy.roundTripMs} ms`);
  assert.equal(copy.senderLeftBytes, MB64, 'a copy leaves the sender its bytes');
  assert.equal(transfer.senderLeftBytes, 0, 'a transfer leaves the sender an empty buffer');
  const claim = await page.textContent('[data-experiment=big-picture] [data-role=crossing-claim]');
  assert.match(claim, /^64 MB there and back here: copied to a process in .+; moved to a process in .+; shared with a thread in .+\. (Copying cost [\d,]+ × sharing|Sharing was quicker than this browser's clock can time, so no ratio can be given)\.( A result comes back from a process only through a channel: 1 KB there and back through one took .+\.)?$/);
  const stats = await page.evaluate(() => window.spinlab.stats());
  assert.equal(stats.liveProcesses, 0, 'every process ended');
});

test('a crossing button runs the same code: the table, the plot and the listing', async () => {
  const section = '[data-experiment=big-picture]';
  await page.selectOption(`${section} select[data-role=bytes]`, '1024');
  await page.click(`${section} button[data-via=transfer]`);
  await page.waitForFunction((s) => /transfer: 1,024 bytes there and back/.test(document.querySelector(`${s} [data-role=transcript]`).textContent), section);
  assert.match(await page.textContent(`${section} [data-role=crossing-table] tr[data-bytes="1024"] td[data-via=transfer]`), /^([\d.]+ (µs|ms)|0 µs \(below the clock's grain\))$/);
  assert.equal(await page.evaluate((s) => document.querySelectorAll(`${s} svg[data-role=crossing-chart] circle[data-via=transfer][data-bytes="1024"]`).length, section), 1);
  assert.match(await page.textContent(`${section} pre[data-lang=python]`), /shared_memory\.SharedMemory\(name=payload\)/);
  assert.match(await page.textContent(`${section} pre[data-lang=rust]`), /post_with_transfer/);
  assert.equal(await page.getAttribute(`${section} a[download]`, 'download'), 'crossing.py');
});

test('bad crossings are refused with a reason, and nothing starts', async () => {
  const before = await page.evaluate(() => window.spinlab.stats().threadsStarted);
  assert.match(await crossingRefusal({ via: 'copy', bytes: 0 }), /bytes must be a whole number from 1 to 67108864, not 0/);
  assert.match(await crossingRefusal({ via: 'share', bytes: MB64 + 1 }), /bytes must be a whole number from 1 to 67108864, not 67108865/);
  assert.match(await crossingRefusal({ via: 'copy', bytes: 1.5 }), /bytes must be a whole number/);
  assert.match(await crossingRefusal({ via: 'copy', bytes: '1024' }), /bytes must be a whole number from 1 to 67108864, not "1024"/);
  assert.match(await crossingRefusal({ via: 'pickle', bytes: 1024 }), /via must be "copy", "transfer" or "share", not "pickle"/);
  assert.match(await crossingRefusal({ bytes: 1024 }), /via is missing/);
  assert.match(await crossingRefusal({ via: 'copy' }), /bytes is missing/);
  assert.match(await crossingRefusal({ via: 'copy', byte: 1024 }), /unknown option "byte"/);
  assert.match(await crossingRefusal(undefined), /runCrossing needs options/);
  const after = await page.evaluate(() => window.spinlab.stats());
  assert.equal(after.threadsStarted, before, 'no thread was started');
  assert.equal(after.liveProcesses, 0);
});

test('no errors in the console', () => {
  assert.deepEqual(errors(), []);
});
