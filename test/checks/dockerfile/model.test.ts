import { describe, expect, it } from 'vitest';
import { copyOperands, normaliseSourcePath, runCommand, stagesUsedByFinal } from '../../../src/checks/dockerfile/operands.js';
import { dockerfile, staticContext } from './helpers.js';

describe('DockerfileModel parsing traps', () => {
  it('ignores comments, handles lowercase keywords, CRLF and a BOM', () => {
    const { dockerfile: model } = staticContext(dockerfile(
      ['# FROM composer:2 AS builder', 'from composer:2 as Builder', 'run apk add \\', '  composer install', 'FROM php:8.2-fpm-alpine'],
      { crlf: true, bom: true },
    ));
    expect(model.stages.map((stage) => [stage.name, stage.from, stage.line])).toEqual([
      ['builder', 'composer:2', 2],
      [null, 'php:8.2-fpm-alpine', 5],
    ]);
    const run = model.stages[0]!.instructions[0]!;
    expect(runCommand(run)).toMatch(/^apk add\s+composer install$/);
  });

  it('reads COPY operands in shell and exec form, with flags in any order', () => {
    const { dockerfile: model } = staticContext(dockerfile([
      'FROM php:8.2-fpm-alpine',
      'COPY --chown=www-data --from=builder /app/vendor /app/vendor',
      'COPY --from=builder ["/a", "/b", "/dest/"]',
    ]));
    const [first, second] = model.finalStage!.instructions;
    expect(copyOperands(first!)).toEqual({ sources: ['/app/vendor'], destination: '/app/vendor', heredocs: [] });
    expect(copyOperands(second!)).toEqual({ sources: ['/a', '/b'], destination: '/dest/', heredocs: [] });
  });

  it('normalises source paths', () => {
    expect(normaliseSourcePath('/app/vendor/')).toBe('/app/vendor');
    expect(normaliseSourcePath('./app//vendor')).toBe('/app/vendor');
    expect(normaliseSourcePath('.')).toBe('/');
  });

  it('finds the stages whose results reach the final image', () => {
    const { dockerfile: model } = staticContext(dockerfile([
      'FROM alpine AS unused',
      'FROM composer:2 AS deps',
      'FROM deps AS builder',
      'FROM php:8.2-fpm-alpine',
      'COPY --from=builder /app/vendor /app/vendor',
    ]));
    expect([...stagesUsedByFinal(model)].map((stage) => stage.index).sort()).toEqual([1, 2, 3]);
  });
});
