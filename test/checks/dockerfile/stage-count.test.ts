import { describe, expect, it } from 'vitest';
import { stageCount } from '../../../src/checks/dockerfile/stage-count.js';
import { dockerfile, runStatic } from './helpers.js';

describe('dockerfile.stage-count', () => {
  it('passes with at least `min` stages, naming their lines', async () => {
    const verdict = await runStatic(stageCount, { min: 2 }, dockerfile(['FROM composer:2 AS builder', 'RUN composer install', '', 'FROM php:8.2-fpm-alpine']));
    expect(verdict).toEqual({ status: 'pass', message: '2 stages (FROM at lines 1, 4)', evidence: { stages: 2 } });
  });

  it('fails with fewer, saying how many and where', async () => {
    const verdict = await runStatic(stageCount, { min: 2 }, dockerfile(['# one stage only', 'FROM php:8.2-fpm-alpine', 'RUN echo "FROM x AS y"']));
    expect(verdict).toEqual({ status: 'fail', message: 'only 1 stage (FROM at line 2); at least 2 expected', evidence: { stages: 1, min: 2 } });
  });

  it('fails a file with no FROM at all', async () => {
    expect(await runStatic(stageCount, { min: 1 }, dockerfile(['RUN true']))).toMatchObject({ status: 'fail', message: 'no FROM instruction found' });
  });

  it('min defaults to 2 and stays within 1..20', async () => {
    expect(await runStatic(stageCount, {}, dockerfile(['FROM a', 'FROM b']))).toMatchObject({ status: 'pass' });
    expect(stageCount.params.safeParse({ min: 0 }).success).toBe(false);
    expect(stageCount.params.safeParse({ min: 21 }).success).toBe(false);
  });
});
