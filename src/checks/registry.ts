import type { CheckKind } from './kind.js';
import { stageCount } from './dockerfile/stage-count.js';

/** Every check kind the manifests may name. Adding a kind: one new file and one line here. */
export const CHECK_KINDS: readonly CheckKind[] = [
  stageCount,
] as unknown as readonly CheckKind[];

export function findCheckKind(kind: string): CheckKind | undefined {
  return CHECK_KINDS.find((candidate) => candidate.kind === kind);
}
