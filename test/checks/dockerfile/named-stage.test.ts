import { describe, expect, it } from 'vitest';
import { namedStage } from '../../../src/checks/dockerfile/named-stage.js';
import { dockerfile, runStatic } from './helpers.js';

describe('dockerfile.named-stage', () => {
  it('passes when a stage is named and starts from the expected image', async () => {
    const result = await runStatic(namedStage, { name: 'builder', from: 'composer:2' }, dockerfile([
      'FROM composer:2 AS builder',
      'RUN composer install',
      'FROM php:8.2-fpm-alpine',
    ]));
    expect(result.status).toBe('pass');
    expect(result.message).toContain('stage 1 "builder" at line 1');
    expect(result.message).toContain('composer:2');
  });

  it('ignores a commented-out FROM … AS builder', async () => {
    const result = await runStatic(namedStage, { name: 'builder' }, dockerfile([
      '# FROM composer:2 AS builder',
      'FROM php:8.2-fpm-alpine',
      'RUN echo "AS builder"',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('no stage is named "builder"');
    expect(result.message).toContain('stage 1 at line 2 (FROM php:8.2-fpm-alpine)');
  });

  it('accepts lowercase from/as and a mixed-case name, with CRLF endings and a BOM', async () => {
    const result = await runStatic(namedStage, { name: 'builder', from: 'composer:2' }, dockerfile(
      ['from composer:2 as Builder', 'run composer install', 'from php:8.2-fpm-alpine'],
      { crlf: true, bom: true },
    ));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toContain('at line 1');
  });

  it('fails when the stage starts from another image, naming the line', async () => {
    const result = await runStatic(namedStage, { name: 'builder', from: 'composer:2' }, dockerfile([
      'FROM php:8.2-cli AS builder',
      'FROM php:8.2-fpm-alpine',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toBe('stage 1 "builder" at line 1 is named "builder" but starts from php:8.2-cli; expected an image matching "composer:2"');
  });

  it('resolves FROM <stage> chains to the external image', async () => {
    const result = await runStatic(namedStage, { name: 'builder', from: 'composer:*' }, dockerfile([
      'FROM composer:2 AS base',
      'FROM base AS builder',
      'FROM php:8.2-fpm-alpine',
    ]));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toContain('(through FROM base)');
  });

  it('expands ARGs declared before the first FROM', async () => {
    const result = await runStatic(namedStage, { name: 'builder', from: 'composer:2' }, dockerfile([
      'ARG COMPOSER_VERSION=2',
      'FROM composer:${COMPOSER_VERSION} AS builder',
      'FROM php:8.2-fpm-alpine',
    ]));
    expect(result.status, result.message).toBe('pass');
  });

  it('fails on duplicate stage names', async () => {
    const result = await runStatic(namedStage, { name: 'builder' }, dockerfile([
      'FROM composer:2 AS builder',
      'FROM node:20 AS BUILDER',
      'FROM php:8.2-fpm-alpine',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('lines 1, 2');
  });

  it('does not require the named stage to be non-final', async () => {
    const result = await runStatic(namedStage, { name: 'app' }, dockerfile(['FROM php:8.2-fpm-alpine AS app']));
    expect(result.status).toBe('pass');
  });

  it('rejects invalid params', () => {
    expect(() => namedStage.params.parse({ name: '' })).toThrow();
    expect(namedStage.params.parse(namedStage.example)).toEqual({ name: 'builder', from: 'composer:2' });
  });
});
