// The big picture's figures, measured (not a test): the start-up cost of
// each unit, a pool against one worker per number, and the crossing table,
// each the median of 5 runs (a crossing run is itself the median of its 5
// round trips). Run against a served page:
//   SPINLAB_URL=http://127.0.0.1:8000/ [SPINLAB_BROWSER=firefox] node big-picture-figures.mjs
import { URL, loadReady, openBrowser } from './browser.mjs';

const RUNS = 5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => (x < 1 ? `${(x * 1000).toFixed(1)} µs` : `${x.toFixed(1)} ms`);

const browser = await openBrowser();
try {
  const { page } = browser;
  await loadReady(page, URL);
  const run = (method, options) => page.evaluate(([m, o]) => window.spinlab[m](o), [method, options], { timeout: 600_000 });
  const ua = await page.evaluate(() => navigator.userAgent);
  console.log(`# ${ua}; ${RUNS} runs each, medians`);

  console.log('\nStart-up cost per unit (runStartCost, the lab\'s counts):');
  for (const [units, count] of [['coroutines', 10000], ['threads', 50], ['processes', 20]]) {
    const per = [];
    for (let i = 0; i < RUNS; i++) per.push((await run('runStartCost', { units, count })).perUnitMs);
    console.log(`  ${units.padEnd(10)} × ${String(count).padStart(6)}: ${ms(median(per))} each (runs: ${per.map(ms).join(', ')})`);
  }

  console.log('\nThe book\'s 20 numbers: a pool that loops against one worker per number (runPool):');
  const cores = (await page.evaluate(() => window.spinlab.capabilities)).poolSize;
  for (const mode of ['processes', 'threads']) {
    const pool = [];
    const perJob = [];
    for (let i = 0; i < RUNS; i++) {
      pool.push((await run('runPool', { mode, workers: cores })).totalMs);
      perJob.push((await run('runPool', { mode, perJob: true })).totalMs);
    }
    const [p, j] = [median(pool), median(perJob)];
    console.log(`  ${mode.padEnd(9)}: pool of ${cores} ${ms(p)}, 20 per job ${ms(j)} (${(j / p).toFixed(2)}×)`);
  }

  console.log('\nCrossing: a payload there and back, median round trip (runCrossing):');
  const sizes = [[1024, '1 KB'], [1 << 20, '1 MB'], [16 << 20, '16 MB'], [64 << 20, '64 MB']];
  console.log(`  ${'payload'.padEnd(8)}${['copy', 'transfer', 'share'].map((v) => v.padStart(12)).join('')}`);
  for (const [bytes, label] of sizes) {
    const row = [];
    for (const via of ['copy', 'transfer', 'share']) row.push(ms((await run('runCrossing', { bytes, via })).roundTripMs));
    console.log(`  ${label.padEnd(8)}${row.map((c) => c.padStart(12)).join('')}`);
  }
} finally {
  await browser.close();
}
