#!/usr/bin/env node
// Turns `shipshape challenge:test --all --json` output into the Markdown of a GitHub job summary:
// one line per challenge (proven or not), then the mismatches with their check and reason.
//   node scripts/prove-summary.mjs prove.json >> "$GITHUB_STEP_SUMMARY"
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: prove-summary.mjs PROVE_JSON');
  process.exit(2);
}
const cell = (text) => String(text).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`## Real images: no result\n\n\`challenge:test --all --json\` left no readable report (${cell(error.message)}).`);
  process.exit(0);
}
if (report.error) {
  console.log(`## Real images: challenge:test could not run\n\n${cell(report.error.message)}${report.error.suggestion ? `\n\n${cell(report.error.suggestion)}` : ''}`);
  process.exit(0);
}
const challenges = report.challenges ?? [];
const proven = challenges.filter((challenge) => challenge.passed).length;
const lines = [
  `## Real images: ${proven} of ${challenges.length} challenges proven ${report.passed ? '✅' : '❌'}`,
  '',
  'Starter fails exactly its `starterFails`, solution passes every check, on Docker Hub images.',
  '',
  '| challenge | result | checks | advice on the solution |',
  '| --- | --- | --- | --- |',
];
/** Why a challenge is not proven: its mismatches, and verdicts that differ from its recording.json. */
function problems(challenge) {
  const found = [];
  if (challenge.mismatches.length > 0 || challenge.recording?.state !== 'differs') found.push(`**${challenge.mismatches.length} mismatch(es)**`);
  if (challenge.recording?.state === 'differs') found.push('**verdicts differ from recording.json**');
  return found.join(', ');
}
for (const challenge of challenges) {
  const advised = challenge.rows.filter((row) => row.solution === 'advice').map((row) => row.id);
  lines.push(
    `| ${cell(challenge.challenge)} | ${challenge.passed ? 'proven' : problems(challenge)} | ${challenge.rows.length} | ${advised.length ? cell(advised.join(', ')) : '-'} |`,
  );
}
const failed = challenges.filter((challenge) => !challenge.passed);
if (failed.length > 0) {
  lines.push('', '### Mismatches', '');
  for (const challenge of failed) {
    for (const mismatch of challenge.mismatches) lines.push(`- **${cell(challenge.challenge)}** ${cell(mismatch)}`);
    if (challenge.recording?.state === 'differs') {
      lines.push(`- **${cell(challenge.challenge)}** verdicts differ from its recording.json:`, '', '```diff', challenge.recording.diff.replace(/```/g, "'''"), '```', '');
    }
  }
}
console.log(lines.join('\n'));
