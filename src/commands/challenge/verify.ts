import * as Flags from '@oclif/core/flags';
import { findPack, packRoots } from '../../course/packs.js';
import type { Engine } from '../../engine/connect.js';
import { type VerifyOptions, verifyWorkspace } from '../../grading/verify.js';
import type { WatchOutcome } from '../../grading/watch.js';
import { UserError } from '../../errors.js';
import { learnerStateOf, recordVerifyOrWarn } from '../../grading/record.js';
import { type LearnerState, learnerEvents, learnerView, platformView } from '../../grading/visibility.js';
import type { VerifyResult } from '../../grading/result.js';
import { createPlainRenderer } from '../../ui/plain.js';
import type { VerifyFormat } from '../../grading/formats/names.js';
import { parseReports } from '../../grading/formats/reports.js';
import { colorWanted, interactiveWanted, makeStyle } from '../../ui/style.js';
import { findWorkspace } from '../../workspace/workspace.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { builderFlags, engineFlags, courseFlags } from '../../cli/flags.js';
import { builderPreference } from '../../engine/buildkit/choose.js';
import { exitSoonAfterCancel, onInterrupt } from '../../cli/interrupt.js';
import { onQuitKey } from '../../cli/keys.js';
import { nextCommand } from '../../cli/next-steps.js';

