// A measurement, not a test: the engine under what the page does to it,
// done fast. Workers draw on canvases handed over to them (the monitor
// strip, the spinner threads) while others start and end (a pool's
// processes), and the page draws and scrolls every frame. WebKitGTK 2.50's
// GPU canvas path crashed its web process under this within 2 to 9 s (a
// bounds check in Skia's GPU resource cache, on the main, a worker or the
// compositor thread); painting on the CPU, far less often; docs/testing.md
// has the counts. A standalone isolated page, served here: no spinlab.
//
//   SPINLAB_BROWSER=webkit node canvas-churn.mjs [runs] [seconds]
//
// prints each run's tally, or the error that ended it (a lost page).
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { BROWSER, openBrowser } from './browser.mjs';

const DIR = new URL('./canvas-churn/', import.meta.url);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
const [runs, seconds] = [Number(process.argv[2] ?? 5), Number(process.argv[3] ?? 12)];

const server = createServer(async (request, response) => {
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

let lost = 0;
for (let run = 1; run <= runs; run++) {
  const browser = await openBrowser();
  const t0 = Date.now();
  let tally = null;
  try {
    await browser.page.goto(`http://127.0.0.1:${server.address().port}/`);
    while (Date.now() - t0 < seconds * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      tally = await browser.page.evaluate(() => ({ ...window.tally }));
    }
    console.log(`${BROWSER} run ${run}: held ${seconds} s, ${JSON.stringify(tally)}, errors ${JSON.stringify(browser.errors)}`);
  } catch (e) {
    lost++;
    console.log(`${BROWSER} run ${run}: lost after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${e.message}`);
  }
  await browser.close();
}
console.log(`${BROWSER}: ${lost} of ${runs} runs lost the page`);
server.close();
