// An isolated page in a browser that withholds SharedArrayBuffer: WebKitGTK
// without JavaScriptCore's option gives such a page shared wasm memory but
// no SharedArrayBuffer (and no way to post its memory to a worker). The
// page says, in sentences, why there are no threads, and what needs no
// shared memory still runs and ends. Before: the sequential run never
// settled, the processes mode threw "Can't find variable:
// SharedArrayBuffer" and hung, and the reason read "… cloned..".
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSER, openBrowser, URL, within } from './browser.mjs';
import { FIXTURE } from './fixtures.mjs';

// Chromium exposes SharedArrayBuffer on every isolated page; Firefox without
// it (its shared_memory preference off) cannot instantiate the module at all.
const WEBKIT = BROWSER === 'webkit'
  ? {}
  : { skip: 'only WebKit gives an isolated page shared wasm memory without SharedArrayBuffer' };
let browser;

before(async () => {
  if (BROWSER !== 'webkit') return;
  browser = await openBrowser({ sharedMemory: false });
  // Not loadReady's check for threads: this page has none, by design.
  await browser.page.goto(URL);
  await browser.page.waitForFunction(() => document.body.dataset.ready === 'true', undefined, { timeout: 60_000, polling: 50 });
});

after(async () => {
  await browser?.close();
});

test('isolated without SharedArrayBuffer: the reason in sentences; sequential and processes run and end', WEBKIT, async () => {
  const state = await browser.page.evaluate(() => ({
    isolated: self.crossOriginIsolated,
    sab: typeof SharedArrayBuffer,
    caps: window.spinlab.capabilities,
    reason: document.body.dataset.error ?? '',
  }));
  assert.equal(state.isolated, true);
  assert.equal(state.sab, 'undefined', 'the browser withholds SharedArrayBuffer');
  assert.equal(state.caps.threads, false);
  assert.equal(state.caps.poolSize, 0);
  assert.match(state.reason, /^Threads are unavailable: this browser gives this page no SharedArrayBuffer although it is cross-origin isolated/);
  assert.doesNotMatch(state.reason, /\.\./, 'no doubled full stop');
  assert.doesNotMatch(state.reason, /\b(TypeError|DataCloneError|RangeError):/, 'no bare error name');
  const expected = new Map(FIXTURE);
  for (const options of [{ mode: 'sequential' }, { mode: 'processes', workers: 2 }]) {
    const r = await within(60_000, `runPool(${JSON.stringify(options)})`,
      browser.page.evaluate((o) => window.spinlab.runPool(o).then((r) => r, (e) => ({ error: e.message })), options));
    assert.equal(r.error, undefined, `${JSON.stringify(options)}: ${r.error}`);
    assert.equal(r.checked, 20, JSON.stringify(options));
    for (const x of r.results) assert.equal(x.prime, expected.get(x.n), x.n);
    assert.match(r.notes.join('\n'), /this browser gives this page no SharedArrayBuffer, so no memory is shared/);
  }
  assert.deepEqual(browser.errors, [], 'no page or console error');
});
