/**
 * The grading pipeline driven with fake steps and the fake engine-side (no Docker): what a failed build,
 * a stack that does not come up, a cancel and a compose-only challenge do to the run (#18 part 6).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeEngine, fakeState, resetFake, type FakeScenario } from '../support/fake-engine-side.js';

vi.mock('../../src/grading/engine-side.js', async () => (await import('../support/fake-engine-side.js')).fakeEngineSide);
vi.mock('../../src/engine/compose.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  ComposeStack: (await import('../support/fake-engine-side.js')).FakeComposeStack,
}));

const { findPack } = await import('../../src/course/packs.js');
const { CancelledError, verifyWithSteps } = await import('../../src/grading/verify.js');
const { PHASE_STEPS } = await import('../../src/grading/phases/index.js');
const { startChallenge } = await import('../../src/workspace/workspace.js');
const { acquireWorkspaceLock } = await import('../../src/workspace/lock.js');
type PhaseStep = (typeof PHASE_STEPS)[number];
type VerifyEvent = Parameters<NonNullable<Parameters<typeof verifyWithSteps>[0]['onEvent']>>[0];

const scenario: FakeScenario = {
  image: { id: 'sha256:fake', size: 1, healthcheck: null, user: '', workingDir: '/', cmd: null, entrypoint: null, env: [], layerCount: 1 },
  paths: [],
  health: 'healthy',
  stackUp: true,
  starterBytes: 2,
};

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-pipeline-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function workspaceFor(challenge: string, name: string) {
  const pack = await findPack(challenge);
  const workspaceDir = path.join(scratch, name);
  await startChallenge(pack, workspaceDir);
  await cp(path.join(pack.dir, pack.manifest.solution), workspaceDir, { recursive: true, force: true });
  return { pack, workspaceDir };
}

const named = (name: string) => PHASE_STEPS.find((step) => step.name === name)!;
const replacing = (name: string, replacement: PhaseStep) => PHASE_STEPS.map((step) => (step.name === name ? replacement : step));
const phaseEvents = (events: VerifyEvent[]) => events.flatMap((event) => (event.type === 'phase' ? [`${event.phase}:${event.state}`] : []));

/** A build step whose build fails (the learner's fault): no image. */
const failingBuild: PhaseStep = {
  name: 'build',
  needsEngine: true,
  appliesTo: (run) => run.staticContext !== null,
  async grade(run, out) {
    out.emit({ type: 'phase', phase: 'build', state: 'start' });
    run.build = { imageId: null, failure: { message: 'RUN make: exit 2' }, durationMs: 1, steps: 1, stepLog: [], context: { fileCount: 1, totalBytes: 1, ignoredCount: 0 }, missingBaseImage: null, engineLost: false, builder: 'classic' } as never;
    run.buildChecksPassed = await run.grade('build', { ...run.staticContext!, build: run.build! }, { out, openedByStep: true });
  },
};

/** A compose step that reads no file: a model whose services the stack step never looks at. */
const composeWithoutFile: PhaseStep = {
  name: 'compose',
  needsEngine: false,
  appliesTo: (run) => Boolean(run.manifest.compose),
  async grade(run, out) {
    run.composeContext = { compose: {} as never, workspaceDir: run.options.workspaceDir };
    await run.grade('compose', 'skipped: not graded in this test', { out });
  },
};

