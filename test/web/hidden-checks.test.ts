import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packRoots } from '../../src/course/packs.js';
import { EngineUnavailableError } from '../../src/errors.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { ROOT } from '../support/cli.js';
import { readEvents, request } from './http.js';

/**
 * The web page is learner output: a hidden check reaches neither the challenge's check list nor the
 * live events of a verify (the static checks run, then the run stops: no engine in this test).
 */
const PACKS = path.join(ROOT, 'test', 'fixtures', 'packs', 'hidden');
const ID = 'docker-hidden-checks';
const SECRETS = ['secret-stages', 'Hidden-rule-stage-count', 'HIDDEN-HINT-stages-4b2'];

let server: WebServer;
let course: string;

beforeAll(async () => {
  course = await mkdtemp(path.join(os.tmpdir(), 'shipshape-web-hidden-'));
  const publicDir = await mkdtemp(path.join(course, 'public-'));
  server = await startWebServer({
    courseRoot: course,
    packRoots: await packRoots([PACKS]),
    publicDir,
    connectEngine: async () => {
      throw new EngineUnavailableError('No Docker engine in this test.', 'Start Docker.');
    },
  });
});

afterAll(async () => {
  await server?.close();
  await rm(course, { recursive: true, force: true });
});

const api = (method: string, route: string) =>
  request(server.port, { method, path: route, headers: { 'x-shipshape-token': server.token, 'content-type': 'application/json' } });

describe('web: hidden checks', () => {
  it('GET /api/challenges/:id lists the shown checks and only the number of hidden ones', async () => {
    const challenge = JSON.parse((await api('GET', `/api/challenges/${ID}`)).body);
    expect(challenge.checks.map((check: { id: string }) => check.id)).toEqual(['exec-form', 'terse-final']);
    expect(challenge.hiddenChecks).toBe(2);
    const text = JSON.stringify(challenge);
    for (const secret of [...SECRETS, 'bonus-named', 'After-pass-bonus-named']) expect(text).not.toContain(secret);
  });

  it('POST verify: the live check events leave the hidden and after-pass checks out and trim a title-only one', async () => {
    expect((await api('POST', `/api/challenges/${ID}/start`)).status).toBe(200);
    const started = await api('POST', `/api/challenges/${ID}/verify`);
    expect(started.status).toBe(202);
    const stream = await readEvents(server.port, JSON.parse(started.body).events, { 'x-shipshape-token': server.token });
    const checks = stream.messages
      .filter((message) => message.event === 'progress')
      .map((message) => JSON.parse(message.data))
      .filter((event) => event.type === 'check');
    expect(checks.map((event) => event.result.id)).toEqual(['exec-form', 'terse-final']);
    expect(checks[1].result).toMatchObject({ message: 'Details of this check are not shown.', hint: null });
    const everything = stream.messages.map((message) => message.data).join('\n');
    for (const secret of [...SECRETS, 'bonus-named', 'TERSE-HINT-final-6a0']) expect(everything).not.toContain(secret);
    expect(stream.messages.at(-2)!.event).toBe('failure');
  });
});