export default class ChallengeVerify extends ShipshapeCommand {
  static override description =
    'Build the workspace on the Docker engine, inspect and run the image, and grade every check.';
  static override enableJsonFlag = true;
  static override flags = {
    ...engineFlags,
    ...builderFlags,
    dir: Flags.string({ description: 'Workspace directory (default: the current directory or a parent)', default: '.' }),
    'keep-image': Flags.boolean({ description: 'Keep the built image, tagged shipshape/<id>:latest' }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
    plain: Flags.boolean({ description: 'Plain line output even on a terminal' }),
    verbose: Flags.boolean({ description: 'Stream the full build log' }),
    watch: Flags.boolean({ description: 'Verify again on every save (a save during a run cancels it); q or Ctrl-C quits' }),
    'build-timeout': Flags.integer({ description: "Stop a build after this many seconds (default: the challenge's limit)", min: 10, max: 3600 }),
    'max-context-mb': Flags.integer({ description: "Largest build context in MB (default: the challenge's limit)", min: 1, max: 10_000 }),
    format: Flags.string({
      description:
        'Report for CI and course platforms: json, junit, sarif, github (annotations and job summary), gradescope or classroom50; FORMAT=FILE writes it to FILE. Repeatable: one verify, several reports',
      multiple: true,
      multipleNonGreedy: true,
    }),
    output: Flags.string({ description: 'Write the --format report to this file (atomically) instead of stdout' }),
  };

  async run() {
    const { flags } = await this.parse(ChallengeVerify);
    if (flags.watch && this.jsonEnabled()) {
      throw new UserError('--watch shows live progress and cannot be combined with --json.', 2, 'Drop one of the two flags.');
    }
    const reports = parseReports(flags.format ?? [], flags.output);
    const format = reports.length > 0;
    if (format && this.jsonEnabled()) throw new UserError('--json prints the json report; use --format json, or leave out --format.', 2);
    if (format && flags.watch) throw new UserError('--watch cannot be combined with --format: a report is written once per verify.', 2, 'Drop one of the two flags.');
    const builder = builderPreference(flags.builder);
    const workspace = await findWorkspace(flags.dir);
    const pack = await findPack(workspace.marker.challenge, await packRoots(flags.pack ?? [], flags.course));
    const limits = { buildTimeoutSeconds: flags['build-timeout'], contextMaxMegabytes: flags['max-context-mb'] };
    // Everything shown below is the learner's view: hidden checks are held back (src/grading/visibility.ts).
    const learner = await learnerStateOf(workspace, pack.manifest.id);
    const forLearner = (result: VerifyResult) => learnerView(result, pack.manifest, learner);
    if (flags.watch) {
      const { connectEngine } = await import('../../engine/connect.js');
      const base = { pack, workspaceDir: workspace.root, engine: await connectEngine({ dockerHost: flags['docker-host'] }), keepImage: flags['keep-image'], builder, ...limits };
      await this.watch(base, { plain: flags.plain, verbose: flags.verbose }, learner, (result) =>
        recordVerifyOrWarn(workspace, result, (message) => process.stderr.write(`⚠ ${message}\n`)),
      );
      return undefined;
    }

    // Next steps carry the --dir, --pack and --course this run was given.
    const carried = { dir: flags.dir === '.' ? undefined : flags.dir, packs: flags.pack ?? [], courses: flags.course ?? [] };
    const next = {
      verifyCommand: nextCommand('challenge:verify', carried),
      statusCommand: nextCommand('challenge:status', { packs: carried.packs, courses: carried.courses }),
    };
    const cancel = new AbortController();
    const stopListening = onInterrupt(() => cancel.abort());
    const json = this.jsonEnabled();
    // A report on stdout keeps it clean: the progress lines then go to stderr.
    const { documentOnStdout, emitReport } = format
      ? await import('../../grading/formats/emit.js')
      : { documentOnStdout: (_format: VerifyFormat, _output?: string) => false, emitReport: null };
    const out = (text: string) => (reports.some((report) => documentOnStdout(report.format, report.output)) ? process.stderr : process.stdout).write(text);
    const style = makeStyle(colorWanted(process.stdout));
    const warn = (message: string) => process.stderr.write(`⚠ ${message}\n`);
    // The static verdicts need no engine: the core connects once they are shown.
    let announceEngine: ((engine: Engine) => void) | undefined;
    const engine = async () => {
      // The engine client is loaded here too, after the static verdicts.
      const { connectEngine } = await import('../../engine/connect.js');
      const connected = await connectEngine({ dockerHost: flags['docker-host'] });
      announceEngine?.(connected);
      return connected;
    };
    try {
      if (!json && !format && interactiveWanted(process.stdout, flags.plain)) {
        const { renderVerifyInteractive } = await import('../../ui/verify-view.js');
        const view = renderVerifyInteractive({ challenge: pack.manifest, verbose: flags.verbose, next });
        try {
          const result = forLearner(
            await verifyWorkspace({ pack, workspaceDir: workspace.root, engine, keepImage: flags['keep-image'], builder, ...limits, signal: cancel.signal, onEvent: learnerEvents(view.onEvent, pack.manifest, learner) }),
          );
          await view.finish(result);
          await recordVerifyOrWarn(workspace, result, warn);
          process.exitCode = result.passed ? 0 : 1;
          return result;
        } catch (error) {
          view.abort();
          throw error;
        }
      }
      const renderer = json ? null : createPlainRenderer(out, style, { verbose: flags.verbose, next });
      if (renderer) out(`${style.bold(pack.manifest.title)} ${style.dim(`(${pack.manifest.id}) in ${workspace.root}`)}\n`);
      // Said only when it is not the local default, where a surprise is likely.
      if (renderer) {
        announceEngine = (connected) => {
          if (connected.info.endpointSource !== 'default') out(style.dim(`engine: ${connected.info.endpoint} (${connected.info.foundBy})`) + '\n');
        };
      }
      const graded = await verifyWorkspace({
        pack,
        workspaceDir: workspace.root,
        engine,
        keepImage: flags['keep-image'],
        builder,
        ...limits,
        signal: cancel.signal,
        onEvent: learnerEvents(renderer?.onEvent, pack.manifest, learner),
      });
      const result = forLearner(graded);
      renderer?.finish(result);
      await recordVerifyOrWarn(workspace, result, warn);
      for (const report of emitReport ? reports : []) {
        // Gradescope hides tests from students itself: it gets every check, the held-back ones marked hidden.
        const platform = report.format === 'gradescope' ? platformView(graded, pack.manifest, learner) : null;
        const wrote = await emitReport!(platform?.result ?? result, report.format, {
          output: report.output,
          stdout: (text) => process.stdout.write(text),
          ...(platform ? { gradescope: { visibilityOf: platform.visibilityOf } } : {}),
        });
        if (wrote.length > 0) process.stderr.write(`Report (${report.format}) written to ${wrote.join(' and ')}\n`);
      }
      process.exitCode = result.passed ? 0 : 1;
      return result;
    } catch (error) {
      // A run stopped early prints the verdicts it gave with the error (--json): the learner's view of them.
      const stopped = error as { partial?: Parameters<typeof learnerView>[0] };
      if (stopped.partial) stopped.partial = learnerView(stopped.partial, pack.manifest, learner);
      throw error;
    } finally {
      stopListening();
      // Everything the run created is removed by now; a pending engine connection must not hold the exit.
      if (cancel.signal.aborted) exitSoonAfterCancel();
    }
  }

  /** Watch mode: the loop lives in the core (src/grading/watch.ts); this wires the watcher, the keys and the view. */
  private async watch(
    base: Omit<VerifyOptions, 'signal' | 'onEvent'>,
    flags: { plain: boolean; verbose: boolean },
    learner: LearnerState,
    record: (result: VerifyResult) => Promise<void>,
  ) {
    // Watch mode's modules (the file watcher among them) stay out of a plain verify's start-up.
    const [{ createWatchPresenter }, { watchLoop }, { watchWorkspaceFiles }] = await Promise.all([
      import('../../ui/watch.js'),
      import('../../grading/watch.js'),
      import('../../workspace/watch.js'),
    ]);
    const quit = new AbortController();
    let passedInSession = false;
    const stopListening = onInterrupt(() => quit.abort());
    const stopKeys = onQuitKey(() => quit.abort());
    try {
      const presenter = await createWatchPresenter({
        interactive: interactiveWanted(process.stdout, flags.plain),
        challenge: base.pack.manifest,
        workspace: base.workspaceDir,
        verbose: flags.verbose,
        quitKey: Boolean(process.stdin.isTTY),
      });
      const { last } = await watchLoop({
        signal: quit.signal,
        watch: (onChange) => watchWorkspaceFiles(base.workspaceDir, onChange),
        verify: async (signal, run) => {
          // A pass earlier in this session shows the after-pass checks from then on.
          const state = { passedBefore: learner.passedBefore || passedInSession };
          const graded = await verifyWorkspace({ ...base, signal, onEvent: learnerEvents(presenter.runStart(run), base.pack.manifest, state) });
          passedInSession ||= graded.passed;
          return learnerView(graded, base.pack.manifest, state);
        },
        onCancelling: (run, changed) => presenter.cancelling(run, changed),
        onRunEnd: async (run, outcome) => {
          presenter.runEnd(run, outcome);
          // Every finished attempt counts in the learner's progress, as a single verify does.
          if (outcome.kind === 'result') await record(outcome.result);
        },
      });
      presenter.stopped();
      process.exitCode = watchExitCode(last);
    } finally {
      stopKeys();
      stopListening();
    }
  }
}

/** Quitting is the normal end of watch mode: the exit code is the last finished run's (130 if none finished). */
function watchExitCode(last: WatchOutcome | null): number {
  if (!last || last.kind === 'cancelled') return 130;
  if (last.kind === 'result') return last.result.passed ? 0 : 1;
  const code = (last.error as { exitCode?: number }).exitCode;
  return typeof code === 'number' ? code : 2;
}

