import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPack } from '../../src/course/packs.js';
import { type Engine, connectEngine } from '../../src/engine/connect.js';
import { detectCompose } from '../../src/engine/compose.js';
import { toolFilter } from '../../src/engine/labels.js';
import { proveChallenge } from '../../src/grading/prove.js';
import type { VerifyResult } from '../../src/grading/result.js';
import { ROOT, shipshape, verifyUntil } from '../support/cli.js';
import { composeVersions, requireComposeVersions, restoreCompose, useCompose } from '../support/compose.js';
import { labelledObjects, requireEngine, requireImages, testSession, waitFor } from '../support/engine.js';
import { expectSolutionEvidence } from '../support/evidence.js';
import { describeNeeding, needs } from '../support/needs.js';

const CHALLENGES = [
  'docker-missing-healthcheck',
  'docker-plaintext-secrets',
  'docker-compose-missing-services',
  'docker-broken-nginx',
  'docker-volume-backup',
  'docker-runtime-hardening',
  'docker-network-isolation',
  'docker-resource-limits',
  'docker-compose-override',
];

/** Everything of this test session on the engine, volumes and networks included (compose creates both). */
async function sessionObjects() {
  const docker = new Docker();
  const filters = toolFilter(testSession());
  const [counts, volumes, networks] = await Promise.all([
    labelledObjects(),
    docker.listVolumes({ filters }),
    docker.listNetworks({ filters }),
  ]);
  return { ...counts, volumes: (volumes.Volumes ?? []).length, networks: networks.length };
}
const NOTHING = { containers: 0, images: 0, volumes: 0, networks: 0 };

