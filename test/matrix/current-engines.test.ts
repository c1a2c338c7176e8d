import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProveResult } from '../../src/grading/prove.js';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';
import { ROOT, shipshape } from '../support/cli.js';
import { engineUp } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

/**
 * The supported engines beside the suite's own (Docker 20.10 + Compose v1 at the default socket):
 * Docker 28.5 in both image stores with Compose v2, started by `scripts/engines/current.sh` (the
 * pretest does it). Each leg proves every challenge and the cases that differ between engines.
 * Under CI an engine that does not answer fails its leg; elsewhere the leg is skipped with a warning.
 */
interface Leg {
  name: string;
  env: Record<string, string>;
}

const CONFIG = '/var/lib/shipshape-engines/docker-config';
const CURRENT: Leg[] = ['overlay2', 'containerd'].map((store) => ({
  name: `Docker 28 ${store}`,
  env: { DOCKER_HOST: `unix:///run/shipshape-d28-${store}/docker.sock`, DOCKER_CONFIG: CONFIG },
}));
const OLDEST: Leg = { name: 'Docker 20.10', env: {} };

function answers(leg: Leg): boolean {
  try {
    execFileSync('/usr/bin/docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, ...leg.env }, stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

const up = CURRENT.filter(answers);

function requireLegs(): void {
  const missing = CURRENT.filter((leg) => !up.includes(leg)).map((leg) => `${leg.name} (${leg.env.DOCKER_HOST})`);
  if (missing.length > 0) throw new Error(`Not answering: ${missing.join(', ')}. The pretest starts them with scripts/engines/current.sh.`);
  if (!engineUp) throw new Error('Docker 20.10 does not answer at the default socket.');
}

async function composeIsV2(leg: Leg): Promise<boolean> {
  try {
    return /v?2\./.test(execFileSync('/usr/bin/docker', ['compose', 'version', '--short'], { env: { ...process.env, ...leg.env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return false;
  }
}

let scratch: string;
const legEnv = (leg: Leg): Record<string, string> => ({ ...leg.env, XDG_CACHE_HOME: path.join(scratch, 'cache', leg.name.replace(/\W+/g, '-')) });

/** Starts `challenge` in `dir` (so verify knows the challenge), then replaces the files by the given variant. */
async function started(leg: Leg, challenge: string, variant: 'starter' | 'solution', name: string): Promise<string> {
  const dir = path.join(scratch, name);
  await rm(dir, { recursive: true, force: true });
  const start = await shipshape(['challenge:start', challenge, '--dir', dir], { env: legEnv(leg) });
  expect(start.exitCode, start.all).toBe(0);
  if (variant === 'solution') await cp(path.join(ROOT, 'challenges', challenge, 'solution'), dir, { recursive: true, force: true });
  return dir;
}

async function verify(leg: Leg, dir: string): Promise<{ exitCode: number; result: VerifyResult; all: string }> {
  const outcome = await shipshape(['challenge:verify', '--dir', dir, '--json'], { env: legEnv(leg), timeoutMs: 900_000 });
  let result: VerifyResult;
  try {
    result = JSON.parse(outcome.stdout) as VerifyResult;
  } catch {
    throw new Error(`${leg.name}: verify printed no JSON (exit ${outcome.exitCode}):\n${outcome.all.slice(-3000)}`);
  }
  return { exitCode: outcome.exitCode, result, all: outcome.all };
}

function check(result: VerifyResult, id: string): CheckResult {
  const found = result.checks.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no check ${id} in ${result.checks.map((c) => c.id).join(', ')}`);
  return found;
}

describeNeeding(needs.engine, needs.currentEngines)('the supported engines: Docker 28.5 overlay2 and containerd store with Compose v2, beside 20.10', { timeout: 3_600_000 }, () => {
  beforeAll(async () => {
    requireLegs();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-matrix-'));
    for (const leg of CURRENT) expect(await composeIsV2(leg), `${leg.name}: Compose v2 through DOCKER_CONFIG`).toBe(true);
    expect(await composeIsV2(OLDEST), 'the 20.10 leg keeps Compose v1').toBe(false);
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('proves every challenge on both current engines (starters fail exactly starterFails, solutions pass)', async () => {
    // Both legs at once: the engines are separate, and a leg spends much of its time waiting on health checks.
    const proofs = await Promise.all(
      CURRENT.map(async (leg) => {
        const outcome = await shipshape(['challenge:test', '--all', '--json'], { env: legEnv(leg), timeoutMs: 3_000_000 });
        let report: { passed: boolean; challenges: ProveResult[] };
        try {
          report = JSON.parse(outcome.stdout) as { passed: boolean; challenges: ProveResult[] };
        } catch {
          throw new Error(`${leg.name}: challenge:test printed no JSON (exit ${outcome.exitCode}):\n${outcome.all.slice(-4000)}`);
        }
        return { leg, outcome, report };
      }),
    );
    for (const { leg, outcome, report } of proofs) {
      const mismatches = report.challenges.flatMap((proof) => proof.mismatches.map((mismatch) => `${proof.challenge}: ${JSON.stringify(mismatch)}`));
      expect(mismatches, `${leg.name}`).toEqual([]);
      // The verdicts recorded on 20.10 (challenges/<id>/recording.json, masked) are the same on this engine.
      const differing = (report.challenges as Array<ProveResult & { recording?: { state: string; diff?: string } }>)
        .filter((proof) => proof.recording?.state === 'differs')
        .map((proof) => `${proof.challenge}: ${proof.recording?.state}\n${proof.recording?.diff ?? ''}`);
      expect(differing, leg.name).toEqual([]);
      expect(report.challenges.length, leg.name).toBeGreaterThanOrEqual(17);
      for (const proof of report.challenges) {
        // Only the overlay2 leg may skip a check for the engine (one platform per image), and only with its reason.
        const engineSkipOk = (row: ProveResult['rows'][number]) => leg.name.endsWith('overlay2') && /keeps one platform per image/.test(row.engineSkip ?? '');
        expect(proof.rows.every((row) => row.ok && ((row.exercised && row.solution === 'pass') || engineSkipOk(row))), `${leg.name} ${proof.challenge}`).toBe(true);
      }
      const multiArch = report.challenges.find((proof) => proof.challenge === 'docker-multi-arch');
      expect(multiArch?.rows.find((row) => row.id === 'platform-binaries')?.exercised, `${leg.name}: docker-multi-arch graded the image index`).toBe(leg.name.endsWith('containerd'));
      expect(outcome.exitCode, `${leg.name}\n${outcome.all.slice(-2000)}`).toBe(0);
    }
  });

  it('a secret copied into a file and deleted in a later layer fails docker-build-arg-secret, naming the file, on every engine', async () => {
    for (const leg of [OLDEST, ...CURRENT]) {
      const dir = await started(leg, 'docker-build-arg-secret', 'solution', `leak-${leg.name.replace(/\W+/g, '-')}`);
      const dockerfile = path.join(dir, 'Dockerfile');
      const text = await readFile(dockerfile, 'utf8');
      await writeFile(
        dockerfile,
        text.replace(
          'RUN --mount=type=secret,id=api_token sh ./fetch-catalog.sh',
          'RUN --mount=type=secret,id=api_token cp /run/secrets/api_token /app/token.txt && sh ./fetch-catalog.sh\nRUN rm /app/token.txt',
        ),
      );
      const { exitCode, result, all } = await verify(leg, dir);
      const leak = check(result, 'token-not-in-image');
      expect(leak.status, `${leg.name}: ${leak.message}\n${all.slice(-1500)}`).toBe('fail');
      expect(leak.message, leg.name).toContain('app/token.txt');
      expect(exitCode, leg.name).toBe(1);
    }
  });

  it('a BuildKit-only Dockerfile (RUN --mount=type=cache) passes docker-node-nonroot on every engine', async () => {
    for (const leg of [OLDEST, ...CURRENT]) {
      const dir = await started(leg, 'docker-node-nonroot', 'solution', `cache-mount-${leg.name.replace(/\W+/g, '-')}`);
      const dockerfile = path.join(dir, 'Dockerfile');
      const text = await readFile(dockerfile, 'utf8');
      await writeFile(dockerfile, text.replace('COPY package.json server.js ./', 'COPY package.json server.js ./\nRUN --mount=type=cache,target=/root/.npm npm install --omit=dev --no-audit --no-fund'));
      const { exitCode, result, all } = await verify(leg, dir);
      expect(result.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.message}`), `${leg.name}\n${all.slice(-1500)}`).toEqual([]);
      expect(exitCode, leg.name).toBe(0);
    }
  });

  it('the seed starter and solution measure the same size within 5 % on all three engines, and the starter shows its wasted bytes', async () => {
    const sizes: Record<string, { starter: number; solution: number }> = {};
    for (const leg of [OLDEST, ...CURRENT]) {
      const measured: Partial<Record<'starter' | 'solution', number>> = {};
      for (const variant of ['starter', 'solution'] as const) {
        const dir = await started(leg, 'docker-missing-multistage', variant, `seed-${variant}-${leg.name.replace(/\W+/g, '-')}`);
        const { result } = await verify(leg, dir);
        const size = check(result, 'size-over-base');
        const bytes = size.evidence?.imageBytes;
        expect(typeof bytes, `${leg.name} ${variant}: ${JSON.stringify(size.evidence)}`).toBe('number');
        measured[variant] = bytes as number;
        if (variant === 'starter') {
          const wasted = size.evidence?.wasted as { totalBytes?: number } | undefined;
          expect(wasted?.totalBytes ?? 0, `${leg.name}: wasted bytes of the seed starter (${size.message})`).toBeGreaterThan(0);
        }
      }
      sizes[leg.name] = measured as { starter: number; solution: number };
    }
    const reference = sizes[OLDEST.name]!;
    for (const leg of CURRENT) {
      for (const variant of ['starter', 'solution'] as const) {
        const ratio = sizes[leg.name]![variant] / reference[variant];
        expect(Math.abs(ratio - 1), `${leg.name} ${variant}: ${sizes[leg.name]![variant]} B vs ${reference[variant]} B on 20.10`).toBeLessThanOrEqual(0.05);
      }
    }
  });
});
