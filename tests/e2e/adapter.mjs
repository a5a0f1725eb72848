// playwright's `Page`, as far as the tests use it, on a puppeteer-shaped page:
// puppeteer's own over WebDriver BiDi (firefox.mjs) or spinlab's thin one over
// WebDriver classic (webkit.mjs). One suite runs in all three browsers; what
// a driver cannot do throws `ChromiumOnly`, and the tests that need it say so
// (see `chromiumOnly` in browser.mjs).

/** Thrown by what only Chromium (CDP) can do here. */
export class ChromiumOnly extends Error {}

/**
 * Fails with `what timed out after …` unless `promise` settles within `ms`.
 * A hang fails the test with what it waited for, instead of hanging the suite.
 */
export function within(ms, what, promise) {
  let timer;
  const bound = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${ms / 1000} s for ${what}: timed out`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** The checks a selector's element gets, run in the page. */
const visible = (el) => {
  if (!el) return false;
  // checkVisibility also sees the content of a closed <details>.
  if (el.checkVisibility && !el.checkVisibility({ visibilityProperty: true })) return false;
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0;
};

/**
 * The elements a locator's path reaches, in the page: each step a selector
 * under the elements of the step before, `nth` keeping one of them.
 */
const reach = (path) => {
  let found = [document];
  for (const { selector, nth } of path) {
    found = found.flatMap((root) => [...root.querySelectorAll(selector)]);
    if (nth !== undefined) found = found[nth] ? [found[nth]] : [];
  }
  return found;
};

/**
 * An expression that calls `fn` (a function or its source) on `args`, for
 * `evaluate`: the page compiles nothing itself (no `new Function`, which a
 * content security policy without 'unsafe-eval' refuses), the driver does.
 */
export const call = (fn, ...args) => `(${fn})(${args.map(literal).join(', ')})`;

/** `value` as a JavaScript literal (JSON, or `undefined`). */
const literal = (value) => (value === undefined ? 'undefined' : JSON.stringify(value));

/** `count()`, `nth()`, `screenshot()`, … as playwright's locator. */
class Locator {
  constructor(page, path) {
    this.page = page;
    this.path = path;
  }

  /** What the path reaches, as an expression evaluated in the page. */
  reached() {
    return call(reach, this.path);
  }

  /** Runs `fn(elements, arg)` in the page on what the path reaches. */
  on(fn, arg) {
    return this.page.evaluate(`(${fn})(${this.reached()}, ${literal(arg)})`);
  }

  locator(selector) {
    return new Locator(this.page, [...this.path, { selector }]);
  }

  nth(index) {
    const path = this.path.slice();
    path[path.length - 1] = { ...path[path.length - 1], nth: index };
    return new Locator(this.page, path);
  }

  count() {
    return this.on((els) => els.length);
  }

  /** The first element reached; fails naming the path if there is none. */
  first(fn) {
    const what = this.path.map((s) => s.selector + (s.nth === undefined ? '' : `[${s.nth}]`)).join(' >> ');
    return this.on(`(els, what) => {
      if (!els[0]) throw new Error('no element matches ' + what);
      return (${fn})(els[0]);
    }`, what);
  }

  textContent() {
    return this.first((el) => el.textContent);
  }

  innerText() {
    return this.first((el) => el.innerText);
  }

  isVisible() {
    return this.on(`(els) => Boolean(els[0]) && (${visible})(els[0])`);
  }

  focus() {
    return this.first((el) => el.focus());
  }

  click() {
    return this.first((el) => el.click());
  }

  blur() {
    return this.first((el) => el.blur());
  }

  async screenshot(options) {
    const handle = await this.page.evaluateHandle(`${this.reached()}[0] ?? null`);
    const element = handle.asElement();
    if (!element) throw new Error(`no element matches ${this.path.map((s) => s.selector).join(' >> ')}`);
    return element.screenshot(options);
  }
}

/** playwright's `Page`, as far as the tests use it, on a puppeteer page. */
export class Page {
  constructor(page) {
    this.page = page;
    this.keyboard = {
      // playwright's 'Shift+Tab': modifiers down, the key, modifiers up.
      press: async (combo) => {
        const keys = combo.split('+');
        const key = keys.pop();
        for (const m of keys) await page.keyboard.down(m);
        await page.keyboard.press(key);
        for (const m of keys.reverse()) await page.keyboard.up(m);
      },
    };
  }

  on(event, handler) {
    this.page.on(event, handler);
  }

  goto(url) {
    return this.page.goto(url);
  }

  reload() {
    return this.page.reload();
  }

  waitForNavigation(options) {
    return this.page.waitForNavigation(options);
  }

  evaluate(fn, arg) {
    return arg === undefined ? this.page.evaluate(fn) : this.page.evaluate(fn, arg);
  }

  waitForFunction(fn, arg, { timeout = 30_000, polling = 'raf' } = {}) {
    return this.page.waitForFunction(fn, { timeout, polling }, arg);
  }

  addInitScript(fn) {
    return this.page.evaluateOnNewDocument(fn);
  }

  locator(selector) {
    return new Locator(this.page, [{ selector }]);
  }

  $eval(selector, fn, arg) {
    return this.page.$eval(selector, fn, arg);
  }

  $$eval(selector, fn, arg) {
    return this.page.$$eval(selector, fn, arg);
  }

  textContent(selector) {
    return this.page.$eval(selector, (el) => el.textContent);
  }

  inputValue(selector) {
    return this.page.$eval(selector, (el) => el.value);
  }

  getAttribute(selector, name) {
    return this.page.$eval(selector, (el, name) => el.getAttribute(name), name);
  }

  isDisabled(selector) {
    return this.page.$eval(selector, (el) => el.disabled);
  }

  isChecked(selector) {
    return this.page.$eval(selector, (el) => el.checked);
  }

  async isHidden(selector) {
    return !(await this.page.$eval(selector, visible).catch(() => false));
  }

  click(selector) {
    return this.page.click(selector);
  }

  dblclick(selector) {
    return this.page.click(selector, { count: 2 });
  }

  focus(selector) {
    return this.page.focus(selector);
  }

  /** As playwright's: the value set, then `input` and `change`. */
  fill(selector, value) {
    return this.page.$eval(selector, (el, value) => {
      el.focus();
      el.value = value;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, value);
  }

  async setChecked(selector, checked) {
    if ((await this.isChecked(selector)) !== checked) await this.click(selector);
  }

  check(selector) {
    return this.setChecked(selector, true);
  }

  uncheck(selector) {
    return this.setChecked(selector, false);
  }

  selectOption(selector, value) {
    return this.page.select(selector, value);
  }

  /**
   * Puppeteer sends the viewport and a screen orientation together; Firefox
   * ESR 140 knows the first, not the second: that refusal alone is ignored
   * once the page's width is the one asked for.
   */
  async setViewportSize({ width, height }) {
    try {
      await this.page.setViewport({ width, height });
    } catch (e) {
      if (!/setScreenOrientationOverride/.test(e.message)) throw e;
      // The two commands go together: the viewport may land just after.
      await this.page.waitForFunction((width) => window.innerWidth === width, { timeout: 5_000 }, width);
    }
  }

  screenshot(options) {
    return this.page.screenshot(options);
  }

  /** Only the default scheme: puppeteer emulates media features over CDP. */
  async emulateMedia({ colorScheme }) {
    if (colorScheme && colorScheme !== 'light') {
      throw new ChromiumOnly('emulating prefers-color-scheme needs CDP (puppeteer has no BiDi path for it)');
    }
  }

  workers() {
    throw new ChromiumOnly('page.workers() lists a page\'s workers over CDP; WebDriver BiDi has no such list');
  }
}

