import { describe, expect, it } from 'vitest';
import { expandWord, globalArgs, platformArgs, splitWords } from '../../../src/checks/dockerfile/args.js';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import { copyOperands, stagesUsedByFinal } from '../../../src/checks/dockerfile/operands.js';
import { execForm } from '../../../src/checks/dockerfile/exec-form.js';
import { healthcheck } from '../../../src/checks/dockerfile/healthcheck.js';
import { commandOnlyInBuildStages } from '../../../src/checks/dockerfile/command-only-in-build-stages.js';
import { dockerfileImages } from '../../../src/course/images.js';
import { dockerfile, runStatic } from './helpers.js';

const env = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('FROM expansion as the builder does it', () => {
  it('expands bare, braced, default and alternative forms, nested', () => {
    const vars = env({ A: 'a', EMPTY: '' });
    expect(expandWord('$A-${A}', vars).value).toBe('a-a');
    expect(expandWord('${X:-$A}', vars).value).toBe('a');
    expect(expandWord('${X:-${Y:-deep}}', vars).value).toBe('deep');
    expect(expandWord('${EMPTY:-d}|${EMPTY-d}', vars).value).toBe('d|');
    expect(expandWord('${A:+set}|${X:+set}|${EMPTY+set}', vars).value).toBe('set||set');
    expect(expandWord('$MISSING', vars)).toEqual({ value: '', unset: ['MISSING'] });
    expect(() => expandWord('${X:?needs X}', vars)).toThrow('X: needs X');
  });

  it('removes quotes; single quotes stay literal; the escape character keeps the next one', () => {
    const vars = env({ TAG: 'slim' });
    expect(expandWord('debian:bookworm-"${TAG}"', vars).value).toBe('debian:bookworm-slim');
    expect(expandWord("'$TAG'", vars).value).toBe('$TAG');
    expect(expandWord('\\$TAG', vars).value).toBe('$TAG');
    expect(expandWord('`$TAG', vars, '`').value).toBe('$TAG');
    expect(splitWords('A="x y" B=\'q r\' C=${A:-z}')).toEqual(['A="x y"', "B='q r'", 'C=${A:-z}']);
  });

  it('global ARG defaults see earlier ARGs; build args override; BuildKit adds the platform ARGs', () => {
    const source = dockerfile(['ARG BASE=debian', 'ARG TAG="bookworm" IMAGE=${BASE}:${TAG}-slim', 'ARG LATE', 'FROM $IMAGE', 'ARG NOT_GLOBAL=x']);
    const classic = DockerfileModel.parse('Dockerfile', source);
    expect(classic.stages[0]!.image).toBe('debian:bookworm-slim');
    expect(classic.args.has('TARGETOS')).toBe(false);
    expect(classic.args.has('NOT_GLOBAL')).toBe(false);
    const overridden = DockerfileModel.parse('Dockerfile', source, { buildArgs: { TAG: 'trixie', UNDECLARED: 'x' } });
    expect(overridden.stages[0]!.image).toBe('debian:trixie-slim');
    expect(overridden.args.has('UNDECLARED')).toBe(false);
    const kit = globalArgs(DockerfileModel.parse('Dockerfile', source).ast, { builder: 'buildkit', platform: { os: 'linux', architecture: 'arm64' } });
    expect(kit.get('TARGETPLATFORM')).toBe('linux/arm64');
    expect(kit.get('BUILDARCH')).toBe('arm64');
    expect(platformArgs({ os: 'linux', architecture: 'arm', variant: 'v7' }).TARGETPLATFORM).toBe('linux/arm/v7');
  });

  it('stages reached through a variable are stages, not images, and count as used', () => {
    const source = dockerfile([
      'ARG SRC=build',
      'FROM golang:1.22-alpine AS build',
      'RUN go build -o /app .',
      'FROM alpine:3.20 AS build-linux',
      'RUN go vet ./...',
      'FROM ${SRC} AS copy',
      'FROM build-$TARGETOS',
      'COPY --from=copy /app /app',
    ]);
    const model = DockerfileModel.parse('Dockerfile', source, { builder: 'buildkit', platform: { os: 'linux', architecture: 'amd64' } });
    expect(model.stages.map((stage) => stage.parent?.name ?? null)).toEqual([null, null, 'build', 'build-linux']);
    expect([...stagesUsedByFinal(model)].map((stage) => stage.index).sort()).toEqual([0, 1, 2, 3]);
    expect(dockerfileImages('Dockerfile', source, { builder: 'buildkit' }).map((found) => found.ref)).toEqual(['golang:1.22-alpine', 'alpine:3.20']);
    // The classic builder has no TARGETOS: `build-` is an image name, as the real build shows.
    const classic = DockerfileModel.parse('Dockerfile', source);
    expect(classic.stages[3]!.image).toBe('build-');
    expect(classic.stages[3]!.parent).toBeNull();
  });

  it('a RUN in a stage reached through ${SRC} is not reported as never used', async () => {
    const result = await runStatic(commandOnlyInBuildStages, { pattern: 'go build', description: 'go build' }, dockerfile([
      'ARG SRC=build',
      'FROM golang:1.22-alpine AS build',
      'RUN go build -o /app .',
      'FROM ${SRC} AS copy',
      'FROM alpine:3.20',
      'COPY --from=copy /app /app',
    ]));
    expect(result.status, result.message).toBe('pass');
  });

  it('a 5000-stage chain resolves every parent', () => {
    const lines = ['FROM alpine:3.20 AS s0', ...Array.from({ length: 4999 }, (_, index) => `FROM s${index} AS s${index + 1}`)];
    const model = DockerfileModel.parse('Dockerfile', dockerfile(lines));
    expect(model.externalBaseOf(model.finalStage!)).toBe('alpine:3.20');
    expect(stagesUsedByFinal(model).size).toBe(5000);
  });
});

