import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, it, type SuiteOptions, type TestOptions } from 'vitest';
import { ROOT } from './cli.js';
import { engineUp } from './engine.js';

/**
 * What a test needs from the machine (an engine, root, sshd, a second dockerd, a browser, a git
 * checkout), and the one way a test may be left out for lack of it.
 *
 *   describeNeeding(needs.engine, needs.root)('a second engine', { timeout: 600_000 }, () => { ... })
 *   itNeeding(needs.gitCheckout)('every file is tracked', async () => { ... })
 *
 * - Every need met: the suite or test runs as usual.
 * - Outside CI, a need unmet: it is skipped, and the skip is declared: vitest's JSON report carries
 *   `meta.skipReason` on each of its tests, and scripts/test-summary.mjs prints the reason.
 * - Under CI (env CI set), a need unmet: it is not skipped but fails, with the reason: the suite's first
 *   hook throws it (so none of the suite's own set-up runs) and each test carries `meta.cannotRun`,
 *   which the summary counts as failed and prints. Only a need marked `optionalInCi` (e.g. a git
 *   checkout, absent from a source tarball) may be skipped under CI, and then as a declared skip.
 * - A skip made any other way (`it.skip`, `describe.runIf(...)`, `ctx.skip()`) has no reason: the
 *   summary fails a CI run that has one.
 */
export interface Need {
  /** Short name, e.g. "root". */
  what: string;
  met: boolean;
  /** Why it is not met and how to meet it; shown when the test is skipped or fails for lack of it. */
  reason: string;
  /** Under CI a skip for this need is allowed (declared); otherwise CI fails the test. */
  optionalInCi?: boolean;
}

declare module 'vitest' {
  interface TaskMeta {
    /** Set on a test skipped for an unmet need (a declared skip). */
    skipReason?: string;
    /** Set under CI on a test that cannot run here: counted as failed by the summary. */
    cannotRun?: string;
  }
}

const uid = process.getuid?.() ?? -1;

function answersAt(host: string): boolean {
  try {
    execFileSync('/usr/bin/docker', ['-H', host, 'version', '--format', '{{.Server.Version}}'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export const needs = {
  engine: {
    what: 'a Docker engine',
    met: engineUp,
    reason: 'no Docker engine answers: start Docker or run `bash scripts/ensure-engine.sh`',
  },
  root: {
    what: 'root',
    met: uid === 0,
    reason: `needs root (this runs as uid ${uid}): it starts its own dockerd or sshd`,
  },
  sshd: {
    what: 'sshd',
    met: existsSync('/usr/sbin/sshd'),
    reason: '/usr/sbin/sshd is missing: `bash scripts/prepare-test.sh` installs openssh-server (as root, with apt-get)',
  },
  secondEngine: {
    what: 'a second dockerd',
    met: existsSync('/usr/sbin/dockerd') && existsSync(path.join(ROOT, 'scripts', 'second-engine.sh')),
    reason: 'a second engine needs /usr/sbin/dockerd and scripts/second-engine.sh',
  },
  browser: {
    what: 'a browser',
    met: existsSync(process.env.SHIPSHAPE_CHROMIUM ?? '/usr/bin/chromium'),
    reason: `no browser at ${process.env.SHIPSHAPE_CHROMIUM ?? '/usr/bin/chromium'}: \`bash scripts/prepare-test.sh\` installs Debian's chromium (as root, with apt-get)`,
  },
  currentEngines: {
    what: 'the Docker 28 engines of the matrix',
    met: ['overlay2', 'containerd'].every((store) => answersAt(`unix:///run/shipshape-d28-${store}/docker.sock`)),
    reason: 'Docker 28 (overlay2 and containerd store) does not answer at /run/shipshape-d28-*/docker.sock: `bash scripts/prepare-test.sh` starts both (as root, on Debian/Ubuntu)',
  },
  cosign: {
    what: 'cosign',
    met: ['/var/lib/shipshape-tools/cosign/bin/cosign', ...(process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => `${dir}/cosign`)].some((file) => existsSync(file)),
    reason: 'cosign is not installed: `bash scripts/prepare-test.sh` (or `bash scripts/tools/cosign.sh`) extracts Debian sid\'s (as root, on Debian/Ubuntu)',
  },
  gitCheckout: {
    what: 'a git checkout',
    met: existsSync(path.join(ROOT, '.git')),
    reason: 'not a git checkout (no .git): which files git tracks cannot be checked',
    optionalInCi: true,
  },
} satisfies Record<string, Need>;

const inCi = () => Boolean(process.env.CI);

/** The reasons of the unmet needs, one line. */
function unmet(list: Need[]): string | null {
  const missing = list.filter((need) => !need.met);
  return missing.length ? missing.map((need) => need.reason).join('; ') : null;
}

type SuiteBody = () => void;

/** `describe`, run only where every need is met (see above for what happens elsewhere). */
export function describeNeeding(...list: Need[]) {
  return (name: string, optionsOrBody: SuiteOptions | SuiteBody, maybeBody?: SuiteBody): void => {
    const [options, body] = typeof optionsOrBody === 'function' ? [{}, optionsOrBody] : [optionsOrBody, maybeBody!];
    const reason = unmet(list);
    if (reason === null) {
      describe(name, options, body);
      return;
    }
    if (inCi() && !list.every((need) => need.met || need.optionalInCi)) {
      const cannotRun = `cannot run here (CI is set, so this fails instead of skipping): ${reason}`;
      describe(name, { ...options, meta: { ...options.meta, cannotRun } }, () => {
        // First hook of the suite: when it throws, vitest runs none of the suite's own hooks or tests.
        beforeAll(() => {
          throw new Error(cannotRun);
        });
        body();
      });
      return;
    }
    describe(name, { ...options, skip: true, meta: { ...options.meta, skipReason: reason } }, body);
  };
}

/** `it`, run only where every need is met (see above for what happens elsewhere). */
export function itNeeding(...list: Need[]) {
  return (name: string, body: () => unknown, options: TestOptions = {}): void => {
    const reason = unmet(list);
    if (reason === null) {
      it(name, options, body);
      return;
    }
    if (inCi() && !list.every((need) => need.met || need.optionalInCi)) {
      const cannotRun = `cannot run here (CI is set, so this fails instead of skipping): ${reason}`;
      it(name, { ...options, meta: { ...options.meta, cannotRun } }, () => {
        throw new Error(cannotRun);
      });
      return;
    }
    it(name, { ...options, skip: true, meta: { ...options.meta, skipReason: reason } }, body);
  };
}
