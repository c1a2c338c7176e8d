import { defineCheck, fail, pass } from '../kind.js';

const POLICIES = ['no', 'always', 'unless-stopped', 'on-failure'] as const;

export const composeRestartPolicy = defineCheck({
  kind: 'compose.restart-policy',
  phase: 'stack',
  summary: "On the running stack: the engine restarts the service's container by one of the given policies (HostConfig.RestartPolicy as the engine applied it).",
  params: (z) =>
    z.object({
    service: z.string().min(1),
    policies: z.array(z.enum(POLICIES)).min(1).default(['always', 'unless-stopped', 'on-failure']).describe('Policies accepted'),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  }),
  example: { service: 'web', policies: ['unless-stopped', 'always'] },
  async run({ service, policies, timeoutSeconds }, { stack }) {
    const container = await stack.waitReady(service, timeoutSeconds * 1000);
    if (!container?.settings) return fail(`the stack has no \`${service}\` container`);
    const policy = container.settings.restartPolicy;
    const evidence = { restartPolicy: policy, accepted: policies };
    const shown = policy.name === 'on-failure' && policy.maximumRetryCount > 0 ? `on-failure:${policy.maximumRetryCount}` : policy.name;
    if (!(policies as string[]).includes(policy.name)) {
      return fail(
        policy.name === 'no' ? `\`${service}\` has no restart policy: after a crash or a reboot of the host it stays down` : `\`${service}\` restarts by \`${shown}\`, not ${policies.map((name) => `\`${name}\``).join(' or ')}`,
        evidence,
      );
    }
    return pass(`the engine restarts \`${service}\` by \`${shown}\``, evidence);
  },
});
