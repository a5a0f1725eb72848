// A worker that dies in the middle of a run (`debugPanic("next-worker")`,
// test-only: the next worker started dies right after its first result, or
// 150 ms into its spin): the run ends with what happened, never hangs, and
// nothing is left running. Its own file: a thread's death takes this page's
// pool out of use, so that test comes last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { idle, usePage } from './browser.mjs';
import { FIXTURE } from './fixtures.mjs';

const { page, errors } = usePage();

/** Arms the next worker to die, then runs `method(options)`; 'resolved:…' or the rejection. */
const dying = (method, options) => page.evaluate(async ([method, options]) => {
  if (await window.spinlab.debugPanic('next-worker') !== 'armed') throw new Error('not armed');
  return window.spinlab[method](options).then((r) => ({ report: r }), (e) => ({ error: e.message }));
}, [method, options]);

test('a process that dies mid-run is named in the report, and the other checks the rest', async () => {
  const { report, error } = await dying('runPool', { mode: 'processes', workers: 2 });
  assert.equal(error, undefined, 'the run ends with a report, not an error');
  const failed = report.notes.filter((l) => l.startsWith('worker '));
  assert.equal(failed.length, 1, failed.join('\n'));
  assert.match(failed[0], /^worker 1 failed: .*it panicked: debugPanic: worker 1 died mid-run/);
  // It died after reporting its first number: the other process took every
  // number left, so each number is checked exactly once, with the right answer.
  assert.equal(report.checked, 20);
  const got = new Map(report.results.map((x) => [x.n, x.prime]));
  for (const [n, prime] of FIXTURE) assert.equal(got.get(n), prime, n);
  assert.equal(report.results.filter((x) => x.worker === 1).length, 1, 'worker 1 reported one number');
  await idle(page);
});

test('a spinner process that dies mid-spin fails the run with its reason', async () => {
  const { error } = await dying('runSpinner', { model: 'process', slow: 'sleep' });
  assert.match(error, /it panicked: debugPanic: the spinner process died mid-run/);
  await idle(page);
  // The next spinner runs.
  const r = await page.evaluate(() => window.spinlab.runSpinner({ model: 'process', slow: 'sleep' }));
  assert.equal(r.answer, 42);
});

test('a thread that dies mid-run ends the run with its message; its sibling is not left running', async () => {
  const { error } = await dying('runPool', { mode: 'threads', workers: 2 });
  assert.match(error, /A worker thread panicked: debugPanic: worker [12] died mid-run/);
  assert.match(await page.textContent('[data-experiment=pool] [data-role=message]'), /A worker thread panicked/);
  // The other thread finishes the queue and meets its pill: back to idle.
  await idle(page);
  assert.equal(await page.isDisabled('button[data-mode=threads]'), true, 'threads are out of use now');
  assert.equal((await page.evaluate(() => window.spinlab.runPool({ mode: 'processes', workers: 2 }))).checked, 20);
});

test('only the deliberate panics reached the console', () => {
  const unexpected = errors().filter((e) => !/debugPanic/.test(e) && !/panicked/.test(e));
  assert.deepEqual(unexpected, []);
});
