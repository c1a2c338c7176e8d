import { describe, expect, it } from 'vitest';
import { finalStageFrom } from '../../../src/checks/dockerfile/final-stage-from.js';
import { dockerfile, runStatic } from './helpers.js';

describe('dockerfile.final-stage-from', () => {
  it('passes when the final stage starts from a matching image', async () => {
    const result = await runStatic(finalStageFrom, { image: 'php:*-fpm*' }, dockerfile([
      'FROM composer:2 AS builder',
      'FROM php:8.2-fpm-alpine',
    ]));
    expect(result.status).toBe('pass');
    expect(result.message).toBe('stage 2 (final) at line 2 starts from php:8.2-fpm-alpine, matching "php:*-fpm*"');
  });

  it('accepts an explicit docker.io/library/ prefix', async () => {
    const result = await runStatic(finalStageFrom, { image: 'php:*-fpm*' }, dockerfile(['FROM docker.io/library/php:8.2-fpm']));
    expect(result.status).toBe('pass');
  });

  it('fails when the final stage starts from another image, naming its line', async () => {
    const result = await runStatic(finalStageFrom, { image: 'php:*-fpm*' }, dockerfile([
      'FROM php:8.2-fpm-alpine AS app',
      '# FROM php:8.2-fpm-alpine',
      'FROM composer:2',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toBe('stage 2 (final) at line 3 starts from composer:2; expected an image matching "php:*-fpm*"');
  });

  it('follows FROM <stage> back to the external image', async () => {
    const pass = await runStatic(finalStageFrom, { image: 'php:*-fpm*' }, dockerfile([
      'FROM php:8.2-fpm-alpine AS base',
      'FROM base',
    ]));
    expect(pass.status).toBe('pass');
    expect(pass.message).toContain('(through FROM base)');
    const failing = await runStatic(finalStageFrom, { image: 'php:*-fpm*' }, dockerfile(['FROM php:8.2-cli AS base', 'FROM base']));
    expect(failing.status).toBe('fail');
    expect(failing.message).toContain('stage 2 (final) at line 2 starts from php:8.2-cli (through FROM base)');
  });

  it('fails an empty Dockerfile', async () => {
    const result = await runStatic(finalStageFrom, { image: 'php:*' }, '# nothing\n');
    expect(result.status).toBe('fail');
    expect(result.message).toContain('no FROM instruction');
  });
});
