// The pool lab, end to end, through the automation contract only.
// Speed is asserted only as ratios of runs within this one test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage } from './browser.mjs';
import { FIXTURE, HEAVY } from './fixtures.mjs';

const MODES = ['sequential', 'processes', 'threads', 'threads-gil', 'rayon'];
let cores;
const { page, errors } = usePage(undefined, async (page) => {
  cores = await page.evaluate(() => window.spinlab.capabilities.poolSize);
});

const runPool = (options) => page.evaluate((o) => window.spinlab.runPool(o), options);

test('every mode checks the fixture: 20 correct results, each exactly once', async () => {
  for (const mode of MODES) {
    const r = await runPool({ mode, workers: Math.min(2, cores) });
    console.log(`# ${mode}: ${(r.totalMs / 1000).toFixed(2)} s, start-up ${r.startupMs.toFixed(0)} ms, main thread's longest gap ${r.mainThreadMaxGapMs.toFixed(0)} ms`);
    assert.equal(r.mode, mode);
    assert.equal(r.checked, 20, mode);
    assert.equal(r.stopped, null);
    const got = new Map(r.results.map((x) => [x.n, x.prime]));
    assert.equal(got.size, 20, `${mode}: no number twice`);
    for (const [n, prime] of FIXTURE) assert.equal(got.get(n), prime, `${mode}: ${n}`);
    for (const x of r.results) assert.ok(x.startMs <= x.endMs && x.worker >= 1, JSON.stringify(x));
    const transcript = r.transcript.join('\n');
    assert.match(transcript, mode === 'sequential' ? /^Checking 20 numbers sequentially:$/m : /^Checking 20 numbers with \d /m);
    assert.match(transcript, mode === 'sequential' ? /^Total time: \d+\.\d\ds$/m : /^20 checks in \d+\.\d\ds$/m);
    assert.match(transcript, mode === 'sequential' ? /^ 142702110479723 P +\d\.\d{6}s$/m : /^ 142702110479723  P +\d\.\d{6}s$/m);
    // The table: a row per number, primes marked.
    const rows = await page.$$eval('[data-experiment=pool] tr[data-n]', (trs) => trs.map((tr) => [tr.dataset.n, tr.dataset.prime]));
    assert.equal(rows.length, 20);
    for (const [n, prime] of rows) assert.equal(prime === 'true', got.get(n), n);
  }
});

test('threads scale without a GIL and do not with one', async (t) => {
  if (cores < 2) {
    t.skip(`only ${cores} core here: nothing to scale onto`);
    return;
  }
  // The fixture four times over (~4 s sequential), so that worker start-up
  // is a small part of each total.
  const numbers = [0, 1, 2, 3].flatMap(() => FIXTURE.map(([n]) => n));
  // Best of two runs per mode, as a benchmark takes it: a fresh process
  // sometimes runs unoptimised code for a whole run (a V8 tiering effect,
  // see the README); both samples are printed.
  const total = {};
  const samples = {};
  for (const round of [0, 1]) {
    for (const mode of MODES) {
      const r = await runPool({ mode, workers: 2, numbers });
      assert.equal(r.checked, numbers.length);
      (samples[mode] ??= []).push(r.totalMs);
      total[mode] = Math.min(total[mode] ?? Infinity, r.totalMs);
    }
  }
  const ratio = (mode) => total[mode] / total.sequential;
  console.log(`# samples (ms): ` + MODES.map((m) => `${m} ${samples[m].map((x) => x.toFixed(0)).join('/')}`).join(', '));
  console.log(`# ratios to sequential (${(total.sequential / 1000).toFixed(2)} s): ` +
    MODES.slice(1).map((m) => `${m} ${ratio(m).toFixed(2)}`).join(', '));
  for (const mode of ['processes', 'threads', 'rayon']) {
    assert.ok(ratio(mode) < 0.8, `${mode} with 2 workers: ${ratio(mode).toFixed(2)} of sequential`);
  }
  assert.ok(ratio('threads-gil') >= 0.85, `threads-gil must not scale: ${ratio('threads-gil').toFixed(2)} of sequential`);
});

