import { describe, expect, it } from 'vitest';
import { nextCommand, shellWord } from '../../src/cli/next-steps.js';
import type { VerifyResult } from '../../src/grading/result.js';
import { formatScorecard } from '../../src/ui/report.js';
import { makeStyle } from '../../src/ui/style.js';

describe('next steps carry the --dir and --pack a command was given', () => {
  it('builds the command line, relative paths inside the cwd, absolute outside, quoted when needed', () => {
    expect(nextCommand('challenge:verify', { dir: '/work/ws', packs: ['/packs/extra'], cwd: '/work' })).toBe('shipshape challenge:verify --dir ws --pack /packs/extra');
    expect(nextCommand('challenge:hint', { args: ['docker-x'], packs: ['/my packs'], cwd: '/elsewhere' })).toBe("shipshape challenge:hint docker-x --pack '/my packs'");
    expect(nextCommand('challenge:verify', { cwd: '/work' })).toBe('shipshape challenge:verify');
    expect(shellWord("it's")).toBe(`'it'\\''s'`);
  });

  it('carries --course: an id as it is, a directory as a path', () => {
    expect(nextCommand('challenge:verify', { courses: ['builtin', 'acme-docker'], cwd: '/work' })).toBe('shipshape challenge:verify --course builtin --course acme-docker');
    expect(nextCommand('challenge:hint', { args: ['x'], courses: ['/work/my course', './local'], cwd: '/work' })).toBe("shipshape challenge:hint x --course 'my course' --course local");
    expect(nextCommand('challenge:status', { courses: ['/elsewhere/course'], cwd: '/work' })).toBe('shipshape challenge:status --course /elsewhere/course');
  });

  it('the scorecard names the verify command with them', () => {
    const result = {
      schemaVersion: 1,
      challenge: { id: 'docker-x', title: 'X', lesson: 'l' },
      passed: false,
      score: { points: 0, maxPoints: 5, percent: 0 },
      counts: { pass: 0, fail: 1, skip: 0 },
      checks: [{ id: 'c', title: 'C', kind: 'k', phase: 'static', status: 'fail', required: true, points: 0, maxPoints: 5, message: 'm', hint: 'h', durationMs: 1 }],
      timings: { totalMs: 1, staticMs: 1, buildMs: 0, imageMs: 0, runtimeMs: 0 },
    } as unknown as VerifyResult;
    const text = formatScorecard(result, makeStyle(false), 110, { verifyCommand: 'shipshape challenge:verify --dir ws --pack /p' });
    expect(text).toContain('Next: fix c, then run `shipshape challenge:verify --dir ws --pack /p`.');
  });
});
