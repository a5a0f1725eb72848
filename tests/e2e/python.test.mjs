// The page's Python, run by CPython: every listing's Download .py link (and
// primes.py) is saved as a learner would save it and run with python3, on a
// short workload; its output must have the shape of the page's transcript
// for the same experiment: the same lines, once times, pids, ids and paths
// (which differ by nature) are set aside. Needs python3 3.11+ (./x test
// installs it on Debian).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { usePage } from './browser.mjs';
import { FIXTURE, isPrime } from './fixtures.mjs';

const { page, errors } = usePage();
const run = promisify(execFile);

/** A number CPython checks at once, and a few it rules out at once. */
const SMALL_PRIME = '1000000007';
const SMALL = ['2', SMALL_PRIME, '3333333333333333', '4444444444444444', '5555555555555555', '999999937', '9999999999999999'];

let dir;
test('python3 is here, 3.11 or later', async () => {
  const { stdout } = await run('python3', ['-c', 'import sys; print(*sys.version_info[:2])']);
  const [major, minor] = stdout.trim().split(' ').map(Number);
  assert.ok(major === 3 && minor >= 11, `python3 ${stdout.trim()}: the listings need 3.11+`);
  dir = await mkdtemp(join(tmpdir(), 'spinlab-python-'));
});

/** The section's download links: { file: text }, decoded from their data: URLs. */
async function downloads(section) {
  const links = await page.$$eval(`[data-experiment=${section}] [data-role=code] a[download]`,
    (as) => as.map((a) => [a.getAttribute('download'), a.href]));
  const out = {};
  for (const [file, href] of links) {
    assert.match(file, /^[a-z_]+\.py$/, file);
    assert.ok(href.startsWith('data:text/x-python;charset=utf-8,'), href.slice(0, 40));
    out[file] = decodeURIComponent(href.slice(href.indexOf(',') + 1));
  }
  return out;
}

/** Saves the section's listing and primes.py; returns the listing's name. */
async function save(section) {
  const files = await downloads(section);
  const names = Object.keys(files);
  assert.equal(names.length, 2, `a listing and primes.py: ${names}`);
  assert.ok(names.includes('primes.py'));
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return names.find((f) => f !== 'primes.py');
}

/** What a terminal shows of CPython's output: each line after its last \r. */
async function python(file, args, env = {}) {
  const { stdout } = await run('python3', [file, ...args], {
    cwd: dir, timeout: 120_000, env: { ...process.env, ...env },
  });
  return stdout.split('\n').map((l) => l.split('\r').pop().trimEnd()).filter((l) => l !== '');
}

/** A line with what differs by nature set aside: times, pids, unit ids, paths. */
const shape = (line) => line
  .replace(/\b\d+\.\d+s\b/g, 'T')
  .replace(/parent=\d+/, 'parent=PID')
  .replace(/(Thread|Process|Task)-\d+/g, '$1-N')
  .replace(/running at \S*\/([^/\s]+\.py:\d+)/, 'running at $1');

/** The page's transcript and CPython's lines, compared as shapes (in any order for a pool). */
function same(page, cpython, { ordered }) {
  const a = page.map(shape);
  const b = cpython.map(shape);
  if (!ordered) { a.sort(); b.sort(); }
  assert.deepEqual(b, a, `CPython printed\n${cpython.join('\n')}\nthe page\n${page.join('\n')}`);
}

const SPINNER_CASES = [
  { model: 'thread', slow: 'sleep' },
  { model: 'process', slow: 'sleep' },
  { model: 'coroutine', slow: 'sleep' },
  { model: 'coroutine', slow: 'blocking-sleep' },
  { model: 'thread', slow: 'prime' },
  { model: 'process', slow: 'prime' },
  { model: 'coroutine', slow: 'prime' },
  { model: 'coroutine-nap', slow: 'prime' },
  { model: 'coroutine-offload', offload: 'thread', slow: 'prime' },
  { model: 'coroutine-offload', offload: 'process', slow: 'prime' },
];

test('every spinner listing runs in CPython and prints the page\'s lines', async () => {
  for (const options of SPINNER_CASES) {
    const request = options.slow === 'prime' ? { ...options, n: SMALL_PRIME } : options;
    const r = await page.evaluate((o) => window.spinlab.runSpinner(o), request);
    const file = await save('spinner');
    // The page sleeps 3 s; CPython 0.3 s. The page's number is CPython's.
    const lines = await python(file, [options.slow === 'prime' ? SMALL_PRIME : '0.3']);
    console.log(`# ${file}: ${lines.join(' | ')}`);
    same(r.transcript, lines, { ordered: true });
  }
});

