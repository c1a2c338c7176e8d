import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerfileModel } from '../../src/checks/dockerfile/model.js';
import type { Manifest } from '../../src/course/manifest.js';
import type { ChallengePack } from '../../src/course/packs.js';
import type { MutationInput, Mutator } from '../../src/grading/mutants/mutator.js';
import { MUTATORS } from '../../src/grading/mutants/registry.js';
import { generateMutants } from '../../src/grading/mutants/run.js';

const MULTI_STAGE = `FROM golang:1.22-alpine AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN go build -o /out/app .

FROM alpine:3.20
COPY --from=build /out/app /app
USER 65534:65534
HEALTHCHECK --interval=5s CMD ["/app", "-healthcheck"]
CMD ["/app", "-serve"]
`;

const SECRET = `FROM debian:bookworm-slim
RUN --mount=type=secret,id=api_token sh ./fetch.sh
CMD ["sh", "/serve.sh"]
`;

const COMPOSE = `services:
  db:
    image: postgres:16-alpine
    volumes:
      - dbdata:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD", "pg_isready"]
    secrets: [db_password]
  app:
    image: php:8.2-fpm-alpine
    ports: ["8080:80"]
    depends_on:
      db: { condition: service_healthy }
  backup:
    image: postgres:16-alpine
    profiles: [tools]
    networks: [backend]
networks:
  backend:
    internal: true
volumes:
  dbdata:
secrets:
  db_password: { file: ./db_password.txt }
`;

const manifest = (fields: Partial<Manifest>): Manifest =>
  ({ id: 'sample', starter: 'starter', solution: 'solution', build: { buildkit: true, args: {}, secrets: [{ id: 'api_token', buildArg: 'API_TOKEN' }] }, ...fields }) as Manifest;

function dockerfileInput(source: string): MutationInput {
  return { manifest: manifest({ dockerfile: 'Dockerfile' }), dockerfile: { file: 'Dockerfile', source, model: DockerfileModel.parse('Dockerfile', source) }, compose: null };
}

function composeInput(source: string): MutationInput {
  return { manifest: manifest({ compose: 'compose.yaml' }), dockerfile: null, compose: { file: 'compose.yaml', source, document: parseDocument(source) } };
}

const mutator = (name: string): Mutator => MUTATORS.find((candidate) => candidate.name === name)!;
const mutate = (name: string, input: MutationInput) => mutator(name).mutate(input).map((mutation) => ({ label: mutation.label, text: Object.values(mutation.files)[0]! }));

