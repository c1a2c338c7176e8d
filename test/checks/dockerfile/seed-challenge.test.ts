import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandOnlyInBuildStages } from '../../../src/checks/dockerfile/command-only-in-build-stages.js';
import { copyFromStage } from '../../../src/checks/dockerfile/copy-from-stage.js';
import { finalStageFrom } from '../../../src/checks/dockerfile/final-stage-from.js';
import { healthcheck } from '../../../src/checks/dockerfile/healthcheck.js';
import { namedStage } from '../../../src/checks/dockerfile/named-stage.js';
import { noCopyOf } from '../../../src/checks/dockerfile/no-copy-of.js';
import { stageCount } from '../../../src/checks/dockerfile/stage-count.js';
import type { CheckKind, Verdict } from '../../../src/checks/kind.js';
import { staticContext } from './helpers.js';

const STARTER = `FROM php:8.2-fpm-alpine
RUN apk add --no-cache git unzip $PHPIZE_DEPS postgresql-dev
COPY --from=composer:2 /usr/bin/composer /usr/bin/composer
WORKDIR /app
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-interaction --prefer-dist --optimize-autoloader
COPY . .
CMD ["php-fpm"]
`;

const SOLUTION = `FROM composer:2 AS builder
WORKDIR /app
COPY composer.json composer.lock ./
RUN composer install --no-dev --no-interaction --prefer-dist --optimize-autoloader --no-scripts
COPY src ./src
RUN composer dump-autoload --optimize --no-dev

FROM php:8.2-fpm-alpine
WORKDIR /app
COPY --from=builder /app/vendor /app/vendor
COPY . .
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 CMD ["php", "/app/healthcheck.php"]
CMD ["php-fpm"]
`;

const CHECKS: Array<{ kind: CheckKind; with: unknown; starterMessage: RegExp }> = [
  { kind: stageCount as unknown as CheckKind, with: { min: 2 }, starterMessage: /only 1 stage \(FROM at line 1\)/ },
  { kind: namedStage as unknown as CheckKind, with: { name: 'builder', from: 'composer:2' }, starterMessage: /no stage is named "builder"/ },
  {
    kind: commandOnlyInBuildStages as unknown as CheckKind,
    with: { pattern: '\\bcomposer\\s+install\\b', description: 'composer install' },
    starterMessage: /`composer install` runs in the final stage at line 6/,
  },
  { kind: finalStageFrom as unknown as CheckKind, with: { image: 'php:*-fpm*' }, starterMessage: /./ },
  { kind: copyFromStage as unknown as CheckKind, with: { stage: 'builder', source: '/app/vendor' }, starterMessage: /no stage is named "builder"/ },
  {
    kind: noCopyOf as unknown as CheckKind,
    with: { pattern: '(^|/)composer(\\.phar)?$', description: 'the Composer binary' },
    starterMessage: /line 3 copies \/usr\/bin\/composer from the image composer:2/,
  },
  { kind: healthcheck as unknown as CheckKind, with: {}, starterMessage: /no HEALTHCHECK in the final stage/ },
];

async function verdict(kind: CheckKind, params: unknown, source: string): Promise<Verdict> {
  return kind.run(kind.params.parse(params), staticContext(source));
}

describe('seed challenge: the starter fails and the solution passes', () => {
  it('the inline Dockerfiles are the fixture files', () => {
    const fixture = (name: string) => readFileSync(new URL(`../../fixtures/dockerfiles/${name}`, import.meta.url), 'utf8');
    expect(fixture('starter.Dockerfile')).toBe(STARTER);
    expect(fixture('solution.Dockerfile')).toBe(SOLUTION);
  });

  for (const check of CHECKS) {
    it(`${check.kind.kind} passes the solution`, async () => {
      const result = await verdict(check.kind, check.with, SOLUTION);
      expect(result.status, result.message).toBe('pass');
    });
  }

  for (const check of CHECKS.filter((candidate) => candidate.kind.kind !== 'dockerfile.final-stage-from')) {
    it(`${check.kind.kind} fails the starter`, async () => {
      const result = await verdict(check.kind, check.with, STARTER);
      expect(result.status, result.message).toBe('fail');
      expect(result.message).toMatch(check.starterMessage);
    });
  }

  it('the starter as a whole fails (every check but the base image one)', async () => {
    const results = await Promise.all(CHECKS.map((check) => verdict(check.kind, check.with, STARTER)));
    expect(results.filter((result) => result.status === 'fail')).toHaveLength(CHECKS.length - 1);
    // The starter's only stage already starts from php:8.2-fpm-alpine, so this one check passes on it.
    expect(results[CHECKS.findIndex((check) => check.kind.kind === 'dockerfile.final-stage-from')]!.status).toBe('pass');
  });
});
