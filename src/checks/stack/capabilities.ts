import { defineCheck, fail, pass } from '../kind.js';

/** Linux capability numbers (include/uapi/linux/capability.h) to names, for reading CapEff. */
export const CAPABILITY_NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
] as const;

/** The capability names set in a hexadecimal mask as /proc/<pid>/status prints it (CapEff, CapBnd...). */
export function capabilitiesOf(mask: string): string[] {
  const bits = BigInt(`0x${mask}`);
  const names: string[] = [];
  for (let bit = 0; bit < 64; bit++) {
    if ((bits >> BigInt(bit)) & 1n) names.push(CAPABILITY_NAMES[bit] ?? `CAP_${bit}`);
  }
  return names;
}

/** The fields of /proc/<pid>/status this check reads; null when the text is not such a file. */
export function readProcStatus(text: string): { capEff: string; noNewPrivs: number | null; name: string | null } | null {
  const field = (name: string) => new RegExp(`^${name}:\\s*(\\S+)\\s*$`, 'm').exec(text)?.[1] ?? null;
  const capEff = field('CapEff');
  if (!capEff || !/^[0-9a-f]+$/i.test(capEff)) return null;
  const noNewPrivs = field('NoNewPrivs');
  return { capEff, noNewPrivs: noNewPrivs === null ? null : Number(noNewPrivs), name: field('Name') };
}

const normalise = (cap: string) => cap.toUpperCase().replace(/^CAP_/, '');

export const composeCapabilities = defineCheck({
  kind: 'compose.capabilities',
  phase: 'stack',
  summary:
    "On the running stack: the effective capabilities of the service's main process (CapEff in /proc/1/status, read inside the container) are at most the allowed ones, and with `noNewPrivileges` its NoNewPrivs flag is set and the service asks for `no-new-privileges` itself (Shipshape adds it to every graded container, so the flag alone proves nothing).",
  params: (z) =>
    z.object({
    service: z.string().min(1),
    allowed: z.array(z.string().min(1)).default([]).describe('Capabilities the main process may keep, e.g. [SETUID, SETGID]; the rest must be dropped'),
    noNewPrivileges: z.boolean().default(true).describe('Also require NoNewPrivs: 1 and `security_opt: [no-new-privileges:true]` on the service'),
    timeoutSeconds: z.number().int().min(1).max(300).default(30),
  }),
  example: { service: 'app', allowed: ['SETUID', 'SETGID'], noNewPrivileges: true },
  async run({ service, allowed, noNewPrivileges, timeoutSeconds }, { stack, compose }) {
    const container = await stack.waitReady(service, timeoutSeconds * 1000);
    if (!container) return fail(`the stack has no \`${service}\` container`);
    if (!container.running) {
      const log = await stack.logs(service, 3);
      return fail(`the \`${service}\` container is not running (exit code ${container.exitCode})${log.length ? `: ${log.join(' / ')}` : ''}`, { log });
    }
    const result = await stack.exec(service, ['cat', '/proc/1/status'], { timeoutMs: 10_000 });
    const status = result.exitCode === 0 ? readProcStatus(result.stdout) : null;
    if (!status) {
      // Could not look: never a pass.
      const said = `${result.stdout}${result.stderr}`.replace(/\s+/g, ' ').trim().slice(0, 200);
      return fail(`could not read /proc/1/status in \`${service}\` (\`cat\` exited ${result.exitCode ?? 'with no exit code'}${said ? `: ${said}` : ''})`, { exitCode: result.exitCode, output: said });
    }
    const effective = capabilitiesOf(status.capEff);
    const permitted = new Set(allowed.map(normalise));
    const extra = effective.filter((cap) => !permitted.has(cap));
    const evidence: Record<string, unknown> = { process: status.name, capEff: status.capEff, effective, allowed: [...permitted], noNewPrivs: status.noNewPrivs };
    if (extra.length > 0) {
      return fail(
        `the main process of \`${service}\` keeps ${extra.length} capabilit${extra.length === 1 ? 'y' : 'ies'} it does not need: ${extra.join(', ')} (CapEff ${status.capEff})`,
        evidence,
        `Drop every capability with \`cap_drop: [ALL]\` and add back only ${permitted.size > 0 ? [...permitted].join(', ') : 'none'} with \`cap_add\`.`,
      );
    }
    if (noNewPrivileges) {
      if (status.noNewPrivs !== 1) return fail(`the main process of \`${service}\` can still gain privileges (NoNewPrivs: ${status.noNewPrivs ?? 'absent'})`, evidence);
      const asked = (compose.service(service)?.security_opt as unknown[] | undefined)?.map(String) ?? [];
      evidence.securityOpt = asked;
      if (!asked.some((option) => /^no-new-privileges(?:[:=]true)?$/.test(option))) {
        return fail(
          `\`${service}\` does not ask for \`no-new-privileges\` (Shipshape adds it to every container it grades; on your host nobody would)`,
          evidence,
          'Add `security_opt: ["no-new-privileges:true"]` to the service.',
        );
      }
    }
    const kept = effective.length > 0 ? effective.join(', ') : 'no capabilities';
    return pass(`the main process of \`${service}\` runs with ${kept}${noNewPrivileges ? ' and NoNewPrivs: 1' : ''}`, evidence);
  },
});
