import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as dockerignoreModule from '@balena/dockerignore';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIgnoreFile } from '../../src/engine/context.js';
import { packedEntries } from '../support/context.js';
import { dockerCli, labelledObjects, requireEngine, requireImages, testSession } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

const run = promisify(execFile);
const dockerignore = dockerignoreModule.default as unknown as typeof import('@balena/dockerignore').default;

const SEGMENTS = ['a', 'b', 'sub', '.hidden', 'x.txt', 'y.log', 'z', '.env', 'A'];
const RULES = [
  ' # not a comment', '!**/y.log', '!a/sub', '!sub/a', '/a/', '\uFEFF*.txt',
  '*.log', 'a', 'a/**', '!a/x.txt', '**/z', 'sub/*', '.env', 'b/', '!b/sub', '*/x.txt', '# comment', '', '   ', '**', '!**/.env',
  'a/*/z', '?.txt', '[xy].txt', '!sub', '/b', './a', 'a/../b', '**/*.txt', '!**/sub/**', '*', '!*.log', 'sub', ' a ', '!  z', 'A',
  '**/.hidden', '.hidden/**', '!.hidden/x.txt', 'z/', 'sub/**/y.log',
];

const tree = fc.uniqueArray(
  fc.array(fc.constantFrom(...SEGMENTS), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')),
  { minLength: 1, maxLength: 14 },
).map((paths) =>
  // A path cannot be both a file and a directory: keep files that are no other path's prefix.
  paths.filter((candidate) => !paths.some((other) => other !== candidate && other.startsWith(`${candidate}/`))),
);
const rules = fc.array(fc.constantFrom(...RULES), { maxLength: 7 });
/**
 * Docker 20.10 (this machine's CLI) tests a pattern against a file's parent directories with only as many
 * leading path parts as the pattern has; Docker 23+'s patternmatcher (and @balena/dockerignore, which we
 * follow) tries every parent. They differ only for `**` patterns inside a directory the walk entered: with
 * `!z` and `**\/z`, 20.10 sends z/A/a (it tests `z/A` against `**\/z`) while 23+ leaves it out. The CLI
 * comparison below models that one rule exactly instead of skipping such cases.
 */
async function materialise(root: string, files: string[], ignore: string[]): Promise<void> {
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  for (const file of files) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), file);
  }
  await writeFile(path.join(root, '.dockerignore'), `${ignore.join('\n')}\n`);
  await writeFile(
    path.join(root, 'Dockerfile'),
    'FROM debian:bookworm-slim\nCOPY . /ctx\nRUN cd /ctx && find . \\( -type f -o -type l \\) | sort | sed "s/^/CTX:/"\n',
  );
}

