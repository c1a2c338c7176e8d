import { defineCheck, fail, pass } from '../kind.js';

export const composeHealthy = defineCheck({
  kind: 'compose.healthy',
  phase: 'stack',
  summary:
    "On the running stack: the service's container runs and its own health check reports healthy (engine health state) within the time given; an exit or `unhealthy` fails at once, with the last probes and log lines.",
  params: (z) =>
    z.object({
    service: z.string().min(1),
    timeoutSeconds: z.number().int().min(1).max(300).default(60),
  }),
  example: { service: 'app', timeoutSeconds: 60 },
  async run({ service, timeoutSeconds }, { stack }) {
    const container = await stack.waitReady(service, timeoutSeconds * 1000);
    if (!container) return fail(`the stack has no \`${service}\` container`);
    const probes = (container.health?.log ?? []).slice(-3).map((entry) => ({ exitCode: entry.exitCode, output: entry.output.slice(0, 200) }));
    const evidence = { status: container.status, health: container.health?.status ?? null, probes };
    if (!container.running) {
      const log = await stack.logs(service, 3);
      return fail(`the \`${service}\` container stopped (exit code ${container.exitCode})${log.length ? `: ${log.join(' / ')}` : ''}`, { ...evidence, log });
    }
    if (!container.health) return fail(`\`${service}\` has no health check, so nothing says it works`, evidence, 'Give the service a `healthcheck:`.');
    if (container.health.status !== 'healthy') {
      const log = await stack.logs(service, 3);
      const last = probes.at(-1);
      return fail(
        `\`${service}\` is ${container.health.status}${last ? ` (last probe exit ${last.exitCode}${last.output ? `: ${last.output.replace(/\s+/g, ' ').slice(0, 120)}` : ''})` : ''}${log.length ? `; its log: ${log.join(' / ')}` : ''}`,
        { ...evidence, log },
      );
    }
    return pass(`\`${service}\` runs and reports healthy`, evidence);
  },
});