describe('Dockerfile mutators', () => {
  it('every mutator has a unique name and a description', () => {
    expect(new Set(MUTATORS.map((candidate) => candidate.name)).size).toBe(MUTATORS.length);
    for (const candidate of MUTATORS) expect(candidate.name).toMatch(/^(dockerfile|compose)\.[a-z-]+$/);
  });

  it('collapses the stages into the first, without the later FROMs and the COPY --from of stages', () => {
    const [collapsed] = mutate('dockerfile.collapse-stages', dockerfileInput(MULTI_STAGE));
    expect(collapsed!.label).toBe('the 2 stages collapsed into one (FROM golang:1.22-alpine)');
    expect(collapsed!.text).toMatch(/^FROM golang:1\.22-alpine\n/);
    expect(collapsed!.text).not.toContain('FROM alpine');
    expect(collapsed!.text).not.toContain('--from=build');
    expect(collapsed!.text).toContain('USER 65534:65534');
    expect(mutate('dockerfile.collapse-stages', dockerfileInput(SECRET))).toEqual([]);
  });

  it('drops USER or sets it to root in the final stage', () => {
    expect(mutate('dockerfile.drop-user', dockerfileInput(MULTI_STAGE))[0]!.text).not.toContain('USER');
    expect(mutate('dockerfile.user-root', dockerfileInput(MULTI_STAGE))[0]!.text).toContain('\nUSER root\n');
    expect(mutate('dockerfile.drop-user', dockerfileInput(SECRET))).toEqual([]);
    expect(mutate('dockerfile.user-root', dockerfileInput('FROM alpine\nUSER root\n'))).toEqual([]);
  });

  it('removes the HEALTHCHECK or makes it trivial', () => {
    expect(mutate('dockerfile.drop-healthcheck', dockerfileInput(MULTI_STAGE))[0]!.text).not.toContain('HEALTHCHECK');
    expect(mutate('dockerfile.trivial-healthcheck', dockerfileInput(MULTI_STAGE))[0]!.text).toContain('HEALTHCHECK --interval=1s --timeout=3s CMD true');
    expect(mutate('dockerfile.drop-healthcheck', dockerfileInput('FROM alpine\nHEALTHCHECK NONE\n'))).toEqual([]);
  });

  it('moves COPY . . before the dependency install', () => {
    const [moved] = mutate('dockerfile.copy-all-first', dockerfileInput(MULTI_STAGE));
    expect(moved!.text.split('\n').slice(0, 6)).toEqual(['FROM golang:1.22-alpine AS build', 'WORKDIR /src', 'COPY go.mod ./', 'COPY . .', 'RUN go mod download', 'RUN go build -o /out/app .']);
    // Nothing copied before the install: no dependency step to move the copy before.
    expect(mutate('dockerfile.copy-all-first', dockerfileInput('FROM node\nCOPY . .\nRUN npm ci\n'))).toEqual([]);
  });

  it("copies a stage's output from the stage's base image instead", () => {
    const [wrong] = mutate('dockerfile.copy-from-wrong-stage', dockerfileInput(MULTI_STAGE));
    expect(wrong!.label).toBe('COPY --from=build (line 9) copies from golang:1.22-alpine instead');
    expect(wrong!.text).toContain('COPY --from=golang:1.22-alpine /out/app /app');
  });

  it('passes a secret as the build arg the manifest serves it as', () => {
    const [leak] = mutate('dockerfile.secret-as-build-arg', dockerfileInput(SECRET));
    expect(leak!.text).toContain('ARG API_TOKEN\nRUN mkdir -p "$(dirname /run/secrets/api_token)" && printf %s "$API_TOKEN" > /run/secrets/api_token && sh ./fetch.sh');
    expect(leak!.text).not.toContain('--mount');
  });

  it('writes an exec-form CMD or ENTRYPOINT in shell form', () => {
    expect(mutate('dockerfile.shell-form-cmd', dockerfileInput(MULTI_STAGE))[0]!.text).toContain('\nCMD /app -serve\n');
    expect(mutate('dockerfile.shell-form-cmd', dockerfileInput('FROM alpine\nCMD echo hi\n'))).toEqual([]);
  });
});

describe('compose mutators', () => {
  it('removes each volume, port, profile, healthcheck and secret, and weakens depends_on', () => {
    const input = composeInput(COMPOSE);
    expect(mutate('compose.drop-volume', input).map((mutation) => mutation.label)).toEqual(['service db: volume dbdata:/var/lib/postgresql/data removed']);
    expect(mutate('compose.drop-port', input).map((mutation) => mutation.label)).toEqual(['service app: port 8080:80 dropped']);
    expect(mutate('compose.drop-profile', input)[0]!.text).not.toContain('profiles');
    expect(mutate('compose.drop-healthcheck', input)[0]!.text).not.toContain('healthcheck');
    expect(parseDocument(mutate('compose.trivial-healthcheck', input)[0]!.text).getIn(['services', 'db', 'healthcheck', 'test'])).toBeTruthy();
    expect(mutate('compose.trivial-healthcheck', input)[0]!.text).toContain('test: [ CMD, "true" ]');
    expect(parseDocument(mutate('compose.weaken-depends-on', input)[0]!.text).toJS().services.app.depends_on).toEqual({ db: { condition: 'service_started' } });
    expect(parseDocument(mutate('compose.drop-secret', input)[0]!.text).toJS().services.db.secrets).toBeUndefined();
    expect(mutate('compose.drop-networks', input).map((mutation) => mutation.label)).toEqual(['service backup: networks removed (default network)']);
    expect(parseDocument(mutate('compose.network-not-internal', input)[0]!.text).toJS().networks.backend?.internal).toBeUndefined();
    // The original document is left alone.
    expect(input.compose!.document.toString()).toBe(input.compose!.document.clone().toString());
  });

  it('leaves out each hardening and limit setting of a service, one at a time', () => {
    const input = composeInput(
      'services:\n  app:\n    image: python:3.12-slim\n    cap_drop: [ALL]\n    read_only: true\n    tmpfs: [/tmp]\n    security_opt: ["no-new-privileges:true"]\n  worker:\n    image: python:3.12-slim\n    mem_limit: 96m\n    pids_limit: 32\n',
    );
    const mutants = mutate('compose.drop-runtime-setting', input);
    expect(mutants.map((mutation) => mutation.label)).toEqual([
      'service app: cap_drop left out',
      'service app: read_only left out',
      'service app: security_opt left out',
      'service worker: mem_limit left out',
      'service worker: pids_limit left out',
    ]);
    const withoutReadOnly = parseDocument(mutants[1]!.text).toJS().services.app;
    expect(withoutReadOnly.read_only).toBeUndefined();
    expect(withoutReadOnly.cap_drop).toEqual(['ALL']);
    expect(withoutReadOnly.tmpfs).toEqual(['/tmp']);
    expect(mutate('compose.drop-runtime-setting', composeInput('services:\n  app:\n    image: nginx:alpine\n'))).toEqual([]);
  });
});

