import { formatSeconds } from '../format.js';
import { defineCheck, fail, pass } from '../kind.js';

export const composeStartedAfterHealthy = defineCheck({
  kind: 'compose.started-after-healthy',
  phase: 'stack',
  summary:
    "On the running stack: the service's container started only after the dependency first reported healthy (engine health events), and it is still running.",
  params: (z) =>
    z.object({
    service: z.string().min(1).describe('The service that must wait'),
    after: z.string().min(1).describe('The service whose health it waits for'),
    timeoutSeconds: z.number().int().min(5).max(600).default(90).describe('Longest wait for both to settle'),
  }),
  example: { service: 'app', after: 'db', timeoutSeconds: 90 },
  async run({ service, after, timeoutSeconds }, { stack }) {
    const deadline = Date.now() + timeoutSeconds * 1000;
    const dependency = await stack.waitReady(after, timeoutSeconds * 1000);
    const dependent = await stack.waitReady(service, Math.max(1000, deadline - Date.now()));
    if (!dependency) return fail(`the stack has no \`${after}\` container`);
    if (!dependent) return fail(`the stack has no \`${service}\` container`);
    const healthyAt = stack.healthyTimes(after)[0] ?? firstHealthyInLog(dependency.health?.log ?? []);
    const startedAt = Date.parse(dependent.startedAt);
    const serviceLog = dependent.running ? [] : await stack.logs(service, 5);
    const evidence = {
      [`${service}StartedAt`]: dependent.startedAt,
      [`${after}HealthyAt`]: healthyAt ? new Date(healthyAt).toISOString() : null,
      [`${after}Health`]: dependency.health,
      [`${service}State`]: { status: dependent.status, exitCode: dependent.exitCode },
      [`${service}Log`]: serviceLog,
    };
    const exited = !dependent.running
      ? `; \`${service}\` then exited with code ${dependent.exitCode}${serviceLog.length ? `: ${serviceLog.slice(-2).join(' / ')}` : ''}`
      : '';
    if (!dependency.health) return fail(`\`${after}\` has no health check, so it never reports healthy and nothing can wait for it${exited}`, evidence);
    if (!healthyAt) return fail(`\`${after}\` never reported healthy (status ${dependency.health.status})${exited}`, evidence);
    if (startedAt < healthyAt) {
      return fail(`\`${service}\` started ${formatSeconds(healthyAt - startedAt)} before \`${after}\` was healthy${exited}`, evidence);
    }
    if (!dependent.running) return fail(`\`${service}\` started after \`${after}\` was healthy but is not running${exited}`, evidence);
    return pass(`\`${service}\` started ${formatSeconds(startedAt - healthyAt)} after \`${after}\` reported healthy, and is running`, evidence);
  },
});

function firstHealthyInLog(log: Array<{ end: string; exitCode: number }>): number | null {
  const first = log.find((entry) => entry.exitCode === 0);
  return first ? Date.parse(first.end) : null;
}
