import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

/** Longest function, method or arrow allowed in src/grading (#18: one closure of 342 lines was the reason). */
const MAX_LINES = 80;

interface FunctionSpan {
  where: string;
  name: string;
  lines: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function nameOf(node: ts.Node, file: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(file);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(file);
  return `<anonymous>@${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
}

/** Every function-like node of a file with its length in lines (a nested function counts in its parent too). */
function functionSpans(filePath: string, relative: string): FunctionSpan[] {
  const file = ts.createSourceFile(filePath, readFileSync(filePath, 'utf8'), ts.ScriptTarget.Latest, true);
  const spans: FunctionSpan[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && (node as ts.FunctionLikeDeclaration).body) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      spans.push({ where: relative, name: nameOf(node, file), lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return spans;
}

describe('function length', () => {
  const spans = sourceFiles(path.join(ROOT, 'src/grading')).flatMap((file) => functionSpans(file, path.relative(ROOT, file)));

  it('finds the functions it measures (the measure itself works)', () => {
    expect(spans.some((span) => span.where === 'src/grading/verify.ts' && span.name === 'verifyWorkspace')).toBe(true);
    expect(spans.some((span) => span.where === 'src/grading/run.ts' && span.name === 'grade' && span.lines > 5)).toBe(true);
  });

  it(`no function, method or arrow in src/grading is over ${MAX_LINES} lines`, () => {
    const tooLong = spans
      .filter((span) => span.lines > MAX_LINES)
      .map((span) => `${span.where}: ${span.name} has ${span.lines} lines`);
    expect(tooLong).toEqual([]);
  });
});
