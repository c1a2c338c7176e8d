import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { parse as parseYaml, stringify } from 'yaml';
import type Docker from 'dockerode';
import type { ContainerSettings, ExecOutcome, ProbeOutcome, RunningStack, StackContainer, StackUp } from '../checks/kind.js';
import { ComposeModel, isRecord } from '../checks/compose/model.js';
import { UserError, errorMessage } from '../errors.js';
import { safeText } from '../text/safe.js';
import type { Engine } from './connect.js';
import { type ComposeCli, allProfiles, composeEnv, detectCompose } from './compose/cli.js';
import { loadExeca } from './execa.js';
import { modelProblems } from './compose/containment.js';
import { byLine, cleanComposeOutput, keysNamed, structureProblems } from './compose/messages.js';
import { workspaceRoot } from './compose/paths.js';
import { dotEnvProblem, referenceProblems } from './compose/references.js';
import { locate, readComposeSource } from './compose/source.js';
import { LABEL_RUN, splitByLiveOwner, toolFilter } from './labels.js';
import { type ContainerLimits, DEFAULT_LIMITS, demultiplex, hostConfigFor } from './run.js';
import type { RunScope } from './scope.js';

export { type ComposeCli, detectCompose, resetComposeDetection } from './compose/cli.js';
export { COMPOSE_LIMITS } from './compose/source.js';

function tail(text: string, lines: number): string[] {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n').map((line) => line.trimEnd()).filter(Boolean).slice(-lines);
}

const REFUSED_SUGGESTION = 'Shipshape runs your stack with no access to the host: remove those settings and verify again.';

function refusal(composeFile: string, problems: string[], intro = 'asks for more than a graded stack may have'): UserError {
  return new UserError(`${composeFile} ${intro}:\n${byLine(problems).map((problem) => `  ${problem}`).join('\n')}`, 1, REFUSED_SUGGESTION);
}

/**
 * Reads the learner's compose file in order, each step ending the run with one clear message naming
 * file and line: the file itself (regular, inside the workspace, size, UTF-8), its YAML (syntax, depth,
 * aliases), its structure, the files Compose would read for it, then the model normalised by
 * `compose config` (every profile) and the containment rules on that model. Paths are taken from the
 * workspace, never from the current directory.
 */
export async function loadComposeModel(workspaceDir: string, composeFile: string, overrides: readonly string[] = []): Promise<ComposeModel> {
  try {
    return await readModel(workspaceDir, composeFile, overrides);
  } catch (error) {
    // Service names, keys and paths in these messages are the learner's text: no escapes reach a terminal.
    if (error instanceof UserError) throw new UserError(safeText(error.message, 8000), error.exitCode, error.suggestion && safeText(error.suggestion));
    throw error;
  }
}