async function stopMidRun(mode, policy) {
  return page.evaluate(async ([mode, policy, numbers]) => {
    const run = window.spinlab.runPool({ mode, workers: mode === 'sequential' ? 1 : 2, numbers });
    const stopButtonsOn = await new Promise((resolve) => setTimeout(
      () => resolve(!document.querySelector('button[data-stop=poison-pill]').disabled), 500));
    const stop = await window.spinlab.cancelPool(policy);
    const report = await run;
    return { stopButtonsOn, stop, report };
  }, [mode, policy, HEAVY]);
}

test('poison pill: the numbers in hand finish, the rest never start', async () => {
  const { stopButtonsOn, stop, report } = await stopMidRun('threads', 'poison-pill');
  assert.equal(stopButtonsOn, true, 'stop buttons work during a run');
  assert.equal(stop.stopped, 'poison-pill');
  assert.equal(report.stopped, 'poison-pill');
  assert.equal(report.checked, 2, 'each of the 2 workers finished its number');
  assert.equal(report.notStarted.length, HEAVY.length - 2);
  assert.deepEqual(report.cancelled, []);
  assert.deepEqual(report.lost, []);
});

test('cancel flag: the numbers in hand stop and are reported as cancelled', async () => {
  for (const mode of ['threads', 'processes', 'rayon']) {
    const { report } = await stopMidRun(mode, 'cancel-flag');
    assert.equal(report.stopped, 'cancel-flag', mode);
    assert.equal(report.checked, 0, `${mode}: nothing finished`);
    assert.equal(report.cancelled.length, 2, `${mode}: the 2 numbers in hand were cancelled`);
    assert.ok(report.cancelled.every((n) => !report.results.some((r) => r.n === n)), 'cancelled is not a result');
  }
});

test('terminate: killed processes lose the numbers in flight, and the page says which', async () => {
  const { report } = await stopMidRun('processes', 'terminate');
  assert.equal(report.stopped, 'terminate');
  assert.equal(report.lost.length, 2);
  assert.ok(report.lost.every((n) => HEAVY.includes(n)));
  assert.match(report.transcript.join('\n'), /lost in flight \(\d+, \d+\)/);
  // Threads share memory: they are stopped with the flag instead, and told so.
  const threads = await stopMidRun('threads', 'terminate');
  assert.equal(threads.report.cancelled.length, 2);
  assert.match(threads.stop.note, /terminate applies to processes/);
});

test('after every stop the next run works, and stopping nothing is refused', async () => {
  // Nothing is left behind: the workers spinlab started are gone again, and
  // the shared memory did not grow, across runs and every kind of stop.
  const idle = async () => {
    // A thread frees itself one task after its last message.
    await page.waitForTimeout(300);
    return page.evaluate(() => window.spinlab.stats());
  };
  const cycle = async () => {
    for (const [mode, policy] of [['threads', 'poison-pill'], ['threads-gil', 'cancel-flag'], ['processes', 'terminate'], ['rayon', 'cancel-flag']]) {
      await stopMidRun(mode, policy);
      await runPool({ mode, workers: Math.min(2, cores) });
    }
  };
  // Wasm memory never shrinks: the first cycle sets its high-water mark
  // (thread stacks, queues); the second must leave it flat.
  const start = await idle();
  await cycle();
  const before = await idle();
  await cycle();
  const after = await idle();
  console.log(`# stats at start ${JSON.stringify(start)}, after one cycle ${JSON.stringify(before)}, after two ${JSON.stringify(after)}`);
  for (const s of [before, after]) {
    assert.equal(s.liveThreads, start.liveThreads, 'no thread left running');
    assert.equal(s.liveProcesses, start.liveProcesses, 'no process left running');
  }
  assert.equal(after.wasmMemoryBytes, before.wasmMemoryBytes, 'the shared memory stayed flat over a second cycle');
  const r = await runPool({ mode: 'processes', workers: 2 });
  assert.equal(r.checked, 20);
  const refused = await page.evaluate(() => window.spinlab.cancelPool('poison-pill').then(() => 'resolved', (e) => e.message));
  assert.match(refused, /No pool run is in progress/);
  assert.equal(await page.isDisabled('button[data-stop=cancel-flag]'), true);
});

