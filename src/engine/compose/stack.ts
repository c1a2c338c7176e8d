import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type Docker from 'dockerode';
import type { CommandRun, ProbeOutcome, RunningStack, StackContainer, StackUp } from '../../checks/kind.js';
import type { ComposeModel } from '../../checks/compose/model.js';
import { errorMessage } from '../../errors.js';
import type { Engine } from '../connect.js';
import { execInContainer } from '../exec.js';
import { loadExeca } from '../execa.js';
import { LABEL_RUN } from '../labels.js';
import { readinessOf } from '../readiness.js';
import { type ContainerLimits, DEFAULT_LIMITS, demultiplex, hostConfigFor } from '../run.js';
import type { RunScope } from '../scope.js';
import { waitFor } from '../../wait.js';
import { type ComposeCli, allProfiles, composeEnv, detectCompose } from './cli.js';
import { PROJECT_LABEL, stackContainers } from './containers.js';
import { watchHealthyEvents } from './health-events.js';
import { outputTail as tail } from './output.js';
import { runFile } from './run-file.js';

export interface StackOptions {
  engine: Engine;
  scope: RunScope;
  model: ComposeModel;
  workspaceDir: string;
  limits?: ContainerLimits;
  upTimeoutMs: number;
  signal?: AbortSignal;
}

/**
 * A compose stack brought up under a unique project name (`shipshape-<run id>`), labelled as ours,
 * and always taken down with its volumes, also on error and Ctrl-C (call `down()` in a finally).
 */
export class ComposeStack implements RunningStack {
  readonly project: string;
  up: StackUp = { ok: false, message: 'not started', durationMs: 0, outputTail: [] };
  private dir: string | null = null;
  private runPath: string | null = null;
  private cli: ComposeCli | null = null;
  private readonly healthy = new Map<string, number[]>();
  private events: NodeJS.ReadableStream | null = null;
  private downed: Promise<string[]> | null = null;

  constructor(private readonly options: StackOptions) {
    this.project = `shipshape-${options.scope.runId}`.toLowerCase().replace(/[^a-z0-9_-]/g, '');
  }

  private get docker() {
    return this.options.engine.docker;
  }

  private args(...rest: string[]): string[] {
    return [...this.cli!.prefix, '-p', this.project, '-f', this.runPath!, '--project-directory', this.options.workspaceDir, ...rest];
  }

  async start(): Promise<StackUp> {
    const started = Date.now();
    this.cli = await detectCompose();
    this.dir = await mkdtemp(path.join(os.tmpdir(), 'shipshape-compose-'));
    this.runPath = path.join(this.dir, 'compose.run.yaml');
    const file = runFile(this.options.model, this.options.scope.labels, this.options.limits ?? DEFAULT_LIMITS);
    await writeFile(this.runPath, stringify(file));
    // Health events are a refinement (the health log is the fallback): a failure to subscribe is not fatal.
    await this.watchHealth().catch(() => undefined);
    const deadline = started + this.options.upTimeoutMs;
    const step = async (what: string, args: string[]) => {
      const result = await (await loadExeca())(this.cli!.file, this.args(...args), {
        cwd: this.options.workspaceDir,
        reject: false,
        all: true,
        timeout: Math.max(1000, deadline - Date.now()),
        cancelSignal: this.options.signal,
        env: composeEnv(),
        extendEnv: false,
      });
      const outputTail = tail(String(result.all ?? ''), 12);
      const durationMs = Date.now() - started;
      if (result.timedOut) {
        return { ok: false, message: `\`${this.cli!.name} ${what}\` did not finish within ${Math.round(this.options.upTimeoutMs / 1000)} s`, durationMs, outputTail };
      }
      if (result.exitCode !== 0) {
        const reason = outputTail.filter((line) => !/^(Creating|Building|Step |Starting|Pulling| --->|Removing intermediate|Successfully)/.test(line)).slice(-3).join(' / ');
        return { ok: false, message: `\`${this.cli!.name} ${what}\` failed: ${reason || `exit code ${result.exitCode}`}`, durationMs, outputTail };
      }
      return { ok: true, message: `stack ${this.project} is up`, durationMs, outputTail };
    };
    // Build first: v1's classic builds leave the container of a failed step behind unless told
    // --force-rm (it cannot be labelled), and `up` has no such option.
    const builds = this.options.model.serviceNames.some((name) => this.options.model.build(name));
    if (builds) {
      const built = await step('build', ['build', ...(this.cli.major === 1 ? ['--force-rm'] : [])]);
      if (!built.ok) {
        this.up = built;
        return this.up;
      }
    }
    this.up = await step('up', ['up', '-d', '--no-color', '--remove-orphans']);
    return this.up;
  }

