import type { Document } from 'yaml';
import type { DockerfileModel } from '../../checks/dockerfile/model.js';
import type { Manifest } from '../../course/manifest.js';

/** What a mutator reads: the solved workspace's Dockerfile and compose file, parsed. */
export interface MutationInput {
  manifest: Manifest;
  dockerfile: { file: string; source: string; model: DockerfileModel } | null;
  /** The compose file as written (not normalised): a mutant is an edit of what the learner writes. */
  compose: { file: string; source: string; document: Document } | null;
}

/** One wrong variant of the reference solution: the files it changes (path relative to the workspace -> new text). */
export interface Mutation {
  label: string;
  files: Record<string, string>;
}

/**
 * A plausible wrong answer, derived from the solution. It returns nothing when it does not apply
 * (no USER to drop, one stage only, ...). Adding a mutator: one file and one line in registry.ts.
 */
export interface Mutator {
  name: string;
  description: string;
  mutate(input: MutationInput): Mutation[];
}
