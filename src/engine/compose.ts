import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { LineCounter, parseDocument, parse as parseYaml, stringify } from 'yaml';
import type { ExecOutcome, RunningStack, StackContainer, StackUp } from '../checks/kind.js';
import { ComposeModel, isRecord } from '../checks/compose/model.js';
import { UserError, errorMessage } from '../errors.js';
import type { Engine } from './connect.js';
import { LABEL_RUN, splitByLiveOwner, toolFilter } from './labels.js';
import { type ContainerLimits, DEFAULT_LIMITS, demultiplex, hostConfigFor } from './run.js';
import type { RunScope } from './scope.js';

/** The compose command found on this machine: v2 (`docker compose`) first, then v1 (`docker-compose`). */
export interface ComposeCli {
  file: string;
  prefix: string[];
  version: string;
  /** How it is shown to the user. */
  name: string;
}

let detected: Promise<ComposeCli> | null = null;

export function detectCompose(): Promise<ComposeCli> {
  detected ??= (async () => {
    const candidates: Array<Omit<ComposeCli, 'version'>> = [
      { file: 'docker', prefix: ['compose'], name: 'docker compose' },
      { file: '/usr/bin/docker', prefix: ['compose'], name: 'docker compose' },
      { file: 'docker-compose', prefix: [], name: 'docker-compose' },
    ];
    for (const candidate of candidates) {
      const result = await (await loadExeca())(candidate.file, [...candidate.prefix, 'version', '--short'], { reject: false, timeout: 10_000, env: composeEnv() });
      if (result.exitCode === 0 && /\d+\.\d+/.test(String(result.stdout))) {
        return { ...candidate, version: String(result.stdout).trim().replace(/^v/, '') };
      }
    }
    throw new UserError(
      'Docker Compose is not installed: neither `docker compose` (v2) nor `docker-compose` (v1) runs.',
      2,
      'Install the Compose plugin (https://docs.docker.com/compose/install/), or on Debian `apt-get install docker-compose`.',
    );
  })();
  detected.catch(() => {
    detected = null;
  });
  return detected;
}

/** The environment compose runs with. */
function composeEnv(): NodeJS.ProcessEnv {
  // v1 1.29 would otherwise hand builds to whatever `docker` is first on PATH (which may want
  // buildx); 0 keeps them in docker-py, talking to the engine directly. v2 ignores it.
  return { ...process.env, COMPOSE_DOCKER_CLI_BUILD: '0' };
}

function tail(text: string, lines: number): string[] {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n').map((line) => line.trimEnd()).filter(Boolean).slice(-lines);
}

/**
 * Reads the learner's compose file: YAML syntax first (file:line:column from our parser), then the
 * model normalised by `compose config`, then the containment rules. Each problem is one UserError.
 */
export async function loadComposeModel(workspaceDir: string, composeFile: string): Promise<ComposeModel> {
  const file = path.join(workspaceDir, composeFile);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new UserError(`No ${composeFile} in ${workspaceDir}.`, 1, 'Run `shipshape challenge:reset` or restore the file.');
    }
    throw error;
  });
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    const error = document.errors[0]!;
    const at = lineCounter.linePos(error.pos[0]);
    throw new UserError(
      `${composeFile}:${at.line}:${at.col}: YAML syntax error: ${error.message.split('\n')[0]}`,
      1,
      'Fix the YAML at that line (indentation, a missing colon or quote) and verify again.',
    );
  }
  if (!isRecord(document.toJS())) {
    throw new UserError(`${composeFile}: a compose file must be a mapping with a \`services:\` key.`, 1);
  }

  const cli = await detectCompose();
  const result = await (await loadExeca())(cli.file, [...cli.prefix, '-f', file, 'config'], {
    cwd: workspaceDir,
    reject: false,
    timeout: 30_000,
    env: composeEnv(),
  });
  if (result.exitCode !== 0 || result.timedOut) {
    const reason = tail(String(result.stderr), 6).join(' ') || `${cli.name} config exited ${result.exitCode}`;
    const model = ComposeModel.from(file, text, {});
    // "Service 'app' depends on …" (v1), "service \"app\" depends on …" (v2), "services.db: …" (schema errors).
    const service = /\b[Ss]ervices?(?:\s+|\.)['"]?([\w-]+)/.exec(reason)?.[1];
    const where = service ? model.where('services', service) : composeFile;
    throw new UserError(`${where}: ${cli.name} rejects the file: ${reason}`, 1, `Run \`${cli.name} config\` in the workspace to see the problem, fix it and verify again.`);
  }
  const config = parseYaml(String(result.stdout)) as unknown;
  if (!isRecord(config)) throw new UserError(`${cli.name} config printed no model for ${composeFile}.`, 2);
  const model = ComposeModel.from(file, text, config);
  const problems = containmentProblems(model, workspaceDir);
  if (problems.length > 0) {
    throw new UserError(
      `${composeFile} asks for more than a graded stack may have:\n${problems.map((problem) => `  ${problem}`).join('\n')}`,
      1,
      'Shipshape runs your stack with no access to the host: remove those settings and verify again.',
    );
  }
  return model;
}