describe('generating the mutants of a pack', () => {
  let dir: string;
  let pack: ChallengePack;
  let solved: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-mutants-unit-'));
    const packDir = path.join(dir, 'pack');
    solved = path.join(dir, 'solved');
    for (const folder of ['starter', 'solution', 'mutants/no-user']) await mkdir(path.join(packDir, folder), { recursive: true });
    await mkdir(solved);
    // The starter already has the health check; the learner adds USER.
    const starter = 'FROM alpine:3.20\nHEALTHCHECK CMD ["/check"]\nCMD ["/serve"]\n';
    const solution = 'FROM alpine:3.20\nUSER 65534\nHEALTHCHECK CMD ["/check"]\nCMD ["/serve"]\n';
    await writeFile(path.join(packDir, 'starter', 'Dockerfile'), starter);
    await writeFile(path.join(packDir, 'solution', 'Dockerfile'), solution);
    await writeFile(path.join(solved, 'Dockerfile'), solution);
    await writeFile(path.join(packDir, 'mutants', 'no-user', 'Dockerfile'), 'FROM alpine:3.20\nUSER nobody\nHEALTHCHECK CMD ["/check"]\nCMD ["/serve"]\n');
    pack = { dir: packDir, manifestPath: path.join(packDir, 'manifest.yaml'), manifest: manifest({ dockerfile: 'Dockerfile', build: { buildkit: false, args: {}, secrets: [] } as unknown as Manifest['build'] }) };
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("mutates only what the learner writes, then adds the pack's hand-written mutants, each with a unified diff", async () => {
    const mutants = await generateMutants(pack, solved);
    // The health check and CMD came with the starter: breaking them would not test the learner's answer.
    expect(mutants.map((mutant) => `${mutant.source}: ${mutant.label}`)).toEqual([
      'dockerfile.drop-user: USER removed from the final stage',
      'dockerfile.user-root: USER set to root in the final stage',
      'mutants/no-user: hand-written: no-user',
    ]);
    expect(mutants[0]!.diff).toContain('--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,4 +1,3 @@\n FROM alpine:3.20\n-USER 65534\n HEALTHCHECK');
    expect(mutants[2]!.diff).toContain('-USER 65534\n+USER nobody');
  });
});

describe('compose mutants keep the author formatting', () => {
  it('changes only the edited lines', () => {
    const [dropped] = mutate('compose.drop-port', composeInput(COMPOSE));
    const before = COMPOSE.split('\n');
    const after = dropped!.text.split('\n');
    expect(before.filter((line) => !after.includes(line))).toEqual(['    ports: ["8080:80"]']);
    expect(after.filter((line) => !before.includes(line))).toEqual([]);
  });
});

describe('mutators on real-world Dockerfiles', () => {
  it('never throw, and each mutant is a changed Dockerfile that still parses', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const corpus = path.join(import.meta.dirname, '..', 'fixtures', 'dockerfiles', 'corpus');
    let mutants = 0;
    for (const name of (await readdir(corpus)).filter((file) => file.endsWith('.Dockerfile'))) {
      const source = await readFile(path.join(corpus, name), 'utf8');
      for (const candidate of MUTATORS) {
        for (const mutation of candidate.mutate(dockerfileInput(source))) {
          const text = mutation.files.Dockerfile!;
          expect(text, `${name}: ${mutation.label}`).not.toBe(source);
          expect(DockerfileModel.parse('Dockerfile', text).stages.length, `${name}: ${mutation.label}`).toBeGreaterThan(0);
          mutants += 1;
        }
      }
    }
    expect(mutants).toBeGreaterThan(20);
  });
});
