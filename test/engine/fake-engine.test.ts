import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiAtLeast, connectEngine } from '../../src/engine/connect.js';
import { EngineUnavailableError } from '../../src/errors.js';

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
});
