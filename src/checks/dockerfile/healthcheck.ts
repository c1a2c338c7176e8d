import type { Instruction } from 'dockerfile-ast';
import { defineCheck, fail, pass } from '../kind.js';
import { instructionRef, type Stage } from './model.js';
import { argumentText, describeFinal, effectiveInstructions, linesPhrase, parseExecForm } from './operands.js';
import { atKeywordOrFinalStage } from '../location.js';

/** The engine's defaults for flags a HEALTHCHECK leaves out. */
const DEFAULTS = { interval: '30s', timeout: '30s', 'start-period': '0s', retries: '3' } as const;
type KnownFlag = keyof typeof DEFAULTS;
const KNOWN_FLAGS = Object.keys(DEFAULTS) as KnownFlag[];

/** Go's time.ParseDuration syntax, which the builder uses for --interval, --timeout and --start-period. */
const GO_DURATION = /^(0|([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$/;
const SHELLS = /^(\/usr)?(\/bin\/)?(sh|bash|ash|dash)$/;
const ALWAYS_SUCCEEDS_ALONE = /^(true|\/bin\/true|\/usr\/bin\/true|:|exit(\s+0)?|(\/bin\/)?echo(\s[^;&|]*)?|printf(\s[^;&|]*)?)$/;
const ALWAYS_SUCCEEDS_SUFFIX = /(\|\||;)\s*(true|\/bin\/true|\/usr\/bin\/true|:|exit\s+0)$/;

interface ParsedHealthcheck {
  line: number;
  text: string;
  subcommand: string;
  /** The test as the engine stores it: ["CMD", ...argv] or ["CMD-SHELL", command]. */
  test: string[];
  /** The shell command, or the argv joined, to judge triviality. */
  command: string;
  flags: Array<{ name: string; value: string | null }>;
}

function parse(instruction: Instruction): ParsedHealthcheck {
  const text = argumentText(instruction);
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  const subcommand = (match?.[1] ?? '').toUpperCase();
  const rest = (match?.[2] ?? '').trim();
  const argv = parseExecForm(rest);
  let test: string[];
  let command: string;
  if (argv) {
    test = ['CMD', ...argv];
    const [program, flag, script] = argv;
    command = program && SHELLS.test(program) && flag === '-c' && script !== undefined ? script : argv.join(' ');
  } else {
    test = ['CMD-SHELL', rest];
    command = rest;
  }
  const withFlags = instruction as Instruction & { getFlags?: () => Array<{ getName(): string; getValue(): string | null }> };
  const flags = (withFlags.getFlags?.() ?? []).map((flag) => ({ name: flag.getName().toLowerCase(), value: flag.getValue() }));
  return { line: instructionRef(instruction).line, text: instructionRef(instruction).text, subcommand, test, command: command.trim(), flags };
}

/** Why a test command always exits 0, or null when it can fail. */
export function alwaysSucceeds(command: string): string | null {
  const tidy = command.replace(/\s+/g, ' ').replace(/[\s;]+$/, '').trim();
  if (ALWAYS_SUCCEEDS_ALONE.test(tidy)) return `\`${tidy}\` always succeeds, so the container is reported healthy whatever state it is in`;
  const suffix = ALWAYS_SUCCEEDS_SUFFIX.exec(tidy);
  if (suffix) {
    return `it ends with \`${suffix[0].trim()}\`, so it reports healthy even when the check before it fails; end with \`|| exit 1\` instead`;
  }
  return null;
}

export const healthcheck = defineCheck({
  kind: 'dockerfile.healthcheck',
  phase: 'static',
  summary: 'The final stage declares exactly one HEALTHCHECK with a test command that can actually fail.',
  params: (z) =>
    z.object({
    stage: z.enum(['final']).default('final').describe('Stage that must declare the HEALTHCHECK; only "final" is supported'),
    requireMeaningful: z
      .boolean()
      .default(true)
      .describe('Fail a test that always succeeds, such as `true`, `exit 0`, a lone `echo`, or one ending in `|| true`'),
  }),
  example: { requireMeaningful: true },
  locate: (_params, { dockerfile }) => atKeywordOrFinalStage(dockerfile, 'HEALTHCHECK'),
  run({ requireMeaningful }, { dockerfile }) {
    const final = dockerfile.finalStage;
    if (!final) return fail('no FROM instruction found; expected a HEALTHCHECK in the final stage');
    const where = describeFinal(dockerfile, final);
    const { owner, declared } = effectiveInstructions(dockerfile, final, 'HEALTHCHECK');
    const inherited = owner === final ? '' : ` (inherited by the final stage, ${where})`;
    const ownerName = owner === final ? where : dockerfile.describe(owner);
    if (declared.length === 0) {
      return fail(`no HEALTHCHECK in the final stage, ${where}; add e.g. HEALTHCHECK CMD <command that exits 1 when unhealthy>`, {
        declared: 0,
      });
    }
    const parsed = declared.map(parse);
    const lines = parsed.map((entry) => entry.line);
    if (parsed.length > 1) {
      return fail(
        `${parsed.length} HEALTHCHECK instructions in ${ownerName}${inherited}, at ${linesPhrase(lines)}; only the last one ` +
          `(line ${lines.at(-1)}) takes effect, so keep exactly one`,
        { declared: parsed.length, lines },
      );
    }
    const check = parsed[0]!;
    const at = `HEALTHCHECK at line ${check.line} in ${ownerName}${inherited}`;
    const flagValues = Object.fromEntries(check.flags.map((flag) => [flag.name, flag.value]));
    const evidence = { line: check.line, test: check.test, flags: flagValues, stage: owner.index + 1 };

    // `--interval 5s`: the builder's flag parser wants `--name=value` and stops on the bare flag.
    const bare = check.flags.find((flag) => flag.value === null);
    if (bare) {
      const next = /^(\S+)/.exec(argumentText(declared[0]!))?.[1];
      const written = next && next.toUpperCase() !== 'CMD' && next.toUpperCase() !== 'NONE' ? `--${bare.name} ${next}` : `--${bare.name}`;
      return fail(
        `${at} has ${written} without "=": the builder reads --${bare.name} as a flag with no value and stops with ` +
          `"Missing a value on flag: ${bare.name}"; write --${bare.name}=${next && written.includes(' ') ? next : '<value>'}`,
        evidence,
      );
    }
    if (check.subcommand === 'NONE') {
      return fail(`${at} is HEALTHCHECK NONE, which disables health checking; declare HEALTHCHECK CMD <command> instead`, evidence);
    }
    if (check.subcommand !== 'CMD') {
      return fail(`${at} must be followed by CMD <command> (found "${check.text}")`, evidence);
    }
    if (check.command === '' || (check.test[0] === 'CMD' && check.test.length === 1)) {
      return fail(`${at} has no test command after CMD`, evidence);
    }
    const startInterval = check.flags.find((flag) => flag.name === 'start-interval');
    if (startInterval) {
      return fail(
        `${at} uses --start-interval${startInterval.value !== null ? `=${startInterval.value}` : ''}, which needs Docker Engine 25 ` +
          `or newer; older engines such as Docker 20.10 do not support it (the classic builder stops with "Unknown flag: ` +
          `start-interval"), so remove it`,
        evidence,
      );
    }
    const unknown = check.flags.filter((flag) => !KNOWN_FLAGS.includes(flag.name as KnownFlag) && flag.name !== 'start-interval');
    if (unknown.length > 0) {
      return fail(
        `${at} has unknown flag${unknown.length === 1 ? '' : 's'} ${unknown.map((flag) => `--${flag.name}`).join(', ')}; ` +
          `HEALTHCHECK accepts --interval, --timeout, --start-period and --retries`,
        evidence,
      );
    }
    for (const flag of check.flags) {
      const valid =
        flag.value !== null &&
        (flag.name === 'retries' ? /^[0-9]+$/.test(flag.value) : GO_DURATION.test(flag.value));
      if (!valid) {
        const expected = flag.name === 'retries' ? 'a whole number such as 3' : 'a duration with a unit such as 30s or 1m30s';
        return fail(`${at} has --${flag.name}=${flag.value ?? ''}; expected ${expected}`, evidence);
      }
    }
    const settings = KNOWN_FLAGS.map((name) =>
      name in flagValues ? `--${name}=${flagValues[name]}` : `--${name}=${DEFAULTS[name]} (default)`,
    ).join(' ');
    const testShown = check.test[0] === 'CMD-SHELL' ? check.command : JSON.stringify(check.test.slice(1));
    if (requireMeaningful) {
      const why = alwaysSucceeds(check.command);
      if (why) return fail(`${at} tests \`${testShown}\`: ${why}`, { ...evidence, settings });
    }
    return pass(`${at} tests ${testShown} with ${settings}`, { ...evidence, settings });
  },
});
