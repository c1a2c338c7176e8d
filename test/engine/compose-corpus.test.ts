import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadComposeModel } from '../../src/engine/compose.js';
import { UserError } from '../../src/errors.js';
import { composeVersions, requireComposeVersions, restoreCompose, useCompose } from '../support/compose.js';

const CORPUS = path.join(import.meta.dirname, '..', 'fixtures', 'compose', 'corpus');

/** What each published file must come to (the same on every version). */
const VERDICTS: Record<string, RegExp> = {
  // Its many aliases parse; its external volumes are refused, each at its own line.
  sentry: /^compose\.yaml asks for more than a graded stack may have:\n {2}compose\.yaml:639: volume sentry-data: external volumes are not allowed/,
  'sentry-without-external-volumes': /^loaded: attachments-consumer,billing-metrics-consumer,clickhouse,cron,/,
  portainer: /^compose\.yaml asks for more than a graded stack may have:\n {2}compose\.yaml:10: service portainer: bind mount of \/var\/run\/docker\.sock is outside the workspace/,
  // Published with two mounts on /prometheus (v1 refuses it, v2 keeps the last).
  'prometheus-grafana': /^compose\.yaml:12: service prometheus: \/prometheus is mounted twice \(also by the mount on line 11\)$/,
  // Published without its backend directory (a separate folder of that repository).
  'nginx-golang-postgres': /^compose\.yaml names files that cannot be read:\n {2}compose\.yaml:4: service backend: the build context backend is not a directory of the workspace$/,
  // Published with a typo: `Backend` is defined, `backend` is depended on.
  'react-express-mongodb': /^compose\.yaml:9: service frontend: depends on `backend`, which is not a service of this file$/,
};

async function outcome(dir: string): Promise<string> {
  try {
    return `loaded: ${(await loadComposeModel(dir, 'compose.yaml')).serviceNames.sort().join(',')}`;
  } catch (error) {
    // Anything but a UserError (a TypeError, a ReferenceError from the YAML library) is a crash.
    if (!(error instanceof UserError)) throw error;
    return error.message;
  }
}

describe('a corpus of published compose files through the compose phase', () => {
  let root: string;
  const previous = process.env.SHIPSHAPE_COMPOSE;
  const names: string[] = [];
  const seen = new Map<string, Map<string, string>>();

  beforeAll(async () => {
    requireComposeVersions();
    root = await mkdtemp(path.join(os.tmpdir(), 'shipshape-compose-corpus-'));
    for (const name of await readdir(CORPUS)) {
      await cp(path.join(CORPUS, name), path.join(root, name), { recursive: true });
      names.push(name);
    }
    // Sentry as a graded stack could have it: the same file with its external volumes made local.
    await cp(path.join(CORPUS, 'sentry'), path.join(root, 'sentry-without-external-volumes'), { recursive: true });
    const file = path.join(root, 'sentry-without-external-volumes', 'compose.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('    external: true\n', '').replaceAll('"$SENTRY_BIND:80/tcp"', '"80/tcp"'));
    // The variables sentry's own .env sets (its install script writes the same).
    await writeFile(
      path.join(root, 'sentry-without-external-volumes', '.env'),
      'HEALTHCHECK_INTERVAL=30s\nHEALTHCHECK_TIMEOUT=1m30s\nHEALTHCHECK_RETRIES=10\nSENTRY_IMAGE=getsentry/sentry:nightly\nSNUBA_IMAGE=getsentry/snuba:nightly\nRELAY_IMAGE=getsentry/relay:nightly\nSYMBOLICATOR_IMAGE=getsentry/symbolicator:nightly\nVROOM_IMAGE=getsentry/vroom:nightly\nSENTRY_EVENT_RETENTION_DAYS=90\n',
    );
    for (const dir of ['sentry', 'clickhouse', 'cron']) await mkdir(path.join(root, 'sentry-without-external-volumes', dir));
    names.push('sentry-without-external-volumes');
  });
  afterAll(async () => {
    restoreCompose(previous);
    await rm(root, { recursive: true, force: true });
  });

  it('has a verdict for every file of the corpus', async () => {
    expect((await readdir(CORPUS)).sort()).toEqual(Object.keys(VERDICTS).filter((name) => name !== 'sentry-without-external-volumes').sort());
  });

  for (const version of composeVersions) {
    it(`Compose ${version.label}: every file gets its verdict, with no crash and no raw error`, async () => {
      useCompose(version);
      for (const name of names) {
        const result = await outcome(path.join(root, name));
        expect(result, name).toMatch(VERDICTS[name]!);
        expect(result, name).not.toMatch(/time=|level=|WARNING|Traceback|ReferenceError|Excessive alias|at .+:\d+:\d+\)/);
        seen.set(name, (seen.get(name) ?? new Map()).set(version.label, result));
      }
    }, 300_000);
  }

  it.runIf(composeVersions.length === 2)('v1 and v2 give the same verdict, word for word', () => {
    for (const [name, byVersion] of seen) expect(byVersion.get('v1'), name).toBe(byVersion.get('v2'));
  });
});
