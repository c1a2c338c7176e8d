import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PHASES } from '../../src/checks/kind.js';
import { CHECK_KIND_NAMES, findCheckKind, loadCheckKinds, phaseOfKindName } from '../../src/checks/registry.js';
import { ROOT } from '../support/cli.js';

describe('check kind registry (loaded on demand)', () => {
  it('a known kind answers only once loaded; loading one kind does not load the others', async () => {
    expect(() => findCheckKind('image.path')).toThrow(/before loadCheckKinds/);
    const [stageCount] = await loadCheckKinds(['dockerfile.stage-count', 'no.such-kind']);
    expect(stageCount!.kind).toBe('dockerfile.stage-count');
    expect(findCheckKind('dockerfile.stage-count')).toBe(stageCount);
    expect(() => findCheckKind('image.path')).toThrow(/before loadCheckKinds/);
    expect(findCheckKind('no.such-kind')).toBeUndefined();
  });

  it('every registry line loads the kind of its own name, with a phase, a summary and a parameter schema', async () => {
    const kinds = await loadCheckKinds();
    expect(kinds.map((kind) => kind.kind)).toEqual(CHECK_KIND_NAMES);
    expect(CHECK_KIND_NAMES.length).toBeGreaterThanOrEqual(36);
    for (const kind of kinds) {
      expect(PHASES).toContain(kind.phase);
      expect(kind.summary.length, kind.kind).toBeGreaterThan(10);
      expect(typeof kind.params.safeParse, kind.kind).toBe('function');
      expect(typeof kind.run, kind.kind).toBe('function');
      // The plan reads the phase from the registry line, without loading the kind: both must agree.
      expect(phaseOfKindName(kind.kind), kind.kind).toBe(kind.phase);
    }
    expect(phaseOfKindName('dockerfile.no-such-kind')).toBeUndefined();
  });

  it('each kind lives in the folder of its phase (static kinds in dockerfile/ or context/)', async () => {
    const source = await readFile(new URL('../../src/checks/registry.ts', import.meta.url), 'utf8');
    const lines = [...source.matchAll(/'([\w.-]+)': \{ phase: '(\w+)', load: \(\) => import\('\.\/([\w-]+)\//g)];
    expect(lines.length).toBe(CHECK_KIND_NAMES.length);
    for (const [, name, phase, folder] of lines) {
      expect(phase === 'static' ? ['dockerfile', 'context'] : [phase], name).toContain(folder);
    }
  });
});

/**
 * Every kind has unit tests (on fakes, under test/checks/) that make it pass and make it fail. How this
 * is read from the test sources, so a new kind without such tests fails here:
 * - a test file is about a kind when it imports the kind's module (src/checks/<phase>/<name>.js, as
 *   the registry line names it);
 * - each `it(...)` of such a file is one case. When the file imports several kinds, a case is about
 *   one of them when it names the kind's export (e.g. `imagePath`), calls a helper of the file whose
 *   line names it, or sits in a `describe` whose title is the kind's name;
 * - the kind needs a case expecting `'pass'` and a case expecting `'fail'` (`toBe('pass')`,
 *   `status: 'fail'`, ...).
 */
describe('every check kind is made to pass and to fail by a unit test', () => {
  const PASS = /(?:toBe|toEqual)\(\s*'pass'\s*\)|status:\s*'pass'/;
  const FAIL = /(?:toBe|toEqual)\(\s*'fail'\s*\)|status:\s*'fail'/;
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  async function testFiles(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    const nested = await Promise.all(
      entries.map((entry) => (entry.isDirectory() ? testFiles(path.join(dir, entry.name)) : Promise.resolve(entry.name.endsWith('.test.ts') ? [path.join(dir, entry.name)] : []))),
    );
    return nested.flat();
  }

  /** kind -> module path under src/checks and export name, read from the registry's own lines. */
  async function registryLines(): Promise<Map<string, { module: string; exported: string }>> {
    const source = await readFile(path.join(ROOT, 'src', 'checks', 'registry.ts'), 'utf8');
    const lines = new Map<string, { module: string; exported: string }>();
    for (const match of source.matchAll(/'([a-z]+\.[a-z-]+)': \{ phase: '\w+', load: \(\) => import\('\.\/([^']+)\.js'\)\.then\(\(module\) => module\.(\w+)\)/g)) {
      lines.set(match[1]!, { module: match[2]!, exported: match[3]! });
    }
    return lines;
  }

  /** The cases (`it` bodies) of a test file, each with the title of the `describe` it sits in. */
  function casesOf(text: string): Array<{ body: string; describe: string }> {
    const starts = [...text.matchAll(/\n\s*(?:it|test)(?:\.\w+)?\(/g)].map((match) => match.index!);
    const describes = [...text.matchAll(/describe(?:\.\w+)?\(\s*(['"`])(.*?)\1/g)].map((match) => ({ at: match.index!, title: match[2]! }));
    return starts.map((start, index) => ({
      body: text.slice(start, starts[index + 1] ?? text.length),
      describe: describes.filter((entry) => entry.at < start).at(-1)?.title ?? '',
    }));
  }

  it('reads a registry line for every kind', async () => {
    expect([...(await registryLines()).keys()]).toEqual(CHECK_KIND_NAMES);
  });

  it('each kind has a unit test case that passes it and one that fails it', async () => {
    const lines = await registryLines();
    const files = await Promise.all(
      (await testFiles(path.join(ROOT, 'test', 'checks'))).map(async (file) => ({ file, text: await readFile(file, 'utf8') })),
    );
    const importsOf = (text: string) => [...lines.entries()].filter(([, line]) => text.includes(`src/checks/${line.module}.js'`)).map(([kind]) => kind);
    const missing: string[] = [];
    for (const kind of CHECK_KIND_NAMES) {
      const { exported } = lines.get(kind)!;
      const importing = files.filter(({ text }) => importsOf(text).includes(kind));
      const cases = importing.flatMap(({ text }) => {
        const all = casesOf(text);
        if (importsOf(text).length === 1) return all.map((entry) => entry.body);
        // Helpers defined on a line that names the kind's export: `const excludes = (...) => contextExcludes.run(...)`.
        const helpers = [...text.matchAll(new RegExp(`(?:const|function)\\s+(\\w+)\\b[^\\n]*\\b${exported}\\b`, 'g'))].map((match) => match[1]!);
        const names = new RegExp(`\\b(?:${[exported, ...helpers].map(escape).join('|')})\\b|'${escape(kind)}'`);
        return all.filter((entry) => names.test(entry.body) || entry.describe === kind || entry.describe.startsWith(`${kind} `)).map((entry) => entry.body);
      });
      const passes = cases.some((body) => PASS.test(body));
      const fails = cases.some((body) => FAIL.test(body));
      if (passes && fails) continue;
      if (importing.length === 0) missing.push(`${kind}: no unit test under test/checks/ imports src/checks/${lines.get(kind)!.module}.js`);
      else missing.push(`${kind}: no case expecting ${[passes ? '' : "'pass'", fails ? '' : "'fail'"].filter(Boolean).join(' nor ')} (in ${importing.map(({ file }) => path.relative(ROOT, file)).join(', ')})`);
    }
    expect(missing).toEqual([]);
  });
});
