import { access, chmod, constants, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BuildFailure, BuildStep } from '../checks/kind.js';
import { UserError, errorMessage } from '../errors.js';
import type { BuildEvent, BuildRequest, BuildResult } from './build.js';
import { type Engine, engineAnswers } from './connect.js';
import { type BuildContextPlan, packBuildContext } from './context.js';
import type { RunScope } from './scope.js';
import { attributeBuildCache, buildCacheIds } from './buildkit/cache.js';
import { loadExeca } from './execa.js';
import { LineBuffer } from './line-buffer.js';

/** A build secret: the build reads it at /run/secrets/<id> through `RUN --mount=type=secret,id=<id>`. */
export interface BuildSecret {
  id: string;
  value: string;
}

const TAIL_LINES = 15;
const PULL_FAILURE =
  /pull access denied|repository does not exist|manifest unknown|not found|no such host|dial tcp|i\/o timeout|TLS handshake|connection refused|failed to resolve|server misbehaving|Temporary failure in name resolution/i;
const CLI_CANNOT_CONNECT = /Cannot connect to the Docker daemon|error during connect|connection refused|EOF$/i;
const MASK = '***';

/**
 * The docker CLI used for BuildKit builds: `/usr/bin/docker` when present (on some machines the
 * first `docker` on PATH is a newer client that insists on buildx), else the first on PATH.
 */
export async function findDockerCli(env: NodeJS.ProcessEnv = process.env, preferred = '/usr/bin/docker'): Promise<string> {
  const candidates = [preferred, ...(env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'docker'))];
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  throw new UserError(
    `This challenge builds with BuildKit (it uses build secrets), which needs the docker command-line client, and none was found (tried ${preferred} and PATH).`,
    2,
    'Install the Docker CLI (on Debian/Ubuntu: `apt-get install docker.io`), then verify again.',
  );
}

/**
 * DOCKER_HOST for the CLI when dockerode was pointed at a plain socket path; otherwise the CLI reads
 * the same DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH environment dockerode did.
 */
function dockerHostFor(engine: Engine): string | undefined {
  if (process.env.DOCKER_HOST) return undefined;
  const socketPath = (engine.docker.modem as unknown as { socketPath?: unknown }).socketPath;
  return typeof socketPath === 'string' ? `unix://${socketPath}` : undefined;
}

/**
 * Builds with BuildKit through `DOCKER_BUILDKIT=1 docker build`: the fallback of src/engine/buildkit/api-build.ts
 * for an engine on which our own session cannot be opened (the CLI opens its own). The context is the same tar the
 * classic path sends (our .dockerignore handling, `.shipshape/` left out), piped on stdin. Every run
 * label is passed with `--label`, the image id comes from `--iidfile`, secret files are 0600 in a
 * private temporary directory removed afterwards, and secret values are masked in every line kept.
 */
