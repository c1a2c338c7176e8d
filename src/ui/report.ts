import { formatBytes, formatSeconds } from '../checks/format.js';
import type { CheckResult, Comparison, VerifyResult } from '../grading/result.js';
import type { LearnerVerifyResult } from '../grading/visibility.js';
import type { Style } from './style.js';
import { forScreen, oneLine, safeText, stripControl } from '../text/safe.js';

const TITLES: Record<string, { title: string; label: string }> = {
  static: { title: 'Static checks (Dockerfile)', label: 'Static' },
  compose: { title: 'Compose model checks', label: 'Compose' },
  context: { title: 'Build context', label: 'Context' },
  build: { title: 'Build', label: 'Build' },
  image: { title: 'Image checks', label: 'Image' },
  runtime: { title: 'Runtime checks', label: 'Runtime' },
  stack: { title: 'Stack checks (compose up)', label: 'Stack' },
};

/** Heading of a phase; a phase added to the core later still gets one. */
export function phaseTitle(phase: string): string {
  return TITLES[phase]?.title ?? `${phase.charAt(0).toUpperCase()}${phase.slice(1)} checks`;
}

/** Short name of a phase for the live strip. */
export function phaseLabel(phase: string): string {
  return TITLES[phase]?.label ?? `${phase.charAt(0).toUpperCase()}${phase.slice(1)}`;
}

export const STATUS_MARK: Record<CheckResult['status'], string> = { pass: '✔', fail: '✖', skip: '○', advice: '◆' };

export function statusText(status: CheckResult['status'], style: Style): string {
  const text = `${STATUS_MARK[status]} ${status.toUpperCase()}`;
  if (status === 'pass') return style.green(text);
  if (status === 'fail') return style.red(text);
  return status === 'advice' ? style.cyan(text) : style.yellow(text);
}

/**
 * One line per check as it finishes. With `width` (the live view), a long message is cut to a few rows
 * of that width and each evidence line to one; --verbose and --json keep the whole message.
 */
export function formatCheckLine(result: CheckResult, style: Style, screen?: { width: number; verbose?: boolean }): string {
  const cut = (text: string, indent: number, rows: number) =>
    screen && !screen.verbose ? forScreen(text, screen.width - indent, rows) : stripControl(text);
  const line = `  ${statusText(result.status, style)}  ${cut(result.title, 20, 1)} ${style.dim(`(${result.id})`)}\n      ${cut(result.message, 6, MESSAGE_ROWS)}`;
  // Where the bytes went and what the probes said are not in the build output above, so they go here.
  const extra = result.status === 'fail' ? evidenceLines(result, { buildOutput: false }) : [];
  const better = result.status === 'advice' && result.hint ? [`      ${style.cyan('Better:')} ${result.hint}`] : [];
  return [line, ...extra.map((evidenceLine) => style.dim(`      │ ${cut(evidenceLine, 8, 1)}`)), ...better].join('\n');
}

/** Rows of a check's message in the live view before it is cut (the rest: --verbose, --json). */
export const MESSAGE_ROWS = 6;
/** Longest evidence line shown; the evidence itself is whole in --json. */
const EVIDENCE_LINE_LIMIT = 500;

