import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, shipshape } from '../support/cli.js';

/**
 * What `challenge:verify` does with a Dockerfile that is not a plain UTF-8 file, with no engine
 * (--json still carries the static verdicts), with escape bytes in the Dockerfile, and the next steps
 * it and `start` print. No engine is needed: DOCKER_HOST points at a socket that does not exist.
 */
const PACKS = path.join(ROOT, 'test', 'fixtures', 'packs', 'static-all');
const STACK_FRAME = /\n\s+at .+:\d+:\d+/;

describe('verify input rules, --json with no engine, next steps', { timeout: 120_000 }, () => {
  let scratch: string;
  let workspace: string;
  let noEngine: Record<string, string>;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-verify-input-'));
    workspace = path.join(scratch, 'ws');
    noEngine = { DOCKER_HOST: `unix://${path.join(scratch, 'none.sock')}` };
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('start --pack prints next steps that carry --dir and --pack', async () => {
    const started = await shipshape(['challenge:start', 'docker-static-all', '--dir', workspace, '--pack', PACKS], { cwd: scratch });
    expect(started.exitCode, started.all).toBe(0);
    expect(started.stdout).toContain(`run: shipshape challenge:verify --dir ws --pack ${PACKS}`);
    expect(started.stdout).toContain(`Stuck? shipshape challenge:hint docker-static-all --dir ws --pack ${PACKS}`);
  });

  it('--json with no engine: the static verdicts and the engine error in one object; exit 2', async () => {
    const verified = await shipshape(['challenge:verify', '--dir', workspace, '--pack', PACKS, '--json'], { env: noEngine });
    expect(verified.exitCode).toBe(2);
    const report = JSON.parse(verified.stdout) as { schemaVersion: number; checks: Array<{ id: string; phase: string }>; phasesRun: string[]; passed: boolean; error: { message: string; suggestion: string; exitCode: number } };
    expect(report.schemaVersion).toBe(1);
    expect(report.passed).toBe(false);
    expect(report.phasesRun).toEqual(['static']);
    expect(report.checks.map((check) => check.id)).toEqual(['stages', 'builder', 'install-in-builder', 'final-from', 'copy-from-builder', 'no-make-copied', 'healthcheck', 'exec-form']);
    expect(report.error).toMatchObject({ exitCode: 2 });
    expect(report.error.message).toContain('No Docker engine answered');
    expect(report.error.suggestion).toBeTruthy();
  });

  it('plain output with no engine: the static verdicts, then the engine error', async () => {
    await writeFile(path.join(workspace, 'Dockerfile'), 'FROM alpine:3.20\nCMD run\n');
    const verified = await shipshape(['challenge:verify', '--dir', workspace, '--pack', PACKS, '--plain'], { env: noEngine });
    expect(verified.exitCode).toBe(2);
    expect(verified.stdout).toContain('(exec-form)');
    expect(verified.stderr).toContain('No Docker engine answered');
  });

  it('escape bytes in the Dockerfile reach neither the terminal (NO_COLOR) nor --json', async () => {
    const escapes = '\u001b]0;pwned\u0007\u001b[2J\u0000\u202e';
    await writeFile(path.join(workspace, 'Dockerfile'), `FROM alpine:3.20 AS builder\nRUN make\nFROM alpine:3.20\nCMD run ${escapes} now\n`);
    const plain = await shipshape(['challenge:verify', '--dir', workspace, '--pack', PACKS, '--plain'], { env: { ...noEngine, NO_COLOR: '1' } });
    const json = await shipshape(['challenge:verify', '--dir', workspace, '--pack', PACKS, '--json'], { env: noEngine });
    for (const output of [plain.all, json.stdout]) {
      for (const bytes of ['\u001b', '\u0007', '\u0000', '\u202e']) expect(output.includes(bytes), JSON.stringify(bytes)).toBe(false);
    }
    const exec = (JSON.parse(json.stdout) as { checks: Array<{ id: string; message: string; evidence: { text: string } }> }).checks.find((check) => check.id === 'exec-form')!;
    expect(exec.message).toContain('CMD run  now');
    expect(exec.evidence.text).toBe('CMD run  now');
  });

  const refusals: Array<[string, () => Promise<void>, RegExp]> = [
    ['a directory', async () => mkdir(path.join(workspace, 'Dockerfile')), /The Dockerfile Dockerfile is a directory, not a regular file/],
    ['a symlink out of the workspace', async () => symlink('/etc/passwd', path.join(workspace, 'Dockerfile')), /symbolic link to \/etc\/passwd, outside the workspace; it is not read/],
    ['UTF-16', async () => writeFile(path.join(workspace, 'Dockerfile'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('FROM alpine\n', 'utf16le')])), /is UTF-16 \(little-endian\); Docker reads it as UTF-8/],
    ['too large', async () => writeFile(path.join(workspace, 'Dockerfile'), `FROM alpine\n${'#'.repeat(3 * 1024 * 1024)}\n`), /over the 1048576-byte limit/],
  ];
  for (const [what, make, message] of refusals) {
    it(`a Dockerfile that is ${what}: one clear message naming the file and what to do, exit 1, JSON error with suggestion and exitCode`, async () => {
      await rm(path.join(workspace, 'Dockerfile'), { recursive: true, force: true });
      await make();
      const plain = await shipshape(['challenge:verify', '--dir', workspace, '--pack', PACKS, '--plain'], { env: noEngine });
      expect(plain.exitCode).toBe(1);
      expect(plain.stderr).toMatch(message);
      expect(plain.stderr).toContain('  → ');
      expect(plain.all).not.toMatch(STACK_FRAME);
      expect(plain.all).not.toContain('EISDIR');
      const json = await shipshape(['challenge:verify', '--dir', workspace, '--pack', PACKS, '--json'], { env: noEngine });
      const error = (JSON.parse(json.stdout) as { error: { message: string; suggestion: string; exitCode: number } }).error;
      expect(error.message).toMatch(message);
      expect(error.exitCode).toBe(1);
      expect(error.suggestion.length).toBeGreaterThan(10);
    });
  }
});
