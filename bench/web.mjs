#!/usr/bin/env node
// `shipshape serve` benchmarks, each a ratio against a baseline measured in this run:
//   - the page's first view (navigation to the course rendered from the API) vs a static page of the
//     same server stack in the same browser, with the 300 ms target on the first view itself;
//   - a warm verify clicked in the browser (to the verdict on the page) vs `challenge:verify --plain`
//     of the CLI on the same workspace, alternating, median of N pairs; target ratio <= 1.0.
//
//   npm run bench:web [-- --pairs N]
//
// Uses the built package (dist/) and Debian's chromium (/usr/bin/chromium). Every Docker object
// carries Shipshape's labels with a bench session and is removed by the runs themselves.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'run.js');
const ID = 'docker-missing-multistage';
const CHROMIUM = process.env.SHIPSHAPE_CHROMIUM ?? '/usr/bin/chromium';
const pairsArg = process.argv.indexOf('--pairs');
const PAIRS = pairsArg > 0 ? Number(process.argv[pairsArg + 1]) : 3;
process.env.SHIPSHAPE_SESSION ??= `bench-web-${process.pid}-${randomBytes(3).toString('hex')}`;

const now = () => Number(process.hrtime.bigint() / 1000n) / 1000;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const figures = [];
function record(label, value, baselineLabel, baseline, target) {
  const ratio = value / baseline;
  const subject = target.of === 'ratio' ? ratio : value;
  const met = subject <= target.value;
  figures.push({ label, value, baseline: { label: baselineLabel, value: baseline }, ratio, target, met });
  console.log(`${label.padEnd(44)} ${Math.round(value).toString().padStart(7)} ms  vs ${baselineLabel} ${Math.round(baseline)} ms = ${ratio.toFixed(2)}x  (target ${target.of === 'ratio' ? 'ratio ' : ''}<= ${target.value}${target.of === 'ratio' ? 'x' : ' ms'})  ${met ? 'met' : 'MISSED'}`);
}

function cli(args, cwd) {
  return new Promise((resolve, reject) => {
    const started = now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, ms: now() - started }));
  });
}

const { chromium } = await import('playwright-core');
const { startWebServer } = await import(path.join(ROOT, 'dist', 'web', 'server.js'));
const { packRoots } = await import(path.join(ROOT, 'dist', 'course', 'packs.js'));
const { connectEngine } = await import(path.join(ROOT, 'dist', 'engine', 'connect.js'));

const course = await mkdtemp(path.join(os.tmpdir(), 'shipshape-bench-web-'));
const server = await startWebServer({ courseRoot: course, packRoots: packRoots(), connectEngine: () => connectEngine({}) });
// The baseline page: the same Node HTTP stack and browser, a static page with no API call.
const staticServer = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>baseline</title><h1>Course</h1>');
});
await new Promise((resolve) => staticServer.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
let failed = false;
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(server.urlWithToken);
  await page.locator('li[data-challenge]').first().waitFor();

  // First view: a fresh navigation (the cookie set) until the course list is on the page.
  const views = [];
  const statics = [];
  for (let i = 0; i < 7; i++) {
    let started = now();
    await page.goto(`http://127.0.0.1:${staticServer.address().port}/`);
    await page.locator('h1').waitFor();
    statics.push(now() - started);
    started = now();
    await page.goto(server.url);
    await page.locator('li[data-challenge]').first().waitFor();
    views.push(now() - started);
  }
  record('serve: first view of the course page', median(views), 'static page', median(statics), { of: 'value', value: 300 });

  // Verify: the same warm workspace (solution applied, layers cached) from the page and from the CLI.
  const started = await cli(['challenge:start', ID, '--dir', path.join(course, ID)], course);
  if (started.code !== 0) throw new Error(`challenge:start failed: ${started.out}`);
  await cp(path.join(ROOT, 'challenges', ID, 'solution'), path.join(course, ID), { recursive: true });
  const warm = await cli(['challenge:verify', '--dir', path.join(course, ID), '--plain'], course);
  if (warm.code !== 0) throw new Error(`the warm-up verify did not pass:\n${warm.out}`);
  const browserRuns = [];
  const cliRuns = [];
  await page.goto(`${server.url}#/challenge/${ID}`);
  for (let i = 0; i < PAIRS; i++) {
    const order = i % 2 === 0 ? ['browser', 'cli'] : ['cli', 'browser'];
    for (const which of order) {
      if (which === 'cli') {
        const run = await cli(['challenge:verify', '--dir', path.join(course, ID), '--plain'], course);
        if (run.code !== 0) throw new Error(`CLI verify did not pass:\n${run.out}`);
        cliRuns.push(run.ms);
      } else {
        await page.reload();
        await page.locator('[data-action="verify"]').waitFor();
        const begun = now();
        await page.locator('[data-action="verify"]').click();
        await page.locator('[data-verdict]').waitFor({ timeout: 600_000 });
        browserRuns.push(now() - begun);
        if ((await page.locator('[data-verdict]').getAttribute('data-verdict')) !== 'pass') throw new Error('browser verify did not pass');
      }
    }
  }
  record('serve: warm verify clicked in the browser', median(browserRuns), 'CLI verify --plain', median(cliRuns), { of: 'ratio', value: 1.0 });
  const out = { at: new Date().toISOString(), node: process.version, cpus: os.cpus().length, load: os.loadavg(), figures, samples: { views, statics, browserRuns, cliRuns } };
  await mkdir(path.join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(path.join(ROOT, 'bench', 'results', 'web-latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  failed = figures.some((figure) => !figure.met);
} finally {
  await browser.close();
  await server.close();
  staticServer.close();
  await rm(course, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
