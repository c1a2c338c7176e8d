import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { findPack, listPacks, packRoots } from '../../course/packs.js';
import { connectEngine } from '../../engine/connect.js';
import { type ProveResult, proveChallenge, proveTable } from '../../grading/prove.js';
import { type MutantsResult, testMutants } from '../../grading/mutants/run.js';
import { makeRecording, readRecording, recordingDiff, writeRecording } from '../../grading/recording.js';
import type { VerifyResult } from '../../grading/result.js';
import { UserError } from '../../errors.js';
import { ShipshapeCommand } from '../../cli/base.js';
import { builderFlags, engineFlags, courseFlags } from '../../cli/flags.js';
import { builderPreference } from '../../engine/buildkit/choose.js';
import { onInterrupt } from '../../cli/interrupt.js';

/** What happened to the pack's recorded scorecards in this run. */
type RecordingOutcome =
  | { state: 'recorded'; file: string }
  | { state: 'not-recorded'; reason: string }
  | { state: 'matches' }
  | { state: 'differs'; diff: string }
  | { state: 'none' };

export default class ChallengeTest extends ShipshapeCommand {
  static override description =
    'Prove challenges on the engine: the starter fails exactly its starterFails, the solution passes every check, ' +
    "the scorecards match the pack's recording.json, and with --mutants every wrong variant of the solution fails a check.";
  static override enableJsonFlag = true;
  static override strict = false;
  static override examples = [
    '<%= config.bin %> challenge:test docker-missing-multistage',
    '<%= config.bin %> challenge:test --all',
    '<%= config.bin %> challenge:test --all --mutants',
    '<%= config.bin %> challenge:test docker-go-scratch --record',
  ];
  static override args = {
    id: Args.string({ description: 'Challenge ids (repeatable)' }),
  };
  static override flags = {
    ...engineFlags,
    ...builderFlags,
    all: Flags.boolean({ description: 'Prove every challenge' }),
    ...courseFlags,
    pack: Flags.string({ description: 'Extra directory of challenge packs (repeatable)', multiple: true, multipleNonGreedy: true }),
    mutants: Flags.boolean({ description: 'Also grade wrong variants of the solution (generated, and the pack\'s mutants/); exit 1 if one passes' }),
    record: Flags.boolean({ description: "Write the starter's and solution's scorecards to the pack's recording.json instead of comparing with it" }),
  };

  async run() {
    const { argv, flags } = await this.parse(ChallengeTest);
    const ids = argv as string[];
    const builder = builderPreference(flags.builder);
    const roots = await packRoots(flags.pack ?? [], flags.course);
    if (ids.length === 0 && !flags.all) throw new UserError('Name the challenges to prove, or pass --all.', 2, 'e.g. shipshape challenge:test --all');
    const packs = flags.all ? await listPacks(roots) : await Promise.all(ids.map((id) => findPack(id, roots)));
    const engine = await connectEngine({ dockerHost: flags['docker-host'] });
    const cancel = new AbortController();
    const stopListening = onInterrupt(() => cancel.abort());
    const json = this.jsonEnabled();
    const log = (line: string) => {
      if (!json) this.log(line);
    };
    const results: Array<ProveResult & { recording: RecordingOutcome; mutants?: MutantsResult }> = [];
    const started = Date.now();
    try {
      for (const pack of packs) {
        const verified: Partial<Record<'starter' | 'solution', VerifyResult>> = {};
        const result = await proveChallenge(pack, engine, {
          signal: cancel.signal,
          builder,
          onStage: (stage) => log(`${pack.manifest.id}: verifying the ${stage}...`),
          onVerified: (stage, outcome) => {
            verified[stage] = outcome;
          },
        });
        for (const line of proveTable(result)) log(`  ${line}`);
        for (const mismatch of result.mismatches) log(`  ✖ ${mismatch}`);
        const recording = await this.recording(pack, result, verified, flags.record);
        if (recording.state === 'recorded') log(`  recorded the scorecards in ${recording.file}`);
        else if (recording.state === 'not-recorded') log(`  ✖ not recorded: ${recording.reason}`);
        else if (recording.state === 'differs') {
          log('  ✖ the scorecards differ from recording.json (review, then `challenge:test --record` if the change is meant):');
          for (const line of recording.diff.split('\n')) log(`    ${line}`);
        } else if (recording.state === 'none') log('  (no recording.json: `challenge:test --record` writes one)');
        let mutants: MutantsResult | undefined;
        if (flags.mutants) {
          log(`${pack.manifest.id}: grading mutants of the solution...`);
          mutants = await testMutants(pack, engine, {
            signal: cancel.signal,
            builder,
            onMutant: (outcome, index, total) => {
              const by = outcome.killedBy ? `${outcome.killedBy.id} (${outcome.killedBy.phase}${outcome.built ? '' : ', nothing built'})` : `rejected: ${outcome.rejected}`;
              log(`  ${outcome.status === 'killed' ? '✔ killed' : '✖ SURVIVED'} [${index + 1}/${total}] ${outcome.label} (${outcome.source})${outcome.status === 'killed' ? ` by ${by}` : ''}, ${(outcome.durationMs / 1000).toFixed(1)} s`);
              if (outcome.status === 'survived') for (const line of outcome.diff.split('\n')) log(`      ${line}`);
            },
          });
          if (mutants.mutants.length === 0) log('  (no mutator applies and the pack has no mutants/)');
        }
        const passed = result.passed && recording.state !== 'differs' && recording.state !== 'not-recorded' && (mutants?.passed ?? true);
        results.push({ ...result, passed, recording, ...(mutants ? { mutants } : {}) });
        const problems = [
          result.mismatches.length ? `${result.mismatches.length} mismatch(es)` : '',
          recording.state === 'differs' ? 'scorecards differ from the recording' : '',
          recording.state === 'not-recorded' ? 'not recorded' : '',
          mutants && !mutants.passed ? `${mutants.survivors.length} surviving mutant(s)` : '',
        ].filter(Boolean);
        const mutantNote = mutants ? `, ${mutants.mutants.length} mutant(s) killed in ${(mutants.durationMs / 1000).toFixed(1)} s` : '';
        log(passed ? `✔ ${result.challenge} proven${mutantNote}\n` : `✖ ${result.challenge}: ${problems.join(', ')}\n`);
      }
    } finally {
      stopListening();
    }
    const passed = results.every((result) => result.passed);
    if (flags.mutants) log(`${results.length} challenge(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.exitCode = passed ? 0 : 1;
    return { passed, durationMs: Date.now() - started, challenges: results };
  }

  /** --record writes the scorecards of a proven challenge; otherwise they are compared with the pack's recording. */
  private async recording(
    pack: Parameters<typeof proveChallenge>[0],
    result: ProveResult,
    verified: Partial<Record<'starter' | 'solution', VerifyResult>>,
    record: boolean,
  ): Promise<RecordingOutcome> {
    if (!verified.starter || !verified.solution) return record ? { state: 'not-recorded', reason: 'the starter or solution was not graded' } : { state: 'none' };
    const current = makeRecording(pack.manifest.id, verified.starter, verified.solution);
    if (record) {
      if (!result.passed) return { state: 'not-recorded', reason: 'the challenge is not proven; fix the mismatches first' };
      return { state: 'recorded', file: await writeRecording(pack, current) };
    }
    let recorded;
    try {
      recorded = await readRecording(pack);
    } catch (error) {
      throw new UserError(error instanceof Error ? error.message : String(error), 2);
    }
    if (!recorded) return { state: 'none' };
    const diff = recordingDiff(recorded, current);
    return diff ? { state: 'differs', diff } : { state: 'matches' };
  }
}
