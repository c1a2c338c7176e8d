import type { z } from 'zod';
import { parse } from 'yaml';
import { ComposeModel } from '../../../src/checks/compose/model.js';
import type { CheckKind, ComposeContext, RunningStack, StackContainer, StackContext, Verdict } from '../../../src/checks/kind.js';

/**
 * A model from normalised YAML (the shape `docker-compose config` prints) and, for file:line in
 * messages, the learner's source (defaults to the same text).
 */
export function composeModel(config: string, source = config, file = '/workspace/compose.yaml'): ComposeModel {
  return ComposeModel.from(file, source, parse(config) as Record<string, unknown>);
}

export function composeContext(config: string, source?: string): ComposeContext {
  return { compose: composeModel(config, source), workspaceDir: '/workspace' };
}

/** Validates params through the kind's schema (so defaults apply) and runs it on an inline model. */
export async function runCompose<Params extends z.ZodType>(
  kind: CheckKind<Params, 'compose'>,
  params: z.input<Params>,
  config: string,
  source?: string,
): Promise<Verdict> {
  return kind.run(kind.params.parse(params), composeContext(config, source));
}

export function container(service: string, overrides: Partial<StackContainer> = {}): StackContainer {
  return {
    id: `${service}-id`,
    name: `p_${service}_1`,
    service,
    status: 'running',
    running: true,
    exitCode: 0,
    startedAt: '2026-01-01T00:00:10.000Z',
    finishedAt: '0001-01-01T00:00:00Z',
    health: null,
    ports: {},
    ...overrides,
  };
}

/** A stack double: containers, health events, exec and HTTP answers given by the test. */
export function fakeStack(options: {
  containers?: StackContainer[];
  healthy?: Record<string, number[]>;
  exec?: RunningStack['exec'];
  http?: RunningStack['httpGet'];
  logs?: string[];
  runService?: RunningStack['runService'];
  withVolumeContainer?: RunningStack['withVolumeContainer'];
  probe?: RunningStack['probe'];
}): RunningStack & { execCalls: string[][]; probeCalls: Array<Parameters<RunningStack['probe']>[0]> } {
  const containers = options.containers ?? [];
  const execCalls: string[][] = [];
  const probeCalls: Array<Parameters<RunningStack['probe']>[0]> = [];
  return {
    project: 'shipshape-test',
    up: { ok: true, message: 'up', durationMs: 1, outputTail: [] },
    execCalls,
    probeCalls,
    containmentLimits: { memoryBytes: 512 * 1024 * 1024, pidsLimit: 256, nanoCpus: 1_000_000_000 },
    probe: async (probeOptions) => {
      probeCalls.push(probeOptions);
      if (!options.probe) throw new Error('no probe expected');
      return options.probe(probeOptions);
    },
    containers: async (service) => containers.filter((entry) => !service || entry.service === service),
    healthyTimes: (service) => options.healthy?.[service] ?? [],
    waitReady: async (service) => containers.find((entry) => entry.service === service) ?? null,
    exec: async (service, command, execOptions) => {
      execCalls.push(command);
      if (!options.exec) throw new Error('no exec expected');
      return options.exec(service, command, execOptions);
    },
    logs: async () => options.logs ?? [],
    runService: async (service, runOptions) => {
      if (!options.runService) throw new Error('no run expected');
      return options.runService(service, runOptions);
    },
    withVolumeContainer: async (volume, volumeOptions) => {
      if (!options.withVolumeContainer) throw new Error('no helper container expected');
      return options.withVolumeContainer(volume, volumeOptions);
    },
    httpGet: async (service, port, urlPath, timeoutMs) => {
      if (!options.http) throw new Error('no http expected');
      return options.http(service, port, urlPath, timeoutMs);
    },
  };
}

export async function runStack<Params extends z.ZodType>(
  kind: CheckKind<Params, 'stack'>,
  params: z.input<Params>,
  stack: RunningStack,
  config = 'services: {}',
): Promise<Verdict> {
  const context: StackContext = { ...composeContext(config), stack };
  return kind.run(kind.params.parse(params), context);
}