function pad(text: string, width: number): string {
  const visible = text.replace(/\u001B\[[0-9;]*m/g, '');
  return text + ' '.repeat(Math.max(0, width - [...visible].length));
}

function truncate(text: string, width: number): string {
  const single = oneLine(text.slice(0, width * 4)).replace(/\s+/g, ' ');
  return single.length <= width ? single : `${single.slice(0, width - 1)}…`;
}

export interface ScorecardOptions {
  /** Watch mode: the next run starts on a save, so the next step is to save, not to run verify. */
  watching?: boolean;
  /** The verify command line to suggest, with the --dir/--pack the run was given (default: plain `shipshape challenge:verify`). */
  verifyCommand?: string;
  /** The status command line to suggest after a pass. */
  statusCommand?: string;
}

/** The final scorecard: a table, then the first failing check's hint and what to do next. */
export function formatScorecard(result: VerifyResult, style: Style, width = 110, options: ScorecardOptions = {}): string {
  const idWidth = Math.max(5, ...result.checks.map((check) => check.id.length));
  const messageWidth = Math.max(30, width - idWidth - 20);
  const lines: string[] = [];
  lines.push(style.bold(`${pad('CHECK', idWidth)}  ${pad('RESULT', 8)}  ${pad('POINTS', 7)}  MESSAGE`));
  for (const check of result.checks) {
    lines.push(
      `${pad(check.id, idWidth)}  ${pad(statusText(check.status, style), 8)}  ${pad(`${check.points}/${check.maxPoints}`, 7)}  ${truncate(check.message, messageWidth)}`,
    );
  }
  lines.push(...adviceLines(result, style));
  lines.push('', verdictLine(result, style), ...outcomeLines(result, style, options));
  return lines.join('\n');
}

/** Every advice with its reason and the better way: no points lost, worth knowing. */
export function adviceLines(result: VerifyResult, style: Style): string[] {
  const advised = result.checks.filter((check) => check.status === 'advice');
  if (advised.length === 0) return [];
  const lines = ['', style.bold(`Advice (no points lost, ${advised.length === 1 ? 'one thing' : `${advised.length} things`} to do better):`)];
  for (const check of advised) {
    lines.push(`  ${style.cyan(STATUS_MARK.advice)} ${check.title} (${check.id})`, `    ${check.message}`);
    if (check.hint) lines.push(`    ${style.cyan('Better:')} ${check.hint}`);
  }
  return lines;
}

/** What watch mode prints after each run: the verdict, the first thing to fix (or the before/after) and the next step. */
export function formatShortResult(result: VerifyResult, style: Style, options: ScorecardOptions = {}): string {
  return [verdictLine(result, style), ...outcomeLines(result, style, options)].join('\n');
}

function verdictLine(result: VerifyResult, style: Style): string {
  const verdict = result.passed ? style.green(style.bold('PASSED')) : style.red(style.bold('NOT YET'));
  return (
    `${verdict}  ${result.challenge.id}: ${result.score.points}/${result.score.maxPoints} points (${result.score.percent}%), ` +
    `${result.counts.pass} passed, ${result.counts.fail} failed, ${result.counts.skip} skipped` +
    `${result.counts.advice ? `, ${result.counts.advice} with advice` : ''}${hiddenNote(result)} in ${(result.timings.totalMs / 1000).toFixed(1)} s`
  );
}

/** A learner's result says how many checks were held back (they count in the points, nothing else is shown). */
function hiddenNote(result: VerifyResult): string {
  const held = (result as LearnerVerifyResult).hidden?.checks ?? 0;
  return held > 0 ? `, ${held} hidden ${held === 1 ? 'check' : 'checks'} (in the points, not shown)` : '';
}

function outcomeLines(result: VerifyResult, style: Style, options: ScorecardOptions): string[] {
  const lines: string[] = [];
  const verifyAgain = options.watching ? 'save: watch mode verifies again' : `run \`${options.verifyCommand ?? 'shipshape challenge:verify'}\``;
  // A failed required check blocks the pass; an optional one is still worth fixing after those.
  const firstFailure =
    result.checks.find((check) => check.status === 'fail' && check.required) ?? result.checks.find((check) => check.status === 'fail');
  if (firstFailure) {
    lines.push('');
    lines.push(`${style.bold('First to fix:')} ${firstFailure.title} (${firstFailure.id})`);
    lines.push(`  ${stripControl(firstFailure.message)}`);
    for (const evidenceLine of evidenceLines(firstFailure)) lines.push(style.dim(`  │ ${evidenceLine}`));
    if (firstFailure.hint) lines.push(`${style.cyan('Hint:')} ${firstFailure.hint}`);
  }
  if (result.passed && result.comparison) lines.push('', ...comparisonLines(result.comparison, style));
  if (result.passed) {
    const left = firstFailure ? ' (the optional check above is still worth a look)' : '';
    lines.push('', `${style.green('Passed')} — next: \`${options.statusCommand ?? 'shipshape challenge:status'}\`${left}.`);
  } else if (firstFailure) {
    lines.push(`${style.bold('Next:')} fix ${firstFailure.id}, then ${verifyAgain}.`);
  } else {
    const skippedCheck = result.checks.find((check) => check.status === 'skip');
    const hiddenFailed = !skippedCheck && ((result as LearnerVerifyResult).hidden?.checks ?? 0) > 0 ? 'a hidden check did not pass: read the task again; ' : '';
    lines.push('', `${style.bold('Next:')} ${skippedCheck ? `${skippedCheck.id} was ${skippedCheck.message}; ` : ''}${hiddenFailed}${verifyAgain}.`);
  }
  return lines;
}

/** "180.3 MB → 56.2 MB (3.2× smaller, −124.1 MB)": the learner's image against the starter's. */
export function comparisonLines(comparison: Comparison, style: Style): string[] {
  const { starter, image } = comparison;
  const sizeChange =
    comparison.savedBytes >= 0
      ? `${comparison.factor.toFixed(1)}× smaller, −${formatBytes(comparison.savedBytes)}`
      : `${formatBytes(-comparison.savedBytes)} larger`;
  const rows: Array<[string, string, string, string]> = [
    ['image size', formatBytes(starter.bytes), formatBytes(image.bytes), sizeChange],
    ['layers', String(starter.layers), String(image.layers), signed(image.layers - starter.layers)],
    ['build time', formatSeconds(starter.buildMs), formatSeconds(image.buildMs), ''],
  ];
  const widths = [10, ...[1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)))];
  return [
    style.bold('Before/after against the starter:'),
    ...rows.map(([label, before, after, change]) =>
      `  ${pad(label, widths[0]!)}  ${pad(before, widths[1]!)} → ${pad(after, widths[2]!)}${change ? `  ${style.dim(`(${change})`)}` : ''}`.trimEnd(),
    ),
  ];
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : value < 0 ? `−${-value}` : 'same';
}

/** Evidence worth showing under a failure (the message already gives sizes and budget): largest layers, build output, health log, container output. */
export function evidenceLines(check: CheckResult, options: { buildOutput?: boolean } = {}): string[] {
  const evidence = check.evidence ?? {};
  const lines: string[] = [];
  const asLines = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  const layers = Array.isArray(evidence.largestLayers) ? (evidence.largestLayers as Array<{ instruction: string; bytes: number }>) : [];
  if (layers.length > 0) {
    const width = Math.max(...layers.map((layer) => formatBytes(layer.bytes).length));
    lines.push('largest layers:');
    for (const layer of layers) lines.push(`  ${formatBytes(layer.bytes).padStart(width)}  ${layer.instruction}`);
  }
  if (options.buildOutput !== false) lines.push(...asLines(evidence.lastLines).slice(-10));
  const healthLog = Array.isArray(evidence.healthLog) ? (evidence.healthLog as Array<{ exitCode: number; output: string }>) : [];
  for (const entry of healthLog.slice(-5)) lines.push(`probe exit ${entry.exitCode}: ${entry.output.split('\n').slice(-3).join(' / ')}`);
  const containerLog = asLines(evidence.containerLog).slice(-5);
  if (containerLog.length > 0) lines.push('container output:', ...containerLog);
  return lines.map((line) => safeText(line, EVIDENCE_LINE_LIMIT));
}
