import { describe, expect, it } from 'vitest';
import { PHASES } from '../../src/checks/kind.js';
import { CHECK_KIND_NAMES, findCheckKind } from '../../src/checks/registry.js';
import type { CheckEntry } from '../../src/course/manifest.js';
import { planChecks } from '../../src/grading/plan.js';

const entry = (id: string, kind: string): CheckEntry => ({ id, title: id, kind, with: {}, points: 1, required: true, hint: 'h' }) as unknown as CheckEntry;

describe('planChecks: the one place that decides a check phase', () => {
  it('puts each check in the phase of its kind, phases in run order, manifest order kept within a phase', () => {
    const checks = [
      entry('runs', 'runtime.healthy'),
      entry('stages', 'dockerfile.stage-count'),
      entry('target', 'build.target'),
      entry('ignore', 'context.excludes'),
      entry('builds', 'build.succeeds'),
      entry('http', 'compose.http'),
      entry('defined', 'compose.service-defined'),
      entry('size', 'image.size-under'),
    ];
    const plan = planChecks(checks);
    expect(plan.phases.map((phase) => phase.phase)).toEqual([...PHASES]);
    expect(Object.fromEntries(plan.phases.map((phase) => [phase.phase, phase.checks.map((check) => check.id)]))).toEqual({
      static: ['stages', 'ignore'],
      compose: ['defined'],
      build: ['builds'],
      // build.target reads the built image: an image-phase kind, whatever its name says.
      image: ['target', 'size'],
      runtime: ['runs'],
      stack: ['http'],
    });
    expect(plan.phaseOf(checks[2]!)).toBe('image');
    expect(plan.kindsOf('static', 'compose')).toEqual(['dockerfile.stage-count', 'context.excludes', 'compose.service-defined']);
  });

  it('answers without loading any kind', () => {
    const plan = planChecks(CHECK_KIND_NAMES.map((kind, index) => entry(`c${index}`, kind)));
    expect(plan.phases.reduce((sum, phase) => sum + phase.checks.length, 0)).toBe(CHECK_KIND_NAMES.length);
    // Nothing was loaded: asking a loaded-kind question still throws.
    expect(() => findCheckKind('image.path')).toThrow(/before loadCheckKinds/);
  });

  it('refuses a kind no registry line names (the manifest schema refuses it first)', () => {
    expect(() => planChecks([entry('x', 'no.such-kind')])).toThrow(/unknown kind no\.such-kind/);
  });
});
