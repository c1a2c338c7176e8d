import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/grading/result.js';
import { DEFAULT_COLUMNS, VerifyStore, screenColumns, withSaneColumns } from '../../src/ui/verify-view.js';
import { makeStyle } from '../../src/ui/style.js';

const huge = (message: string): CheckResult => ({
  id: 'exec-form', title: 'CMD in exec form', kind: 'dockerfile.exec-form', phase: 'static', status: 'fail', required: true,
  points: 0, maxPoints: 5, message, hint: 'h', durationMs: 1,
  evidence: { lastLines: ['y'.repeat(100_000)] },
});

function committed(verbose: boolean, columns: number, result: CheckResult): string {
  const store = new VerifyStore(makeStyle(false), verbose, Date.now, () => columns);
  store.onEvent({ type: 'phase', phase: 'static', state: 'start' });
  store.onEvent({ type: 'check', result });
  store.close();
  return store.getSnapshot().lines.map((line) => line.text).join('\n');
}

describe('the live view does bounded work per check whatever the message size', () => {
  it('cuts a long message to a few rows of the terminal width; --verbose keeps the whole (bounded) message', () => {
    const message = `${'x'.repeat(1990)}… 798000 more characters`;
    const cut = committed(false, 80, huge(message));
    expect(cut.length).toBeLessThan(1000);
    expect(cut).toMatch(/… \d+ more characters/);
    const full = committed(true, 80, huge(message));
    expect(full).toContain(message);
  });

  it('a terminal reporting 0 columns is taken as 80', () => {
    expect(screenColumns({ columns: 0 })).toBe(DEFAULT_COLUMNS);
    expect(screenColumns({ columns: undefined })).toBe(DEFAULT_COLUMNS);
    expect(screenColumns({ columns: 120 })).toBe(120);
    const stream = Object.assign(Object.create(process.stdout) as NodeJS.WriteStream, { columns: 0 });
    expect(withSaneColumns(stream).columns).toBe(80);
  });

  it('notes from the core are cut on screen too', () => {
    const store = new VerifyStore(makeStyle(false), false, Date.now, () => 80);
    store.onEvent({ type: 'note', message: 'z'.repeat(8000) });
    store.close();
    expect(store.getSnapshot().lines.map((line) => line.text).join('').length).toBeLessThan(1000);
  });
});
