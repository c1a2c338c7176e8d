import { safeText } from '../../text/safe.js';
import type { CheckResult, VerifyResult } from '../result.js';
import { checkName, explanation, locatedFile, outcomeOf, provenancePairs } from './common.js';

/** Workflow command data, escaped as @actions/core does (`%`, CR, LF). */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Workflow command property values: the data escapes plus `:` and `,`, which end a property. */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(name: string, properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',');
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`;
}

export interface GithubOptions {
  /** The repository checkout ($GITHUB_WORKSPACE): annotation paths are relative to it. */
  root?: string;
}

/** One workflow command per check that did not pass: error (required), warning (optional), notice (advice). */
export function githubAnnotations(result: VerifyResult, options: GithubOptions = {}): string[] {
  return result.checks.flatMap((check) => {
    const outcome = outcomeOf(check);
    if (outcome === 'pass' || outcome === 'skip') return [];
    const level = outcome === 'advice' ? 'notice' : check.required ? 'error' : 'warning';
    const location = check.location;
    return [
      command(
        level,
        {
          title: checkName(check),
          file: location ? locatedFile(result, location, options.root) : undefined,
          line: location?.line,
          endLine: location?.endLine,
          // Columns only on one line: the runner drops them otherwise.
          col: location && (location.endLine ?? location.line) === location.line ? location.column : undefined,
          endColumn: location && (location.endLine ?? location.line) === location.line ? location.endColumn : undefined,
        },
        explanation(check),
      ),
    ];
  });
}

function cell(value: string): string {
  return safeText(value, 300).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>').replace(/</g, '&lt;').replace(/(?<!&lt;br)>/g, '&gt;');
}

const MARK: Record<string, string> = { pass: '✅ pass', advice: '💡 advice', fail: '❌ fail', skip: '⏭️ skip' };

/** The job summary: verdict, score, one row per check, the first thing to fix and the provenance. */
export function githubSummary(result: VerifyResult, options: GithubOptions = {}): string {
  const lines = [
    `## Shipshape: ${cell(result.challenge.title)} (\`${result.challenge.id}\`)`,
    '',
    `**${result.passed ? 'Passed' : 'Not yet'}**: ${result.score.points}/${result.score.maxPoints} points (${result.score.percent}%), ` +
      `${result.counts.pass} passed, ${result.counts.fail} failed, ${result.counts.skip} skipped.`,
    '',
    '| check | result | points | where | message |',
    '| --- | --- | --- | --- | --- |',
    ...result.checks.map((check: CheckResult) => {
      const where = check.location ? `\`${locatedFile(result, check.location, options.root)}:${check.location.line}\`` : '';
      return `| ${cell(checkName(check))} | ${MARK[outcomeOf(check)]} | ${check.points}/${check.maxPoints} | ${where} | ${cell(check.message)} |`;
    }),
  ];
  const first = result.checks.find((check) => outcomeOf(check) === 'fail');
  if (first) lines.push('', `**First to fix:** ${cell(checkName(first))}`, '', '```text', explanation(first).replace(/```/g, "'''"), '```');
  lines.push('', '<details><summary>Provenance</summary>', '', '| | |', '| --- | --- |', ...provenancePairs(result).map(([key, value]) => `| ${cell(key)} | ${cell(value)} |`), '', '</details>', '');
  return lines.join('\n');
}
