// The same diagram, scenario and seed give the same numbers, bit for bit, in
// WebAssembly (in Chromium) and natively (the CLI).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startSession, openPage } from '../harness.mjs';

let session;
before(async () => { session = await startSession(); });
after(async () => { await session?.close(); });

test('a run in the browser equals the same run done natively', async () => {
  const root = new URL('../../', import.meta.url).pathname;
  const native = execFileSync(
    process.env.CARGO ?? 'cargo',
    ['run', '--quiet', '-p', 'scalelab-cli', '--', 'run', 'examples/diagram.json',
      '--scenario', 'examples/scenario.json', '--series'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const { page, context, problems } = await openPage(session, { query: '?bench=determinism' });
  const result = page.getByTestId('determinism-result');
  await result.waitFor({ timeout: 60000 });
  const wasm = await result.textContent();
  const nativeMetrics = JSON.parse(native);
  const wasmMetrics = JSON.parse(wasm);
  assert.ok(nativeMetrics.totals.requests > 1000, 'the example sends real traffic');
  assert.ok(nativeMetrics.series.length > 10, 'the per-second series is compared too');
  assert.deepEqual(wasmMetrics, nativeMetrics);
  assert.equal(wasm.trim(), native.trim());
  assert.deepEqual(problems, []);
  await context.close();
});
