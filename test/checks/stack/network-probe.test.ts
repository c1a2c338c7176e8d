import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PROBE_SCRIPT, composeNetworkProbe, readProbeAnswer } from '../../../src/checks/stack/network-probe.js';
import type { ContainerSettings, ProbeOutcome } from '../../../src/checks/kind.js';
import { container, fakeStack, runStack } from '../compose/helpers.js';

const settings = (networks: string[]): ContainerSettings => ({
  memoryBytes: 0, nanoCpus: 0, pidsLimit: 0, oomKilled: false, restartPolicy: { name: 'no', maximumRetryCount: 0 }, readOnlyRootfs: false,
  capAdd: [], capDrop: [], securityOpt: [], mounts: [], networks, imageId: 'sha256:python',
});
const stackContainers = [
  container('web', { settings: settings(['p_frontend']) }),
  container('app', { settings: settings(['p_frontend', 'p_backend']) }),
  container('db', { settings: settings(['p_backend']), ports: { '5432/tcp': [] } }),
];
const answered = (answer: Record<string, unknown>, networks = ['p_frontend']): ProbeOutcome => ({
  ran: true,
  result: { exitCode: 0, stdout: `SHIPSHAPE-PROBE ${JSON.stringify(answer)}\n`, stderr: '', timedOut: false },
  networks,
});

