import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packRoots } from '../../src/course/packs.js';
import { connectEngine } from '../../src/engine/connect.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { ROOT } from '../support/cli.js';
import { describeNeeding, needs } from '../support/needs.js';
import { artifactPath, CHROMIUM, requireBrowser } from './browser.js';

const SEED = 'docker-missing-multistage';
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown }>;
}

/** axe-core run inside the page (through the DevTools protocol: the page's CSP stays as served). */
async function seriousViolations(page: Page, name: string): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(() => (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: unknown[] }> } }).axe.run(document).then((result) => result.violations))) as AxeViolation[];
  await writeFile(await artifactPath(`axe-${name}.json`), JSON.stringify(violations, null, 2));
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${JSON.stringify(violation.nodes.map((node) => node.target))}`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: await artifactPath(`${name}.png`), fullPage: true });
}

describeNeeding(needs.engine, needs.browser)('serve in a real Chromium, end to end on the engine', { timeout: 600_000 }, () => {
  let course: string;
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireBrowser();
    requireEngine();
    requireImages('php:8.2-fpm-alpine', 'composer:2');
    course = await mkdtemp(path.join(os.tmpdir(), 'shipshape-web-e2e-'));
    server = await startWebServer({ courseRoot: course, packRoots: await packRoots(), connectEngine: () => connectEngine({}) });
    // Root in a container has no user namespace for the sandbox.
    // rebind.test stands for a DNS name an attacker points at 127.0.0.1 (DNS rebinding).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--host-resolver-rules=MAP rebind.test 127.0.0.1'] });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (course) await rm(course, { recursive: true, force: true });
  });

  it('opens the course from the printed URL, with progress bars and the seed challenge', async () => {
    await page.goto(server.urlWithToken);
    // The token went into a cookie; the address bar no longer shows it.
    expect(page.url()).toBe(server.url);
    await page.getByRole('heading', { name: 'Course', level: 1 }).waitFor();
    expect(await page.getByRole('progressbar', { name: 'Course progress' }).getAttribute('aria-valuetext')).toMatch(/^0 of \d+$/);
    const seed = page.locator(`li[data-challenge="${SEED}"]`);
    await expect.poll(() => seed.textContent()).toContain('Not started');
    await screenshot(page, '1-course');
    expect(await seriousViolations(page, 'course')).toEqual([]);
  });

  it('shows a lesson rendered from markdown with highlighted code', async () => {
    await page.goto(`${server.url}#/lesson/docker-intermediate`);
    await page.locator('article.markdown h1, article.markdown h2').first().waitFor();
    expect(await page.locator('article.markdown code.hljs').count()).toBeGreaterThan(0);
    await screenshot(page, '2-lesson');
  });

  it('starts the seed challenge, verifies (fails: evidence and hint shown), and reveals a hint', async () => {
    await page.goto(`${server.url}#/challenge/${SEED}`);
    await page.locator('[data-action="start"]').click();
    await page.locator('code.workspace').waitFor();
    expect(await page.locator('code.workspace').textContent()).toBe(path.join(course, SEED));
    await page.locator('[data-action="verify"]').click();
    // Live progress: phases appear and the build reports its steps.
    await page.locator('.phases li[data-phase="static"]').waitFor();
    await page.locator('.step', { hasText: /Build step \d+\/\d+/ }).waitFor({ timeout: 300_000 });
    await screenshot(page, '3-verifying');
    await page.locator('[data-verdict]').waitFor({ timeout: 600_000 });
    expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('fail');
    const failed = page.locator('tr[data-check="multi-stage"]');
    expect(await failed.getAttribute('class')).toBe('status-fail');
    expect(await failed.locator('.hint-line').textContent()).toMatch(/Hint: .*second FROM/);
    // Evidence of what was seen: the size check measured the starter and the image.
    const evidence = page.locator('tr[data-check="size-over-base"] details.evidence');
    await evidence.locator('summary').click();
    expect(await evidence.locator('dl').textContent()).toMatch(/imageBytes/i);
    await page.locator('button[data-hint="1"]').click();
    await page.locator('.hint h3', { hasText: 'Hint 1 of 3' }).waitFor();
    await screenshot(page, '4-failed');
    expect(await seriousViolations(page, 'challenge-failed')).toEqual([]);
    const progress = JSON.parse(await readFile(path.join(course, '.shipshape', 'progress.json'), 'utf8'));
    expect(progress.challenges[SEED]).toMatchObject({ attempts: 1, hintsSeen: [1], passedAt: null });
  });

  it('after the solution files are applied, verifies again (passes) and draws the before/after picture', async () => {
    await cp(path.join(ROOT, 'challenges', SEED, 'solution'), path.join(course, SEED), { recursive: true });
    await page.reload();
    await page.locator('[data-action="verify"]').click();
    await page.locator('[data-verdict="pass"]').waitFor({ timeout: 600_000 });
    const size = page.locator('figure[data-picture="size"]');
    await size.waitFor();
    expect(await size.locator('svg rect.chart-bar').count()).toBe(2);
    const widths = await size.locator('svg rect.chart-bar').evaluateAll((rects) => rects.map((rect) => Number(rect.getAttribute('width'))));
    // The starter's bar is drawn longer than the multi-stage image's.
    expect(widths[0]!).toBeGreaterThan(widths[1]!);
    expect(await size.locator('figcaption').textContent()).toMatch(/smaller/);
    // The largest layers the Dockerfile added, each bar labelled with its instruction.
    const layers = page.locator('figure[data-picture="layers"]');
    expect(await layers.locator('svg rect.chart-bar').count()).toBeGreaterThan(0);
    expect(await layers.locator('svg text.chart-label').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^(COPY|RUN|ADD)\b/)]));
    const health = page.locator('figure[data-picture="health"]');
    expect(await health.locator('circle.probe-ok').count()).toBeGreaterThan(0);
    // The probes also came live, one progress event each (the result alone never fills this list).
    const live = page.locator('[data-live-probes] li');
    expect(await live.count()).toBeGreaterThan(0);
    expect(await live.last().textContent()).toMatch(/^✓ health probe \d+ at \d+\.\d s: exit 0/);
    await screenshot(page, '5-passed');
    expect(await seriousViolations(page, 'challenge-passed')).toEqual([]);
    await page.goto(server.url);
    await expect.poll(() => page.locator(`li[data-challenge="${SEED}"]`).textContent()).toContain('Passed');
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });

  it('shows the solution diff only after a confirmation', async () => {
    await page.goto(`${server.url}#/challenge/${SEED}`);
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.locator('[data-action="solution"]').click();
    expect(await page.locator('pre.diff').count()).toBe(0);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.locator('[data-action="solution"]').click();
    await page.locator('.solution p', { hasText: 'already match' }).waitFor();
  });

  it('in the browser, a rebound DNS name and a page of another origin get nothing', async () => {
    const errorsBefore = pageErrors.length;
    const rebound = await page.goto(`http://rebind.test:${server.port}/?token=${server.token}`);
    expect(rebound?.status()).toBe(403);
    expect(await page.locator('body').textContent()).toMatch(/only to 127\.0\.0\.1 and localhost/);
    // Another origin's page posts to the API with the learner's cookie: refused, nothing written.
    const evil = http.createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>evil</title><script>
        fetch('${server.url}api/challenges/docker-go-scratch/start', { method: 'POST', credentials: 'include', body: '{}' })
          .then(() => (document.title = 'sent'), () => (document.title = 'sent'));
      </script>`);
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    try {
      // The browser does send it (a simple POST needs no preflight); the server's Origin and token checks refuse it.
      const sent = page.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/api/challenges/docker-go-scratch/start'));
      await page.goto(`http://rebind.test:${(evil.address() as AddressInfo).port}/`);
      await sent;
      await expect.poll(() => page.title()).toBe('sent');
      expect(await stat(path.join(course, 'docker-go-scratch')).then(() => true, () => false)).toBe(false);
    } finally {
      evil.close();
      // The refusals this test provoked are logged by the browser; only the app's own pages must stay clean.
      pageErrors.splice(errorsBefore);
    }
  });

  it('the instructor view opens a grade result: heat map, most failed, one learner, CSV', async () => {
    const check = (id: string, status: string) => ({ id, title: `Check ${id}`, kind: 'k', phase: 'static', status, required: true, points: 0, maxPoints: 5, message: `${id}: ${status} <b>not bold</b>`, hint: 'do this', durationMs: 1 });
    const learner = (name: string, statuses: string[]) => ({
      name,
      status: statuses.includes('fail') ? 'fail' : 'pass',
      passed: !statuses.includes('fail'),
      score: { points: 5, maxPoints: 15, percent: 33 },
      counts: { pass: 1, fail: 2, skip: 0 },
      checks: statuses.map((status, index) => check(`c${index + 1}`, status)),
      message: null,
      durationMs: 1000,
    });
    const result = { schemaVersion: 1, challenge: { id: SEED, title: 'Split it' }, submissions: [learner('ann', ['pass', 'fail', 'fail']), learner('bob', ['fail', 'fail', 'pass']), learner('<img src=x>', ['pass', 'pass', 'pass'])] };
    await page.goto(`${server.url}#/class`);
    await page.locator('#class-file').setInputFiles({ name: 'results.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(result)) });
    await page.locator('table.heat').waitFor();
    expect(await page.locator('table.heat tbody tr').count()).toBe(3);
    expect(await page.locator('td.cell-fail').count()).toBe(4);
    // Learner-derived names are text, never markup.
    expect(await page.locator('table.heat img').count()).toBe(0);
    expect(await page.locator('.most-failed li').first().textContent()).toMatch(/Check c2 \(c2\) — 2 of 3/);
    await page.getByRole('button', { name: 'bob' }).click();
    await page.locator('.learner h2', { hasText: 'Learner: bob' }).waitFor();
    expect(await page.locator('.learner b').count()).toBe(0);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="csv"]').click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('learner,status,points,max_points,percent,c1,c2,c3');
    await screenshot(page, '6-class');
    expect(await seriousViolations(page, 'class')).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
}, 1_800_000);