test('bad requests are refused with a reason, and nothing starts', async () => {
  for (const [options, pattern] of [
    [{ mode: 'asyncio' }, /mode must be one of sequential, processes, threads, threads-gil, rayon/],
    [{ mode: 'threads', workers: 0 }, /workers must be a whole number from 1/],
    [{ mode: 'threads', workers: 1.5 }, /workers must be a whole number/],
    [{ mode: 'threads', numbers: [] }, /numbers is empty/],
    [{ mode: 'threads', numbers: '2,3' }, /numbers must be an array/],
    [{ mode: 'threads', numbers: ['2', 'abc'] }, /numbers\[1\]: "abc" is not a decimal integer/],
    [{ mode: 'threads', numbers: ['18446744073709551616'] }, /numbers\[0\]: .* is above 18446744073709551615/],
    [{ mode: 'threads', numbers: [7] }, /numbers\[0\] must be a decimal string/],
    [{ mode: 'threads', numbers: Array(10001).fill('7') }, /a run takes at most 10000/],
  ]) {
    const message = await page.evaluate((o) => window.spinlab.runPool(o).then(() => 'resolved', (e) => e.message), options);
    assert.match(message, pattern, JSON.stringify(options).slice(0, 80));
  }
  const bad = await page.evaluate(() => window.spinlab.cancelPool('pause').then(() => 'resolved', (e) => e.message));
  assert.match(bad, /policy must be "poison-pill", "cancel-flag" or "terminate"/);
  assert.equal(await page.isDisabled('button[data-mode=threads]'), false, 'nothing is left running');
});

