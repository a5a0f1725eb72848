// The engine under what the page does to it, done fast: workers that draw on
// canvases handed over to them (the monitor strip, the spinner threads)
// while others start and end (a pool's processes). WebKitGTK 2.50's GPU
// canvas path crashed its web process under this within 2 to 9 s (a bounds
// check in Skia's GPU resource cache, on the main, a worker or the
// compositor thread; docs/testing.md); it lost a page of the suite now and
// then. The suite's WebKit paints on the CPU (webkit.mjs), where it holds.
// A standalone page, served here: no SharedArrayBuffer, no spinlab.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { BROWSER, openBrowser } from './browser.mjs';

const DIR = new URL('./canvas-churn/', import.meta.url);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
// WebKit, where the crash was, gets 12 s (painting on the GPU it crashed in
// 2 to 9 s); the other engines a short look, for CI's time.
const RUN_MS = BROWSER === 'webkit' ? 12_000 : 4_000;

let server;
let browser;
before(async () => {
  server = createServer(async (request, response) => {
    const name = new URL(request.url, 'http://x').pathname.slice(1) || 'index.html';
    const body = /^[a-z-]+\.(html|js|css)$/.test(name) ? await readFile(new URL(name, DIR)).catch(() => null) : null;
    // The browser's own ask for an icon is not the page's error.
    if (!body) return response.writeHead(name === 'favicon.ico' ? 204 : 404).end();
    response.writeHead(200, {
      'Content-Type': TYPES[name.slice(name.lastIndexOf('.'))],
      // Isolated, as spinlab's page is (the crash needed it).
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await openBrowser();
});
after(async () => {
  await browser?.close();
  server?.close();
});

test('workers drawing on handed-over canvases, started and ended fast, do not crash the page', async () => {
  const { page } = browser;
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const t0 = Date.now();
  let tally = null;
  while (Date.now() - t0 < RUN_MS) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    // A crashed page fails here: the driver has lost it.
    tally = await page.evaluate(() => ({ ...window.tally }));
  }
  console.log(`# ${JSON.stringify(tally)} in ${RUN_MS / 1000} s`);
  // About 10 drawing workers a second were started, and most of them
  // ended; the lasting one drew throughout.
  assert.ok(tally.started >= RUN_MS / 200, `workers were started: ${JSON.stringify(tally)}`);
  assert.ok(tally.ended >= RUN_MS / 400, `workers ended: ${JSON.stringify(tally)}`);
  assert.ok(tally.frames >= RUN_MS / 40, `frames were drawn: ${JSON.stringify(tally)}`);
  assert.deepEqual(browser.errors, []);
});
