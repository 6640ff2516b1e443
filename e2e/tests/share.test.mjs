// Sharing: a link opens the same design in a fresh browser and can be kept; a broken
// link is reported and loses nothing; a challenge link opens with its goals; files go
// out as JSON (which the CLI runs) and PNG, and come back in; work saved as JSON by an
// older version is converted, and is left untouched when the converter cannot load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSession, openPage, openApp, ARTIFACTS } from '../harness.mjs';
import { ScaleLab } from '../pages.mjs';

let session;
before(async () => {
  session = await startSession();
});
after(async () => {
  await session.close();
});

/** Opens a share link in a fresh browser context, ready; returns the context and its app. */
async function openLink(link) {
  const b = await openPage(session);
  const other = new ScaleLab(b.page);
  await b.page.goto(link);
  await other.ready();
  return { b, other };
}

/**
 * Opens the app, builds the small design and opens the Share menu as a challenge;
 * returns the opened page and the design's node ids.
 */
async function challengeMenu() {
  const a = await openApp(session);
  const ids = await buildSmallDesign(a.app);
  await a.app.byTestId('share-button').click();
  await a.app.byTestId('share-as-challenge').check();
  return { a, app: a.app, ...ids };
}

/** Builds Users → Web server (large) in the sandbox; returns the node ids. */
async function buildSmallDesign(app) {
  const users = await app.addComponent('users', 100, 200);
  const web = await app.addComponent('web_server', 420, 200);
  await app.byTestId('param-size').selectOption('large');
  await app.wire(users, web);
  return { users, web };
}

async function shareLink(app) {
  await app.byTestId('share-button').click();
  const field = app.byTestId('share-link');
  await field.waitFor();
  // A screen reader names the field.
  assert.equal(await app.page.getByLabel('Link to share').count(), 1);
  return field.inputValue();
}

async function nodeNames(page) {
  return page.$$eval('svg g.node', (gs) => gs.map((g) => g.getAttribute('data-testid')).sort());
}