describe('compose.network-probe', () => {
  it('passes `blocked` on a name that does not resolve on the source\'s networks, probing from exactly those', async () => {
    const stack = fakeStack({ containers: stackContainers, probe: async () => answered({ result: 'no-name', addresses: [], defaultRoute: true, detail: 'Name or service not known' }) });
    const result = await runStack(composeNetworkProbe, { from: { service: 'web' }, to: { service: 'db', port: 5432 }, expect: 'blocked', probeImageOf: 'app' }, stack);
    expect(result.status, result.message).toBe('pass');
    expect(result.message).toBe('`web` cannot reach `db:5432`: the name does not resolve on its networks');
    expect(stack.probeCalls[0]).toMatchObject({ networksOf: 'web', image: 'sha256:python' });
    expect(stack.probeCalls[0]!.command.slice(0, 2)).toEqual(['python3', '-c']);
    expect(stack.probeCalls[0]!.command.slice(3)).toEqual(['db', '5432', '3']);
  });

  it('fails `blocked` on a connection made or refused (packets got there)', async () => {
    for (const result of ['connected', 'refused']) {
      const stack = fakeStack({ containers: stackContainers, probe: async () => answered({ result, addresses: ['10.0.0.3'] }) });
      const verdict = await runStack(composeNetworkProbe, { from: { service: 'web' }, to: { service: 'db', port: 5432 }, expect: 'blocked', probeImageOf: 'app' }, stack);
      expect(verdict.status).toBe('fail');
      expect(verdict.message).toContain('`web` can reach `db:5432`');
    }
  });

  it('never counts a probe that did not run as blocked', async () => {
    const cases: ProbeOutcome[] = [
      { ran: false, result: null, problem: 'the probe container could not be created: no such image', networks: [] },
      { ran: true, result: { exitCode: 139, stdout: '', stderr: 'Segmentation fault', timedOut: false }, networks: ['p_frontend'] },
      { ran: true, result: { exitCode: 127, stdout: '', stderr: 'python3: not found', timedOut: false }, networks: ['p_frontend'] },
      answered({ result: 'probe-error', detail: "FileNotFoundError('/proc/net/route')" }),
    ];
    for (const outcome of cases) {
      const stack = fakeStack({ containers: stackContainers, probe: async () => outcome });
      const verdict = await runStack(composeNetworkProbe, { from: { service: 'web' }, to: { service: 'db', port: 5432 }, expect: 'blocked', probeImageOf: 'app' }, stack);
      expect(verdict.status, JSON.stringify(outcome)).toBe('fail');
      expect(verdict.message).toContain('could not run, so nothing was learnt');
    }
  });

  it('passes `reach` only on a connection, retrying while the target starts', async () => {
    const answers = [answered({ result: 'refused', addresses: ['10.0.1.3'] }), answered({ result: 'connected', addresses: ['10.0.1.3'] })];
    const stack = fakeStack({ containers: stackContainers, probe: async () => answers.shift()! });
    const verdict = await runStack(composeNetworkProbe, { from: { service: 'app' }, to: { service: 'db', port: 5432 }, expect: 'reach', probeImageOf: 'app', timeoutSeconds: 10 }, stack);
    expect(verdict.status, verdict.message).toBe('pass');
    expect(stack.probeCalls).toHaveLength(2);
  });

  it('looks for a route out only after a control probe from the engine\'s default network got out', async () => {
    const probe = async (options: { networksOf: string | null; command: string[] }) =>
      options.networksOf === null ? answered({ result: 'connected', addresses: ['151.101.2.132'] }, ['bridge']) : answered({ result: 'timeout', addresses: ['151.101.2.132'], defaultRoute: true }, ['p_backend']);
    const stack = fakeStack({ containers: stackContainers, probe });
    const verdict = await runStack(composeNetworkProbe, { from: { service: 'db' }, to: 'outside', expect: 'blocked', probeImageOf: 'app' }, stack);
    expect(verdict.status, verdict.message).toBe('pass');
    expect(stack.probeCalls.map((call) => [call.networksOf, call.command.slice(3)])).toEqual([
      [null, ['deb.debian.org', '80', '3']],
      ['db', ['151.101.2.132', '80', '3']],
    ]);
    // No way out from the engine at all: nothing can be told, so no pass.
    const offline = fakeStack({ containers: stackContainers, probe: async () => answered({ result: 'no-name', addresses: [] }, ['bridge']) });
    const unknown = await runStack(composeNetworkProbe, { from: { service: 'db' }, to: 'outside', expect: 'blocked', probeImageOf: 'app' }, offline);
    expect(unknown.status).toBe('fail');
    expect(unknown.message).toContain('cannot tell whether `db`\'s networks have a route out');
    expect(offline.probeCalls).toHaveLength(1);
  });

  it('from the host: blocked when the engine publishes nothing for the port', async () => {
    const stack = fakeStack({ containers: [container('db', { ports: { '5432/tcp': [{ hostIp: '127.0.0.1', hostPort: 49153 }] } })] });
    const published = await runStack(composeNetworkProbe, { from: 'host', to: { service: 'db', port: 5432 }, expect: 'blocked', probeImageOf: 'app' }, stack);
    expect(published.status).toBe('fail');
    expect(published.message).toBe('`db:5432` is reachable from outside the stack: the engine publishes it on 127.0.0.1:49153');
    const quiet = fakeStack({ containers: [container('db', { ports: { '5432/tcp': [] } })] });
    expect((await runStack(composeNetworkProbe, { from: 'host', to: { service: 'db', port: 5432 }, expect: 'blocked', probeImageOf: 'app' }, quiet)).status).toBe('pass');
    expect(quiet.probeCalls).toHaveLength(0);
  });

  it('reads only a well-formed answer line', () => {
    expect(readProbeAnswer('noise\nSHIPSHAPE-PROBE {"result": "connected"}\n')).toEqual({ result: 'connected' });
    expect(readProbeAnswer('SHIPSHAPE-PROBE {broken')).toBeNull();
    expect(readProbeAnswer('')).toBeNull();
  });

  it('the probe script itself answers on this machine\'s Python (a refused port and an unknown name)', () => {
    const run = (...args: string[]) => readProbeAnswer(execFileSync('python3', ['-c', PROBE_SCRIPT, ...args], { encoding: 'utf8' }));
    expect(run('127.0.0.1', '1', '2')).toMatchObject({ result: 'refused', addresses: ['127.0.0.1'] });
    expect(run('no-such-host.invalid', '80', '2')).toMatchObject({ result: 'no-name', addresses: [] });
  });
});
