// The page is the chapter: its sections in the order of the seed notes,
// each with a stable id and its number; the contents name every one and
// mark the one in view; the GIL's facts and the conclusion's lessons lead
// to their runs; a figure in the prose comes from the shipped reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { URL, chromiumOnly, loadReady, nextReport, usePage, waitFor } from './browser.mjs';

const { page, errors } = usePage();

/** The chapter's sections, in the seed notes' order, and spinlab's additions after them. */
const CHAPTER = [
  ['1', 'introduction', /^Introduction/],
  ['2', 'big-picture', /^The big picture/],
  ['3', 'jargon', /^Concurrency terms/],
  ['4', 'gil', /^Processes, threads, and Python's infamous GIL$/],
  ['5', 'hello-world', /^A concurrent hello world/],
  ['6', 'real-impact', /^The real impact of the GIL/],
  ['7', 'pool', /^A homegrown process pool$/],
  ['8', 'multicore', /^Python in the multi-core world$/],
  ['9', 'conclusion', /^Conclusion/],
  ['extra', 'beyond', /^Beyond the chapter$/],
  ['extra', 'lock', /^Lock lab/],
  ['extra', 'bench', /^How fast is it here\? The page's own measurements$/],
];

test('the sections follow the chapter, each with an id and its number; the contents name them all', async () => {
  const sections = await page.$$eval('main section:has(> h2)', (ss) => ss.map((s) => ({
    id: s.id, chapter: s.dataset.chapter ?? null, title: s.querySelector(':scope > h2').textContent.trim(),
  })));
  assert.ok(sections.every((s) => s.id !== ''), `every h2 section has an id: ${JSON.stringify(sections)}`);
  const numbered = sections.filter((s) => s.chapter !== null);
  assert.deepEqual(numbered.map((s) => [s.chapter, s.id]), CHAPTER.map(([n, id]) => [n, id]));
  for (const [i, [, id, title]] of CHAPTER.entries()) assert.match(numbered[i].title, title, id);
  // is_prime comes in with the real impact of the GIL, not before the hello world.
  assert.equal(await page.getAttribute('[data-experiment=smoke]', 'id'), 'real-impact');
  assert.equal(await page.getAttribute('[data-experiment=spinner]', 'id'), 'hello-world');
  // The contents: the nine chapter sections in order, then the additions, apart.
  const contents = await page.$$eval('[data-role=contents] ol a', (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(contents, CHAPTER.filter(([n]) => n !== 'extra').map(([, id]) => `#${id}`));
  const beyond = await page.$$eval('[data-role=contents] .toc-beyond a', (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(beyond, ['#beyond', '#lock', '#bench']);
});

test('the contents mark the section in view as the reader moves', async () => {
  for (const id of ['gil', 'pool', 'conclusion']) {
    await page.evaluate((id) => document.getElementById(id).scrollIntoView({ block: 'start' }), id);
    await waitFor(page, (id) => document.querySelector(`[data-role=contents] a[aria-current=location]`)?.getAttribute('href') === `#${id}`,
      id, `the contents to mark #${id}`, 10_000);
    assert.equal(await page.evaluate(() => document.querySelectorAll('[data-role=contents] [aria-current]').length), 1);
  }
  await page.evaluate(() => window.scrollTo(0, 0));
});

test("the big picture's four points come in the book's order, each with its run", async () => {
  const points = await page.$$eval('#big-picture [data-role=points] > li', (ls) => ls.map((l) => ({
    text: l.textContent, links: [...l.querySelectorAll('a')].map((a) => a.getAttribute('href')),
  })));
  assert.equal(points.length, 4);
  assert.match(points[0].text, /keeping track[\s\S]*error[\s\S]*channel/);
  assert.match(points[1].text, /not cheap[\s\S]*loop/);
  assert.match(points[2].text, /half done/);
  assert.match(points[3].text, /coroutine is cheap to start[\s\S]*cancelled/);
  for (const link of points.flatMap((p) => p.links).filter((l) => l.startsWith('#'))) {
    assert.equal(await page.locator(link).count(), 1, link);
  }
  assert.deepEqual(points[3].links, ['?lab=spinner&model=coroutine&slow=sleep']);
});

test('errors come back through a channel: where each unit\'s error goes', async () => {
  const expected = {
    thread: { reachedCaller: false, exitCode: null, first: 'Exception in thread Thread-1 (work):', where: /excepthook/ },
    process: { reachedCaller: false, exitCode: 1, first: 'Process Process-1:', where: /exitcode == 1/ },
    coroutine: { reachedCaller: true, exitCode: null, first: 'Traceback (most recent call last):', where: /caught/ },
  };
  for (const [model, e] of Object.entries(expected)) {
    const r = await page.evaluate((m) => window.spinlab.runErrors({ model: m }), model);
    assert.equal(r.experiment, 'errors');
    assert.equal(r.model, model);
    assert.equal(r.raised, 'ZeroDivisionError');
    assert.equal(r.reachedCaller, e.reachedCaller, model);
    assert.equal(r.exitCode, e.exitCode, model);
    assert.equal(r.transcript[0], e.first, model);
    assert.equal(r.transcript.at(-1), 'ZeroDivisionError: division by zero', model);
    assert.ok(r.notes.some((n) => n.includes('…/')), 'the notes say how paths are shown');
    assert.match(await page.textContent(`[data-experiment=errors] [data-role=error-paths] [data-model=${model}] [data-role=where]`), e.where);
  }
  // A button runs the same code; its listing is the unit's.
  const report = await nextReport(page, `(r) => r.experiment === 'errors'`);
  await page.click('[data-experiment=errors] button[data-model=process]');
  assert.equal((await report()).exitCode, 1);
  assert.equal(await page.getAttribute('[data-experiment=errors] [data-role=code] a[download]', 'download'), 'errors_proc.py');
  // Bad requests are refused with the reason, on the page too.
  for (const [options, pattern] of [
    [undefined, /model is missing/],
    [{ model: 'greenlet' }, /model must be "thread", "process" or "coroutine", not "greenlet"/],
    [{ model: 'thread', modle: 1 }, /unknown option "modle"/],
  ]) {
    const message = await page.evaluate((o) => window.spinlab.runErrors(o).then(() => 'resolved', (e) => e.message), options);
    assert.match(message, pattern);
  }
  assert.match(await page.textContent('[data-experiment=errors] [data-role=message]'), /unknown option "modle"/);
});

test("the GIL's ten facts: each links to the run that shows it, or says the page cannot", async () => {
  const facts = await page.$$eval('#gil [data-role=gil-facts] > li', (ls) => ls.map((l) => ({
    text: l.textContent, links: [...l.querySelectorAll('a')].map((a) => a.getAttribute('href')),
  })));
  assert.equal(facts.length, 10);
  for (const [i, fact] of facts.entries()) {
    if (fact.links.length === 0) assert.match(fact.text, /cannot show/, `fact ${i + 1}`);
  }
  assert.equal(facts.filter((f) => f.links.length === 0).length, 1, 'one fact the page cannot show');
  assert.match(facts[3].text, /5 ms/);
  // Each link opens its lab set up, its button focused, nothing run and nothing refused.
  for (const link of facts.flatMap((f) => f.links)) {
    await loadReady(page, new globalThis.URL(link, URL).href);
    const params = new globalThis.URLSearchParams(link.slice(1));
    const state = await page.evaluate(() => ({
      model: document.activeElement?.dataset.model ?? null,
      mode: document.activeElement?.dataset.mode ?? null,
      workload: document.querySelector('[data-role=workload]').value,
      problems: document.querySelector('[data-role=link-problems]')?.textContent ?? '',
      runs: window.spinlab.stats().runsStarted,
    }));
    assert.deepEqual(state, {
      model: params.get('model'), mode: params.get('mode'), workload: params.get('workload') ?? 'book', problems: '', runs: 0,
    }, link);
  }
  await loadReady(page, URL);
});

test("the quiz's answers each open the spinner lab set up for the run they describe", async () => {
  const links = await page.$$eval('[data-experiment=smoke] .quiz a', (as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(links, ['?lab=spinner&model=process&slow=prime', '?lab=spinner&model=thread-gil&slow=prime',
    '?lab=spinner&model=coroutine&slow=prime']);
  for (const link of links) {
    await loadReady(page, new globalThis.URL(link, URL).href);
    const params = new globalThis.URLSearchParams(link.slice(1));
    const state = await page.evaluate(() => ({
      model: document.activeElement?.closest('[data-experiment=spinner]') ? document.activeElement.dataset.model : null,
      slow: document.querySelector('[data-experiment=spinner] input[data-role=slow]:checked')?.value ?? null,
      runs: window.spinlab.stats().runsStarted,
    }));
    assert.deepEqual(state, { model: params.get('model'), slow: 'prime', runs: 0 }, link);
  }
  await loadReady(page, URL);
});

test("the conclusion's three lessons each set the spinner lab up and run it", async () => {
  // A small prime: the runs are the lab's own, and short.
  await page.fill('[data-role=spinner-number]', '1000003');
  const buttons = await page.$$eval('#conclusion button[data-run]', (bs) => bs.map((b) => b.dataset.run));
  assert.deepEqual(buttons, ['lab=spinner&model=coroutine&slow=prime', 'lab=spinner&model=thread-gil&slow=prime',
    'lab=spinner&model=process&slow=prime']);
  for (const run of buttons) {
    const model = new globalThis.URLSearchParams(run).get('model');
    const report = await nextReport(page, `(r) => 'spinnerFrames' in r`);
    const before = (await page.evaluate(() => window.spinlab.stats())).runsStarted;
    // Pressed in the page: a driver's pointer click lands where the button
    // was when it looked, and the previous press has just scrolled the page
    // to the spinner lab (once in WebKit no run started, and nothing said so).
    await page.evaluate((run) => document.querySelector(`#conclusion button[data-run="${run}"]`).click(), run);
    // Bounded, and a run that never came or never ended says where it stood.
    try {
      await waitFor(page, ([before]) => window.spinlab.stats().runsStarted > before && !document.querySelector('[data-experiment=spinner] button[data-model=coroutine]').disabled,
        [before], `${run} to start and end`, 60_000);
    } catch (e) {
      const state = await page.evaluate(() => JSON.stringify({
        stats: window.spinlab.stats(),
        message: document.querySelector('[data-experiment=spinner] [data-role=message]')?.textContent,
        transcript: document.querySelector('[data-experiment=spinner] [data-role=transcript]')?.textContent.slice(-400),
        focused: document.activeElement?.outerHTML.slice(0, 120),
      }));
      throw new Error(`${e.message}; the page: ${state}`);
    }
    const r = await report();
    assert.equal(r.model, model, run);
    assert.equal(r.slow, 'prime', run);
    assert.equal(r.n, '1000003', run);
    assert.equal(new globalThis.URLSearchParams(await page.evaluate(() => location.search)).get('model'), model, 'the address follows');
  }
});

test('a figure in the prose comes from the shipped reference run', chromiumOnly('needs request interception, which the adapters have in Chromium only'), async () => {
  const sentence = '[data-experiment=smoke] [data-reference]';
  await waitFor(page, (s) => !/is loading/.test(document.querySelector(s).textContent), sentence, 'the reference run to be read', 10_000);
  const shipped = await page.textContent(sentence);
  assert.match(shipped, /(×.*measured by \.\/x bench on the machine that built this page|not known here)/);
  // The same page with a reference that says something else: the sentence follows it.
  const figure = { group: 'vs CPython', label: 'is_prime(5000111000222021): CPython / spinlab', median: 7, min: 6, max: 8, runs: 3,
    shown: '7.0×', range: '6.0× – 8.0×', target: 'report', verdict: 'reported', detail: 'CPython 700.0 ms, spinlab 100.0 ms' };
  const reference = { date: '2000-01-01 00:00 UTC', machine: { cpu: 'a test machine' }, figures: [figure] };
  await page.route('**/pkg/reference.json', (route) => route.fulfill({ contentType: 'application/json', body: JSON.stringify(reference) }));
  await loadReady(page, URL);
  await waitFor(page, (s) => /7\.0×/.test(document.querySelector(s).textContent), sentence, 'the sentence to quote the served reference', 10_000);
  assert.equal(await page.textContent(sentence),
    '7.0× (CPython 700.0 ms, spinlab 100.0 ms), measured by ./x bench on the machine that built this page (a test machine, 2000-01-01 00:00 UTC), not in your browser');
  // And without any: the sentence says so, with no figure of its own.
  await page.unroute('**/pkg/reference.json');
  await page.route('**/pkg/reference.json', (route) => route.fulfill({ contentType: 'application/json', body: 'null' }));
  await loadReady(page, URL);
  await waitFor(page, (s) => /not known here/.test(document.querySelector(s).textContent), sentence, 'the sentence to say there is no reference', 10_000);
  await page.unroute('**/pkg/reference.json');
  await loadReady(page, URL);
});

test("the sweep plot's reference curves are figures too, not only pixels", async () => {
  const rows = await page.$$eval('[data-experiment=pool] [data-role=sweep-reference] tr', (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, 21, "a header and the author's 20 medians");
  assert.equal(rows[1], '140.81 s');
  assert.equal(rows[20], '2010.73 s');
  assert.match(await page.textContent('[data-experiment=pool] [data-role=sweep-reference]'), /log-procs\.txt[\s\S]*8 processes 6\.51 s/);
});

test('no errors in the console', () => {
  assert.deepEqual(errors(), []);
});