test('a shared link opens the same design elsewhere, and keeping it needs a confirmation', async () => {
  const a = await openApp(session);
  const app = a.app;
  const { web } = await buildSmallDesign(app);
  await app.byTestId('scenario-duration').fill('30');
  await app.byTestId('scenario-duration').press('Enter');
  const link = await shareLink(app);
  assert.match(link, /#s=[A-Za-z0-9_-]+$/);
  assert.match(await app.byTestId('share-length').innerText(), /^\d+ characters$/);
  const sent = await nodeNames(a.page);
  await a.page.screenshot({ path: `${ARTIFACTS}share-menu.png` });
  await app.byTestId('share-with-scenario').uncheck();
  const bare = await app.byTestId('share-link').inputValue();
  assert.notEqual(bare, link);

  // Someone else, with a sandbox of their own.
  const b = await openApp(session);
  const other = b.app;
  await other.addComponent('cache', 200, 200);
  const own = await nodeNames(b.page);
  await b.page.goto(link);
  await other.ready();
  await other.byTestId('shared-intro').waitFor();
  assert.deepEqual(await nodeNames(b.page), sent);
  assert.equal(await other.byTestId('scenario-duration').inputValue(), '30');
  assert.equal(await other.byTestId('notice').count(), 0);
  await other.clickNode(web);
  assert.equal(await other.byTestId('param-size').inputValue(), 'large');

  // Closing goes back to their own sandbox, untouched.
  await other.byTestId('close-shared').click();
  await b.page.waitForFunction((n) => document.querySelectorAll('svg g.node').length === n, own.length);
  assert.deepEqual(await nodeNames(b.page), own);

  // Leaving it by the header's Sandbox button takes the link out of the address too,
  // so a reload opens their own sandbox, not the shared design again.
  await b.page.goto(link);
  await other.byTestId('shared-intro').waitFor();
  await other.byTestId('sandbox-button').click();
  await b.page.waitForFunction(() => !location.hash.startsWith('#s='));
  await b.page.reload();
  await other.ready();
  assert.equal(await other.byTestId('shared-intro').count(), 0);
  assert.deepEqual(await nodeNames(b.page), own);

  // Opening it again and keeping it replaces the sandbox, after a confirmation.
  await b.page.goto(link);
  await other.byTestId('keep-shared').click();
  await other.byTestId('keep-confirm').waitFor();
  await other.byTestId('keep-yes').click();
  await b.page.waitForFunction(() => !location.hash.startsWith('#s='));
  await b.page.reload();
  await other.ready();
  assert.deepEqual(await nodeNames(b.page), sent);

  // A link without its scenario opens with the default one, and says so.
  await b.page.goto(bare);
  await other.byTestId('shared-intro').waitFor();
  assert.match(await other.notice(), /holds only the design, so it runs with the default scenario/);
  assert.equal(await other.byTestId('scenario-duration').inputValue(), '60');
  assert.deepEqual([...a.problems, ...b.problems], []);
  await a.context.close();
  await b.context.close();
});

test('a damaged link is reported in words and the learner loses nothing', async () => {
  const { page, context, problems, app } = await openApp(session);
  await buildSmallDesign(app);
  const before = await nodeNames(page);
  const good = await shareLink(app);
  // One character in the middle changed, as a chat program might: it would still decode.
  const mid = good.indexOf('#s=') + Math.floor((good.length - good.indexOf('#s=')) / 2);
  const changed = good.slice(0, mid) + (good[mid] === 'A' ? 'B' : 'A') + good.slice(mid + 1);
  for (const bad of [good.slice(0, -12), good.replace('#s=', '#s=!'), `${good.split('#')[0]}#s=AQ`, changed]) {
    await page.goto(bad);
    await app.ready();
    const notice = await app.notice();
    assert.match(notice, /link/i);
    assert.match(notice, /as you left it/);
    assert.doesNotMatch(notice, /Err|::|unwrap/);
    if (bad === changed) assert.match(notice, /characters were changed or lost on the way/);
    assert.deepEqual(await nodeNames(page), before);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('the longest challenge title, in wide characters, still fits in its link', async () => {
  const { a, app } = await challengeMenu();
  // 120 characters of three bytes each (one UTF-16 unit, which the field's limit
  // counts): the title keeps 64, 192 bytes; one item of a link holds at most 256.
  const wide = '\u20AC';
  await app.byTestId('challenge-title').fill(wide.repeat(120));
  await app.byTestId('goal-template-spof').check();
  const link = await app.byTestId('share-link').inputValue();

  const { b, other } = await openLink(link);
  assert.equal(await other.byTestId('chapter-title').innerText(), wide.repeat(64));
  assert.deepEqual([...a.problems, ...b.problems], []);
  await a.context.close();
  await b.context.close();
});

test('a challenge link opens as a page with goals that can be checked', async () => {
  const { a, app } = await challengeMenu();
  await app.byTestId('challenge-title').fill('Keep it fast');
  await app.byTestId('challenge-text').fill('Serve the traffic with **p95** under 100 ms.');
  await app.byTestId('goal-template-p95').check();
  await app.byTestId('goal-bound-p95').fill('100');
  await app.byTestId('goal-bound-p95').press('Enter');
  await app.byTestId('goal-template-spof').check();
  const link = await app.byTestId('share-link').inputValue();

  const { b, other } = await openLink(link);
  assert.equal(await other.byTestId('chapter-title').innerText(), 'Keep it fast');
  assert.match(await other.byTestId('lesson-text').innerHTML(), /<strong>p95<\/strong>/);
  const goals = await b.page.$$eval('[data-testid="goals"] > li .goal-label', (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(goals, ['p95 latency (ms) ≤ 100', 'No single point of failure']);
  await other.byTestId('check-goals').click();
  await b.page.waitForFunction(() => /^Checked/.test(document.querySelector('[data-testid="check-status"]')?.textContent ?? ''), null, { timeout: 30000 });
  const classes = await b.page.$$eval('[data-testid="goals"] > li', (lis) => lis.map((li) => li.className));
  // One server is a single point of failure: that goal fails, with its reason.
  assert.equal(classes[1], 'goal fail');
  assert.match(await other.byTestId('goal-reason-1').innerText(), /single point of failure|fails/i);
  await b.page.screenshot({ path: `${ARTIFACTS}challenge.png` });
  assert.deepEqual([...a.problems, ...b.problems], []);
  await a.context.close();
  await b.context.close();
});

test('diagram and scenario files go out (the CLI runs them) and come back in; a bad file changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-files-'));
  const { page, context, problems, app } = await openApp(session);
  // The JSON module is fetched only when a file goes out or comes in.
  const filesModule = () => page.evaluate(() => performance.getEntriesByType('resource')
    .filter((r) => r.name.includes('scalelab-files')).length);
  await buildSmallDesign(app);
  await app.byTestId('share-button').click();
  assert.equal(await filesModule(), 0, 'not loaded before it is needed');
  const save = (testid, name) => app.download(testid, join(dir, name));
  const diagram = await save('export-diagram', 'diagram.json');
  assert.equal(await filesModule(), 2, 'its script and its WebAssembly');
  const scenario = await save('export-scenario', 'scenario.json');
  const picture = await save('export-png', 'view.png');
  const whole = await save('export-png-whole', 'diagram.png');
  const png = (path) => {
    const bytes = readFileSync(path);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // The IHDR chunk: width and height, big-endian, after its length and type.
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), size: bytes.length };
  };
  // The view: the canvas at twice its on-screen size; the whole diagram: its own size.
  const area = await app.byTestId('canvas-area').boundingBox();
  const view = png(picture);
  assert.equal(view.width, Math.round(area.width * 2));
  assert.equal(view.height, Math.round(area.height * 2));
  const all = png(whole);
  assert.ok(all.width > 0 && all.height > 0 && (all.width !== view.width || all.height !== view.height), JSON.stringify(all));
  // Not blank: cards, wires and names make the files far larger than a white image.
  assert.ok(view.size > 5000 && all.size > 5000, `${view.size} ${all.size}`);

  // The exported files are the documented formats: the command-line tool runs them.
  const run = spawnSync(process.env.CARGO ?? 'cargo', ['run', '--quiet', '--release', '-p', 'scalelab-cli', '--',
    'run', diagram, '--scenario', scenario], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.ok(JSON.parse(run.stdout).totals.requests > 0);

  // Into a fresh page: the same diagram, and undo takes it back out.
  const fresh = await openApp(session);
  const other = fresh.app;
  await other.byTestId('share-button').click();
  await other.byTestId('import-file').setInputFiles(diagram);
  await fresh.page.waitForFunction(() => document.querySelectorAll('svg g.node').length === 2);
  assert.deepEqual(await nodeNames(fresh.page), await nodeNames(page));
  // The same file again changes nothing, and says so.
  await other.byTestId('import-file').setInputFiles(diagram);
  assert.match(await other.noticeMatching(/ is the design you have/), /: nothing changed\.$/);
  await fresh.page.keyboard.press('Escape');
  await other.byTestId('share-panel').waitFor({ state: 'hidden' });
  await other.byTestId('undo').click();
  await fresh.page.waitForFunction(() => document.querySelectorAll('svg g.node').length === 0);

  // A broken file: a clear message naming the file and line, nothing changed.
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, readFileSync(diagram, 'utf8').replace('"web_server"', '"web_sever"'));
  await other.byTestId('share-button').click();
  await other.byTestId('import-file').setInputFiles(broken);
  const notice = await other.noticeMatching(/broken\.json/);
  assert.match(notice, /line \d+/);
  assert.match(notice, /Nothing was changed/);
  assert.equal(await fresh.page.locator('svg g.node').count(), 0);
  // A node written as a list of its values is named as such, in a whole sentence.
  const listed = join(dir, 'listed.json');
  const parsed = JSON.parse(readFileSync(diagram, 'utf8'));
  parsed.nodes[0] = Object.values(parsed.nodes[0]);
  writeFileSync(listed, JSON.stringify(parsed));
  await other.byTestId('import-file').setInputFiles(listed);
  assert.match(await other.noticeMatching(/listed\.json/), /"nodes\[0\]" must be an object in \{ \}, not a list\. Nothing was changed\./);
  assert.equal(await fresh.page.locator('svg g.node').count(), 0);
  // The picture the app exported, picked by mistake: called the wrong file, not a JSON
  // error at line 1.
  await other.byTestId('import-file').setInputFiles(picture);
  assert.match(await other.noticeMatching(/view\.png/), /this is not a Scale Lab \w+, which is JSON text starting with \{\. Nothing was changed\./);
  assert.equal(await fresh.page.locator('svg g.node').count(), 0);
  assert.deepEqual([...problems, ...fresh.problems], []);
  await context.close();
  await fresh.context.close();
});

test('goals go out as a file and come back in as a challenge on a copy of the design', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-goals-'));
  const { page, context, problems, app } = await openApp(session);
  await buildSmallDesign(app);
  await app.byTestId('share-button').click();
  // Nothing picked yet: a sentence, no file.
  await app.byTestId('export-goals').click();
  assert.match(await app.notice(), /no goals to save/);
  await app.byTestId('share-as-challenge').check();
  await app.byTestId('goal-template-p95').check();
  await app.byTestId('goal-bound-p95').fill('150');
  await app.byTestId('goal-bound-p95').press('Enter');
  await app.byTestId('goal-template-spof').check();
  const path = await app.download('export-goals', join(dir, 'team-goals.json'));
  const file = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal(file.version, 1);
  assert.deepEqual(file.goals.map((g) => g.type), ['metric', 'no_single_point_of_failure']);
  assert.equal(file.goals[0].value, 150);

  // The CLI checks the same file against the exported diagram.
  const diagram = await app.download('export-diagram', join(dir, 'diagram.json'));
  const check = spawnSync(process.env.CARGO ?? 'cargo', ['run', '--quiet', '--release', '-p', 'scalelab-cli', '--',
    'check', diagram, '--goals', path], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' });
  assert.equal(check.status, 1, check.stderr); // one server: the single-point goal fails
  assert.equal(JSON.parse(check.stdout).length, 2);
  // A goal on one component, as a file names it: by its id.
  const server = JSON.parse(readFileSync(diagram, 'utf8')).nodes.find((n) => n.kind === 'web_server');
  file.goals.push({ type: 'node_metric', node: server.id, metric: 'served', op: '>=', value: 1 });
  writeFileSync(path, JSON.stringify(file));

  // Imported in a fresh page with the same design: a challenge page with those goals.
  const fresh = await openApp(session);
  const other = fresh.app;
  await other.byTestId('share-button').click();
  await other.byTestId('import-file').setInputFiles(diagram);
  await fresh.page.waitForFunction(() => document.querySelectorAll('svg g.node').length === 2);
  // The panel stays open after an import.
  await other.byTestId('import-file').setInputFiles(path);
  await other.noticeMatching(/opened as a challenge/);
  assert.equal(await other.byTestId('chapter-title').innerText(), 'team-goals');
  const goals = await fresh.page.$$eval('[data-testid="goals"] > li .goal-label', (ls) => ls.map((l) => l.textContent));
  // The page names the component as its canvas does.
  assert.deepEqual(goals, ['p95 latency (ms) ≤ 150', 'No single point of failure', `${server.name} requests served ≥ 1`]);
  assert.notEqual(server.name, server.id);

  // Goals naming a component this design lacks change nothing.
  const misfit = join(dir, 'misfit.json');
  writeFileSync(misfit, JSON.stringify({ version: 1, goals: [
    { type: 'node_metric', node: 'db-9', metric: 'read_qps', op: '<=', value: 100 }] }));
  const third = await openApp(session);
  const empty = third.app;
  await empty.byTestId('share-button').click();
  await empty.byTestId('import-file').setInputFiles(misfit);
  assert.match(await empty.notice(), /misfit\.json: goal 1 does not fit this design.*Nothing was changed/);
  assert.deepEqual([...problems, ...fresh.problems, ...third.problems], []);
  await context.close();
  await fresh.context.close();
  await third.context.close();
});

test('a challenge can start from only the Users: the solver builds the rest', async () => {
  const { a, app, users } = await challengeMenu();
  await app.byTestId('challenge-title').fill('Build it yourself');
  await app.byTestId('goal-template-spof').check();
  const full = await app.byTestId('share-link').inputValue();
  await app.byTestId('challenge-empty-start').check();
  await app.byTestId('challenge-text').fill('Two of everything.');
  // A bound is kept even while its goal is not ticked.
  await app.byTestId('goal-bound-p95').fill('120');
  await app.byTestId('goal-bound-p95').press('Enter');
  const empty = await app.byTestId('share-link').inputValue();
  assert.notEqual(empty, full);
  // A refused bound stays as typed while another bound changes.
  await app.byTestId('goal-bound-errors').fill('-3');
  await app.byTestId('goal-bound-errors').press('Enter');
  await app.byTestId('goal-bound-cost').fill('900');
  await app.byTestId('goal-bound-cost').press('Enter');
  assert.equal(await app.byTestId('goal-bound-errors').inputValue(), '-3');
  // It is shown as refused.
  assert.equal(await app.byTestId('goal-bound-errors').evaluate((e) => e.matches(':invalid')), true);
  // Closed and opened again, the panel is as it was left.
  await app.page.keyboard.press('Escape');
  await app.byTestId('share-panel').waitFor({ state: 'hidden' });
  await app.byTestId('share-button').click();
  assert.equal(await app.byTestId('challenge-title').inputValue(), 'Build it yourself');
  assert.equal(await app.byTestId('challenge-text').inputValue(), 'Two of everything.');
  assert.equal(await app.byTestId('goal-bound-p95').inputValue(), '120');
  assert.equal(await app.byTestId('goal-template-spof').isChecked(), true);
  assert.equal(await app.byTestId('challenge-empty-start').isChecked(), true);
  assert.equal(await app.byTestId('share-as-challenge').isChecked(), true);
  assert.equal(await app.byTestId('share-link').inputValue(), empty);

  const { b, other } = await openLink(empty);
  assert.equal(await other.byTestId('chapter-title').innerText(), 'Build it yourself');
  // Only the Users, where the teacher had them; the goal is there to reach.
  assert.deepEqual(await nodeNames(b.page), [`node-${users}`]);
  const goals = await b.page.$$eval('[data-testid="goals"] > li .goal-label', (ls) => ls.map((l) => l.textContent));
  assert.deepEqual(goals, ['No single point of failure']);
  assert.deepEqual([...a.problems, ...b.problems], []);
  await a.context.close();
  await b.context.close();
});

test('work saved by an older version is converted at start, and left untouched when the converter cannot load', async () => {
  const { page, context, problems } = await openPage(session);
  const app = new ScaleLab(page);
  await app.ready();
  const diagram = JSON.parse(readFileSync(new URL('../../examples/diagram.json', import.meta.url), 'utf8'));
  const old = JSON.stringify({ version: 2, diagram, scenario: { version: 2 } });
  await page.evaluate((text) => localStorage.setItem('scalelab.sandbox', text), old);
  // Offline, as far as the files module goes: the page says so and changes nothing.
  await page.route('**/scalelab-files*', (route) => route.abort());
  await page.reload();
  await app.byTestId('upgrade-failed').waitFor();
  assert.match(await app.byTestId('upgrade-failed').innerText(), /Nothing has been changed/);
  await page.screenshot({ path: `${ARTIFACTS}upgrade-failed.png` });
  assert.equal(await page.evaluate(() => localStorage.getItem('scalelab.sandbox')), old);
  // Back online, "Try again" converts it: the diagram is there, saved in today's form.
  await page.unroute('**/scalelab-files*');
  await app.byTestId('upgrade-retry').click();
  await app.ready();
  assert.equal(await app.nodes().count(), diagram.nodes.length);
  assert.match(await page.evaluate(() => localStorage.getItem('scalelab.sandbox')), /^r=/);
  // Failed loads of the module are reported by the browser itself; nothing else is.
  assert.deepEqual(problems.filter((p) => !/Failed to load resource|scalelab-files/.test(p)), []);
  await context.close();
});

test('a file larger than Scale Lab keeps is refused with the reason, and the editor stops at the limit', async () => {
  const { page, context, problems, app } = await openApp(session);
  const dir = mkdtempSync(join(tmpdir(), 'scalelab-limits-'));
  const node = (i, name, dc) => ({ id: `web-${i}`, kind: 'web_server', name, x: (i % 25) * 200, y: Math.floor(i / 25) * 120, dc });
  // A name of 300 letters: the editor allows 40 (and the saved form keeps at most 256).
  const long = join(dir, 'long-name.json');
  writeFileSync(long, JSON.stringify({ version: 2, nodes: [node(1, 'n'.repeat(300))] }));
  await app.byTestId('share-button').click();
  await app.byTestId('import-file').setInputFiles(long);
  const notice = await app.noticeMatching(/long-name\.json/);
  assert.match(notice, /"nodes\[0\]\.name" has 300 characters; a name can have at most 40/);
  assert.equal(await app.nodes().count(), 0);
  await page.keyboard.press('Escape');
  // 500 components open; a 501st cannot be added, and the page says why.
  const full = join(dir, 'full.json');
  // The first twelve are placed in data centers that do not exist: a finding each.
  const nodes = Array.from({ length: 500 }, (_, i) => node(i + 1, `Web ${i + 1}`, i < 12 ? `dc-${i + 1}` : undefined));
  writeFileSync(full, JSON.stringify({ version: 2, nodes }));
  await app.byTestId('share-button').click();
  await app.byTestId('import-file').setInputFiles(full);
  await page.waitForFunction(() => document.querySelectorAll('svg g.node').length === 500, null, { timeout: 20000 });
  await page.keyboard.press('Escape');
  await app.byTestId('palette-cache').click();
  assert.match(await app.noticeMatching(/at most 500/), /A diagram holds at most 500 components\./);
  assert.equal(await app.nodes().count(), 500);
  // Hundreds of findings: the 500 alike ("receives no traffic") are one line, so there
  // are 14 (twelve data centers, no Users, that line); the first ten are listed, and
  // how many more there are.
  assert.equal(await page.locator('[data-testid="findings"] > li').count(), 11);
  assert.match(await app.byTestId('more-findings').innerText(), /^…and 4 more\. Fix these first/);
  // With the twelve taken out of their data centers, the line that stands for 500 shows.
  await app.byTestId('share-button').click();
  writeFileSync(full, JSON.stringify({ version: 2, nodes: nodes.map((n) => ({ ...n, dc: undefined })) }));
  await app.byTestId('import-file').setInputFiles(full);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="findings"] > li').length === 2);
  assert.match(await page.locator('[data-testid="findings"] > li').nth(1).innerText(),
    /^Web 1 receives no traffic: no path leads to it from any users\. The same goes for Web 2, Web 3, Web 4 and 496 others\.$/);
  await page.screenshot({ path: `${ARTIFACTS}diagram-full.png` });
  assert.deepEqual(problems, []);
  await context.close();
});