async function readModel(workspaceDir: string, composeFile: string, overrides: readonly string[]): Promise<ComposeModel> {
  const workspace = path.resolve(workspaceDir);
  const file = path.join(workspace, composeFile);
  const source = await readComposeSource(workspace, composeFile);
  const structure = structureProblems(source);
  if (structure.length > 0) {
    throw new UserError(
      structure.length === 1 ? structure[0]! : `${composeFile} is not a valid compose file:\n${structure.map((line) => `  ${line}`).join('\n')}`,
      1,
      'Fix the file at that line and verify again.',
    );
  }
  const root = workspaceRoot(workspace);
  // The file as written first (the same rules, so both versions refuse alike and before Compose reads
  // anything), then below the model Compose made of it (interpolated, extended, included).
  const written = modelProblems(source.value as Record<string, unknown>, { root, base: workspace }, (...keys) => locate(source, ...keys));
  if (written.length > 0) throw refusal(composeFile, written);
  const references = await referenceProblems(source, { workspaceDir: workspace, root, seen: new Set() });
  const dotEnv = await dotEnvProblem(workspace);
  if (dotEnv) references.push(dotEnv);
  if (references.length > 0) throw refusal(composeFile, references, 'names files that cannot be read');
  // Override files are partial (a service may have neither image nor build there): the same file,
  // containment and reference checks, without the structure check of a whole file.
  for (const override of overrides) {
    const overrideSource = await readComposeSource(workspace, override);
    const overrideWritten = modelProblems(overrideSource.value as Record<string, unknown>, { root, base: workspace }, (...keys) => locate(overrideSource, ...keys));
    if (overrideWritten.length > 0) throw refusal(override, overrideWritten);
    const overrideReferences = await referenceProblems(overrideSource, { workspaceDir: workspace, root, seen: new Set() });
    if (overrideReferences.length > 0) throw refusal(override, overrideReferences, 'names files that cannot be read');
  }

  const cli = await detectCompose();
  const files = [file, ...overrides.map((override) => path.join(workspace, override))].flatMap((each) => ['-f', each]);
  const args = [...cli.prefix, ...allProfiles(cli), ...files, '--project-directory', workspace, 'config'];
  const result = await (await loadExeca())(cli.file, args, {
    cwd: workspace,
    reject: false,
    timeout: 30_000,
    env: composeEnv(),
    extendEnv: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.exitCode !== 0 || result.timedOut) {
    const reason = result.timedOut ? `\`${cli.name} config\` did not finish within 30 s` : cleanComposeOutput(String(result.stderr), workspace) || `${cli.name} config exited ${result.exitCode}`;
    const where = locate(source, ...keysNamed(reason));
    throw new UserError(`${where}: ${cli.name} rejects the file: ${reason}`, 1, `Run \`${cli.name} config\` in the workspace to see the problem, fix it and verify again.`);
  }
  let config: unknown;
  try {
    config = parseYaml(String(result.stdout), { maxAliasCount: -1 }) as unknown;
  } catch (error) {
    throw new UserError(`${cli.name} config printed a model Shipshape cannot read: ${errorMessage(error)}`, 2);
  }
  if (!isRecord(config)) throw new UserError(`${cli.name} config printed no model for ${composeFile}.`, 2);
  const model = ComposeModel.fromSource(file, source, config);
  const problems = containmentProblems(model, workspace);
  if (problems.length > 0) throw refusal(composeFile, problems);
  return model;
}

/** Settings that would give learner code the host: rejected with file:line, before anything runs. */
export function containmentProblems(model: ComposeModel, workspaceDir: string): string[] {
  const workspace = path.resolve(workspaceDir);
  return byLine(modelProblems(model.config, { root: workspaceRoot(workspace), base: workspace }, (...keys) => model.where(...keys)));
}

/**
 * The file we actually run: the normalised model with our run labels on every service, build,
 * network and volume, containment limits on every service, no fixed container names, and every
 * published port moved to an ephemeral port on 127.0.0.1 (so runs never collide on host ports).
 */
export function runFile(model: ComposeModel, labels: Record<string, string>, limits: ContainerLimits): Record<string, unknown> {
  const config = structuredClone(model.config);
  // Compose v2's `config` spells out the project name it guessed and the names derived from it
  // (`<dir>_default`, `<dir>_dbdata`): drop them so our unique project name applies to everything.
  const guessed = typeof config.name === 'string' ? config.name : null;
  delete config.name;
  for (const section of ['networks', 'volumes'] as const) {
    const entries = isRecord(config[section]) ? (config[section] as Record<string, unknown>) : {};
    for (const [key, entry] of Object.entries(entries)) {
      if (isRecord(entry) && guessed && entry.name === `${guessed}_${key}`) delete entry.name;
    }
  }
  const services = isRecord(config.services) ? config.services : {};
  for (const [name, raw] of Object.entries(services)) {
    if (!isRecord(raw)) continue;
    const service = raw;
    service.labels = { ...(isRecord(service.labels) ? service.labels : listToMap(service.labels)), ...labels };
    const build = service.build;
    if (typeof build === 'string') service.build = { context: build, labels };
    else if (isRecord(build)) build.labels = { ...(isRecord(build.labels) ? build.labels : listToMap(build.labels)), ...labels };
    delete service.container_name;
    service.privileged = false;
    // The learner's own limits stay when they are lower than ours (a resource-limits challenge reads them back).
    const own = ownLimits(service);
    const memory = Math.min(own.memoryBytes ?? Infinity, limits.memoryBytes);
    service.mem_limit = memory;
    service.memswap_limit = memory;
    service.pids_limit = Math.min(own.pidsLimit ?? Infinity, limits.pidsLimit);
    service.cpus = Math.min(own.nanoCpus ?? Infinity, limits.nanoCpus) / 1e9;
    const securityOpt = Array.isArray(service.security_opt) ? service.security_opt.map(String) : [];
    if (!securityOpt.includes('no-new-privileges') && !securityOpt.includes('no-new-privileges:true')) securityOpt.push('no-new-privileges');
    service.security_opt = securityOpt;
    delete service.deploy;
    const ports = model.ports(name);
    if (ports.length > 0) service.ports = ports.map((port) => `127.0.0.1::${port.target}/${port.protocol}`);
  }
  const networks = isRecord(config.networks) ? config.networks : {};
  const usesDefault = Object.values(services).some((service) => !isRecord(service) || !service.networks);
  if (usesDefault && !('default' in networks)) networks.default = {};
  for (const [name, network] of Object.entries(networks)) {
    const entry = isRecord(network) ? network : {};
    entry.labels = { ...(isRecord(entry.labels) ? entry.labels : listToMap(entry.labels)), ...labels };
    networks[name] = entry;
  }
  if (Object.keys(networks).length > 0) config.networks = networks;
  const volumes = isRecord(config.volumes) ? config.volumes : {};
  for (const [name, volume] of Object.entries(volumes)) {
    const entry = isRecord(volume) ? volume : {};
    entry.labels = { ...(isRecord(entry.labels) ? entry.labels : listToMap(entry.labels)), ...labels };
    volumes[name] = entry;
  }
  return config;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Compose's byte sizes: a number, or `128m`, `1g`, `512MB`, `64MiB` (binary units, as Compose reads them). */
export function parseBytes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value > 0 ? Math.floor(value) : null;
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([bkmg]?)(?:i?b)?\s*$/i.exec(value);
  if (!match) return null;
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
  return bytes > 0 ? bytes : null;
}

function positive(value: unknown): number | null {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : null;
}

/**
 * The limits a service sets itself, from the service keys or `deploy.resources.limits` (the lower of
 * the two when both are given); null where it sets none.
 */
export function ownLimits(service: Record<string, unknown>): { memoryBytes: number | null; nanoCpus: number | null; pidsLimit: number | null } {
  const deploy = isRecord(service.deploy) && isRecord(service.deploy.resources) && isRecord(service.deploy.resources.limits) ? service.deploy.resources.limits : {};
  const lower = (...values: Array<number | null>) => {
    const set = values.filter((value): value is number => value !== null);
    return set.length > 0 ? Math.min(...set) : null;
  };
  const cpus = lower(positive(service.cpus), positive(deploy.cpus));
  return {
    memoryBytes: lower(parseBytes(service.mem_limit), parseBytes(deploy.memory)),
    nanoCpus: cpus === null ? null : Math.round(cpus * 1e9),
    pidsLimit: lower(positive(service.pids_limit), positive(deploy.pids)),
  };
}

function listToMap(value: unknown): Record<string, string> {
  if (!Array.isArray(value)) return {};
  return Object.fromEntries(value.map((entry) => {
    const text = String(entry);
    const equals = text.indexOf('=');
    return equals === -1 ? [text, ''] : [text.slice(0, equals), text.slice(equals + 1)];
  }));
}

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
    const stream = (await this.docker.getEvents({
      filters: { type: ['container'], label: [`com.docker.compose.project=${this.project}`] },
    })) as NodeJS.ReadableStream;
    this.events = stream;
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line) continue;
        try {
          const event = JSON.parse(line) as { status?: string; Action?: string; timeNano?: number; time?: number; Actor?: { Attributes?: Record<string, string> } };
          const action = event.Action ?? event.status ?? '';
          const service = event.Actor?.Attributes?.['com.docker.compose.service'];
          if (service && /^health_status:\s*healthy$/.test(action)) {
            const at = event.timeNano ? event.timeNano / 1e6 : (event.time ?? 0) * 1000;
            this.healthy.set(service, [...(this.healthy.get(service) ?? []), at]);
          }
        } catch {
          // A partial or foreign line: ignored.
        }
      }
    });
    stream.on('error', () => undefined);
  }

  healthyTimes(service: string): number[] {
    return [...(this.healthy.get(service) ?? [])];
  }

  async containers(service?: string): Promise<StackContainer[]> {
    const label = [`com.docker.compose.project=${this.project}`, ...(service ? [`com.docker.compose.service=${service}`] : [])];
    const list = await this.docker.listContainers({ all: true, filters: { label } });
    const out: StackContainer[] = [];
    for (const entry of list) {
      const info = await this.docker.getContainer(entry.Id).inspect().catch(() => null);
      if (!info) continue;
      const ports: StackContainer['ports'] = {};
      for (const [key, bindings] of Object.entries(info.NetworkSettings?.Ports ?? {})) {
        ports[key] = (bindings ?? []).map((binding) => ({ hostIp: binding.HostIp, hostPort: Number(binding.HostPort) }));
      }
      const health = info.State.Health as { Status: string; Log?: Array<{ Start: string; End: string; ExitCode: number; Output: string }> } | undefined;
      out.push({
        id: info.Id,
        name: info.Name.replace(/^\//, ''),
        service: info.Config.Labels?.['com.docker.compose.service'] ?? '',
        status: info.State.Status,
        running: info.State.Running,
        exitCode: info.State.ExitCode,
        startedAt: info.State.StartedAt,
        finishedAt: info.State.FinishedAt,
        health: health
          ? { status: health.Status, log: (health.Log ?? []).map((entry) => ({ start: entry.Start, end: entry.End, exitCode: entry.ExitCode, output: entry.Output.trim() })) }
          : null,
        ports,
        settings: settingsOf(info),
      });
    }
    return out;
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
    const deadline = Date.now() + timeoutMs;
    let last: StackContainer | null = null;
    while (!this.options.signal?.aborted) {
      [last = null] = await this.containers(service);
      if (last) {
        if (!last.running && last.status !== 'created' && last.status !== 'restarting') return last;
        if (last.running && (!last.health || last.health.status === 'healthy' || last.health.status === 'unhealthy')) return last;
      }
      if (Date.now() >= deadline) return last;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return last;
  }

  async exec(service: string, command: string[], options: { timeoutMs: number; env?: string[]; user?: string }): Promise<ExecOutcome> {
    const [container] = await this.containers(service);
    if (!container) throw new Error(`service ${service} has no container`);
    if (!container.running) throw new Error(`the ${service} container is not running (${container.status}, exit code ${container.exitCode})`);
    return this.execIn(container.id, command, options);
  }

  private async execIn(containerId: string, command: string[], options: { timeoutMs: number; env?: string[]; user?: string }): Promise<ExecOutcome> {
    const exec = await this.docker.getContainer(containerId).exec({
      Cmd: command,
      Env: options.env,
      User: options.user,
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
    stdout.on('data', (chunk: Buffer) => chunks.out.push(chunk));
    stderr.on('data', (chunk: Buffer) => chunks.err.push(chunk));
    this.docker.modem.demuxStream(stream, stdout, stderr);
    const finished = new Promise<boolean>((resolve) => {
      stream.on('end', () => resolve(false));
      stream.on('close', () => resolve(false));
      stream.on('error', () => resolve(false));
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      finished,
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), options.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) stream.destroy();
    let exitCode = -1;
    for (let attempt = 0; attempt < 20; attempt++) {
      const state = await exec.inspect();
      if (!state.Running && state.ExitCode !== null) {
        exitCode = state.ExitCode;
        break;
      }
      if (timedOut) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { exitCode, stdout: Buffer.concat(chunks.out).toString('utf8'), stderr: Buffer.concat(chunks.err).toString('utf8'), timedOut };
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
    const filters = { label: [`com.docker.compose.project=${this.project}`, `com.docker.compose.volume=${volume}`] };
    const found = (await this.docker.listVolumes({ filters })).Volumes ?? [];
    return found[0]?.Name ?? null;
  }

  async withVolumeContainer(
    volume: string,
    options: { image: string; target: string; readyCommand: string[]; command: string[]; timeoutMs: number },
  ): Promise<{ ready: boolean; result: ExecOutcome | null; logTail: string[] }> {
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
      let ready = false;
      while (!ready && Date.now() < deadline && !this.options.signal?.aborted) {
        const state = (await container.inspect()).State;
        if (!state.Running) return { ready: false, result: null, logTail: await logTail() };
        const probe = await this.execIn(container.id, options.readyCommand, { timeoutMs: Math.max(1000, Math.min(5000, deadline - Date.now())) });
        ready = probe.exitCode === 0;
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 500));
      }
      if (!ready) return { ready: false, result: null, logTail: await logTail() };
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
    const byProject = { label: [`com.docker.compose.project=${this.project}`] };
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

type Inspected = Awaited<ReturnType<Docker.Container['inspect']>>;

/** The settings the engine applied, from `docker inspect`. */
function settingsOf(info: Inspected): ContainerSettings {
  const host = info.HostConfig;
  const quota = host.CpuQuota ?? 0;
  const period = host.CpuPeriod || 100_000;
  return {
    memoryBytes: host.Memory ?? 0,
    nanoCpus: host.NanoCpus || (quota > 0 ? Math.round((quota / period) * 1e9) : 0),
    pidsLimit: host.PidsLimit ?? 0,
    oomKilled: Boolean(info.State.OOMKilled),
    restartPolicy: { name: host.RestartPolicy?.Name || 'no', maximumRetryCount: host.RestartPolicy?.MaximumRetryCount ?? 0 },
    readOnlyRootfs: Boolean(host.ReadonlyRootfs),
    capAdd: host.CapAdd ?? [],
    capDrop: host.CapDrop ?? [],
    securityOpt: host.SecurityOpt ?? [],
    mounts: (info.Mounts ?? []).map((mount) => ({ type: String(mount.Type ?? ''), source: mount.Source ?? '', destination: mount.Destination, readOnly: !mount.RW })),
    networks: Object.keys(info.NetworkSettings?.Networks ?? {}),
    imageId: info.Image,
  };
}

function engineHost(engine: Engine): string {
  const match = /^(?:tcp|https?):\/\/([^:/]+)/.exec(engine.info.endpoint);
  return match && match[1] !== 'localhost' ? match[1]! : '127.0.0.1';
}

export async function fileExists(file: string): Promise<boolean> {
  return stat(file).then((info) => info.isFile(), () => false);
}

/** Volumes and networks of compose runs that never got to `down` (killed): `shipshape clean` removes them after the containers. */
export interface ComposeLeftovers {
  volumes: string[];
  networks: string[];
  live: { volumes: string[]; networks: string[] };
}

export async function findComposeLeftovers(docker: Engine['docker'], options: { session?: string; includeLive?: boolean } = {}): Promise<ComposeLeftovers> {
  const filters = toolFilter(options.session);
  const [volumes, networks] = await Promise.all([
    docker.listVolumes({ filters }).then((result) => result.Volumes ?? [], () => []),
    docker.listNetworks({ filters }).catch(() => []),
  ]);
  const byVolume = splitByLiveOwner(volumes, (volume) => volume.Name, options.includeLive);
  const byNetwork = splitByLiveOwner(networks, (network) => network.Name, options.includeLive);
  return { volumes: byVolume.ended, networks: byNetwork.ended, live: { volumes: byVolume.live, networks: byNetwork.live } };
}

export async function removeComposeLeftovers(docker: Engine['docker'], leftovers: { volumes: string[]; networks: string[] }) {
  const report = { volumes: 0, networks: 0, errors: [] as string[] };
  for (const name of leftovers.networks) {
    await docker.getNetwork(name).remove().then(
      () => report.networks++,
      (error: { statusCode?: number }) => error.statusCode === 404 || report.errors.push(`network ${name}: ${errorMessage(error)}`),
    );
  }
  for (const name of leftovers.volumes) {
    await docker.getVolume(name).remove().then(
      () => report.volumes++,
      (error: { statusCode?: number }) => error.statusCode === 404 || report.errors.push(`volume ${name}: ${errorMessage(error)}`),
    );
  }
  return report;
}
