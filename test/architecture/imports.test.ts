import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

/**
 * The module graph of src/ stays a layered tree: no cycle between files (static value imports; a lazy
 * `await import()` or an `import type` is not an edge), the core (course, checks, engine, grading,
 * workspace, text) knows nothing of oclif, ink, React or the web, and the UI (ui, web) knows nothing of
 * dockerode or the engine's code.
 */
const SRC = path.join(ROOT, 'src');
const CORE = ['course', 'checks', 'engine', 'grading', 'workspace', 'text'];
const FRONT_ENDS = ['commands', 'cli', 'ui', 'web'];
const UI = ['ui', 'web'];
/**
 * The core's folders from the bottom up: a folder imports only folders below it (the leaves at the
 * root of src/, errors.ts, wait.ts, and text/, are below them all). The models the checks read
 * (checks/kind.ts, the compose model) sit under the engine that produces them.
 */
const CORE_ORDER = ['workspace', 'checks', 'engine', 'course', 'grading'];

interface Edge {
  from: string;
  specifier: string;
  /** The file it names under src/, for a relative specifier. */
  to: string | null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry) && !entry.endsWith('.d.ts') ? [full] : [];
  });
}

/** Value imports and re-exports of a file (type-only ones are erased by the compiler: no edge). */
export function valueImports(source: string): string[] {
  const specifiers: string[] = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const match of source.matchAll(statement)) {
    const [, keyword, typeOnly, clause, specifier] = match;
    if (typeOnly) continue;
    // `import { type A, type B } from` is type-only too: every name in the braces is a type, nothing outside them.
    const names = /\{([^}]*)\}/.exec(clause ?? '')?.[1];
    const outside = (clause ?? '').replace(/\{[^}]*\}/, '').replace(/\bfrom\s*$/, '').replace(/,/g, '').trim();
    const typeNames = names?.split(',').map((name) => name.trim()).filter(Boolean) ?? [];
    if (keyword === 'import' && names !== undefined && outside === '' && typeNames.length > 0 && typeNames.every((name) => name.startsWith('type '))) continue;
    specifiers.push(specifier!);
  }
  return specifiers;
}

function edgesOf(files: string[]): Edge[] {
  const known = new Set(files);
  return files.flatMap((from) =>
    valueImports(readFileSync(from, 'utf8')).map((specifier) => {
      if (!specifier.startsWith('.')) return { from, specifier, to: null };
      const base = path.resolve(path.dirname(from), specifier).replace(/\.js$/, '');
      const to = [`${base}.ts`, `${base}.tsx`].find((candidate) => known.has(candidate)) ?? null;
      return { from, specifier, to };
    }),
  );
}

/** Every strongly connected set of more than one file (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const layerOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]!;
const relative = (file: string) => path.relative(ROOT, file);

describe('the import graph of src/', () => {
  const files = sourceFiles(SRC);
  const edges = edgesOf(files);

  it('reads the whole tree (and finds the imports it should)', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.some((edge) => edge.specifier === 'zod')).toBe(true);
    expect(edges.some((edge) => edge.specifier.startsWith('@oclif/core'))).toBe(true);
    expect(edges.some((edge) => edge.to?.endsWith(path.join('grading', 'verify.ts')))).toBe(true);
  });

  it('has no cycle between files', () => {
    const graph = new Map<string, string[]>(files.map((file) => [file, []]));
    for (const edge of edges) if (edge.to) graph.get(edge.from)!.push(edge.to);
    expect(cycles(graph).map((component) => component.map(relative).join(' -> '))).toEqual([]);
  });

  it('keeps the core free of oclif, ink, React, the web server and the front ends', () => {
    const wrong = edges.filter(
      (edge) =>
        CORE.includes(layerOf(edge.from)) &&
        (/^(@oclif\/|ink($|\/)|react($|\/)|hono($|\/)|@hono\/|marked-terminal)/.test(edge.specifier) || (edge.to !== null && FRONT_ENDS.includes(layerOf(edge.to)))),
    );
    expect(wrong.map((edge) => `${relative(edge.from)} imports ${edge.specifier}`)).toEqual([]);
  });

  it('layers the core folders: none imports a folder above it, so no two folders need each other', () => {
    const rank = (file: string) => CORE_ORDER.indexOf(layerOf(file));
    const wrong = edges.filter((edge) => edge.to !== null && rank(edge.from) >= 0 && rank(edge.to) > rank(edge.from));
    expect(wrong.map((edge) => `${relative(edge.from)} (${layerOf(edge.from)}) imports ${edge.specifier} (${layerOf(edge.to!)})`)).toEqual([]);
    // text/ and the root leaves import none of the core.
    const leaves = edges.filter((edge) => edge.to !== null && (layerOf(edge.from) === 'text' || !statSync(path.join(SRC, layerOf(edge.from))).isDirectory()) && CORE_ORDER.includes(layerOf(edge.to)));
    expect(leaves.map((edge) => `${relative(edge.from)} imports ${edge.specifier}`)).toEqual([]);
  });

  it('keeps the UI free of dockerode and the engine code', () => {
    const wrong = edges.filter((edge) => UI.includes(layerOf(edge.from)) && (/^dockerode($|\/)/.test(edge.specifier) || (edge.to !== null && layerOf(edge.to) === 'engine')));
    expect(wrong.map((edge) => `${relative(edge.from)} imports ${edge.specifier}`)).toEqual([]);
    // dockerode is loaded lazily by name (src/engine/connect.ts): no UI file names it at all.
    const naming = files.filter((file) => UI.includes(layerOf(file)) && /['"]dockerode['"]/.test(readFileSync(file, 'utf8')));
    expect(naming.map(relative)).toEqual([]);
  });
});

describe('the graph reader itself', () => {
  it('counts value imports and re-exports, not type-only ones', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "import { type C, type D } from './c.js';",
      "import { type E, f } from './e.js';",
      "export { g } from './g.js';",
      "export type { H } from './h.js';",
      "import * as i from './i.js';",
      "import j from 'j';",
    ].join('\n');
    expect(valueImports(source)).toEqual(['./a.js', './e.js', './g.js', './i.js', 'j']);
  });

  it('finds a cycle of two and of three files, and none in a tree', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['a']]]))).toEqual([['a', 'b']]);
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
    expect(cycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toEqual([]);
  });
});
