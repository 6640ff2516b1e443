// Launching Debian's Chromium through playwright-core, and collecting what a page
// reports (console errors, uncaught exceptions) so tests can assert there were none.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { serveDist } from './server.mjs';
import { ScaleLab } from './pages.mjs';

export const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

// Without these flags Chromium stalls on the closed network of the build machines.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts the static server and Chromium; call `close()` when done. */
export async function startSession() {
  const server = await serveDist();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: FLAGS,
  });
  return {
    url: server.url,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A new page whose console errors and uncaught exceptions are recorded in `problems`.
 * It opens in the sandbox, as if the learner had gone there before; with `course:
 * true` it opens as on a first visit (the course, chapter 1). `init`, if given, is a
 * script run in the page before any of its own (to observe it from the start).
 */
export async function openPage(session, { viewport = { width: 1400, height: 900 }, query = '', course = false, init = null } = {}) {
  const context = await session.browser.newContext({ viewport, hasTouch: true });
  if (init) await context.addInitScript(init);
  if (!course) {
    // Only when nothing is saved yet, so a reload keeps what the test did.
    await context.addInitScript(() => {
      if (localStorage.getItem('scalelab.progress') === null) {
        // Progress version 2 (the compact form): in the sandbox, no chapter done.
        localStorage.setItem('scalelab.progress', 'p=AgABAA');
      }
    });
  }
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
  await page.goto(session.url + query);
  return { page, context, problems };
}

/** `openPage`, then the app on it, once it has mounted. */
export async function openApp(session, options) {
  const opened = await openPage(session, options);
  const app = new ScaleLab(opened.page);
  await app.ready();
  return { ...opened, app };
}

const LESSONS = new URL('../lessons/', import.meta.url);

/** The course's chapters, in order, as their lesson files hold them. */
export function courseChapters() {
  const manifest = JSON.parse(readFileSync(new URL('course.json', LESSONS), 'utf8'));
  return manifest.chapters.map((file) => JSON.parse(readFileSync(new URL(file, LESSONS), 'utf8')));
}

/**
 * Reloads `page` on chapter `index` (from 0) with the chapters before it done and
 * nothing else saved; with `skipQuestion` its prediction is skipped too. The progress
 * is written as an older Scale Lab saved it (JSON), which the app upgrades at start.
 */
export async function goToChapter(page, index, { skipQuestion = false } = {}) {
  const ids = courseChapters().map((l) => l.id);
  const chapters = Object.fromEntries(ids.slice(0, index).map((id) => [id, { done: true, answer: 0 }]));
  if (skipQuestion) chapters[ids[index]] = { skipped: true };
  // The page must have read what it had saved first: a page still starting would read
  // the progress written here, which it does not upgrade, and set it aside.
  await page.getByTestId('app').waitFor({ state: 'visible', timeout: 15000 });
  await page.evaluate((progress) => {
    localStorage.clear();
    localStorage.setItem('scalelab.progress', JSON.stringify(progress));
  }, { version: 1, chapter: ids[index], chapters });
  await page.reload();
}
