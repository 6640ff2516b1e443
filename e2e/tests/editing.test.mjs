// Editing around a run, selecting by touch, choices shown by their labels, routed
// wires, and data centers killed by a scenario then restored by a click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openApp, ARTIFACTS } from '../harness.mjs';

let session;
before(async () => { session = await startSession(); });
after(async () => { await session?.close(); });

/** Whether the run button offers to start a new run (no run exists). */
async function runIsReset(app) {
  return (await app.byTestId('run').innerText()).includes('Run') && !(await app.byTestId('reset').isEnabled());
}

test('after pausing, dragging a component edits it and resets the run with a notice', async () => {
  const { page, context, problems, app } = await openApp(session);
  const users = await app.addComponent('users', 90, 200);
  const web = await app.addComponent('web_server', 400, 200);
  await app.wire(users, web);
  await app.run();
  await app.waitForMetric('throughput', (v) => v > 0);

  // While it runs, a drag leaves the layout alone and says why.
  const start = await app.node(web).getAttribute('transform');
  const c = await app.center(app.node(web));
  await app.drag({ x: c.x - 30, y: c.y }, { x: c.x + 70, y: c.y + 80 });
  assert.match(await app.notice(), /Pause the run to move/);
  assert.equal(await app.node(web).getAttribute('transform'), start);
  assert.equal(await runIsReset(app), false);

  // Paused, the same drag moves the component and starts over.
  await app.byTestId('run').click();
  await page.getByTestId('run').getByText('Resume').waitFor();
  await app.drag({ x: c.x - 30, y: c.y }, { x: c.x + 70, y: c.y + 80 });
  assert.notEqual(await app.node(web).getAttribute('transform'), start);
  await app.byTestId('notice-text').filter({ hasText: 'run was reset' }).waitFor();
  assert.ok(await runIsReset(app), 'the run was reset');
  assert.deepEqual(problems, []);
  await context.close();
});

