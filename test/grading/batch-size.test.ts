import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

/** Every function-like node with a body in the file, with its length in lines (first to last line). */
export function functionLengths(file: string, text: string): Array<{ name: string; line: number; lines: number }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ name: string; line: number; lines: number }> = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = (node as ts.FunctionLikeDeclaration).name?.getText(source);
      const holder = node.parent && (ts.isVariableDeclaration(node.parent) || ts.isPropertyAssignment(node.parent)) ? node.parent.name.getText(source) : undefined;
      found.push({ name: named ?? holder ?? '<anonymous>', line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const BATCH = [path.join(ROOT, 'src/grading/batch.ts'), ...readdirSync(path.join(ROOT, 'src/grading/batch')).map((entry) => path.join(ROOT, 'src/grading/batch', entry))];

describe('batch grading stays in small pieces', () => {
  it('has no function over 80 lines in src/grading/batch.ts and src/grading/batch/', () => {
    const long = BATCH.flatMap((file) =>
      functionLengths(file, readFileSync(file, 'utf8'))
        .filter((fn) => fn.lines > 80)
        .map((fn) => `${path.relative(ROOT, file)}:${fn.line} ${fn.name} (${fn.lines} lines)`),
    );
    expect(long).toEqual([]);
  });

  it('measures what it should: a function of 82 lines is over, the next one is measured on its own', () => {
    const body = Array.from({ length: 80 }, (_, index) => `  const v${index} = ${index};`).join('\n');
    const text = `export function outer() {\n${body}\n}\nconst inner = () => {\n  return 1;\n};\n`;
    expect(functionLengths('x.ts', text)).toEqual([
      { name: 'outer', line: 1, lines: 82 },
      { name: 'inner', line: 83, lines: 3 },
    ]);
  });
});
