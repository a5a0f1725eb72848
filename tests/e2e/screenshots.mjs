// The README's images, refreshed on demand by `./x screenshots` (never by
// the tests): the page after the runs each picture shows, into
// $SPINLAB_SCREENSHOTS (tests/e2e/screenshots).
import { mkdir } from 'node:fs/promises';
import { URL, loadReady, openBrowser } from './browser.mjs';

const OUT = process.env.SPINLAB_SCREENSHOTS;
if (!OUT) throw new Error('SPINLAB_SCREENSHOTS names the folder to write (./x screenshots sets it)');
await mkdir(OUT, { recursive: true });
const shot = (locator, name) => locator.screenshot({ path: `${OUT}/${name}.png` }).then(() => console.log(`wrote ${OUT}/${name}.png`));

const browser = await openBrowser();
try {
  const { page } = browser;
  await page.setViewportSize({ width: 1280, height: 900 });
  await loadReady(page, URL);
  // Long runs (the 20-worker sweep, the benchmarks) get ten minutes.
  const run = (method, options) => page.evaluate(([m, o]) => window.spinlab[m](o), [method, options], { timeout: 600_000 });

  await run('runSmoke', { where: 'main' });
  await shot(page.locator('[data-experiment=smoke]'), 'lab-smoke');

  // A coroutine that calls is_prime: the monitor's flat line.
  await run('runSpinner', { model: 'coroutine', slow: 'prime' });
  await shot(page.locator('[data-role=monitor]'), 'monitor-freeze');
  await run('runSpinner', { model: 'thread', slow: 'prime' });
  await shot(page.locator('[data-experiment=spinner]'), 'lab-spinner');

  // Processes × 2 on the calibrated fixture: a readable timeline.
  await run('runPool', { mode: 'processes', workers: 2, workload: 'calibrated' });
  await shot(page.locator('figure.timeline'), 'timeline-processes');
  await shot(page.locator('[data-experiment=pool]'), 'lab-pool');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page.locator('[data-experiment=pool]'), 'lab-pool-dark');
  await page.emulateMedia({ colorScheme: null });
  await run('runSweep', { mode: 'processes', to: 20 });
  await shot(page.locator('[data-role=sweep-plot]'), 'sweep-processes');

  await run('runBench', { quick: true });
  await shot(page.locator('[data-experiment=bench]'), 'lab-bench');
  await shot(page.locator('#jargon'), 'jargon');

  await page.setViewportSize({ width: 360, height: 780 });
  await loadReady(page, URL);
  await page.screenshot({ path: `${OUT}/phone-360.png` });
  console.log(`wrote ${OUT}/phone-360.png`);
} finally {
  await browser.close();
}
