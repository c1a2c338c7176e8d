import { parseManifest } from '../../src/course/manifest-file.js';
import { ManifestError, type ManifestProblem } from '../../src/course/packs.js';

/** The problems a manifest text is refused with; fails the test when it is accepted. */
export function problemsOf(text: string): ManifestProblem[] {
  try {
    parseManifest('m.yaml', text);
  } catch (error) {
    if (error instanceof ManifestError) return error.problems;
    throw error;
  }
  throw new Error('expected the manifest to be refused');
}