test('typed numbers: errors name the line', async () => {
  await page.selectOption('[data-role=workload]', 'custom');
  await page.fill('[data-role=numbers]', '2\n3, 5\n12a\n');
  await page.click('button[data-mode=threads]');
  await page.waitForFunction(() => /line 3/.test(document.querySelector('[data-experiment=pool] [data-role=message]').textContent));
  const message = () => page.textContent('[data-experiment=pool] [data-role=message]');
  // A comma-grouped number in a list could be one number or several.
  await page.fill('[data-role=numbers]', '7\n1,000,003');
  await page.click('button[data-mode=threads]');
  await page.waitForFunction(() => /could be one number/.test(document.querySelector('[data-experiment=pool] [data-role=message]').textContent));
  assert.match(await message(), /line 2: "1,000,003" could be one number \(1000003\) or 3 numbers/);
  // 10,001 numbers, and a 1 MB paste of prose: refused, nothing starts.
  // (Set as a paste would; playwright's fill types large text slowly.)
  const paste = (text) => page.$eval('[data-role=numbers]', (el, text) => {
    el.value = text;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, text);
  await paste('7\n'.repeat(10_001));
  await page.click('button[data-mode=threads]');
  await page.waitForFunction(() => /10001 numbers: a run takes at most 10000/.test(document.querySelector('[data-experiment=pool] [data-role=message]').textContent));
  await paste('lorem ipsum '.repeat(90_000));
  await page.click('button[data-mode=threads]');
  await page.waitForFunction(() => /line 1: "lorem" is not a decimal integer/.test(document.querySelector('[data-experiment=pool] [data-role=message]').textContent));
  assert.equal(await page.isDisabled('button[data-mode=threads]'), false, 'nothing is running');
  // Spaces, semicolons and `_` separators are read.
  await page.fill('[data-role=numbers]', '2 3;5\n1_000_003');
  let report = page.evaluate(() => new Promise((resolve) =>
    document.addEventListener('spinlab:report', (e) => resolve(e.detail), { once: true })));
  await page.click('button[data-mode=threads]');
  assert.deepEqual((await report).results.map((x) => x.n).sort(), ['1000003', '2', '3', '5']);
  await page.fill('[data-role=numbers]', '2\n3, 5\n9');
  report = page.evaluate(() => new Promise((resolve) =>
    document.addEventListener('spinlab:report', (e) => resolve(e.detail), { once: true })));
  await page.click('button[data-mode=threads]');
  const r = await report;
  assert.deepEqual(r.results.map((x) => x.n).sort(), ['2', '3', '5', '9']);
  await page.selectOption('[data-role=workload]', 'book');
});

test('the race: the early procs.py loses results the sentinel version keeps', async () => {
  // The loss depends on timing: with the fixture's slow last numbers it is
  // near certain, but give it three tries before calling it absent.
  let lost = [];
  for (let attempt = 0; attempt < 3 && lost.length === 0; attempt++) {
    const r = await runPool({ mode: 'threads', workers: 2, race: true });
    assert.equal(r.race, true);
    assert.equal(r.checked + r.lostToRace.length, 20, 'every number was still checked, some after the loop ended');
    lost = r.lostToRace;
    if (lost.length) assert.match(r.transcript.join('\n'), /race: \d+ results? arrived after the report loop had stopped/);
  }
  assert.ok(lost.length > 0, 'the racy report loop lost at least one result');
  const fixed = await runPool({ mode: 'threads', workers: 2 });
  assert.equal(fixed.checked, 20);
  assert.deepEqual(fixed.lostToRace, []);
  const message = await page.evaluate(() => window.spinlab.runPool({ mode: 'rayon', race: true }).then(() => 'resolved', (e) => e.message));
  assert.match(message, /the race needs a job queue/);
});

test('the calibrated fixture has the book\'s shape, scaled to this machine', async () => {
  const r = await runPool({ mode: 'threads', workers: Math.min(2, cores), workload: 'calibrated' });
  assert.equal(r.checked, 20);
  assert.equal(r.results.filter((x) => x.prime).length, 10, '10 primes, as the issue asks');
  assert.ok(r.results.every((x) => BigInt(x.n) > 0n));
  const conflict = await page.evaluate(() => window.spinlab.runPool({ mode: 'threads', workload: 'calibrated', numbers: ['7'] })
    .then(() => 'resolved', (e) => e.message));
  assert.match(conflict, /numbers or a workload, not both/);
});

test('rayon splits one big number across the pool, with the same answers', async () => {
  const r = await page.evaluate(() => window.spinlab.runSplit({ n: '5000111000222021' }));
  assert.equal(r.experiment, 'split');
  assert.equal(r.prime, true);
  assert.deepEqual(r.runs.map((x) => x.parts), [1, cores], 'one part, then one per pool thread');
  assert.match(r.transcript.join('\n'), /parts: \d+\.\d\dx the speed of one/);
  for (const [n, prime] of [['1000006000009', false], ['4294967291', true], ['9', false], ['7', true], ['2', true], ['1', false]]) {
    const s = await page.evaluate((n) => window.spinlab.runSplit({ n, parts: 3 }), n);
    assert.equal(s.prime, prime, n);
  }
  const bad = await page.evaluate(() => window.spinlab.runSplit({ parts: 0 }).then(() => 'resolved', (e) => e.message));
  assert.match(bad, /parts must be a whole number from 1 to 64/);
});

test('a sweep runs a mode for N = 1..to and marks the best N', async () => {
  // The progress line names the sweep's run while it lasts.
  const seen = page.evaluate(() => new Promise((resolve) => {
    const text = document.querySelector('[data-role=pool-progress-text]');
    const observer = new MutationObserver(() => {
      if (/^Sweep: run 3 of 3; /.test(text.textContent)) {
        observer.disconnect();
        resolve(text.textContent);
      }
    });
    observer.observe(text, { childList: true, characterData: true, subtree: true });
  }));
  const r = await page.evaluate(() => window.spinlab.runSweep({ mode: 'threads', to: 2 }));
  assert.match(await seen, /^Sweep: run 3 of 3; \d+ of 20 numbers checked, \d+ left$/);
  // The chart's text alternative: a row per run.
  const rows = await page.$$eval('[data-role=sweep-table] tbody tr', (trs) => trs.map((tr) => tr.cells[0].textContent));
  assert.deepEqual(rows, ['sequential', '1', '2']);
  assert.equal(r.mode, 'threads');
  assert.ok(r.sequentialMs > 0);
  assert.deepEqual(r.points.map((p) => p.workers), [1, 2]);
  const best = r.points.reduce((a, b) => (b.totalMs < a.totalMs ? b : a));
  assert.deepEqual(r.best, best);
  assert.equal(await page.isHidden('[data-role=sweep-plot]'), false, 'the plot is shown');
  if (process.env.SPINLAB_ARTIFACTS) {
    await page.locator('[data-role=sweep-plot]').screenshot({ path: `${process.env.SPINLAB_ARTIFACTS}/sweep-threads.png` });
  }
  for (const [options, pattern] of [
    [{ mode: 'rayon' }, /mode must be "processes", "threads" or "threads-gil"/],
    [{ mode: 'threads', to: 21 }, /to must be a whole number from 1 to 20/],
  ]) {
    const message = await page.evaluate((o) => window.spinlab.runSweep(o).then(() => 'resolved', (e) => e.message), options);
    assert.match(message, pattern);
  }
});

test('no errors in the console', () => {
  assert.deepEqual(errors(), []);
});
