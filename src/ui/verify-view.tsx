import { useEffect, useState } from 'react';
import { Box, Static, Text, render } from 'ink';
import { PHASES, type Phase } from '../checks/kind.js';
import type { BuildEvent } from '../engine/build.js';
import type { CheckResult, VerifyResult } from '../grading/result.js';
import type { VerifyEvent } from '../grading/verify.js';
import { STATUS_MARK, type ScorecardOptions, formatCheckLine, formatScorecard, phaseLabel, phaseTitle } from './report.js';
import { type Style, colorWanted, makeStyle } from './style.js';
import { forScreen, stripControl } from '../text/safe.js';

/**
 * The live (ink) view of `challenge:verify` on a terminal. It shows what the plain renderer prints,
 * but redrawn in place: finished lines go to <Static> (written once, never redrawn), and a small live
 * area at the bottom shows the phases with a spinner, the current build step and its last output lines.
 *
 * The grading core calls `onEvent` synchronously; events only mutate a store, and the store publishes
 * a new snapshot (one synchronous ink rerender) at most every FLUSH_MS, so a chatty build costs one
 * render per batch, not one per output line.
 */

// The core's phase order; a phase it adds later (a context phase) shows up without a change here.
const PHASE_ORDER: readonly Phase[] = PHASES;
/** Shown in the strip only when they run (compose challenges). */
const OPTIONAL_PHASES: ReadonlySet<Phase> = new Set(['compose', 'stack']);
const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;
const FLUSH_MS = 25;
/** Build output lines kept on screen while a step runs (all of them go to the scrollback with --verbose). */
export const TAIL_LINES = 4;
/** Longest build output line kept for the view. */
const MAX_LINE = 2000;
/** What a terminal that reports 0 columns (script, some CI runners, `docker exec -t`) is taken to be. */
export const DEFAULT_COLUMNS = 80;

/** The terminal's width, or DEFAULT_COLUMNS when it reports none. */
export function screenColumns(stdout: { columns?: number }): number {
  const columns = stdout.columns;
  return typeof columns === 'number' && Number.isFinite(columns) && columns > 0 ? columns : DEFAULT_COLUMNS;
}

/**
 * The stream ink writes to, with a sane width: ink lays text out to `columns`, and at 0 it wraps every
 * character onto its own row, which costs time that grows with the text.
 */
