import type { CheckResult, VerifyResult } from '../grading/result.js';
import type { Style } from './style.js';

export const STATUS_MARK: Record<CheckResult['status'], string> = { pass: '✔', fail: '✖', skip: '○' };

export function statusText(status: CheckResult['status'], style: Style): string {
  const text = `${STATUS_MARK[status]} ${status.toUpperCase()}`;
  return status === 'pass' ? style.green(text) : status === 'fail' ? style.red(text) : style.yellow(text);
}

/** One line per check as it finishes (the live part of the plain renderer). */
export function formatCheckLine(result: CheckResult, style: Style): string {
  return `  ${statusText(result.status, style)}  ${result.title} ${style.dim(`(${result.id})`)}\n      ${result.message}`;
}

function pad(text: string, width: number): string {
  const visible = text.replace(/\u001B\[[0-9;]*m/g, '');
  return text + ' '.repeat(Math.max(0, width - [...visible].length));
}

function truncate(text: string, width: number): string {
  const single = text.replace(/\s+/g, ' ');
  return single.length <= width ? single : `${single.slice(0, width - 1)}…`;
}

/** The final scorecard: a table, then the first failing check's hint and what to do next. */
export function formatScorecard(result: VerifyResult, style: Style, width = 110): string {
  const idWidth = Math.max(5, ...result.checks.map((check) => check.id.length));
  const messageWidth = Math.max(30, width - idWidth - 20);
  const lines: string[] = [];
  lines.push(style.bold(`${pad('CHECK', idWidth)}  ${pad('RESULT', 8)}  ${pad('POINTS', 7)}  MESSAGE`));
  for (const check of result.checks) {
    lines.push(
      `${pad(check.id, idWidth)}  ${pad(statusText(check.status, style), 8)}  ${pad(`${check.points}/${check.maxPoints}`, 7)}  ${truncate(check.message, messageWidth)}`,
    );
  }
  lines.push('');
  const verdict = result.passed ? style.green(style.bold('PASSED')) : style.red(style.bold('NOT YET'));
  lines.push(
    `${verdict}  ${result.challenge.id}: ${result.score.points}/${result.score.maxPoints} points (${result.score.percent}%), ` +
      `${result.counts.pass} passed, ${result.counts.fail} failed, ${result.counts.skip} skipped in ${(result.timings.totalMs / 1000).toFixed(1)} s`,
  );
  const firstFailure = result.checks.find((check) => check.status === 'fail');
  if (firstFailure) {
    lines.push('');
    lines.push(`${style.bold('First to fix:')} ${firstFailure.title} (${firstFailure.id})`);
    lines.push(`  ${firstFailure.message}`);
    for (const evidenceLine of evidenceLines(firstFailure)) lines.push(style.dim(`  │ ${evidenceLine}`));
    if (firstFailure.hint) lines.push(`${style.cyan('Hint:')} ${firstFailure.hint}`);
    lines.push(`${style.bold('Next:')} edit ${result.workspace}, then run \`shipshape challenge:verify\` again.`);
  } else if (result.passed) {
    lines.push(`${style.bold('Next:')} pick another challenge with \`shipshape challenge:list\`.`);
  }
  return lines.join('\n');
}

/** Evidence worth showing under a failure: build output, health log, container output. */
export function evidenceLines(check: CheckResult): string[] {
  const evidence = check.evidence ?? {};
  const lines: string[] = [];
  const asLines = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  lines.push(...asLines(evidence.lastLines).slice(-10));
  const healthLog = Array.isArray(evidence.healthLog) ? (evidence.healthLog as Array<{ exitCode: number; output: string }>) : [];
  for (const entry of healthLog) lines.push(`probe exit ${entry.exitCode}: ${entry.output.split('\n').slice(-3).join(' / ')}`);
  const containerLog = asLines(evidence.containerLog).slice(-5);
  if (containerLog.length > 0) lines.push('container output:', ...containerLog);
  return lines;
}
