import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { chooseHints, readHint } from '../course/hints.js';
import { courseOutline, listLessons } from '../course/lessons.js';
import { findPack, listPacks, type ChallengePack } from '../course/packs.js';
import { solutionDiff } from '../course/solution.js';
import type { Engine } from '../engine/connect.js';
import { errorMessage, isUserError, UserError } from '../errors.js';
import { recordVerifyOrWarn } from '../grading/record.js';
import { verifyWorkspace } from '../grading/verify.js';
import { isShown, learnerEvent, learnerView } from '../grading/visibility.js';
import { locateChallenge, startInCourse } from '../workspace/course.js';
import { resetChallenge } from '../workspace/lifecycle.js';
import { challengeProgress, challengeStatus, readProgress, updateChallengeProgress } from '../workspace/progress.js';
import { classCsv, parseClassFile, type ClassView } from './class-view.js';
import { diffToHtml, escapeHtml, markdownToHtml } from './markdown.js';
import { RunRegistry, VerifyRun } from './runs.js';
import { sanitizeDeep } from './sanitize.js';
import { cookieName, guard } from './security.js';

export interface AppOptions {
  token: string;
  /** The port the server listens on (known once it listens). */
  port: () => number;
  /** The course root whose progress and workspaces the page shares with the CLI. */
  courseRoot: string;
  packRoots: string[];
  /** Lesson directories of the selected courses (default: as every command). */
  lessonDirs?: string[];
  /** Directory with the built front end (app.js, app.css). */
  publicDir: string;
  connectEngine: () => Promise<Engine>;
  runs?: RunRegistry;
}

const ASSETS: Record<string, string> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };
const MAX_BODY_BYTES = 60 * 1024 * 1024;

