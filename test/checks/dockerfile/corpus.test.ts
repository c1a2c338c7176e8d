import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckKind, StaticContext } from '../../../src/checks/kind.js';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import { stagesUsedByFinal } from '../../../src/checks/dockerfile/operands.js';
import { commandOnlyInBuildStages } from '../../../src/checks/dockerfile/command-only-in-build-stages.js';
import { copyFromStage } from '../../../src/checks/dockerfile/copy-from-stage.js';
import { execForm } from '../../../src/checks/dockerfile/exec-form.js';
import { finalStageFrom } from '../../../src/checks/dockerfile/final-stage-from.js';
import { healthcheck } from '../../../src/checks/dockerfile/healthcheck.js';
import { namedStage } from '../../../src/checks/dockerfile/named-stage.js';
import { noCopyOf } from '../../../src/checks/dockerfile/no-copy-of.js';
import { stageCount } from '../../../src/checks/dockerfile/stage-count.js';
import { dockerfileImages } from '../../../src/course/images.js';
import { hostileDockerfiles } from '../../support/hostile-dockerfiles.mjs';

/**
 * Real public Dockerfiles (test/fixtures/dockerfiles/corpus/README.md names each one's repository and
 * commit) and the adversarial set through every static check: each gets a verdict and a message with
 * no raw error, and the verdicts reviewed by hand are asserted. Time and memory: bench/hostile-dockerfiles.mjs.
 */
const CORPUS = path.resolve(import.meta.dirname, '../../fixtures/dockerfiles/corpus');
const files = readdirSync(CORPUS).filter((name) => name.endsWith('.Dockerfile')).sort();
// As BuildKit builds on this engine (linux/amd64): most of these files are written for BuildKit.
const BUILDKIT = { builder: 'buildkit', platform: { os: 'linux', architecture: 'amd64' } } as const;

type AnyKind = CheckKind<never, 'static'>;
const KINDS: Array<[AnyKind, Record<string, unknown>]> = [
  [stageCount as unknown as AnyKind, { min: 2 }],
  [namedStage as unknown as AnyKind, { name: 'build' }],
  [commandOnlyInBuildStages as unknown as AnyKind, { pattern: '\\b(go|dotnet|npm|apk|make)\\b', description: 'a build command' }],
  [finalStageFrom as unknown as AnyKind, { image: '*' }],
  [copyFromStage as unknown as AnyKind, { stage: 'build', source: '/app' }],
  [noCopyOf as unknown as AnyKind, { pattern: '(^|/)\\.env$', description: 'an .env file' }],
  [healthcheck as unknown as AnyKind, {}],
  [execForm as unknown as AnyKind, { instruction: 'CMD' }],
  [execForm as unknown as AnyKind, { instruction: 'ENTRYPOINT' }],
];

function model(source: string, name = 'Dockerfile'): DockerfileModel {
  return DockerfileModel.parse(name, source, BUILDKIT);
}

async function allVerdicts(dockerfile: DockerfileModel) {
  const context: StaticContext = { dockerfile, workspaceDir: '/tmp' };
  return Promise.all(KINDS.map(async ([kind, params]) => ({ kind: kind.kind, ...(await kind.run(kind.params.parse(params) as never, context)) })));
}

const read = (name: string) => readFileSync(path.join(CORPUS, name), 'utf8');

describe('corpus of real Dockerfiles through the static phase', () => {
  it('holds the files its README lists, each with its source', () => {
    const readme = read('README.md');
    expect(files.length).toBeGreaterThanOrEqual(27);
    for (const name of files) expect(readme, name).toMatch(new RegExp(`\\| \`${name.replace('.', '\\.')}\` \\| [\\w.-]+/[\\w.-]+ \\| \\S+ \\| [0-9a-f]{40} \\|`));
  });

  for (const name of files) {
    it(`${name}: every static check gives a verdict in its own words`, async () => {
      for (const verdict of await allVerdicts(model(read(name), name))) {
        expect(['pass', 'fail'], `${verdict.kind}: ${verdict.message}`).toContain(verdict.status);
        expect(verdict.message.length).toBeGreaterThan(10);
        expect(verdict.message).not.toMatch(/TypeError|undefined|\[object Object\]|could not run this check|NaN/);
      }
    });
  }
});

