// The browser half of `./x bench` (not a test: the xtask runs it).
//
// Measures the page's start-up (navigation → data-ready) in fresh browser
// profiles (cold) and on reloads (warm), then runs `spinlab.runBench` and
// writes the page's measurements, with the start-up samples added, as JSON
// to $SPINLAB_BENCH_OUT. Progress goes to stderr.
//
//   SPINLAB_URL=… SPINLAB_BENCH_OUT=page.json [SPINLAB_BENCH_QUICK=1] node bench.mjs
import { writeFile } from 'node:fs/promises';
import { openBrowser, loadReady, URL } from './browser.mjs';

const quick = process.env.SPINLAB_BENCH_QUICK === '1';
const out = process.env.SPINLAB_BENCH_OUT;
if (!out) throw new Error('set SPINLAB_BENCH_OUT to the file to write');
const runs = quick ? 3 : 5;

/**
 * ms from navigation start to `data-ready`, as the page recorded it, and
 * that time cut into stages (`readyStagesMs`: document, glue + module, pool,
 * the rest).
 */
async function readyMs(page) {
  const { ms, stages } = await page.evaluate(() => {
    const stats = window.spinlab?.stats();
    return { ms: stats?.readyMs, stages: stats?.readyStagesMs };
  });
  if (!(ms > 0)) throw new Error(`the page did not record when it became ready: ${ms}`);
  if (!(stages?.length === 4 && stages.every((s) => s >= 0))) throw new Error(`the page's start-up stages: ${stages}`);
  return { ms, stages };
}

const log = (line) => process.stderr.write(`${line}\n`);

// Cold: a fresh profile each time (no HTTP cache, no compiled-code cache,
// no stored calibration). One unkept warm-up launch first, like every figure.
const cold = [];
const coldStages = [];
for (let i = 0; i <= runs; i++) {
  const { page, close } = await openBrowser();
  try {
    await loadReady(page, URL);
    const { ms, stages } = await readyMs(page);
    if (i > 0) {
      cold.push(ms);
      coldStages.push(stages);
    }
    log(`start-up, cold ${i === 0 ? 'warm-up' : `run ${i} of ${runs}`}: ${ms.toFixed(0)} ms`);
  } finally {
    await close();
  }
}

const { page, errors, close } = await openBrowser();
try {
  await loadReady(page, URL);
  const warm = [];
  const warmStages = [];
  for (let i = 0; i <= runs; i++) {
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, {
      timeout: 60_000,
    });
    const { ms, stages } = await readyMs(page);
    if (i > 0) {
      warm.push(ms);
      warmStages.push(stages);
    }
    log(`start-up, warm ${i === 0 ? 'warm-up' : `run ${i} of ${runs}`}: ${ms.toFixed(0)} ms`);
  }
  const error = await page.evaluate(() => document.body.dataset.error);
  if (error) throw new Error(`the page has no threads: ${error}`);

  // The page's own progress line, every few seconds.
  let last = '';
  const timer = setInterval(async () => {
    const line = await page
      .locator('[data-experiment=bench] [data-role=message]')
      .textContent()
      .catch(() => '');
    if (line && line !== last) log(`page: ${(last = line)}`);
  }, 3000);
  const report = await page
    .evaluate((quick) => window.spinlab.runBench({ quick }), quick)
    .finally(() => clearInterval(timer));
  if (report.stopped) throw new Error('the benchmark was stopped');
  const measurements = {
    ...report.measurements,
    startupColdMs: cold,
    startupWarmMs: warm,
    startupColdStagesMs: coldStages,
    startupWarmStagesMs: warmStages,
  };
  const browser = await page.evaluate(() => navigator.userAgent);
  await writeFile(out, JSON.stringify({ browser, measurements }));
  if (errors.length) log(`page errors: ${errors.join('; ')}`);
} finally {
  await close();
}
