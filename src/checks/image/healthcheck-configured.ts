import { formatSeconds } from '../format.js';
import { alwaysSucceeds } from '../dockerfile/healthcheck.js';
import { advice, defineCheck, fail, pass } from '../kind.js';
import { atKeywordOrFinalStage } from '../location.js';

const SHELLS = /^(\/usr)?(\/bin\/)?(sh|bash|ash|dash)$/;

/** The test as a command line to run by itself: CMD argv as is, CMD-SHELL through /bin/sh -c. */
function probeCommand(test: string[]): string[] {
  return test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test.slice(1);
}

/** The command text judged for triviality: the shell script for CMD-SHELL or `sh -c script`, else argv joined. */
function commandText(test: string[]): string {
  if (test[0] === 'CMD-SHELL') return test.slice(1).join(' ');
  const [program, flag, script] = test.slice(1);
  return program && SHELLS.test(program) && flag === '-c' && script !== undefined ? script : test.slice(1).join(' ');
}

export const healthcheckConfigured = defineCheck({
  kind: 'image.healthcheck-configured',
  phase: 'image',
  summary:
    "The built image's config carries a health check (declared or inherited), not NONE; by default its test must be meaningful: not trivially true, and it should fail in a container of the image where the application was not started (one that passes there gets an advice).",
  params: (z) =>
    z
    .object({
      requireMeaningful: z
        .boolean()
        .default(true)
        .describe(
          'Fail a test that always succeeds (`true`, `exit 0`, a lone `echo`, `|| true`), and probe the test in a container of the image whose application was never started (see appDownPasses)',
        ),
      probeTimeoutSeconds: z.number().min(1).max(60).default(10).describe('Longest the test may run in the app-down probe'),
      appDownPasses: z
        .enum(['advice', 'fail'])
        .default('advice')
        .describe(
          'What a test that still exits 0 with the application down gets: `advice` (it works, full points, with the better way shown) or `fail`',
        ),
    })
    .strict(),
  example: { requireMeaningful: true },
  locate: (_params, { dockerfile }) => atKeywordOrFinalStage(dockerfile, 'HEALTHCHECK'),
  advises:
    'A test that exits 0 even in a container where the application never started (for example `php-fpm -t`, which only checks the configuration) works but cannot tell a dead app from a live one: `advice` by default (`appDownPasses: fail` to fail it).',
  async run({ requireMeaningful, probeTimeoutSeconds, appDownPasses }, { image, inspector }) {
    const health = image.healthcheck;
    // No per-reason hint here: the manifest's hint is about getting a HEALTHCHECK into the image.
    if (!health) return fail('the image has no health check in its config');
    if (health.test[0] === 'NONE') {
      return fail(
        'the image disables its health check (HEALTHCHECK NONE)',
        undefined,
        'Remove `HEALTHCHECK NONE` from the final stage (or from the base it inherits from) and declare `HEALTHCHECK CMD <command that exits 1 when unhealthy>`.',
      );
    }
    const command = commandText(health.test);
    const interval = health.intervalNs ? `${health.intervalNs / 1e9}s` : 'default 30s';
    const evidence: Record<string, unknown> = { test: health.test, intervalNs: health.intervalNs, retries: health.retries };
    if (requireMeaningful) {
      const why = alwaysSucceeds(command);
      if (why) {
        return fail(
          `the image's health check tests \`${command}\`: ${why}`,
          evidence,
          'Make the HEALTHCHECK test something that fails when the app is broken (a request to it, a script that connects to it), and let its exit code through.',
        );
      }
      // Behaviour, not wording: the test runs alone in a fresh container of the image (its own CMD never
      // started, no network). A test that still exits 0 cannot tell a working container from a dead one.
      const probe = await inspector.run(image.id, probeCommand(health.test), { entrypoint: [], timeoutMs: probeTimeoutSeconds * 1000 });
      const output = `${probe.stdout}${probe.stderr}`.trim().split('\n').slice(-3).join(' / ');
      evidence.appDownProbe = { exitCode: probe.exitCode, timedOut: probe.timedOut, output, durationMs: probe.durationMs };
      if (probe.exitCode === 0) {
        const message =
          `the image's health check \`${command}\` exits 0 even in a container where the application was never started ` +
          `(probe took ${formatSeconds(probe.durationMs)}${output ? `, output: ${output}` : ''}), so it reports healthy whatever state the app is in`;
        const better =
          'Test the running app itself: a request to it, or a script that connects to its port (for PHP-FPM, one that opens 127.0.0.1:9000 ' +
          'or sends a FastCGI ping), so the check fails when the server is down.';
        return appDownPasses === 'advice' ? advice(message, better, evidence) : fail(`${message}; test the app itself (a request, a heartbeat)`, evidence, better);
      }
    }
    const probeNote = requireMeaningful ? '; it fails while the app is not running, as it should' : '';
    return pass(`health check: ${command} (every ${interval})${probeNote}`, evidence);
  },
});
