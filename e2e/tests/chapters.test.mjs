// Every chapter, played in the browser: it opens on its starting diagram, "Check goals"
// fails at least one goal with a reason, "Show solution" (confirmed) loads the
// reference design, and a second check passes every goal and offers the way on. The
// panel is photographed after each check (e2e/artifacts/chapter-N-failed.png and
// -passed.png). The chapters come from lessons/course.json, so a new chapter is walked
// with no new test code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openPage, courseChapters, goToChapter, ARTIFACTS } from '../harness.mjs';
import { ScaleLab } from '../pages.mjs';

const chapters = courseChapters();

let session;
before(async () => {
  session = await startSession();
});
after(async () => {
  await session.close();
});

async function visibleReasons(page) {
  return page.$$eval('[data-testid^="goal-reason-"]', (ps) => ps.filter((p) => !p.hidden).map((p) => p.textContent.trim()));
}

test('every chapter starts failing with reasons and passes with its solution', async () => {
  const { page, context, problems } = await openPage(session, { course: true });
  const app = new ScaleLab(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  for (const [i, lesson] of chapters.entries()) {
    // The chapters before it done, as if passed with their solutions.
    await goToChapter(page, i);
    await app.ready();
    const n = i + 1;
    await page.waitForFunction((k) => new RegExp(`Chapter ${k} of`).test(document.querySelector('.chapter-kicker')?.textContent ?? ''), n);
    assert.equal(await app.byTestId('chapter-title').innerText(), lesson.title);
    if (lesson.scenario.random_failures) {
      const summary = await app.byTestId('scenario-summary').textContent();
      assert.match(summary, /fail at random.*fails \(at random\)/s, `chapter ${n}: the random failures are listed`);
    }
    if (lesson.prediction) {
      await app.byTestId('prediction-choice-0').check();
      await app.byTestId('prediction-submit').click();
    }
    const goals = await page.$$eval('[data-testid="goals"] > li', (lis) => lis.length);
    assert.equal(goals, lesson.goals.length, `chapter ${n}`);

    let status = await app.checkGoals();
    assert.doesNotMatch(status, /every goal passes/, `chapter ${n} passes before any change`);
    const failed = await page.$$eval('[data-testid="goals"] > li.goal.fail', (lis) => lis.length);
    assert.ok(failed >= 1, `chapter ${n}: ${status}`);
    const reasons = await visibleReasons(page);
    assert.ok(reasons.length >= 1 && reasons.every((r) => r.length > 10), `chapter ${n}: ${reasons.join(' | ')}`);
    await page.screenshot({ path: `${ARTIFACTS}chapter-${n}-failed.png` });

    await app.byTestId('show-solution').click();
    await app.byTestId('solution-yes').click();
    await app.byTestId('solution-note').waitFor({ state: 'visible' });
    status = await app.checkGoals();
    assert.match(status, /every goal passes/, `chapter ${n}: ${(await visibleReasons(page)).join(' | ')}`);
    await page.screenshot({ path: `${ARTIFACTS}chapter-${n}-passed.png` });
    const way = (await app.byTestId('next-chapter').innerText()).trim();
    const expected = i === chapters.length - 1 ? 'finished the course' : `Next chapter: ${chapters[i + 1].title}`;
    assert.ok(way.includes(expected), `chapter ${n}: the way on reads "${way}"`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});
