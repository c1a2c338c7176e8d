import { describe, expect, it } from 'vitest';
import { noCopyOf } from '../../../src/checks/dockerfile/no-copy-of.js';
import { dockerfile, runStatic } from './helpers.js';

const params = { pattern: '(^|/)composer(\\.phar)?$', description: 'the Composer binary' };

describe('dockerfile.no-copy-of', () => {
  it('fails on COPY --from=composer:2 /usr/bin/composer in the only stage, naming the line', async () => {
    const result = await runStatic(noCopyOf, params, dockerfile([
      'FROM php:8.2-fpm-alpine',
      'RUN apk add --no-cache git',
      'COPY --from=composer:2 /usr/bin/composer /usr/bin/composer',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain(
      'the Composer binary is copied into the final image: line 3 copies /usr/bin/composer from the image composer:2',
    );
    expect(result.message).toContain('stage 1 (the only stage) at line 1');
    expect(result.evidence).toMatchObject({ hits: [{ line: 3, source: '/usr/bin/composer' }] });
  });

  it('passes when Composer only lives in a build stage', async () => {
    const result = await runStatic(noCopyOf, params, dockerfile([
      'FROM composer:2 AS builder',
      'COPY composer.json composer.lock ./',
      'FROM php:8.2-fpm-alpine',
      'COPY --from=builder /app/vendor /app/vendor',
      '# COPY --from=composer:2 /usr/bin/composer /usr/bin/composer',
    ]));
    expect(result.status, result.message).toBe('pass');
  });

  it('catches copies from another stage, the build context, and ADD by URL', async () => {
    const result = await runStatic(noCopyOf, params, dockerfile([
      'FROM composer:2 AS tools',
      'FROM php:8.2-fpm-alpine',
      'COPY --chown=www-data --from=tools /usr/bin/composer /usr/local/bin/',
      'COPY ./composer.phar /usr/local/bin/composer',
      'ADD https://getcomposer.org/download/latest-stable/composer.phar /usr/local/bin/composer',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('line 3 copies /usr/bin/composer from stage 1 "tools" at line 1');
    expect(result.message).toContain('line 4 copies ./composer.phar from the build context');
    expect(result.message).toContain('line 5 copies https://getcomposer.org/download/latest-stable/composer.phar downloaded by URL');
  });

  it('does not match composer.json or composer.lock', async () => {
    const result = await runStatic(noCopyOf, params, dockerfile([
      'FROM php:8.2-fpm-alpine',
      'COPY composer.json composer.lock ./',
      'COPY ["composer.json", "./"]',
    ]));
    expect(result.status, result.message).toBe('pass');
  });

  it('also looks at a stage the final stage is built FROM', async () => {
    const result = await runStatic(noCopyOf, params, dockerfile(
      ['FROM php:8.2-fpm-alpine AS base', 'COPY --from=composer:2 /usr/bin/composer /usr/bin/composer', 'FROM base'],
      { crlf: true },
    ));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('line 2 copies /usr/bin/composer from the image composer:2');
    expect(result.message).toContain('stage 1 "base" at line 1, which the final stage is built FROM');
  });
});
