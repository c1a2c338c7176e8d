import { describe, expect, it } from 'vitest';
import { bounded, oneLine, safeText, stripControl } from '../../src/text/safe.js';

describe('stripControl', () => {
  it('removes CSI, OSC, BEL, NUL, C1 and bidi overrides; keeps tab and newline', () => {
    const hostile = 'a\u001b[2J\u001b]0;pwned\u0007b\u0000c\u009bd\u202eе\te\nf\u001b]8;;http://x\u001b\\g';
    expect(stripControl(hostile)).toBe('abcdе\te\nfg');
  });
  it('leaves plain text untouched', () => {
    expect(stripControl('FROM node:20 AS build → ok')).toBe('FROM node:20 AS build → ok');
  });
  it('oneLine folds newlines and tabs', () => {
    expect(oneLine('a\n\tb\u001b[31m')).toBe('a b');
  });
});

describe('bounded', () => {
  it('cuts with a tail naming what was left out', () => {
    expect(bounded('x'.repeat(10), 4)).toBe('xxxx… 6 more characters');
    expect(bounded('short', 10)).toBe('short');
  });
  it('never splits a surrogate pair', () => {
    const text = `a${'😀'.repeat(3)}`;
    const cut = bounded(text, 2);
    expect(cut.startsWith('a…')).toBe(true);
  });
  it('safeText strips then bounds', () => {
    expect(safeText('\u001b[2J' + 'y'.repeat(5), 3)).toBe('yyy… 2 more characters');
  });
});

describe('safeEvidence', () => {
  it('strips every string, cuts long strings and long arrays with a tail, keeps numbers', async () => {
    const { safeEvidence } = await import('../../src/text/safe.js');
    const evidence = safeEvidence(
      { line: 3, text: 'CMD \u001b]0;x\u0007run', nested: { list: Array.from({ length: 5 }, (_, i) => `l${i}`) }, long: 'y'.repeat(50) },
      { stringChars: 10, arrayItems: 3, depth: 8 },
    );
    expect(evidence).toEqual({ line: 3, text: 'CMD run', nested: { list: ['l0', 'l1', 'l2', '… 2 more items'] }, long: 'yyyyyyyyyy… 40 more characters' });
  });
});

describe('forScreen', () => {
  it('cuts to rows × width whatever the length, counting what it left out', async () => {
    const { forScreen } = await import('../../src/text/safe.js');
    const shown = forScreen('x'.repeat(1_000_000), 40, 3);
    expect(shown).toBe(`${'x'.repeat(120)}… ${1_000_000 - 120} more characters`);
    expect(forScreen('short', 40, 3)).toBe('short');
    expect(forScreen('a\nb\nc\nd', 40, 2)).toBe('a\nb… 4 more characters');
    expect(forScreen('\u001b[2Jclear', 40, 2)).toBe('clear');
  });
});
