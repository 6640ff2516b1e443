// The page loads cleanly and shows the regions of the layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openApp, goToChapter, ARTIFACTS } from '../harness.mjs';

let session;
before(async () => { session = await startSession(); });
after(async () => { await session?.close(); });

test('the page loads with no console error or uncaught exception', async () => {
  const { page, context, problems, app } = await openApp(session);
  await page.waitForTimeout(300);
  assert.deepEqual(problems, []);
  assert.equal(await page.title(), 'Scale Lab');
  await context.close();
});

test('the shell shows header, chapter panel, canvas, inspector and run controls', async () => {
  const { page, context, problems, app } = await openApp(session);
  for (const region of ['header', 'chapter-panel', 'canvas-area', 'inspector', 'run-controls']) {
    assert.ok(await app.byTestId(region).isVisible(), `${region} should be visible`);
  }
  assert.match(await app.byTestId('header').innerText(), /Scale Lab/);
  // Wording in the learner's terms: no "Users node", and which cost is which.
  assert.match(await app.byTestId('inspector').innerText(), /Monthly cost of the design/);
  assert.match(await app.byTestId('chapter-panel').innerText(), /Traffic from each group of users/);
  // The palette's badges are all as wide, so the names beside them line up, and each
  // holds its letters ("MON" ran into "Monitoring").
  const badges = await page.$$eval('[data-testid=palette] .badge', (bs) =>
    bs.map((b) => ({ text: b.textContent, width: b.getBoundingClientRect().width, fits: b.scrollWidth <= b.clientWidth })));
  assert.ok(badges.length >= 14);
  assert.deepEqual(badges.filter((b) => !b.fits || b.width !== badges[0].width), []);
  // A screen reader hears which of the header's places is open.
  assert.equal(await app.byTestId('sandbox-button').getAttribute('aria-pressed'), 'true');
  await page.screenshot({ path: `${ARTIFACTS}shell.png` });
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a tablet and a phone every region fits the screen: nothing is cut off or overlaps', async () => {
  for (const viewport of [{ width: 1024, height: 700 }, { width: 390, height: 844 }]) {
    const { page, context, problems, app } = await openApp(session, { course: true, viewport });
    await goToChapter(page, 6, { skipQuestion: true });
    await app.byTestId('chapter-title').waitFor();
    const size = `${viewport.width}×${viewport.height}`;
    // No sideways scrolling of the page.
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), viewport.width, size);
    // The run controls and the canvas stay inside the middle column (they used to
    // widen it over the inspector on a tablet).
    const box = (id) => app.byTestId(id).boundingBox();
    const [controls, canvas, inspector] = await Promise.all(['run-controls', 'canvas-area', 'inspector'].map(box));
    for (const [name, b] of [['run controls', controls], ['canvas', canvas]]) {
      assert.ok(b.x + b.width <= viewport.width + 0.5, `${size}: the ${name} end past the screen`);
      if (viewport.width > 900) {
        assert.ok(b.x + b.width <= inspector.x + 0.5, `${size}: the ${name} cover the inspector`);
      }
    }
    // On a phone the canvas gets most of the screen and its zoom buttons show without
    // scrolling (the numbers below it used to leave it a fifth to a third of the screen).
    if (viewport.width <= 900) {
      assert.ok(canvas.height >= 0.45 * viewport.height, `${size}: the canvas is only ${canvas.height} px tall`);
      const zoom = await page.locator('.zoom-controls').boundingBox();
      assert.ok(zoom.y + zoom.height <= viewport.height, `${size}: the zoom buttons are below the screen`);
    }
    await page.screenshot({ path: `${ARTIFACTS}layout-${viewport.width}.png` });
    if (viewport.width <= 900) {
      // A tapped component's settings come right after the diagram and its numbers,
      // before the chapter's text (they were past the whole chapter panel).
      const c = await app.center(app.nodes().first());
      await page.mouse.click(c.x, c.y);
      await page.locator('.node-head').waitFor();
      const [settings, chapter] = await Promise.all([page.locator('.node-head').boundingBox(), box('chapter-panel')]);
      assert.ok(settings.y < chapter.y, `${size}: the settings are at ${settings.y} px, the chapter at ${chapter.y} px`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('the choice of key popularity shows its whole label on a desktop, a tablet and a phone', async () => {
  for (const width of [1400, 1024, 390]) {
    const { context, problems, app } = await openApp(session, { viewport: { width, height: 900 } });
    // Room left beside the chosen option's text, less about 20 px for the arrow.
    const room = await app.byTestId('keys-kind').evaluate((select) => {
      const style = getComputedStyle(select);
      const context2d = document.createElement('canvas').getContext('2d');
      context2d.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const text = context2d.measureText(select.options[select.selectedIndex].text).width;
      return select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20 - text;
    });
    assert.ok(room >= 0, `${width} px: the label is cut by ${-room} px`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('during a run the colour legend leaves the zoom buttons clear and stays on the canvas', async () => {
  for (const viewport of [{ width: 1920, height: 1000 }, { width: 1400, height: 900 }, { width: 1024, height: 700 }, { width: 390, height: 844 }]) {
    const { page, context, problems, app } = await openApp(session, { viewport });
    const users = await app.addComponent('users', 60, 120);
    const web = await app.addComponent('web_server', 260, 120);
    await app.wire(users, web);
    await app.run();
    await app.byTestId('dot-legend').waitFor();
    const size = `${viewport.width}×${viewport.height}`;
    const [legend, zoom, canvas] = await Promise.all(
      [page.getByTestId('dot-legend'), page.locator('.zoom-controls'), app.byTestId('canvas-area')].map((l) => l.boundingBox()),
    );
    const apart = legend.x + legend.width <= zoom.x || zoom.x + zoom.width <= legend.x ||
      legend.y + legend.height <= zoom.y || zoom.y + zoom.height <= legend.y;
    assert.ok(apart, `${size}: the legend ${JSON.stringify(legend)} covers the zoom buttons ${JSON.stringify(zoom)}`);
    assert.ok(legend.x >= canvas.x && legend.x + legend.width <= canvas.x + canvas.width + 0.5 && legend.y >= canvas.y,
      `${size}: the legend ${JSON.stringify(legend)} leaves the canvas ${JSON.stringify(canvas)}`);
    if (viewport.width === 1400) await page.screenshot({ path: `${ARTIFACTS}legend-${viewport.width}.png` });
    assert.deepEqual(problems, []);
    await context.close();
  }
});
