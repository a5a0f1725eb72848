// Shareable state: a link opens the page set up and ready for one button
// press; every choice is written back into the address; a bad link is
// explained and starts nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BROWSER, URL, loadReady, nextReport, usePage, waitFor } from './browser.mjs';

const { page, errors } = usePage();

const at = (query) => new globalThis.URL(query, URL).href;


test('a pool link sets the controls and focuses the mode; Enter runs it', async () => {
  await loadReady(page, at('?lab=pool&mode=processes&workers=1&numbers=2+3+9007199254740997'));
  const state = await page.evaluate(() => ({
    focused: document.activeElement?.dataset.mode,
    suggested: document.activeElement?.hasAttribute('data-suggested'),
    workers: document.querySelector('[data-role=workers]').value,
    workload: document.querySelector('[data-role=workload]').value,
    numbers: document.querySelector('[data-role=numbers]').value,
    numbersShown: !document.querySelector('[data-role=numbers]').hidden,
    problems: document.querySelectorAll('[data-role=link-problems]').length,
    live: window.spinlab.stats().liveProcesses,
  }));
  assert.deepEqual(state, {
    focused: 'processes',
    suggested: true,
    workers: '1',
    workload: 'custom',
    numbers: '2\n3\n9007199254740997',
    numbersShown: true,
    problems: 0,
    live: 0, // a link never starts a run by itself
  });
  const report = await nextReport(page);
  // Headless Firefox over BiDi does not activate a focused button with Enter
  // (see teaching.test.mjs): there the focused button is clicked.
  if (BROWSER === 'firefox') await page.evaluate(() => document.activeElement.click());
  else await page.keyboard.press('Enter');
  const r = await report();
  assert.equal(r.mode, 'processes');
  assert.equal(r.workers, 1);
  assert.deepEqual(r.results.map((x) => [x.n, x.prime]), [['2', true], ['3', true], ['9007199254740997', true]]);
  assert.equal(await page.evaluate(() => document.querySelector('[data-suggested]')), null, 'the mark goes with the first press');
  const search = new URLSearchParams(await page.evaluate(() => location.search));
  assert.deepEqual(Object.fromEntries(search), {
    lab: 'pool', mode: 'processes', workers: '1', numbers: '2 3 9007199254740997',
  });
});

test('choices are written into the address, and the address restores them', async () => {
  await loadReady(page, URL);
  assert.equal(await page.evaluate(() => location.search), '');
  await page.check('[data-experiment=spinner] input[value=prime]');
  await page.fill('[data-role=spinner-number]', '5_000_111_000_222_021');
  await page.locator('[data-role=spinner-number]').blur();
  const report = await nextReport(page);
  await page.click('[data-experiment=spinner] button[data-model=process]');
  assert.equal((await report()).prime, true);
  await page.selectOption('[data-role=workload]', 'calibrated');
  const query = await page.evaluate(() => location.search);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(query)), {
    lab: 'pool', model: 'process', slow: 'prime', n: '5000111000222021',
    workload: 'calibrated',
  });
  // The same link in a fresh load: the same controls.
  await loadReady(page, at(query));
  const state = await page.evaluate(() => ({
    prime: document.querySelector('[data-experiment=spinner] input[value=prime]').checked,
    n: document.querySelector('[data-role=spinner-number]').value,
    workload: document.querySelector('[data-role=workload]').value,
  }));
  assert.deepEqual(state, { prime: true, n: '5000111000222021', workload: 'calibrated' });
});

test('a bad link names every bad setting, keeps the defaults and starts nothing', async () => {
  await loadReady(page, at('?lab=kitchen&mode=gevent&n=-7&workers=99&numbers=1e9&mdoe=threads&model=thread'));
  const state = await page.evaluate(() => ({
    problems: [...document.querySelectorAll('[data-role=link-problems] p')].map((p) => p.textContent),
    role: document.querySelector('[data-role=link-problems]').getAttribute('role'),
    workers: document.querySelector('[data-role=workers]').value,
    workload: document.querySelector('[data-role=workload]').value,
    focused: document.activeElement?.dataset.model,
    stats: window.spinlab.stats(),
    transcripts: [...document.querySelectorAll('[data-role=transcript]')].map((t) => t.textContent),
  }));
  assert.equal(state.role, 'alert', 'announced to screen readers');
  const expected = [
    /^This link's lab="kitchen": not a lab: one of spinner, smoke, pool or bench\. Ignored\.$/,
    /^This link's mode="gevent": not a pool mode: one of sequential, processes, threads, threads-gil or rayon\. Ignored\.$/,
    /^This link's n="-7": "-7" is negative/,
    /^This link's workers="99": this machine has (\d+) cores, so \1 workers\.$/,
    /^This link's numbers="1e9": line 1: "1e9" is in scientific notation/,
    /^This link's mdoe="threads": not a setting/,
  ];
  assert.equal(state.problems.length, expected.length, state.problems.join('\n'));
  expected.forEach((re, i) => assert.match(state.problems[i], re));
  assert.equal(state.workers, String(await page.evaluate(() => window.spinlab.capabilities.poolSize || 2)), 'as many as there are');
  assert.equal(state.workload, 'book');
  // n keeps the page's default, the prime calibrated for this machine (it
  // arrives just after ready: wait for it, on this page and on a plain one).
  const calibratedN = () => waitFor(page, () => document.querySelector('[data-role=spinner-number]').value !== '', null, 'the calibrated prime in the spinner lab')
    .then(() => page.inputValue('[data-role=spinner-number]'));
  const linked = await calibratedN();
  await loadReady(page, URL);
  const plain = await calibratedN();
  assert.match(plain, /^\d+$/);
  assert.equal(linked, plain, 'the link kept the calibrated default');
  // What was good still applies: the thread model is the one focused.
  assert.equal(state.focused, 'thread');
  assert.equal(state.stats.liveProcesses, 0);
  assert.equal(state.stats.runsStarted, 0, 'no run started');
  assert.ok(state.transcripts.every((t) => t === ''), 'no transcript written');
});

test('no errors in the console', () => {
  assert.deepEqual(errors(), []);
});
