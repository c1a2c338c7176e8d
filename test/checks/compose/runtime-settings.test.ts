import { describe, expect, it } from 'vitest';
import { composeHealthy } from '../../../src/checks/stack/healthy.js';
import { composeNoBindMount } from '../../../src/checks/stack/no-bind-mount.js';
import { composeResourceLimits } from '../../../src/checks/stack/resource-limits.js';
import { composeRestartPolicy } from '../../../src/checks/stack/restart-policy.js';
import { composeStoppedByOwnLimit } from '../../../src/checks/stack/stopped-by-own-limit.js';
import type { ContainerSettings } from '../../../src/checks/kind.js';
import { container, fakeStack, runStack } from './helpers.js';

const MIB = 1024 * 1024;
const CAP = { memoryBytes: 512 * MIB, nanoCpus: 1e9, pidsLimit: 256 };
const settings = (overrides: Partial<ContainerSettings> = {}): ContainerSettings => ({
  ...CAP, oomKilled: false, restartPolicy: { name: 'no', maximumRetryCount: 0 }, readOnlyRootfs: false,
  capAdd: [], capDrop: [], securityOpt: [], mounts: [], networks: ['p_default'], imageId: 'sha256:x', ...overrides,
});

describe('compose.resource-limits', () => {
  const params = { services: ['api', 'worker'], maxMemoryMiB: 256, maxCpus: 0.5, maxPids: 128 };

  it('passes limits of each service\'s own within the bounds', async () => {
    const stack = fakeStack({ containers: [
      container('api', { settings: settings({ memoryBytes: 128 * MIB, nanoCpus: 5e8, pidsLimit: 64 }) }),
      container('worker', { settings: settings({ memoryBytes: 96 * MIB, nanoCpus: 2.5e8, pidsLimit: 32 }) }),
    ] });
    const result = await runStack(composeResourceLimits, params, stack);
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe('every service runs within its own limits (api: 128 MiB, 0.5 CPU, 64 processes; worker: 96 MiB, 0.25 CPU, 32 processes)');
  });

  it("fails Shipshape's own cap as no limit, and names each missing or too large one", async () => {
    const stack = fakeStack({ containers: [
      container('api', { settings: settings() }),
      container('worker', { settings: settings({ memoryBytes: 300 * MIB, nanoCpus: 5e8, pidsLimit: 0 }) }),
    ] });
    const result = await runStack(composeResourceLimits, params, stack);
    expect(result.status).toBe('fail');
    expect(result.message).toContain("`api`: no memory limit of its own (`mem_limit`; 512 MiB is Shipshape's cap); no CPU limit of its own (`cpus`; 1 CPU is Shipshape's cap)");
    expect(result.message).toContain('`worker`: memory limit 300 MiB is above 256 MiB; no process limit (`pids_limit`)');
    expect(result.hint).toContain('within 256 MiB, 0.5 CPU and 128 processes');
  });
});

describe('compose.stopped-by-own-limit', () => {
  it('passes a container the kernel stopped at its own limit', async () => {
    const stack = fakeStack({ containers: [container('worker', { running: false, status: 'exited', exitCode: 137, settings: settings({ memoryBytes: 96 * MIB, oomKilled: true }) })] });
    const result = await runStack(composeStoppedByOwnLimit, { service: 'worker' }, stack);
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe('`worker` was stopped by its own 96 MiB memory limit (OOMKilled, exit code 137)');
  });

  it("fails a kill at Shipshape's cap (the host), an exit of its own, and a leak still running", async () => {
    const atCap = fakeStack({ containers: [container('worker', { running: false, status: 'exited', exitCode: 137, settings: settings({ oomKilled: true }) })] });
    expect((await runStack(composeStoppedByOwnLimit, { service: 'worker' }, atCap)).message).toContain("Shipshape's cap that stands in for the host");
    const crashed = fakeStack({ containers: [container('worker', { running: false, status: 'exited', exitCode: 1, settings: settings({ memoryBytes: 96 * MIB }) })], logs: ['MemoryError'] });
    expect((await runStack(composeStoppedByOwnLimit, { service: 'worker' }, crashed)).message).toBe('`worker` stopped with exit code 1, but not by its memory limit (OOMKilled is false): MemoryError');
    const running = fakeStack({ containers: [container('worker', { settings: settings({ memoryBytes: 256 * MIB }) })] });
    expect((await runStack(composeStoppedByOwnLimit, { service: 'worker', timeoutSeconds: 1 }, running)).message).toBe('`worker` still runs after 1 s under a 256 MiB limit: its leak was not stopped');
  });
});

describe('compose.restart-policy', () => {
  it('reads the policy the engine applied', async () => {
    const stack = fakeStack({ containers: [container('web', { settings: settings({ restartPolicy: { name: 'unless-stopped', maximumRetryCount: 0 } }) })] });
    expect(await runStack(composeRestartPolicy, { service: 'web' }, stack)).toMatchObject({ status: 'pass', message: 'the engine restarts `web` by `unless-stopped`' });
    const none = fakeStack({ containers: [container('web', { settings: settings() })] });
    const noPolicy = await runStack(composeRestartPolicy, { service: 'web' }, none);
    expect(noPolicy.status).toBe('fail');
    expect(noPolicy.message).toContain('has no restart policy');
    const other = fakeStack({ containers: [container('web', { settings: settings({ restartPolicy: { name: 'on-failure', maximumRetryCount: 3 } }) })] });
    expect((await runStack(composeRestartPolicy, { service: 'web', policies: ['always'] }, other)).message).toBe('`web` restarts by `on-failure:3`, not `always`');
  });
});

describe('compose.no-bind-mount', () => {
  it('fails a bind mount under the given paths and ignores volumes and other paths', async () => {
    const mounts = [
      { type: 'bind', source: '/home/me/shop/src', destination: '/app', readOnly: false },
      { type: 'volume', source: '/var/lib/docker/volumes/x', destination: '/data', readOnly: false },
    ];
    const stack = fakeStack({ containers: [container('web', { settings: settings({ mounts }) })] });
    const result = await runStack(composeNoBindMount, { service: 'web', under: ['/app'] }, stack);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('/app bind-mounted from the host');
    expect((await runStack(composeNoBindMount, { service: 'web', under: ['/srv'] }, stack)).status).toBe('pass');
    const clean = fakeStack({ containers: [container('web', { settings: settings({ mounts: [mounts[1]!] }) })] });
    expect((await runStack(composeNoBindMount, { service: 'web' }, clean)).status).toBe('pass');
  });
});

describe('compose.healthy', () => {
  it('passes only a running container whose own health check says healthy', async () => {
    const healthy = fakeStack({ containers: [container('app', { health: { status: 'healthy', log: [] } })] });
    expect((await runStack(composeHealthy, { service: 'app' }, healthy)).status).toBe('pass');
    const unhealthy = fakeStack({ containers: [container('app', { health: { status: 'unhealthy', log: [{ start: '', end: '', exitCode: 1, output: 'Connection refused' }] } })], logs: ['worker: [Errno 1] Operation not permitted'] });
    expect((await runStack(composeHealthy, { service: 'app' }, unhealthy)).message).toBe('`app` is unhealthy (last probe exit 1: Connection refused); its log: worker: [Errno 1] Operation not permitted');
    const none = fakeStack({ containers: [container('app')] });
    expect((await runStack(composeHealthy, { service: 'app' }, none)).message).toContain('has no health check');
  });
});