export async function buildWithCli(
  engine: Engine,
  scope: RunScope,
  request: BuildRequest,
  context: BuildContextPlan,
  started: number,
): Promise<BuildResult> {
  const cli = await findDockerCli();
  const dockerfile = request.dockerfile ?? 'Dockerfile';
  const secrets = request.secrets ?? [];
  const masked = [...secrets.map((secret) => secret.value), ...Object.values(request.maskValues ?? {})].filter((value) => value.length >= 4);
  const mask = (line: string) => masked.reduce((text, value) => text.split(value).join(MASK), line);
  const progress = new PlainProgress(mask, request.onEvent);
  const temp = await mkdtemp(path.join(os.tmpdir(), 'shipshape-buildkit-'));
  await chmod(temp, 0o700);
  const iidfile = path.join(temp, 'iid');
  // Several platforms: buildx makes one image index (no provenance attestations: only the platforms' images).
  const args = request.platforms?.length
    ? ['buildx', 'build', '--platform', request.platforms.join(','), '--load', '--provenance=false', '--sbom=false', '--progress=plain', '--iidfile', iidfile, '-f', dockerfile]
    : ['build', '--progress=plain', '--iidfile', iidfile, '-f', dockerfile];
  for (const [key, value] of Object.entries(scope.labels)) args.push('--label', `${key}=${value}`);
  for (const [key, value] of Object.entries(request.buildArgs ?? {})) args.push('--build-arg', `${key}=${value}`);
  for (const [index, secret] of secrets.entries()) {
    const file = path.join(temp, `secret-${index}`);
    await writeFile(file, secret.value, { mode: 0o600 });
    args.push('--secret', `id=${secret.id},src=${file}`);
  }
  if (request.target) args.push('--target', request.target);
  if (request.tag) args.push('--tag', request.tag);
  args.push('-');

  const host = dockerHostFor(engine);
  const cacheBefore = await buildCacheIds(engine);
  let failure: BuildFailure | null = null;
  let engineLost = false;
  let stoppedBy: BuildResult['stoppedBy'];
  let imageId: string | null = null;
  try {
    const child = (await loadExeca())(cli, args, {
      env: { DOCKER_BUILDKIT: '1', ...(host ? { DOCKER_HOST: host } : {}) },
      stdin: 'pipe',
      reject: false,
      timeout: request.timeoutMs,
      cancelSignal: request.signal,
      forceKillAfterDelay: 3000,
      buffer: false,
    });
    const input = packBuildContext(context);
    // The CLI may stop reading (a bad Dockerfile) before the whole context is sent.
    child.stdin!.on('error', () => undefined);
    input.on('error', () => child.kill());
    input.pipe(child.stdin!);
    child.stdout!.on('data', (chunk: Buffer) => progress.feed(chunk));
    child.stderr!.on('data', (chunk: Buffer) => progress.feed(chunk));
    const result = await child;
    progress.end();
    if (result.timedOut) {
      stoppedBy = 'timeout';
      failure = { step: progress.currentStep, message: `the build took longer than ${Math.round(request.timeoutMs / 1000)} s and was stopped`, lastLines: progress.tail() };
    } else if (result.isCanceled || request.signal?.aborted) {
      stoppedBy = 'cancel';
      failure = { step: progress.currentStep, message: 'the build was cancelled', lastLines: progress.tail() };
    } else if (result.exitCode !== 0) {
      failure = progress.failure(result.exitCode ?? null);
      if (CLI_CANNOT_CONNECT.test(failure.message)) engineLost = !(await engineAnswers(engine));
    } else {
      imageId = (await readFile(iidfile, 'utf8').catch(() => '')).trim() || progress.imageId;
      if (!imageId) failure = { step: progress.currentStep, message: 'the build ended without producing an image', lastLines: progress.tail() };
    }
  } catch (error) {
    failure = { step: progress.currentStep, message: `could not run ${cli} build: ${errorMessage(error)}`, lastLines: progress.tail() };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  // Only an image carrying this run's label is ours to remove later; never a base image.
  if (imageId) imageId = await scope.adoptBuiltImage(imageId);
  const cache = await attributeBuildCache(engine, scope, cacheBefore, started, request.runCommands ?? [], request.ownChanges ?? false);
  return {
    imageId,
    failure,
    durationMs: Date.now() - started,
    steps: progress.stepLog.length,
    stepLog: progress.stepLog,
    builder: 'buildkit-cli',
    cli,
    buildCache: cache,
    context,
    missingBaseImage: failure ? progress.missingBase(failure) : null,
    frontendUnavailable: failure ? progress.frontendImage : null,
    engineLost,
    ...(stoppedBy ? { stoppedBy } : {}),
  };
}

/** Reads `--progress=plain` output into the same step events and failure shape as the classic builder. */
export class PlainProgress {
  currentStep: string | null = null;
  imageId: string | null = null;
  /** The `# syntax=` frontend image BuildKit could not fetch, when that is why the build failed. */
  frontendImage: string | null = null;
  readonly stepLog: BuildStep[] = [];
  private readonly vertices = new Map<string, { name: string; step: BuildStep | null; label: string | null }>();
  private readonly lines: string[] = [];
  private readonly trailer: string[] = [];
  private errorLine: { vertex: string; message: string } | null = null;
  private readonly input = new LineBuffer((line) => this.line(line));

  constructor(
    private readonly mask: (line: string) => string,
    private readonly onEvent?: (event: BuildEvent) => void,
  ) {}

  feed(chunk: Buffer | string): void {
    this.input.feed(chunk);
  }

  end(): void {
    this.input.end();
  }

  tail(): string[] {
    return this.lines.slice(-TAIL_LINES);
  }

  private line(raw: string): void {
    const line = this.mask(raw.replace(/\r/g, '').replace(/\u001B\[[0-9;?]*[ -\/]*[@-~]/g, '')).trimEnd();
    if (!line.trim()) return;
    const vertexLine = /^#(\d+) (.*)$/.exec(line);
    if (!vertexLine) {
      // The CLI's closing summary: "------", " > [2/3] RUN ...:", then the error itself.
      if (!/^-+$/.test(line.trim()) && !/^ > /.test(line)) this.trailer.push(line);
      return;
    }
    const [, id, rest] = vertexLine as unknown as [string, string, string];
    const known = this.vertices.get(id);
    if (!known) {
      this.vertex(id, rest);
      return;
    }
    if (/^sha256:[0-9a-f]{64}$/.test(rest) || /^DONE [\d.]+s$/.test(rest)) return;
    if (rest === 'CACHED') {
      if (known.step) known.step.cached = true;
      return;
    }
    const error = /^ERROR: (.*)$/.exec(rest);
    if (error) {
      this.errorLine ??= { vertex: id, message: error[1]! };
      if (known.label) this.currentStep = known.label;
      const frontend = /^resolve image config for (\S+)/.exec(known.name);
      if (frontend) this.frontendImage = frontend[1]!.replace(/^docker-image:\/\//, '').replace(/^docker\.io\//, '');
      return;
    }
    const written = /^writing image (sha256:[0-9a-f]{64})/.exec(rest);
    if (written) this.imageId = written[1]!;
    const output = /^\d+\.\d+ (.*)$/.exec(rest);
    if (output && known.step) {
      this.lines.push(output[1]!);
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
      this.onEvent?.({ type: 'output', line: output[1]! });
    }
  }

  private vertex(id: string, name: string): void {
    const step = /^\[(?:(\S+) )?(\d+)\/(\d+)\] (.*)$/.exec(name);
    if (!step) {
      this.vertices.set(id, { name, step: null, label: null });
      return;
    }
    const [, stage, index, total, instruction] = step as unknown as [string, string | undefined, string, string, string];
    const entry: BuildStep = { index: this.stepLog.length + 1, instruction, cached: false };
    this.stepLog.push(entry);
    const label = `Step ${index}/${total}${stage ? ` (stage ${stage})` : ''} : ${instruction}`;
    this.vertices.set(id, { name, step: entry, label });
    this.currentStep = label;
    this.onEvent?.({ type: 'step', index: entry.index, total: Number(total), instruction });
  }

  failure(exitCode: number | null): BuildFailure {
    const summary = this.trailer.at(-1) ?? this.errorLine?.message ?? `docker build exited with code ${exitCode}`;
    let message = summary
      .replace(/^error: /i, '')
      .replace(/^failed to solve with frontend dockerfile\.v0: failed to create LLB definition: /, 'the engine rejected the Dockerfile: ')
      .replace(/^failed to solve with frontend dockerfile\.v0: /, '');
    if (this.frontendImage) {
      message =
        `the \`# syntax=\` line asks BuildKit for the Dockerfile frontend image ${this.frontendImage}, which is not on the engine and ` +
        `could not be pulled (no registry reachable); remove the \`# syntax=\` line to use the engine's built-in frontend`;
    }
    const step = this.errorLine ? (this.vertices.get(this.errorLine.vertex)?.label ?? this.currentStep) : null;
    return { step, message, lastLines: this.tail() };
  }

  /** The base image that could not be found or pulled, when that is why the build failed. */
  missingBase(failure: BuildFailure): string | null {
    if (!this.errorLine || this.frontendImage) return null;
    const vertex = this.vertices.get(this.errorLine.vertex);
    const metadata = /^\[internal\] load metadata for (\S+)$/.exec(vertex?.name ?? '') ?? /^\[(?:\S+ )?\d+\/\d+\] FROM (\S+)/.exec(vertex?.name ?? '');
    if (!metadata || !PULL_FAILURE.test(`${this.errorLine.message} ${failure.message}`)) return null;
    return metadata[1]!.replace(/^docker\.io\/(library\/)?/, '').replace(/@sha256:[0-9a-f]+$/, '');
  }
}

/** execa is loaded when a command first needs it, not at start-up. */
