import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatchResult } from '../../src/grading/batch.js';
import { renderBatch } from '../../src/grading/batch-report.js';
import { Classroom50ResultSchema, classroom50Result } from '../../src/grading/formats/classroom50.js';
import { emitReport } from '../../src/grading/formats/emit.js';
import { escapeData, escapeProperty, githubAnnotations, githubSummary } from '../../src/grading/formats/github.js';
import { GradescopeResultSchema } from '../../src/grading/formats/gradescope.js';
import { renderVerify } from '../../src/grading/formats/index.js';
import { parseReports } from '../../src/grading/formats/reports.js';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';
import { UserError } from '../../src/errors.js';
import { ROOT } from '../support/cli.js';

const require = createRequire(import.meta.url);
const Ajv4 = require('ajv-draft-04') as typeof import('ajv-draft-04').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

async function sarifValidator() {
  const schema = JSON.parse(await readFile(path.join(ROOT, 'test', 'fixtures', 'schemas', 'sarif-2.1.0-rtm.5.json'), 'utf8'));
  // The schema's `language` pattern is not valid with the u flag (a known slip in it): plain RegExp, as JSON Schema draft-04 means.
  const ajv = new Ajv4({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

const ESC = '\u001b[31m';
function check(id: string, status: string, overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    id,
    title: `Title of ${id}`,
    kind: 'dockerfile.stage-count',
    phase: 'static',
    status: status as CheckResult['status'],
    required: true,
    points: status === 'pass' || status === 'advice' ? 10 : 0,
    maxPoints: 10,
    message: `${id} says ${status}`,
    hint: status === 'pass' ? null : `fix ${id}`,
    durationMs: 12,
    ...overrides,
  };
}

const workspace = '/work/repo';
const result: VerifyResult = {
  schemaVersion: 1,
  challenge: { id: 'demo', title: 'Demo | challenge', lesson: 'l' },
  workspace,
  runId: 'run1',
  passed: false,
  score: { points: 20, maxPoints: 50, percent: 40 },
  counts: { pass: 1, fail: 2, skip: 1 },
  checks: [
    check('stages', 'fail', {
      message: `only 1 stage: 50% done, a:b,c\r\n${ESC}red\u001b[0m <tag>`,
      location: { file: 'Dockerfile', line: 4, column: 1, endLine: 4, endColumn: 26 },
    }),
    check('size', 'fail', { required: false, phase: 'image', kind: 'image.size-over-base', location: { file: 'Dockerfile', line: 7, column: 1, endLine: 8, endColumn: 30 } }),
    check('user', 'advice', { phase: 'image', kind: 'image.config', message: 'consider a fixed uid', location: { file: 'Dockerfile', line: 12, column: 1 } }),
    check('healthy', 'skip', { phase: 'runtime', kind: 'runtime.healthy', message: 'skipped: no image' }),
    check('builds', 'pass', { phase: 'build', kind: 'build.succeeds' }),
  ],
  timings: { totalMs: 4200, staticMs: 1, buildMs: 3000, imageMs: 100, runtimeMs: 0 },
  engine: { endpoint: 'unix:///var/run/docker.sock', endpointSource: 'default', foundBy: 'the default socket', serverVersion: '20.10.24', apiVersion: '1.41', os: 'linux', architecture: 'amd64' },
  build: { imageId: 'sha256:abc', steps: 8, durationMs: 3000, context: { files: 5, bytes: 100, ignored: 0 }, keptAs: null, builder: 'classic' },
  limits: { memoryBytes: 1, pidsLimit: 1, nanoCpus: 1, runTimeoutMs: 1, buildTimeoutSeconds: 600, contextMaxMegabytes: 50 } as unknown as VerifyResult['limits'],
  cleanup: { containers: 1, images: 1, errors: [] },
  provenance: {
    shipshape: { version: '0.1.0' },
    engine: { serverVersion: '20.10.24', apiVersion: '1.41', os: 'linux', architecture: 'amd64', storageDriver: 'overlay2', imageStore: 'graphdriver' },
    builder: 'classic',
    baseImages: [{ ref: 'php:8.2-fpm-alpine', line: 4, id: 'sha256:866c', repoDigests: ['php@sha256:1234'] }],
    problems: [],
  },
};

describe('SARIF', () => {
  it('validates against the SARIF 2.1.0 schema and puts each finding on its Dockerfile line', async () => {
    const validate = await sarifValidator();
    const log = JSON.parse(renderVerify(result, 'sarif').document);
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((rule: { id: string }) => rule.id)).toEqual(['stages', 'size', 'user', 'healthy', 'builds']);
    const found = run.results.map((entry: any) => [entry.ruleId, entry.level, entry.locations[0].physicalLocation.artifactLocation.uri, entry.locations[0].physicalLocation.region.startLine]);
    // Failing required: error; failing optional: warning; advice: note; passes and skips are no results.
    expect(found).toEqual([['stages', 'error', 'Dockerfile', 4], ['size', 'warning', 'Dockerfile', 7], ['user', 'note', 'Dockerfile', 12]]);
    expect(run.results[0].message.text).not.toContain('\u001b');
    expect(run.invocations[0].properties.provenance.baseImages[0].repoDigests).toEqual(['php@sha256:1234']);
    expect(run.tool.driver.version).toBe('0.1.0');
  });

  it('the validator can fail: a result with an unknown level or no message is refused', async () => {
    const validate = await sarifValidator();
    const log = JSON.parse(renderVerify(result, 'sarif').document);
    log.runs[0].results[0].level = 'fatal';
    expect(validate(log)).toBe(false);
    delete log.runs[0].results[1].message;
    log.runs[0].results[0].level = 'error';
    expect(validate(log)).toBe(false);
  });

  it('paths are relative to the checkout when the workspace lies inside it', () => {
    const log = JSON.parse(renderVerify({ ...result, workspace: '/work/repo/lesson/demo' }, 'sarif', { env: { GITHUB_WORKSPACE: '/work/repo' } }).document);
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe('lesson/demo/Dockerfile');
  });
});

describe('GitHub workflow commands', () => {
  it('escape data and properties as @actions/core does, so any text decodes back and ends no command early', () => {
    const decode = (value: string) => value.replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%25/g, '%');
    fc.assert(
      fc.property(fc.string(), (text) => {
        const property = escapeProperty(text);
        expect(property).not.toMatch(/[,:\r\n]/);
        expect(decode(property)).toBe(text);
        expect(escapeData(text)).not.toMatch(/[\r\n]/);
      }),
    );
    expect(escapeProperty('50%, a:b\n')).toBe('50%25%2C a%3Ab%0A');
  });

  it('one annotation per check that did not pass, at its file and line, with the level its status gives', () => {
    const lines = githubAnnotations(result);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^::error title=stages%3A Title of stages,file=Dockerfile,line=4,endLine=4,col=1,endColumn=26::only 1 stage%3A|^::error title=stages%3A Title of stages,file=Dockerfile,line=4,endLine=4,col=1,endColumn=26::only 1 stage: 50%25 done/);
    expect(lines[0]).toContain('50%25 done');
    expect(lines[0]).not.toMatch(/[\r\n\u001b]/);
    // Several lines: no columns (the runner ignores them there).
    expect(lines[1]).toBe('::warning title=size%3A Title of size,file=Dockerfile,line=7,endLine=8::size says fail%0AHint: fix size');
    expect(lines[2]).toMatch(/^::notice title=user%3A Title of user,file=Dockerfile,line=12,col=1::consider a fixed uid/);
  });

  it('the job summary has the verdict, a row per check and the provenance, with table cells escaped', () => {
    const summary = githubSummary(result);
    expect(summary).toContain('Demo \\| challenge');
    expect(summary).toContain('**Not yet**: 20/50 points');
    expect(summary).toContain('`Dockerfile:4`');
    expect(summary).toContain('php:8.2-fpm-alpine');
    expect(summary).toContain('&lt;tag&gt;');
    expect(summary).not.toContain('\u001b');
  });

  it('emit writes the workflow commands to stdout and appends the summary to $GITHUB_STEP_SUMMARY', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-gh-'));
    try {
      const summaryFile = path.join(dir, 'summary.md');
      let stdout = '';
      await emitReport(result, 'github', { env: { GITHUB_STEP_SUMMARY: summaryFile }, stdout: (text) => (stdout += text) });
      await emitReport(result, 'github', { env: { GITHUB_STEP_SUMMARY: summaryFile }, stdout: (text) => (stdout += text) });
      expect(stdout.split('\n').filter((line) => line.startsWith('::'))).toHaveLength(6);
      const written = await readFile(summaryFile, 'utf8');
      expect(written.match(/## Shipshape/g)).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('JUnit', () => {
  it('is well-formed, counts match, failures carry file and line, control codes are gone', () => {
    const xml = renderVerify(result, 'junit').document;
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) }).parse(xml);
    const suite = doc.testsuites.testsuite[0];
    expect([suite.tests, suite.failures, suite.skipped]).toEqual(['5', '2', '1']);
    const cases = suite.testcase;
    expect(cases.filter((entry: any) => entry.failure)).toHaveLength(2);
    expect(cases.filter((entry: any) => entry.skipped)).toHaveLength(1);
    expect(cases[0]).toMatchObject({ file: 'Dockerfile', line: '4' });
    expect(cases[2]['system-out']).toContain('consider a fixed uid');
    expect(xml).not.toContain('\u001b');
    const properties = Object.fromEntries(suite.properties.property.map((entry: any) => [entry.name, entry.value]));
    expect(properties['shipshape.version']).toBe('0.1.0');
    expect(properties['engine.imageStore']).toBe('graphdriver');
    expect(properties['baseImage.php:8.2-fpm-alpine']).toContain('php@sha256:1234');
  });
});

