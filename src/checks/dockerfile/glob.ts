/**
 * Glob matching for image references: `*` matches any run of characters (including none),
 * every other character matches itself. Used by kinds whose params name an image, e.g. "php:*-fpm*".
 */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 's');
}

export function matchesGlob(pattern: string, value: string): boolean {
  return globToRegExp(pattern).test(value);
}

const IMPLICIT_PREFIXES = ['docker.io/library/', 'index.docker.io/library/', 'registry-1.docker.io/library/', 'library/'];

/** `docker.io/library/php:8.2` → `php:8.2`: the short form Docker Hub official images are usually written in. */
export function shortImageRef(ref: string): string {
  for (const prefix of IMPLICIT_PREFIXES) {
    if (ref.toLowerCase().startsWith(prefix)) return ref.slice(prefix.length);
  }
  return ref;
}

/**
 * True when an image reference matches the glob as written, or once an implicit
 * `docker.io/library/` prefix is dropped from either side.
 */
export function matchesImageRef(pattern: string, ref: string): boolean {
  return matchesGlob(pattern, ref) || matchesGlob(shortImageRef(pattern), shortImageRef(ref));
}