test('every errors listing runs in CPython and prints the page\'s first and last lines', async () => {
  for (const model of ['thread', 'process', 'coroutine']) {
    const r = await page.evaluate((m) => window.spinlab.runErrors({ model: m }), model);
    const file = await save('errors');
    // The traceback goes to stderr, where CPython prints it.
    const { stderr } = await run('python3', [file], { cwd: dir, timeout: 60_000 });
    const lines = stderr.split('\n').filter((l) => l !== '');
    console.log(`# ${file}: ${lines[0]} … ${lines.at(-1)}`);
    assert.equal(lines[0], r.transcript[0], file);
    assert.equal(lines.at(-1), r.transcript.at(-1), file);
  }
});

const POOL_CASES = [
  { mode: 'sequential', workers: 1 },
  { mode: 'processes', workers: 2 },
  { mode: 'threads', workers: 2 },
  { mode: 'threads-gil', workers: 2 },
  { mode: 'rayon', workers: 2 },
];

test('every pool listing runs in CPython and prints the page\'s lines', async () => {
  for (const { mode, workers } of POOL_CASES) {
    const r = await page.evaluate((o) => window.spinlab.runPool(o), { mode, workers, numbers: SMALL });
    const file = await save('pool');
    const args = mode === 'sequential' ? SMALL : [String(workers), ...SMALL];
    const lines = await python(file, args);
    console.log(`# ${file} (${mode}): ${lines.length} lines`);
    same(r.transcript, lines, { ordered: false });
    // An independent oracle for the labels both printed.
    for (const row of lines.slice(1, -1)) {
      const [n] = row.trim().split(/\s+/);
      assert.equal(row.slice(18, 19) === 'P', isPrime(n), row);
    }
  }
});

test('the early procs.py listing loses results in CPython too, and ends with Total time', async () => {
  const r = await page.evaluate((o) => window.spinlab.runPool(o),
    { mode: 'processes', workers: 2, numbers: SMALL, race: true });
  assert.equal(r.race, true);
  const file = await save('pool');
  assert.equal(file, 'procs_race.py');
  // DELAY: the reader's sleep before jobs.empty(), shortened (see the listing).
  const lines = await python(file, ['2', ...SMALL], { DELAY: '0.2' });
  console.log(`# ${file}: ${lines.join(' | ')}`);
  assert.equal(shape(lines[0]), shape(r.transcript[0]), 'the header');
  assert.match(lines.at(-1), /^Total time: \d+\.\d\ds$/);
  assert.match(r.transcript.at(-1), /^Total time: \d+\.\d\ds$/);
  // Whatever rows survived the race are rows the full run prints.
  const full = new Set((await page.evaluate((o) => window.spinlab.runPool(o), { mode: 'processes', workers: 2, numbers: SMALL }))
    .transcript.slice(1, -1).map(shape));
  for (const row of lines.slice(1, -1)) assert.ok(full.has(shape(row)), row);
  assert.ok(lines.length - 2 < SMALL.length, `the sleep made the loop stop early: ${lines.length - 2} of ${SMALL.length} rows`);
});

test('the big picture\'s listings run in CPython and print the page\'s lines', async () => {
  // Only the times differ between the page and CPython.
  const timeless = (line) => line.replace(/\d+\.\d+s/g, 'Ns').replace(/[\d.]+ ms each/, 'N ms each');
  for (const via of ['copy', 'transfer', 'share']) {
    const r = await page.evaluate((o) => window.spinlab.runCrossing(o), { via, bytes: 65536 });
    const file = await save('big-picture');
    assert.equal(file, 'crossing.py');
    const lines = await python(file, [via, '65536']);
    console.log(`# ${file} ${via}: ${lines.join(' | ')}`);
    assert.deepEqual(lines.map(timeless), r.transcript.map(timeless));
  }
  const r = await page.evaluate((o) => window.spinlab.runStartCost(o), { units: 'processes', count: 2 });
  const file = await save('big-picture');
  assert.equal(file, 'start_cost.py');
  const lines = await python(file, ['processes', '2']);
  console.log(`# ${file}: ${lines.join(' | ')}`);
  assert.deepEqual(lines.map(timeless), r.transcript.map(timeless));
});

test('primes.py holds the book\'s fixture and its is_prime agrees with an independent oracle', async () => {
  // (Its own `python3 primes.py` checks the whole fixture: half a minute of
  // CPython, too long here; the small numbers and the fixture's list do.)
  const { stdout } = await run('python3', ['-c', `
from primes import NUMBERS, PRIME_FIXTURE, is_prime
print(*NUMBERS)
print(*[int(p) for _, p in PRIME_FIXTURE])
print(*[int(is_prime(n)) for n in (${SMALL.join(', ')}, 0, 1, 9, 25)])`], { cwd: dir });
  const [numbers, answers, small] = stdout.trim().split('\n').map((l) => l.split(' '));
  assert.deepEqual(numbers.map((n, i) => [n, answers[i] === '1']), FIXTURE);
  assert.deepEqual(small.map((x) => x === '1'), [...SMALL, '0', '1', '9', '25'].map(isPrime));
  await rm(dir, { recursive: true, force: true });
});

test('no errors in the console', () => {
  assert.deepEqual(errors(), []);
});
