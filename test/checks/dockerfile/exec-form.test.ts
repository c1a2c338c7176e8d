import { describe, expect, it } from 'vitest';
import { execForm } from '../../../src/checks/dockerfile/exec-form.js';
import { dockerfile, runStatic } from './helpers.js';

describe('dockerfile.exec-form', () => {
  it('passes a CMD in exec form', async () => {
    const result = await runStatic(execForm, { instruction: 'CMD' }, dockerfile(['FROM composer:2 AS builder', 'CMD php -v', 'FROM php:8.2-fpm-alpine', 'CMD ["php-fpm"]']));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe('CMD at line 4 in stage 2 (final) at line 3 uses exec form: ["php-fpm"]');
  });

  it('fails a shell-form CMD, naming the line', async () => {
    const result = await runStatic(execForm, { instruction: 'CMD' }, dockerfile(['FROM php:8.2-fpm-alpine', 'CMD php-fpm']));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('CMD at line 2 in stage 1 (the only stage) at line 1 is in shell form: CMD php-fpm');
  });

  it('judges only the last CMD, which overrides earlier ones', async () => {
    const result = await runStatic(execForm, { instruction: 'CMD' }, dockerfile(['FROM php:8.2-fpm-alpine', 'CMD ["php-fpm"]', 'CMD php-fpm -F']));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('CMD at line 3');
    expect(result.message).toContain('(it overrides the CMD at line 2)');
  });

  it('fails single-quoted pseudo-JSON, which Docker runs through a shell', async () => {
    const result = await runStatic(execForm, { instruction: 'ENTRYPOINT' }, dockerfile(["FROM php:8.2-fpm-alpine", "ENTRYPOINT ['docker-php-entrypoint']"]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('ENTRYPOINT at line 2');
    expect(result.message).toContain('not a valid JSON array');
  });

  it('accepts an exec-form ENTRYPOINT split over lines with CRLF and a BOM', async () => {
    const result = await runStatic(execForm, { instruction: 'ENTRYPOINT' }, dockerfile(
      ['FROM php:8.2-fpm-alpine', 'ENTRYPOINT ["docker-php-entrypoint", \\', '  "php-fpm"]'],
      { crlf: true, bom: true },
    ));
    expect(result.status, result.message).toBe('pass');
    expect(result.evidence).toMatchObject({ exec: ['docker-php-entrypoint', 'php-fpm'] });
  });

  it('fails a missing CMD unless allowInherited', async () => {
    const source = dockerfile(['FROM php:8.2-fpm-alpine', '# CMD ["php-fpm"]']);
    const strict = await runStatic(execForm, { instruction: 'CMD' }, source);
    expect(strict.status).toBe('fail');
    expect(strict.message).toContain("no CMD in the final stage, stage 1 (the only stage) at line 1; the base image's CMD (php:8.2-fpm-alpine) applies");
    const lenient = await runStatic(execForm, { instruction: 'CMD', allowInherited: true }, source);
    expect(lenient.status).toBe('pass');
    expect(lenient.message).toContain("the base image's CMD (php:8.2-fpm-alpine) is used");
  });

  it('follows a CMD declared in a stage the final stage is built FROM', async () => {
    const result = await runStatic(execForm, { instruction: 'CMD' }, dockerfile(['FROM php:8.2-fpm-alpine AS base', 'CMD ["php-fpm"]', 'FROM base']));
    expect(result.status).toBe('pass');
    expect(result.message).toContain('in stage 1 "base" at line 1, inherited by the final stage');
  });
});