describe('verdicts reviewed by hand', () => {
  it('moby/buildkit: `FROM buildkit-$TARGETOS${BUILDKIT_DEBUG:+-debug}` is the buildkit-linux stage; `binaries-$TARGETOS` and `alpine-$TARGETARCH` are used', () => {
    const buildkit = model(read('moby-buildkit.Dockerfile'));
    const final = buildkit.finalStage!;
    expect(final.parent?.name).toBe('buildkit-linux');
    expect(buildkit.externalBaseOf(final)).toBe('alpine:3.18');
    const used = new Set([...stagesUsedByFinal(buildkit)].map((stage) => stage.name));
    for (const name of ['binaries', 'binaries-linux', 'alpinebase', 'alpine-amd64', 'buildkitd', 'runc', 'cni-plugins']) expect(used, name).toContain(name);
    for (const name of ['binaries-darwin', 'binaries-windows', 'alpine-arm64', 'integration-tests', 'buildkit-linux-debug']) expect(used, name).not.toContain(name);
    // With BUILDKIT_DEBUG set, the debug variant is the one built.
    const debug = DockerfileModel.parse('Dockerfile', read('moby-buildkit.Dockerfile'), { ...BUILDKIT, buildArgs: { BUILDKIT_DEBUG: '1' } });
    expect(debug.finalStage!.parent?.name).toBe('buildkit-linux-debug');
  });

  it('moby/buildkit: its images are the external ones only, variables expanded', () => {
    const refs = dockerfileImages('Dockerfile', read('moby-buildkit.Dockerfile'), BUILDKIT).map((found) => found.ref);
    expect(refs).toContain('minio/minio:RELEASE.2022-05-03T20-36-08Z');
    expect(refs).toContain('golang:1.21-alpine3.18');
    expect(refs).toContain('registry:2.8.3');
    expect(refs.some((ref) => /^(alpine-|binaries-|buildkit-)/.test(ref) || ref.includes('$'))).toBe(false);
  });

  it('moby/buildkit: a RUN in a stage reached only through a variable is not reported as never used', async () => {
    const verdict = await commandOnlyInBuildStages.run(
      commandOnlyInBuildStages.params.parse({ pattern: 'xx-go build .* ./cmd/buildkitd', description: 'the buildkitd build' }),
      { dockerfile: model(read('moby-buildkit.Dockerfile')), workspaceDir: '/tmp' },
    );
    expect(verdict.status, verdict.message).toBe('pass');
  });

  it('docker/buildx: `FROM binaries` ends in scratch through binaries-$TARGETOS; scratch is not called a base image', async () => {
    const buildx = model(read('docker-buildx.Dockerfile'));
    expect(buildx.externalBaseOf(buildx.finalStage!)).toBe('scratch');
    const verdict = await execForm.run(execForm.params.parse({ instruction: 'CMD' }), { dockerfile: buildx, workspaceDir: '/tmp' });
    expect(verdict.message).toContain('it starts from scratch through stage 13 "binaries"');
    expect(verdict.message).not.toContain("base image's");
  });

  it('docker/compose v1: `FROM runtime-${BUILD_PLATFORM}` is the runtime-alpine stage; its ENTRYPOINT resets the CMD', async () => {
    const compose = model(read('docker-compose-v1.Dockerfile'));
    expect(compose.finalStage!.parent?.name).toBe('runtime-alpine');
    expect(compose.externalBaseOf(compose.finalStage!)).toBe('alpine:3.10.3');
    const used = [...stagesUsedByFinal(compose)].map((stage) => stage.name);
    expect(used).toEqual(expect.arrayContaining(['build', 'build-alpine', 'docker-cli', 'runtime-alpine']));
    expect(used).not.toContain('build-debian');
    const cmd = await execForm.run(execForm.params.parse({ instruction: 'CMD' }), { dockerfile: compose, workspaceDir: '/tmp' });
    expect(cmd.message).toContain('the ENTRYPOINT at line 72 resets the CMD inherited from the base image alpine:3.10.3');
  });

  it('dotnet aspnetapp: ENTRYPOINT with no CMD is named as resetting the base CMD, not "the base image\'s CMD applies"', async () => {
    const verdict = await execForm.run(execForm.params.parse({ instruction: 'CMD', allowInherited: true }), { dockerfile: model(read('dotnet-aspnetapp.Dockerfile')), workspaceDir: '/tmp' });
    expect(verdict.message).toContain('the ENTRYPOINT at line 19 resets the CMD inherited from the base image mcr.microsoft.com/dotnet/aspnet:7.0');
  });

  it('dotnet NativeAOT cross build: `COPY <<EOF /etc/apt/...` is a here-document, not a source', async () => {
    const verdict = await noCopyOf.run(noCopyOf.params.parse({ pattern: '^(<<)?EOF$|Types:', description: 'a heredoc read as a file' }), {
      dockerfile: model(read('dotnet-nativeaot-cross.Dockerfile')),
      workspaceDir: '/tmp',
    });
    expect(verdict.status, verdict.message).toBe('pass');
  });

  it('grafana: COPY --from=0 and --from=1 use the numbered stages', () => {
    const grafana = model(read('grafana.Dockerfile'));
    expect(stagesUsedByFinal(grafana).size).toBe(3);
  });

  it('dotnet IIS (escape=`): `FROM final` builds on the final-named stage; the exec-form ENTRYPOINT keeps its backslashes', async () => {
    const iis = model(read('dotnet-razorapp-iis.Dockerfile'));
    expect(iis.ast.getEscapeCharacter()).toBe('`');
    expect(iis.finalStage!.parent?.name).toBe('final');
    expect(iis.externalBaseOf(iis.finalStage!)).toBe('mcr.microsoft.com/dotnet/aspnet:11.0-windowsservercore-ltsc2025');
    const verdict = await execForm.run(execForm.params.parse({ instruction: 'ENTRYPOINT' }), { dockerfile: iis, workspaceDir: '/tmp' });
    expect(verdict.status).toBe('pass');
    expect((verdict.evidence as { exec: string[] }).exec).toEqual(['C:\\ServiceMonitor.exe', 'w3svc']);
  });

  it('dotnet MultiProjectApp: the final stage uses publish and build, not the test stages', () => {
    const used = [...stagesUsedByFinal(model(read('dotnet-multiprojectapp.Dockerfile')))].map((stage) => stage.name).sort();
    expect(used).toEqual(['build', 'final', 'publish']);
  });

  it('distroless python2.7: the last stage (withrequirements) is final and uses only the pip stage', () => {
    const python = model(read('distroless-python2.7.Dockerfile'));
    expect(python.finalStage!.name).toBe('withrequirements');
    expect([...stagesUsedByFinal(python)].map((stage) => stage.name).sort()).toEqual(['pip', 'withrequirements']);
  });

  it('docker-library/docker: a CMD after the ENTRYPOINT in the same stage is kept (only an inherited CMD is reset)', async () => {
    const verdict = await execForm.run(execForm.params.parse({ instruction: 'CMD' }), { dockerfile: model(read('docker-library-docker-24-cli.Dockerfile')), workspaceDir: '/tmp' });
    expect(verdict).toMatchObject({ status: 'pass' });
    expect(verdict.message).toContain('uses exec form: ["sh"]');
  });

  it('busybox: FROM scratch with ADD of a tarball and an exec-form CMD', async () => {
    const verdict = await execForm.run(execForm.params.parse({ instruction: 'CMD' }), { dockerfile: model(read('busybox-glibc.Dockerfile')), workspaceDir: '/tmp' });
    expect(verdict).toMatchObject({ status: 'pass', message: 'CMD at line 5 in stage 1 (the only stage) at line 3 uses exec form: ["sh"]' });
  });
});

