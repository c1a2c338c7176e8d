import { waitFor } from '../../wait.js';
import { defineCheck, fail, pass } from '../kind.js';

const mib = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MiB`;

export const composeStoppedByOwnLimit = defineCheck({
  kind: 'compose.stopped-by-own-limit',
  phase: 'stack',
  summary:
    "On the running stack: a service that keeps taking memory is stopped by the kernel at its own memory limit (State.OOMKilled with a HostConfig memory limit below Shipshape's cap for graded containers, which stands in for the host), within the time given.",
  params: (z) =>
    z.object({
    service: z.string().min(1).describe('The service that leaks memory'),
    timeoutSeconds: z.number().int().min(1).max(300).default(30).describe('Longest wait for it to be stopped'),
  }),
  example: { service: 'worker', timeoutSeconds: 30 },
  async run({ service, timeoutSeconds }, { stack }) {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let container = await stack.waitReady(service, timeoutSeconds * 1000);
    // Ready means running (or healthy): the leak has yet to reach the limit. Wait for the stop.
    if (container?.running) {
      await waitFor(
        async (probes) => {
          if (probes > 0) [container = null] = await stack.containers(service);
          return !container?.running;
        },
        { interval: 500, deadline },
      );
    }
    if (!container || !container.settings) return fail(`the stack has no \`${service}\` container`);
    const { settings } = container;
    const cap = stack.containmentLimits.memoryBytes;
    const evidence = { status: container.status, exitCode: container.exitCode, oomKilled: settings.oomKilled, memoryLimitBytes: settings.memoryBytes, shipshapeCapBytes: cap, restartPolicy: settings.restartPolicy.name };
    if (container.running) {
      return fail(`\`${service}\` still runs after ${timeoutSeconds} s${settings.memoryBytes > 0 ? ` under a ${mib(settings.memoryBytes)} limit` : ''}: its leak was not stopped`, evidence);
    }
    if (!settings.oomKilled) {
      const log = await stack.logs(service, 3);
      return fail(`\`${service}\` stopped with exit code ${container.exitCode}, but not by its memory limit (OOMKilled is false)${log.length ? `: ${log.join(' / ')}` : ''}`, { ...evidence, log });
    }
    if (settings.memoryBytes <= 0 || settings.memoryBytes >= cap) {
      return fail(
        `\`${service}\` was killed for memory at ${mib(settings.memoryBytes || cap)}, Shipshape's cap that stands in for the host: on a real host, the leak would have taken the machine's memory first`,
        evidence,
        'Give the service a memory limit of its own (`deploy.resources.limits.memory`) so the kernel stops it there.',
      );
    }
    return pass(`\`${service}\` was stopped by its own ${mib(settings.memoryBytes)} memory limit (OOMKilled, exit code ${container.exitCode})`, evidence);
  },
});
