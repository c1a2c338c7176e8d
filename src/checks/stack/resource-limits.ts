import { defineCheck, fail, pass } from '../kind.js';
import type { ContainerSettings } from '../kind.js';

const MIB = 1024 * 1024;

const mib = (bytes: number) => `${Math.round((bytes / MIB) * 10) / 10} MiB`;
const cpus = (nano: number) => `${Math.round(nano / 1e7) / 100} CPU`;

/** One limit as the engine applied it: what it is, whether it is the learner's own, and whether it is within the bound. */
function judgeLimit(
  name: string,
  applied: number,
  cap: number,
  max: number,
  shown: (value: number) => string,
  key: string,
): { ok: boolean; note: string } {
  if (applied <= 0) return { ok: false, note: `no ${name} limit (\`${key}\`)` };
  // Shipshape caps every graded container; a value at that cap is ours, not a limit the service sets.
  if (applied >= cap) return { ok: false, note: `no ${name} limit of its own (\`${key}\`; ${shown(applied)} is Shipshape's cap)` };
  if (applied > max) return { ok: false, note: `${name} limit ${shown(applied)} is above ${shown(max)}` };
  return { ok: true, note: `${name} ${shown(applied)}` };
}

export const composeResourceLimits = defineCheck({
  kind: 'compose.resource-limits',
  phase: 'stack',
  summary:
    "On the running stack: each listed service's container runs with a memory, CPU and process limit of its own (HostConfig Memory, NanoCpus, PidsLimit as the engine applied them, from `deploy.resources.limits` or `mem_limit`/`cpus`/`pids_limit`), each at most the given bound. Shipshape caps every graded container; a value at that cap is not the service's own limit.",
  params: (z) =>
    z.object({
    services: z.array(z.string().min(1)).min(1),
    maxMemoryMiB: z.number().positive().describe('Largest memory limit accepted, in MiB'),
    maxCpus: z.number().positive().describe('Largest CPU limit accepted, in CPUs'),
    maxPids: z.number().int().positive().describe('Largest process limit accepted'),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  }),
  example: { services: ['api', 'worker'], maxMemoryMiB: 256, maxCpus: 0.5, maxPids: 100 },
  async run({ services, maxMemoryMiB, maxCpus, maxPids, timeoutSeconds }, { stack }) {
    const cap = stack.containmentLimits;
    const problems: string[] = [];
    const found: Record<string, unknown> = {};
    for (const service of services) {
      const container = await stack.waitReady(service, timeoutSeconds * 1000);
      const settings: ContainerSettings | undefined = container?.settings;
      if (!container || !settings) {
        problems.push(`\`${service}\`: no container`);
        continue;
      }
      found[service] = { memoryBytes: settings.memoryBytes, nanoCpus: settings.nanoCpus, pidsLimit: settings.pidsLimit };
      const limits = [
        judgeLimit('memory', settings.memoryBytes, cap.memoryBytes, maxMemoryMiB * MIB, mib, 'mem_limit'),
        judgeLimit('CPU', settings.nanoCpus, cap.nanoCpus, maxCpus * 1e9, cpus, 'cpus'),
        judgeLimit('process', settings.pidsLimit, cap.pidsLimit, maxPids, String, 'pids_limit'),
      ];
      const bad = limits.filter((limit) => !limit.ok);
      if (bad.length > 0) problems.push(`\`${service}\`: ${bad.map((limit) => limit.note).join('; ')}`);
    }
    const evidence = { limits: found, bounds: { maxMemoryMiB, maxCpus, maxPids }, shipshapeCap: cap };
    if (problems.length > 0) {
      return fail(
        problems.join(' · '),
        evidence,
        `Set \`mem_limit\`, \`cpus\` and \`pids_limit\` on each service (Compose v2 also reads \`deploy.resources.limits\`), within ${maxMemoryMiB} MiB, ${maxCpus} CPU and ${maxPids} processes; Shipshape's own caps for graded containers (${mib(cap.memoryBytes)}, ${cpus(cap.nanoCpus)}, ${cap.pidsLimit} processes) stand in for the host.`,
      );
    }
    const summary = Object.entries(found)
      .map(([service, value]) => {
        const limits = value as { memoryBytes: number; nanoCpus: number; pidsLimit: number };
        return `${service}: ${mib(limits.memoryBytes)}, ${cpus(limits.nanoCpus)}, ${limits.pidsLimit} processes`;
      })
      .join('; ');
    return pass(`every service runs within its own limits (${summary})`, evidence);
  },
});
