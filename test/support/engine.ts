import { execFileSync } from 'node:child_process';
import Docker from 'dockerode';
import { toolFilter } from '../../src/engine/labels.js';

/**
 * Whether Docker-backed tests can run. Under CI a missing engine is a failure, never a silent skip:
 * suites declare the need with `describeNeeding(needs.engine)` (test/support/needs.ts), which skips them
 * with the reason outside CI and fails them under CI; `requireEngine()` in a suite's set-up says the same.
 */
export async function engineAnswers(): Promise<boolean> {
  try {
    await Promise.race([
      new Docker().ping(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000)),
    ]);
    return true;
  } catch {
    return false;
  }
}

export const engineUp = await engineAnswers();
export const dockerTestsEnabled = engineUp || Boolean(process.env.CI);
if (!engineUp) {
  console.warn(
    process.env.CI
      ? 'No Docker engine answers: Docker-backed tests will FAIL (CI is set).'
      : 'No Docker engine answers: Docker-backed tests are SKIPPED. Start Docker or run `bash scripts/ensure-engine.sh`.',
  );
}

export function requireEngine(): void {
  if (!engineUp) throw new Error('No Docker engine answers (CI is set, so Docker-backed tests fail instead of skipping).');
}

export function requireImages(...refs: string[]): void {
  for (const ref of refs) {
    try {
      execFileSync(dockerCli(), ['image', 'inspect', ref], { stdio: 'ignore' });
    } catch {
      throw new Error(`Base image ${ref} is missing: run \`bash scripts/stand-ins/build.sh\` (npm test does it in its pretest).`);
    }
  }
}

export function dockerCli(): string {
  return '/usr/bin/docker';
}

/** Containers and images carrying our labels and this test run's session; tests assert these are zero after every run. */
export async function labelledObjects(): Promise<{ containers: number; images: number }> {
  const docker = new Docker();
  const filters = toolFilter(testSession());
  const [containers, images] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listImages({ all: true, filters }),
  ]);
  return { containers: containers.length, images: images.length };
}

export async function allContainerCount(): Promise<number> {
  return (await new Docker().listContainers({ all: true })).length;
}

export async function danglingImageIds(): Promise<string[]> {
  return (await new Docker().listImages({ all: true, filters: { dangling: ['true'] } })).map((image) => image.Id);
}

/** Polls until `condition` holds (the engine may be busy: no fixed sleeps), failing after `timeoutMs`. */
export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function testSession(): string {
  const session = process.env.SHIPSHAPE_SESSION;
  if (!session) throw new Error('SHIPSHAPE_SESSION is not set: test/support/session.ts must run first (vitest setupFiles).');
  return session;
}