/** The regular files the packer really sends: read back from the tar stream. */
async function packedFiles(root: string): Promise<string[]> {
  return (await packedEntries(root))
    .filter(({ type }) => type !== 'directory')
    .map(({ name }) => name.replace(/^\.\//, ''))
    .sort();
}

/**
 * The docker CLI's walk (archive.TarWithOptions in 20.10) written out independently: @balena/dockerignore
 * matches each path; an ignored file is skipped; an ignored directory is skipped unless an exception
 * pattern (plus "/") starts with the directory (plus "/"); the Dockerfile and .dockerignore are always sent.
 */
function referenceFiles(files: string[], ignoreLines: string[], parentCheck: 'every parent' | 'docker 20.10' = 'every parent'): string[] {
  const rules = parseIgnoreFile(ignoreLines.join('\n'));
  const matcher = parentCheck === 'every parent' ? dockerignore({ ignorecase: false }).add(rules) : docker2010Matcher(rules);
  const exceptions = rules.filter((rule) => rule.startsWith('!')).map((rule) => rule.slice(1));
  const all = [...files, 'Dockerfile', '.dockerignore'];
  const sent: string[] = [];
  const walk = (dir: string) => {
    const children = new Set(all.filter((file) => file.startsWith(dir ? `${dir}/` : '')).map((file) => file.slice(dir ? dir.length + 1 : 0).split('/')[0]!));
    for (const child of children) {
      const rel = dir ? `${dir}/${child}` : child;
      const isFile = all.includes(rel);
      const always = rel === 'Dockerfile' || rel === '.dockerignore';
      const skip = !always && matcher.ignores(rel);
      if (isFile) {
        if (!skip) sent.push(rel);
        continue;
      }
      if (skip && !exceptions.some((pattern) => `${pattern}/`.startsWith(`${rel}/`))) continue;
      walk(rel);
    }
  };
  walk('');
  return sent.sort();
}

interface IgnoreRule {
  negative: boolean;
  dirs: string[];
}

/**
 * fileutils.PatternMatcher.Matches as in Docker 20.10: a pattern that does not match the path is tried on
 * the parent path cut to the pattern's own number of parts, `**` or not. Built on @balena/dockerignore's
 * parsed rules and per-rule regexp so only the parent rule differs.
 */
function docker2010Matcher(rules: string[]): { ignores(file: string): boolean } {
  const parsed = dockerignore({ ignorecase: false }).add(rules) as unknown as {
    _rules: IgnoreRule[];
    _match(file: string, rule: IgnoreRule): boolean;
  };
  return {
    ignores(file: string): boolean {
      const parentDirs = path.posix.dirname(file).split('/');
      let matched = false;
      for (const rule of parsed._rules) {
        let match = parsed._match(file, rule);
        if (!match && path.posix.dirname(file) !== '.' && rule.dirs.length <= parentDirs.length) {
          match = parsed._match(parentDirs.slice(0, rule.dirs.length).join('/'), rule);
        }
        if (match) matched = !rule.negative;
      }
      return matched;
    },
  };
}

describe('the build context matches the docker CLI', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(path.join(os.tmpdir(), 'shipshape-ctxprop-'));
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('reads .dockerignore lines as the CLI does: comments only at column 0, trimming, `!`, cleaning, leading slash, BOM', () => {
    expect(parseIgnoreFile('\uFEFF# c\n #not a comment\n  a/  \n!  b/../c\n/d\n./e/\n\n   \n!/f\r\n**/g/\n')).toEqual([
      '#not a comment',
      'a',
      '!c',
      'd',
      'e',
      '!f',
      '**/g',
    ]);
  });

  it('random trees and ignore files: the packed files are what the CLI walk keeps', async () => {
    const root = path.join(scratch, 'prop');
    await fc.assert(
      fc.asyncProperty(tree, rules, async (files, ignore) => {
        await materialise(root, files, ignore);
        expect(await packedFiles(root)).toEqual(referenceFiles(files, ignore));
      }),
      { numRuns: 150 },
    );
  });

  describeNeeding(needs.engine)('against the real docker CLI', { timeout: 300_000 }, () => {
    beforeAll(() => {
      requireEngine();
      requireImages('debian:bookworm-slim');
    });

    it('random trees and ignore files (a few cases): the files a classic `docker build` copies are the ones we send', async () => {
      const root = path.join(scratch, 'cli');
      const runs = Number(process.env.SHIPSHAPE_CONTEXT_CLI_RUNS ?? 10);
      let cases = 0;
      let versionDifferences = 0;
      await fc.assert(
        fc.asyncProperty(tree, rules, async (files, ignore) => {
          cases++;
          await materialise(root, files, ignore);
          const iidfile = path.join(scratch, 'iid');
          const labels = ['dev.shipshape.tool=shipshape', `dev.shipshape.session=${testSession()}`, 'dev.shipshape.run=context-property'];
          let output: string;
          try {
            const result = await run(
              dockerCli(),
              ['build', '--no-cache', '--rm', '--force-rm', '--iidfile', iidfile, ...labels.flatMap((label) => ['--label', label]), root],
              { env: { ...process.env, DOCKER_BUILDKIT: '0' }, maxBuffer: 10_000_000 },
            );
            output = result.stdout;
          } finally {
            const id = await readFile(iidfile, 'utf8').catch(() => '');
            if (id) await run(dockerCli(), ['rmi', '-f', id.trim()]).catch(() => undefined);
            await rm(iidfile, { force: true });
          }
          const copied = output
            .split('\n')
            .filter((line) => line.startsWith('CTX:./'))
            .map((line) => line.slice('CTX:./'.length))
            .sort();
          // The daemon reads the Dockerfile and .dockerignore but does not COPY them when they are ignored.
          const withoutBuildFiles = (list: string[]) => list.filter((file) => file !== 'Dockerfile' && file !== '.dockerignore');
          const sent = withoutBuildFiles(await packedFiles(root));
          const what = `rules ${JSON.stringify(ignore)} tree ${JSON.stringify(files)}`;
          const legacy = withoutBuildFiles(referenceFiles(files, ignore, 'docker 20.10'));
          expect(withoutBuildFiles(copied), `the 20.10 model, ${what}`).toEqual(legacy);
          if (JSON.stringify(legacy) === JSON.stringify(withoutBuildFiles(referenceFiles(files, ignore)))) {
            expect(sent, what).toEqual(withoutBuildFiles(copied));
          } else {
            versionDifferences++;
            expect(sent, what).toEqual(withoutBuildFiles(referenceFiles(files, ignore)));
          }
        }),
        {
          numRuns: runs,
          endOnFailure: true,
          // Found by this property on 2026-11-23: 20.10 sends z/A/a, Docker 23+ and the packer leave it out.
          examples: [[['.hidden', 'x.txt', 'sub/a/sub', 'z/A/a', 'b/.hidden/.env'], [' a ', '/b', '!  z', 'a', '**/z']]],
        },
      );
      expect(cases).toBeGreaterThanOrEqual(runs);
      // Most cases have no `**` rule inside an entered directory: the packer is compared with the CLI itself.
      expect(versionDifferences).toBeGreaterThanOrEqual(1);
      expect(versionDifferences).toBeLessThan(cases);
      expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
    });
  });
});
