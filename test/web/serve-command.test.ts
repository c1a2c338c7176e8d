import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { request } from './http.js';

const BIN = path.join(ROOT, 'bin', 'run.js');
let course: string;

beforeAll(async () => {
  course = await mkdtemp(path.join(os.tmpdir(), 'shipshape-serve-cli-'));
});
afterAll(async () => {
  await rm(course, { recursive: true, force: true });
});

/** Starts the built CLI's `serve` and resolves with its printed address once it listens. */
async function startServe(args: string[]) {
  const child = execa(process.execPath, [BIN, 'serve', '--dir', course, ...args], { reject: false, env: { NO_COLOR: '1' }, all: true });
  let output = '';
  const url = await new Promise<URL>((resolve, reject) => {
    child.all!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(output);
      if (match) resolve(new URL(match[0]));
    });
    child.once('exit', () => reject(new Error(`serve ended before printing its address:\n${output}`)));
  });
  return { child, url, output: () => output };
}

describe('shipshape serve (the built CLI)', () => {
  it('prints a tokened 127.0.0.1 address, serves the course, and stops within a second of Ctrl-C', async () => {
    const { child, url, output } = await startServe([]);
    const port = Number(url.port);
    const token = url.searchParams.get('token')!;
    expect(output()).toContain(`serving the course in ${course}`);
    const reply = await request(port, { path: '/api/course', headers: { 'x-shipshape-token': token } });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).courseRoot).toBe(course);
    expect((await request(port, { path: '/api/course' })).status).toBe(401);
    const asked = Date.now();
    child.kill('SIGINT');
    const ended = await child;
    expect(Date.now() - asked).toBeLessThan(1000);
    expect(ended.exitCode).toBe(0);
  });

  it('listens on the port asked for, and says so clearly when it is taken', async () => {
    const first = await startServe([]);
    try {
      const taken = await execa(process.execPath, [BIN, 'serve', '--dir', course, '--port', first.url.port], { reject: false, env: { NO_COLOR: '1' }, timeout: 30_000 });
      expect(taken.exitCode).toBe(2);
      expect(taken.stderr).toContain(`Port ${first.url.port} on 127.0.0.1 is in use.`);
      expect(taken.stderr).not.toMatch(/at .*\.js:\d+/);
    } finally {
      first.child.kill('SIGINT');
      await first.child;
    }
  });
});
