import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildSucceeds } from '../../../src/checks/build/succeeds.js';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import type { CheckKind, StaticContext } from '../../../src/checks/kind.js';
import { loadCheckKinds } from '../../../src/checks/registry.js';
import { ROOT } from '../../support/cli.js';

const CHECK_KINDS = await loadCheckKinds();

// Context checks read the workspace's files, not the Dockerfile: they have property tests of their own (the packer's).
const STATIC_KINDS = CHECK_KINDS.filter((kind) => kind.phase === 'static' && !kind.kind.startsWith('context.')) as Array<CheckKind<never, 'static'>>;
const SEEDS = [
  readFileSync(path.join(ROOT, 'challenges', 'docker-missing-multistage', 'solution', 'Dockerfile'), 'utf8'),
  readFileSync(path.join(ROOT, 'challenges', 'docker-missing-multistage', 'starter', 'Dockerfile'), 'utf8'),
  readFileSync(path.join(ROOT, 'challenges', 'docker-build-arg-secret', 'solution', 'Dockerfile'), 'utf8'),
];

const KEYWORDS = ['FROM', 'RUN', 'CMD', 'COPY', 'ADD', 'ENV', 'ARG', 'LABEL', 'EXPOSE', 'WORKDIR', 'USER', 'VOLUME', 'ENTRYPOINT', 'HEALTHCHECK', 'ONBUILD', 'SHELL', 'STOPSIGNAL', 'MAINTAINER', 'from', 'Run', 'FOO', ''];
const TOKENS = [
  'debian:bookworm-slim', 'AS', 'builder', 'scratch', '--from=builder', '--from=0', '--mount=type=secret,id=x', '--chown=1:1', '--link',
  '--interval=5s', '--timeout=', '--retries=x', '--start-interval=1s', 'NONE', 'CMD', 'CMD-SHELL', '["sh", "-c", "true"]', '["true"]', '[',
  ']', '"', "'", '\\', '`', '&&', '||', '|| true', 'exit 0', '<<EOF', 'EOF', '<<-"END"', '$VAR', '${VAR:-x}', '/app/vendor', '.', './', '*',
  '**', '/usr/bin/composer', 'composer install', 'true', ':', '#', '# syntax=docker/dockerfile:1', '# escape=`', '\u00e9', '\uFEFF', '\t', '=',
];

const line = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constantFrom(...KEYWORDS), fc.array(fc.constantFrom(...TOKENS), { maxLength: 6 })).map(([keyword, args]) => `${keyword} ${args.join(' ')}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('# comment', '', '   ', '\\', 'EOF', '# escape=`', '# syntax=x', 'HEALTHCHECK', 'FROM', 'COPY --from=', 'HEALTHCHECK CMD', 'ONBUILD RUN true') },
);

const randomDockerfile = fc
  .tuple(fc.array(line, { maxLength: 25 }), fc.constantFrom('\n', '\r\n', '\r'), fc.boolean())
  .map(([lines, eol, bom]) => `${bom ? '\uFEFF' : ''}${lines.join(eol)}`);

/** A real Dockerfile with random edits: characters deleted, inserted or lines swapped. */
const mutatedDockerfile = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(
      fc.tuple(fc.nat(), fc.oneof(fc.constant(''), fc.constantFrom('\\', '\n', '"', '[', ']', '`', '--', '\r\n', ' AS ', '=', '\u0000'), fc.string({ maxLength: 3 })), fc.nat(8)),
      { minLength: 1, maxLength: 8 },
    ),
  )
  .map(([seed, edits]) => {
    let text = seed;
    for (const [position, insert, remove] of edits) {
      const at = position % (text.length + 1);
      text = text.slice(0, at) + insert + text.slice(at + remove);
    }
    return text;
  });

function gradeStatically(source: string): void {
  const dockerfile = DockerfileModel.parse('Dockerfile', source);
  const context: StaticContext = { dockerfile, workspaceDir: '/tmp' };
  expect(Array.isArray(dockerfile.stages)).toBe(true);
  for (const kind of STATIC_KINDS) {
    const verdict = kind.run(kind.params.parse(kind.example) as never, context);
    if (verdict instanceof Promise) throw new Error(`${kind.kind} is async; the property expects a verdict`);
    expect(['pass', 'fail'], kind.kind).toContain(verdict.status);
    expect(typeof verdict.message, kind.kind).toBe('string');
    expect(verdict.message.length, kind.kind).toBeGreaterThan(0);
  }
  // The build check explains engine refusals with the parsed file: it must not trip over odd input either.
  for (const line of [1, 2, 3, 5, 40]) {
    const verdict = buildSucceeds.run({}, {
      dockerfile,
      workspaceDir: '/tmp',
      build: { imageId: null, durationMs: 1, steps: 0, stepLog: [], failure: { step: null, message: `dockerfile parse error line ${line}: unknown instruction: X`, lastLines: [] } },
    }) as { status: string };
    expect(verdict.status).toBe('fail');
  }
}

describe('the parser and the static checks never crash', () => {
  it('has static kinds to exercise', () => {
    expect(STATIC_KINDS.length).toBeGreaterThanOrEqual(8);
  });

  it('random Dockerfiles (known and unknown instructions, flags, continuations, directives, CRLF/CR, BOM) each get a verdict from every static check', () => {
    fc.assert(fc.property(randomDockerfile, (source) => gradeStatically(source)), { numRuns: 300 });
  });

  it('mutated real Dockerfiles each get a verdict from every static check', () => {
    fc.assert(fc.property(mutatedDockerfile, (source) => gradeStatically(source)), { numRuns: 300 });
  });

  it('arbitrary unicode text each gets a verdict', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (source) => gradeStatically(source)), { numRuns: 300 });
  });
});