describe('the grading pipeline with fake steps', () => {
  it('a failed build skips the image and runtime checks with its reason, the runtime after the image', async () => {
    resetFake(scenario);
    const { pack, workspaceDir } = await workspaceFor('docker-missing-multistage', 'build-fails');
    const events: VerifyEvent[] = [];
    const result = await verifyWithSteps({ pack, workspaceDir, engine: fakeEngine, onEvent: (event) => events.push(event) }, replacing('build', failingBuild));
    const later = result.checks.filter((check) => check.phase === 'image' || check.phase === 'runtime');
    expect(later.length).toBeGreaterThan(0);
    for (const check of later) expect([check.status, check.message]).toEqual(['skip', 'skipped: the build failed']);
    expect(result.checks.find((check) => check.phase === 'build')?.status).toBe('fail');
    expect(phaseEvents(events)).toEqual(['static:start', 'static:end', 'build:start', 'build:end', 'image:start', 'image:end', 'runtime:start', 'runtime:end']);
    // Nothing ran on the engine: no build of ours, no container.
    expect(fakeState.log).toEqual(['scope:open docker-missing-multistage', 'scope:dispose']);
  });

  it('a stack that does not come up skips the stack checks with its reason, and is taken down before the scope is disposed', async () => {
    resetFake({ ...scenario, stackUp: false });
    const { pack, workspaceDir } = await workspaceFor('docker-compose-missing-services', 'stack-down');
    const events: VerifyEvent[] = [];
    const result = await verifyWithSteps({ pack, workspaceDir, engine: fakeEngine, onEvent: (event) => events.push(event) }, replacing('compose', composeWithoutFile));
    const stackChecks = result.checks.filter((check) => check.phase === 'stack');
    expect(stackChecks.length).toBeGreaterThan(0);
    for (const check of stackChecks) expect([check.status, check.message]).toEqual(['skip', 'skipped: the stack did not come up: service db exited with code 1']);
    expect(result.stack).toMatchObject({ ok: false, message: 'service db exited with code 1' });
    // The stack phase is open before `compose up`, and its note is there (made safe).
    const stackStart = events.findIndex((event) => event.type === 'phase' && event.phase === 'stack' && event.state === 'start');
    const upNote = events.findIndex((event) => event.type === 'note' && event.message.startsWith('service db exited'));
    expect(stackStart).toBeGreaterThanOrEqual(0);
    expect(upNote).toBeGreaterThan(stackStart);
    expect(JSON.stringify(events[upNote])).not.toContain('\u001b');
    expect(fakeState.log).toEqual(['scope:open docker-compose-missing-services', 'stack:new', 'stack:up', 'stack:down', 'scope:dispose']);
  });

  it('a cancel ends the run with CancelledError, disposes the scope once and releases the workspace lock', async () => {
    resetFake(scenario);
    const { pack, workspaceDir } = await workspaceFor('docker-missing-multistage', 'cancel');
    const controller = new AbortController();
    let disposeCalls = 0;
    const cancelling: PhaseStep = {
      name: 'build',
      needsEngine: true,
      appliesTo: () => true,
      async grade(run) {
        // Whatever else asks for cleanup, the scope is disposed once.
        const dispose = run.dispose.bind(run);
        run.dispose = () => {
          disposeCalls++;
          return dispose();
        };
        void run.dispose();
        controller.abort();
        run.throwIfCancelled();
      },
    };
    const error = await verifyWithSteps({ pack, workspaceDir, engine: fakeEngine, signal: controller.signal }, replacing('build', cancelling)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CancelledError);
    expect(disposeCalls).toBe(2);
    expect(fakeState.log.filter((entry) => entry === 'scope:dispose')).toEqual(['scope:dispose']);
    // Released: the next verify of this workspace gets the lock.
    const release = await acquireWorkspaceLock(workspaceDir, 'test');
    await release();
  });

  it('a compose-only challenge never opens the build, image or runtime step', async () => {
    resetFake(scenario);
    const { pack, workspaceDir } = await workspaceFor('docker-compose-missing-services', 'compose-only');
    const touched: string[] = [];
    const watched = replacing('compose', composeWithoutFile).map(
      (step): PhaseStep => ({
        ...step,
        open: step.open && (async (run) => {
          touched.push(`open ${step.name}`);
          await step.open!(run);
        }),
        grade: async (run, out, stop) => {
          touched.push(`grade ${step.name}`);
          await step.grade(run, out, stop);
        },
      }),
    );
    const result = await verifyWithSteps({ pack, workspaceDir, engine: fakeEngine }, watched);
    expect(touched).toEqual(['grade static', 'grade compose', 'grade stack']);
    expect(result.build).toBeNull();
    expect(fakeState.log.some((entry) => entry.startsWith('build'))).toBe(false);
  });

  it('a step beside another: its output is held until the first ends, then comes out in order', async () => {
    resetFake(scenario);
    const { pack, workspaceDir } = await workspaceFor('docker-compose-missing-services', 'beside');
    const events: string[] = [];
    let letFirstEnd!: () => void;
    const firstMayEnd = new Promise<void>((resolve) => (letFirstEnd = resolve));
    const first: PhaseStep = {
      name: 'first',
      needsEngine: false,
      appliesTo: () => true,
      async grade(_run, out) {
        await firstMayEnd;
        out.emit({ type: 'note', message: 'first' });
      },
    };
    const second: PhaseStep = {
      name: 'second',
      needsEngine: false,
      besidePrevious: true,
      appliesTo: () => true,
      async grade(_run, out) {
        out.emit({ type: 'note', message: 'second, while the first still runs' });
        letFirstEnd();
      },
    };
    await verifyWithSteps({ pack, workspaceDir, engine: fakeEngine, onEvent: (event) => event.type === 'note' && events.push(event.message) }, [named('static'), first, second]);
    expect(events).toEqual(['first', 'second, while the first still runs']);
  });
});
