import { expect } from 'vitest';
import type { ChallengePack } from '../../src/course/packs.js';
import type { CheckResult, VerifyResult } from '../../src/grading/result.js';

type Params = Record<string, unknown>;
const text = (value: unknown) => (Array.isArray(value) ? value.join('\n') : String(value ?? ''));
const unanchored = (pattern: string) => pattern.replace(/^\^/, '').replace(/(?<!\\)\$$/, '');

/**
 * What a passing check saw, held against what its manifest asked for: the HTTP answer and body, the
 * command's exit code and output, the health events' order, the image's size and paths. A check that
 * passed on a status alone (evidence missing or not matching) fails here. Returns whether the kind
 * carries evidence of the running stack, image or container (static and compose-model kinds do not).
 */
function expectEvidence(kind: string, params: Params, check: CheckResult, result: VerifyResult): boolean {
  const evidence = check.evidence ?? {};
  const where = `${check.id} (${kind}): ${JSON.stringify(evidence).slice(0, 600)}`;
  switch (kind) {
    case 'compose.http':
      expect(evidence.status, where).toBe(params.status ?? 200);
      if (params.body) expect(text(evidence.body), where).toMatch(new RegExp(String(params.body)));
      expect(String(evidence.url), where).toMatch(/^https?:\/\/[^/]+\//);
      return true;
    case 'compose.exec': {
      const code = evidence.exitCode as number;
      if (params.exitCode === 'nonzero') expect(code, where).toBeGreaterThan(0);
      else expect(code, where).toBe(params.exitCode ?? 0);
      expect(evidence.timedOut, where).toBe(false);
      // The evidence keeps the output with its line breaks folded into spaces: a pattern anchored to a
      // line (`^4$`) is held to the snippet without its anchors.
      if (params.output) expect(text(evidence.output), where).toMatch(new RegExp(unanchored(String(params.output)), 'm'));
      return true;
    }
    case 'compose.started-after-healthy': {
      const service = String(params.service);
      const after = String(params.after);
      // Health-event timing: the dependency reported healthy, and the dependent started no earlier.
      const healthyAt = Date.parse(String(evidence[`${after}HealthyAt`]));
      const startedAt = Date.parse(String(evidence[`${service}StartedAt`]));
      expect(Number.isFinite(healthyAt) && Number.isFinite(startedAt), where).toBe(true);
      expect(startedAt, where).toBeGreaterThanOrEqual(healthyAt);
      expect((evidence[`${after}Health`] as { status?: string } | null)?.status, where).toBe('healthy');
      expect(evidence[`${service}State`], where).toMatchObject({ status: 'running' });
      return true;
    }
    case 'compose.run-service':
      expect(evidence, where).toMatchObject({ exitCode: 0, timedOut: false });
      if (params.output) expect(text(evidence.output), where).toMatch(new RegExp(String(params.output)));
      return true;
    case 'compose.postgres-on-volume':
      expect(evidence.exitCode, where).toBe(0);
      expect(text(evidence.output), where).toMatch(new RegExp(String(params.output), 'm'));
      return true;
    case 'compose.healthy':
      expect(evidence, where).toMatchObject({ status: 'running', health: 'healthy' });
      return true;
    case 'compose.capabilities': {
      // The mask read inside the container, decoded, within what the manifest allows.
      expect(String(evidence.capEff), where).toMatch(/^[0-9a-f]{16}$/);
      const allowed = ((params.allowed as string[] | undefined) ?? []).map((cap) => cap.toUpperCase().replace(/^CAP_/, ''));
      for (const cap of evidence.effective as string[]) expect(allowed, where).toContain(cap);
      if (params.noNewPrivileges !== false) expect(evidence.noNewPrivs, where).toBe(1);
      return true;
    }
    case 'compose.network-probe': {
      if (params.from === 'host') {
        expect(evidence.published, where).toEqual(params.expect === 'blocked' ? [] : expect.arrayContaining([expect.any(String)]));
        return true;
      }
      // The probe answered (it ran), on the service's own networks, with a verdict that fits the expectation.
      const answer = evidence.answer as { result: string };
      expect((evidence.networks as string[]).length, where).toBeGreaterThan(0);
      if (params.expect === 'reach') expect(answer.result, where).toBe('connected');
      else expect(['no-name', 'no-route', 'host-unreachable', 'timeout'], where).toContain(answer.result);
      if (params.to === 'outside') expect((evidence.control as { result: string }).result, where).toBe('connected');
      return true;
    }
    case 'compose.resource-limits': {
      const limits = evidence.limits as Record<string, { memoryBytes: number; nanoCpus: number; pidsLimit: number }>;
      for (const service of params.services as string[]) {
        const seen = limits[service]!;
        expect(seen.memoryBytes, where).toBeGreaterThan(0);
        expect(seen.memoryBytes, where).toBeLessThanOrEqual(Number(params.maxMemoryMiB) * 1024 * 1024);
        expect(seen.nanoCpus, where).toBeGreaterThan(0);
        expect(seen.nanoCpus, where).toBeLessThanOrEqual(Number(params.maxCpus) * 1e9);
        expect(seen.pidsLimit, where).toBeGreaterThan(0);
        expect(seen.pidsLimit, where).toBeLessThanOrEqual(Number(params.maxPids));
      }
      return true;
    }
    case 'compose.stopped-by-own-limit':
      expect(evidence, where).toMatchObject({ oomKilled: true, exitCode: 137 });
      expect(evidence.memoryLimitBytes as number, where).toBeLessThan(evidence.shipshapeCapBytes as number);
      return true;
    case 'compose.restart-policy':
      expect((params.policies as string[] | undefined) ?? ['always', 'unless-stopped', 'on-failure'], where).toContain((evidence.restartPolicy as { name: string }).name);
      return true;
    case 'compose.no-bind-mount':
      expect(
        (evidence.mounts as Array<{ type: string; destination: string }>).filter(
          (mount) => mount.type === 'bind' && (!params.under || (params.under as string[]).some((root) => mount.destination === root || mount.destination.startsWith(`${root}/`))),
        ),
        where,
      ).toEqual([]);
      return true;
    case 'image.command':
    case 'runtime.command': {
      expect(evidence.timedOut, where).toBe(false);
      expect(evidence.exitCode, where).toBe(params.exitCode ?? 0);
      if (params.stdout) expect(text(evidence.stdout), where).toMatch(new RegExp(String(params.stdout), 'm'));
      return true;
    }
    case 'runtime.healthy': {
      expect(evidence.status, where).toBe('healthy');
      const log = evidence.healthLog as Array<{ exitCode: number }>;
      expect(log.at(-1)?.exitCode, where).toBe(0);
      expect(evidence.elapsedMs as number, where).toBeLessThanOrEqual(Number(params.timeoutSeconds ?? 60) * 1000);
      return true;
    }
    case 'image.size-under':
      // The size is the built image's, as the build reported it.
      expect(evidence.imageBytes, where).toBe(result.comparison?.image.bytes ?? evidence.imageBytes);
      expect(evidence.imageBytes as number, where).toBeGreaterThan(0);
      expect(evidence.imageBytes as number, where).toBeLessThanOrEqual(evidence.limitBytes as number);
      expect(evidence.limitBytes, where).toBe(Math.round(Number(params.maxMegabytes) * 1_000_000));
      return true;
    case 'image.path':
      expect(evidence, where).toMatchObject({ path: params.path, found: params.exists ?? true });
      return true;
    case 'build.target':
      expect(evidence.target, where).toBe(params.target);
      expect(evidence.steps as number, where).toBeGreaterThan(0);
      return true;
    case 'build.cached-after-change': {
      // Steps read "7: RUN npm ci (cached)": the matching step came from the cache, and the changed file was rebuilt.
      const steps = (evidence.steps as string[]).map((step) => /^\d+: (.*?)( \(cached\))?$/.exec(step)!);
      const matching = steps.filter((step) => new RegExp(String(params.step), 'i').test(step[1]!));
      expect(matching.length, where).toBeGreaterThan(0);
      expect(matching.every((step) => step[2] !== undefined), where).toBe(true);
      expect(steps.some((step) => step[2] === undefined), where).toBe(true);
      return true;
    }
    case 'build.succeeds':
      expect(evidence.imageId, where).toBe(result.build?.imageId);
      expect(String(evidence.imageId), where).toMatch(/^sha256:[0-9a-f]{64}$/);
      return true;
    case 'image.registry-push': {
      // Every tag read back from the registry names the pushed digest, and the labels carry this build's args.
      const pushed = evidence.pushed as Record<string, string>;
      const pulled = evidence.pulled as Record<string, string>;
      expect(Object.keys(pushed).length, where).toBe((params.tags as string[]).length);
      for (const [tag, digest] of Object.entries(pushed)) {
        expect(digest, where).toMatch(/^sha256:[0-9a-f]{64}$/);
        expect(pulled[tag], where).toBe(digest);
      }
      const args = evidence.buildArgs as Record<string, string>;
      for (const [label, arg] of Object.entries(params.labels as Record<string, string>)) {
        expect((evidence.labels as Record<string, string>)[label], where).toBe(args[arg]);
      }
      expect(String(evidence.registry), where).toMatch(/^127\.0\.0\.1:\d+$/);
      return true;
    }
    case 'image.pinned-downstream':
      expect(evidence.builtOn, where).toBe('released digest');
      expect(evidence.tagNowAt, where).not.toBe(evidence.releasedDigest);
      expect(String(evidence.releasedDigest), where).toMatch(/^sha256:[0-9a-f]{64}$/);
      return true;
    case 'image.signed': {
      // cosign verified the pushed digest against the public key, and refused the tag once it was moved.
      expect((evidence.verify as { exitCode: number; digests: string[] }).exitCode, where).toBe(0);
      expect((evidence.verify as { digests: string[] }).digests, where).toContain(evidence.digest);
      expect((evidence.tampered as { exitCode: number | null }).exitCode, where).not.toBe(0);
      expect((evidence.tampered as { digest: string }).digest, where).not.toBe(evidence.digest);
      return true;
    }
    case 'image.platforms': {
      const machines = evidence.machines as Record<string, string>;
      expect(Object.keys(machines).sort(), where).toEqual([...(params.platforms as string[])].sort());
      if (machines['linux/arm64']) expect(machines['linux/arm64'], where).toBe('AArch64 (0xb7)');
      if (machines['linux/amd64']) expect(machines['linux/amd64'], where).toBe('x86-64 (0x3e)');
      return true;
    }
    case 'context.excludes':
      expect(evidence.stillSent, where).toEqual({});
      expect(evidence.files, where).toBe(result.build?.context.files ?? evidence.files);
      return false;
    case 'context.size-under':
      expect(evidence.bytes as number, where).toBeLessThanOrEqual(evidence.limitBytes as number);
      return false;
    default:
      return false;
  }
}

/**
 * Holds every passing check of a solution's verify to its evidence (see expectEvidence) and returns the
 * ids whose evidence came from the engine, so a proof can require that it looked at some.
 */
export function expectSolutionEvidence(pack: ChallengePack, result: VerifyResult): string[] {
  const looked: string[] = [];
  for (const check of pack.manifest.checks) {
    const got = result.checks.find((candidate) => candidate.id === check.id);
    expect(got?.status, `${pack.manifest.id}: ${check.id}`).toBe('pass');
    if (expectEvidence(check.kind, (check.with ?? {}) as Params, got!, result)) looked.push(check.id);
  }
  return looked;
}
