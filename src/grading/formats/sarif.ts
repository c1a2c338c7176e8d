import { createHash } from 'node:crypto';
import { safeText } from '../../text/safe.js';
import type { CheckResult, VerifyResult } from '../result.js';
import { type Outcome, checkName, explanation, locatedFile, outcomeOf } from './common.js';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INFORMATION_URI = 'https://www.npmjs.com/package/shipshape';

type Level = 'error' | 'warning' | 'note';

/** A failing required check is an error, a failing optional one a warning, advice a note; passes and skips are no results. */
function levelOf(check: CheckResult): Level | null {
  const outcome: Outcome = outcomeOf(check);
  if (outcome === 'fail') return check.required ? 'error' : 'warning';
  if (outcome === 'advice') return 'note';
  return null;
}

export interface SarifOptions {
  /** Directory the artifact URIs are relative to (the repository checkout); default the workspace. */
  root?: string;
}

/** The SARIF run of one verify: one rule per check of the challenge, one result per check that did not pass. */
export function sarifRun(result: VerifyResult, options: SarifOptions = {}) {
  const rules = result.checks.map((check) => ({
    id: check.id,
    name: check.kind,
    shortDescription: { text: safeText(check.title, 500) },
    ...(check.hint ? { help: { text: safeText(check.hint, 2000) } } : {}),
    defaultConfiguration: { level: (check.required ? 'error' : 'warning') as Level },
    properties: { phase: check.phase, kind: check.kind, points: check.maxPoints, required: check.required },
  }));
  const results = result.checks.flatMap((check, ruleIndex) => {
    const level = levelOf(check);
    if (!level) return [];
    const location = check.location;
    const file = location ? locatedFile(result, location, options.root) : null;
    return [
      {
        ruleId: check.id,
        ruleIndex,
        level,
        message: { text: `${checkName(check)}\n${explanation(check)}` },
        ...(location && file
          ? {
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: encodeURI(file) },
                    region: {
                      startLine: location.line,
                      startColumn: location.column,
                      ...(location.endLine ? { endLine: location.endLine } : {}),
                      ...(location.endColumn ? { endColumn: location.endColumn } : {}),
                    },
                  },
                },
              ],
            }
          : {}),
        // Stable across runs and line moves: code scanning matches alerts by it.
        partialFingerprints: {
          'shipshape/v1': createHash('sha256').update(`${result.challenge.id}\0${check.id}\0${file ?? ''}`).digest('hex').slice(0, 32),
        },
        properties: { phase: check.phase, points: check.points, maxPoints: check.maxPoints, status: check.status },
      },
    ];
  });
  const provenance = result.provenance ?? null;
  return {
    tool: {
      driver: {
        name: 'Shipshape',
        informationUri: INFORMATION_URI,
        ...(provenance ? { version: provenance.shipshape.version, semanticVersion: semver(provenance.shipshape.version) } : {}),
        rules,
      },
    },
    automationDetails: { id: `shipshape/${result.challenge.id}/` },
    invocations: [
      {
        // The grading itself ran to the end; a failing grade is in the results, not here.
        executionSuccessful: true,
        properties: {
          runId: result.runId,
          passed: result.passed,
          score: result.score,
          counts: result.counts,
          provenance,
        },
      },
    ],
    results,
    properties: { challenge: result.challenge, passed: result.passed, score: result.score },
  };
}

function semver(version: string): string | undefined {
  return /^\d+\.\d+\.\d+(?:[-+].*)?$/.test(version) ? version : undefined;
}

/** A SARIF 2.1.0 log of one or more verifies (one run each). */
export function sarifLog(runs: Array<ReturnType<typeof sarifRun>>) {
  return JSON.parse(JSON.stringify({ $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs })) as Record<string, unknown>;
}

export function toSarif(result: VerifyResult, options: SarifOptions = {}): string {
  return `${JSON.stringify(sarifLog([sarifRun(result, options)]), null, 2)}\n`;
}
