// The page loads cleanly and shows the regions of the layout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openApp, ARTIFACTS } from '../harness.mjs';

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
