// The browser table's figures, measured (not a test): what the engine has of
// what the page uses, the book's fixture through every pool mode (1 and 2
// workers, medians of 3 runs), and every spinner model on the calibrated
// prime (one run each). Run against a served page, once per browser:
//   SPINLAB_URL=http://127.0.0.1:8000/ SPINLAB_BROWSER=chromium|firefox|webkit node browser-figures.mjs
import { URL, loadReady, openBrowser } from './browser.mjs';

const RUNS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

const browser = await openBrowser();
try {
  const { page } = browser;
  await loadReady(page, URL);
  const call = (method, options) => page.evaluate(([m, o]) => window.spinlab[m](o), [method, options], { timeout: 600_000 });
  const engine = await page.evaluate(() => ({
    ua: navigator.userAgent,
    cores: navigator.hardwareConcurrency,
    isolated: crossOriginIsolated,
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    sharedMemory: (() => {
      try {
        return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
      } catch {
        return false;
      }
    })(),
    waitAsync: typeof Atomics.waitAsync === 'function',
    offscreenCanvas2d: typeof OffscreenCanvas === 'function' && !!new OffscreenCanvas(1, 1).getContext('2d'),
    schedulerYield: typeof globalThis.scheduler?.yield === 'function',
    poolSize: window.spinlab.capabilities.poolSize,
  }));
  console.log(`# ${engine.ua}`);
  console.log(`engine: ${JSON.stringify(engine)}`);

  console.log(`\nThe book's fixture through the pool lab (median of ${RUNS}; start-up of the last worker):`);
  for (const mode of ['sequential', 'processes', 'threads', 'threads-gil', 'rayon']) {
    const cells = [];
    for (const workers of mode === 'sequential' ? [1] : [1, 2]) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await call('runPool', { mode, workers }));
      const total = median(runs.map((r) => r.totalMs));
      const startup = median(runs.map((r) => r.startupMs));
      cells.push(`${workers} worker${workers > 1 ? 's' : ''} ${s(total)} (start-up ${startup.toFixed(0)} ms)`);
    }
    console.log(`  ${mode.padEnd(12)}${cells.join('; ')}`);
  }

  const calibrated = await call('runSpinner', { model: 'coroutine-offload', slow: 'prime' });
  console.log(`\nEvery spinner model on the calibrated prime ${calibrated.n} (one run each):`);
  for (const model of ['thread', 'thread-gil', 'process', 'coroutine', 'coroutine-nap', 'coroutine-offload']) {
    const r = await call('runSpinner', { model, slow: 'prime', n: calibrated.n });
    const nap = r.nap ? `; ${r.naps} naps via ${r.nap.via}, ${(100 * (r.elapsedMs - r.computeMs) / r.elapsedMs).toFixed(0)}% overhead` : '';
    console.log(`  ${model.padEnd(18)}${s(r.elapsedMs)}, ${r.spinnerFrames} / ${r.spinnerFramesExpected.toFixed(1)} frames, main thread's longest gap ${r.mainThreadMaxGapMs.toFixed(0)} ms${nap}`);
  }
} finally {
  await browser.close();
}
