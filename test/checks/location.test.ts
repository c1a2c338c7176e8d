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
