import type { CheckKind, Phase } from './kind.js';
import { loadZod } from './zod-api.js';

interface KindEntry {
  /** The phase the kind's checks run in: written here so a plan needs no kind loaded to know it. */
  phase: Phase;
  load: () => Promise<unknown>;
}

/**
 * Every check kind the manifests may name, with its phase, each loaded only when needed: a verify imports
 * the kinds its challenge uses and no others. Adding a kind: one new file and one line here.
 */
const KINDS = {
  'dockerfile.stage-count': { phase: 'static', load: () => import('./dockerfile/stage-count.js').then((module) => module.stageCount) },
  'dockerfile.named-stage': { phase: 'static', load: () => import('./dockerfile/named-stage.js').then((module) => module.namedStage) },
  'dockerfile.final-stage-from': { phase: 'static', load: () => import('./dockerfile/final-stage-from.js').then((module) => module.finalStageFrom) },
  'dockerfile.command-only-in-build-stages': { phase: 'static', load: () => import('./dockerfile/command-only-in-build-stages.js').then((module) => module.commandOnlyInBuildStages) },
  'dockerfile.copy-from-stage': { phase: 'static', load: () => import('./dockerfile/copy-from-stage.js').then((module) => module.copyFromStage) },
  'dockerfile.no-copy-of': { phase: 'static', load: () => import('./dockerfile/no-copy-of.js').then((module) => module.noCopyOf) },
  'dockerfile.healthcheck': { phase: 'static', load: () => import('./dockerfile/healthcheck.js').then((module) => module.healthcheck) },
  'dockerfile.exec-form': { phase: 'static', load: () => import('./dockerfile/exec-form.js').then((module) => module.execForm) },
  'build.succeeds': { phase: 'build', load: () => import('./build/succeeds.js').then((module) => module.buildSucceeds) },
  'image.size-over-base': { phase: 'image', load: () => import('./image/size-over-base.js').then((module) => module.sizeOverBase) },
  'image.size-vs-starter': { phase: 'image', load: () => import('./image/size-vs-starter.js').then((module) => module.sizeVsStarter) },
  'image.path': { phase: 'image', load: () => import('./image/path.js').then((module) => module.imagePath) },
  'image.healthcheck-configured': { phase: 'image', load: () => import('./image/healthcheck-configured.js').then((module) => module.healthcheckConfigured) },
  'image.history-no-secret': { phase: 'image', load: () => import('./image/history-no-secret.js').then((module) => module.historyNoSecret) },
  'image.wasted-bytes': { phase: 'image', load: () => import('./image/wasted-bytes.js').then((module) => module.wastedBytes) },
  'runtime.healthy': { phase: 'runtime', load: () => import('./runtime/healthy.js').then((module) => module.runtimeHealthy) },
  'context.excludes': { phase: 'static', load: () => import('./context/excludes.js').then((module) => module.contextExcludes) },
  'context.size-under': { phase: 'static', load: () => import('./context/size-under.js').then((module) => module.contextSizeUnder) },
  'build.cached-after-change': { phase: 'image', load: () => import('./image/cached-after-change.js').then((module) => module.cachedAfterChange) },
  'build.target': { phase: 'image', load: () => import('./image/target.js').then((module) => module.buildTarget) },
  'image.command': { phase: 'image', load: () => import('./image/command.js').then((module) => module.imageCommand) },
  'image.config': { phase: 'image', load: () => import('./image/config.js').then((module) => module.imageConfig) },
  'image.size-under': { phase: 'image', load: () => import('./image/size-under.js').then((module) => module.sizeUnder) },
  'image.history-no': { phase: 'image', load: () => import('./image/history-no.js').then((module) => module.historyNo) },
  'image.registry-push': { phase: 'image', load: () => import('./image/registry-push.js').then((module) => module.registryPush) },
  'image.pinned-downstream': { phase: 'image', load: () => import('./image/pinned-downstream.js').then((module) => module.pinnedDownstream) },
  'image.signed': { phase: 'image', load: () => import('./image/signed.js').then((module) => module.imageSigned) },
  'image.platforms': { phase: 'image', load: () => import('./image/platforms.js').then((module) => module.imagePlatforms) },
  'runtime.command': { phase: 'runtime', load: () => import('./runtime/command.js').then((module) => module.runtimeCommand) },
  'compose.service-defined': { phase: 'compose', load: () => import('./compose/service-defined.js').then((module) => module.composeServiceDefined) },
  'compose.healthcheck': { phase: 'compose', load: () => import('./compose/healthcheck.js').then((module) => module.composeHealthcheck) },
  'compose.depends-on': { phase: 'compose', load: () => import('./compose/depends-on.js').then((module) => module.composeDependsOn) },
  'compose.volume-mount': { phase: 'compose', load: () => import('./compose/volume-mount.js').then((module) => module.composeVolumeMount) },
  'compose.published-port': { phase: 'compose', load: () => import('./compose/published-port.js').then((module) => module.composePublishedPort) },
  'compose.secret': { phase: 'compose', load: () => import('./compose/secret.js').then((module) => module.composeSecret) },
  'compose.started-after-healthy': { phase: 'stack', load: () => import('./stack/started-after-healthy.js').then((module) => module.composeStartedAfterHealthy) },
  'compose.http': { phase: 'stack', load: () => import('./stack/http.js').then((module) => module.composeHttp) },
  'compose.exec': { phase: 'stack', load: () => import('./stack/exec.js').then((module) => module.composeExec) },
  'compose.run-service': { phase: 'stack', load: () => import('./stack/run-service.js').then((module) => module.composeRunService) },
  'compose.postgres-on-volume': { phase: 'stack', load: () => import('./stack/postgres-on-volume.js').then((module) => module.composePostgresOnVolume) },
  'compose.healthy': { phase: 'stack', load: () => import('./stack/healthy.js').then((module) => module.composeHealthy) },
  'compose.capabilities': { phase: 'stack', load: () => import('./stack/capabilities.js').then((module) => module.composeCapabilities) },
  'compose.network-probe': { phase: 'stack', load: () => import('./stack/network-probe.js').then((module) => module.composeNetworkProbe) },
  'compose.resource-limits': { phase: 'stack', load: () => import('./stack/resource-limits.js').then((module) => module.composeResourceLimits) },
  'compose.restart-policy': { phase: 'stack', load: () => import('./stack/restart-policy.js').then((module) => module.composeRestartPolicy) },
  'compose.no-bind-mount': { phase: 'stack', load: () => import('./stack/no-bind-mount.js').then((module) => module.composeNoBindMount) },
  'compose.stopped-by-own-limit': { phase: 'stack', load: () => import('./stack/stopped-by-own-limit.js').then((module) => module.composeStoppedByOwnLimit) },
} as const satisfies Record<string, KindEntry>;

