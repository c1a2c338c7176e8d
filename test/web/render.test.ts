import { describe, expect, it } from 'vitest';
import { classCsv, parseClassFile } from '../../src/web/class-view.js';
import { diffToHtml, markdownToHtml } from '../../src/web/markdown.js';
import { sanitizeDeep } from '../../src/web/sanitize.js';

describe('web markdown', () => {
  it('highlights fenced code by language and escapes raw HTML, scripts and javascript: links', () => {
    const html = markdownToHtml(
      '# Title\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[bad](javascript:alert(1)) [good](https://docs.docker.com/)\n\n```dockerfile\nFROM php:8.2 AS builder\nRUN echo "<b>"\n```\n',
    );
    expect(html).toContain('<h1>Title</h1>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;');
    expect(html).not.toMatch(/<img/);
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('href="https://docs.docker.com/"');
    expect(html).toContain('<code class="hljs language-dockerfile">');
    expect(html).toMatch(/<span class="hljs-keyword">FROM<\/span>/);
    expect(html).not.toContain('"<b>"');
  });

  it('escapes code in unknown languages and marks diff lines', () => {
    expect(markdownToHtml('```nope\n<i>x</i>\n```')).toContain('&#60;i&#62;x&#60;/i&#62;');
    const diff = diffToHtml('--- yours/Dockerfile\n+++ solution/Dockerfile\n@@ -1 +1 @@\n-FROM a\n+FROM <b>\n same');
    expect(diff).toContain('<span class="diff-file">--- yours/Dockerfile</span>');
    expect(diff).toContain('<span class="diff-del">-FROM a</span>');
    expect(diff).toContain('<span class="diff-add">+FROM &#60;b&#62;</span>');
    expect(diff).toContain('<span class="diff-hunk">');
  });
});

describe('sanitizeDeep', () => {
  it('strips escape sequences from every string, keys included, and bounds lengths and counts', () => {
    const value = sanitizeDeep({ message: '\u001b]0;title\u0007ok\u001b[31m red', nested: [{ line: 'a\u0000b' }], ['k\u001b[1m']: 1, long: 'x'.repeat(5000), many: Array.from({ length: 600 }, (_, index) => index) }) as Record<string, unknown>;
    expect(value.message).toBe('ok red');
    expect(value.nested).toEqual([{ line: 'ab' }]);
    expect(value.k).toBe(1);
    expect(String(value.long).length).toBeLessThan(2100);
    expect((value.many as unknown[]).length).toBe(501);
    expect((value.many as unknown[]).at(-1)).toBe('… 100 more');
  });
});

const check = (id: string, status: string) => ({ id, title: `Title of ${id}`, kind: 'x', phase: 'static', status, required: true, points: status === 'pass' ? 5 : 0, maxPoints: 5, message: `${id} ${status}`, hint: null, durationMs: 1 });
const submission = (name: string, statuses: Record<string, string>) => ({
  name,
  status: Object.values(statuses).includes('fail') ? 'fail' : 'pass',
  passed: !Object.values(statuses).includes('fail'),
  score: { points: 5, maxPoints: 10, percent: 50 },
  counts: { pass: 1, fail: 1, skip: 0 },
  checks: Object.entries(statuses).map(([id, status]) => check(id, status)),
  message: null,
  phase: null,
  durationMs: 100,
  engine: 'unix:///var/run/docker.sock',
  attempts: 1,
  cached: false,
  contentHash: 'a'.repeat(64),
  gradedAt: '2026-01-01T00:00:00.000Z',
});

describe('class view', () => {
  const result = {
    schemaVersion: 1,
    challenge: { id: 'docker-missing-multistage', title: 'Split it', manifestHash: 'b'.repeat(64) },
    submissionsDir: '/subs',
    submissions: [submission('zoe', { a: 'pass', b: 'fail', c: 'advice' }), submission('=cmd|calc', { a: 'fail', b: 'fail', c: 'skip' }), submission('amy', { a: 'pass', b: 'pass', c: 'pass' })],
  };

  it('reads a challenge:grade result into learners × checks, with the most failed counts', () => {
    const view = parseClassFile(JSON.stringify(result));
    expect(view.source).toBe('result');
    expect(view.challenge).toEqual({ id: 'docker-missing-multistage', title: 'Split it' });
    expect(view.learners.map((learner) => learner.name)).toEqual(['=cmd|calc', 'amy', 'zoe']);
    expect(view.checks).toEqual([
      { id: 'a', title: 'Title of a', failed: 1, passed: 2, other: 0 },
      { id: 'b', title: 'Title of b', failed: 2, passed: 1, other: 0 },
      { id: 'c', title: 'Title of c', failed: 0, passed: 2, other: 1 },
    ]);
    expect(view.learners.find((learner) => learner.name === 'zoe')!.cells).toEqual({ a: 'pass', b: 'fail', c: 'advice' });
  });

  it('reads the state file (results cache) too', () => {
    const state = { schemaVersion: 1, challenge: 'docker-missing-multistage', entries: { amy: { key: 'k', timeoutSeconds: 600, outcome: submission('amy', { a: 'pass' }) } } };
    const view = parseClassFile(JSON.stringify(state));
    expect(view.source).toBe('state');
    expect(view.learners).toHaveLength(1);
  });

  it('writes CSV with one column per check, quoting and defusing spreadsheet formulas', () => {
    const csv = classCsv(parseClassFile(JSON.stringify(result)));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('learner,status,points,max_points,percent,a,b,c');
    expect(lines[1]).toBe("'=cmd|calc,fail,5,10,50,fail,fail,skip");
    expect(lines[3]).toBe('zoe,fail,5,10,50,pass,fail,advice');
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('names what is wrong with a file that is neither', () => {
    expect(() => parseClassFile('{', 'x.json')).toThrow(/x\.json is not JSON/);
    expect(() => parseClassFile('{"submissions": 3}', 'x.json')).toThrow(/neither a challenge:grade result nor its state file/);
  });
});
