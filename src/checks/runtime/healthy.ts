import { formatSeconds } from '../format.js';
import { defineCheck, fail, pass } from '../kind.js';
import { atKeywordOrFinalStage } from '../location.js';

export const runtimeHealthy = defineCheck({
  kind: 'runtime.healthy',
  phase: 'runtime',
  summary:
    "A container from the image reaches `healthy` under the learner's own health test, probed at a short interval; stops at once on unhealthy or exit.",
  params: (z) =>
    z.object({
    timeoutSeconds: z.number().int().min(5).max(600).default(60).describe('Longest wait for healthy'),
    probeIntervalSeconds: z.number().min(0.5).max(30).default(1).describe('Probe interval used instead of the declared one'),
  }),
  example: { timeoutSeconds: 60, probeIntervalSeconds: 1 },
  locate: (_params, { dockerfile }) => atKeywordOrFinalStage(dockerfile, 'HEALTHCHECK'),
  async run({ timeoutSeconds, probeIntervalSeconds }, { image, runner }) {
    const outcome = await runner.runUntilHealthy(image, {
      timeoutMs: timeoutSeconds * 1000,
      probeIntervalMs: probeIntervalSeconds * 1000,
    });
    const lastProbe = outcome.log.at(-1);
    const evidence = {
      status: outcome.status,
      elapsedMs: outcome.elapsedMs,
      declared: outcome.declared,
      healthLog: outcome.log,
      exitCode: outcome.exitCode,
      containerLog: outcome.containerLogTail,
    };
    const declared = outcome.declared
      ? ` (declared: interval ${outcome.declared.interval}, timeout ${outcome.declared.timeout}, start period ${outcome.declared.startPeriod}, retries ${outcome.declared.retries}; probed every ${probeIntervalSeconds}s)`
      : '';
    const probeText = lastProbe ? `; last probe exited ${lastProbe.exitCode}${lastProbe.output ? `: ${lastProbe.output.split('\n').slice(-2).join(' / ')}` : ''}` : '';
    switch (outcome.status) {
      case 'healthy':
        return pass(`healthy after ${formatSeconds(outcome.elapsedMs)}${declared}`, evidence);
      case 'no-healthcheck':
        return fail('the image has no health check to run', evidence);
      case 'unhealthy':
        return fail(`unhealthy after ${formatSeconds(outcome.elapsedMs)}${probeText}`, evidence);
      case 'exited':
        return fail(`the container exited with code ${outcome.exitCode} after ${formatSeconds(outcome.elapsedMs)} before becoming healthy${outcome.containerLogTail.length ? `; its last output: ${outcome.containerLogTail.slice(-2).join(' / ')}` : ''}`, evidence);
      case 'timeout':
        return fail(`not healthy within ${timeoutSeconds} s${probeText || '; no probe finished'}`, evidence);
    }
  },
});
