import { describe, expect, it } from 'vitest';
import { globToRegExp, matchesGlob, matchesImageRef, shortImageRef } from '../../../src/checks/dockerfile/glob.js';

describe('glob', () => {
  it('* matches any run of characters, including none', () => {
    expect(matchesGlob('php:*-fpm*', 'php:8.2-fpm-alpine')).toBe(true);
    expect(matchesGlob('php:*-fpm*', 'php:8.2-fpm')).toBe(true);
    expect(matchesGlob('php:*-fpm*', 'php:-fpm')).toBe(true);
    expect(matchesGlob('node:*', 'node:20/x')).toBe(true);
  });

  it('anchors both ends and treats everything else literally', () => {
    expect(matchesGlob('composer:2', 'composer:2')).toBe(true);
    expect(matchesGlob('composer:2', 'composer:2.7')).toBe(false);
    expect(matchesGlob('composer:2', 'mycomposer:2')).toBe(false);
    expect(matchesGlob('php:8.2', 'php:8x2')).toBe(false);
    expect(matchesGlob('a+b(c)', 'a+b(c)')).toBe(true);
    expect(matchesGlob('php:*-fpm*', 'php:8.2-cli')).toBe(false);
    expect(globToRegExp('a*b').source).toBe('^a.*b$');
  });

  it('accepts an implicit docker.io/library/ prefix on either side', () => {
    expect(matchesImageRef('php:*-fpm*', 'docker.io/library/php:8.2-fpm')).toBe(true);
    expect(matchesImageRef('php:*-fpm*', 'library/php:8.2-fpm')).toBe(true);
    expect(matchesImageRef('docker.io/library/php:*', 'php:8.2')).toBe(true);
    expect(matchesImageRef('php:*-fpm*', 'ghcr.io/acme/php:8.2-fpm')).toBe(false);
    expect(shortImageRef('docker.io/library/composer:2')).toBe('composer:2');
    expect(shortImageRef('ghcr.io/library/x')).toBe('ghcr.io/library/x');
  });
});
