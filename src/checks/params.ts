import { isDeepStrictEqual } from 'node:util';
import type { CheckKind } from './kind.js';
import { findCheckKind } from './registry.js';
import { loadZod } from './zod-api.js';

/** A manifest's check as far as its parameters go: the kind and its `with:` block as written. */
export interface CheckParamsSource {
  kind: string;
  with: Record<string, unknown>;
}

/**
 * Parameters already parsed by their kind's schema when the manifest was validated, by check entry.
 * Filled from the index of validated manifests (src/course/pack-index.ts), whose entries count only
 * for the same manifest text and the same build of Shipshape; a check not found here is parsed again.
 */
const validated = new WeakMap<CheckParamsSource, unknown>();

/** The parameters of `check` as its kind's schema gives them: remembered ones, else parsed (loading zod). */
export async function checkParams(kind: CheckKind, check: CheckParamsSource): Promise<unknown> {
  if (validated.has(check)) return structuredClone(validated.get(check));
  await loadZod();
  return kind.params.parse(check.with);
}

/**
 * Each check's parsed parameters, for the index: null for a check whose parsed value would not come
 * back the same from JSON (a kind whose schema gives a Date, a RegExp...), which is parsed at each run.
 * The manifest was validated (its kinds loaded): a `with:` its kind refuses is a bug here, and throws.
 */
export function parsedParamsOf(checks: readonly CheckParamsSource[]): Array<{ value: unknown } | null> {
  return checks.map((check) => {
    const kind = findCheckKind(check.kind);
    if (!kind) return null;
    const value = kind.params.parse(check.with);
    return isDeepStrictEqual(JSON.parse(JSON.stringify(value ?? null)), value) ? { value } : null;
  });
}

/** Remembers parameters read from the index for these check entries (same order as parsedParamsOf gave them). */
export function rememberParams(checks: readonly CheckParamsSource[], params: ReadonlyArray<{ value: unknown } | null>): void {
  checks.forEach((check, index) => {
    const known = params[index];
    if (known) validated.set(check, known.value);
  });
}