const HOST_NAMESPACES = ['network_mode', 'pid', 'ipc', 'userns_mode', 'uts'] as const;

/** Settings that would give learner code the host: rejected with file:line, before anything runs. */
export function containmentProblems(model: ComposeModel, workspaceDir: string): string[] {
  const problems: string[] = [];
  const inside = (candidate: string) => {
    const relative = path.relative(path.resolve(workspaceDir), path.resolve(candidate));
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  for (const name of model.serviceNames) {
    const service = model.service(name)!;
    const at = (...keys: string[]) => model.where('services', name, ...keys);
    if (service.privileged === true) problems.push(`${at('privileged')}: service ${name}: \`privileged: true\` is not allowed`);
    for (const key of HOST_NAMESPACES) {
      const value = service[key];
      if (value === undefined || value === null) continue;
      const allowed =
        key === 'network_mode'
          ? typeof value === 'string' && (['bridge', 'none', 'default'].includes(value) || value.startsWith('service:'))
          : value !== 'host' && !String(value).startsWith('container:');
      if (!allowed) problems.push(`${at(key)}: service ${name}: \`${key}: ${String(value)}\` is not allowed (it shares the host's or another container's namespace)`);
    }
    if (Array.isArray(service.cap_add) && service.cap_add.length > 0) problems.push(`${at('cap_add')}: service ${name}: \`cap_add\` is not allowed`);
    if (Array.isArray(service.devices) && service.devices.length > 0) problems.push(`${at('devices')}: service ${name}: \`devices\` are not allowed`);
    if (Array.isArray(service.security_opt) && service.security_opt.some((option) => /unconfined/.test(String(option)))) {
      problems.push(`${at('security_opt')}: service ${name}: unconfined security options are not allowed`);
    }
    if (typeof service.cgroup_parent === 'string') problems.push(`${at('cgroup_parent')}: service ${name}: \`cgroup_parent\` is not allowed`);
    for (const mount of model.mounts(name)) {
      if (mount.type === 'bind' && mount.source && !inside(mount.source)) {
        problems.push(`${at('volumes')}: service ${name}: bind mount of ${mount.source} is outside the workspace; mount files of the workspace or use a named volume`);
      }
    }
    const build = model.build(name);
    if (build && !/^[a-z]+:\/\//.test(build.context) && !inside(build.context)) {
      problems.push(`${at('build')}: service ${name}: build context ${build.context} is outside the workspace`);
    }
  }
  // A fixed name would reach a volume or network outside the run (another run's, or the host's own).
  const guessed = typeof model.config.name === 'string' ? model.config.name : null;
  for (const section of ['volumes', 'networks'] as const) {
    for (const [name, entry] of Object.entries(model.section(section))) {
      if (isRecord(entry) && typeof entry.name === 'string' && entry.name !== `${guessed}_${name}`) {
        problems.push(`${model.where(section, name, 'name')}: ${section.slice(0, -1)} ${name}: a fixed \`name: ${entry.name}\` is not allowed (each graded run gets its own)`);
      }
    }
  }
  for (const [name, volume] of Object.entries(model.section('volumes'))) {
    if (!isRecord(volume)) continue;
    if (volume.external === true || isRecord(volume.external)) problems.push(`${model.where('volumes', name)}: volume ${name}: external volumes are not allowed (the stack must create its own)`);
    if (isRecord(volume.driver_opts)) problems.push(`${model.where('volumes', name)}: volume ${name}: \`driver_opts\` are not allowed (they can mount host paths)`);
  }
  for (const [name, network] of Object.entries(model.section('networks'))) {
    if (isRecord(network) && (network.external === true || isRecord(network.external))) {
      problems.push(`${model.where('networks', name)}: network ${name}: external networks are not allowed`);
    }
  }
  for (const [name, secret] of Object.entries(model.section('secrets'))) {
    if (isRecord(secret) && typeof secret.file === 'string' && !inside(secret.file)) {
      problems.push(`${model.where('secrets', name)}: secret ${name}: ${secret.file} is outside the workspace`);
    }
    if (isRecord(secret) && (secret.external === true || isRecord(secret.external))) {
      problems.push(`${model.where('secrets', name)}: secret ${name}: external secrets are not allowed`);
    }
  }
  return problems;
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
    service.mem_limit = limits.memoryBytes;
    service.memswap_limit = limits.memoryBytes;
    service.pids_limit = limits.pidsLimit;
    service.cpus = limits.nanoCpus / 1e9;
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
      const built = await step('build', ['build', ...(this.cli.prefix.length === 0 ? ['--force-rm'] : [])]);
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
      });
    }
    return out;
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
      const result = await (await loadExeca())(this.cli.file, this.args('down', '--volumes', '--remove-orphans', '--rmi', 'local', '--timeout', '2'), {
        cwd: this.options.workspaceDir,
        reject: false,
        all: true,
        timeout: 120_000,
        env: composeEnv(),
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

/** execa is loaded when a command first needs it, not at start-up. */
async function loadExeca(): Promise<typeof import('execa').execa> {
  return (await import('execa')).execa;
}
