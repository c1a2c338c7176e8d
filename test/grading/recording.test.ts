import { describe, expect, it } from 'vitest';
import { makeRecording, maskMessage, recordingDiff } from '../../src/grading/recording.js';
import type { CheckResult } from '../../src/grading/result.js';

const check = (id: string, status: CheckResult['status'], message: string) => ({ id, status, message }) as CheckResult;

describe('recorded scorecards', () => {
  it('masks digests, ids, sizes, percentages, factors, durations, host ports and run names', () => {
    expect(maskMessage('image sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef is 12.5 MB (42% of the starter, 2.4x smaller)')).toBe(
      'image sha256:<digest> is <size> (<percent> of the starter, <factor> smaller)',
    );
    expect(maskMessage('container 3f2a9c81be7d0011 healthy after 2.3 s (1200 ms), answered on 127.0.0.1:49153')).toBe(
      'container <id> healthy after <duration> (<duration>), answered on <host-port>',
    );
    expect(maskMessage('the token shipshape-apitoken-0123456789abcdef0123456789abcdef is in layer 3')).toBe('the token <run-name> is in layer 3');
    expect(maskMessage('adds 512 kB; 1,024 bytes over; 30 MB budget')).toBe('adds <size>; <size> over; <size> budget');
    expect(maskMessage('connection to server at "db" (172.25.0.2), port 5432 failed')).toBe('connection to server at "db" (<ip>), port 5432 failed');
    expect(maskMessage('answered 502 (expected 200): Bad Gateway; its log: 192.168.208.1 - - [07/Dec/2026:02:46:54 +0000] "GET /"')).toBe('answered 502 (expected 200): Bad Gateway; its log: <log>');
    expect(maskMessage('`/pinger -version`: exited with 127, expected 0: (HTTP code 400) unexpected - failed to create shim task: OCI runtime')).toBe(
      '`/pinger -version`: exited with 127, expected 0: <engine error>',
    );
    expect(maskMessage("in any file (4 layers read from docker save's OCI layout, 3 gzip); 2026/12/07 02:46:54 [error]")).toBe('in any file (layers read from docker save); <time> [error]');
    expect(maskMessage('budget 30 MB; of that, 12 MB in 640 files added in one layer and deleted or overwritten in a later one; biggest: /usr/bin/perl (3 MB, added by layer 1)')).toBe(
      'budget <size>; of that, <size> in <count> files added in one layer and deleted or overwritten in a later one; biggest: <files>',
    );
    expect(maskMessage('the value of secret "api_token" is readable by anyone with the image: 2 places, first layer 2 of 7 (docker history): ARG API_TOKEN=***')).toBe(
      'the value of secret "api_token" is readable by anyone with the image: <where>',
    );
    expect(maskMessage('`db` has no health check, so nothing can wait for it; `app` then exited with code 1: migrate: cannot reach')).toBe('`db` has no health check, so nothing can wait for it');
    expect(maskMessage('pushed shop/api:1.4.2 and shop/api:1.4.2-275a415 to the registry')).toBe('pushed shop/api:1.4.2 and shop/api:1.4.2-<id> to the registry');
    expect(maskMessage('shop/api:1.4.2-4566144 read back')).toBe('shop/api:1.4.2-<id> read back');
    expect(maskMessage('no route out (deb.debian.org:80 from there: no-route, no default route; from the default network: connected)')).toBe(
      'no route out (deb.debian.org:80 from there: <blocked>; from the default network: connected)',
    );
    // "6 x 7" in a pattern is not a size factor.
    expect(maskMessage('matches /6 x 7 = 42/')).toBe('matches /6 x 7 = 42/');
    // What a verdict says in words stays.
    expect(maskMessage('service `db` uses postgres:16-alpine (compose.yaml:3)')).toBe('service `db` uses postgres:16-alpine (compose.yaml:3)');
  });

  it('shows a unified diff when a message or status changes, and nothing when they match', () => {
    const starter = { checks: [check('build', 'pass', 'built in 3.1 s'), check('user', 'fail', 'the image runs as root')] };
    const solution = { checks: [check('build', 'pass', 'built in 2.0 s'), check('user', 'pass', 'the image runs as counter')] };
    const recorded = makeRecording('sample', starter, solution);
    // Timings differ, masked: still a match.
    expect(recordingDiff(recorded, makeRecording('sample', { checks: [check('build', 'pass', 'built in 9 s'), starter.checks[1]!] }, solution))).toBeNull();
    const changed = makeRecording('sample', starter, { checks: [solution.checks[0]!, check('user', 'pass', 'the image runs as uid 1000')] });
    const diff = recordingDiff(recorded, changed)!;
    expect(diff).toContain('--- recorded/recording.json\n+++ this run/recording.json');
    expect(diff).toContain('-      "message": "the image runs as counter"\n+      "message": "the image runs as uid 1000"');
  });

  it('does not compare a check one engine could not grade', () => {
    const skipped = { ...check('platforms', 'skip', 'not graded on this engine: Docker 20.10 keeps one platform per image'), skippedFor: 'engine' as const };
    const recorded = makeRecording('sample', { checks: [check('build', 'pass', 'built'), skipped] }, { checks: [check('build', 'pass', 'built'), skipped] });
    expect(recorded.solution[1]).toEqual({ id: 'platforms', status: 'skip', message: 'not graded on this engine', skippedFor: 'engine' });
    const elsewhere = makeRecording('sample', { checks: [check('build', 'pass', 'built'), check('platforms', 'fail', 'one platform')] }, { checks: [check('build', 'pass', 'built'), check('platforms', 'pass', 'two platforms')] });
    expect(recordingDiff(recorded, elsewhere)).toBeNull();
    expect(recordingDiff(recorded, makeRecording('sample', { checks: [check('build', 'fail', 'no'), skipped] }, { checks: [check('build', 'pass', 'built'), skipped] }))).toMatch(/-\s+"status": "pass",\n-\s+"message": "built"\n\+\s+"status": "fail",/);
  });
});
