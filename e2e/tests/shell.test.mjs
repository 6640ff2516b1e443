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
    await page.screenshot({ path: `${ARTIFACTS}layout-${viewport.width}.png` });
    assert.deepEqual(problems, []);
    await context.close();
  }
});
