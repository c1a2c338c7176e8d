import { describe, expect, it } from 'vitest';
import { commandOnlyInBuildStages } from '../../../src/checks/dockerfile/command-only-in-build-stages.js';
import { dockerfile, runStatic } from './helpers.js';

const params = { pattern: '\\bcomposer\\s+install\\b', description: 'composer install' };

describe('dockerfile.command-only-in-build-stages', () => {
  it('passes when the command runs only in a build stage the final stage copies from', async () => {
    const result = await runStatic(commandOnlyInBuildStages, params, dockerfile([
      'FROM composer:2 AS builder',
      'WORKDIR /app',
      'RUN composer install --no-dev',
      'FROM php:8.2-fpm-alpine',
      'COPY --from=builder /app/vendor /app/vendor',
    ]));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe('`composer install` runs in build stage 1 "builder" at line 1 (line 3) and not in the final stage');
  });

  it('fails when the command runs in the final stage, naming every line', async () => {
    const result = await runStatic(commandOnlyInBuildStages, params, dockerfile([
      'FROM composer:2 AS builder',
      'RUN composer install',
      'FROM php:8.2-fpm-alpine',
      'COPY --from=builder /app/vendor /app/vendor',
      'RUN composer install --no-dev',
      'RUN ["composer", "install"]',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('`composer install` runs in the final stage at lines 5, 6');
    expect(result.message).toContain('stage 2 (final) at line 3');
  });

  it('fails with "runs nowhere" when no RUN matches (comments do not count)', async () => {
    const result = await runStatic(commandOnlyInBuildStages, params, dockerfile([
      'FROM composer:2 AS builder',
      '# RUN composer install',
      'RUN echo composer-install',
      'FROM php:8.2-fpm-alpine',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toBe('`composer install` runs nowhere; it belongs in a build stage');
  });

  it('sees a command split by a line continuation, with CRLF endings and a BOM', async () => {
    const source = dockerfile(
      ['FROM php:8.2-fpm-alpine', 'RUN apk add git && \\', '    composer install --no-dev', 'CMD ["php-fpm"]'],
      { crlf: true, bom: true },
    );
    const result = await runStatic(commandOnlyInBuildStages, params, source);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('`composer install` runs in the final stage at line 2, in stage 1 (the only stage) at line 1');
  });

  it('matches exec-form RUN and RUN with --mount flags', async () => {
    const result = await runStatic(commandOnlyInBuildStages, params, dockerfile([
      'FROM composer:2 AS builder',
      'RUN --mount=type=cache,target=/tmp/cache ["composer", "install"]',
      'FROM php:8.2-fpm-alpine',
      'RUN --mount=type=bind,from=builder,source=/app/vendor,target=/mnt cp -r /mnt /app/vendor',
    ]));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toContain('(line 2)');
  });

  it('fails when the only match is in a stage the final stage is built FROM', async () => {
    const result = await runStatic(commandOnlyInBuildStages, params, dockerfile([
      'FROM php:8.2-fpm-alpine AS base',
      'RUN composer install',
      'FROM base',
      'CMD ["php-fpm"]',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('runs at line 2 in stage 1 "base" at line 1, which the final stage builds on (FROM base at line 3)');
  });

  it('fails when the only match is in a stage the final image never uses', async () => {
    const result = await runStatic(commandOnlyInBuildStages, params, dockerfile([
      'FROM composer:2 AS builder',
      'RUN composer install',
      'FROM php:8.2-fpm-alpine',
      'COPY . .',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('runs only in stage 1 "builder" at line 1 (line 2), which the final stage never uses');
  });

  it('rejects an invalid regular expression', () => {
    expect(() => commandOnlyInBuildStages.params.parse({ pattern: '(', description: 'x' })).toThrow(/regular expression/);
  });
});
