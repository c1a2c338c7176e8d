import { describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/engine/connect.js';
import { inspectImage } from '../../src/engine/inspect.js';
import { type HealthProbe, runUntilHealthy } from '../../src/engine/run.js';
import { RunScope } from '../../src/engine/scope.js';
import { labelledObjects, requireEngine, requireImages } from '../support/engine.js';
import { describeNeeding, needs } from '../support/needs.js';

describeNeeding(needs.engine)('health probes reported live', { timeout: 120_000 }, () => {
  it('each finished probe is reported once, in order, before the outcome: two failing probes, then a passing one', async () => {
    requireEngine();
    requireImages('nginx:alpine');
    const engine = await connectEngine();
    const scope = new RunScope(engine.docker, 'probe-test');
    // nginx runs until stopped: the container outlives its probes.
    const base = await inspectImage(engine, 'nginx:alpine');
    // The probe passes from its third run on: a counter file in the container.
    const test = ['CMD-SHELL', 'n=$(cat /tmp/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/n; echo "probe $n"; [ $n -ge 3 ]'];
    const image = { ...base!, healthcheck: { test, intervalNs: 1e9, timeoutNs: 5e9, startPeriodNs: 0, retries: 5 } };
    const probes: HealthProbe[] = [];
    try {
      const outcome = await runUntilHealthy(engine, scope, image, {
        timeoutMs: 60_000,
        probeIntervalMs: 500,
        onProbe: (probe) => probes.push(probe),
      });
      expect(outcome.status, JSON.stringify(outcome)).toBe('healthy');
      expect(probes.map((probe) => probe.index)).toEqual(probes.map((_, i) => i + 1));
      expect(probes.length).toBeGreaterThanOrEqual(3);
      expect(probes.slice(0, 2).map((probe) => [probe.exitCode, probe.output])).toEqual([
        [1, 'probe 1'],
        [1, 'probe 2'],
      ]);
      expect(probes.at(-1)).toMatchObject({ exitCode: 0 });
      for (let i = 1; i < probes.length; i++) expect(probes[i]!.atMs).toBeGreaterThanOrEqual(probes[i - 1]!.atMs);
    } finally {
      await scope.dispose();
    }
    expect(await labelledObjects()).toEqual({ containers: 0, images: 0 });
  });
});