describeNeeding(needs.engine)('compose challenges on the engine', { timeout: 600_000 }, () => {
  let engine: Engine;
  let scratch: string;

  const previousCompose = process.env.SHIPSHAPE_COMPOSE;

  beforeAll(async () => {
    requireEngine();
    requireComposeVersions();
    requireImages('postgres:16-alpine', 'nginx:alpine', 'php:8.2-fpm-alpine', 'python:3.12-slim');
    await detectCompose();
    engine = await connectEngine();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-compose-it-'));
  });

  afterAll(async () => {
    restoreCompose(previousCompose);
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  // Every compose challenge is proven on each Compose version found (v1 and v2 here; CI runs both).
  for (const version of composeVersions) for (const id of CHALLENGES) {
    it(`Compose ${version.label}: proves ${id}: the starter fails exactly its starterFails, the solution passes every check`, async () => {
      useCompose(version);
      const pack = await loadPack(path.join(ROOT, 'challenges', id));
      const results: Partial<Record<'starter' | 'solution', VerifyResult>> = {};
      const proof = await proveChallenge(pack, engine, { onVerified: (stage, result) => (results[stage] = result) });
      expect(proof.mismatches).toEqual([]);
      expect(proof.passed).toBe(true);
      for (const row of proof.rows) {
        expect(row.starter, `${id} starter ${row.id}`).toBe(pack.manifest.starterFails.includes(row.id) ? 'fail' : 'pass');
        expect(row.solution, `${id} solution ${row.id}`).toBe('pass');
      }
      // Not only statuses: what the running stack answered (HTTP bodies, exec output, health-event order).
      expect(results.solution!.stack).toMatchObject({ ok: true });
      const looked = expectSolutionEvidence(pack, results.solution!);
      expect(looked.length, `${id}: no check looked at the running stack`).toBeGreaterThan(0);
      expect(await sessionObjects()).toEqual(NOTHING);
    });
  }

  for (const version of composeVersions) it(`Compose ${version.label}: bad compose input is one clear message with file and line, exit 1, and nothing created`, async () => {
    useCompose(version);
    const workspace = path.join(scratch, `bad-${version.label}`);
    expect((await shipshape(['challenge:start', 'docker-broken-nginx', '--dir', workspace])).exitCode).toBe(0);
    const file = path.join(workspace, 'compose.yaml');
    const good = await readFile(file, 'utf8');
    const cases: Array<[string, RegExp]> = [
      [good.replace('    image: nginx:alpine', '    image: nginx:alpine\n   oops: [1'), /^✖ compose\.yaml:\d+:\d+: YAML syntax error: /],
      [good.replace('      - app', '      - appx'), /^✖ compose\.yaml:15: service web: depends on `appx`, which is not a service of this file/],
      [good.replace('    image: nginx:alpine', '    image: nginx:alpine\n    privileged: true'), /compose\.yaml:9: service web: `privileged: true` is not allowed/],
      [good.replace('    image: nginx:alpine', '    image: nginx:alpine\n    network_mode: host'), /compose\.yaml:9: service web: `network_mode: host` is not allowed/],
      [good.replace('./src:/var/www/html:ro\n\n', '/etc:/var/www/html:ro\n\n'), /bind mount of \/etc is outside the workspace/],
    ];
    for (const [text, message] of cases) {
      await writeFile(file, text);
      const result = await shipshape(['challenge:verify', '--dir', workspace, '--plain']);
      expect(result.exitCode, result.all).toBe(1);
      expect(result.stderr, result.all).toMatch(message);
      expect(result.all).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
    }
    expect(await sessionObjects()).toEqual(NOTHING);
  });

  for (const version of composeVersions) it(`Compose ${version.label}: a service that fails to build skips the stack checks with the reason and leaves no build container behind`, async () => {
    useCompose(version);
    const workspace = path.join(scratch, `broken-build-${version.label}`);
    expect((await shipshape(['challenge:start', 'docker-missing-healthcheck', '--dir', workspace])).exitCode).toBe(0);
    const dockerfile = path.join(workspace, 'app', 'Dockerfile');
    const marker = `shipshape-broken-step-${process.pid}`;
    // A failing step right after FROM, whatever the starter's own steps are.
    const broken = (await readFile(dockerfile, 'utf8')).replace(/^FROM .*$/m, (from) => `${from}\nRUN echo ${marker} && false`);
    expect(broken).toContain(marker);
    await writeFile(dockerfile, broken);
    const result = await shipshape(['challenge:verify', '--dir', workspace, '--json']);
    expect(result.exitCode, result.all).toBe(1);
    const report = JSON.parse(result.stdout) as { checks: Array<{ id: string; status: string; message: string }>; stack: { ok: boolean; message: string } };
    expect(report.stack.ok).toBe(false);
    expect(report.stack.message).toMatch(version.label === 'v1' ? /build` failed: .*Service 'app' failed to build.*returned a non-zero code: 1/ : /build` failed: .*(exit code: 1|returned a non-zero code: 1)/);
    expect(report.checks.find((check) => check.id === 'app-started-after-db-healthy')).toMatchObject({ status: 'skip', message: expect.stringContaining('the stack did not come up') });
    const all = await new Docker().listContainers({ all: true });
    expect(all.filter((container) => container.Command.includes(marker))).toEqual([]);
    expect(await sessionObjects()).toEqual(NOTHING);
  });

  it('`clean` removes volumes and networks left by a killed compose run, after its containers', async () => {
    const docker = new Docker();
    const labels = {
      'dev.shipshape.tool': 'shipshape',
      'dev.shipshape.session': testSession(),
      // A run on this host whose process is gone.
      'dev.shipshape.owner': `${os.hostname()}:999999`,
    };
    const name = `shipshape-left-${process.pid}`;
    await docker.createVolume({ Name: name, Labels: labels });
    await docker.createNetwork({ Name: name, Labels: labels });
    const dry = await shipshape(['clean', '--dry-run']);
    expect(dry.stdout).toContain('Would remove 0 containers and 0 images (plus 1 volumes and 1 networks):');
    expect(dry.stdout).toContain(`  volume ${name}`);
    const result = await shipshape(['clean', '--json']);
    expect(result.exitCode, result.all).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ volumes: [name], networks: [name], removedStack: { volumes: 1, networks: 1 }, errors: [] });
    expect(await sessionObjects()).toEqual(NOTHING);
  });

  it('Ctrl-C while the stack runs: exit 130 and the whole project is gone, volumes and networks too', async () => {
    const workspace = path.join(scratch, 'interrupt');
    expect((await shipshape(['challenge:start', 'docker-plaintext-secrets', '--dir', workspace])).exitCode).toBe(0);
    const { child } = await verifyUntil(workspace, 'Bringing the compose stack up');
    const docker = new Docker();
    await waitFor('a running stack container', async () => (await docker.listContainers({ filters: toolFilter(testSession()) })).length > 0);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.all)).toBe(130);
    expect(await sessionObjects()).toEqual(NOTHING);
  });
});
