// Served without COOP/COEP (like `python3 -m http.server`), the page must load,
// say exactly what is missing and why, and keep what works without threads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadReady, openBrowser, stopMidRun } from './browser.mjs';
import { FIXTURE, HEAVY } from './fixtures.mjs';

const URL = process.env.SPINLAB_URL_NOT_ISOLATED;
let browser;
// A browser without Atomics.waitAsync (Firefox before 145): on a page that is
// not isolated nothing of spinlab's async runtime can run there (the first
// two tests check that the page says so, offers the shim and refuses every
// run with the reason); the others are skipped there, naming the feature.
const lacksWaitAsync = () => browser.page.evaluate(() => typeof Atomics.waitAsync !== 'function');
async function skipWithoutWaitAsync(t) {
  if (!(await lacksWaitAsync())) return false;
  t.skip('this browser has no Atomics.waitAsync: without isolation nothing runs, and the page says why');
  return true;
}

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
  const noWait = await lacksWaitAsync();
  assert.match(refused, noWait ? /this browser has no Atomics\.waitAsync/ : /no thread pool/);
  if (noWait) {
    for (const run of ['runSpinner', 'runPool', 'runLock']) {
      const message = await page.evaluate((run) => window.spinlab[run]({}).then(() => 'resolved', (e) => e.message), run);
      assert.match(message, /cannot run on this page in this browser/, run);
    }
  }
});

test('the main-thread check still works', async (t) => {
  if (await skipWithoutWaitAsync(t)) return;
  const report = await browser.page.evaluate(() => window.spinlab.runSmoke({ where: 'main' }));
  assert.equal(report.prime, true);
  assert.equal(report.n, '5000111000222021');
});

test('without isolation the coroutine and process spinners run; thread models say why they cannot', async (t) => {
  if (await skipWithoutWaitAsync(t)) return;
  const page = browser.page;
  const spin = (o) => page.evaluate((o) => window.spinlab.runSpinner(o).then((r) => r, (e) => e.message), o);
  for (const model of ['coroutine', 'coroutine-nap', 'process']) {
    const r = await spin({ model, slow: 'prime', n: '5000111000222021' });
    assert.equal(r.model, model, String(r));
    assert.equal(r.prime, true, model);
  }
  const sleeping = await spin({ model: 'coroutine', slow: 'sleep' });
  assert.equal(sleeping.answer, 42);
  assert.match(sleeping.transcript.join('\n'), /^spinner object: <Task pending name='Task-\d+'/m);
  assert.match(await spin({ model: 'thread', slow: 'sleep' }),
    /^The thread model needs wasm threads, which this browser does not give this page/);
  assert.equal(await page.isDisabled('[data-experiment=spinner] button[data-model=thread]'), true);
  // The offload: a thread is refused, a process (its own instance) runs.
  assert.match(await spin({ model: 'coroutine-offload', offload: 'thread', slow: 'sleep' }),
    /^A thread offload needs wasm threads, which this browser does not give this page.*offload: "process" works here/);
  assert.equal(await page.isDisabled('[data-experiment=spinner] button[data-model=coroutine-offload]'), false);
  assert.equal(await page.inputValue('[data-experiment=spinner] select[data-role=offload]'), 'process');
  const offloaded = await spin({ model: 'coroutine-offload', offload: 'process', slow: 'prime', n: '5000111000222021' });
  assert.equal(offloaded.prime, true, String(offloaded));
  assert.equal(offloaded.offload, 'process');
  for (const mode of ['threads', 'threads-gil', 'rayon']) {
    const refused = await runPool({ mode, workers: 2 }).then(() => 'resolved', (e) => e.message);
    assert.match(refused, /needs wasm threads.*sequential and processes run without them/, mode);
    assert.equal(await page.isDisabled(`button[data-mode=${mode}]`), true, mode);
  }
  // The page is alive and idle after the refusals.
  assert.equal((await page.evaluate(() => window.spinlab.stats())).liveProcesses, 0);
});

const runPool = (options) => browser.page.evaluate((o) => window.spinlab.runPool(o), options);
const liveProcesses = () => browser.page.evaluate(() => window.spinlab.stats().liveProcesses);

