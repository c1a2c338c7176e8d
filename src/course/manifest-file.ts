import { LineCounter, parseDocument } from 'yaml';
import { type Manifest, ManifestWithDefaults } from './manifest.js';
import { ManifestError } from './packs.js';
import { formatPath, locate } from './yaml-position.js';

/** Parses and validates a manifest, reporting every problem with file, line and column. */
export function parseManifest(file: string, text: string): Manifest {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ManifestError(
      document.errors.map((error) => {
        const position = lineCounter.linePos(error.pos[0]);
        return { file, line: position.line, column: position.col, path: '', message: `YAML: ${error.message.split('\n')[0]}` };
      }),
    );
  }
  const result = ManifestWithDefaults.safeParse(document.toJS());
  if (result.success) return result.data;
  throw new ManifestError(
    result.error.issues.map((issue) => {
      const at = locate(document, issue.path as Array<string | number>);
      const position = lineCounter.linePos(at);
      return { file, line: position.line, column: position.col, path: formatPath(issue.path as Array<string | number>), message: issue.message };
    }),
  );
}