describe('Gradescope', () => {
  it("follows Gradescope's results.json spec: a test per check with name, score, max_score, status, output, visibility", () => {
    const parsed = GradescopeResultSchema.parse(JSON.parse(renderVerify(result, 'gradescope').document));
    expect(parsed.score).toBe(20);
    expect(parsed.tests!.map((test) => [test.status, test.score, test.max_score])).toEqual([
      ['failed', 0, 10],
      ['failed', 0, 10],
      ['passed', 10, 10],
      ['failed', 0, 10],
      ['passed', 10, 10],
    ]);
    expect(parsed.tests![0]!.output).toContain('Dockerfile:4: only 1 stage');
    expect(parsed.tests!.every((test) => test.visibility === 'visible' && test.name)).toBe(true);
    expect(parsed.extra_data!.shipshape).toMatchObject({ 'shipshape.version': '0.1.0' });
  });

  it('the schema refuses what Gradescope would not read', () => {
    expect(GradescopeResultSchema.safeParse({ tests: [{ name: 'x', status: 'ok', score: 1 }] }).success).toBe(false);
    expect(GradescopeResultSchema.safeParse({ tests: [{ name: 'x' }] }).success).toBe(false);
    expect(GradescopeResultSchema.safeParse({ score: 1, visibility: 'sometimes' }).success).toBe(false);
  });
});

