import { describe, expect, it } from 'vitest';
import { healthcheck } from '../../../src/checks/dockerfile/healthcheck.js';
import { dockerfile, runStatic } from './helpers.js';

const app = (...lines: string[]) => dockerfile(['FROM composer:2 AS builder', 'FROM php:8.2-fpm-alpine', ...lines, 'CMD ["php-fpm"]']);

describe('dockerfile.healthcheck', () => {
  it('passes one meaningful HEALTHCHECK and reports its flags', async () => {
    const result = await runStatic(healthcheck, {}, app(
      'HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD ["php", "/app/healthcheck.php"]',
    ));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe(
      'HEALTHCHECK at line 3 in stage 2 (final) at line 2 tests ["php","/app/healthcheck.php"] with --interval=30s --timeout=3s --start-period=5s --retries=3',
    );
    expect(result.evidence).toMatchObject({
      line: 3,
      test: ['CMD', 'php', '/app/healthcheck.php'],
      flags: { interval: '30s', timeout: '3s', 'start-period': '5s', retries: '3' },
    });
  });

  it('shows engine defaults for flags left out, and accepts shell form split over lines', async () => {
    const result = await runStatic(healthcheck, {}, dockerfile(
      ['FROM php:8.2-fpm-alpine', 'HEALTHCHECK --timeout=3s \\', '  CMD php-fpm-healthcheck || exit 1'],
      { crlf: true, bom: true },
    ));
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toContain('line 2');
    expect(result.message).toContain('--interval=30s (default) --timeout=3s --start-period=0s (default) --retries=3 (default)');
    expect(result.evidence).toMatchObject({ test: ['CMD-SHELL', 'php-fpm-healthcheck || exit 1'] });
  });

  it('fails with no HEALTHCHECK, ignoring a commented one', async () => {
    const result = await runStatic(healthcheck, {}, app('# HEALTHCHECK CMD php /app/healthcheck.php'));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('no HEALTHCHECK in the final stage, stage 2 (final) at line 2');
  });

  it('fails when a HEALTHCHECK exists only in a build stage', async () => {
    const result = await runStatic(healthcheck, {}, dockerfile([
      'FROM composer:2 AS builder',
      'HEALTHCHECK CMD php -v',
      'FROM php:8.2-fpm-alpine',
    ]));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('no HEALTHCHECK in the final stage');
  });

  it('fails on two HEALTHCHECKs, naming both lines and saying only the last applies', async () => {
    const result = await runStatic(healthcheck, {}, app('HEALTHCHECK CMD php -v', 'HEALTHCHECK CMD php /app/healthcheck.php'));
    expect(result.status).toBe('fail');
    expect(result.message).toBe(
      '2 HEALTHCHECK instructions in stage 2 (final) at line 2, at lines 3, 4; only the last one (line 4) takes effect, so keep exactly one',
    );
  });

  it('fails on HEALTHCHECK NONE', async () => {
    const result = await runStatic(healthcheck, {}, app('HEALTHCHECK NONE'));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('HEALTHCHECK at line 3');
    expect(result.message).toContain('HEALTHCHECK NONE, which disables health checking');
  });

  it.each([
    ['HEALTHCHECK CMD true', '`true` always succeeds'],
    ['HEALTHCHECK CMD exit 0', '`exit 0` always succeeds'],
    ['HEALTHCHECK CMD ["/bin/true"]', '`/bin/true` always succeeds'],
    ['HEALTHCHECK CMD echo ok', '`echo ok` always succeeds'],
    ['HEALTHCHECK CMD :', '`:` always succeeds'],
    ['HEALTHCHECK CMD ["sh", "-c", "echo healthy"]', '`echo healthy` always succeeds'],
    ['HEALTHCHECK CMD curl -f http://localhost/ || true', 'ends with `|| true`'],
    ['HEALTHCHECK CMD curl -f http://localhost/ || exit 0', 'ends with `|| exit 0`'],
  ])('fails a trivial test: %s', async (line, expected) => {
    const result = await runStatic(healthcheck, {}, app(line));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('HEALTHCHECK at line 3');
    expect(result.message).toContain(expected);
  });

  it('lets a trivial test pass when requireMeaningful is false', async () => {
    const result = await runStatic(healthcheck, { requireMeaningful: false }, app('HEALTHCHECK CMD true'));
    expect(result.status).toBe('pass');
  });

  it('does not mistake `echo x && real check` for a lone echo', async () => {
    const result = await runStatic(healthcheck, {}, app('HEALTHCHECK CMD echo probing && php /app/healthcheck.php'));
    expect(result.status, result.message).toBe('pass');
  });

  it('fails --start-interval as unsupported by older engines', async () => {
    const result = await runStatic(healthcheck, {}, app('HEALTHCHECK --interval=10s --start-interval=1s CMD php /app/healthcheck.php'));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('HEALTHCHECK at line 3');
    expect(result.message).toContain('--start-interval=1s');
    expect(result.message).toContain('Docker 20.10');
    expect(result.evidence).toMatchObject({ flags: { interval: '10s', 'start-interval': '1s' } });
  });

  it('fails a duration without a unit and a non-numeric retries', async () => {
    const interval = await runStatic(healthcheck, {}, app('HEALTHCHECK --interval=30 CMD php -v'));
    expect(interval.status).toBe('fail');
    expect(interval.message).toContain('--interval=30; expected a duration with a unit');
    const retries = await runStatic(healthcheck, {}, app('HEALTHCHECK --retries=three CMD php -v'));
    expect(retries.status).toBe('fail');
    expect(retries.message).toContain('--retries=three; expected a whole number');
  });

  it('fails a HEALTHCHECK without CMD', async () => {
    const result = await runStatic(healthcheck, {}, app('HEALTHCHECK php -v'));
    expect(result.status).toBe('fail');
    expect(result.message).toContain('must be followed by CMD');
  });
});
