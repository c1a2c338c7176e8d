import { defineCheck, fail, pass } from '../kind.js';

export const composeNoBindMount = defineCheck({
  kind: 'compose.no-bind-mount',
  phase: 'stack',
  summary:
    "On the running stack: the service's container has no bind mount of a host directory or file (the engine's Mounts), optionally only under the given container paths: in production the code comes from the image.",
  params: (z) =>
    z.object({
    service: z.string().min(1),
    under: z.array(z.string().startsWith('/')).optional().describe('Only bind mounts at or below these container paths count (all by default)'),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  }),
  example: { service: 'web', under: ['/app'] },
  async run({ service, under, timeoutSeconds }, { stack }) {
    const container = await stack.waitReady(service, timeoutSeconds * 1000);
    if (!container?.settings) return fail(`the stack has no \`${service}\` container`);
    const inside = (destination: string) => !under || under.some((root) => destination === root || destination.startsWith(`${root.replace(/\/$/, '')}/`));
    const binds = container.settings.mounts.filter((mount) => mount.type === 'bind' && inside(mount.destination));
    const evidence = { mounts: container.settings.mounts.map((mount) => ({ type: mount.type, destination: mount.destination, readOnly: mount.readOnly })) };
    if (binds.length > 0) {
      return fail(
        `\`${service}\` runs with ${binds.map((mount) => `${mount.destination}`).join(', ')} bind-mounted from the host, so it runs the files on that machine, not those in its image`,
        evidence,
      );
    }
    return pass(`\`${service}\` has no bind mount${under ? ` under ${under.join(', ')}` : ''}: it runs what its image holds`, evidence);
  },
});
