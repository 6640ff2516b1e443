// The same diagram, scenario and seed give the same numbers, bit for bit, in
// WebAssembly (in Chromium) and natively (the CLI): the example files are opened in the
// app as a learner's saved sandbox, run with the Run button to the end, and the run's
// fingerprint is compared with `scalelab-cli run --digest` on the same files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startSession, openApp } from '../harness.mjs';

let session;
before(async () => { session = await startSession(); });
after(async () => { await session?.close(); });

test('a run in the browser equals the same run done natively', async () => {
  const root = new URL('../../', import.meta.url).pathname;
  const native = execFileSync(
    process.env.CARGO ?? 'cargo',
    ['run', '--quiet', '-p', 'scalelab-cli', '--', 'run', 'examples/diagram.json',
      '--scenario', 'examples/scenario.json', '--digest'],
    { cwd: root, encoding: 'utf8' },
  ).trim();
  assert.match(native, /^[0-9a-f]{16}$/);

  const { page, context, problems, app } = await openApp(session);
  await app.openSandboxWith(
    JSON.parse(readFileSync(`${root}examples/diagram.json`, 'utf8')),
    JSON.parse(readFileSync(`${root}examples/scenario.json`, 'utf8')),
  );
  await app.setSpeed(16);
  await app.run();
  const digest = app.byTestId('run-digest');
  await digest.waitFor({ timeout: 60000 });
  assert.equal((await digest.innerText()).trim(), native);
  assert.deepEqual(problems, []);
  await context.close();
});