  /** Records `health_status: healthy` times per service from the engine's event stream. */
  private async watchHealth(): Promise<void> {
    this.events = await watchHealthyEvents(this.docker, this.project, (service, atMs) => {
      this.healthy.set(service, [...(this.healthy.get(service) ?? []), atMs]);
    });
  }

  healthyTimes(service: string): number[] {
    return [...(this.healthy.get(service) ?? [])];
  }

  containers(service?: string): Promise<StackContainer[]> {
    return stackContainers(this.docker, this.project, service);
  }

  get containmentLimits() {
    return this.options.limits ?? DEFAULT_LIMITS;
  }

  async probe(options: { networksOf: string | null; image: string; command: string[]; timeoutMs: number }): Promise<ProbeOutcome> {
    let networks: string[] = [];
    if (options.networksOf !== null) {
      const [of] = await this.containers(options.networksOf);
      if (!of) return { ran: false, result: null, problem: `the stack has no \`${options.networksOf}\` container`, networks };
      networks = of.settings?.networks ?? [];
      if (networks.length === 0) return { ran: false, result: null, problem: `the \`${options.networksOf}\` container is attached to no network`, networks };
    }
    const [first = 'bridge', ...rest] = networks;
    let container: Docker.Container;
    try {
      container = await this.docker.createContainer({
        Image: options.image,
        Entrypoint: ['sleep'],
        Cmd: [String(Math.ceil(options.timeoutMs / 1000) + 5)],
        Labels: this.options.scope.labels,
        HostConfig: { ...hostConfigFor(this.options.limits ?? DEFAULT_LIMITS), NetworkMode: first },
      });
    } catch (error) {
      return { ran: false, result: null, problem: `the probe container could not be created: ${errorMessage(error)}`, networks };
    }
    this.options.scope.trackContainer(container.id);
    try {
      for (const name of rest) await this.docker.getNetwork(name).connect({ Container: container.id });
      await container.start();
      const result = await this.execIn(container.id, options.command, { timeoutMs: options.timeoutMs });
      return { ran: true, result, networks: networks.length > 0 ? networks : ['bridge'] };
    } catch (error) {
      return { ran: false, result: null, problem: `the probe container could not run: ${errorMessage(error)}`, networks };
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  async waitReady(service: string, timeoutMs: number): Promise<StackContainer | null> {
    // A service the model does not have never gets a container: no point waiting for it.
    if (!this.options.model.service(service)) return null;
    let last: StackContainer | null = null;
    await waitFor(
      async () => {
        [last = null] = await this.containers(service);
        return last && readinessOf({ running: last.running, status: last.status, health: last.health?.status }) !== 'starting';
      },
      { interval: 250, deadline: Date.now() + timeoutMs, signal: this.options.signal },
    );
    return last;
  }

  async exec(service: string, command: string[], options: { timeoutMs: number; env?: string[]; user?: string }): Promise<CommandRun> {
    const [container] = await this.containers(service);
    if (!container) throw new Error(`service ${service} has no container`);
    if (!container.running) throw new Error(`the ${service} container is not running (${container.status}, exit code ${container.exitCode})`);
    return this.execIn(container.id, command, options);
  }

  private execIn(containerId: string, command: string[], options: { timeoutMs: number; env?: string[]; user?: string }): Promise<CommandRun> {
    return execInContainer(this.docker.getContainer(containerId), command, { ...options, signal: this.options.signal });
  }

  async logs(service: string, lines: number): Promise<string[]> {
    const [container] = await this.containers(service);
    if (!container) return [];
    try {
      const raw = (await this.docker.getContainer(container.id).logs({ stdout: true, stderr: true, tail: lines })) as unknown as Buffer;
      return tail(demultiplex(raw), lines);
    } catch {
      return [];
    }
  }

  async httpGet(service: string, port: number, urlPath: string, timeoutMs: number): Promise<{ status: number; body: string; url: string }> {
    const [container] = await this.containers(service);
    if (!container) throw new Error(`service ${service} has no container`);
    const binding = (container.ports[`${port}/tcp`] ?? []).find((entry) => entry.hostPort > 0);
    if (!binding) throw new Error(`service ${service} publishes no host port for container port ${port}`);
    const url = `http://${engineHost(this.options.engine)}:${binding.hostPort}${urlPath.startsWith('/') ? urlPath : `/${urlPath}`}`;
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = await response.text();
    return { status: response.status, body, url };
  }

  async runService(service: string, options: { timeoutMs: number }): Promise<{ exitCode: number; outputTail: string[]; timedOut: boolean }> {
    if (!this.cli || !this.runPath) throw new Error('the stack was not started');
    const result = await (await loadExeca())(this.cli.file, this.args('run', '--rm', '-T', service), {
      cwd: this.options.workspaceDir,
      reject: false,
      all: true,
      timeout: options.timeoutMs,
      cancelSignal: this.options.signal,
      env: composeEnv(),
      extendEnv: false,
    });
    return { exitCode: result.exitCode ?? -1, outputTail: tail(String(result.all ?? ''), 8), timedOut: Boolean(result.timedOut) };
  }

  /** The engine's name of a volume the stack declares (compose prefixes it with the project). */
  private async volumeName(volume: string): Promise<string | null> {
    const filters = { label: [`${PROJECT_LABEL}=${this.project}`, `com.docker.compose.volume=${volume}`] };
    const found = (await this.docker.listVolumes({ filters })).Volumes ?? [];
    return found[0]?.Name ?? null;
  }

  async withVolumeContainer(
    volume: string,
    options: { image: string; target: string; readyCommand: string[]; command: string[]; timeoutMs: number },
  ): Promise<{ ready: boolean; result: CommandRun | null; logTail: string[] }> {
    const name = await this.volumeName(volume);
    if (!name) throw new Error(`the stack has no volume \`${volume}\` (declare it under the top-level volumes: and use it)`);
    const deadline = Date.now() + options.timeoutMs;
    const container = await this.docker.createContainer({
      Image: options.image,
      Labels: this.options.scope.labels,
      HostConfig: { ...hostConfigFor(this.options.limits ?? DEFAULT_LIMITS), Binds: [`${name}:${options.target}`] },
    });
    this.options.scope.trackContainer(container.id);
    const logTail = async () => {
      try {
        return tail(demultiplex((await container.logs({ stdout: true, stderr: true, tail: 5 })) as unknown as Buffer), 5);
      } catch {
        return [];
      }
    };
    try {
      await container.start();
      const ready = await waitFor(
        async () => {
          if (!(await container.inspect()).State.Running) return { stopped: true };
          const probe = await this.execIn(container.id, options.readyCommand, { timeoutMs: Math.max(1000, Math.min(5000, deadline - Date.now())) });
          return probe.exitCode === 0 && { stopped: false };
        },
        { interval: 500, deadline, signal: this.options.signal },
      );
      if (!ready.ready || ready.value.stopped) return { ready: false, result: null, logTail: await logTail() };
      const result = await this.execIn(container.id, options.command, { timeoutMs: Math.max(1000, deadline - Date.now()) });
      return { ready: true, result, logTail: await logTail() };
    } finally {
      await container.remove({ force: true, v: true }).catch(() => undefined);
    }
  }

  /** `down --volumes --remove-orphans` (and the images it built), then anything still labelled with our run id. */
  down(): Promise<string[]> {
    this.downed ??= this.takeDown();
    return this.downed;
  }

  private async takeDown(): Promise<string[]> {
    const errors: string[] = [];
    (this.events as { destroy?: () => void } | null)?.destroy?.();
    if (this.cli && this.runPath) {
      const result = await (await loadExeca())(this.cli.file, this.args(...allProfiles(this.cli), 'down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '2'), {
        cwd: this.options.workspaceDir,
        reject: false,
        all: true,
        timeout: 120_000,
        env: composeEnv(),
        extendEnv: false,
      }).catch((error: unknown) => ({ exitCode: 1, all: errorMessage(error) }));
      if (result.exitCode !== 0) errors.push(`${this.cli.name} down: ${tail(String(result.all ?? ''), 2).join(' / ')}`);
    }
    // Whatever down missed (killed mid-way, a half-created stack): by our run label and the project label.
    const byRun = { label: [`${LABEL_RUN}=${this.options.scope.runId}`] };
    const byProject = { label: [`${PROJECT_LABEL}=${this.project}`] };
    for (const filters of [byRun, byProject]) {
      const containers = await this.docker.listContainers({ all: true, filters }).catch(() => []);
      for (const container of containers) {
        await this.docker.getContainer(container.Id).remove({ force: true, v: true }).catch((error: unknown) => errors.push(`container ${container.Id.slice(0, 12)}: ${errorMessage(error)}`));
      }
    }
    for (const filters of [byRun, byProject]) {
      const volumes = (await this.docker.listVolumes({ filters }).catch(() => ({ Volumes: [] }))).Volumes ?? [];
      for (const volume of volumes) {
        await this.docker.getVolume(volume.Name).remove().catch((error: unknown) => errors.push(`volume ${volume.Name}: ${errorMessage(error)}`));
      }
      const networks = await this.docker.listNetworks({ filters }).catch(() => []);
      for (const network of networks) {
        await this.docker.getNetwork(network.Id).remove().catch((error: unknown) => errors.push(`network ${network.Name}: ${errorMessage(error)}`));
      }
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    return errors;
  }
}

function engineHost(engine: Engine): string {
  const match = /^(?:tcp|https?):\/\/([^:/]+)/.exec(engine.info.endpoint);
  return match && match[1] !== 'localhost' ? match[1]! : '127.0.0.1';
}
