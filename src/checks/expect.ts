import { z } from 'zod';
import type { CommandRun } from './kind.js';

/** A regular expression given as text in a manifest; invalid ones are refused when the manifest loads. */
export const regexText = z
  .string()
  .min(1)
  .max(500)
  .refine((text) => {
    try {
      new RegExp(text, 'm');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

/** What a command's result must look like: shared by image.command and runtime.command. */
export const commandExpectation = {
  command: z.array(z.string().max(1000)).min(1).max(50).describe('The command, as an exec-form list (no shell is added)'),
  exitCode: z.number().int().min(0).max(255).default(0).describe('The exit code it must return'),
  stdout: regexText.optional().describe('A regular expression (multiline) the standard output must match'),
  stdoutNot: regexText.optional().describe('A regular expression the standard output must NOT match'),
  stderr: regexText.optional().describe('A regular expression the standard error must match'),
  timeoutSeconds: z.number().int().min(1).max(300).default(30).describe('Longest the command may run'),
};

export interface Expectation {
  command: string[];
  exitCode: number;
  stdout?: string;
  stdoutNot?: string;
  stderr?: string;
}

/** Compares a finished command with the expectation; returns the first mismatch, or null when it meets all of it. */
export function commandMismatch(expected: Expectation, run: CommandRun, timeoutSeconds: number): string | null {
  if (run.timedOut) return `did not finish within ${timeoutSeconds} s`;
  if (run.exitCode !== expected.exitCode) {
    const said = lastLine(run.stderr) || lastLine(run.stdout);
    return `exited with ${run.exitCode ?? 'no code'}, expected ${expected.exitCode}${said ? `: ${said}` : ''}`;
  }
  if (expected.stdout !== undefined && !new RegExp(expected.stdout, 'm').test(run.stdout)) {
    return `no match for /${expected.stdout}/ in its output${run.stdout.trim() ? ` (got: ${excerpt(run.stdout)})` : ' (it printed nothing)'}`;
  }
  if (expected.stdoutNot !== undefined) {
    const found = new RegExp(expected.stdoutNot, 'm').exec(run.stdout);
    if (found) return `its output has "${found[0]}", which must not be there`;
  }
  if (expected.stderr !== undefined && !new RegExp(expected.stderr, 'm').test(run.stderr)) {
    return `no match for /${expected.stderr}/ in its error output${run.stderr.trim() ? ` (got: ${excerpt(run.stderr)})` : ' (it printed none)'}`;
  }
  return null;
}

/** The run as evidence: exit code and the ends of both streams. */
export function commandEvidence(command: string[], run: CommandRun): Record<string, unknown> {
  return {
    command,
    exitCode: run.exitCode,
    timedOut: run.timedOut,
    durationMs: run.durationMs,
    stdout: tail(run.stdout),
    stderr: tail(run.stderr),
  };
}

export function showCommand(command: string[]): string {
  return command.map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim().slice(0, 200) ?? '';
}

function excerpt(text: string): string {
  const flat = text.trim().replace(/\s*\n\s*/g, ' / ');
  return flat.length > 160 ? `${flat.slice(0, 160)}...` : flat;
}

function tail(text: string, lines = 20): string[] {
  return text.split('\n').map((line) => line.trimEnd()).filter(Boolean).slice(-lines);
}
