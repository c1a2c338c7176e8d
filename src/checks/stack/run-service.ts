import { formatSeconds } from '../format.js';
import { defineCheck, fail, pass } from '../kind.js';

export const composeRunService = defineCheck({
  kind: 'compose.run-service',
  phase: 'stack',
  summary:
    'On the running stack: `compose run --rm` of a one-off service (e.g. a backup job under a `tools` profile) exits 0 with output matching a regex, while the listed services keep running, neither stopped nor restarted.',
  params: (z) =>
    z.object({
    service: z.string().min(1).describe('The one-off service to run'),
    output: z.string().min(1).optional().describe('Regex its output must match'),
    keepsRunning: z.array(z.string().min(1)).default([]).describe('Services that must stay up, unrestarted, through the run'),
    timeoutSeconds: z.number().int().min(5).max(600).default(120),
  }),
  example: { service: 'backup', keepsRunning: ['db'], timeoutSeconds: 120 },
  async run({ service, output, keepsRunning, timeoutSeconds }, { stack, compose }) {
    if (!compose.service(service)) return fail(`${compose.where('services')}: no service \`${service}\` to run`);
    const before = new Map<string, string>();
    for (const name of keepsRunning) {
      const ready = await stack.waitReady(name, timeoutSeconds * 1000);
      if (!ready?.running) return fail(`\`${name}\` is not running before \`${service}\` runs, so the check cannot tell whether it keeps running`);
      before.set(name, ready.startedAt);
    }
    const started = Date.now();
    const result = await stack.runService(service, { timeoutMs: timeoutSeconds * 1000 });
    const evidence: Record<string, unknown> = { exitCode: result.exitCode, output: result.outputTail, timedOut: result.timedOut };
    const shownOutput = result.outputTail.slice(-3).join(' / ');
    if (result.timedOut) return fail(`\`${service}\` did not finish within ${timeoutSeconds} s`, evidence);
    if (result.exitCode !== 0) return fail(`\`${service}\` exited ${result.exitCode}${shownOutput ? `: ${shownOutput}` : ''}`, evidence);
    if (output && !new RegExp(output).test(result.outputTail.join('\n'))) {
      return fail(`\`${service}\` exited 0, but its output does not match /${output}/${shownOutput ? `: ${shownOutput}` : ''}`, evidence);
    }
    for (const name of keepsRunning) {
      const [after] = await stack.containers(name);
      if (!after?.running) return fail(`\`${name}\` stopped while \`${service}\` ran`, evidence);
      if (after.startedAt !== before.get(name)) return fail(`\`${name}\` was restarted while \`${service}\` ran`, evidence);
    }
    return pass(`\`${service}\` ran in ${formatSeconds(Date.now() - started)} and exited 0${keepsRunning.length ? `; ${keepsRunning.map((name) => `\`${name}\``).join(', ')} kept running` : ''}`, evidence);
  },
});
