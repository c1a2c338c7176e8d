// Reads vitest's JSON report and ends with one plain line: "N passed, N failed[, N skipped]".
//
// Skips are declared or they are failures under CI. A declared skip is a test whose report entry
// carries `meta.skipReason` (test/support/needs.ts sets it when a need such as root or sshd is unmet);
// its reason is printed. Under CI (env CI set):
// - a test carrying `meta.cannotRun` (a need unmet where CI wants it met) counts as failed, with its reason;
// - a skipped or todo test with no declared reason (`it.skip`, `describe.runIf`, `ctx.skip()`) counts as failed.
// Outside CI such skips are listed as a warning and the run is not failed for them.
import { readFileSync } from 'node:fs';
import path from 'node:path';

const file = process.argv[2] ?? 'test-results.json';
const ci = Boolean(process.env.CI);
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  console.error(`no test report at ${file}: the test run did not complete`);
  process.exit(1);
}

const declared = [];
const cannotRun = [];
const undeclared = [];
for (const result of report.testResults ?? []) {
  const where = path.relative(process.cwd(), result.name ?? '') || result.name;
  for (const test of result.assertionResults ?? []) {
    if (!['skipped', 'pending', 'todo'].includes(test.status)) continue;
    const entry = { where, name: test.fullName ?? test.title };
    if (test.meta?.cannotRun) cannotRun.push({ ...entry, reason: test.meta.cannotRun });
    else if (test.meta?.skipReason) declared.push({ ...entry, reason: test.meta.skipReason });
    else undeclared.push(entry);
  }
}

/** One line per reason and file, with the number of tests: a suite of twenty skipped for one reason is one line. */
function grouped(entries) {
  const groups = new Map();
  for (const entry of entries) {
    const key = `${entry.where}\u0000${entry.reason ?? ''}`;
    const group = groups.get(key) ?? { ...entry, count: 0 };
    group.count += 1;
    groups.set(key, group);
  }
  return [...groups.values()];
}

for (const group of grouped(declared)) {
  console.log(`skipped ${group.count} in ${group.where} (declared): ${group.reason}`);
}
for (const group of grouped(cannotRun)) {
  console.log(`FAILED ${group.count} in ${group.where}: ${group.reason}`);
}
if (undeclared.length) {
  console.log(
    ci
      ? `FAILED: ${undeclared.length} tests skipped with no declared reason (CI is set; declare a skip with test/support/needs.ts):`
      : `warning: ${undeclared.length} tests skipped with no declared reason (a CI run fails on these; see test/support/needs.ts):`,
  );
  for (const entry of undeclared.slice(0, 50)) console.log(`  ${entry.where} › ${entry.name}`);
  if (undeclared.length > 50) console.log(`  … and ${undeclared.length - 50} more`);
}

// Under CI, tests that could not run and undeclared skips are failures; they are no longer counted as skipped.
const skippedAsFailed = ci ? cannotRun.length + undeclared.length : cannotRun.length;
const total = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const skipped = Math.max(0, total - skippedAsFailed);
let failed = (report.numFailedTests ?? 0) + skippedAsFailed;
// A test file that fails to load (or a suite whose hook throws) counts as a failed suite with no failed test in it.
if (report.success === false && failed === 0) failed = Math.max(1, report.numFailedTestSuites ?? 0);
const passed = report.numPassedTests ?? 0;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if (passed === 0 || failed > 0) process.exit(1);