test('sequential and processes check the fixture with a queue fed by messages', async (t) => {
  if (await skipWithoutWaitAsync(t)) return;
  const page = browser.page;
  for (const [mode, workers] of [['sequential', 1], ['processes', 1], ['processes', 2]]) {
    assert.equal(await page.isDisabled(`button[data-mode=${mode}]`), false, `${mode} is offered`);
    const r = await runPool({ mode, workers });
    console.log(`# ${mode} × ${workers} without isolation: ${(r.totalMs / 1000).toFixed(2)} s`);
    assert.equal(r.checked, 20, mode);
    assert.equal(r.workers, workers, mode);
    const got = new Map(r.results.map((x) => [x.n, x.prime]));
    assert.equal(got.size, 20, `${mode}: no number twice`);
    for (const [n, prime] of FIXTURE) assert.equal(got.get(n), prime, `${mode}: ${n}`);
    const used = new Set(r.results.map((x) => x.worker));
    assert.deepEqual([...used].sort(), Array.from({ length: workers }, (_, i) => i + 1), `${mode}: every worker took jobs`);
    const transcript = r.transcript.join('\n');
    assert.match(r.notes.join('\n'), /^note: this page is not cross-origin isolated, so no memory is shared: the job queue stays on the page/m);
    assert.match(transcript, mode === 'sequential' ? /^Total time: \d+\.\d\ds$/m : /^20 checks in \d+\.\d\ds$/m);
    assert.equal(await liveProcesses(), 0, `${mode}: its processes are gone`);
  }
  // Above 2^53 the numbers travel as strings: 2^53 + 5 is prime, but as a
  // JS Number it would be 2^53 + 4, even.
  const big = await runPool({ mode: 'processes', workers: 2, numbers: ['9007199254740997', '18446744073709551615'] });
  assert.deepEqual(big.results.map((x) => [x.n, x.prime]).sort(), [['18446744073709551615', false], ['9007199254740997', true]]);
});

test('without shared memory every stop still ends the run cleanly', async (t) => {
  if (await skipWithoutWaitAsync(t)) return;
  const page = browser.page;
  const numbers = HEAVY.slice(0, 4);
  for (const [mode, workers] of [['processes', 2], ['sequential', 1]]) {
    const stop = (policy) => stopMidRun(page, { mode, workers, policy, numbers });
    const pill = await stop('poison-pill');
    assert.deepEqual([pill.atStop.up, pill.atStop.taken], [workers, workers], `${mode}: a number in each hand`);
    assert.equal(pill.report.stopped, 'poison-pill');
    assert.equal(pill.report.checked, workers, `${mode}: each process finished the number in hand`);
    assert.equal(pill.report.notStarted.length, numbers.length - workers);

    // No flag can be shared: the cancel flag stops like the pill, and says so.
    const flag = await stop('cancel-flag');
    assert.equal(flag.report.stopped, 'cancel-flag');
    assert.match(flag.stop.note, /no cancel flag without shared memory/);
    assert.equal(flag.report.checked, workers, mode);
    assert.deepEqual(flag.report.cancelled, []);
    assert.equal(flag.report.notStarted.length, numbers.length - workers);

    const killed = await stop('terminate');
    assert.equal(killed.report.stopped, 'terminate');
    assert.equal(killed.report.lost.length, workers, `${mode}: the numbers in flight are lost`);
    assert.ok(killed.report.lost.every((n) => numbers.includes(n)), killed.report.lost.join());
    assert.equal(killed.report.checked, 0);
    assert.equal(await liveProcesses(), 0);
  }
  // And the next run works.
  assert.equal((await runPool({ mode: 'processes', workers: 2 })).checked, 20);
});

test('the race without shared memory: the early procs.py loses results here too', async (t) => {
  if (await skipWithoutWaitAsync(t)) return;
  let lost = [];
  for (let attempt = 0; attempt < 3 && lost.length === 0; attempt++) {
    const r = await runPool({ mode: 'processes', workers: 2, race: true, raceDelayMs: 100 });
    assert.equal(r.race, true);
    assert.equal(new Set([...r.results.map((x) => x.n), ...r.lostToRace]).size, 20, 'every number checked once');
    lost = r.lostToRace;
  }
  assert.ok(lost.length > 0, 'the racy report loop lost at least one result');
  assert.equal(await liveProcesses(), 0);
});

test('a sweep of processes runs without isolation; a sweep of threads says why not', async (t) => {
  if (await skipWithoutWaitAsync(t)) return;
  const page = browser.page;
  const sweep = (o) => page.evaluate((o) => window.spinlab.runSweep(o).then((r) => r, (e) => e.message), o);
  assert.match(await sweep({ mode: 'threads', to: 2 }), /a sweep of threads needs wasm threads/);
  const r = await sweep({ mode: 'processes', to: 2 });
  assert.equal(typeof r, 'object', String(r));
  assert.equal(r.points.length, 2);
  assert.equal(await liveProcesses(), 0);
});

test('no errors in the console', async () => {
  assert.deepEqual(browser.errors, []);
});