export type CheckKindName = keyof typeof KINDS;
export const CHECK_KIND_NAMES = Object.keys(KINDS) as CheckKindName[];

const loaded = new Map<string, CheckKind>();

export function isCheckKindName(name: string): name is CheckKindName {
  return Object.hasOwn(KINDS, name);
}

/** The phase of a kind by name, without loading it; undefined for a name no kind has. */
export function phaseOfKindName(name: string): Phase | undefined {
  return isCheckKindName(name) ? KINDS[name].phase : undefined;
}

/**
 * Loads the named kinds (all by default) so findCheckKind can answer for them; unknown names are skipped.
 * With `schemas: false` zod is not loaded for their parameter schemas: the caller reads parameters
 * through checkParams (src/checks/params.ts), which loads it only when they were not validated already.
 */
export async function loadCheckKinds(names: Iterable<string> = CHECK_KIND_NAMES, options: { schemas?: boolean } = {}): Promise<CheckKind[]> {
  if (options.schemas !== false) await loadZod();
  const wanted = [...new Set(names)].filter(isCheckKindName);
  await Promise.all(
    wanted
      .filter((name) => !loaded.has(name))
      .map(async (name) => {
        loaded.set(name, (await KINDS[name].load()) as unknown as CheckKind);
      }),
  );
  return wanted.map((name) => loaded.get(name)!);
}

/** A loaded kind by name; undefined for a name no kind has. */
export function findCheckKind(kind: string): CheckKind | undefined {
  const found = loaded.get(kind);
  if (!found && isCheckKindName(kind)) throw new Error(`check kind ${kind} is used before loadCheckKinds loaded it`);
  return found;
}