describe('CMD and ENTRYPOINT inheritance', () => {
  it('an ENTRYPOINT in the final stage resets the base image CMD', async () => {
    const result = await runStatic(execForm, { instruction: 'CMD' }, dockerfile(['FROM nginx:alpine', 'ENTRYPOINT ["nginx", "-g", "daemon off;"]']));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('the ENTRYPOINT at line 2 resets the CMD inherited from the base image nginx:alpine');
    expect(result.message).not.toContain("base image's CMD (nginx:alpine) applies");
  });

  it('an ENTRYPOINT resets a CMD inherited from an earlier stage, but not a CMD set before it in the same stage', async () => {
    const reset = await runStatic(execForm, { instruction: 'CMD', allowInherited: true }, dockerfile(['FROM alpine AS base', 'CMD ["sh"]', 'FROM base', 'ENTRYPOINT ["/run"]']));
    expect(reset.message).toContain('resets the CMD inherited from the base image alpine (through stage 1 "base" at line 1)');
    const kept = await runStatic(execForm, { instruction: 'CMD' }, dockerfile(['FROM alpine', 'CMD ["serve"]', 'ENTRYPOINT ["/run"]']));
    expect(kept.status).toBe('pass');
    expect(kept.message).toContain('CMD at line 2');
  });

  it('scratch is not "the base image"', async () => {
    const result = await runStatic(execForm, { instruction: 'CMD' }, dockerfile(['FROM scratch', 'COPY app /app']));
    expect(result.message).toContain('it starts from scratch, which has no CMD');
    expect(result.message).not.toContain('base image');
  });
});

describe('COPY/ADD here-documents and HEALTHCHECK flag forms', () => {
  it('a heredoc is not a source', () => {
    const model = DockerfileModel.parse('Dockerfile', dockerfile(['FROM alpine', 'COPY <<EOF /etc/app.conf', 'composer.phar', 'EOF', 'ADD --chmod=755 <<-A <<B /bin/', 'x', 'A', 'y', 'B']));
    const [copy, add] = model.finalStage!.instructions;
    expect(copyOperands(copy!)).toEqual({ sources: [], destination: '/etc/app.conf', heredocs: ['EOF'] });
    expect(copyOperands(add!)).toEqual({ sources: [], destination: '/bin/', heredocs: ['A', 'B'] });
  });

  it('`--interval 5s` is named as the builder refuses it, not as a missing CMD', async () => {
    const result = await runStatic(healthcheck, {}, dockerfile(['FROM alpine', 'HEALTHCHECK --interval 5s CMD wget -q -O- http://localhost/ || exit 1']));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('--interval 5s without "="');
    expect(result.message).toContain('Missing a value on flag: interval');
    expect(result.message).toContain('write --interval=5s');
  });

  it('10 000 HEALTHCHECK lines give a short message with the full list in evidence', async () => {
    const lines = ['FROM alpine', ...Array.from({ length: 10_000 }, () => 'HEALTHCHECK CMD true')];
    const result = await runStatic(healthcheck, {}, dockerfile(lines));
    expect(result.message.length).toBeLessThan(400);
    expect(result.message).toContain('… and 9990 more');
    expect((result.evidence as { lines: number[] }).lines).toHaveLength(10_000);
  });
});
