// A panic in a worker is caught and explained, never a silent hang. Its own
// file: after a pool thread panics, this page's pool stays out of use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage } from './browser.mjs';

const { page } = usePage();

/**
 * `spinlab.debugPanic(where)` (test-only): its rejection's message; a hang
 * fails after 60 s. (Idle, each settles in under 3 s in every engine; in one
 * CI run WebKit took 22 s for the process's and over 20 s for the pool's.)
 */
const panicIn = (where) => page.evaluate(
  (where) => window.spinlab.debugPanic(where).then(() => 'resolved', (e) => e.message),
  where,
  { timeout: 60_000 },
);

test('a panic in a process is reported with its message, and the page goes on', async () => {
  const message = await panicIn('process');
  assert.match(message, /the process failed: it panicked: .*debugPanic: a forced panic in a process/);
  const r = await page.evaluate(() => window.spinlab.runPool({ mode: 'threads', workers: 2 }));
  assert.equal(r.checked, 20, 'the pool is untouched');
  assert.equal((await page.evaluate(() => window.spinlab.stats())).liveProcesses, 0);
});

test('a panic on a pool thread ends the run with its message and takes the pool out of use', async () => {
  const message = await panicIn('pool');
  assert.match(message, /A worker thread panicked: debugPanic: a forced panic on a pool thread/);
  assert.match(message, /out of use until the page reloads/);
  assert.match(await page.textContent('[data-experiment=smoke] [data-role=message]'), /A worker thread panicked/);
  assert.match(await page.textContent('#capabilities [data-role=status]'), /A worker thread panicked/);

  // Everything that needs the shared-memory threads is refused, with the reason…
  for (const [method, options] of [
    ['runPool', { mode: 'threads', workers: 1 }],
    ['runPool', { mode: 'rayon' }],
    ['runSmoke', { where: 'pool' }],
    ['runSpinner', { model: 'thread', slow: 'sleep' }],
  ]) {
    const refused = await page.evaluate(
      ([method, options]) => window.spinlab[method](options).then(() => 'resolved', (e) => e.message),
      [method, options],
    );
    assert.match(refused, /A worker thread panicked/, `${method} ${JSON.stringify(options)}`);
  }
  // …its buttons are disabled…
  for (const button of ['button[data-mode=threads]', 'button[data-mode=rayon]', 'button[data-where=pool]', '[data-role=run-bench]']) {
    assert.equal(await page.isDisabled(button), true, button);
  }
  // …and what does not need it still runs.
  const processes = await page.evaluate(() => window.spinlab.runPool({ mode: 'processes', workers: 2 }));
  assert.equal(processes.checked, 20);
  // Sequential ran on a pool thread: now it runs in a process, and says so.
  const sequential = await page.evaluate(() => window.spinlab.runPool({ mode: 'sequential' }));
  assert.equal(sequential.checked, 20);
  assert.match(sequential.notes.join('\n'), /^note: the thread pool is out of use, so the sequential check runs in a process/m);
  assert.equal(await page.isDisabled('button[data-mode=sequential]'), false);
  const coroutine = await page.evaluate(() => window.spinlab.runSpinner({ model: 'coroutine', slow: 'sleep' }));
  assert.equal(coroutine.answer, 42);
  assert.equal(await page.isDisabled('button[data-mode=processes]'), false);
});

test('debugPanic refuses what it does not know', async () => {
  assert.match(await panicIn('nowhere'), /debugPanic takes "pool", "process" or "next-worker", not "nowhere"/);
});
