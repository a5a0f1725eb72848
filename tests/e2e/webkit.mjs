// WebKitGTK for the end-to-end tests (SPINLAB_BROWSER=webkit): Debian's
// WebKitWebDriver, a W3C WebDriver (classic) server, run under a virtual
// display (MiniBrowser has no headless mode), driven by selenium-webdriver.
// This file gives it the puppeteer-shaped page adapter.mjs wraps, so the
// same suite runs here. WebDriver classic has no events: the page's errors,
// unhandled rejections, `console.error` calls and content security policy
// violations are collected in the page and handed over with every
// evaluation; a script run before the page's own has no counterpart
// (`ChromiumOnly`).
import { spawn } from 'node:child_process';
import { openSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { Builder, By, Key } from 'selenium-webdriver';
import { ChromiumOnly, Page, within } from './adapter.mjs';

/** MiniBrowser, WebKitGTK's browser, installed with libwebkit2gtk-4.1-0. */
export const MINIBROWSER = process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/**
 * WebKitGTK 2.50.6 paints with Skia on the GPU (Mesa's software GL under
 * Xvfb here), and that path crashes the web process when workers draw on
 * canvases handed over to them while others start and end: a bounds check
 * in Skia's GPU resource cache fails on the main, a worker or the compositor
 * thread (core dumps; canvas-churn.mjs crashes it in 2 to 9 s). The page
 * does that too, slowly (its monitor strip, the spinner threads, a pool's
 * processes), and the suite lost a page now and then. Painting on the CPU,
 * canvas-churn.mjs still crashes it now and then (the threaded compositor
 * composes with GL), far less often. Without the compositor as well
 * (WEBKIT_DISABLE_COMPOSITING_MODE) it never crashed, but a spinner run and
 * a screenshot never ended. Safari paints with Core Graphics.
 */
export const PAINT_ON_THE_CPU = { WEBKIT_SKIA_ENABLE_CPU_RENDERING: '1' };

/** The longest a screenshot (or the session's end) may take. */
const SCREENSHOT_MS = 30_000;

/** A free loopback port for the driver. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Installed in the page by every evaluation (once a document): what the
 * Chromium and Firefox drivers report as `pageerror` and `console` events.
 */
const COLLECT = `(() => {
  if (window.__spinlabErrors) return;
  const errors = (window.__spinlabErrors = []);
  addEventListener('error', (e) => errors.push({ kind: 'pageerror', text: e.message }));
  addEventListener('unhandledrejection', (e) => errors.push({ kind: 'pageerror', text: String(e.reason?.message ?? e.reason) }));
  document.addEventListener('securitypolicyviolation', (e) =>
    errors.push({ kind: 'console', text: \`content security policy: \${e.violatedDirective} refused \${e.blockedURI}\` }));
  const error = console.error.bind(console);
  console.error = (...args) => {
    errors.push({ kind: 'console', text: args.map(String).join(' ') });
    error(...args);
  };
})()`;

/** WebDriver's key names for playwright's. */
const KEYS = { Enter: Key.ENTER, Tab: Key.TAB, Shift: Key.SHIFT, Space: Key.SPACE, Escape: Key.ESCAPE };
const key = (name) => KEYS[name] ?? name;

/** The part of puppeteer's `Page` that adapter.mjs uses, over WebDriver classic. */
class WebDriverPage {
  constructor(driver) {
    this.driver = driver;
    this.handlers = { pageerror: [], console: [] };
    // A navigation awaited by waitForNavigation: its marker is set before any later command.
    this.barrier = Promise.resolve();
    this.keyboard = {
      down: (name) => this.act((a) => a.keyDown(key(name))),
      up: (name) => this.act((a) => a.keyUp(key(name))),
      press: (name) => this.act((a) => a.keyDown(key(name)).keyUp(key(name))),
    };
  }

  async act(build) {
    await this.barrier;
    await build(this.driver.actions({ async: true })).perform();
  }

  on(event, handler) {
    this.handlers[event]?.push(handler);
  }

  /** Hands the errors the page collected to the `on` handlers. */
  deliver(errors) {
    for (const { kind, text } of errors ?? []) {
      for (const handler of this.handlers[kind]) {
        handler(kind === 'pageerror' ? { message: text } : { type: () => 'error', text: () => text });
      }
    }
  }

  /**
   * `expression` (source text, a promise or a value) evaluated in the page;
   * its value, or its error rethrown here with the page's message.
   */
  async run(expression) {
    await this.barrier;
    const outcome = await this.driver.executeAsyncScript(`
      const done = arguments[arguments.length - 1];
      ${COLLECT};
      Promise.resolve().then(() => (${expression})).then(
        (value) => done({ value: value === undefined ? null : value, errors: window.__spinlabErrors.splice(0) }),
        (e) => done({ error: String(e?.message ?? e), errors: window.__spinlabErrors.splice(0) }));`);
    this.deliver(outcome?.errors);
    if (outcome && 'error' in outcome) throw new Error(outcome.error);
    return outcome?.value;
  }

  /** puppeteer's: `fn` a function called with `args`, or an expression's source. */
  evaluate(fn, ...args) {
    return this.run(typeof fn === 'string' ? fn : `(${fn})(${args.map((a) => (a === undefined ? 'undefined' : JSON.stringify(a))).join(', ')})`);
  }

  async waitForFunction(fn, { timeout = 30_000, polling = 'raf' } = {}, arg) {
    const every = typeof polling === 'number' ? polling : 16;
    const t0 = Date.now();
    for (;;) {
      const value = await this.evaluate(fn, arg).catch((e) => {
        // A document replaced mid-evaluation: try again in the new one.
        if (/navigat|unload|no such window|script/i.test(e.message)) return null;
        throw e;
      });
      if (value) return value;
      if (Date.now() - t0 > timeout) throw new Error(`Waiting failed: ${timeout} ms exceeded`);
      await new Promise((resolve) => setTimeout(resolve, every));
    }
  }

  /** For a locator's screenshot: the element the expression gives. */
  async evaluateHandle(expression) {
    await this.barrier;
    const element = await this.driver.executeScript(`return ${expression};`);
    return {
      asElement: () => element && {
        screenshot: async ({ path } = {}) => {
          const png = Buffer.from(await element.takeScreenshot(), 'base64');
          if (path) await writeFile(path, png);
          return png;
        },
      },
    };
  }

  evaluateOnNewDocument() {
    throw new ChromiumOnly('a script run before the page\'s own needs CDP or BiDi; WebDriver classic has none');
  }

  $eval(selector, fn, arg) {
    return this.evaluate(`((selector, arg) => {
      const el = document.querySelector(selector);
      if (!el) throw new Error('no element matches ' + selector);
      return (${fn})(el, arg);
    })(${JSON.stringify(selector)}, ${arg === undefined ? 'undefined' : JSON.stringify(arg)})`);
  }

  $$eval(selector, fn, arg) {
    return this.evaluate(`((selector, arg) => (${fn})([...document.querySelectorAll(selector)], arg))(${JSON.stringify(selector)}, ${arg === undefined ? 'undefined' : JSON.stringify(arg)})`);
  }

  async click(selector, { count = 1 } = {}) {
    await this.barrier;
    const element = await this.driver.findElement(By.css(selector));
    if (count === 2) {
      // Actions, unlike an element's click, do not scroll to their target.
      await this.driver.executeScript('arguments[0].scrollIntoView({ block: "center" })', element);
      await this.driver.actions({ async: true }).doubleClick(element).perform();
    }
    else await element.click();
  }

  focus(selector) {
    return this.$eval(selector, (el) => el.focus());
  }

  select(selector, value) {
    return this.$eval(selector, (el, value) => {
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }

  async goto(url) {
    await this.barrier;
    await this.driver.get(url);
  }

  async reload() {
    await this.barrier;
    await this.driver.navigate().refresh();
  }

  /** Resolves once the document this was called in has been replaced and loaded. */
  waitForNavigation({ timeout = 30_000 } = {}) {
    const token = `nav-${Math.random()}`;
    const marked = this.run(`window.__spinlabNavigation = ${JSON.stringify(token)}`);
    this.barrier = marked.then(() => {}, () => {});
    return marked.then(() => this.waitForFunction(
      `window.__spinlabNavigation !== ${JSON.stringify(token)} && document.readyState === 'complete'`,
      { timeout, polling: 50 },
    ));
  }

  /** The window sized so that the page's own viewport is `width` × `height`. */
  async setViewport({ width, height }) {
    await this.barrier;
    const window = this.driver.manage().window();
    for (let i = 0; i < 3; i++) {
      const inner = await this.run('[innerWidth, innerHeight]');
      if (inner[0] === width && inner[1] === height) return;
      const rect = await window.getRect();
      await window.setRect({ width: rect.width + width - inner[0], height: rect.height + height - inner[1] });
    }
  }

  async screenshot({ path } = {}) {
    await this.barrier;
    // Without the threaded compositor, under load, WebKitWebDriver never
    // answered a screenshot (at the end of smoke.test.mjs), and the file's
    // 300 s timeout was the first to say so.
    const png = Buffer.from(await within(SCREENSHOT_MS, 'WebKitWebDriver\'s screenshot', this.driver.takeScreenshot()), 'base64');
    if (path) await writeFile(path, png);
    return png;
  }
}

/**
 * Starts WebKitWebDriver on a virtual display and opens a session in
 * MiniBrowser; returns { page, close }. `sharedMemory: false` starts it
 * without JavaScriptCore's SharedArrayBuffer (Safari turns it on for an
 * isolated page by itself; WebKitGTK needs the option).
 */
export async function openWebKit({ sharedMemory = true } = {}) {
  const port = await freePort();
  // The driver's and MiniBrowser's output (a web process that crashes says
  // so there), kept with the run's artifacts.
  const logs = join(process.env.SPINLAB_ARTIFACTS ?? join(tmpdir(), 'spinlab-artifacts'), 'webkit-logs');
  mkdirSync(logs, { recursive: true });
  const log = openSync(join(logs, `webkitwebdriver-${Date.now()}-${port}.log`), 'a');
  const driverProcess = spawn('xvfb-run', [
    '-a', '-s', '-screen 0 1280x900x24', 'WebKitWebDriver', `--port=${port}`, '--host=127.0.0.1',
  ], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...PAINT_ON_THE_CPU, ...(sharedMemory ? { JSC_useSharedArrayBuffer: '1' } : {}) },
  });
  const stop = () => {
    try {
      process.kill(-driverProcess.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  try {
    const driver = await connect(port);
    await driver.manage().setTimeouts({ script: 600_000, pageLoad: 120_000 });
    const page = new WebDriverPage(driver);
    return {
      page: new Page(page),
      close: async () => {
        // A driver stuck on a command may never end the session: it is ended with its process.
        await within(SCREENSHOT_MS, 'the WebKit session to end', driver.quit()).catch(() => {});
        stop();
      },
    };
  } catch (e) {
    stop();
    throw e;
  }
}

/** A session, once the driver listens (it takes a moment to start). */
async function connect(port) {
  const t0 = Date.now();
  for (;;) {
    try {
      return await new Builder()
        .usingServer(`http://127.0.0.1:${port}`)
        .withCapabilities({
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        })
        .build();
    } catch (e) {
      if (Date.now() - t0 > 30_000) throw new Error(`WebKitWebDriver on port ${port} did not start a session in 30 s: ${e.message}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
