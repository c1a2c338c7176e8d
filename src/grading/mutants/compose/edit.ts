import { diffArrays } from 'diff';
import { type Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Mutation, MutationInput } from '../mutator.js';

/** Each service's node in the compose file as written. */
export function services(document: Document): Array<{ name: string; node: YAMLMap }> {
  const node = document.get('services', true);
  if (!isMap(node)) return [];
  return node.items.flatMap((pair) => {
    const name = String((pair.key as { value?: unknown })?.value ?? pair.key);
    return isMap(pair.value) ? [{ name, node: pair.value as YAMLMap }] : [];
  });
}

/**
 * A fresh copy of the document, changed by `edit`, as text for the mutant's compose file. The YAML library
 * rewrites flow lists and maps its own way: the lines the edit did not touch are kept as the author wrote them,
 * so the diff shows only the change.
 */
export function editedCompose(compose: NonNullable<MutationInput['compose']>, edit: (document: Document) => void): Record<string, string> {
  const copy = compose.document.clone();
  edit(copy);
  const written = compose.source.split('\n');
  const baseline = compose.document.toString({ lineWidth: 0 }).split('\n');
  const mutated = copy.toString({ lineWidth: 0 }).split('\n');
  // Reformatting is line for line; anything else and the library's text is used as it is.
  if (baseline.length !== written.length) return { [compose.file]: copy.toString() };
  const lines: string[] = [];
  let index = 0;
  for (const part of diffArrays(baseline, mutated)) {
    if (part.added) lines.push(...part.value);
    else if (part.removed) index += part.value.length;
    else {
      lines.push(...written.slice(index, index + part.value.length));
      index += part.value.length;
    }
  }
  return { [compose.file]: lines.join('\n') };
}

/** The compose file with `key` removed from one service. */
export function serviceWithoutKey(compose: NonNullable<MutationInput['compose']>, service: string, key: string): Record<string, string> {
  return editedCompose(compose, (document) => {
    services(document).find((candidate) => candidate.name === service)!.node.delete(key);
  });
}

/** One mutant per service that has `key`, with that key removed from it and the rest of the file as written. */
export function serviceKeyRemoved(compose: NonNullable<MutationInput['compose']>, key: string, label: (service: string) => string): Mutation[] {
  return services(compose.document)
    .filter(({ node }) => node.has(key))
    .map(({ name }) => ({ label: label(name), files: serviceWithoutKey(compose, name, key) }));
}

export function sequence(node: YAMLMap, key: string): YAMLSeq | null {
  const value = node.get(key, true);
  return isSeq(value) ? (value as YAMLSeq) : null;
}

export function itemText(item: unknown): string {
  return String(typeof item === 'object' && item !== null && 'toJSON' in item ? JSON.stringify((item as { toJSON(): unknown }).toJSON()) : item).replace(/^"|"$/g, '');
}
