import path from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { builderFlags, courseFlags } from '../../cli/flags.js';
import { builderPreference } from '../../engine/buildkit/choose.js';
import { findPack, packRoots } from '../../course/packs.js';
import { type Engine, connectEngine } from '../../engine/connect.js';
import { EngineUnavailableError, UserError, errorMessage } from '../../errors.js';
import { type BatchResult, defaultStateFile, gradeBatch, listSubmissions } from '../../grading/batch.js';
import { BATCH_FORMATS, type BatchFormat, renderBatch, summaryTable } from '../../grading/batch-report.js';
import { createBatchProgress } from '../../ui/batch-progress.js';
import { colorWanted, interactiveWanted, makeStyle } from '../../ui/style.js';
import { writeFileAtomic } from '../../workspace/atomic.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { onInterrupt } from '../../cli/interrupt.js';

export default class ChallengeGrade extends ShipshapeCommand {
  static override description =
    "Grade a folder of learners' submissions (one subfolder each) with the verify core, in parallel, across one or more engines.";
  static override enableJsonFlag = true;
  static override examples = [
    '<%= config.bin %> challenge:grade ./submissions --challenge docker-missing-multistage',
    '<%= config.bin %> challenge:grade ./submissions --challenge docker-missing-multistage --format junit --output results.xml',
    '<%= config.bin %> challenge:grade ./submissions --challenge docker-missing-multistage --docker-host unix:///var/run/docker.sock --docker-host tcp://grader2:2375 --concurrency 4',
  ];
  static override args = {
    submissions: Args.string({ description: "Directory holding one folder per learner (the learner's Dockerfile and app)", required: true }),
  };
  static override flags = {
    challenge: Flags.string({ description: 'Challenge id the submissions answer', required: true }),
    concurrency: Flags.integer({ description: 'Submissions graded at once, over all engines', default: 2, min: 1, max: 64 }),
    'docker-host': Flags.string({
      description: 'Engine to grade on (unix:///path, tcp://host:port, ssh://user@host; repeatable). Default: DOCKER_HOST, the Docker context, the local socket',
      multiple: true,
      multipleNonGreedy: true,
    }),
    timeout: Flags.integer({ description: 'Wall-clock limit per submission in seconds; a submission over it is a timeout', default: 600, min: 5, max: 7200 }),
    format: Flags.string({ description: 'Results format', options: [...BATCH_FORMATS] }),
    output: Flags.string({ description: 'Write the results (in --format, default json) to this file instead of stdout' }),
    state: Flags.string({ description: "Results cache for resuming (default: .<dir>.<challenge>.shipshape-grade.json next to the submissions directory)" }),
    fresh: Flags.boolean({ description: 'Ignore cached results and grade every submission again' }),
    only: Flags.string({ description: 'Grade only this submission folder (repeatable)', multiple: true, multipleNonGreedy: true }),
    plain: Flags.boolean({ description: 'Plain progress lines even on a terminal' }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
    ...builderFlags,
  };

  async run() {
    const { args, flags } = await this.parse(ChallengeGrade);
    const submissionsDir = path.resolve(args.submissions);
    const names = await listSubmissions(submissionsDir);
    const pack = await findPack(flags.challenge, await packRoots(flags.pack ?? [], flags.course));
    const json = this.jsonEnabled();
    if (json && flags.format && flags.format !== 'json') throw new UserError('--json prints the json format; leave out --format or --json.', 2);
    const format: BatchFormat | null = (flags.format as BatchFormat | undefined) ?? (flags.output ? 'json' : null);
    const stateFile = flags.state ? path.resolve(flags.state) : defaultStateFile(submissionsDir, pack.manifest.id);
    const outputFile = flags.output ? path.resolve(flags.output) : null;
    if (outputFile && isInside(outputFile, submissionsDir)) {
      throw new UserError(`--output ${flags.output} is inside the submissions directory; the submissions are never written.`, 2);
    }
    if (isInside(stateFile, submissionsDir)) {
      throw new UserError(`--state ${flags.state} is inside the submissions directory; the submissions are never written.`, 2);
    }

    const engines = await connectEngines(flags['docker-host'] ?? [], (message) => process.stderr.write(`⚠ ${message}\n`));
    const style = makeStyle(colorWanted(process.stderr));
    const progress = createBatchProgress(process.stderr, style, { bar: interactiveWanted(process.stderr, flags.plain) });
    progress.setTotal(flags.only?.length ?? names.length);

    const cancel = new AbortController();
    const stopListening = onInterrupt(() => cancel.abort());
    let result: BatchResult;
    try {
      result = await gradeBatch(
        {
          pack,
          submissionsDir,
          engines,
          concurrency: flags.concurrency,
          timeoutSeconds: flags.timeout,
          stateFile: flags.fresh ? null : stateFile,
          only: flags.only,
          builder: builderPreference(flags.builder),
          signal: cancel.signal,
          onEvent: (event) => progress.onEvent(event),
        },
        this.config.version,
      );
    } finally {
      progress.finish();
      stopListening();
    }

    // Formats go to --output or stdout; the human table goes to stdout unless stdout carries a format.
    const tableOnStdout = !json && (format === null || outputFile !== null);
    const table = summaryTable(result);
    if (format && outputFile) {
      await writeFileAtomic(outputFile, renderBatch(result, format, { manifest: pack.manifest }));
    }
    if (tableOnStdout) this.log(table.join('\n'));
    else if (!json) process.stderr.write(`${table.join('\n')}\n`);
    if (format && !outputFile && !json) process.stdout.write(renderBatch(result, format, { manifest: pack.manifest }));
    if (outputFile) process.stderr.write(`Results (${format}) written to ${outputFile}\n`);
    for (const engine of result.engines.filter((candidate) => candidate.lost)) {
      process.stderr.write(`⚠ ${engine.endpoint} was left out (${engine.lostReason}); once it is back, \`shipshape clean --docker-host ${engine.endpoint}\` removes what this batch left there.\n`);
    }
    if (result.cleanup.errors.length > 0) process.stderr.write(`⚠ Cleanup problems: ${result.cleanup.errors.join('; ')}\n`);

    const allEnginesLost = result.engines.every((engine) => engine.lost);
    process.exitCode = allEnginesLost && result.counts.error > 0 ? 2 : result.counts.pass === result.counts.total ? 0 : 1;
    return result;
  }
}

/** Connects to every --docker-host (or the default engine). Hosts that do not answer are left out with a warning; none answering is an error. */
async function connectEngines(hosts: string[], warn: (message: string) => void): Promise<Engine[]> {
  if (hosts.length === 0) return [await connectEngine()];
  const unique = [...new Set(hosts)];
  const settled = await Promise.allSettled(unique.map((host) => connectEngine({ dockerHost: host })));
  const engines: Engine[] = [];
  const problems: string[] = [];
  settled.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') engines.push(outcome.value);
    else {
      // A malformed host is bad input whatever the others do.
      if (outcome.reason instanceof UserError && !(outcome.reason instanceof EngineUnavailableError)) throw outcome.reason;
      problems.push(errorMessage(outcome.reason));
      warn(`left out ${unique[index]}: ${errorMessage(outcome.reason)}`);
    }
  });
  if (engines.length === 0) {
    throw new EngineUnavailableError(`None of the engines answered:\n${problems.map((problem) => `  ${problem}`).join('\n')}`, 'Start at least one of them, or check the --docker-host values.');
  }
  return engines;
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
