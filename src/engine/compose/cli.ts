import { UserError } from '../../errors.js';
import { loadExeca } from '../execa.js';

/**
 * The compose command used for a run. Chosen once per process: `SHIPSHAPE_COMPOSE` when set (a path to
 * a Compose v2 plugin binary or to `docker-compose` v1), else `docker compose` (v2) when the docker CLI
 * has the plugin, else `docker-compose` (v1).
 */
export interface ComposeCli {
  file: string;
  prefix: string[];
  version: string;
  /** 1 for docker-compose 1.x (Python), 2 for the Go CLI plugin (also when run as a standalone binary). */
  major: 1 | 2;
  /** How it is shown to the user. */
  name: string;
}

let detected: Promise<ComposeCli> | null = null;

/** Tests that switch SHIPSHAPE_COMPOSE between versions call this to detect again. */
export function resetComposeDetection(): void {
  detected = null;
}

export function detectCompose(): Promise<ComposeCli> {
  detected ??= (async () => {
    const override = process.env.SHIPSHAPE_COMPOSE?.trim();
    const candidates: Array<Omit<ComposeCli, 'version' | 'major'>> = override
      ? [{ file: override, prefix: [], name: 'docker compose' }]
      : [
          { file: 'docker', prefix: ['compose'], name: 'docker compose' },
          { file: '/usr/bin/docker', prefix: ['compose'], name: 'docker compose' },
          { file: 'docker-compose', prefix: [], name: 'docker-compose' },
        ];
    const execa = await loadExeca();
    for (const candidate of candidates) {
      const result = await execa(candidate.file, [...candidate.prefix, 'version', '--short'], { reject: false, timeout: 10_000, env: composeEnv(), extendEnv: false });
      const version = String(result.stdout ?? '').trim().replace(/^v/, '');
      if (result.exitCode === 0 && /^\d+\.\d+/.test(version)) {
        const major = Number(version.split('.')[0]) >= 2 ? 2 : 1;
        return { ...candidate, version, major, name: major === 2 ? 'docker compose' : 'docker-compose' };
      }
    }
    if (override) {
      throw new UserError(
        `SHIPSHAPE_COMPOSE is set to ${override}, but that does not run as Docker Compose (\`${override} version --short\` failed).`,
        2,
        'Point SHIPSHAPE_COMPOSE at a docker-compose binary (v1) or the Compose v2 plugin binary, or unset it.',
      );
    }
    throw new UserError(
      'Docker Compose is not installed: neither `docker compose` (v2) nor `docker-compose` (v1) runs.',
      2,
      'Install the Compose plugin (https://docs.docker.com/compose/install/), or on Debian `apt-get install docker-compose`.',
    );
  })();
  detected.catch(() => {
    detected = null;
  });
  return detected;
}

// What compose needs from our environment to reach the engine and find its plugins, and nothing else:
// a learner's `${VAR}` must never interpolate a grader's variable (a token, a path) into the stack, and
// COMPOSE_FILE / COMPOSE_PROFILES / COMPOSE_PROJECT_NAME from a shell must not change what is graded.
const PASSED_THROUGH = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'DOCKER_HOST', 'DOCKER_CONTEXT', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'DOCKER_API_VERSION', 'SSH_AUTH_SOCK'];

/** The environment every compose call runs with (execa's extendEnv must be false). */
export function composeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  // v1 1.29 would otherwise hand builds to whatever `docker` is first on PATH (which may want
  // buildx); 0 keeps them in docker-py, talking to the engine directly. v2 ignores it.
  env.COMPOSE_DOCKER_CLI_BUILD = '0';
  return env;
}

/** Arguments that make v2 read every profile (v1's `config` ignores profiles and prints every service). */
export function allProfiles(cli: ComposeCli): string[] {
  return cli.major === 2 ? ['--profile', '*'] : [];
}

/** execa is loaded when a command first needs it, not at start-up. */
