// Acting as a learner: build a small system from the palette, run it, break and repair
// it, undo, reload, and try a wire the engine refuses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startSession, openApp, ARTIFACTS } from '../harness.mjs';

let session;
before(async () => { session = await startSession(); });
after(async () => { await session?.close(); });

/** Users → DNS → load balancer → two web servers, built by dragging. */
async function buildSystem(app, beforeWiring = async () => {}) {
  const users = await app.addComponent('users', 90, 200);
  const dns = await app.addComponent('dns', 260, 90);
  const lb = await app.addComponent('load_balancer', 430, 200);
  const web1 = await app.addComponent('web_server', 620, 110);
  const web2 = await app.addComponent('web_server', 620, 300);
  await beforeWiring();
  await app.wire(users, dns);
  await app.wire(dns, lb);
  await app.wire(lb, web1);
  await app.wire(lb, web2);
  return { users, dns, lb, web1, web2 };
}

test('a learner builds, runs, breaks and repairs a system', async () => {
  const { page, context, problems, app } = await openApp(session);
  // An empty canvas claims no resilience it cannot know of.
  assert.equal(await app.byTestId('resilience').innerText(), 'Nothing to check until Users send traffic.');
  const ids = await buildSystem(app, async () => {
    // Nor does a canvas whose Users are not wired to anything yet.
    await page.keyboard.press('Escape');
    assert.equal(await app.byTestId('resilience').innerText(), 'Nothing to check until Users send traffic.');
  });
  assert.equal(await app.nodes().count(), 5);
  assert.equal(await app.edges().count(), 4);
  // With nothing selected the inspector names the single points of failure.
  await page.keyboard.press('Escape');
  assert.match(await app.byTestId('resilience').innerText(), /Load balancer 1 fails.*single point of failure/);

  await app.setSpeed(4);
  await app.run();
  const throughput = await app.waitForMetric('throughput', (v) => v > 0);
  assert.ok(throughput > 0);
  await page.screenshot({ path: `${ARTIFACTS}running.png` });

  // Kill one web server: until the health check notices, requests to it fail.
  const errorsBefore = await app.metric('errors');
  await app.clickNode(ids.web1);
  await app.node(ids.web1).and(page.locator('.down')).waitFor();
  await app.waitForMetric('errors', (v) => v > errorsBefore);
  await page.screenshot({ path: `${ARTIFACTS}server-killed.png` });
  // The inspector charts the selected server second by second.
  const chart = app.byTestId('node-chart');
  await chart.scrollIntoViewIfNeeded();
  await page.locator('[data-testid=inspector]').screenshot({ path: `${ARTIFACTS}node-chart.png` });
  assert.ok((await chart.locator('polyline.util').getAttribute('points')).split(' ').length >= 2);
  assert.equal(await app.byTestId('node-state').innerText(), 'down');
  assert.match(await app.byTestId('metric-selected').innerText(), /web server[\s\S]*down/i);
  // The errors' cause in the learner's words.
  assert.match(await app.byTestId('error-causes').innerText(), /^Component down\s+[\d,]+$/m);

  // Restore it: it is shown as up again and the run keeps serving.
  await app.clickNode(ids.web1);
  await page.waitForFunction(
    (id) => !document.querySelector(`svg [data-testid="node-${id}"]`).classList.contains('down'),
    ids.web1,
  );
  const served = await app.metric('throughput');
  assert.ok(served > 0);
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * With `message` shown about a value refused in `field`: typing again ends it; so does
 * a change of the value it spoke of, by an undo say. (`taken` is accepted, then
 * `refused` is refused with `stays` kept, and the undo goes back to `before`.)
 */
async function refusalEnds(app, field, message, { taken, refused, stays, before }) {
  await field.press('Backspace');
  await message.waitFor({ state: 'detached' });
  await field.fill(taken);
  await field.press('Enter');
  await field.fill(refused);
  await field.press('Enter');
  assert.match(await message.innerText(), stays);
  await app.byTestId('undo').click();
  assert.equal(await field.inputValue(), before);
  await message.waitFor({ state: 'detached' });
}

test('undo removes the last edit and redo brings it back', async () => {
  const { page, context, problems, app } = await openApp(session);
  await app.addComponent('users', 90, 200);
  const web = await app.addComponent('web_server', 400, 200);
  assert.equal(await app.nodes().count(), 2);
  await app.byTestId('undo').click();
  assert.equal(await app.nodes().count(), 1);
  assert.equal(await app.node(web).count(), 0);
  await page.keyboard.press('Control+Shift+Z');
  assert.equal(await app.node(web).count(), 1);
  await page.keyboard.press('Control+Z');
  assert.equal(await app.node(web).count(), 0);
  // The sandbox keeps its undo history while the learner visits a chapter, which
  // starts with none of its own.
  await page.keyboard.press('Control+Shift+Z');
  await app.byTestId('chapters-button').click();
  await app.byTestId('chapter-item-0').click();
  await app.byTestId('chapter-title').waitFor();
  assert.equal(await app.byTestId('undo').isDisabled(), true);
  await app.byTestId('sandbox-button').click();
  await app.node(web).waitFor();
  await app.byTestId('undo').click();
  assert.equal(await app.node(web).count(), 0);
  assert.equal(await app.byTestId('redo').isDisabled(), false);
  // A chapter keeps its own too, through its save in the browser's storage.
  await app.byTestId('chapters-button').click();
  await app.byTestId('chapter-item-0').click();
  await app.byTestId('chapter-title').waitFor();
  const extra = await app.addComponent('web_server', 600, 420);
  await app.byTestId('sandbox-button').click();
  await app.byTestId('chapters-button').click();
  await app.byTestId('chapter-item-0').click();
  await app.node(extra).waitFor();
  await app.byTestId('undo').click();
  assert.equal(await app.node(extra).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('undo takes back scenario edits and a scenario import in turn with diagram edits', async () => {
  const { page, context, problems, app } = await openApp(session);
  const duration = app.byTestId('scenario-duration');
  // A number typed again as it was changes nothing, so there is nothing to undo.
  assert.equal(await duration.inputValue(), '60');
  await duration.fill('60.0');
  await duration.press('Enter');
  assert.equal(await app.byTestId('undo').isDisabled(), true);
  // The field shows the number as the scenario holds it.
  assert.equal(await duration.inputValue(), '60');
  const users = await app.addComponent('users', 90, 200);
  // A spike starts and lasts whole seconds: 30.6 is refused, not cut to 30.
  await app.byTestId(`traffic-profile-${users}`).selectOption('spike');
  const spikeAt = app.byTestId(`traffic-at-${users}`);
  const spikeWas = await spikeAt.inputValue();
  await spikeAt.fill('30.6');
  await spikeAt.press('Enter');
  await page.getByText(`Spike at (s) must be a whole number from 0 to 3,600; it stays ${spikeWas}.`).waitFor();
  assert.equal(await spikeAt.inputValue(), spikeWas);
  const web = await app.addComponent('web_server', 400, 200);
  await duration.fill('99');
  await duration.press('Enter');
  // The duration, not the web server added before it.
  await app.byTestId('undo').click();
  assert.equal(await duration.inputValue(), '60');
  assert.equal(await app.nodes().count(), 2);
  await app.byTestId('redo').click();
  assert.equal(await duration.inputValue(), '99');

  // Deleting a component takes its scheduled failure with it, and undo brings both back.
  await app.byTestId('add-event').click();
  await app.byTestId('event-0').locator('select').nth(1).selectOption(web);
  await app.clickNode(web);
  await app.byTestId('delete-node').click();
  assert.equal(await app.node(web).count(), 0);
  assert.equal(await app.byTestId('event-0').count(), 0);
  await app.byTestId('undo').click();
  assert.equal(await app.node(web).count(), 1);
  assert.equal(await app.byTestId('event-0').locator('select').nth(1).inputValue(), web);

  // An imported scenario replaces the learner's, and undo brings theirs back (as it
  // was just before, not as it was one edit earlier).
  await duration.fill('77');
  await duration.press('Enter');
  const file = join(mkdtempSync(join(tmpdir(), 'scalelab-scenario-')), 'short.json');
  writeFileSync(file, JSON.stringify({ version: 2, duration_s: 10 }));
  await app.byTestId('share-button').click();
  await app.byTestId('import-file').setInputFiles(file);
  assert.match(await app.noticeMatching(/short\.json/), /imported as the scenario\. Undo brings back what was there\./);
  await page.keyboard.press('Escape');
  assert.equal(await duration.inputValue(), '10');
  assert.equal(await app.byTestId('event-0').count(), 0);
  // The same file again changes nothing, and says so (undo still goes to 77 below).
  await app.byTestId('share-button').click();
  await app.byTestId('import-file').setInputFiles(file);
  assert.match(await app.noticeMatching(/short\.json is/), /short\.json is the scenario you have: nothing changed\./);
  await page.keyboard.press('Escape');
  await app.byTestId('undo').click();
  assert.equal(await duration.inputValue(), '77');
  assert.equal(await app.byTestId('event-0').count(), 1);

  // An imported design lets go of the scheduled failure of a component it lacks (the
  // run would stop on it), and undo brings both back.
  const design = join(mkdtempSync(join(tmpdir(), 'scalelab-diagram-')), 'other.json');
  writeFileSync(design, JSON.stringify({
    version: 2,
    nodes: [{ id: 'users-9', kind: 'users', name: 'Users', x: 40, y: 40 }],
    edges: [],
  }));
  await app.byTestId('share-button').click();
  await app.byTestId('import-file').setInputFiles(design);
  assert.match(
    await app.noticeMatching(/other\.json/),
    /imported\. Traffic and failures the scenario set for parts this design does not have \(or cannot use\) were taken out\. Undo brings back what was there\./,
  );
  await page.keyboard.press('Escape');
  assert.equal(await app.node(web).count(), 0);
  assert.equal(await app.byTestId('event-0').count(), 0);
  await app.byTestId('undo').click();
  assert.equal(await app.node(web).count(), 1);
  assert.equal(await app.byTestId('event-0').locator('select').nth(1).inputValue(), web);

  // A time out of range is refused, and the field shows the time kept; one that is
  // taken shows as the scenario holds it.
  const at = app.byTestId('event-0').locator('input[type=number]');
  const kept = await at.inputValue();
  await at.fill(`${kept}.0`);
  await at.press('Enter');
  assert.equal(await at.inputValue(), kept);
  await at.fill('-1');
  await at.press('Enter');
  assert.match(await app.noticeMatching(/scheduled failure must happen/), new RegExp(`it stays at ${kept} s\\.$`));
  assert.equal(await at.inputValue(), kept);

  // Only a sharded database can be resharded: the list offers only those, and a
  // component that is not one is no longer the target.
  const shards = await app.addComponent('sharded_database', 250, 420);
  await app.byTestId('event-0').locator('select').first().selectOption('reshard');
  const choices = await app.byTestId('event-0').locator('select').nth(1).locator('option').evaluateAll(
    (options) => options.map((o) => o.value),
  );
  assert.deepEqual(choices, ['', shards]);
  assert.equal(await app.byTestId('event-0').locator('select').nth(1).inputValue(), '');
  await app.byTestId('event-0').locator('select').nth(1).selectOption(shards);
  await app.byTestId('event-0').locator('select').first().selectOption('kill_node');
  assert.equal(await app.byTestId('event-0').locator('select').nth(1).inputValue(), shards);
  // And back: a sharded database stays the target of its resharding.
  await app.byTestId('event-0').locator('select').first().selectOption('reshard');
  assert.equal(await app.byTestId('event-0').locator('select').nth(1).inputValue(), shards);
  await app.byTestId('event-0').locator('select').first().selectOption('kill_node');

  // A data center's action does not keep a component for its target: it asks for one.
  const row = app.byTestId('event-0');
  await row.locator('select').first().selectOption('kill_dc');
  await app.byTestId('scenario-panel').getByText('The scheduled event at 49 s has nothing chosen to act on yet.').waitFor();

  // A refused duration is put back and explained; typing again ends the message.
  await duration.fill('0');
  await duration.press('Enter');
  const refused = app.byTestId('scenario-panel').locator('.field-error', { hasText: 'Duration (s) must be' });
  assert.match(await refused.innerText(), /it stays 77\.$/);
  assert.equal(await duration.inputValue(), '77');
  await refusalEnds(app, duration, refused, { taken: '78', refused: '0', stays: /it stays 78\.$/, before: '77' });
  // A redo brings back the value, not the message about it.
  await app.byTestId('redo').click();
  assert.equal(await duration.inputValue(), '78');
  assert.equal(await refused.count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reload restores the diagram exactly', async () => {
  const { page, context, problems, app } = await openApp(session);
  const ids = await buildSystem(app);
  // The autosave waits for a quiet moment (0.4 s) after the last edit: the record is
  // written once it reads the same twice, 0.7 s apart.
  await page.waitForFunction(() => {
    const saved = localStorage.getItem('scalelab.sandbox');
    const same = saved !== null && saved === window.lastSaved;
    window.lastSaved = saved;
    return same;
  }, null, { polling: 700 });
  const before = await page.evaluate(() => localStorage.getItem('scalelab.sandbox'));
  await page.reload();
  await app.ready();
  assert.equal(await app.nodes().count(), 5);
  assert.equal(await app.edges().count(), 4);
  for (const id of Object.values(ids)) {
    assert.equal(await app.node(id).count(), 1, `${id} is back after the reload`);
  }
  const after = await page.evaluate(() => localStorage.getItem('scalelab.sandbox'));
  assert.equal(after, before);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a wire the engine refuses shows its reason and is not added', async () => {
  const { page, context, problems, app } = await openApp(session);
  const users = await app.addComponent('users', 90, 200);
  const web = await app.addComponent('web_server', 400, 200);
  await app.wire(web, users);
  const text = await app.notice();
  assert.ok(text.length > 10, `a reason is shown: ${text}`);
  assert.equal(await app.edges().count(), 0);
  await page.screenshot({ path: `${ARTIFACTS}refused-wire.png` });
  assert.deepEqual(problems, []);
  await context.close();
});

test('the inspector refuses an out-of-range value with the reason', async () => {
  const { page, context, problems, app } = await openApp(session);
  await app.addComponent('web_server', 300, 200);
  const field = app.byTestId('param-instances');
  const before = await field.inputValue();
  await field.fill('100000');
  await field.press('Enter');
  await field.blur();
  const error = app.byTestId('param-error');
  await error.waitFor({ state: 'visible' });
  // The reason, and the value kept, which the field shows again.
  assert.match(await error.innerText(), new RegExp(`\\d.*\\. It stays ${before}\\.$`));
  assert.equal(await field.inputValue(), before);
  await refusalEnds(app, field, error, { taken: '2', refused: '100000', stays: /It stays 2\.$/, before });
  // The diagram keeps the old value.
  await page.locator('svg').first().click({ position: { x: 5, y: 5 } });
  await page.mouse.click((await app.center(app.nodes().first())).x, (await app.center(app.nodes().first())).y);
  assert.equal(await app.byTestId('param-instances').inputValue(), before);
  // The arrows step by whole seconds from a whole value, though 0.5 s is the least allowed.
  await app.addComponent('load_balancer', 300, 420);
  const interval = app.byTestId('param-check_interval_s');
  assert.equal(await interval.inputValue(), '5');
  await interval.press('ArrowUp');
  assert.equal(await interval.inputValue(), '6');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a refused name is explained, and the message goes once the name is fixed', async () => {
  const { page, context, problems, app } = await openApp(session);
  await app.addComponent('web_server', 300, 200);
  const name = app.byTestId('param-name');
  await name.fill('   ');
  await name.press('Enter');
  assert.match(await app.notice(), /A name cannot be empty/);
  await name.fill('Front');
  await name.press('Enter');
  await app.byTestId('notice').waitFor({ state: 'detached' });
  assert.match(await app.nodes().first().textContent(), /Front/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard: Tab reaches a node, arrows move it, Delete removes it', async () => {
  const { page, context, problems, app } = await openApp(session);
  const id = await app.addComponent('cache', 300, 200);
  const start = await app.node(id).getAttribute('transform');
  await app.node(id).focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  const moved = await app.node(id).getAttribute('transform');
  assert.notEqual(moved, start);
  await page.keyboard.press('Delete');
  assert.equal(await app.node(id).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('shift-drag draws a box that selects several nodes; the view pans and zooms', async () => {
  const { page, context, problems, app } = await openApp(session);
  await app.addComponent('users', 120, 150);
  await app.addComponent('dns', 320, 150);
  await app.addComponent('web_server', 120, 400);
  await page.keyboard.press('Escape');
  await app.drag(await app.canvasPoint(20, 60), await app.canvasPoint(520, 260), { shift: true });
  assert.match(await app.byTestId('multi-selection').innerText(), /2 components/);

  // Dragging the empty canvas pans the view: the nodes move on screen.
  const nodeBefore = await app.nodes().first().boundingBox();
  await app.drag(await app.canvasPoint(500, 450), await app.canvasPoint(560, 420));
  const nodeAfter = await app.nodes().first().boundingBox();
  assert.ok(Math.abs(nodeAfter.x - nodeBefore.x - 60) < 2 && Math.abs(nodeAfter.y - nodeBefore.y + 30) < 2, 'the view panned');

  // The wheel zooms about the pointer.
  const wheelAt = await app.canvasPoint(300, 200);
  await page.mouse.move(wheelAt.x, wheelAt.y);
  await page.mouse.wheel(0, -300);
  assert.notEqual(await app.byTestId('zoom-level').innerText(), '100%');

  const zoomBefore = await app.byTestId('zoom-level').innerText();
  await app.byTestId('zoom-in').click();
  assert.notEqual(await app.byTestId('zoom-level').innerText(), zoomBefore);
  await app.byTestId('zoom-fit').click();
  const box = await app.nodes().first().boundingBox();
  const area = await app.byTestId('canvas-area').boundingBox();
  assert.ok(box.x >= area.x && box.y >= area.y, 'fit keeps nodes in view');
  assert.deepEqual(problems, []);
  await context.close();
});

test('touch: tapping a palette tile places the component, a data center holds nodes', async () => {
  const { page, context, problems, app } = await openApp(session);
  const tile = await app.center(app.byTestId('palette-cache'));
  await page.touchscreen.tap(tile.x, tile.y);
  await app.nodes().first().waitFor();
  assert.equal(await app.nodes().count(), 1);

  // A data center dropped on the canvas; a web server dropped inside it belongs to it.
  await app.drag(await app.center(app.byTestId('palette-data_center')), await app.canvasPoint(300, 120));
  const dcCount = app.byTestId('dc-count');
  await dcCount.waitFor();
  const inside = Number.parseInt(await dcCount.innerText(), 10);
  await app.addComponent('web_server', 300, 230);
  await page.keyboard.press('Escape');
  const dc = page.locator('svg g.dc').first();
  const bar = await dc.locator('.dc-bar').boundingBox();
  await page.mouse.click(bar.x + 40, bar.y + 8);
  assert.equal(Number.parseInt(await app.byTestId('dc-count').innerText(), 10), inside + 1);
  await page.screenshot({ path: `${ARTIFACTS}data-center.png` });
  assert.deepEqual(problems, []);
  await context.close();
});

test('the scenario panel sets traffic and schedules a failure that the run shows', async () => {
  const { page, context, problems, app } = await openApp(session);
  const ids = await buildSystem(app);

  const rps = app.byTestId(`traffic-rps-${ids.users}`);
  await rps.fill('120');
  await rps.press('Enter');
  await app.byTestId('add-event').click();
  const row = app.byTestId('event-0');
  await row.locator('select').nth(1).selectOption(ids.web1);
  // A failure after the run's end is marked, and the message below the list says why.
  await row.locator('input').fill('75');
  await row.locator('input').press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="event-0"] input').getAttribute('aria-invalid') === 'true');
  assert.match(
    await app.byTestId('scenario-panel').locator('.findings li').first().innerText(),
    /^A scheduled event at 75 s \(.* fails\) is at or after the end of the run \(60 s\)/,
  );
  await row.locator('input').fill('2');
  await row.locator('input').press('Enter');
  await page.waitForFunction(() => document.querySelector('[data-testid="event-0"] input').getAttribute('aria-invalid') === 'false');

  // An out-of-range value is explained and not applied.
  const duration = app.byTestId('scenario-duration');
  await duration.fill('0');
  await duration.press('Enter');
  // The field shows the value kept, and the message says so.
  await page.getByText('Duration (s) must be a whole number from 1 to 3,600; it stays 60.').waitFor();
  assert.equal(await duration.inputValue(), '60');
  // A whole number is asked for where only whole numbers make sense.
  const seed = app.byTestId('scenario-seed');
  await seed.fill('1.5');
  await seed.press('Enter');
  await page.getByText('Random seed must be a whole number from 0 to 1,000,000,000,000,000; it stays 1.').waitFor();
  assert.equal(await seed.inputValue(), '1');
  // A skew of 0 is refused by the field itself, in the field's words (the field took it
  // and the run was then refused, in other words).
  const skew = app.byTestId('keys-skew');
  await skew.fill('0');
  await skew.press('Enter');
  await page.getByText('Hot-key skew must be a number from 0.05 to 5; it stays 1.').waitFor();

  await app.setSpeed(4);
  await app.run();
  await app.node(ids.web1).and(page.locator('.down')).waitFor({ timeout: 20000 });
  await app.waitForMetric('errors', (v) => v > 0);
  assert.ok((await page.locator('[data-testid=chart-errors] line.marker').count()) >= 1, 'the failure is marked on the chart');
  assert.match(await app.byTestId('clock').innerText(), /\/ 60 s/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a second scheduled failure goes to another component, and one that changes nothing by itself is pointed out', async () => {
  const { page, context, problems, app } = await openApp(session);
  const ids = await buildSystem(app);
  await app.byTestId('add-event').click();
  await app.byTestId('add-event').click();
  const action = (i) => app.byTestId(`event-${i}`).locator('select').nth(0);
  const target = (i) => app.byTestId(`event-${i}`).locator('select').nth(1);
  // The first component that can fail, then the next one: not the same one twice.
  assert.equal(await target(0).inputValue(), ids.dns);
  assert.equal(await target(1).inputValue(), ids.lb);
  const name = (await target(0).locator('option:checked').innerText()).trim();
  const panel = app.byTestId('scenario-panel');
  assert.equal(await panel.locator('.findings li').count(), 0);
  // Both at 30 s on the same component: the second changes nothing by itself.
  await target(1).selectOption(ids.dns);
  const warning = panel.locator('.findings li.warning');
  await warning.waitFor();
  assert.equal(
    (await warning.innerText()).trim(),
    `The event at 30 s takes ${name} down, but the event at 30 s already did and nothing brings it back in between, so it changes nothing unless you bring it back by hand.`,
  );
  await warning.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${ARTIFACTS}event-warning.png` });
  // Bringing it back ten seconds later instead: no warning.
  await action(1).selectOption('restore_node');
  const at = app.byTestId('event-1').locator('input');
  await at.fill('40');
  await at.press('Enter');
  assert.equal(await target(1).inputValue(), ids.dns);
  await panel.locator('.findings li').waitFor({ state: 'detached' });
  await app.run();
  await app.waitForMetric('throughput', (v) => v > 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('two gateways wired to each other are pointed out as a loop', async () => {
  const { page, context, problems, app } = await openApp(session);
  const users = await app.addComponent('users', 90, 200);
  const first = await app.addComponent('api_gateway', 300, 120);
  const second = await app.addComponent('api_gateway', 300, 320);
  const web = await app.addComponent('web_server', 560, 200);
  await app.wire(users, first);
  await app.wire(first, web);
  await app.wire(second, web);
  await app.wire(first, second);
  await page.keyboard.press('Escape');
  const findings = app.byTestId('findings');
  assert.doesNotMatch(await findings.innerText(), /own requests back/);
  await app.wire(second, first);
  await page.keyboard.press('Escape');
  const loop = findings.getByText(/own requests back/);
  await loop.waitFor();
  assert.equal(
    (await loop.innerText()).trim(),
    'API gateway 1 can get its own requests back through API gateway 2: a request may pass it more than once, which adds work and waiting, and one that goes round too often fails for having no route; remove a connection that closes the loop.',
  );
  await page.screenshot({ path: `${ARTIFACTS}gateway-loop.png` });
  // A warning, not a refusal: the design runs.
  await app.run();
  await app.waitForMetric('throughput', (v) => v > 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a run too long for the browser is refused with what to lower, and the design is kept', async () => {
  const { page, context, problems, app } = await openApp(session);
  const ids = await buildSystem(app);
  // Users → DNS → load balancer → a web server: 3 hops, so 4 steps a request.
  const duration = app.byTestId('scenario-duration');
  await duration.fill('3600');
  await duration.press('Enter');
  const rps = app.byTestId(`traffic-rps-${ids.users}`);
  await rps.fill('3000');
  await rps.press('Enter');
  await app.run();
  // 3,000 a second for an hour: 10,800,000 requests, 43,200,000 steps.
  const refused = page.getByText(/steps of work/);
  await refused.waitFor();
  assert.equal(
    (await refused.innerText()).trim(),
    "Can't run yet: This run would take about 43,200,000 steps of work (one to start each request and one per hop); the limit is 30,000,000. Lower the traffic or the duration, or let requests pass fewer components.",
  );
  await page.screenshot({ path: `${ARTIFACTS}work-refused.png` });
  assert.equal(await app.metricText('throughput'), '–');
  assert.equal(await app.nodes().count(), 5);
  // 2,000 a second: 28,800,000 steps fit, and the same design runs.
  await rps.fill('2000');
  await rps.press('Enter');
  await app.run();
  await app.waitForMetric('throughput', (v) => v > 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('web servers ticked to fail at random go down during the run, and the choice survives a reload', async () => {
  const { page, context, problems, app } = await openApp(session);
  const ids = await buildSystem(app);
  // Only the kinds the design has are offered.
  assert.equal(await app.byTestId('random-cache').isVisible(), false);
  assert.equal(await app.byTestId('random-load_balancer').isVisible(), true);
  await app.byTestId('random-web_server').check();
  const every = app.byTestId('random-every');
  await every.fill('5');
  await every.press('Enter');
  await page.getByText('On average every (s) must be a number from 10 to 1,000,000; it stays 60.').waitFor();
  await every.fill('12');
  await every.press('Enter');
  // A value that is applied ends the message.
  await page.getByText('On average every (s) must be a number').waitFor({ state: 'detached' });
  const down = app.byTestId('random-down');
  await down.fill('4');
  await down.press('Enter');
  await app.setSpeed(4);
  await app.run();
  await page.locator(`[data-testid="node-${ids.web1}"].down, [data-testid="node-${ids.web2}"].down`).first().waitFor({ timeout: 30000 });
  await app.waitForMetric('errors', (v) => v > 0);
  assert.ok((await page.locator('[data-testid=chart-errors] line.marker').count()) >= 1, 'the failure is marked on the chart');
  assert.equal(await app.byTestId('random-load_balancer').isChecked(), false);
  await page.reload();
  await app.ready();
  assert.equal(await app.byTestId('random-web_server').isChecked(), true);
  assert.equal(await app.byTestId('random-every').inputValue(), '12');
  assert.equal(await app.byTestId('random-down').inputValue(), '4');
  assert.deepEqual(problems, []);
  await context.close();
});

test('screen readers get a live summary; reduced motion hides the moving dots', async () => {
  const { page, context, problems, app } = await openApp(session);
  const users = await app.addComponent('users', 90, 200);
  const web = await app.addComponent('web_server', 400, 200);
  await app.wire(users, web);
  const summary = app.byTestId('live-summary');
  assert.equal(await summary.getAttribute('aria-live'), 'polite');
  assert.match(await summary.textContent(), /not running/);
  // Each step is spoken at once, however quickly the next comes.
  const says = (re) => page.waitForFunction(
    (source) => new RegExp(source).test(document.querySelector('[data-testid=live-summary]').textContent),
    re.source,
    { timeout: 1500 },
  );
  await app.byTestId('step').click();
  await says(/^Paused\. At 1 second: /);
  await app.byTestId('step').click();
  await says(/^Paused\. At 2 seconds: /);
  // So is a component killed while the run stands still.
  await app.clickNode(web);
  await says(/^Paused\. At 2 seconds: .* Down: Web server 1\.$/);
  await app.byTestId('reset').click();
  await says(/not running/);
  await app.setSpeed(4);
  await app.run();
  await page.waitForFunction(
    () => /^At \d+ seconds?: [1-9][\d,.]* requests per second, p95 latency/.test(document.querySelector('[data-testid=live-summary]').textContent),
    null,
    { timeout: 20000 },
  );
  await app.byTestId('dot-legend').waitFor();
  await app.byTestId('reduced-motion').check();
  await app.byTestId('dot-legend').waitFor({ state: 'detached' });
  // Numbers keep updating without the animation.
  const before = await app.metric('throughput');
  assert.ok(before > 0);
  // What is down is named as on the canvas, not by its id.
  await app.clickNode(web);
  await page.waitForFunction(
    () => /Down: Web server 1\./.test(document.querySelector('[data-testid=live-summary]').textContent),
    null,
    { timeout: 20000 },
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard only: add components, wire them from the inspector, run, kill and restore', async () => {
  const { page, context, problems, app } = await openApp(session);
  // The first Tab offers to skip the chapter text and the scenario's fields: the
  // button comes onto the screen only then.
  assert.ok((await app.byTestId('skip-link').boundingBox()).y < 0);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'skip-link');
  assert.ok((await app.byTestId('skip-link').boundingBox()).y >= 0);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'run');
  await app.byTestId('palette-users').focus();
  await page.keyboard.press('Enter');
  const users = (await app.byTestId('node-id').innerText()).trim();
  await app.byTestId('palette-web_server').focus();
  await page.keyboard.press('Enter');
  const web = (await app.byTestId('node-id').innerText()).trim();
  assert.equal(await app.nodes().count(), 2);

  // Focus the users node (as Tab does) and wire it through the inspector.
  await app.node(users).focus();
  await app.byTestId('connect-to').selectOption(web);
  assert.equal(await app.edges().count(), 1);
  assert.match(await app.byTestId('connections').innerText(), /Web server/);

  await app.byTestId('run').focus();
  await page.keyboard.press('Enter');
  await app.waitForMetric('throughput', (v) => v > 0);
  await app.node(web).focus();
  await app.byTestId('toggle-node').focus();
  // The live numbers update several times a second; the focused button stays focused.
  await page.waitForTimeout(700);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'toggle-node');
  await page.keyboard.press('Enter');
  await app.node(web).and(page.locator('.down')).waitFor();
  await page.waitForTimeout(500);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (id) => !document.querySelector(`svg [data-testid="node-${id}"]`).classList.contains('down'),
    web,
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('a run ends at the scenario duration and can be run again', async () => {
  const { page, context, problems, app } = await openApp(session);
  const users = await app.addComponent('users', 90, 200);
  const web = await app.addComponent('web_server', 400, 200);
  await app.wire(users, web);
  const duration = app.byTestId('scenario-duration');
  await duration.fill('3');
  await duration.press('Enter');
  await app.setSpeed(16);
  await app.run();
  await page.getByTestId('run').getByText('Run again').waitFor({ timeout: 20000 });
  assert.match(await app.byTestId('clock').innerText(), /^3\.0 s \/ 3 s$/);
  const requests = await app.metric('throughput');
  assert.ok(requests > 0);
  // The sandbox offers Monitoring, and the metrics panel says what it would show.
  assert.equal(await app.byTestId('dashboards-off').count(), 1);
  // Step is not offered at the end; Run again starts over from zero.
  assert.ok(await app.byTestId('step').isDisabled());
  await app.setSpeed(1);
  await app.run();
  await page.getByTestId('run').getByText('Pause').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('at the end of a run the cards show how the components stood as the scenario ended', async () => {
  const { page, context, problems, app } = await openApp(session);
  const diagram = {
    version: 2,
    nodes: [
      { id: 'users-1', kind: 'users', name: 'Users 1', x: 90, y: 200 },
      { id: 'web-1', kind: 'web_server', name: 'Web server 1', x: 400, y: 200 },
    ],
    edges: [{ from: 'users-1', to: 'web-1' }],
  };
  const scenario = { version: 2, duration_s: 3, traffic: { 'users-1': { rps: 2000 } } };
  await app.openSandboxWith(diagram, scenario);
  await app.clickNode('web-1');
  for (let i = 0; i < 3; i++) await app.byTestId('step').click();
  await page.getByTestId('run').getByText('Run again').waitFor();
  // Full, with a queue. After the end only the requests in flight finish: the card
  // read the server idling at the close of that, as if it had been calm. The
  // inspector and the metrics panel say the same.
  // The card's text: its badge, its name, then how it stands.
  const card = (await app.node('web-1').textContent()).split('Web server 1').pop().match(/^(\d+)% · ([\d,]+) queued$/);
  assert.ok(card, await app.node('web-1').textContent());
  assert.equal(card[1], '100');
  assert.equal(await app.byTestId('node-utilisation').innerText(), '100%');
  assert.equal(await app.byTestId('node-queue').innerText(), card[2].replace(/,/g, ''));
  // A finished run has nothing left to fail: no kill button, and a click selects.
  assert.equal(await app.byTestId('toggle-node').isHidden(), true);
  await app.clickNode('web-1');
  assert.match(await app.byTestId('metric-selected').innerText(), /Web server 1\s+up$/i);
  assert.match(await app.node('web-1').textContent(), /100% · /);
  // The totals are the whole run's, the drained requests included: as the CLI counts.
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-end-'));
  writeFileSync(join(dir, 'd.json'), JSON.stringify(diagram));
  writeFileSync(join(dir, 's.json'), JSON.stringify(scenario));
  const cli = spawnSync(process.env.CARGO ?? 'cargo', ['run', '--quiet', '--release', '-p', 'scalelab-cli', '--',
    'run', join(dir, 'd.json'), '--scenario', join(dir, 's.json')], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  const totals = JSON.parse(cli.stdout).totals;
  assert.equal(await app.metric('errors'), totals.failed);
  // The requests still queued at the end count once served.
  assert.equal(await app.metric('throughput'), Math.round(totals.throughput_rps));
  assert.deepEqual(problems, []);
  await context.close();
});

test("a cache's card shows its hit rate as it warms up, as the inspector does", async () => {
  const { page, context, problems, app } = await openApp(session);
  const diagram = {
    version: 2,
    nodes: [
      { id: 'users-1', kind: 'users', name: 'Users 1', x: 40, y: 200 },
      { id: 'web-1', kind: 'web_server', name: 'Web server 1', x: 260, y: 200 },
      { id: 'cache-1', kind: 'cache', name: 'Cache 1', x: 480, y: 120 },
      { id: 'db-1', kind: 'database', name: 'Database 1', x: 480, y: 300 },
    ],
    edges: [{ from: 'users-1', to: 'web-1' }, { from: 'web-1', to: 'cache-1' }, { from: 'web-1', to: 'db-1' }],
  };
  await app.openSandboxWith(diagram, { version: 2, duration_s: 5, traffic: { 'users-1': { rps: 300 } } });
  // Selected before the run: a click during it would kill the cache.
  await app.clickNode('cache-1');
  const hits = [];
  for (let i = 0; i < 3; i++) {
    await app.byTestId('step').click();
    await page.waitForFunction((n) => document.querySelector('[data-testid=clock]').innerText.startsWith(`${n}.0 s`), i + 1);
    const card = (await app.byTestId('node-sub-cache-1').textContent()).match(/^(\d+)% hit rate$/);
    assert.ok(card, await app.byTestId('node-sub-cache-1').textContent());
    // The card rounds to a whole percent; the inspector keeps a decimal below 10%.
    const inspector = Number.parseFloat(await app.byTestId('node-hit-rate').innerText());
    assert.equal(Number(card[1]), Math.round(inspector));
    hits.push(Number(card[1]));
  }
  // It climbs as the cache fills; a web server's card still says how busy it is.
  assert.ok(hits[2] > hits[0], hits.join(', '));
  assert.match(await app.byTestId('node-sub-web-1').textContent(), /^\d+% busy$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('touch: drag from the palette, wire by dragging from a port, pinch to zoom', async () => {
  const { page, context, problems, app } = await openApp(session);
  await app.touchDrag(await app.center(app.byTestId('palette-users')), await app.canvasPoint(120, 200));
  await app.touchDrag(await app.center(app.byTestId('palette-web_server')), await app.canvasPoint(420, 200));
  assert.equal(await app.nodes().count(), 2);
  const ids = await app.nodes().evaluateAll((els) => els.map((e) => e.dataset.testid.replace('node-', '')));
  const [users, web] = ids;
  const port = await app.center(page.locator(`[data-testid="port-${users}"]`));
  await app.touchDrag(port, await app.center(app.node(web)));
  assert.equal(await app.edges().count(), 1);

  const before = await app.byTestId('zoom-level').innerText();
  await app.pinchOut(await app.canvasPoint(300, 400), 80);
  const after = await app.byTestId('zoom-level').innerText();
  assert.ok(Number.parseInt(after, 10) > Number.parseInt(before, 10), `zoomed in: ${before} → ${after}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an unreadable saved sandbox is reported and kept aside, not lost', async () => {
  const { page, context, problems, app } = await openApp(session);
  await page.evaluate(() => localStorage.setItem('scalelab.sandbox', '{"version":1,"diagram":{"nodes":[oops'));
  await page.reload();
  await app.ready();
  assert.match(await app.notice(), /could not be converted and was kept aside: the saved sandbox could not be read/);
  await page.screenshot({ path: `${ARTIFACTS}old-save-kept-aside.png` });
  const kept = await page.evaluate(() => localStorage.getItem('scalelab.sandbox.unreadable'));
  assert.equal(kept, '{"version":1,"diagram":{"nodes":[oops');
  assert.equal(await app.nodes().count(), 0);
  // Kept aside, it no longer needs converting: the page opens even when the converter
  // cannot be loaded.
  await page.route('**/scalelab-files*', (route) => route.abort());
  await page.reload();
  await app.ready();
  assert.equal(await app.byTestId('upgrade-failed').count(), 0);
  assert.doesNotMatch((await page.evaluate(() => localStorage.getItem('scalelab.sandbox'))) ?? '', /^\s*\{/);
  assert.equal(await page.evaluate(() => localStorage.getItem('scalelab.sandbox.unreadable')), kept);
  await page.unroute('**/scalelab-files*');
  assert.deepEqual(problems, []);
  await context.close();
});
