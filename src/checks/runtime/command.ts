import { commandEvidence, commandExpectation, commandMismatch, showCommand } from '../expect.js';
import { formatSeconds } from '../format.js';
import { defineCheck, fail, pass } from '../kind.js';

export const runtimeCommand = defineCheck({
  kind: 'runtime.command',
  phase: 'runtime',
  summary:
    'Starts a container from the image, waits until its own health check says healthy, then runs a command inside it (docker exec: as the container runs, next to its main process) and checks exit code and output.',
  params: (z) =>
    z.object({
    ...commandExpectation,
    healthyTimeoutSeconds: z.number().int().min(5).max(600).default(60).describe('Longest wait for healthy before the command'),
    probeIntervalSeconds: z.number().min(0.5).max(30).default(1).describe('Probe interval used instead of the declared one'),
  }),
  example: { command: ['awk', '/^Uid:/ { print $2 }', '/proc/1/status'], stdoutNot: '^0$' },
  async run(params, { image, runner }) {
    const { health, run } = await runner.execWhenHealthy(image, params.command, {
      timeoutMs: params.healthyTimeoutSeconds * 1000,
      probeIntervalMs: params.probeIntervalSeconds * 1000,
      commandTimeoutMs: params.timeoutSeconds * 1000,
    });
    const shown = `\`${showCommand(params.command)}\``;
    if (!run) {
      const why =
        health.status === 'no-healthcheck'
          ? 'the image has no health check, so there is no moment the container is known to be ready'
          : health.status === 'exited'
            ? `the container exited with code ${health.exitCode} before it was healthy`
            : `the container was ${health.status === 'timeout' ? `not healthy within ${params.healthyTimeoutSeconds} s` : health.status}`;
      return fail(`${shown} was not run: ${why}`, { health: health.status, containerLog: health.containerLogTail });
    }
    const evidence = { ...commandEvidence(params.command, run), healthyAfterMs: health.elapsedMs };
    const mismatch = commandMismatch(params, run, params.timeoutSeconds);
    if (mismatch) return fail(`in the running container, ${shown}: ${mismatch}`, evidence);
    const output = run.stdout.trim().split('\n').slice(-1)[0] ?? '';
    return pass(
      `in the running container (healthy after ${formatSeconds(health.elapsedMs)}), ${shown} exited ${run.exitCode}${output ? ` and printed ${JSON.stringify(output.slice(0, 80))}` : ''}`,
      evidence,
    );
  },
});
