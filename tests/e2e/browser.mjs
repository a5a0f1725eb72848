// Shared set-up for the end-to-end tests: Debian's Chromium driven by
// playwright-core (its own browser download is not available here); with
// SPINLAB_BROWSER=firefox, Firefox ESR driven by puppeteer-core
// (firefox.mjs); with SPINLAB_BROWSER=webkit, WebKitGTK's MiniBrowser driven
// through WebKitWebDriver (webkit.mjs). adapter.mjs gives the last two the
// part of playwright's Page the tests use.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { openFirefox } from './firefox.mjs';
import { openWebKit } from './webkit.mjs';
import { within } from './adapter.mjs';

export const URL = process.env.SPINLAB_URL ?? 'http://127.0.0.1:8000/';

/** The browser this run of the suite drives: `chromium`, `firefox` or `webkit`. */
export const BROWSER = process.env.SPINLAB_BROWSER ?? 'chromium';

/**
 * `test`'s options for a test that needs Chromium (a CDP-only look, or a
 * Chromium-only feature): skipped in Firefox, with the reason said.
 */
export function chromiumOnly(why) {
  return BROWSER === 'chromium' ? {} : { skip: `Chromium only: ${why}` };
}

// On a closed network Chromium's background services only fail to connect.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Run in every document before the page's own scripts. */
function reportPolicyViolations() {
  document.addEventListener('securitypolicyviolation', (e) => {
    console.error(`content security policy violation: ${e.violatedDirective} refused ${e.blockedURI || 'inline code'}`);
  });
}

/**
 * Opens a fresh browser profile; returns { context, page, errors, close }.
 * `sharedMemory: false` (WebKit only) withholds `SharedArrayBuffer` even
 * from an isolated page: WebKitGTK without JavaScriptCore's option.
 * `device` (Chromium only): Playwright's context options for a phone or a
 * tablet (`viewport`, `hasTouch`, `isMobile`, `deviceScaleFactor`).
 */
export async function openBrowser({ sharedMemory = true, device = {} } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'spinlab-e2e-'));
  let page;
  let context = null;
  let closeBrowser;
  if (BROWSER === 'firefox') {
    ({ page, close: closeBrowser } = await openFirefox(dir));
  } else if (BROWSER === 'webkit') {
    ({ page, close: closeBrowser } = await openWebKit({ sharedMemory }));
  } else {
    // Playwright rejects --user-data-dir in args: a persistent context sets it.
    context = await chromium.launchPersistentContext(dir, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ARGS,
      ...device,
    });
    page = context.pages()[0] ?? (await context.newPage());
    closeBrowser = () => context.close();
  }
  boundEvaluate(page);
  // A content security policy violation is a console error, in every
  // browser (Chromium logs one itself; the others are told here; webkit.mjs
  // collects them with the page's other errors).
  if (BROWSER !== 'webkit') await page.addInitScript(reportPolicyViolations);
  const errors = [];
  // Console warnings, the workers' included (Chromium and Firefox report
  // them as the page's; WebDriver classic sees none: webkit.mjs).
  const warnings = [];
  page.on('pageerror', (err) => {
    // In Firefox the driver's own polling (waitForFunction) can run in a
    // document the page is navigating away from, and Firefox reports that
    // cross-compartment access as the page's error: seen only across
    // navigations (a reload, the shim's), never from spinlab's code.
    if (BROWSER === 'firefox' && /^(Error: )?Permission denied to access property "length"$/.test(err.message)) return;
    errors.push(`pageerror: ${err.message}`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    if (msg.type() === 'warning' || msg.type() === 'warn') warnings.push(msg.text());
  });
  const close = async () => {
    await closeBrowser();
    await rm(dir, { recursive: true, force: true });
  };
  return { context, page, errors, warnings, close };
}

/** Loads the page and waits for the contract's readiness signal. */
export async function loadReady(page, url = URL) {
  await page.goto(url);
  try {
    await waitFor(page, () => document.body.dataset.ready === 'true', null, 'the page to be ready');
  } catch (e) {
    // Where the start-up stopped: what the page says, and how far it got.
    const state = await page.evaluate(() => JSON.stringify({
      readyState: document.readyState,
      dataset: { ...document.body.dataset },
      spinlab: typeof window.spinlab,
      status: document.querySelector('#capabilities [data-role=status]')?.textContent ?? null,
      workers: window.spinlab?.stats?.() ?? null,
    })).catch((why) => `(the page could not be read: ${why.message})`);
    throw new Error(`${e.message}; the page: ${state}`);
  }
  // The isolated page must have its threads: a page that came up without
  // them fails here, with its own reason, not later in a run it refuses.
  if (url === URL) {
    const { threads, problem } = await page.evaluate(() => ({
      threads: window.spinlab?.capabilities?.threads ?? false,
      problem: document.querySelector('#capabilities [data-role=status]')?.textContent ?? '',
    }));
    if (!threads) throw new Error(`the isolated page came up without threads: ${problem}`);
  }
}

export { within };

/** The longest one page.evaluate may take (a run, a sweep, a benchmark). */
export const EVALUATE_MS = 180_000;

/**
 * Playwright's page.evaluate has no timeout of its own: bound every call, and
 * name the function that did not return. `page.evaluate(fn, arg, { timeout })`
 * sets another bound for one call.
 */
