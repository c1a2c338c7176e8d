import { describe, expect, it } from 'vitest';
import { PHASES } from '../../src/checks/kind.js';
import { CHECK_KIND_NAMES, findCheckKind, isStaticKindName, loadCheckKinds } from '../../src/checks/registry.js';

describe('check kind registry (loaded on demand)', () => {
  it('a known kind answers only once loaded; loading one kind does not load the others', async () => {
    expect(() => findCheckKind('image.path')).toThrow(/before loadCheckKinds/);
    const [stageCount] = await loadCheckKinds(['dockerfile.stage-count', 'no.such-kind']);
    expect(stageCount!.kind).toBe('dockerfile.stage-count');
    expect(findCheckKind('dockerfile.stage-count')).toBe(stageCount);
    expect(() => findCheckKind('image.path')).toThrow(/before loadCheckKinds/);
    expect(findCheckKind('no.such-kind')).toBeUndefined();
  });

  it('every registry line loads the kind of its own name, with a phase, a summary and a parameter schema', async () => {
    const kinds = await loadCheckKinds();
    expect(kinds.map((kind) => kind.kind)).toEqual(CHECK_KIND_NAMES);
    expect(CHECK_KIND_NAMES.length).toBeGreaterThanOrEqual(36);
    for (const kind of kinds) {
      expect(PHASES).toContain(kind.phase);
      expect(kind.summary.length, kind.kind).toBeGreaterThan(10);
      expect(typeof kind.params.safeParse, kind.kind).toBe('function');
      expect(typeof kind.run, kind.kind).toBe('function');
      // verify loads the static phase's kinds by name before the others: the name must tell the phase.
      expect(isStaticKindName(kind.kind), kind.kind).toBe(kind.phase === 'static');
    }
    expect(isStaticKindName('dockerfile.no-such-kind')).toBe(false);
  });
});
