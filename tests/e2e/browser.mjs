// Shared set-up for the end-to-end tests: Debian's Chromium driven by
// playwright-core (its own browser download is not available here).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const URL = process.env.SPINLAB_URL ?? 'http://127.0.0.1:8000/';

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

/** Opens a fresh browser profile; returns { context, page, errors, close }. */
export async function openBrowser() {
  const dir = await mkdtemp(join(tmpdir(), 'spinlab-e2e-'));
  // Playwright rejects --user-data-dir in args: a persistent context sets it.
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ARGS,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  const close = async () => {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  };
  return { context, page, errors, close };
}

/** Loads the page and waits for the contract's readiness signal. */
export async function loadReady(page, url = URL) {
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, {
    timeout: 60_000,
  });
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
