import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packRoots } from '../../src/course/packs.js';
import { EngineUnavailableError } from '../../src/errors.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { readEvents, request } from './http.js';

const SEED = 'docker-missing-multistage';
let server: WebServer;
let course: string;
let publicDir: string;
let engineCalls = 0;

beforeAll(async () => {
  course = await mkdtemp(path.join(os.tmpdir(), 'shipshape-web-'));
  publicDir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-web-public-'));
  await writeFile(path.join(publicDir, 'app.js'), 'console.log("app")');
  await writeFile(path.join(publicDir, 'app.css'), 'body{}');
  server = await startWebServer({
    courseRoot: course,
    packRoots: await packRoots(),
    publicDir,
    // No engine: verify runs its static checks, then stops with the engine's own message.
    connectEngine: async () => {
      engineCalls++;
      throw new EngineUnavailableError('No Docker engine in this test.', 'Start Docker.');
    },
  });
});

afterAll(async () => {
  await server?.close();
  await rm(course, { recursive: true, force: true });
  await rm(publicDir, { recursive: true, force: true });
});

const auth = () => ({ 'x-shipshape-token': server.token });
const api = (method: string, route: string, body?: unknown, headers: Record<string, string> = {}) =>
  request(server.port, { method, path: route, headers: { ...auth(), 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });

describe('serve: the front door', () => {
  it('listens on 127.0.0.1 only, on a free port, and prints a URL with a long random token', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    expect(server.urlWithToken).toBe(`${server.url}?token=${server.token}`);
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const other = await startWebServer({ courseRoot: course, packRoots: await packRoots(), publicDir, connectEngine: async () => Promise.reject(new Error('unused')) });
    try {
      expect(other.port).not.toBe(server.port);
      expect(other.token).not.toBe(server.token);
      // One server's token opens nothing on the other.
      expect((await request(other.port, { path: '/api/course', headers: auth() })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('refuses requests without the token, or with a wrong one', async () => {
    expect((await request(server.port, { path: '/' })).status).toBe(401);
    expect((await request(server.port, { path: '/api/course' })).status).toBe(401);
    expect((await request(server.port, { path: '/assets/app.js' })).status).toBe(401);
    expect((await request(server.port, { path: '/api/course', headers: { 'x-shipshape-token': 'x'.repeat(32) } })).status).toBe(401);
    expect((await request(server.port, { path: `/api/course?token=${server.token.slice(0, -1)}` })).status).toBe(401);
  });

  it('moves the token from the URL to an HttpOnly, SameSite=Strict cookie and the page', async () => {
    const first = await request(server.port, { path: `/?token=${server.token}` });
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toContain(`shipshape_token_${server.port}=${server.token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const page = await request(server.port, { path: '/', headers: { cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/assets/app.js">');
    expect(page.body).toContain(`content="${server.token}"`);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const asset = await request(server.port, { path: '/assets/app.js', headers: { cookie: cookie.split(';')[0]! } });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.body).toContain('console.log');
  });

  it('refuses a foreign Host header (DNS rebinding), even with the token', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`, `0.0.0.0:${server.port}`]) {
      const reply = await request(server.port, { path: '/api/course', headers: { ...auth(), host } });
      expect(reply.status, host).toBe(403);
      expect(reply.body).toMatch(/only to 127\.0\.0\.1 and localhost/);
    }
    expect((await request(server.port, { path: '/api/course', headers: { ...auth(), host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('refuses requests from another Origin or a cross-site fetch, even with the token', async () => {
    for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}`, 'null']) {
      expect((await request(server.port, { path: '/api/course', headers: { ...auth(), origin } })).status, origin).toBe(403);
      expect((await api('POST', `/api/challenges/${SEED}/start`, {}, { origin })).status, origin).toBe(403);
    }
    expect((await request(server.port, { path: '/api/course', headers: { ...auth(), 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await request(server.port, { path: '/api/course', headers: { ...auth(), origin: `http://localhost:${server.port}` } })).status).toBe(200);
  });

  it('needs the token itself, not the cookie alone, for anything that changes state', async () => {
    const cookie = `shipshape_token_${server.port}=${server.token}`;
    const reply = await request(server.port, { method: 'POST', path: `/api/challenges/${SEED}/start`, headers: { cookie } });
    expect(reply.status).toBe(401);
    expect(reply.body).toMatch(/changes something/);
    expect(await readFile(path.join(course, SEED, 'Dockerfile'), 'utf8').catch(() => null)).toBeNull();
  });
});

describe('serve: the API over the same core as the CLI', () => {
  it('GET /api/course: lessons in order, challenges with status and best score', async () => {
    const reply = await api('GET', '/api/course');
    expect(reply.status).toBe(200);
    const { outline, courseRoot } = JSON.parse(reply.body);
    expect(courseRoot).toBe(course);
    expect(outline.lessons.map((lesson: { order: number }) => lesson.order)).toEqual([...outline.lessons.map((lesson: { order: number }) => lesson.order)].sort((a, b) => a - b));
    const seed = outline.lessons.flatMap((lesson: { challenges: unknown[] }) => lesson.challenges).find((challenge: { id: string }) => challenge.id === SEED);
    expect(seed).toMatchObject({ status: 'not-started', attempts: 0, bestPercent: null });
  });

  it('GET /api/lessons/:id renders the markdown with highlighted code and escapes raw HTML', async () => {
    const reply = await api('GET', '/api/lessons/docker-intermediate');
    expect(reply.status).toBe(200);
    const lesson = JSON.parse(reply.body);
    expect(lesson.html).toContain('<h');
    expect(lesson.html).toMatch(/class="hljs[^"]*"/);
    expect(lesson.challenges.map((challenge: { id: string }) => challenge.id)).toContain(SEED);
    const missing = await api('GET', '/api/lessons/no-such-lesson');
    expect(missing.status).toBe(400);
    expect(JSON.parse(missing.body).error).toMatch(/Unknown lesson/);
  });

  it('GET /api/challenges/:id: the task, checks, status; unknown ids get the CLI message', async () => {
    const reply = await api('GET', `/api/challenges/${SEED}`);
    const challenge = JSON.parse(reply.body);
    expect(challenge).toMatchObject({ id: SEED, status: 'not-started', workspace: null, hints: { total: 3, seen: [] } });
    expect(challenge.taskHtml.length).toBeGreaterThan(100);
    expect(challenge.checks.length).toBeGreaterThan(5);
    const unknown = await api('GET', '/api/challenges/docker-missing');
    expect(JSON.parse(unknown.body).error).toMatch(/Unknown challenge/);
  });

  it('POST start writes the starter into <course>/<id> and notes it in the shared progress', async () => {
    const reply = await api('POST', `/api/challenges/${SEED}/start`);
    expect(reply.status).toBe(200);
    const started = JSON.parse(reply.body);
    expect(started.dir).toBe(path.join(course, SEED));
    expect(started.written).toContain('Dockerfile');
    const progress = JSON.parse(await readFile(path.join(course, '.shipshape', 'progress.json'), 'utf8'));
    expect(progress.challenges[SEED].workspace).toBe(path.join(course, SEED));
    expect(JSON.parse((await api('GET', `/api/challenges/${SEED}`)).body).status).toBe('in-progress');
  });

  it('POST start keeps the CLI overwrite rules: a changed file refuses the start; force moves it to a backup', async () => {
    // Starting again over unchanged starter files is fine.
    expect((await api('POST', `/api/challenges/${SEED}/start`)).status).toBe(200);
    const dockerfile = path.join(course, SEED, 'Dockerfile');
    await writeFile(dockerfile, 'FROM scratch\n# my work\n');
    const refused = await api('POST', `/api/challenges/${SEED}/start`);
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.body).error).toMatch(/would overwrite:\n\s+Dockerfile/);
    expect(await readFile(dockerfile, 'utf8')).toContain('my work');
    const forced = JSON.parse((await api('POST', `/api/challenges/${SEED}/start`, { force: true })).body);
    expect(forced.backedUp).toEqual(['Dockerfile']);
    expect(await readFile(path.join(forced.backupDir, 'Dockerfile'), 'utf8')).toContain('my work');
  });

  it('POST hint reveals a level, remembers it, and rejects a level that does not exist', async () => {
    const reply = await api('POST', `/api/challenges/${SEED}/hint`, { level: 2 });
    expect(reply.status).toBe(200);
    const hint = JSON.parse(reply.body);
    expect(hint.hints).toHaveLength(1);
    expect(hint.hints[0].level).toBe(2);
    expect(hint.hints[0].html.length).toBeGreaterThan(20);
    expect(hint.seen).toEqual([2]);
    const bad = await api('POST', `/api/challenges/${SEED}/hint`, { level: 9 });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/no level 9/);
  });

  it('POST solution needs a confirmation, then returns the diff and notes it', async () => {
    const unconfirmed = await api('POST', `/api/challenges/${SEED}/solution`, {});
    expect(unconfirmed.status).toBe(400);
    const before = JSON.parse(await readFile(path.join(course, '.shipshape', 'progress.json'), 'utf8'));
    expect(before.challenges[SEED].solutionViewedAt).toBeNull();
    const shown = JSON.parse((await api('POST', `/api/challenges/${SEED}/solution`, { confirm: true })).body);
    const dockerfile = shown.files.find((file: { file: string }) => file.file === 'Dockerfile');
    expect(dockerfile.change).toBe('modified');
    expect(dockerfile.html).toContain('class="diff-add"');
    expect(dockerfile.html).toContain('AS builder');
    const after = JSON.parse(await readFile(path.join(course, '.shipshape', 'progress.json'), 'utf8'));
    expect(after.challenges[SEED].solutionViewedAt).not.toBeNull();
  });

  it('POST verify streams the core events over SSE, ending with the engine failure, and replays from Last-Event-ID', async () => {
    const workspace = path.join(course, SEED);
    // Learner text with an escape sequence: stripped before it reaches the page.
    await writeFile(path.join(workspace, 'Dockerfile'), 'FROM php:8.2-fpm-alpine\nRUN echo "\u001b]0;pwned\u0007hi"\n');
    const started = await api('POST', `/api/challenges/${SEED}/verify`);
    expect(started.status).toBe(202);
    const { runId, events } = JSON.parse(started.body);
    const stream = await readEvents(server.port, events, auth());
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    const kinds = stream.messages.map((message) => message.event);
    expect(kinds.at(-1)).toBe('end');
    expect(kinds.at(-2)).toBe('failure');
    const progress = stream.messages.filter((message) => message.event === 'progress').map((message) => JSON.parse(message.data));
    expect(progress[0]).toEqual({ type: 'phase', phase: 'static', state: 'start' });
    const checks = progress.filter((event) => event.type === 'check');
    expect(checks.find((event) => event.result.id === 'multi-stage').result.status).toBe('fail');
    expect(stream.messages.map((message) => message.data).join('')).not.toMatch(/\\u001b|\u001b/);
    expect(JSON.parse(stream.messages.at(-2)!.data)).toMatchObject({ message: 'No Docker engine in this test.', suggestion: 'Start Docker.', cancelled: false });
    expect(engineCalls).toBe(1);
    // Ids increase; a reconnect with Last-Event-ID gets only what came after.
    const ids = stream.messages.map((message) => Number(message.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const resumed = await readEvents(server.port, events, { ...auth(), 'last-event-id': String(ids.at(-3)) });
    expect(resumed.messages.map((message) => message.event)).toEqual(['failure', 'end']);
    expect((await api('GET', `/api/runs/${runId}x/events`)).status).toBe(404);
  });

  it('POST cancel stops a running verify; the stream ends with a cancelled failure; one run per workspace', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = await startWebServer({
      courseRoot: course,
      packRoots: await packRoots(),
      publicDir,
      connectEngine: async () => {
        await gate;
        throw new EngineUnavailableError('engine gone', 'retry');
      },
    });
    try {
      const call = (method: string, route: string) => request(slow.port, { method, path: route, headers: { 'x-shipshape-token': slow.token } });
      const { runId, events } = JSON.parse((await call('POST', `/api/challenges/${SEED}/verify`)).body);
      const second = await call('POST', `/api/challenges/${SEED}/verify`);
      expect(second.status).toBe(409);
      expect(JSON.parse(second.body)).toMatchObject({ runId });
      expect(JSON.parse((await call('GET', `/api/challenges/${SEED}`)).body).runningRun).toBe(runId);
      const cancelled = await call('POST', `/api/runs/${runId}/cancel`);
      expect(JSON.parse(cancelled.body)).toEqual({ runId, cancelling: true });
      release();
      const stream = await readEvents(slow.port, events, { 'x-shipshape-token': slow.token });
      const failure = stream.messages.find((message) => message.event === 'failure')!;
      expect(JSON.parse(failure.data).cancelled).toBe(true);
      expect(JSON.parse(stream.messages.at(-1)!.data)).toEqual({ state: 'cancelled' });
      expect((await call('POST', '/api/runs/nope/cancel')).status).toBe(404);
    } finally {
      release();
      await slow.close();
    }
  });

  it('POST reset moves the learner files to a backup and puts the starter back', async () => {
    const reply = await api('POST', `/api/challenges/${SEED}/reset`);
    expect(reply.status).toBe(200);
    const reset = JSON.parse(reply.body);
    expect(reset.moved).toContain('Dockerfile');
    expect(await readFile(path.join(reset.backupDir, 'Dockerfile'), 'utf8')).toContain('pwned');
    expect(await readFile(path.join(course, SEED, 'Dockerfile'), 'utf8')).toContain('composer');
  });

  it('POST /api/class reads a grade result into the class view and serves its CSV; oversized bodies are refused', async () => {
    const result = {
      challenge: { id: SEED, title: 'Split' },
      submissions: [{ name: 'ann', status: 'fail', score: { points: 5, maxPoints: 10, percent: 50 }, checks: [{ id: 'multi-stage', title: 'Two stages', status: 'fail', message: 'one stage' }] }],
    };
    const reply = await request(server.port, { method: 'POST', path: '/api/class', headers: { ...auth(), 'x-file-name': 'r.json' }, body: JSON.stringify(result) });
    expect(reply.status).toBe(200);
    const view = JSON.parse(reply.body);
    expect(view.learners).toEqual([expect.objectContaining({ name: 'ann', cells: { 'multi-stage': 'fail' } })]);
    const csv = await request(server.port, { path: view.csv, headers: auth() });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain(`${SEED}-class.csv`);
    expect(csv.body).toBe('learner,status,points,max_points,percent,multi-stage\r\nann,fail,5,10,50,fail\r\n');
    const bad = await request(server.port, { method: 'POST', path: '/api/class', headers: auth(), body: '[]' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/neither a challenge:grade result nor its state file/);
    const huge = await request(server.port, { method: 'POST', path: `/api/challenges/${SEED}/hint`, headers: auth(), body: `{"level":1,"pad":"${'x'.repeat(70_000)}"}` });
    expect(huge.status).toBe(413);
  });

  it('answers unknown routes and bad bodies with one clear JSON message', async () => {
    const missing = await api('GET', '/api/nothing');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body).error).toMatch(/No route for GET \/api\/nothing/);
    const bad = await request(server.port, { method: 'POST', path: `/api/challenges/${SEED}/hint`, headers: auth(), body: '{not json' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error).toMatch(/not JSON/);
  });
});