export function withSaneColumns(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
  if (stdout.columns && stdout.columns > 0) return stdout;
  return new Proxy(stdout, {
    get(target, property) {
      if (property === 'columns') return screenColumns(target);
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export interface StaticLine {
  key: number;
  text: string;
}

type PhaseStatus = 'pending' | 'running' | 'done' | 'none';

export interface PhaseView {
  status: PhaseStatus;
  pass: number;
  fail: number;
  skip: number;
  advice: number;
  startedAt: number | null;
  endedAt: number | null;
}

export interface BuildView {
  startedAt: number;
  context: string | null;
  steps: number;
  step: { index: number; total: number; instruction: string; startedAt: number } | null;
  tail: string[];
}

export interface ViewSnapshot {
  /** Finished lines, append-only: <Static> writes each once. */
  lines: StaticLine[];
  phases: Record<Phase, PhaseView>;
  active: Phase | null;
  build: BuildView | null;
  startedAt: number;
  done: boolean;
}

/** Escape sequences, carriage-return progress and other control characters would break the layout. */
export function sanitizeLine(line: string): string {
  // A line is shown on one row: a megabyte of it would only cost time to cut.
  if (line.length > MAX_LINE) line = `${line.slice(0, MAX_LINE)}…`;
  const afterReturn = line.replace(/[\r\n]+$/, '').replace(/\n/g, ' ').split('\r').pop() ?? '';
  return afterReturn
    .replace(/\u001B\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/\u001B[\]PX^_][^\u0007\u001B]*(?:\u0007|\u001B\\)?/g, '')
    .replace(/\t/g, '  ')
    .replace(/[\u0000-\u001F\u007F]/g, '')
    .trimEnd();
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
}

function phaseMark(phase: PhaseView, style: Style): string {
  if (phase.fail > 0) return style.red(STATUS_MARK.fail);
  if (phase.pass > 0 || phase.advice > 0) return style.green(STATUS_MARK.pass);
  return style.yellow(STATUS_MARK.skip);
}

/** Holds the view state outside React; `onEvent` mutates it, `flush` publishes an immutable snapshot. */
export class VerifyStore {
  private readonly listeners = new Set<() => void>();
  private readonly pending: StaticLine[] = [];
  private nextKey = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly phases: Record<Phase, PhaseView>;
  private active: Phase | null = null;
  private build: BuildView | null = null;
  private snapshot: ViewSnapshot;

  constructor(
    private readonly style: Style,
    private readonly verbose = false,
    private readonly now: () => number = Date.now,
    private readonly columns: () => number = () => DEFAULT_COLUMNS,
  ) {
    const fresh = (): PhaseView => ({ status: 'pending', pass: 0, fail: 0, skip: 0, advice: 0, startedAt: null, endedAt: null });
    this.phases = Object.fromEntries(PHASE_ORDER.map((phase) => [phase, fresh()])) as Record<Phase, PhaseView>;
    this.snapshot = { lines: [], phases: this.copyPhases(), active: null, build: null, startedAt: this.now(), done: false };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ViewSnapshot => this.snapshot;

  /** Adds a finished line (it may hold several lines of text). */
  commit(text: string): void {
    this.pending.push({ key: this.nextKey++, text });
    this.schedule();
  }

  onEvent = (event: VerifyEvent): void => {
    if (this.closed) return;
    switch (event.type) {
      case 'phase':
        if (event.state === 'start') this.startPhase(event.phase);
        else this.endPhase(event.phase);
        break;
      case 'check':
        this.check(event.result);
        break;
      case 'note':
        this.commit(`  ${this.style.cyan('ℹ')} ${this.verbose ? stripControl(event.message) : forScreen(event.message, this.columns() - 4, 8)}`);
        break;
      case 'build':
        this.buildEvent(event.event);
        break;
    }
    this.schedule();
  };

  /** Publishes what changed since the last flush (synchronously re-renders in ink's legacy mode). */
  flush = (): void => {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const lines = this.pending.length > 0 ? this.snapshot.lines.concat(this.pending.splice(0)) : this.snapshot.lines;
    this.snapshot = {
      lines,
      phases: this.copyPhases(),
      active: this.active,
      build: this.build ? { ...this.build, step: this.build.step && { ...this.build.step }, tail: [...this.build.tail] } : null,
      startedAt: this.snapshot.startedAt,
      done: this.closed,
    };
    for (const listener of this.listeners) listener();
  };

  /** Ends the live part: later events are ignored and no timer is left behind. */
  close(finalText?: string): void {
    if (this.closed) return;
    this.closeStep(true);
    if (finalText !== undefined) this.pending.push({ key: this.nextKey++, text: finalText });
    this.closed = true;
    this.flush();
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(this.flush, FLUSH_MS);
  }

  private copyPhases(): Record<Phase, PhaseView> {
    return Object.fromEntries(PHASE_ORDER.map((phase) => [phase, { ...this.phases[phase] }])) as Record<Phase, PhaseView>;
  }

  private startPhase(phase: Phase): void {
    // A phase with no checks sends no events; mark the earlier ones that never started as not run.
    for (const earlier of PHASE_ORDER.slice(0, PHASE_ORDER.indexOf(phase))) {
      if (this.phases[earlier].status === 'pending') this.phases[earlier].status = 'none';
    }
    const view = this.phases[phase];
    if (view.status === 'running') return;
    Object.assign(view, { status: 'running', startedAt: this.now(), endedAt: null });
    this.active = phase;
    if (phase === 'build') this.build = { startedAt: this.now(), context: null, steps: 0, step: null, tail: [] };
    this.commit(`\n${this.style.bold(`▸ ${phaseTitle(phase)}`)}`);
  }

  private endPhase(phase: Phase): void {
    if (phase === 'build') this.closeStep(true);
    const view = this.phases[phase];
    if (view.status === 'pending') this.startPhase(phase);
    view.status = 'done';
    view.endedAt = this.now();
    if (this.active === phase) this.active = null;
    const counts = [
      view.pass > 0 ? `${view.pass} passed` : '',
      view.fail > 0 ? `${view.fail} failed` : '',
      view.skip > 0 ? `${view.skip} skipped` : '',
      view.advice > 0 ? `${view.advice} with advice` : '',
    ].filter(Boolean);
    if (phase === 'build' && this.build && this.build.steps > 0) counts.unshift(`${this.build.steps} steps`);
    if (counts.length === 0) counts.push('no checks');
    counts.push(seconds(view.endedAt - (view.startedAt ?? view.endedAt)));
    this.commit(`${phaseMark(view, this.style)} ${phaseTitle(phase)} ${this.style.dim(`· ${counts.join(', ')}`)}`);
  }

  private check(result: CheckResult): void {
    if (result.phase === 'build') this.closeStep(true);
    const view = this.phases[result.phase];
    view[result.status]++;
    this.commit(formatCheckLine(result, this.style, { width: this.columns(), verbose: this.verbose }));
  }

  private buildEvent(event: BuildEvent): void {
    if (!this.build || this.active !== 'build') {
      // Build events outside the build phase (a starter baseline build) are shown only with --verbose.
      if (this.verbose && event.type === 'output') this.commit(this.style.dim(`      ${sanitizeLine(event.line)}`));
      return;
    }
    const build = this.build;
    switch (event.type) {
      case 'context':
        build.context = `context: ${event.fileCount} files, ${(event.totalBytes / 1000).toFixed(1)} kB (${event.ignoredCount} ignored by .dockerignore)`;
        this.commit(this.style.dim(`  ${build.context}`));
        break;
      case 'step': {
        this.closeStep(false);
        const instruction = sanitizeLine(event.instruction);
        build.step = { index: event.index, total: event.total, instruction, startedAt: this.now() };
        build.steps = Math.max(build.steps, event.index);
        build.tail = [];
        if (this.verbose) this.commit(`  [${event.index}/${event.total}] ${instruction}`);
        break;
      }
      case 'output': {
        const line = sanitizeLine(event.line);
        if (line.trim() === '') break;
        if (this.verbose) {
          this.commit(this.style.dim(`      ${line}`));
        } else {
          build.tail.push(line);
          if (build.tail.length > TAIL_LINES) build.tail.splice(0, build.tail.length - TAIL_LINES);
        }
        break;
      }
    }
  }

  /** Moves the running step into the scrollback; the last one keeps its output (it explains a failure). */
  private closeStep(last: boolean): void {
    const build = this.build;
    if (!build?.step) return;
    const { index, total, instruction, startedAt } = build.step;
    if (!this.verbose) {
      const lines = [`  [${index}/${total}] ${instruction} ${this.style.dim(seconds(this.now() - startedAt))}`];
      if (last) lines.push(...build.tail.map((line) => this.style.dim(`      ${line}`)));
      this.commit(lines.join('\n'));
    }
    build.step = null;
    build.tail = [];
  }
}

function useClock(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function LiveArea({ snapshot, style }: { snapshot: ViewSnapshot; style: Style }) {
  const now = useClock(FRAME_MS);
  const spinner = style.cyan(SPINNER_FRAMES[Math.floor(now / FRAME_MS) % SPINNER_FRAMES.length]!);
  const strip = PHASE_ORDER.filter(
    (phase) => !OPTIONAL_PHASES.has(phase) || (snapshot.phases[phase].status !== 'pending' && snapshot.phases[phase].status !== 'none'),
  ).map((phase) => {
    const view = snapshot.phases[phase];
    const label = phaseLabel(phase);
    switch (view.status) {
      case 'running':
        return `${spinner} ${style.bold(label)} ${style.dim(seconds(now - (view.startedAt ?? now)))}`;
      case 'done':
        return `${phaseMark(view, style)} ${label}`;
      case 'none':
        return style.dim(`– ${label}`);
      default:
        return style.dim(`· ${label}`);
    }
  });
  if (snapshot.active === null) strip.push(spinner);
  const build = snapshot.active === 'build' ? snapshot.build : null;
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text wrap="truncate-end">
        {strip.join('  ')} {style.dim(`(${seconds(now - snapshot.startedAt)})`)}
      </Text>
      {build ? (
        build.step ? (
          <>
            <Text wrap="truncate-end">
              {`  ${style.bold(`step ${build.step.index}/${build.step.total}`)}  ${build.step.instruction}  ${style.dim(seconds(now - build.step.startedAt))}`}
            </Text>
            {build.tail.map((line, index) => (
              <Text key={index} wrap="truncate-end">
                {style.dim(`    │ ${line}`)}
              </Text>
            ))}
          </>
        ) : (
          <Text wrap="truncate-end">{style.dim(build.context ? '  sending the build context…' : '  packing the build context…')}</Text>
        )
      ) : null}
    </Box>
  );
}

/** The whole view for one snapshot; the spinner and clocks tick on their own while the run is live. */
export function VerifyView({ snapshot, style }: { snapshot: ViewSnapshot; style: Style }) {
  return (
    <>
      <Static items={snapshot.lines}>{(line) => <Text key={line.key}>{line.text}</Text>}</Static>
      {snapshot.done ? null : <LiveArea snapshot={snapshot} style={style} />}
    </>
  );
}

export function renderVerifyInteractive(options: {
  challenge: { id: string; title: string };
  verbose?: boolean;
  stdout?: NodeJS.WriteStream;
  /** A line under the title (watch mode: the run number and the files saved). */
  subtitle?: string;
  /** Watch mode: the scorecard's next step is a save. */
  watching?: boolean;
  /** The next-step command lines, with the run's --dir/--pack. */
  next?: ScorecardOptions;
}): {
  onEvent(event: VerifyEvent): void;
  finish(result: VerifyResult): Promise<void>;
  abort(): void;
} {
  const stdout = options.stdout ?? process.stdout;
  const style = makeStyle(colorWanted(stdout));
  const store = new VerifyStore(style, options.verbose, Date.now, () => screenColumns(stdout));
  let unmounted = false;
  store.commit(`${style.bold(options.challenge.title)} ${style.dim(`(${options.challenge.id})`)}`);
  if (options.subtitle) store.commit(style.dim(options.subtitle));
  store.flush();
  const view = () => <VerifyView snapshot={store.getSnapshot()} style={style} />;
  // Ctrl-C stays with the command's own handler, which cancels the run and cleans up.
  const instance = render(view(), { stdout: withSaneColumns(stdout), exitOnCtrlC: false });
  // ink's rerender commits synchronously, so what a flush publishes is on screen before an unmount.
  store.subscribe(() => {
    if (!unmounted) instance.rerender(view());
  });
  const exited = instance.waitUntilExit().then(
    () => undefined,
    () => undefined,
  );
  const unmount = () => {
    if (unmounted) return;
    unmounted = true;
    instance.unmount();
  };

  return {
    onEvent: (event) => store.onEvent(event),
    async finish(result) {
      if (unmounted) return;
      const columns = stdout.columns;
      const width = columns && columns < 110 ? Math.max(60, columns) : 110;
      store.close(`\n${formatScorecard(result, style, width, { ...options.next, watching: options.watching })}`);
      unmount();
      await exited;
    },
    abort() {
      store.close();
      unmount();
    },
  };
}
