// Every pool run leaves a trace in the Trace Event Format (what Perfetto and
// chrome://tracing open): checked against the format and against the run's
// own report. Counts and identities, not times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage } from './browser.mjs';

const { page, errors } = usePage();
const lastTrace = () => page.evaluate(() => window.spinlab.lastTrace());
const runPool = (o) => page.evaluate((o) => window.spinlab.runPool(o), o);

/** The format's rules: every event named, placed and timed; slices last ≥ 0. */
function checkFormat(trace) {
  assert.equal(trace.displayTimeUnit, 'ms');
  assert.ok(trace.traceEvents.length > 0);
  for (const e of trace.traceEvents) {
    for (const key of ['name', 'ph', 'ts', 'pid', 'tid']) assert.ok(key in e, `${key} missing: ${JSON.stringify(e)}`);
    assert.ok(['X', 'i', 'M'].includes(e.ph), JSON.stringify(e));
    if (e.ph === 'X') assert.ok(e.dur >= 0, JSON.stringify(e));
  }
}

/** A row's checks (slices named by a number), in time order, never overlapping. */
function checksByRow(trace) {
  const rows = new Map();
  for (const e of trace.traceEvents) {
    if (e.ph !== 'X' || !/^\d+$/.test(e.name)) continue;
    const key = `${e.pid}/${e.tid}`;
    rows.set(key, [...(rows.get(key) ?? []), e]);
  }
  for (const [key, slices] of rows) {
    slices.sort((a, b) => a.ts - b.ts);
    for (let i = 1; i < slices.length; i++) {
      assert.ok(slices[i - 1].ts + slices[i - 1].dur <= slices[i].ts + 1e-6, `overlap on ${key}`);
    }
  }
  return rows;
}

test('before any run there is no trace, and no link to one', async () => {
  assert.equal(await lastTrace(), null);
  assert.equal(await page.$eval('[data-experiment=pool] button[data-role=download-trace]', (b) => b.hidden), true);
});

for (const mode of ['threads', 'processes']) {
  test(`a ${mode} run's trace: a row per worker, a slice per result`, async () => {
    const r = await runPool({ mode, workers: 2 });
    const trace = await lastTrace();
    checkFormat(trace);
    const rows = checksByRow(trace);
    assert.equal(rows.size, new Set(r.results.map((x) => x.worker)).size, 'a row per worker that checked');
    const slices = [...rows.values()].flat();
    assert.equal(slices.length, r.results.length);
    for (const result of r.results) {
      const slice = slices.find((s) => s.name === result.n);
      assert.ok(slice, `no slice for ${result.n}`);
      assert.equal(slice.args.n, result.n);
      assert.equal(slice.args.prime, result.prime);
      assert.ok(Math.abs(slice.ts - result.startMs * 1000) < 1, `${result.n}: starts at ${slice.ts} µs, the report says ${result.startMs} ms`);
      assert.ok(Math.abs(slice.ts + slice.dur - result.endMs * 1000) < 1, `${result.n}: ends where the report says`);
    }
    const pids = new Set(slices.map((s) => s.pid));
    assert.equal(pids.size, mode === 'processes' ? rows.size : 1, 'processes each a process, threads the page');
    const run = trace.traceEvents.find((e) => e.name === `runPool: ${mode}`);
    assert.ok(run && Math.abs(run.dur - r.totalMs * 1000) < 1, 'the main thread holds the whole run');
    // Offered as a file under the run's picture.
    assert.equal(await page.$eval('[data-experiment=pool] button[data-role=download-trace]', (b) => b.hidden), false);
    assert.deepEqual(errors(), []);
  });
}

