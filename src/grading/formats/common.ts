import path from 'node:path';
import type { SourceLocation } from '../../checks/location.js';
import { safeText } from '../../text/safe.js';
import type { CheckResult, VerifyResult } from '../result.js';

/**
 * How each report reads a check's status. `advice` (a passing check with a note, no points lost) is
 * a status another part of Shipshape may add: reports treat it as a pass that carries its message.
 */
export type Outcome = 'pass' | 'advice' | 'fail' | 'skip';

export function outcomeOf(check: CheckResult): Outcome {
  const status = check.status as string;
  if (status === 'pass' || status === 'fail' || status === 'skip' || status === 'advice') return status;
  return 'fail';
}

/** The check's message and hint, cleaned of control characters and bounded: learner text reaches these reports. */
export function explanation(check: CheckResult, limit = 4000): string {
  const parts = [safeText(check.message, limit)];
  if (check.hint && outcomeOf(check) !== 'pass') parts.push(`Hint: ${safeText(check.hint, 1000)}`);
  return parts.join('\n');
}

export function checkName(check: CheckResult): string {
  return safeText(`${check.id}: ${check.title}`, 200);
}

/**
 * A location's file as the CI platform names it: relative to `root` (the repository checkout, e.g.
 * $GITHUB_WORKSPACE) when the workspace lies inside it, else relative to the workspace.
 */
export function locatedFile(result: VerifyResult, location: SourceLocation, root?: string): string {
  const absolute = path.resolve(result.workspace, location.file);
  const base = root ? path.resolve(root) : result.workspace;
  const relative = path.relative(base, absolute);
  const inside = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  return (inside ? relative : location.file).split(path.sep).join('/');
}

/** Provenance as name/value pairs, for formats whose metadata is flat (JUnit properties, summaries). */
export function provenancePairs(result: VerifyResult): Array<[string, string]> {
  const p = result.provenance;
  const pairs: Array<[string, string]> = [
    ['shipshape.version', p?.shipshape.version ?? 'unknown'],
    ['engine.version', p?.engine.serverVersion ?? result.engine?.serverVersion ?? 'unknown'],
    ['engine.apiVersion', p?.engine.apiVersion ?? result.engine?.apiVersion ?? 'unknown'],
    ['engine.platform', `${p?.engine.os ?? result.engine?.os ?? '?'}/${p?.engine.architecture ?? result.engine?.architecture ?? '?'}`],
    ['engine.storageDriver', p?.engine.storageDriver ?? 'unknown'],
    ['engine.imageStore', p?.engine.imageStore ?? 'unknown'],
    ['builder', p?.builder ?? result.build?.builder ?? 'none'],
  ];
  for (const image of p?.baseImages ?? []) {
    pairs.push([`baseImage.${image.ref}`, [image.id ?? 'not on the engine', ...image.repoDigests].join(' ')]);
  }
  return pairs;
}
