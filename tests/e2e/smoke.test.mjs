// The foundation, end to end: the real server, the real page, real threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { nextReport, usePage } from './browser.mjs';

const { page, errors } = usePage();

test('the page is ready, cross-origin isolated, with a thread pool', async () => {
  const state = await page.evaluate(() => ({
    error: document.body.dataset.error ?? null,
    isolated: self.crossOriginIsolated,
    caps: window.spinlab.capabilities,
    cores: navigator.hardwareConcurrency,
  }));
  assert.equal(state.error, null, `the page reported an error: ${state.error}`);
  assert.equal(state.isolated, true);
  assert.equal(state.caps.crossOriginIsolated, true);
  assert.equal(state.caps.threads, true);
  assert.equal(state.caps.hardwareConcurrency, state.cores, 'the browser\'s own figure');
  assert.equal(state.caps.poolSize, Math.max(state.caps.hardwareConcurrency, 2));
  const shown = await page.textContent('[data-cap=threads] dd');
  assert.equal(shown, 'yes');
});

test('the smoke button checks the book prime on the main thread', async () => {
  const report = await nextReport(page);
  await page.click('[data-experiment=smoke] button[data-where=main]');
  const detail = await report();
  assert.equal(detail.where, 'main');
  assert.equal(detail.n, '5000111000222021');
  assert.equal(detail.prime, true);
  assert.ok(detail.elapsedMs > 0);
  const transcript = await page.textContent('[data-experiment=smoke] [data-role=transcript]');
  assert.match(transcript, /^5000111000222021  P +\d+\.\d{6}s$/m);
  // main()'s print(f'{n:,} {msg} prime').
  assert.match(transcript, /^5,000,111,000,222,021 is prime$/m);
  console.log(`# main thread: ${detail.elapsedMs.toFixed(1)} ms`);
});

test('runSmoke checks the book prime on a pool thread', async () => {
  const report = await page.evaluate(() => window.spinlab.runSmoke({ where: 'pool' }));
  assert.equal(report.where, 'pool');
  assert.equal(report.prime, true);
  assert.match(report.thread, /^pool thread #\d+$/);
  assert.ok(report.elapsedMs > 0 && report.roundTripMs >= report.elapsedMs);
  console.log(`# pool thread: ${report.elapsedMs.toFixed(1)} ms (${report.roundTripMs.toFixed(1)} ms round trip)`);
});

test('numbers above 2^53 cross the boundary exactly, as strings', async () => {
  for (const n of ['9007199254740993', '18446744073709551615']) {
    const report = await page.evaluate((n) => window.spinlab.runSmoke({ where: 'pool', n }), n);
    assert.equal(report.n, n);
    assert.equal(report.prime, false);
  }
  const big = await page.evaluate(() => window.spinlab.runSmoke({ where: 'main', n: 9007199254740993n }));
  assert.equal(big.n, '9007199254740993');
});

test('bad input is refused with a message, on the page and in the promise', async () => {
  for (const [n, pattern] of [
    ['12a', /"12a" is not a decimal integer: it contains 'a'/],
    ['abc', /"abc" is not a decimal integer: it contains 'a'/],
    ['1e9', /"1e9" is in scientific notation: write its digits, 1000000000/],
    ['0x1F', /"0x1F" is hexadecimal, 31 in decimal/],
    ['4.5', /"4.5" has a decimal point/],
    ['-7', /"-7" is negative/],
    ['+-3', /"\+-3" has a sign/],
    ['1,00', /"1,00" has a misplaced separator/],
    ['18446744073709551616', /is above 18446744073709551615/],
    ['184467440737095516160000', /is above 18446744073709551615/],
    ['', /no number given/],
    ['   ', /no number given/],
  ]) {
    const message = await page.evaluate(
      (n) => window.spinlab.runSmoke({ where: 'pool', n }).then(() => 'resolved', (e) => e.message),
      n,
    );
    assert.match(message, pattern, `n = ${JSON.stringify(n)}`);
    const shown = await page.textContent('[data-experiment=smoke] [data-role=message]');
    assert.match(shown, pattern);
  }
  const number = await page.evaluate(() =>
    window.spinlab.runSmoke({ where: 'pool', n: 5000111000222021 }).then(() => 'resolved', (e) => e.message));
  assert.match(number, /must be a decimal string/);
  const misspelt = await page.evaluate(() =>
    window.spinlab.runSmoke({ where: 'pool', number: '7' }).then(() => 'resolved', (e) => e.message));
  assert.equal(misspelt, 'runSmoke: unknown option "number"; it takes where, n');
  // Nothing was left running: the buttons are enabled again.
  assert.equal(await page.isDisabled('button[data-where=pool]'), false);
});

test('accepted: whitespace, digit separators, 0, 1, 2, and the largest prime with a warning', async () => {
  const smoke = (n) => page.evaluate((n) => window.spinlab.runSmoke({ where: 'pool', n }), n);
  for (const [n, value, prime] of [
    [' 5_000_111_000_222_021 ', '5000111000222021', true],
    ['1,000,003', '1000003', true],
    ['0', '0', false],
    ['1', '1', false],
    ['2', '2', true],
  ]) {
    const r = await smoke(n);
    assert.deepEqual([r.n, r.prime], [value, prime], JSON.stringify(n));
  }
  // The largest u64 prime: checked, after a warning that says how long and offers the split.
  const run = smoke('18446744073709551557');
  await page.waitForFunction(() =>
    /may need up to 2147483647 divisions: about \d+ s .*Split one big number/
      .test(document.querySelector('[data-experiment=smoke] [data-role=message]').textContent));
  const r = await run;
  assert.deepEqual([r.n, r.prime], ['18446744073709551557', true]);
});

test('a second run during a run is refused with a reason', async () => {
  const messages = await page.evaluate(async () => {
    const first = window.spinlab.runSmoke({ where: 'pool' });
    const second = window.spinlab.runSmoke({ where: 'pool' }).then(() => 'resolved', (e) => e.message);
    return [await first.then(() => 'first resolved'), await second];
  });
  assert.equal(messages[0], 'first resolved');
  assert.match(messages[1], /already running/);
});

test('no errors in the console', async () => {
  assert.deepEqual(errors(), []);
  if (process.env.SPINLAB_ARTIFACTS) {
    await mkdir(process.env.SPINLAB_ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${process.env.SPINLAB_ARTIFACTS}/foundation.png`, fullPage: true });
  }
});
