import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DockerfileModel } from '../../src/checks/dockerfile/model.js';
import { atBiggestLayer, atBuildStep, atCreatedBy, atFinalStage, atKeywordOrFinalStage, atLine, relativeTo } from '../../src/checks/location.js';
import { ROOT } from '../support/cli.js';

const STARTER = path.join(ROOT, 'challenges', 'docker-missing-multistage', 'starter', 'Dockerfile');
const SOLUTION = path.join(ROOT, 'challenges', 'docker-missing-multistage', 'solution', 'Dockerfile');
const model = async (file: string) => DockerfileModel.parse(file, await readFile(file, 'utf8'));

describe('verdict locations', () => {
  it('a missing instruction points at the final stage FROM; an existing one at itself, whole', async () => {
    const starter = await model(STARTER);
    expect(atFinalStage(starter)).toMatchObject({ file: STARTER, line: 4, column: 1, endLine: 4 });
    expect(atKeywordOrFinalStage(starter, 'HEALTHCHECK').line).toBe(4);
    const solution = await model(SOLUTION);
    expect(atKeywordOrFinalStage(solution, 'HEALTHCHECK').line).toBe(24);
    expect(atFinalStage(solution).line).toBe(16);
    expect(relativeTo(atFinalStage(solution), path.dirname(SOLUTION)).file).toBe('Dockerfile');
  });

  it('finds the instruction behind a docker history entry, classic and BuildKit', async () => {
    const starter = await model(STARTER);
    expect(atCreatedBy(starter, '/bin/sh -c apk add --no-cache git unzip $PHPIZE_DEPS postgresql-dev')?.line).toBe(7);
    expect(atCreatedBy(starter, 'RUN /bin/sh -c composer install --no-dev --no-interaction --prefer-dist --optimize-autoloader # buildkit')?.line).toBe(15);
    expect(atCreatedBy(starter, `/bin/sh -c #(nop) COPY file:${'a'.repeat(64)} in /usr/bin/composer `)?.line).toBe(10);
    expect(atCreatedBy(starter, '/bin/sh -c #(nop) COPY dir:abc in . ')?.line).toBe(17);
    // The shortened summaries of the size checks ("RUN apk add …").
    expect(atBiggestLayer(starter, { largestLayers: [{ instruction: 'RUN apk add --no-cache git unzip $PHPIZE_…', bytes: 1 }] })?.line).toBe(7);
    expect(atBiggestLayer(starter, { top: [{ addedBy: 'COPY file:… in /usr/bin/composer' }] })?.line).toBe(10);
    expect(atCreatedBy(starter, '/bin/sh -c echo nothing like it')).toBeNull();
  });

  it('finds the failing build step by its text (classic and BuildKit) or its number', async () => {
    const starter = await model(STARTER);
    expect(atBuildStep(starter, 'Step 6/9 : RUN composer install --no-dev --no-interaction --prefer-dist --optimize-autoloader')?.line).toBe(15);
    expect(atBuildStep(starter, '[5/7] RUN composer install --no-dev --no-interaction --prefer-dist --optimize-autoloader')?.line).toBe(15);
    expect(atBuildStep(starter, 'Step 2/9 : something the parser reads differently')?.line).toBe(7);
    expect(atBuildStep(starter, null)).toBeNull();
    expect(atLine(starter, 15)).toMatchObject({ line: 15, column: 1 });
  });
});

describe('compose locations', () => {
  it("a compose check points at its service's key, else the file's first line", async () => {
    const { ComposeModel } = await import('../../src/checks/compose/model.js');
    const { defaultLocation } = await import('../../src/checks/location.js');
    const source = 'services:\n  web:\n    image: nginx:alpine\n  db:\n    image: postgres:16-alpine\n';
    const compose = ComposeModel.from('/ws/compose.yaml', source, { services: { web: {}, db: {} } });
    expect(defaultLocation({ compose }, { service: 'db' })).toEqual({ file: '/ws/compose.yaml', line: 4, column: 1 });
    expect(defaultLocation({ compose }, {})).toMatchObject({ line: 1 });
  });
});

describe("the kinds' own locate()", () => {
  const source = [
    'FROM node:20-alpine AS build', // 1
    'RUN npm ci', // 2
    'FROM node:20-alpine', // 3
    'USER root', // 4
    'COPY --from=build /app /app', // 5
    'CMD node server.js', // 6
    '',
  ].join('\n');
  const dockerfile = DockerfileModel.parse('/ws/Dockerfile', source);
  const base = { dockerfile, workspaceDir: '/ws' };

  it('points USER, CMD, failing build steps, targets and history entries at their instruction', async () => {
    const { imageConfig } = await import('../../src/checks/image/config.js');
    const { execForm } = await import('../../src/checks/dockerfile/exec-form.js');
    const { buildSucceeds } = await import('../../src/checks/build/succeeds.js');
    const { buildTarget } = await import('../../src/checks/image/target.js');
    const { historyNo } = await import('../../src/checks/image/history-no.js');
    const verdict = (message: string, evidence?: Record<string, unknown>) => ({ status: 'fail' as const, message, evidence });
    expect(imageConfig.locate!({ nonRootUser: true } as never, base as never, verdict('the image runs as root (USER is root)'))?.line).toBe(4);
    expect(imageConfig.locate!({ cmdExecForm: true } as never, base as never, verdict('CMD is in shell form'))?.line).toBe(6);
    const execVerdict = await execForm.run(execForm.params.parse({ instruction: 'CMD' }), base as never);
    expect(execForm.locate!(execForm.params.parse({ instruction: 'CMD' }), base as never, execVerdict)?.line).toBe(6);
    const build = { imageId: null, failure: { step: 'Step 2/6 : RUN npm ci', message: 'exit 1', lastLines: [] }, durationMs: 1, steps: 6, stepLog: [] };
    expect(buildSucceeds.locate!({}, { ...base, build } as never, verdict('build failed'))?.line).toBe(2);
    expect(buildTarget.locate!({ target: 'build' } as never, base as never, verdict('x'))?.line).toBe(1);
    expect(historyNo.locate!({} as never, base as never, verdict('x', { matching: [{ createdBy: '/bin/sh -c #(nop) COPY dir:abc in /app ' }] }))?.line).toBe(5);
  });
});
