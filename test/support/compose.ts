import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resetComposeDetection } from '../../src/engine/compose.js';

/**
 * The Compose versions this machine can run, each as the SHIPSHAPE_COMPOSE value that selects it: v1 is
 * `docker-compose` 1.x on PATH, v2 the CLI plugin binary (SHIPSHAPE_TEST_COMPOSE_V2, else the usual plugin
 * directories). Tests that grade with Compose run once per version found; under CI both are required.
 */
export interface ComposeVersion {
  label: 'v1' | 'v2';
  binary: string;
}

function runs(binary: string, major: 1 | 2): boolean {
  try {
    const version = execFileSync(binary, ['version', '--short'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim().replace(/^v/, '');
    return major === 1 ? version.startsWith('1.') : Number(version.split('.')[0]) >= 2;
  } catch {
    return false;
  }
}

function findV1(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'docker-compose');
    if (existsSync(candidate) && runs(candidate, 1)) return candidate;
  }
  return null;
}

function findV2(): string | null {
  const candidates = [
    process.env.SHIPSHAPE_TEST_COMPOSE_V2,
    path.join(process.env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'cli-plugins', 'docker-compose'),
    // The matrix's Compose v2 (scripts/engines/current.sh), installed beside v1 by the pretest.
    '/var/lib/shipshape-engines/docker-config/cli-plugins/docker-compose',
    '/usr/local/lib/docker/cli-plugins/docker-compose',
    '/usr/libexec/docker/cli-plugins/docker-compose',
    '/usr/lib/docker/cli-plugins/docker-compose',
  ].filter((candidate): candidate is string => Boolean(candidate));
  return candidates.find((candidate) => existsSync(candidate) && runs(candidate, 2)) ?? null;
}

export const composeVersions: ComposeVersion[] = [
  ...(findV1() ? [{ label: 'v1' as const, binary: findV1()! }] : []),
  ...(findV2() ? [{ label: 'v2' as const, binary: findV2()! }] : []),
];

/** Under CI a missing version is a failure (the matrix installs both where it grades with both). */
export function requireComposeVersions(): void {
  if (process.env.CI && composeVersions.length === 0) throw new Error('No Docker Compose (v1 or v2) found, and CI is set.');
}

/** Selects one version for the code under test (and for the CLI it spawns, which inherits the environment). */
export function useCompose(version: ComposeVersion): void {
  process.env.SHIPSHAPE_COMPOSE = version.binary;
  resetComposeDetection();
}

export function restoreCompose(previous: string | undefined): void {
  if (previous === undefined) delete process.env.SHIPSHAPE_COMPOSE;
  else process.env.SHIPSHAPE_COMPOSE = previous;
  resetComposeDetection();
}

console.info(`Compose versions under test: ${composeVersions.map((version) => `${version.label} (${version.binary})`).join(', ') || 'none'}`);
