import { formatSeconds } from '../format.js';
import { defineCheck, fail, pass, unsupported } from '../kind.js';

/** ELF e_machine values of the architectures Go and Docker name (the ELF specification's table). */
export const ELF_MACHINES: Record<string, { machine: number; name: string }> = {
  amd64: { machine: 0x3e, name: 'x86-64' },
  arm64: { machine: 0xb7, name: 'AArch64' },
  arm: { machine: 0x28, name: 'ARM' },
  '386': { machine: 0x03, name: 'x86' },
  riscv64: { machine: 0xf3, name: 'RISC-V' },
  ppc64le: { machine: 0x15, name: 'PowerPC64' },
  s390x: { machine: 0x16, name: 'S/390' },
};

/** The ELF header's machine, or why the bytes are not an ELF executable. */
export function elfMachine(head: Buffer): { machine: number; name: string } | { problem: string } {
  if (head.length < 20 || head[0] !== 0x7f || head.toString('latin1', 1, 4) !== 'ELF') return { problem: 'not an ELF executable' };
  const littleEndian = head[5] !== 2;
  const machine = littleEndian ? head.readUInt16LE(18) : head.readUInt16BE(18);
  const known = Object.values(ELF_MACHINES).find((entry) => entry.machine === machine);
  return { machine, name: known?.name ?? `machine 0x${machine.toString(16)}` };
}

const PLATFORM = /^linux\/(amd64|arm64|arm|386|riscv64|ppc64le|s390x)(?:\/v\d)?$/;

export const imagePlatforms = defineCheck({
  kind: 'image.platforms',
  phase: 'image',
  summary:
    'Builds the Dockerfile for several platforms into one image index (buildx, the containerd image store), checks that the index the engine holds lists every platform, and reads the ELF header of a binary in each platform\'s image (a created, never started container: no emulation) for that platform\'s machine. Skipped, saying why, on an engine without the containerd image store or buildx.',
  params: (z) =>
    z.object({
    platforms: z.array(z.string().regex(PLATFORM)).min(2).max(6).describe('Platforms of the index, e.g. linux/amd64 and linux/arm64'),
    binary: z.string().startsWith('/').max(1024).describe('The executable whose ELF machine must match each platform'),
  }),
  example: { platforms: ['linux/amd64', 'linux/arm64'], binary: '/pinger' },
  async run({ platforms, binary }, { inspector }) {
    if (!inspector.multiPlatform || !inspector.buildPlatforms || !inspector.readFileHead) return fail('this engine connection cannot build for several platforms');
    const support = await inspector.multiPlatform();
    if (!support.supported) return unsupported(`not graded on this engine: ${support.reason}`, { platforms });
    const built = await inspector.buildPlatforms(platforms);
    const evidence: Record<string, unknown> = { platforms, builder: support.builder, durationMs: built.outcome.durationMs };
    if (built.outcome.failure || !built.index) {
      const failure = built.outcome.failure;
      evidence.lastLines = failure?.lastLines ?? [];
      const message = failure?.message ?? 'no image was produced';
      const emulation = /exec format error|no match for platform|failed to resolve source metadata|does not match the specified platform/i.test(`${message}\n${(failure?.lastLines ?? []).join('\n')}`);
      return fail(
        `building for ${platforms.join(' and ')} failed${failure?.step ? ` at ${failure.step}` : ''}: ${message}`,
        evidence,
        emulation ? 'A stage ran (or pulled its base) for a platform other than the machine\'s own. Run the build stage on the build platform (`FROM --platform=$BUILDPLATFORM ...`) and let the compiler produce the other architectures.' : undefined,
      );
    }
    evidence.index = built.index;
    const listed = new Set(built.index.platforms.map((entry) => entry.platform));
    const missing = platforms.filter((platform) => !listed.has(platform));
    if (missing.length > 0) return fail(`the image index lists ${[...listed].join(', ') || 'no platform'}, not ${missing.join(', ')}`, evidence);

    const machines: Record<string, string> = {};
    const problems: string[] = [];
    for (const platform of platforms) {
      const arch = platform.split('/')[1]!;
      const want = ELF_MACHINES[arch]!;
      const head = await inspector.readFileHead(built.outcome.imageId!, binary, { platform, bytes: 64 });
      if (!head) {
        machines[platform] = 'missing';
        problems.push(`the ${platform} image has no ${binary}`);
        continue;
      }
      const found = elfMachine(head);
      machines[platform] = 'problem' in found ? found.problem : `${found.name} (0x${found.machine.toString(16)})`;
      if ('problem' in found) problems.push(`${binary} in the ${platform} image is ${found.problem}`);
      else if (found.machine !== want.machine) problems.push(`${binary} in the ${platform} image is a ${found.name} binary, not ${want.name}: it was compiled for the build machine`);
    }
    evidence.machines = machines;
    if (problems.length > 0) {
      return fail(problems.join('; '), evidence, 'Compile for the platform being built, not the one building: set GOOS and GOARCH from the TARGETOS and TARGETARCH build args.');
    }
    return pass(
      `one index (${built.index.digest.slice(0, 19)}…) for ${platforms.join(', ')} built in ${formatSeconds(built.outcome.durationMs)}; ${binary}: ${platforms.map((platform) => `${platform} ${machines[platform]}`).join(', ')}`,
      evidence,
    );
  },
});