describe('Classroom 50', () => {
  const env = {
    CLASSROOM: 'cs-docker',
    ASSIGNMENT: 'greeter',
    SUBMISSION_TAG: 'submit/2026-12-01T10-00-00Z-abc1234',
    COMMIT_URL: 'https://github.com/org/repo/commit/abc',
    RELEASE_URL: 'https://github.com/org/repo/releases/tag/submit%2Fx',
    OWNER: 'alice',
    GITHUB_ACTOR: 'alice',
    GITHUB_ACTOR_ID: '42',
  };

  it('result.json has every field of classroom50/result/v1, stamped from the runner environment', () => {
    const parsed = Classroom50ResultSchema.parse(JSON.parse(renderVerify(result, 'classroom50', { env, now: new Date('2026-12-01T10:01:02.345Z') }).document));
    expect(parsed).toMatchObject({ schema: 'classroom50/result/v1', classroom: 'cs-docker', assignment: 'greeter', owner: 'alice', submission: env.SUBMISSION_TAG, datetime: '2026-12-01T10:01:02Z', score: 20, 'max-score': 50 });
    expect(parsed.review).toBe(env.COMMIT_URL);
    expect(parsed.submitted_by).toEqual({ username: 'alice', id: 42 });
    expect(parsed.tests.map((test) => [test['test-name'].split(':')[0], test.passed])).toEqual([
      ['stages', false],
      ['size', false],
      ['user', true],
      ['healthy', false],
      ['builds', true],
      ['shipshape-provenance', true],
    ]);
    expect(parsed.tests[0]).toMatchObject({ file: 'Dockerfile', line: 4 });
  });

  it('outside the runner (a local run) stand-ins keep it valid; the schema refuses broken documents', () => {
    const local = classroom50Result(result, {}, new Date('2026-12-01T10:00:00Z'));
    expect(Classroom50ResultSchema.safeParse(local).success).toBe(true);
    expect(local.submission).toMatch(/^submit\/local-/);
    expect(Classroom50ResultSchema.safeParse({ ...local, extra: 1 }).success).toBe(false);
    expect(Classroom50ResultSchema.safeParse({ ...local, score: 60 }).success).toBe(false);
    expect(Classroom50ResultSchema.safeParse({ ...local, datetime: '2026-12-01T10:00:00.000Z' }).success).toBe(false);
    expect(Classroom50ResultSchema.safeParse({ ...local, tests: [{ 'test-name': 'x', passed: true, score: 1.5, 'max-score': 2 }] }).success).toBe(false);
  });
});

