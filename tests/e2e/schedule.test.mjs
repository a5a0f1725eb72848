// You are the scheduler (the lock lab): hand-written orders whose loss is
// known, through window.spinlab.schedule and through the unit buttons.
// Counts, not times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage } from './browser.mjs';

const { page, errors } = usePage();
const schedule = (o) => page.evaluate((o) => window.spinlab.schedule(o), o);
const refusal = (o) => page.evaluate((o) => window.spinlab.schedule(o).then(() => 'resolved', (e) => e.message), o);
const panel = '[data-experiment=lock] [data-role=scheduler]';

test('both units read 0, both write 1: one update lost, and the log says whose', async () => {
  const r = await schedule({ units: 2, increments: 1, lock: false, order: [0, 1, 0, 0, 1, 1] });
  assert.equal(r.experiment, 'schedule');
  assert.deepEqual([r.expected, r.got, r.lost], [2, 1, 1]);
  assert.deepEqual(
    r.steps.map(({ unit, op, local, counter }) => [unit, op, local, counter]),
    [[0, 'read', 0, 0], [1, 'read', 0, 0], [0, 'add', 1, 0], [0, 'write', 1, 1], [1, 'add', 1, 1], [1, 'write', 1, 1]],
  );
  assert.deepEqual(r.steps[5].overwrote, [3]);
  // Its trace: a slice per step on its unit's row, an instant at the lost write.
  const trace = await page.evaluate(() => window.spinlab.lastTrace());
  const slices = trace.traceEvents.filter((e) => e.ph === 'X');
  assert.deepEqual(slices.map((e) => e.tid), [1, 2, 1, 1, 2, 2]);
  assert.deepEqual(trace.traceEvents.filter((e) => e.ph === 'i').map((e) => [e.tid, e.args.overwrote]), [[2, [3]]]);
  // The panel shows the same run.
  await page.$eval(panel, (d) => { d.open = true; });
  const log = await page.$$eval(`${panel} [data-role=schedule-log] li`, (lis) => lis.map((li) => [li.textContent, li.className]));
  assert.equal(log.length, 6);
  assert.deepEqual(log[5], ["unit 1 writes 1 over unit 0's write of 1: one update lost", 'lost']);
  assert.equal(await page.textContent(`${panel} [data-role=schedule-counter]`), '1');
  assert.equal(await page.textContent(`${panel} [data-role=schedule-tally]`), 'expected 2 · got 1 · 1 update lost');
});

test('a slow writer wipes out every update made since its read', async () => {
  // Unit 0 reads 0 and stalls; unit 1 counts to 3; unit 0 writes 1, then counts alone.
  const order = [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
  const r = await schedule({ units: 2, increments: 3, order });
  assert.deepEqual([r.expected, r.got, r.lost], [6, 3, 3]);
  assert.deepEqual(r.steps[11].overwrote, [3, 6, 9]);
});

test('with the lock a waiting unit is refused, naming the step, and nothing is lost', async () => {
  assert.equal(
    await refusal({ units: 2, increments: 1, lock: true, order: [0, 1] }),
    'step 2: unit 1 waits for the lock, which unit 0 holds: it cannot take a step',
  );
  const r = await schedule({ units: 2, increments: 1, lock: true, order: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1] });
  assert.deepEqual([r.expected, r.got, r.lost], [2, 2, 0]);
  assert.deepEqual(r.steps.map((s) => s.op).slice(0, 5), ['acquire', 'read', 'add', 'write', 'release']);
});

test('bad options are refused with a reason, on the page and in the promise', async () => {
  for (const [options, reason] of [
    [{ units: 5, order: [] }, /^units must be a whole number from 2 to 4, not 5$/],
    [{ units: 2, increments: 1 }, /^schedule needs an order: the unit \(0 to 1\) that takes each step, 6 in all/],
    [{ units: 2, increments: 1, order: [0, 'x'] }, /^order\[1\] must be a whole number from 0 to 1/],
    [{ units: 2, increments: 1, order: [0, 1] }, /^the order ends after 2 steps with 4 still to take/],
    [{ units: 2, increments: 1, order: [0, 0, 0, 0] }, /^step 4: unit 0 has finished its increments$/],
    [{ units: 2, colour: 'red' }, /unknown option "colour"/],
  ]) {
    const message = await refusal(options);
    assert.match(message, reason);
    assert.equal(await page.textContent(`${panel} [data-role=schedule-tally]`), message);
  }
});

test('the buttons: a turn per press, waiting for the lock, step back, auto', async () => {
  // In the middle of the view: WebKitWebDriver's own scroll can leave a
  // button under the page's sticky header, and refuse the click.
  const press = async (selector) => {
    await page.$eval(selector, (el) => el.scrollIntoView({ block: 'center' }));
    await page.click(selector);
  };
  await page.$eval(panel, (d) => { d.open = true; });
  await page.selectOption(`${panel} select[data-role=schedule-units]`, '2');
  await page.fill(`${panel} input[data-role=schedule-increments]`, '1');
  const lock = `${panel} input[data-role=schedule-lock]`;
  if (await page.isChecked(lock)) await page.uncheck(lock);
  await press(`${panel} button[data-role=schedule-reset]`);
  const unit = (u) => `${panel} button[data-unit="${u}"]`;
  assert.equal(await page.textContent(unit(0)), 'unit 0: local = counter');
  // Both read 0, then both add and write: one update lost.
  for (const u of [0, 1, 0, 0, 1]) await press(unit(u));
  assert.equal(await page.textContent(unit(1)), 'unit 1: counter = local');
  await press(unit(1));
  assert.equal(await page.textContent(`${panel} [data-role=schedule-tally]`), 'expected 2 · got 1 · 1 update lost');
  assert.ok(await page.isDisabled(unit(0)), 'a finished unit cannot take the turn');
  // One step back: unit 1's write undone.
  await press(`${panel} button[data-role=schedule-undo]`);
  assert.equal(await page.textContent(unit(1)), 'unit 1: counter = local');
  assert.equal(await page.$$eval(`${panel} [data-role=schedule-log] li`, (lis) => lis.length), 5);
  // With the lock, the other unit waits while the first holds it.
  await page.check(lock);
  await press(unit(0));
  assert.equal(await page.textContent(unit(1)), 'unit 1: waiting for the lock');
  assert.ok(await page.isDisabled(unit(1)));
  // Auto finishes the run: nothing lost under the lock.
  await press(`${panel} button[data-role=schedule-auto]`);
  assert.equal(await page.textContent(`${panel} [data-role=schedule-tally]`), 'expected 2 · got 2 · nothing lost');
  assert.deepEqual(errors(), []);
});
