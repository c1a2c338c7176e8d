import type { Instruction } from 'dockerfile-ast';
import type { Stage } from '../../../checks/dockerfile/model.js';

/** 0-based first and last line of an instruction (continuation lines included). */
export function span(instruction: Instruction): [number, number] {
  const range = instruction.getRange();
  return [range.start.line, range.end.line];
}

/** The instruction as written, continuation lines included. */
export function written(source: string, instruction: Instruction): string[] {
  const [start, end] = span(instruction);
  return source.split('\n').slice(start, end + 1);
}

export interface LineEdit {
  at: Instruction;
  /** New lines in place of the instruction ([] deletes it); absent keeps it. */
  replace?: string[];
  /** Lines inserted before the instruction. */
  before?: string[];
}

/** Line-level edits, so a mutant's diff shows only what changed. */
export function applyEdits(source: string, edits: LineEdit[]): string {
  const lines = source.split('\n');
  // Bottom-up, so the line numbers of the edits above stay valid.
  const ordered = [...edits].sort((a, b) => span(b.at)[0] - span(a.at)[0]);
  for (const edit of ordered) {
    const [start, end] = span(edit.at);
    const current = lines.slice(start, end + 1);
    lines.splice(start, end - start + 1, ...(edit.before ?? []), ...(edit.replace ?? current));
  }
  return lines.join('\n');
}

export const keyword = (instruction: Instruction): string => instruction.getKeyword().toUpperCase();

export function instructionsOf(stage: Stage | undefined, name: string): Instruction[] {
  return stage ? stage.instructions.filter((instruction) => keyword(instruction) === name) : [];
}