test('touch: the select-area toggle lets a finger draw a selection box', async () => {
  const { page, context, problems, app } = await openApp(session);
  await app.addComponent('users', 120, 150);
  await app.addComponent('dns', 320, 150);
  await app.addComponent('web_server', 120, 400);
  await page.keyboard.press('Escape');
  const toggle = app.byTestId('select-mode');
  const t = await app.center(toggle);
  await page.touchscreen.tap(t.x, t.y);
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  const zoomBefore = await app.byTestId('zoom-level').innerText();
  const firstBefore = await app.center(app.nodes().first());
  await app.touchDrag(await app.canvasPoint(20, 60), await app.canvasPoint(520, 260));
  assert.match(await app.byTestId('multi-selection').innerText(), /2 components/);
  // The finger selected instead of panning.
  const firstAfter = await app.center(app.nodes().first());
  assert.ok(Math.abs(firstAfter.x - firstBefore.x) < 1 && Math.abs(firstAfter.y - firstBefore.y) < 1, 'the view did not pan');
  assert.equal(await app.byTestId('zoom-level').innerText(), zoomBefore);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a chosen option shows its label in the inspector and on the card', async () => {
  const { page, context, problems, app } = await openApp(session);
  const cache = await app.addComponent('cache', 300, 200);
  const eviction = app.byTestId('param-eviction');
  await eviction.selectOption('lfu');
  const shown = await eviction.evaluate((el) => el.selectedOptions[0].textContent);
  assert.equal(shown, 'Least frequently used (LFU)');
  const strategy = app.byTestId('param-strategy');
  await strategy.selectOption('read_through');
  assert.equal(await strategy.evaluate((el) => el.selectedOptions[0].textContent), 'Read-through');
  // The card's summary names the choice by its label too.
  assert.match(await app.node(cache).locator('title').textContent(), /Least frequently used \(LFU\)/);
  // No option anywhere in the inspector shows a stored key.
  const texts = await page.locator('[data-testid=inspector] option').allTextContents();
  for (const text of texts) assert.doesNotMatch(text, /^[a-z]+(_[a-z]+)+$/, `raw key shown: ${text}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the inspector hides the settings that mean nothing as the others stand', async () => {
  const { page, context, problems, app } = await openApp(session);
  const visible = async (key) => app.byTestId(`param-${key}`).isVisible();
  const autoscaling = ['min_instances', 'max_instances', 'target_utilisation', 'check_interval_s', 'warmup_s'];
  await app.addComponent('web_server', 300, 200);
  assert.equal(await visible('autoscale'), true);
  for (const key of autoscaling) assert.equal(await visible(key), false, `${key} with autoscaling off`);
  assert.equal(await visible('instances'), true);
  await app.byTestId('param-autoscale').check();
  for (const key of autoscaling) assert.equal(await visible(key), true, `${key} with autoscaling on`);
  await page.screenshot({ path: `${ARTIFACTS}inspector-autoscaling.png` });

  // A worker pool's own target too.
  await app.addComponent('worker_pool', 300, 400);
  assert.equal(await visible('target_backlog'), false);
  await app.byTestId('param-autoscale').check();
  assert.equal(await visible('target_backlog'), true);

  // A load balancer's health-check interval is its own: always shown.
  await app.addComponent('load_balancer', 100, 200);
  assert.equal(await visible('check_interval_s'), true);

  // Without failover, nothing is promoted after a delay. A replica keeps both (it may
  // be promoted during a run), and a primary its lag (it may come back as a replica).
  await app.addComponent('database', 500, 200);
  assert.equal(await visible('failover'), true);
  assert.equal(await visible('promotion_s'), true);
  assert.equal(await visible('replication_lag_ms'), true);
  await app.byTestId('param-failover').uncheck();
  assert.equal(await visible('promotion_s'), false);
  assert.equal(await visible('failover'), true);
  await app.byTestId('param-failover').check();
  assert.equal(await visible('promotion_s'), true);
  await app.byTestId('param-role').selectOption('replica');
  assert.equal(await visible('failover'), true);
  assert.equal(await visible('promotion_s'), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a Users component shows no live numbers: it serves nothing', async () => {
  const { page, context, problems, app } = await openApp(session);
  const users = await app.addComponent('users', 90, 200);
  const web = await app.addComponent('web_server', 400, 200);
  await app.wire(users, web);
  await app.clickNode(users);
  await app.run();
  await app.waitForMetric('throughput', (v) => v > 0);
  assert.equal(await app.byTestId('param-users').isVisible(), true);
  assert.equal(await app.byTestId('node-live').isVisible(), false);
  assert.equal(await app.byTestId('toggle-node').isVisible(), false);
  // Selected with the keyboard (a click would kill it), the web server shows them.
  await app.node(web).focus();
  await app.byTestId('node-live').waitFor();
  assert.equal(await app.byTestId('toggle-node').isVisible(), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('every card shows its name whole, or cut, before its output port', async () => {
  const { page, context, problems, app } = await openApp(session);
  // Each kind under the name it gets when dropped ("Load balancer 1"), as the palette
  // labels it, then names from the course and one far too long.
  const kinds = await page.locator('[data-testid^="palette-"]:not([data-testid="palette-data_center"])')
    .evaluateAll((els) => els.map((e) => [e.dataset.testid.slice(8), e.querySelector('.palette-label').textContent]));
  assert.ok(kinds.length >= 14, `palette kinds: ${kinds.length}`);
  const names = kinds.map(([kind, label]) => [kind, `${label} 1`]);
  names.push(['load_balancer', 'Load balancer (Europe)'], ['users', 'Visitors in North America'], ['cache', 'A name far too long for any card at all']);
  const nodes = names.map(([kind, name], i) => ({ id: `n${i}`, kind, name, x: 40 + (i % 4) * 220, y: 20 + Math.floor(i / 4) * 90 }));
  await app.openSandboxWith({ version: 2, nodes, edges: [] }, { version: 2, duration_s: 3 });
  for (const [i, [, name]] of names.entries()) {
    const card = app.node(`n${i}`);
    const shown = await card.locator('.node-name').textContent();
    if (name.length <= 18) assert.equal(shown, name);
    else assert.equal(shown, `${name.slice(0, 17)}…`);
    // The name and the line under it end before the port's circle starts.
    const port = await app.byTestId(`port-n${i}`).boundingBox();
    for (const line of ['.node-name', '.node-sub']) {
      const box = await card.locator(line).boundingBox();
      assert.ok(box.x + box.width <= port.x + 1, `${name}: ${line} ends at ${box.x + box.width}, the port starts at ${port.x}`);
    }
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('wires go around cards and enter a component on the left from its right side', async () => {
  const { page, context, problems, app } = await openApp(session);
  const web = await app.addComponent('web_server', 140, 200);
  const cache = await app.addComponent('cache', 420, 200);
  const db = await app.addComponent('database', 700, 200);
  const users = await app.addComponent('users', 420, 420);
  await app.wire(web, cache);
  await app.wire(cache, db);
  await app.wire(web, db);
  await app.wire(users, web);
  await page.keyboard.press('Escape');
  // The web server → database wire passes neither through the cache nor any card.
  const crossing = await page.evaluate(([from, to]) => {
    const path = document.querySelector(`[data-testid="edge-${from}-${to}"]`);
    const len = path.getTotalLength();
    const cards = [...document.querySelectorAll('svg g.node .node-card')].map((c) => c.getBoundingClientRect());
    const m = path.getScreenCTM();
    const hits = [];
    for (let s = 12; s < len - 12; s += 4) {
      const p = path.getPointAtLength(s);
      const x = m.a * p.x + m.c * p.y + m.e;
      const y = m.b * p.x + m.d * p.y + m.f;
      cards.forEach((r, i) => {
        if (x > r.left + 1 && x < r.right - 1 && y > r.top + 1 && y < r.bottom - 1) hits.push(i);
      });
    }
    return hits;
  }, [web, db]);
  assert.deepEqual(crossing, []);
  // The users sit below and to the right of the web server: their wire comes up into
  // the web server's bottom, not into the port on its right where wires leave.
  const end = await page.evaluate(([from, to]) => {
    const path = document.querySelector(`[data-testid="edge-${from}-${to}"]`);
    const p = path.getPointAtLength(path.getTotalLength());
    const card = document.querySelector(`svg [data-testid="node-${to}"]`).transform.baseVal[0].matrix;
    return { x: p.x - card.e, y: p.y - card.f };
  }, [users, web]);
  assert.ok(Math.abs(end.x - 80) < 1 && Math.abs(end.y - 56) < 1, `the wire ends at (${end.x}, ${end.y}) of the card`);
  await page.screenshot({ path: `${ARTIFACTS}routed-wires.png` });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a data center taken down by the scenario comes back with one click', async () => {
  const { page, context, problems, app } = await openApp(session);
  await app.drag(await app.center(app.byTestId('palette-data_center')), await app.canvasPoint(420, 120));
  const users = await app.addComponent('users', 100, 200);
  const web = await app.addComponent('web_server', 420, 230);
  await app.wire(users, web);
  const dc = page.locator('svg g.dc').first();
  const dcId = (await dc.getAttribute('data-testid')).replace('dc-', '');
  await app.byTestId('add-event').click();
  const row = app.byTestId('event-0');
  await row.locator('input').fill('1');
  await row.locator('input').press('Enter');
  await row.locator('select').first().selectOption('kill_dc');
  await row.locator('select').nth(1).selectOption(dcId);
  await app.setSpeed(4);
  await app.run();
  await dc.and(page.locator('.down')).waitFor({ timeout: 20000 });
  const bar = await dc.locator('.dc-bar').boundingBox();
  await page.mouse.click(bar.x + 60, bar.y + 8);
  await page.waitForFunction((id) => !document.querySelector(`[data-testid="dc-${id}"]`).classList.contains('down'), dcId);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a 60-component diagram with ten thousand requests in flight animates', async () => {
  const { page, context, problems, app } = await openApp(session, { query: '?bench=busy' });
  assert.equal(await app.nodes().count(), 60);
  assert.equal(await app.edges().count(), 80);
  await page.waitForFunction(() => (window.__scalelabDots ?? []).some((n) => n > 1000), null, { timeout: 30000 });
  await page.screenshot({ path: `${ARTIFACTS}lesson-running.png` });
  assert.deepEqual(problems, []);
  await context.close();
});
