// The first visit (issue 28, CONTRACT "The first visit"): on a fresh load,
// without scrolling, one press on the introduction's button shows both
// spinners; the thread's draws frames while the coroutine's draws none; the
// page does not move once it is ready. At a desk's size, and at a phone's
// with touch (Chromium emulates the phone; WebKitGTK is sized to it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSER, URL, loadReady, openBrowser, waitFor } from './browser.mjs';

const VIEWS = [
  { name: 'desk', viewport: { width: 1280, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 }, touch: true },
];

// What must stay put and in view: where each sits once the page is ready.
const PLACES = `(() => {
  // Whole pixels: a sub-pixel re-layout is no shift a reader sees.
  const at = (s) => { const r = document.querySelector(s).getBoundingClientRect(); return { s, top: Math.round(r.top), bottom: Math.round(r.bottom), left: Math.round(r.left), right: Math.round(r.right) }; };
  return { scrollY: window.scrollY, innerHeight: window.innerHeight, innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    places: ['button[data-role=first-run]', '[data-experiment=intro] [data-role=spinner][data-model=thread]',
      '[data-experiment=intro] [data-role=spinner][data-model=coroutine]', '[data-experiment=intro] [data-role=first-lesson]',
      'h1'].map(at) };
})()`;

for (const view of VIEWS) {
  test(`first visit, ${view.name} (${view.viewport.width} × ${view.viewport.height}${view.touch && BROWSER === 'chromium' ? ', touch' : ''}): one press, one spinner turns and the other freezes`, async () => {
    const device = BROWSER === 'chromium'
      ? { viewport: view.viewport, hasTouch: Boolean(view.touch), isMobile: Boolean(view.touch), deviceScaleFactor: view.touch ? 3 : 1 }
      : {};
    const browser = await openBrowser({ device });
    try {
      const { page } = browser;
      if (BROWSER !== 'chromium') await page.setViewportSize(view.viewport);
      await loadReady(page, URL);
      const { threads } = await page.evaluate(() => window.spinlab.capabilities);
      assert.ok(threads, 'the introduction needs wasm threads, which this suite has in every browser');
      const ready = await page.evaluate(PLACES);
      assert.equal(ready.scrollY, 0);
      assert.ok(ready.scrollWidth <= ready.innerWidth, `no sideways scroll: ${ready.scrollWidth} > ${ready.innerWidth}`);
      // The button and both spinners are in the first screen, and so is the
      // first line of the lesson that will say why (its box keeps room for more).
      for (const place of ready.places.slice(0, 4)) {
        const bottom = place.s.includes('first-lesson') ? place.top + 30 : place.bottom;
        assert.ok(place.top >= 0 && bottom <= ready.innerHeight, `${place.s} is in the first screen: ${JSON.stringify(place)}, window ${ready.innerHeight} high`);
      }
      // The hooks of the first visit (CONTRACT): the spinner lab's monitor
      // beside its spinner, fitting one screen together; the pool's timeline
      // with nothing kept yet; the workbench and the capabilities' detail folded.
      const hooks = await page.evaluate(() => {
        const view = document.querySelector('[data-experiment=spinner] [data-role=run-view]');
        return {
          monitor: Boolean(document.querySelector('[data-experiment=spinner] [data-role=monitor] canvas')),
          together: view.contains(document.querySelector('[data-experiment=spinner] [data-role=spinner]'))
            && view.contains(document.querySelector('[data-experiment=spinner] [data-role=monitor]'))
            && view.getBoundingClientRect().height < window.innerHeight / 2,
          runs: document.querySelectorAll('[data-experiment=pool] [data-role=timeline] [data-run]').length,
          clearable: !document.querySelector('[data-experiment=pool] button[data-role=clear-runs]').disabled,
          benchFolded: document.querySelector('[data-experiment=bench]').closest('details')?.open === false,
          capabilitiesFolded: document.querySelector('[data-role=capabilities-detail]').open === false,
        };
      });
      assert.deepEqual(hooks, { monitor: true, together: true, runs: 0, clearable: false, benchFolded: true, capabilitiesFolded: true });
      // Every report of the press, in order.
      await page.evaluate(() => {
        window.__firstReports = [];
        document.addEventListener('spinlab:report', (e) => window.__firstReports.push(e.detail));
      });
      const press = 'button[data-role=first-run]';
      if (view.touch && BROWSER === 'chromium') await page.tap(press);
      else await page.click(press);
      await waitFor(page, () => window.__firstReports.length >= 2, null, 'the two runs of the first press', 90_000);
      const [thread, coroutine] = await page.evaluate(() => window.__firstReports);
      console.log(`# ${BROWSER} ${view.name}: thread ${thread.spinnerFrames}/${thread.spinnerFramesExpected.toFixed(0)} frames (gap ${thread.mainThreadMaxGapMs.toFixed(0)} ms); coroutine ${coroutine.spinnerFrames}/${coroutine.spinnerFramesExpected.toFixed(0)} (gap ${coroutine.mainThreadMaxGapMs.toFixed(0)} ms)`);
      assert.deepEqual([thread.model, coroutine.model], ['thread', 'coroutine']);
      assert.deepEqual([thread.slow, coroutine.slow], ['prime', 'prime']);
      assert.equal(thread.prime, true);
      assert.equal(coroutine.n, thread.n, 'the same calibrated prime');
      assert.ok(thread.spinnerFrames > 0, `the thread's spinner drew frames: ${JSON.stringify(thread)}`);
      assert.equal(coroutine.spinnerFrames, 0, `the coroutine's spinner drew none: ${JSON.stringify(coroutine)}`);
      // The page says so where the learner looks.
      const shown = await page.evaluate(() => ({
        frozen: document.querySelector('[data-experiment=intro] [data-role=spinner][data-model=coroutine]').dataset.state,
        note: document.querySelector('[data-experiment=intro] [data-role=spinner][data-model=coroutine] .stage-note')?.textContent,
        thread: document.querySelector('[data-experiment=intro] [data-role=result][data-model=thread]').textContent,
        coroutine: document.querySelector('[data-experiment=intro] [data-role=result][data-model=coroutine]').textContent,
        lesson: document.querySelector('[data-experiment=intro] [data-role=first-lesson]').textContent,
        disabled: document.querySelector('button[data-role=first-run]').disabled,
      }));
      assert.equal(shown.frozen, 'frozen');
      assert.match(shown.note, /^no frame for \d+\.\d s$/);
      assert.match(shown.thread, new RegExp(`^${thread.spinnerFrames} frames in \\d+\\.\\d s`));
      assert.match(shown.coroutine, /^0 frames in \d+\.\d s: frozen with the page$/);
      assert.match(shown.lesson, /^Why: the coroutine's spinner needs the event loop/);
      assert.equal(shown.disabled, false, 'the button is back once both runs are over');
      // Nothing moved: the same places as when the page became ready (the
      // lesson, last, only grows downwards).
      const after = await page.evaluate(PLACES);
      const still = ({ places }) => places.map((p) => (p.s.includes('first-lesson') ? { ...p, bottom: null } : p));
      assert.deepEqual(still(after), still(ready), 'the page did not shift once ready');
      assert.deepEqual(browser.errors, []);
      // No console warning from the page or its workers, loading or running
      // (WebDriver classic shows WebKit's none: `warnings` stays empty there).
      assert.deepEqual(browser.warnings, [], 'no console warnings');
    } finally {
      await browser.close();
    }
  });
}