/** The HTTP app: the page, its assets and a JSON API over the same core the CLI uses. */
export function createApp(options: AppOptions) {
  const runs = options.runs ?? new RunRegistry();
  const lastResults = new Map<string, unknown>();
  const classViews = new Map<string, ClassView>();
  const notes: string[] = [];
  const warn = (message: string) => notes.push(message);
  const app = new Hono();

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });
  app.use('*', guard({ token: options.token, port: options.port }));

  // Bodies are read only up to a bound: a class file can be large, anything else is a small JSON object.
  const tooLarge = (limit: string) => (c: Context) => c.json({ error: `The request body is larger than ${limit}.` }, 413);
  app.post('/api/class', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge('60 MB') }));
  app.post('/api/challenges/*', bodyLimit({ maxSize: 64 * 1024, onError: tooLarge('64 kB') }));

  app.onError((error, c) => {
    if (isUserError(error)) return c.json({ error: error.message, suggestion: error.suggestion ?? null }, error.exitCode === 1 ? 409 : 400);
    return c.json({ error: `Internal error: ${errorMessage(error)}` }, 500);
  });

  app.get('/', (c) => {
    if (c.req.query('token')) {
      // The token moves from the address into a cookie bound to this host and port; the address is cleaned.
      setCookie(c, cookieName(options.port()), options.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      return c.redirect('/', 303);
    }
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
    return c.html(pageHtml(options.token));
  });

  app.get('/assets/:name', async (c) => {
    const name = c.req.param('name');
    const type = ASSETS[name];
    if (!type) return c.text('Not found', 404);
    const body = await readFile(path.join(options.publicDir, name), 'utf8').catch(() => null);
    if (body === null) return c.text(`The front end is not built (${name} missing): run \`npm run build\`.`, 500);
    c.header('Cache-Control', 'no-cache');
    return c.body(body, 200, { 'Content-Type': type });
  });

  const packs = () => listPacks(options.packRoots);
  const pack = (id: string) => findPack(id, options.packRoots);
  const progress = () => readProgress(options.courseRoot, { warn });

  app.get('/api/course', async (c) => {
    const [lessons, allPacks, current] = await Promise.all([listLessons(options.lessonDirs), packs(), progress()]);
    const outline = courseOutline(lessons, allPacks, current);
    return c.json({ courseRoot: options.courseRoot, outline, notes: notes.splice(0) });
  });

  app.get('/api/lessons/:id', async (c) => {
    const id = c.req.param('id');
    const [lessons, allPacks, current] = await Promise.all([listLessons(options.lessonDirs), packs(), progress()]);
    const lesson = lessons.find((candidate) => candidate.id === id);
    if (!lesson) throw new UserError(`Unknown lesson "${id}".`, 2);
    const outline = courseOutline(lessons, allPacks, current);
    const challenges = outline.lessons.find((candidate) => candidate.id === id)?.challenges ?? [];
    return c.json({ id: lesson.id, title: lesson.title, prerequisites: lesson.prerequisites, html: markdownToHtml(lesson.body), challenges });
  });

  app.get('/api/challenges/:id', async (c) => {
    const found = await pack(c.req.param('id'));
    const { manifest } = found;
    const located = await locateChallenge(manifest.id, options.courseRoot, { warn });
    const entry = challengeProgress(located.progress, manifest.id);
    const task = await readFile(path.join(found.dir, manifest.task), 'utf8').catch(() => '');
    const run = located.workspace ? runs.runningFor(located.workspace.root) : undefined;
    return c.json({
      id: manifest.id,
      title: manifest.title,
      summary: manifest.summary,
      difficulty: manifest.difficulty,
      lesson: manifest.lesson,
      file: manifest.dockerfile ?? manifest.compose ?? null,
      taskHtml: markdownToHtml(task),
      checks: manifest.checks
        .filter((check) => isShown(check, Boolean(entry.passedAt)))
        .map((check) => ({ id: check.id, title: check.title, phase: check.kind.split('.')[0], points: check.points })),
      hiddenChecks: manifest.checks.filter((check) => !isShown(check, Boolean(entry.passedAt))).length,
      status: challengeStatus(located.progress.challenges[manifest.id]),
      progress: entry,
      workspace: located.workspace?.root ?? null,
      hints: { total: manifest.hints.length, seen: entry.hintsSeen },
      runningRun: run?.id ?? null,
      lastResult: lastResults.get(manifest.id) ?? null,
    });
  });

  app.post('/api/challenges/:id/start', async (c) => {
    const found = await pack(c.req.param('id'));
    const body = await jsonBody<{ force?: boolean }>(c);
    const located = await locateChallenge(found.manifest.id, options.courseRoot, { warn });
    const dir = located.workspace?.root ?? located.progress.challenges[found.manifest.id]?.workspace ?? path.join(options.courseRoot, found.manifest.id);
    const { course, ...result } = await startInCourse(found, dir, { force: body.force === true, cwd: options.courseRoot, explicitDir: false, warn });
    return c.json({ challenge: found.manifest.id, course, ...result });
  });

  app.post('/api/challenges/:id/reset', async (c) => {
    const found = await pack(c.req.param('id'));
    const located = await locateChallenge(found.manifest.id, options.courseRoot, { warn, requireWorkspace: true });
    const result = await resetChallenge(found, located.workspace!.root);
    lastResults.delete(found.manifest.id);
    return c.json({ challenge: found.manifest.id, ...result });
  });

  app.post('/api/challenges/:id/hint', async (c) => {
    const found = await pack(c.req.param('id'));
    const body = await jsonBody<{ level?: number }>(c);
    const located = await locateChallenge(found.manifest.id, options.courseRoot, { warn });
    const level = typeof body.level === 'number' && Number.isInteger(body.level) ? body.level : undefined;
    const choice = chooseHints(found, challengeProgress(located.progress, found.manifest.id), { level });
    const hints = await Promise.all(choice.levels.map((chosen) => readHint(found, chosen)));
    const entry = await updateChallengeProgress(
      located.courseRoot,
      found.manifest.id,
      (current) => {
        current.hintsSeen = [...new Set([...current.hintsSeen, ...choice.levels])].sort((a, b) => a - b);
      },
      { warn },
    );
    return c.json({
      challenge: found.manifest.id,
      failingCheck: choice.failingCheck,
      hints: hints.map((hint) => ({ level: hint.level, html: markdownToHtml(hint.text) })),
      seen: entry.hintsSeen,
      total: found.manifest.hints.length,
      exhausted: choice.exhausted,
    });
  });

  app.post('/api/challenges/:id/solution', async (c) => {
    const found = await pack(c.req.param('id'));
    const body = await jsonBody<{ confirm?: boolean }>(c);
    if (body.confirm !== true) throw new UserError('Showing the solution needs a confirmation.', 2, 'Send {"confirm": true}.');
    const located = await locateChallenge(found.manifest.id, options.courseRoot, { warn, requireWorkspace: true });
    const diffs = await solutionDiff(found, located.workspace!.root);
    await updateChallengeProgress(
      located.courseRoot,
      found.manifest.id,
      (entry) => {
        entry.solutionViewedAt ??= new Date().toISOString();
      },
      { warn },
    );
    return c.json({
      challenge: found.manifest.id,
      workspace: located.workspace!.root,
      files: diffs.map((diff) => ({ file: diff.file, change: diff.change, html: diffToHtml(diff.patch) })),
    });
  });

  app.post('/api/challenges/:id/verify', async (c) => {
    const found = await pack(c.req.param('id'));
    const located = await locateChallenge(found.manifest.id, options.courseRoot, { warn, requireWorkspace: true });
    const workspace = located.workspace!;
    const busy = runs.runningFor(workspace.root);
    if (busy) return c.json({ error: 'A verify of this workspace is already running.', runId: busy.id }, 409);
    // The page is learner output: hidden checks never reach its events or result (src/grading/visibility.ts).
    const learner = { passedBefore: Boolean(located.progress.challenges[found.manifest.id]?.passedAt) };
    const run = runs.add(
      new VerifyRun(found.manifest.id, workspace.root, async (signal, progressOf) => {
        let imageLayers: unknown = null;
        const result = await verifyWorkspace({
          pack: found,
          workspaceDir: workspace.root,
          engine: options.connectEngine,
          signal,
          describeImage: true,
          onEvent: (event) => {
            const shown = learnerEvent(event, found.manifest, learner);
            if (!shown) return;
            const safeEvent = sanitizeDeep(shown) as { type: string; layers?: unknown };
            if (safeEvent.type === 'image') imageLayers = safeEvent.layers ?? null;
            progressOf(safeEvent);
          },
        }).then((graded) => learnerView(graded, found.manifest, learner));
        await recordVerifyOrWarn(workspace, result, (message) => progressOf({ type: 'note', message }));
        // The page's picture of the layers rides along with the result (not part of the --json schema).
        const safe = { ...(sanitizeDeep(result) as Record<string, unknown>), imageLayers };
        lastResults.set(found.manifest.id, safe);
        return safe;
      }),
    );
    return c.json({ runId: run.id, events: `/api/runs/${run.id}/events` }, 202);
  });

  app.get('/api/runs/:id/events', (c) => {
    const run = runs.get(c.req.param('id'));
    if (!run) return c.json({ error: 'No such run (it may have ended long ago).' }, 404);
    const after = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0) || 0;
    return streamSSE(c, async (stream) => {
      const queue: Array<{ id: number; event: string; data: unknown }> = [];
      let wake: (() => void) | null = null;
      let ended = false;
      const unsubscribe = run.subscribe(after, (message) => {
        queue.push(message);
        if (message.event === 'end') ended = true;
        wake?.();
      });
      stream.onAbort(() => {
        ended = true;
        unsubscribe();
        wake?.();
      });
      if (!run.running && queue.length === 0) ended = true;
      try {
        for (;;) {
          while (queue.length > 0) {
            const message = queue.shift()!;
            await stream.writeSSE({ id: String(message.id), event: message.event, data: JSON.stringify(message.data) });
          }
          if (ended || stream.aborted) break;
          // A comment every 15 s keeps proxies and the browser from timing the stream out.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 15_000);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          wake = null;
          if (queue.length === 0 && !ended) await stream.write(': keep-alive\n\n');
        }
      } finally {
        unsubscribe();
      }
    });
  });

  app.post('/api/runs/:id/cancel', (c) => {
    const run = runs.get(c.req.param('id'));
    if (!run) return c.json({ error: 'No such run.' }, 404);
    run.cancel();
    return c.json({ runId: run.id, cancelling: run.running });
  });

  app.post('/api/class', async (c) => {
    const text = await c.req.text();
    const name = safeName(c.req.header('x-file-name') ?? 'the file');
    const view = parseClassFile(text, name);
    const id = randomBytes(6).toString('hex');
    classViews.set(id, view);
    // A few recent files are enough for their CSV links; older ones are forgotten.
    for (const old of [...classViews.keys()].slice(0, Math.max(0, classViews.size - 10))) classViews.delete(old);
    return c.json({ id, csv: `/api/class/${id}/csv`, ...view });
  });

  app.get('/api/class/:id/csv', (c) => {
    const view = classViews.get(c.req.param('id'));
    if (!view) return c.json({ error: 'No such class view: open the file again.' }, 404);
    return c.body(classCsv(view), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${view.challenge.id.replace(/[^A-Za-z0-9_.-]/g, '_')}-class.csv"`,
    });
  });

  app.notFound((c) => c.json({ error: `No route for ${c.req.method} ${new URL(c.req.url).pathname}.` }, 404));
  return { app, runs };
}

function safeName(name: string): string {
  return name.replace(/[^\w .-]/g, '_').slice(0, 120);
}

async function jsonBody<T>(c: Context): Promise<Partial<T>> {
  const text = await c.req.text();
  if (!text.trim()) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Partial<T>) : {};
  } catch {
    throw new UserError('The request body is not JSON.', 2);
  }
}

function pageHtml(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="shipshape-token" content="${escapeHtml(token)}">
<title>Shipshape</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a class="brand" href="#/">Shipshape</a><nav aria-label="Main"><a href="#/">Course</a><a href="#/class">Instructor</a></nav></header>
<main id="main" tabindex="-1"><p class="muted">Loading…</p></main>
</body>
</html>
`;
}

export type { ChallengePack };
