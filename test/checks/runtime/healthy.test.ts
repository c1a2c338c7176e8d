import { describe, expect, it } from 'vitest';
import type { ContainerRunner, HealthOutcome } from '../../../src/checks/kind.js';
import { runtimeHealthy } from '../../../src/checks/runtime/healthy.js';
import { FakeInspector, facts, health, imageContext } from '../image/fake.js';

const DECLARED = { interval: '30s', timeout: '3s', startPeriod: '5s', retries: 3 };

/** Runs the check against a runner that answers `outcome`, recording what the check asked of it. */
async function check(outcome: HealthOutcome, params: { timeoutSeconds?: number; probeIntervalSeconds?: number } = {}) {
  const asked: Array<{ imageId: string; timeoutMs: number; probeIntervalMs: number }> = [];
  const runner: ContainerRunner = {
    async runUntilHealthy(image, options) {
      asked.push({ imageId: image.id, ...options });
      return outcome;
    },
    async execWhenHealthy() {
      throw new Error('runtime.healthy never execs');
    },
  };
  const image = facts({ id: 'sha256:under-test' });
  const verdict = await runtimeHealthy.run(runtimeHealthy.params.parse(params), { ...imageContext(image, new FakeInspector()), runner });
  return { verdict, asked };
}

describe('runtime.healthy', () => {
  it('healthy: passes with the time taken and the declared timings, probing at the short interval it asks for', async () => {
    const { verdict, asked } = await check(health('healthy', { elapsedMs: 2300, declared: DECLARED, log: [{ exitCode: 0, output: 'ok' }] }), { timeoutSeconds: 45, probeIntervalSeconds: 0.5 });
    expect(asked).toEqual([{ imageId: 'sha256:under-test', timeoutMs: 45_000, probeIntervalMs: 500 }]);
    expect(verdict.status).toBe('pass');
    expect(verdict.message).toBe('healthy after 2.3 s (declared: interval 30s, timeout 3s, start period 5s, retries 3; probed every 0.5s)');
    expect(verdict.evidence).toMatchObject({ status: 'healthy', elapsedMs: 2300, declared: DECLARED, healthLog: [{ exitCode: 0, output: 'ok' }] });
  });

  it('defaults: waits at most 60 s, probing every second', async () => {
    const { asked } = await check(health('healthy'));
    expect(asked).toEqual([{ imageId: 'sha256:under-test', timeoutMs: 60_000, probeIntervalMs: 1000 }]);
  });

  it('unhealthy: fails with the last probe exit code and output', async () => {
    const { verdict } = await check(health('unhealthy', { elapsedMs: 4100, log: [{ exitCode: 1, output: 'first' }, { exitCode: 1, output: 'connection refused\nport 9000' }] }));
    expect(verdict).toMatchObject({ status: 'fail', message: 'unhealthy after 4.1 s; last probe exited 1: connection refused / port 9000', evidence: { status: 'unhealthy' } });
  });

  it('exited: fails with the exit code and the container log tail', async () => {
    const { verdict } = await check(health('exited', { elapsedMs: 800, exitCode: 3, containerLogTail: ['starting', 'config missing', 'bye'] }));
    expect(verdict).toMatchObject({
      status: 'fail',
      message: 'the container exited with code 3 after 0.8 s before becoming healthy; its last output: config missing / bye',
      evidence: { status: 'exited', exitCode: 3, containerLog: ['starting', 'config missing', 'bye'] },
    });
  });

  it('timeout: fails naming the limit, with the last probe when one finished', async () => {
    const probed = await check(health('timeout', { elapsedMs: 20_000, log: [{ exitCode: 1, output: 'not yet' }] }), { timeoutSeconds: 20 });
    expect(probed.verdict).toMatchObject({ status: 'fail', message: 'not healthy within 20 s; last probe exited 1: not yet', evidence: { status: 'timeout', elapsedMs: 20_000 } });
  });

  it('timeout: says so when no probe finished at all', async () => {
    const { verdict } = await check(health('timeout', { elapsedMs: 60_000, log: [] }));
    expect(verdict).toMatchObject({ status: 'fail', message: 'not healthy within 60 s; no probe finished', evidence: { status: 'timeout', healthLog: [] } });
  });

  it('no-healthcheck: fails saying the image has none', async () => {
    const { verdict } = await check(health('no-healthcheck'));
    expect(verdict).toMatchObject({ status: 'fail', message: 'the image has no health check to run', evidence: { status: 'no-healthcheck' } });
  });

  it('the limits are bounded by the schema', () => {
    expect(runtimeHealthy.params.safeParse({ timeoutSeconds: 4 }).success).toBe(false);
    expect(runtimeHealthy.params.safeParse({ timeoutSeconds: 601 }).success).toBe(false);
    expect(runtimeHealthy.params.safeParse({ probeIntervalSeconds: 0.1 }).success).toBe(false);
  });
});
