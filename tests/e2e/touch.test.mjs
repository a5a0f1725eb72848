// The phone and the tablet (issue 29): at 390 × 844 and 768 × 1024, with
// touch where the browser emulates it (Chromium: `hasTouch`, `isMobile`,
// so the page's `pointer: coarse` rules apply) and at those sizes in
// WebKitGTK and Firefox: nothing scrolls sideways, every folded option open included;
// with touch, every control a finger hits is at least 44 × 44 px; the
// spinner and its monitor strip stay in view while their run goes; a pool
// run's kept rows and the code panels fit the width (a listing scrolls
// inside itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSER, URL, loadReady, nextReport, openBrowser, waitFor } from './browser.mjs';

const VIEWS = [
  { name: 'phone', viewport: { width: 390, height: 844 } },
  { name: 'tablet', viewport: { width: 768, height: 1024 } },
];
const TOUCH = BROWSER === 'chromium';

// Every control smaller than 44 × 44 px: a checkbox or radio counts by its
// label (its target); a link inside a sentence is exempt (WCAG's inline
// exception); hidden and folded-away controls do not count.
const SMALL_TARGETS = `(() => {
  const small = [];
  for (const el of document.querySelectorAll('button, select, input, textarea, summary, a[href]')) {
    const target = (el.type === 'checkbox' || el.type === 'radio') ? el.closest('label') ?? el : el;
    const r = target.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.tagName === 'A' && el.closest('p, li, td, figcaption, dd:not(.here)')) continue;
    if (r.width < 44 || r.height < 44) {
      small.push(el.tagName.toLowerCase() + (el.dataset.role ? '[data-role=' + el.dataset.role + ']' : '')
        + ' ' + Math.round(r.width) + '×' + Math.round(r.height) + ': ' + (el.textContent || el.value || '').trim().slice(0, 30));
    }
  }
  return small;
})()`;

const WIDTHS = `(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }))()`;

/** Opens every folded part of the page: the widest the page can be. */
const OPEN_ALL = `(() => { for (const d of document.querySelectorAll('details')) d.open = true; })()`;

function noSidewaysScroll(widths, when) {
  assert.ok(widths.scrollWidth <= widths.innerWidth, `${when}: no sideways scroll (${widths.scrollWidth} > ${widths.innerWidth})`);
}

for (const view of VIEWS) {
  test(`${view.name} (${view.viewport.width} × ${view.viewport.height}${TOUCH ? ', touch' : ''}): fits the width, fingers reach every control, the spinner stays in view`, async () => {
    const device = TOUCH
      ? { viewport: view.viewport, hasTouch: true, isMobile: true, deviceScaleFactor: 2 }
      : {};
    const browser = await openBrowser({ device });
    try {
      const { page } = browser;
      if (!TOUCH) await page.setViewportSize(view.viewport);
      await loadReady(page, URL);
      // Emulated, the layout viewport is the device's width (WebKitGTK's
      // window keeps a minimum width of its own, ≈450 px).
      if (TOUCH) assert.equal(await page.evaluate('window.innerWidth'), view.viewport.width, 'the layout viewport is the device width');
      await page.evaluate(OPEN_ALL);
      noSidewaysScroll(await page.evaluate(WIDTHS), 'every option open');
      if (TOUCH) {
        assert.deepEqual(await page.evaluate(SMALL_TARGETS), [], 'every control is at least 44 × 44 px');
      }

      // The spinner lab's thread, pressed where a learner presses it: its
      // spinner and the monitor strip are in view while the run goes.
      const press = '[data-experiment=spinner] button[data-model=thread]';
      await page.evaluate((s) => document.querySelector(s).scrollIntoView({ block: 'center' }), press);
      const report = await nextReport(page, (r) => r.model === 'thread');
      if (TOUCH) await page.tap(press);
      else await page.click(press);
      // Begun: the buttons are off at the press; the run itself (its fresh
      // canvas on the stage) once the prime is calibrated.
      await waitFor(page, () => Boolean(document.querySelector('[data-experiment=spinner] [data-role=spinner] canvas')), null, 'the thread run to begin');
      const during = await page.evaluate(() => {
        const at = (s) => {
          const r = document.querySelector(s).getBoundingClientRect();
          return { s, top: Math.round(r.top), bottom: Math.round(r.bottom), left: Math.round(r.left), right: Math.round(r.right) };
        };
        return {
          height: window.innerHeight,
          width: window.innerWidth,
          places: [at('[data-experiment=spinner] [data-role=spinner]'), at('[data-experiment=spinner] [data-role=monitor]')],
        };
      });
      // (Whole pixels, one of slack: scrolled to the nearest edge, a box can
      // end a fraction past it, which rounds up.)
      for (const p of during.places) {
        assert.ok(p.top >= -1 && p.bottom <= during.height + 1 && p.left >= 0 && p.right <= during.width,
          `${p.s} is in view while the run goes: ${JSON.stringify(p)} in ${during.width} × ${during.height}`);
      }
      const thread = await report();
      assert.ok(thread.spinnerFrames > 0, `the thread's spinner turned: ${thread.spinnerFrames} frames`);

      // A pool run kept as a row, and the code panels: they fit the width,
      // and a listing wider than the screen scrolls inside itself.
      await page.evaluate(() => window.spinlab.runPool({ mode: 'threads', workers: 2 }));
      await page.evaluate(OPEN_ALL);
      noSidewaysScroll(await page.evaluate(WIDTHS), 'after a pool run, its row kept');
      const boxes = await page.evaluate(() => {
        const width = window.innerWidth;
        const row = document.querySelector('[data-experiment=pool] [data-role=timeline] [data-run]').getBoundingClientRect();
        const listings = [...document.querySelectorAll('pre.listing')].filter((p) => p.getBoundingClientRect().width > 0);
        return {
          width,
          row: Math.round(row.right),
          listings: listings.map((p) => ({ right: Math.round(p.getBoundingClientRect().right), overflowX: getComputedStyle(p).overflowX, wider: p.scrollWidth > p.clientWidth })),
        };
      });
      assert.ok(boxes.row <= boxes.width, `the kept run's row fits: right edge ${boxes.row} > ${boxes.width}`);
      assert.ok(boxes.listings.length > 0, 'the code panels show their listings');
      for (const l of boxes.listings) {
        assert.ok(l.right <= boxes.width, `a listing fits the width: ${JSON.stringify(l)}`);
        assert.ok(['auto', 'scroll'].includes(l.overflowX), `a listing scrolls sideways inside itself: ${JSON.stringify(l)}`);
      }
      assert.ok(boxes.listings.some((l) => l.wider) || view.name === 'tablet', 'on a phone some listing is wider than the screen, and scrolls');
      assert.deepEqual(browser.errors, []);
    } finally {
      await browser.close();
    }
  });
}