describe('--format parsing', () => {
  it('takes FORMAT=FILE, --output for a single report, and refuses two reports on stdout', () => {
    expect(parseReports(['github', 'sarif=out.sarif'], undefined)).toEqual([{ format: 'github' }, { format: 'sarif', output: 'out.sarif' }]);
    expect(parseReports(['junit'], 'r.xml')).toEqual([{ format: 'junit', output: 'r.xml' }]);
    for (const [specs, output] of [[['xml'], undefined], [['json', 'junit'], undefined], [['json', 'junit'], 'x'], [[], 'x'], [['sarif='], undefined]] as const) {
      expect(() => parseReports([...specs], output)).toThrow(UserError);
    }
  });
});

describe('batch formats', () => {
  const batch: BatchResult = {
    schemaVersion: 1,
    challenge: { id: 'demo', title: 'Demo', manifestHash: 'b'.repeat(64) },
    submissionsDir: '/tmp/subs',
    startedAt: '2026-11-23T10:00:00.000Z',
    durationMs: 4200,
    concurrency: 2,
    timeoutSeconds: 60,
    engines: [{ endpoint: 'unix:///var/run/docker.sock', graded: 2, lost: false, lostReason: null }],
    counts: { total: 2, pass: 0, fail: 1, timeout: 0, error: 1, cached: 0 },
    submissions: [
      { name: "o'brien, b", status: 'fail', passed: false, score: result.score, counts: result.counts, checks: result.checks, message: 'not passed', phase: null, durationMs: 1, engine: 'e', attempts: 1, cached: false, contentHash: 'a'.repeat(64), gradedAt: '2026-11-23T10:00:00.000Z', provenance: result.provenance },
      { name: 'dave', status: 'error', passed: false, score: { points: 0, maxPoints: 10, percent: 0 }, counts: { pass: 0, fail: 0, skip: 1 }, checks: [check('a', 'skip')], message: 'no engine', phase: null, durationMs: 1, engine: null, attempts: 1, cached: false, contentHash: 'c'.repeat(64), gradedAt: '2026-11-23T10:00:00.000Z' },
    ],
    cleanup: { containers: 0, images: 0, errors: [] },
  };

  it('sarif: one valid run per submission, paths under the submission folder', async () => {
    const validate = await sarifValidator();
    const log = JSON.parse(renderBatch(batch, 'sarif'));
    expect(validate(log), JSON.stringify(validate.errors)).toBe(true);
    expect(log.runs).toHaveLength(2);
    expect(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe("o'brien,%20b/Dockerfile");
    expect(log.runs[1].automationDetails.id).toBe('shipshape/demo/dave');
  });

  it('junit testcases carry the file and line the check points at', () => {
    const xml = renderBatch(batch, 'junit');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toMatch(/<testcase name="stages: Title of stages"[^>]* file="Dockerfile" line="4"/);
  });

  it('classroom50 and gradescope: one valid document per submission, keyed by folder', () => {
    const classroom = JSON.parse(renderBatch(batch, 'classroom50'));
    expect(Object.keys(classroom)).toEqual(["o'brien, b", 'dave']);
    for (const document of Object.values(classroom)) Classroom50ResultSchema.parse(document);
    expect(classroom.dave.owner).toBe('dave');
    const gradescope = JSON.parse(renderBatch(batch, 'gradescope'));
    for (const document of Object.values(gradescope)) GradescopeResultSchema.parse(document);
    expect(gradescope.dave.tests.at(-1)).toMatchObject({ name: 'grading', status: 'failed', output: 'no engine' });
    expect(Object.values(gradescope).flatMap((document) => (document as { tests: Array<{ visibility: string }> }).tests.map((test) => test.visibility))).not.toContain('hidden');
  });

  it('gradescope: a check the manifest holds back is marked hidden, so students do not see it in Gradescope', () => {
    const hiddenId = result.checks[1]!.id;
    const manifest = { checks: result.checks.map((entry) => ({ id: entry.id, visibility: entry.id === hiddenId ? 'hidden' : 'visible' })) } as never;
    const gradescope = JSON.parse(renderBatch(batch, 'gradescope', { manifest }));
    const tests = gradescope["o'brien, b"].tests as Array<{ name: string; visibility: string }>;
    expect(tests.map((test) => test.visibility)).toEqual(result.checks.map((entry) => (entry.id === hiddenId ? 'hidden' : 'visible')));
    expect(tests[1]!.name).toContain(result.checks[1]!.title);
  });
});
