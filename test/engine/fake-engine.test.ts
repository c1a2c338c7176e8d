import { runLabels } from '../../src/engine/labels.js';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPack } from '../../src/course/packs.js';
import { verifyWorkspace } from '../../src/grading/verify.js';
import { startChallenge } from '../../src/workspace/workspace.js';
import { apiAtLeast, connectEngine } from '../../src/engine/connect.js';
import { EngineUnavailableError, UserError } from '../../src/errors.js';
import { buildImage } from '../../src/engine/build.js';
import { RunScope } from '../../src/engine/scope.js';
import { LABEL_RUN } from '../../src/engine/labels.js';

// The engine appends one LABEL step per run label; a real stream's total counts them.
const OUR_LABEL_STEPS = Object.keys(runLabels('run', 'docker-missing-multistage')).length;

/** A stand-in for the Engine API on a unix socket, to provoke faults a healthy engine never shows. */
let scratch: string;
let server: http.Server | undefined;
let socket: string;
const savedHost = process.env.DOCKER_HOST;

async function serve(handler: http.RequestListener): Promise<void> {
  const created = http.createServer(handler);
  server = created;
  await new Promise<void>((resolve) => created.listen(socket, resolve));
  process.env.DOCKER_HOST = `unix://${socket}`;
}

beforeEach(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-fake-'));
  socket = path.join(scratch, 'docker.sock');
});
afterEach(async () => {
  if (savedHost === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = savedHost;
  if (server) {
    const closing = server;
    server = undefined;
    closing.closeAllConnections();
    await new Promise((resolve) => closing.close(resolve));
  }
  await rm(scratch, { recursive: true, force: true });
});

describe('engine faults', () => {
  it('compares API versions numerically', () => {
    expect(apiAtLeast('1.41', '1.40')).toBe(true);
    expect(apiAtLeast('1.9', '1.40')).toBe(false);
    expect(apiAtLeast('2.0', '1.40')).toBe(true);
  });

  it('an engine whose API is too old gets one clear message', async () => {
    await serve((request, response) => {
      response.setHeader('Content-Type', request.url?.includes('_ping') ? 'text/plain' : 'application/json');
      response.end(request.url?.includes('_ping') ? 'OK' : JSON.stringify({ Version: '1.13.1', ApiVersion: '1.26', Os: 'linux', Arch: 'amd64' }));
    });
    const error = await connectEngine().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as Error).message).toBe(
      `The Docker engine at unix://${socket} is too old: Docker 1.13.1 speaks API 1.26; Shipshape needs API 1.40 (Docker 19.03) or newer.`,
    );
  });

  it('an engine that accepts the connection but never answers times out with the endpoint named', async () => {
    await serve(() => undefined);
    const error = await connectEngine({ pingTimeoutMs: 300 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as Error).message).toContain(`No Docker engine answered at unix://${socket}`);
    expect((error as Error).message).toContain('did not answer within 0.3 s');
  });

  it('an engine that dies mid-build: one clear message, exit 2, the learner files untouched', async () => {
    const workspace = path.join(scratch, 'ws');
    const pack = await findPack('docker-missing-multistage');
    await startChallenge(pack, workspace);
    const before = await readFile(path.join(workspace, 'Dockerfile'), 'utf8');
    await serve((request, response) => {
      if (request.url?.includes('_ping')) return response.end('OK');
      if (request.url?.includes('/version')) {
        response.setHeader('Content-Type', 'application/json');
        return response.end(JSON.stringify({ Version: '20.10.24', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64' }));
      }
      if (request.url?.startsWith('/build')) {
        request.resume();
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.write(`${JSON.stringify({ stream: `Step 1/${5 + OUR_LABEL_STEPS} : FROM php:8.2-fpm-alpine\n` })}\n`);
        // The daemon goes away: the connection drops and nothing answers any more.
        setTimeout(() => {
          response.socket?.destroy();
          server?.close();
        }, 50);
        return;
      }
      response.statusCode = 404;
      response.end('{"message":"not here"}');
    });
    const engine = await connectEngine();
    const error = await verifyWorkspace({ pack, workspaceDir: workspace, engine }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineUnavailableError);
    expect((error as EngineUnavailableError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(new RegExp(`The Docker engine at unix://${socket} stopped answering during the build \\(at Step 1/5 : FROM php:8.2-fpm-alpine\\)`));
    expect(await readFile(path.join(workspace, 'Dockerfile'), 'utf8')).toBe(before);
    // The lock was released with the run.
    await expect(readFile(path.join(workspace, '.shipshape', 'verify.lock'))).rejects.toThrow();
  });

  it('a full disk on the engine is an environment error, not a failed check', async () => {
    const workspace = path.join(scratch, 'ws');
    const pack = await findPack('docker-missing-multistage');
    await startChallenge(pack, workspace);
    await serve((request, response) => {
      response.setHeader('Content-Type', 'application/json');
      if (request.url?.includes('_ping')) return response.end('OK');
      if (request.url?.includes('/version')) return response.end(JSON.stringify({ Version: '20.10.24', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64' }));
      if (request.url?.startsWith('/build')) {
        request.resume();
        const error = 'write /var/lib/docker/tmp/x: no space left on device';
        return response.end(
          `${JSON.stringify({ stream: `Step 2/${5 + OUR_LABEL_STEPS} : RUN apk add git\n` })}\n${JSON.stringify({ error, errorDetail: { message: error } })}\n`,
        );
      }
      response.statusCode = 404;
      response.end('{"message":"not here"}');
    });
    const error = await verifyWorkspace({ pack, workspaceDir: workspace, engine: await connectEngine() }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      "The Docker engine's disk is full (at Step 2/5 : RUN apk add git): write /var/lib/docker/tmp/x: no space left on device",
    );
  });

  it('a cached layer removed under the build by another run: built again without the cache, once', async () => {
    const contextDir = path.join(scratch, 'ctx');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(contextDir);
    await writeFile(path.join(contextDir, 'Dockerfile'), 'FROM debian:bookworm-slim\nRUN true\n');
    const builds: string[] = [];
    let runId = '';
    await serve((request, response) => {
      response.setHeader('Content-Type', 'application/json');
      if (request.url?.includes('_ping')) return response.end('OK');
      if (request.url?.includes('/version')) return response.end(JSON.stringify({ Version: '20.10.24', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64' }));
      if (request.url?.startsWith('/build')) {
        builds.push(request.url);
        const attempt = builds.length;
        // Answer once the whole context has arrived, as the engine does.
        request.resume();
        request.on('end', () => {
          if (attempt === 1) {
            const error = 'failed to set parent sha256:0123456789ab: unknown parent image ID sha256:0123456789ab';
            response.end(`${JSON.stringify({ stream: 'Step 2/2 : RUN true\n' })}\n${JSON.stringify({ error, errorDetail: { message: error } })}\n`);
          } else {
            response.end(`${JSON.stringify({ stream: 'Step 2/2 : RUN true\n' })}\n${JSON.stringify({ stream: 'Successfully built 0123456789ab\n' })}\n`);
          }
        });
        return;
      }
      if (request.url?.includes('/images/0123456789ab/json')) {
        return response.end(JSON.stringify({ Id: 'sha256:0123456789ab', Size: 1, Config: { Labels: { [LABEL_RUN]: runId } } }));
      }
      response.statusCode = 404;
      response.end('{"message":"not here"}');
    });
    const engine = await connectEngine();
    const scope = new RunScope(engine.docker, 'cache-race');
    runId = scope.runId;
    const lines: string[] = [];
    const result = await buildImage(engine, scope, { contextDir, timeoutMs: 10_000, onEvent: (event) => event.type === 'output' && lines.push(event.line) });
    expect(result.failure).toBeNull();
    expect(result.imageId).toBe('sha256:0123456789ab');
    expect(builds).toHaveLength(2);
    expect(builds[0]).toContain('nocache=false');
    expect(builds[1]).toContain('nocache=true');
    expect(lines.some((line) => line.includes('building again without the cache'))).toBe(true);
  });

  it('a learner\'s own failing step is not retried', async () => {
    const contextDir = path.join(scratch, 'ctx');
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(contextDir);
    await writeFile(path.join(contextDir, 'Dockerfile'), 'FROM debian:bookworm-slim\nRUN false\n');
    let builds = 0;
    await serve((request, response) => {
      response.setHeader('Content-Type', 'application/json');
      if (request.url?.includes('_ping')) return response.end('OK');
      if (request.url?.includes('/version')) return response.end(JSON.stringify({ Version: '20.10.24', ApiVersion: '1.41', Os: 'linux', Arch: 'amd64' }));
      if (request.url?.startsWith('/build')) {
        builds++;
        request.resume();
        request.on('end', () => {
          const error = "The command '/bin/sh -c false' returned a non-zero code: 1";
          response.end(`${JSON.stringify({ stream: 'Step 2/2 : RUN false\n' })}\n${JSON.stringify({ error, errorDetail: { message: error } })}\n`);
        });
        return;
      }
      response.statusCode = 404;
      response.end('{"message":"not here"}');
    });
    const engine = await connectEngine();
    const result = await buildImage(engine, new RunScope(engine.docker, 'no-retry'), { contextDir, timeoutMs: 10_000 });
    expect(result.failure?.message).toContain('returned a non-zero code: 1');
    expect(builds).toBe(1);
  });
});