describe('adversarial Dockerfiles through the static phase', () => {
  for (const [name, build] of Object.entries(hostileDockerfiles)) {
    it(`${name}: a verdict from every static check`, async () => {
      const verdicts = await allVerdicts(model(build()));
      for (const verdict of verdicts) expect(['pass', 'fail'], verdict.message.slice(0, 200)).toContain(verdict.status);
    });
  }

  it('5000-stage chain: every stage is used, the final one starts from alpine:3.20 through the chain', async () => {
    const chain = model(hostileDockerfiles['5000-stage chain']!());
    expect(stagesUsedByFinal(chain).size).toBe(5000);
    const verdict = await finalStageFrom.run(finalStageFrom.params.parse({ image: 'alpine:*' }), { dockerfile: chain, workspaceDir: '/tmp' });
    expect(verdict.status).toBe('pass');
    const count = await stageCount.run(stageCount.params.parse({ min: 2 }), { dockerfile: chain, workspaceDir: '/tmp' });
    expect(count.message.length).toBeLessThan(200);
  });

  it('1 MB exec-form CMD: passes, with the whole argv in evidence', async () => {
    const verdict = await execForm.run(execForm.params.parse({ instruction: 'CMD' }), { dockerfile: model(hostileDockerfiles['1 MB exec-form CMD']!()), workspaceDir: '/tmp' });
    expect(verdict.status).toBe('pass');
    expect((verdict.evidence as { exec: string[] }).exec).toHaveLength(1000);
  });
});
