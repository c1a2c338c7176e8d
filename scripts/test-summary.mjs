// Prints vitest's JSON report as one plain line: "N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch {
  console.log('0 passed, 1 failed');
  console.error(`no test report at ${file}: the test run did not complete`);
  process.exit(1);
}
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// A test file that fails to load counts as a failed suite with no failed test in it.
let failed = report.numFailedTests ?? 0;
if (report.success === false && failed === 0) failed = Math.max(1, report.numFailedTestSuites ?? 0);
console.log(`${report.numPassedTests ?? 0} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
if ((report.numPassedTests ?? 0) === 0) process.exit(1);
