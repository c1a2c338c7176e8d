import type { CheckResult, VerifyResult } from '../result.js';
import { checkName, explanation, locatedFile, outcomeOf, provenancePairs } from './common.js';
import { seconds, xmlAttr, xmlText } from './xml.js';

/**
 * JUnit XML of one verify: one <testsuite> for the challenge, one <testcase> per check (<failure> for a
 * fail, <skipped> for a skip, system-out for advice), with `file`/`line` where the check points and the
 * provenance as suite properties. GitLab shows it from artifacts:reports:junit.
 */
export function toJunitReport(result: VerifyResult): string {
  const failures = result.checks.filter((check) => outcomeOf(check) === 'fail').length;
  const skipped = result.checks.filter((check) => outcomeOf(check) === 'skip').length;
  const tests = result.checks.length;
  const time = seconds(result.timings?.totalMs ?? 0);
  const name = `shipshape ${result.challenge.id}`;
  const properties = [
    ['challenge', result.challenge.id],
    ['score', `${result.score.points}/${result.score.maxPoints}`],
    ['passed', String(result.passed)],
    ['runId', result.runId],
    ...provenancePairs(result),
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlAttr(name)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="${xmlAttr(result.challenge.id)}" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}">`,
    '    <properties>',
    ...properties.map(([key, value]) => `      <property name="${xmlAttr(key!)}" value="${xmlAttr(value!)}"/>`),
    '    </properties>',
    ...result.checks.map((check) => testcase(result, check)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testcase(result: VerifyResult, check: CheckResult): string {
  const where = check.location ? ` file="${xmlAttr(locatedFile(result, check.location))}" line="${check.location.line}"` : '';
  const open = `    <testcase name="${xmlAttr(checkName(check))}" classname="${xmlAttr(`${result.challenge.id}.${check.phase}`)}" time="${seconds(check.durationMs)}"${where}`;
  switch (outcomeOf(check)) {
    case 'pass':
      return `${open}/>`;
    case 'advice':
      return `${open}>\n      <system-out>${xmlText(explanation(check))}</system-out>\n    </testcase>`;
    case 'skip':
      return `${open}>\n      <skipped message="${xmlAttr(explanation(check, 500))}"/>\n    </testcase>`;
    case 'fail': {
      const at = check.location ? `${locatedFile(result, check.location)}:${check.location.line}: ` : '';
      return `${open}>\n      <failure type="${xmlAttr(check.kind)}" message="${xmlAttr(explanation(check, 500))}">${xmlText(at + explanation(check))}</failure>\n    </testcase>`;
    }
  }
}
