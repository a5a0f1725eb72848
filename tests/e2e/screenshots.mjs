// The README's images, refreshed on demand by `./x screenshots` (never by
// the tests): the page after the runs each picture shows, into
// $SPINLAB_SCREENSHOTS (tests/e2e/screenshots).
import { mkdir } from 'node:fs/promises';
import { URL, loadReady, openBrowser, waitFor } from './browser.mjs';

const OUT = process.env.SPINLAB_SCREENSHOTS;
if (!OUT) throw new Error('SPINLAB_SCREENSHOTS names the folder to write (./x screenshots sets it)');
await mkdir(OUT, { recursive: true });
const shot = (locator, name) => locator.screenshot({ path: `${OUT}/${name}.png` }).then(() => console.log(`wrote ${OUT}/${name}.png`));

// The first screen, at a desk and on a phone (touch), after the
// introduction's one press: what a first visit shows without scrolling.
const FIRST_SCREENS = [
  ['first-screen-desk', { viewport: { width: 1280, height: 900 } }],
  ['first-screen-phone', { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 }],
  ['first-screen-tablet', { viewport: { width: 768, height: 1024 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 }],
];
for (const [name, device] of FIRST_SCREENS) {
  const first = await openBrowser({ device });
  try {
    await loadReady(first.page, URL);
    await first.page.evaluate(() => {
      window.__reports = [];
      document.addEventListener('spinlab:report', (e) => window.__reports.push(e.detail));
    });
    if (device.hasTouch) await first.page.tap('button[data-role=first-run]');
    else await first.page.click('button[data-role=first-run]');
    await waitFor(first.page, () => window.__reports.length >= 2, null, 'the introduction\'s two runs', 90_000);
    await first.page.evaluate(() => window.scrollTo(0, 0));
    await first.page.screenshot({ path: `${OUT}/${name}.png` });
    console.log(`wrote ${OUT}/${name}.png`);
  } finally {
    await first.close();
  }
}

// The spinner lab on a phone, its thread run tapped where a learner taps it:
// the page brings the spinner and its monitor into view for the run.
{
  const phone = await openBrowser({ device: { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 } });
  try {
    await loadReady(phone.page, URL);
    const press = '[data-experiment=spinner] button[data-model=thread]';
    await phone.page.evaluate((s) => document.querySelector(s).scrollIntoView({ block: 'center' }), press);
    await phone.page.evaluate(() => {
      window.__reports = [];
      document.addEventListener('spinlab:report', (e) => window.__reports.push(e.detail));
    });
    await phone.page.tap(press);
    await waitFor(phone.page, () => window.__reports.length >= 1, null, 'the thread run', 60_000);
    await phone.page.screenshot({ path: `${OUT}/lab-spinner-phone.png` });
    console.log(`wrote ${OUT}/lab-spinner-phone.png`);
  } finally {
    await phone.close();
  }
}

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
  await shot(page.locator('[data-experiment=spinner] [data-role=monitor]'), 'monitor-freeze');
  await run('runSpinner', { model: 'thread', slow: 'prime' });
  await shot(page.locator('[data-experiment=spinner]'), 'lab-spinner');

  // Processes × 2 on the calibrated fixture: a readable timeline.
  await run('runPool', { mode: 'processes', workers: 2, workload: 'calibrated' });
  await shot(page.locator('figure.runs'), 'timeline-processes');
  await shot(page.locator('[data-experiment=pool]'), 'lab-pool');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page.locator('[data-experiment=pool]'), 'lab-pool-dark');
  await page.emulateMedia({ colorScheme: null });
  await run('runSweep', { mode: 'processes', to: 20 });
  await shot(page.locator('[data-role=sweep-plot]'), 'sweep-processes');

  await run('runBench', { quick: true });
  await page.evaluate(() => { document.querySelector('[data-role=workbench]').open = true; });
  await shot(page.locator('[data-experiment=bench]'), 'lab-bench');
  await shot(page.locator('#jargon'), 'jargon');

  await page.setViewportSize({ width: 360, height: 780 });
  await loadReady(page, URL);
  await page.screenshot({ path: `${OUT}/phone-360.png` });
  console.log(`wrote ${OUT}/phone-360.png`);
} finally {
  await browser.close();
}
