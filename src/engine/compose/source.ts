import { type Document, LineCounter, type Node, isAlias, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { UserError } from '../../errors.js';
import { readLearnerFile } from '../../workspace/learner-file.js';
import { oneLine } from '../../text/safe.js';

/**
 * What a learner's compose file may be (docs/compose.md). Compose itself reads far larger files, but a
 * graded stack is a handful of services: these bounds keep a hostile file from costing more than a
 * second while leaving every real file (sentry's, with its many aliases, included) well inside.
 */
export const COMPOSE_LIMITS = {
  /** Bytes of the compose file (and of each file it includes or extends). */
  maxBytes: 1024 * 1024,
  /** Nesting of mappings, sequences and flow collections. */
  maxDepth: 100,
  /** Nodes of the document once every alias and merge key is expanded (an alias bomb expands to billions). */
  maxExpandedNodes: 200_000,
} as const;

/** The learner's YAML as written: the source map for messages and the plain value for checks before Compose runs. */
export interface ComposeSource {
  /** Path relative to the workspace, as shown in messages. */
  shown: string;
  text: string;
  document: Document;
  lineCounter: LineCounter;
  value: unknown;
}

const FIX_YAML = 'Fix the YAML at that line (indentation, a missing colon or quote) and verify again.';

/** Reads and parses a compose file of the workspace within the limits above; every refusal names the file and line. */
export async function readComposeSource(workspaceDir: string, file: string, what = 'compose file'): Promise<ComposeSource> {
  const text = await readLearnerFile(workspaceDir, file, { what, maxBytes: COMPOSE_LIMITS.maxBytes });
  const shown = file;
  const deep = nestingDepth(text);
  if (deep.depth > COMPOSE_LIMITS.maxDepth) {
    throw new UserError(
      `${shown}:${deep.line}: the YAML is nested more than ${COMPOSE_LIMITS.maxDepth} levels deep; a compose file is never that deep, so it is not read.`,
      1,
      'Flatten the structure (a compose file needs a few levels: services, a service, its settings).',
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    const at = lineCounter.linePos(error.pos[0]);
    if (/call stack/i.test(error.message)) {
      throw new UserError(`${shown}:${at.line}: the YAML is nested too deeply to read.`, 1, 'Flatten the structure and verify again.');
    }
    throw new UserError(`${shown}:${at.line}:${at.col}: YAML syntax error: ${oneLine(error.message.split('\n')[0] ?? '')}`, 1, FIX_YAML);
  }
  if (document.warnings.length > 0 && /anchor|alias/i.test(document.warnings[0]!.message)) {
    const at = lineCounter.linePos(document.warnings[0]!.pos[0]);
    throw new UserError(`${shown}:${at.line}:${at.col}: YAML error: ${oneLine(document.warnings[0]!.message.split('\n')[0] ?? '')}`, 1, FIX_YAML);
  }
  const expanded = expandedSize(document);
  if (expanded.size > COMPOSE_LIMITS.maxExpandedNodes) {
    const line = expanded.aliasOffset === null ? 1 : lineCounter.linePos(expanded.aliasOffset).line;
    throw new UserError(
      `${shown}:${line}: its aliases expand to more than ${COMPOSE_LIMITS.maxExpandedNodes} YAML nodes (an alias bomb); the file is not read.`,
      1,
      'Reuse anchors for a few shared settings only; write large repeated blocks out, or shrink them.',
    );
  }
  // Aliases are bounded above, so the library's own (much lower) alias budget is not needed.
  const value = document.toJS({ maxAliasCount: -1 }) as unknown;
  return { shown, text, document, lineCounter, value };
}

/**
 * The deepest nesting of the text, found without parsing (the parser itself recurses and would run out
 * of stack on a 20 000-deep file): block indentation levels, `- ` entries on one line and open flow brackets.
 */
export function nestingDepth(text: string): { depth: number; line: number } {
  const indents: number[] = [];
  let flow = 0;
  let best = { depth: 0, line: 1 };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    let base = indents.length + flow;
    if (flow === 0) {
      const trimmed = raw.trimStart();
      if (!trimmed || trimmed.startsWith('#')) continue;
      const indent = raw.length - trimmed.length;
      while (indents.length > 0 && indents.at(-1)! >= indent) indents.pop();
      indents.push(indent);
      let entries = 0;
      let rest = trimmed;
      while (/^-(\s|$)/.test(rest)) {
        entries++;
        rest = rest.slice(1).trimStart();
      }
      base = indents.length + entries;
    }
    let quote: string | null = null;
    let deepest = flow;
    for (let at = 0; at < raw.length; at++) {
      const char = raw[at]!;
      if (quote) {
        if (char === quote) quote = null;
        continue;
      }
      if (char === '"' || char === "'") quote = char;
      else if (char === '#' && (at === 0 || /\s/.test(raw[at - 1]!))) break;
      else if (char === '[' || char === '{') deepest = Math.max(deepest, ++flow);
      else if ((char === ']' || char === '}') && flow > 0) flow--;
    }
    const depth = base + deepest;
    if (depth > best.depth) best = { depth, line: index + 1 };
    if (best.depth > COMPOSE_LIMITS.maxDepth) break;
  }
  return best;
}

/** Nodes of the document with every alias expanded, computed once per anchored node (linear in the file). */
export function expandedSize(document: Document): { size: number; aliasOffset: number | null } {
  const done = new Map<unknown, number>();
  let aliasOffset: number | null = null;
  const cap = COMPOSE_LIMITS.maxExpandedNodes + 1;
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 0;
    const known = done.get(node);
    if (known !== undefined) return known;
    let total = 1;
    if (isAlias(node)) {
      const target = node.resolve(document);
      // An alias to a node not finished yet (itself) is a cycle: count it as over the limit.
      const expanded = target === undefined ? 0 : (done.get(target) ?? cap);
      if (expanded > 1) aliasOffset ??= node.range?.[0] ?? null;
      total = expanded;
    } else if (isMap(node) || isSeq(node)) {
      for (const item of node.items as unknown[]) {
        total += size(item);
        if (total >= cap) break;
      }
    } else if (isPair(node)) {
      total = size(node.key) + size(node.value);
    } else if (!isScalar(node)) {
      total = 1;
    }
    total = Math.min(total, cap);
    done.set(node, total);
    return total;
  };
  return { size: size((document as { contents: Node | null }).contents), aliasOffset };
}

/** `file:line` of the deepest node along `keys` that the source has (the key's own line where there is one). */
export function locate(source: Pick<ComposeSource, 'shown' | 'document' | 'lineCounter'>, ...keys: Array<string | number>): string {
  for (let length = keys.length; length >= 1; length--) {
    const offset = keyOffset(source.document, keys.slice(0, length));
    if (offset !== null) return `${source.shown}:${source.lineCounter.linePos(offset).line}`;
  }
  return `${source.shown}:1`;
}

function keyOffset(document: Document, keys: Array<string | number>): number | null {
  const parent = keys.length > 1 ? document.getIn(keys.slice(0, -1), true) : document.contents;
  const last = keys.at(-1);
  if (isMap(parent)) {
    const pair = parent.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === last);
    if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
  }
  const node = document.getIn(keys, true) as { range?: [number, number, number] } | undefined;
  return node && typeof node === 'object' && node.range ? node.range[0] : null;
}
