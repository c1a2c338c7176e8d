import { describe, expect, it } from 'vitest';
import { copyFromStage } from '../../../src/checks/dockerfile/copy-from-stage.js';
import { dockerfile, runStatic } from './helpers.js';

const params = { stage: 'builder', source: '/app/vendor' };
const builder = ['FROM composer:2 AS builder', 'WORKDIR /app', 'RUN composer install'];

describe('dockerfile.copy-from-stage', () => {
  it('passes on COPY --from=builder /app/vendor', async () => {
    const result = await runStatic(copyFromStage, params, dockerfile([...builder, 'FROM php:8.2-fpm-alpine', 'COPY --from=builder /app/vendor /app/vendor']));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe(
      'stage 2 (final) at line 4 copies /app/vendor from stage 1 "builder" at line 1 (line 5: COPY --from=builder /app/vendor /app/vendor)',
    );
  });

  it('counts --from after another flag such as --chown, and a trailing slash', async () => {
    const result = await runStatic(copyFromStage, params, dockerfile([
      ...builder,
      'FROM php:8.2-fpm-alpine',
      'COPY --chown=www-data --from=builder /app/vendor/ /app/vendor',
    ]));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toContain('line 5');
  });

  it('accepts the stage by numeric index, exec form, a path under the source, and a mixed-case name', async () => {
    const byIndex = await runStatic(copyFromStage, params, dockerfile([...builder, 'FROM php:8.2-fpm-alpine', 'COPY --from=0 ["/app/vendor", "/app/vendor"]']));
    expect(byIndex.status, byIndex.message).toBe('pass');
    const under = await runStatic(copyFromStage, params, dockerfile([
      'from composer:2 as Builder',
      'from php:8.2-fpm-alpine',
      'copy --from=BUILDER /app/vendor/autoload.php /app/vendor/autoload.php',
    ]));
    expect(under.status, under.message).toBe('pass');
  });

  it('does not accept a parent directory or a sibling path', async () => {
    const parent = await runStatic(copyFromStage, params, dockerfile([...builder, 'FROM php:8.2-fpm-alpine', 'COPY --from=builder /app /app']));
    expect(parent.status).toBe('fail');
    expect(parent.message).toBe('stage 2 (final) at line 4 copies from "builder" but not /app/vendor: line 5 copies /app');
    const sibling = await runStatic(copyFromStage, params, dockerfile([...builder, 'FROM php:8.2-fpm-alpine', 'COPY --from=builder /app/vendor-bin /x']));
    expect(sibling.status).toBe('fail');
  });

  it('fails when the final stage has no COPY --from=builder, listing the other --from copies', async () => {
    const result = await runStatic(copyFromStage, params, dockerfile([
      ...builder,
      'FROM php:8.2-fpm-alpine',
      'COPY --from=composer:2 /usr/bin/composer /usr/bin/composer',
      '# COPY --from=builder /app/vendor /app/vendor',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('stage 2 (final) at line 4 has no COPY --from=builder (found COPY --from=composer:2 at line 5)');
  });

  it('fails when the named stage does not exist', async () => {
    const result = await runStatic(copyFromStage, params, dockerfile([
      '# FROM composer:2 AS builder',
      'FROM php:8.2-fpm-alpine',
      'COPY --from=builder /app/vendor /app/vendor',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('no stage is named "builder", so COPY --from=builder at line 3 would pull an image called "builder"');
  });

  it('fails when the named stage is the final stage itself', async () => {
    const result = await runStatic(copyFromStage, params, dockerfile([
      'FROM composer:2 AS deps',
      'FROM php:8.2-fpm-alpine AS builder',
      'COPY --from=builder /app/vendor /app/vendor',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('stage "builder" is the final stage itself, stage 2 "builder" (final) at line 2');
  });

  it('explains that a relative --from source is read from the stage root, not its WORKDIR', async () => {
    const result = await runStatic(copyFromStage, params, dockerfile([...builder, 'FROM php:8.2-fpm-alpine', 'COPY --from=builder vendor /app/vendor']));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('COPY --from=builder at line 5 uses a relative source');
    expect(result.message).toContain('not its WORKDIR /app');
  });

  it('defaults into to final', () => {
    expect(copyFromStage.params.parse(copyFromStage.example)).toEqual({ stage: 'builder', source: '/app/vendor', into: 'final' });
  });
});
