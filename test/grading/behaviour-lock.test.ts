/**
 * The behaviour lock (#18 part 6): a verify's event stream and its --json result, recorded on the fake
 * engine-side for the seed challenge, a failing build, the engine faults a build can end in, a compose
 * challenge (stack up and stack down) and the build-secret challenge. Refactors of the grading pipeline
 * must leave these recordings unchanged. Run times, temp paths and random secret values are masked.
 * To re-record after a deliberate change: UPDATE_BEHAVIOUR_LOCK=1 npx vitest run test/grading/behaviour-lock.test.ts
 */
import { cp, mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeEngine, fakeState, resetFake, type FakeScenario } from '../support/fake-engine-side.js';

vi.mock('../../src/grading/engine-side.js', async () => (await import('../support/fake-engine-side.js')).fakeEngineSide);
// Counts the walks of the build context (the real planner does the work).
const contextWalks = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../src/workspace/build-context.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/workspace/build-context.js')>();
  return { ...original, planBuildContext: (...args: Parameters<typeof original.planBuildContext>) => (contextWalks.count++, original.planBuildContext(...args)) };
});
vi.mock('../../src/engine/compose.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  ComposeStack: (await import('../support/fake-engine-side.js')).FakeComposeStack,
}));

const { findPack } = await import('../../src/course/packs.js');
const { verifyWorkspace } = await import('../../src/grading/verify.js');
const { startChallenge } = await import('../../src/workspace/workspace.js');

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/behaviour-lock');
const UPDATE = process.env.UPDATE_BEHAVIOUR_LOCK === '1';

const MB = 1_000_000;
const image = (size: number, healthy: boolean) => ({
  id: 'sha256:fakeimage',
  size,
  sizeMeasure: { measure: 'overlay2' as never, source: 'engine' as const },
  healthcheck: healthy ? { test: ['CMD', 'php', 'healthcheck.php'], intervalNs: 1e9, timeoutNs: 1e9, startPeriodNs: 0, retries: 3 } : null,
  user: 'app',
  workingDir: '/app',
  cmd: ['php-fpm'],
  entrypoint: null,
  env: ['PATH=/usr/bin'],
  labels: {},
  layerCount: 5,
});
const base: FakeScenario = { image: image(20 * MB, true), paths: [], health: 'healthy', stackUp: true, starterBytes: 400 * MB };

interface LockCase {
  name: string;
  challenge: string;
  files: 'starter' | 'solution';
  scenario: FakeScenario;
}
const CASES: LockCase[] = [
  { name: 'seed-starter', challenge: 'docker-missing-multistage', files: 'starter', scenario: { ...base, image: image(400 * MB, false), paths: ['/usr/bin/composer'], health: 'no-healthcheck' } },
  { name: 'seed-solution', challenge: 'docker-missing-multistage', files: 'solution', scenario: base },
  { name: 'build-fails', challenge: 'docker-missing-multistage', files: 'solution', scenario: { ...base, buildFailure: { message: 'The command /bin/sh -c composer install returned a non-zero code: 1', step: 'Step 4/9 : RUN composer install' } } },
  { name: 'build-engine-lost', challenge: 'docker-missing-multistage', files: 'solution', scenario: { ...base, engineLost: true, buildFailure: { message: 'socket hang up', step: 'Step 2/9' } } },
  { name: 'build-disk-full', challenge: 'docker-missing-multistage', files: 'solution', scenario: { ...base, buildFailure: { message: 'write /var/lib/docker/tmp: no space left on device', step: 'Step 3/9' } } },
  { name: 'build-missing-base', challenge: 'docker-missing-multistage', files: 'solution', scenario: { ...base, missingBaseImage: 'php:8.3-cli-alpine', buildFailure: { message: 'pull access denied for php' } } },
  { name: 'compose-solution', challenge: 'docker-compose-missing-services', files: 'solution', scenario: base },
  { name: 'compose-stack-down', challenge: 'docker-compose-missing-services', files: 'solution', scenario: { ...base, stackUp: false } },
  { name: 'build-secret-starter', challenge: 'docker-build-arg-secret', files: 'starter', scenario: { ...base, paths: ['/app/data/catalog.json'] } },
  { name: 'build-secret-solution', challenge: 'docker-build-arg-secret', files: 'solution', scenario: { ...base, paths: ['/app/data/catalog.json'] } },
];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-lock-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Masks what differs from run to run: times, the temp workspace, random secret values. */
function masked(value: unknown, workspace: string, packDir: string): unknown {
  if (typeof value === 'string') {
    return value
      .split(workspace).join('<workspace>')
      .split(packDir).join('<pack>')
      .replace(/shipshape-[a-z0-9]+-[0-9a-f]{32}/g, '<secret>');
  }
  if (Array.isArray(value)) return value.map((each) => masked(each, workspace, packDir));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, each]) => [key, /Ms$/.test(key) && typeof each === 'number' ? '<ms>' : masked(each, workspace, packDir)]),
    );
  }
  return value;
}

async function record(lockCase: LockCase) {
  const pack = await findPack(lockCase.challenge);
  const workspace = path.join(scratch, lockCase.name);
  await startChallenge(pack, workspace);
  if (lockCase.files === 'solution') await cp(path.join(pack.dir, pack.manifest.solution), workspace, { recursive: true, force: true });
  resetFake(lockCase.scenario);
  const events: unknown[] = [];
  let outcome: unknown;
  try {
    const result = await verifyWorkspace({ pack, workspaceDir: workspace, engine: async () => fakeEngine, onEvent: (event) => events.push(event) });
    outcome = { result };
  } catch (error) {
    const failure = error as Error & { exitCode?: number; suggestion?: string; partial?: unknown };
    outcome = { error: { name: failure.name, message: failure.message, exitCode: failure.exitCode, suggestion: failure.suggestion, partial: failure.partial } };
  }
  return masked({ events, ...(outcome as object), engineCalls: fakeState.log }, workspace, pack.dir);
}

describe('behaviour lock: verify on the fake engine', () => {
  for (const lockCase of CASES) {
    it(`${lockCase.name}: the same events and result as recorded`, async () => {
      const recorded = JSON.parse(JSON.stringify(await record(lockCase))) as unknown;
      const file = path.join(FIXTURES, `${lockCase.name}.json`);
      if (UPDATE) {
        await mkdir(FIXTURES, { recursive: true });
        await writeFile(file, `${JSON.stringify(recorded, null, 2)}\n`);
      }
      expect(recorded).toEqual(JSON.parse(await readFile(file, 'utf8')));
    });
  }
});

describe('one walk of the build context per run', () => {
  it('the build is given the context the static phase planned, instead of walking the workspace again', async () => {
    for (const name of ['seed-solution', 'build-secret-solution']) {
      contextWalks.count = 0;
      await record({ ...CASES.find((lockCase) => lockCase.name === name)!, name: `${name}-walks` });
      const request = fakeState.buildRequests[0] as { contextPlan?: { included: Set<string> } };
      expect(request.contextPlan?.included.has('Dockerfile'), name).toBe(true);
      expect(contextWalks.count, name).toBe(1);
    }
  });
});
