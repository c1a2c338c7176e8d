import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerfileModel } from '../../../src/checks/dockerfile/model.js';
import { stagesUsedByFinal } from '../../../src/checks/dockerfile/operands.js';
import { dockerCli, dockerTestsEnabled, requireEngine, requireImages } from '../../support/engine.js';

/**
 * The static model against the real builders on this engine (Docker 20.10): which stages a build with
 * variables in FROM actually runs (BuildKit runs only the stages the target needs, and prints them),
 * and what the image ends up holding (the classic builder has no TARGETOS, so `build-$TARGETOS` is `build-`).
 */
/** In every RUN, so the classic builder's unlabelled stage images of this run can be found and removed. */
const TOKEN = `shipshape-agreement-${process.pid}-${Date.now()}`;

const DOCKERFILE = [
  'ARG FLAVOUR=alpine',
  'ARG SRC=build',
  'ARG QUOTED="${FLAVOUR}"',
  'FROM busybox:1.36 AS base-alpine',
  `RUN echo alpine > /flavour # ${TOKEN}`,
  'FROM busybox:1.36 AS base-debian',
  `RUN echo debian > /flavour # ${TOKEN}`,
  'FROM base-"${QUOTED}" AS build',
  `RUN echo built > /built # ${TOKEN}`,
  'FROM busybox:1.36 AS build-linux',
  `RUN echo linux > /os # ${TOKEN}`,
  'FROM busybox:1.36 AS build-',
  `RUN echo none > /os # ${TOKEN}`,
  'FROM build-$TARGETOS AS osstage',
  'FROM ${MISSING:-$SRC} AS copied',
  'FROM busybox:1.36',
  'COPY --from=copied /flavour /built /',
  'COPY --from=osstage /os /',
  '',
].join('\n');

const LABEL = `dev.shipshape.test=builder-agreement-${process.pid}`;

describe.runIf(dockerTestsEnabled)('FROM with variables: the model agrees with the real builders', { timeout: 300_000 }, () => {
  let dir: string;
  const images: string[] = [];

  beforeAll(async () => {
    requireEngine();
    requireImages('busybox:1.36');
    dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-agreement-'));
    await writeFile(path.join(dir, 'Dockerfile'), DOCKERFILE);
  });

  afterAll(async () => {
    // The classic builder keeps an untagged image per stage: those made from this Dockerfile go too.
    const all = await execa(dockerCli(), ['image', 'ls', '-a', '-q', '--no-trunc'], { reject: false });
    for (const id of new Set(String(all.stdout).split('\n').filter(Boolean))) {
      const history = await execa(dockerCli(), ['history', '--no-trunc', '--format', '{{.CreatedBy}}', id], { reject: false });
      if (String(history.stdout).includes(TOKEN)) images.push(id);
    }
    if (images.length > 0) await execa(dockerCli(), ['image', 'rm', '-f', ...images], { reject: false });
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Builds, returns the progress output and what the image holds (/flavour, /built, /os). */
  async function build(buildkit: boolean) {
    const iidfile = path.join(dir, `iid-${buildkit ? 'kit' : 'classic'}`);
    const built = await execa(dockerCli(), ['build', '--no-cache', '--progress=plain', '--label', LABEL, '--iidfile', iidfile, dir], {
      env: { DOCKER_BUILDKIT: buildkit ? '1' : '0' },
      all: true,
      reject: false,
    });
    expect(built.exitCode, String(built.all)).toBe(0);
    const image = (await readFile(iidfile, 'utf8')).trim();
    images.push(image);
    const run = await execa(dockerCli(), ['run', '--rm', '--network', 'none', '--label', LABEL, image, 'cat', '/flavour', '/built', '/os']);
    return { log: String(built.all), holds: run.stdout.split('\n') };
  }

  it('BuildKit runs exactly the stages the model says the final stage uses, and the image holds what they made', async () => {
    const model = DockerfileModel.parse('Dockerfile', DOCKERFILE, { builder: 'buildkit' });
    const used = [...stagesUsedByFinal(model)].filter((stage) => stage.instructions.some((instruction) => instruction.getKeyword() === 'RUN'));
    const { log, holds } = await build(true);
    // BuildKit names each step `[<stage> n/m] RUN ...`; the unused stages never appear.
    const ran = new Set([...log.matchAll(/\[([\w.-]+) \d+\/\d+\] RUN /g)].map((match) => match[1]));
    expect([...ran].sort()).toEqual(used.map((stage) => stage.name).sort());
    expect(holds).toEqual(['alpine', 'built', 'linux']);
    expect(model.stages.find((stage) => stage.name === 'osstage')!.parent!.name).toBe('build-linux');
  });

  it('the classic builder: no TARGETOS, so `build-$TARGETOS` is the stage named `build-`', async () => {
    const model = DockerfileModel.parse('Dockerfile', DOCKERFILE, { builder: 'classic' });
    expect(model.stages.find((stage) => stage.name === 'osstage')!.parent!.name).toBe('build-');
    const { holds } = await build(false);
    expect(holds).toEqual(['alpine', 'built', 'none']);
  });
});
