// Replaying the last pool run from its record: it reaches the same last
// event as the run, and one step back then forward returns to the same
// event. Events and words, not times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usePage } from './browser.mjs';

const { page, errors } = usePage();
const replay = '[data-experiment=pool] [data-role=replay]';
const eventText = () => page.textContent(`${replay} [data-role=replay-event]`);
const press = async (name) => {
  const selector = `${replay} button[data-replay=${name}]`;
  await page.$eval(selector, (el) => el.scrollIntoView({ block: 'center' }));
  await page.click(selector);
};

test('no replay before a run', async () => {
  assert.equal(await page.$eval(replay, (el) => el.hidden), true);
});

test('a run replays to its own last event; back then forward lands on the same event', async () => {
  const r = await page.evaluate(() => window.spinlab.runPool({ mode: 'threads', workers: 2 }));
  assert.equal(await page.$eval(replay, (el) => el.hidden), false);
  // The run's last event: the answer that came last.
  // (Of answers at the same moment, the replay ends on the later one.)
  const last = r.results.reduce((a, b) => (b.endMs >= a.endMs ? b : a));
  const words = `worker ${last.worker}: ${BigInt(last.n).toLocaleString('en-US')} is ${last.prime ? '' : 'not '}prime`;
  const atEnd = await eventText();
  assert.ok(atEnd.includes(words), `${atEnd} names ${words}`);
  const max = await page.$eval(`${replay} [data-role=replay-scrub]`, (el) => [el.value, el.max]);
  assert.equal(max[0], max[1], 'the cursor stands at the last event');
  assert.equal(Number(max[1]), 2 * r.results.length + 2, 'an event per worker up, per number taken, per answer');

  await press('back');
  const before = await eventText();
  assert.notEqual(before, atEnd);
  await press('back');
  await press('forward');
  assert.equal(await eventText(), before);
  await press('forward');
  assert.equal(await eventText(), atEnd);

  // Played from the start at ¼×, it reaches the same last event.
  await page.selectOption(`${replay} select[data-role=replay-speed]`, '0.25');
  // Every text the cursor shows, as it shows it.
  await page.evaluate((s) => {
    const out = document.querySelector(`${s} [data-role=replay-event]`);
    window.__replaySeen = [];
    new MutationObserver(() => window.__replaySeen.push(out.textContent)).observe(out, { childList: true, characterData: true, subtree: true });
  }, replay);
  await press('play');
  await page.waitForFunction((s) => {
    const scrub = document.querySelector(`${s} [data-role=replay-scrub]`);
    return scrub.value === scrub.max;
  }, replay, { timeout: 30_000, polling: 50 });
  assert.equal(await eventText(), atEnd);
  const seen = await page.evaluate(() => window.__replaySeen);
  assert.match(seen[0], /the run starts$/, 'played from the start');
  assert.ok(seen.length > 2, `it went through the run: ${seen.length} texts`);
  assert.deepEqual(errors(), []);
});
