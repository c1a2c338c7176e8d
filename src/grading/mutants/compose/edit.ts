import { type Document, isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import type { MutationInput } from '../mutator.js';

/** Each service's node in the compose file as written. */
export function services(document: Document): Array<{ name: string; node: YAMLMap }> {
  const node = document.get('services', true);
  if (!isMap(node)) return [];
  return node.items.flatMap((pair) => {
    const name = String((pair.key as { value?: unknown })?.value ?? pair.key);
    return isMap(pair.value) ? [{ name, node: pair.value as YAMLMap }] : [];
  });
}

/** A fresh copy of the document, changed by `edit`, as text for the mutant's compose file. */
export function editedCompose(compose: NonNullable<MutationInput['compose']>, edit: (document: Document) => void): Record<string, string> {
  const copy = compose.document.clone();
  edit(copy);
  return { [compose.file]: copy.toString() };
}

export function sequence(node: YAMLMap, key: string): YAMLSeq | null {
  const value = node.get(key, true);
  return isSeq(value) ? (value as YAMLSeq) : null;
}

export function itemText(item: unknown): string {
  return String(typeof item === 'object' && item !== null && 'toJSON' in item ? JSON.stringify((item as { toJSON(): unknown }).toJSON()) : item).replace(/^"|"$/g, '');
}