function boundEvaluate(page) {
  const source = (fn) => String(fn).replace(/\s+/g, ' ').slice(0, 120);
  const evaluate = page.evaluate.bind(page);
  page.evaluate = (fn, arg, { timeout = EVALUATE_MS } = {}) =>
    within(timeout, `page.evaluate(${source(fn)})`, evaluate(fn, arg));
  // waitForFunction is bounded (30 s by default): name what it waited for.
  const waitForFunction = page.waitForFunction.bind(page);
  page.waitForFunction = (fn, arg, options) => waitForFunction(fn, arg, options).catch((e) => {
    throw new Error(`waiting for ${source(fn)}: ${e.message.split('\n')[0]}`);
  });
}

/** Waits until `fn(arg)` is truthy in the page; a timeout names `what`. */
export async function waitFor(page, fn, arg, what, timeout = 60_000) {
  try {
    return await page.waitForFunction(fn, arg, { timeout, polling: 20 });
  } catch (e) {
    throw new Error(`waited ${timeout / 1000} s for ${what}: ${e.message}`);
  }
}

/**
 * Listens for the page's next `spinlab:report`; resolves once the listener
 * is in place (a driver may deliver a click or a key before an evaluation
 * sent ahead of it), with a function that resolves with that report.
 * `which(detail)` picks the report to wait for (default: the next one).
 */
export async function nextReport(page, which = null) {
  // The picker's source goes into the expression (no `new Function` in the
  // page, which the content security policy refuses).
  await page.evaluate(`(${(pick) => {
    window.__spinlabNextReport = new Promise((resolve) => {
      const listen = (e) => {
        if (!pick(e.detail)) return;
        document.removeEventListener('spinlab:report', listen);
        resolve(e.detail);
      };
      document.addEventListener('spinlab:report', listen);
    });
  }})(${which ?? '() => true'})`);
  return () => page.evaluate(() => window.__spinlabNextReport);
}

/** Polls `check()` (in Node) until it is truthy; a timeout names `what`. */
export async function until(check, what, timeout = 30_000) {
  const t0 = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - t0 > timeout) throw new Error(`waited ${timeout / 1000} s for ${what}: timed out`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Waits until the page is idle again: the threads spinlab started are back
 * to those of an idle page (`stats().idleThreads`, counted when it became
 * ready), no process is left and no pool run is on. A thread frees itself
 * one task after its last message, so this is an event to wait for.
 */
export async function idle(page) {
  await waitFor(page, () => {
    const s = window.spinlab.stats();
    return s.liveThreads === s.idleThreads && s.liveProcesses === 0 && s.pool === null;
  }, null, 'the page to be idle (its idle threads only, no process, no pool run)');
  return page.evaluate(() => window.spinlab.stats());
}

/**
 * Starts a pool run and applies `policy` once every worker holds a number
 * (the event, not a duration: `stats().pool` counts the workers up, the
 * numbers taken and the results). Resolves with the snapshot at the stop,
 * whether the stop buttons were on, cancelPool's answer and the report.
 */
export function stopMidRun(page, { mode, workers, policy, numbers }) {
  return page.evaluate(async ({ mode, workers, policy, numbers }) => {
    let failed = null;
    const run = window.spinlab.runPool({ mode, workers, numbers });
    run.catch((e) => { failed = e; });
    const t0 = performance.now();
    let s = null;
    const inHand = () => (s = window.spinlab.stats().pool) &&
      s.up === s.workers && s.taken === s.workers && s.checked === 0;
    // A failed wait ends the run, so that the tests after this one start
    // on a page with nothing running.
    const giveUp = async (why) => {
      await window.spinlab.cancelPool('terminate').catch(() => {});
      await run.catch(() => {});
      throw new Error(why);
    };
    while (!inHand()) {
      if (failed) throw failed;
      if (s && (s.checked > 0 || s.taken > s.workers)) {
        await giveUp(`a ${mode} worker finished a number before every worker held one: ${JSON.stringify(s)}`);
      }
      if (performance.now() - t0 > 60_000) {
        await giveUp(`waited 60 s for every ${mode} worker to hold a number: ${JSON.stringify(s)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const stopButtonsOn = !document.querySelector('button[data-stop=poison-pill]').disabled;
    const stop = await window.spinlab.cancelPool(policy);
    return { atStop: s, stopButtonsOn, stop, report: await run };
  }, { mode, workers, policy, numbers });
}

/**
 * One browser for a test file: opens it and loads the page before the file's
 * tests, closes it after them, and runs `onReady(page)` once it is loaded
 * (a `before` of the test file's own may run first). Returns `page` (usable
 * once the tests run) and `errors()`, the page's errors so far.
 */
export function usePage(url = URL, onReady = async () => {}) {
  let browser;
  before(async () => {
    browser = await openBrowser();
    await loadReady(browser.page, url);
    await onReady(browser.page);
  });
  after(async () => {
    await browser?.close();
  });
  const page = new Proxy({}, {
    get(_, key) {
      const value = browser.page[key];
      return typeof value === 'function' ? value.bind(browser.page) : value;
    },
  });
  return { page, errors: () => browser.errors };
}
