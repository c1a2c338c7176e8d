import type { BuildFailure, BuildStep } from '../../checks/kind.js';
import type { BuildEvent } from '../build.js';
import { bounded, oneLine, safeText } from '../../text/safe.js';
import { decodeTrace, type Trace, type TraceVertex } from './status.js';
import { LineBuffer } from '../line-buffer.js';

const TAIL_LINES = 15;
const KEPT_LINES = 200;

/** A base image or frontend the engine could neither find nor fetch. */
export const PULL_FAILURE =
  /pull access denied|repository does not exist|manifest unknown|not found|no such host|dial tcp|i\/o timeout|TLS handshake|connection refused|failed to resolve|server misbehaving|Temporary failure in name resolution|failed to do request/i;

/** One line of a `version=2` build's JSON stream, as the engine sends it. */
export interface BuildStreamMessage {
  id?: string;
  aux?: unknown;
  stream?: string;
  status?: string;
  error?: string;
  errorDetail?: { message?: string };
}

interface VertexState {
  name: string;
  step: BuildStep | null;
  /** "Step 2/4 (stage builder) : RUN ..." for a Dockerfile step, else null. */
  label: string | null;
  started: boolean;
  lines: string[];
}

// Build steps print colour codes of their own (apt, composer); the report shows plain text.
const ANSI = /\u001B\[[0-9;?]*[ -\/]*[@-~]/g;

/**
 * Turns BuildKit's trace (vertexes, logs, statuses) into the same step events, step log and failure
 * shape as the classic builder. A vertex named `[stage n/m] INSTRUCTION` is a Dockerfile step; the
 * others (`[internal] load metadata ...`, the context transfer) are BuildKit's own and only matter
 * when they fail. A step enters the log when it starts or is reported from the cache, in that order.
 */
export class TraceProgress {
  currentStep: string | null = null;
  imageId: string | null = null;
  /** The `# syntax=` frontend image BuildKit could not fetch, when that is why the build failed. */
  frontendImage: string | null = null;
  /** The final error message of the stream (`errorDetail`), when the build failed. */
  streamError: string | null = null;
  readonly stepLog: BuildStep[] = [];
  readonly warnings: string[] = [];
  private readonly vertices = new Map<string, VertexState>();
  private readonly lines: string[] = [];
  private errorVertex: { digest: string; message: string } | null = null;
  private announcedSteps = 0;
  private readonly input = new LineBuffer((line) => this.line(line));

  constructor(
    private readonly mask: (line: string) => string = (line) => line,
    private readonly onEvent?: (event: BuildEvent) => void,
  ) {}

  /** Feeds raw bytes of the HTTP stream (newline-separated JSON messages). */
  feed(chunk: Buffer | string): void {
    this.input.feed(chunk);
  }

  end(): void {
    this.input.end();
  }

  private line(raw: string): void {
    if (!raw.trim()) return;
    let message: BuildStreamMessage;
    try {
      message = JSON.parse(raw) as BuildStreamMessage;
    } catch {
      return;
    }
    this.message(message);
  }

  message(message: BuildStreamMessage): void {
    if (message.id === 'moby.buildkit.trace' && typeof message.aux === 'string') {
      let trace: Trace;
      try {
        trace = decodeTrace(message.aux);
      } catch {
        return;
      }
      this.trace(trace);
      return;
    }
    if (message.id === 'moby.image.id') {
      const id = (message.aux as { ID?: unknown } | undefined)?.ID;
      if (typeof id === 'string') this.imageId = id;
      return;
    }
    const error = message.errorDetail?.message ?? message.error;
    if (error && !this.streamError) this.streamError = safeText(this.mask(error.trim()));
  }

  trace(trace: Trace): void {
    for (const vertex of trace.vertexes) this.vertex(vertex);
    for (const log of trace.logs) {
      const state = this.vertices.get(log.vertex);
      if (!state) continue;
      for (const rawLine of log.msg.toString('utf8').split('\n')) {
        // Build output is the learner's: no escape sequences reach a terminal, and no line is unbounded.
        const text = bounded(oneLine(this.mask(rawLine.replace(ANSI, '').replace(/\r/g, ''))).trimEnd(), 1000);
        if (!text.trim()) continue;
        state.lines.push(text);
        if (state.lines.length > KEPT_LINES) state.lines.splice(0, state.lines.length - KEPT_LINES);
        if (!state.step) continue;
        this.lines.push(text);
        if (this.lines.length > KEPT_LINES) this.lines.splice(0, this.lines.length - KEPT_LINES);
        this.onEvent?.({ type: 'output', line: text });
      }
    }
    for (const warning of trace.warnings) if (warning.short) this.warnings.push(this.mask(warning.short.trim()));
  }

  private vertex(vertex: TraceVertex): void {
    let state = this.vertices.get(vertex.digest);
    if (!state) {
      // The vertex name is the learner's instruction.
      state = { name: oneLine(this.mask(vertex.name)), step: null, label: null, started: false, lines: [] };
      this.vertices.set(vertex.digest, state);
      if (STEP.test(vertex.name)) this.announcedSteps++;
    }
    const step = STEP.exec(state.name);
    if (step && !state.step && (vertex.started !== null || vertex.cached || vertex.completed !== null || vertex.error)) {
      const [, stage, index, total, raw] = step as unknown as [string, string | undefined, string, string, string];
      const instruction = asWritten(raw, stage);
      const entry: BuildStep = { index: this.stepLog.length + 1, instruction, cached: false };
      this.stepLog.push(entry);
      state.step = entry;
      // Newer BuildKit names an unnamed stage `stage-0`; 20.10 names none: the label is the same on both.
      const named = stage && !/^stage-\d+$/.test(stage) ? stage : null;
      state.label = `Step ${index}/${total}${named ? ` (stage ${named})` : ''} : ${instruction}`;
      this.currentStep = state.label;
      this.onEvent?.({ type: 'step', index: entry.index, total: Math.max(this.announcedSteps, entry.index), instruction });
    }
    if (vertex.started !== null) state.started = true;
    if (vertex.cached && state.step) state.step.cached = true;
    if (vertex.error && !this.errorVertex) {
      this.errorVertex = { digest: vertex.digest, message: safeText(this.mask(vertex.error)) };
      if (state.label) this.currentStep = state.label;
      const frontend = /^resolve image config for (\S+)/.exec(vertex.name);
      if (frontend) this.frontendImage = frontend[1]!.replace(/^docker-image:\/\//, '').replace(/^docker\.io\//, '');
    }
  }

  /** The last output lines of the failing step (or of the last step that ran). */
  tail(): string[] {
    const failing = this.errorVertex ? this.vertices.get(this.errorVertex.digest) : null;
    if (failing?.step) return failing.lines.slice(-TAIL_LINES);
    return this.lines.slice(-TAIL_LINES);
  }

  /** The build's failure, when the stream said it failed; null for a build that did not. */
  failure(): BuildFailure | null {
    const summary = this.streamError ?? this.errorVertex?.message ?? null;
    if (!summary) return null;
    let message = summary
      .replace(/^failed to solve with frontend dockerfile\.v0: failed to create LLB definition: /, 'the engine rejected the Dockerfile: ')
      .replace(/^failed to solve with frontend dockerfile\.v0: /, '')
      .replace(/^failed to solve: /, '');
    if (this.frontendImage || /frontend gateway\.v0/.test(summary)) {
      const image = this.frontendImage ?? /\/v2\/(.+?)\/manifests\/([^"\s]+)/.exec(summary)?.slice(1, 3).join(':') ?? 'the frontend image';
      this.frontendImage ??= image;
      message =
        `the \`# syntax=\` line asks BuildKit for the Dockerfile frontend image ${image}, which is not on the engine and ` +
        `could not be fetched (no registry reachable: offline?); remove the \`# syntax=\` line to use the engine's built-in frontend. Engine said: ${summary}`;
    }
    const failing = this.errorVertex ? this.vertices.get(this.errorVertex.digest) : null;
    return { step: failing?.label ?? (this.errorVertex ? this.currentStep : null), message, lastLines: this.tail() };
  }

  /** The base image that could not be found or pulled, when that is why the build failed. */
  missingBase(failure: BuildFailure): string | null {
    if (this.frontendImage || !PULL_FAILURE.test(failure.message)) return null;
    const vertex = this.errorVertex ? this.vertices.get(this.errorVertex.digest) : null;
    const named =
      /^\[internal\] load metadata for (\S+)$/.exec(vertex?.name ?? '') ??
      /^\[(?:\S+ )?\d+\/\d+\] FROM (\S+)/.exec(vertex?.name ?? '') ??
      // Without a vertex (20.10 fails while making the LLB): the registry URL names the image.
      /\/v2\/(.+?)\/manifests\/([^"\s]+)/.exec(failure.message);
    if (!named) return null;
    const image = named.length > 2 && named[2] ? `${named[1]}:${named[2]}` : named[1]!;
    return image.replace(/^docker\.io\/(library\/)?/, '').replace(/^library\//, '').replace(/@sha256:[0-9a-f]+$/, '');
  }
}

const STEP = /^\[(?:(\S+) )?(\d+)\/(\d+)\] ([\s\S]*)$/;

/**
 * BuildKit names a FROM by the reference it resolved (`FROM docker.io/library/composer:2@sha256:...`,
 * without its `AS`): shown, and matched by checks, as the Dockerfile says it, like the classic builder.
 */
function asWritten(instruction: string, stage: string | undefined): string {
  const from = /^FROM (\S+)$/.exec(instruction);
  if (!from) return instruction;
  const image = from[1]!
    // Newer engines append the digest they resolved a tag to; a digest the learner pinned (no tag) stays.
    .replace(/(:[^/@:]+)@sha256:[0-9a-f]{64}$/, '$1')
    .replace(/^docker\.io\/library\//, '')
    .replace(/^docker\.io\//, '');
  return `FROM ${image}${stage && !/^stage-\d+$/.test(stage) ? ` AS ${stage}` : ''}`;
}
