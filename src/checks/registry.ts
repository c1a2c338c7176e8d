import type { CheckKind } from './kind.js';
import { loadZod } from './zod-api.js';

/**
 * Every check kind the manifests may name, each loaded only when needed: a verify imports the kinds its
 * challenge uses and no others. Adding a kind: one new file and one line here.
 */
const LOADERS = {
  'dockerfile.stage-count': () => import('./dockerfile/stage-count.js').then((module) => module.stageCount),
  'dockerfile.named-stage': () => import('./dockerfile/named-stage.js').then((module) => module.namedStage),
  'dockerfile.final-stage-from': () => import('./dockerfile/final-stage-from.js').then((module) => module.finalStageFrom),
  'dockerfile.command-only-in-build-stages': () => import('./dockerfile/command-only-in-build-stages.js').then((module) => module.commandOnlyInBuildStages),
  'dockerfile.copy-from-stage': () => import('./dockerfile/copy-from-stage.js').then((module) => module.copyFromStage),
  'dockerfile.no-copy-of': () => import('./dockerfile/no-copy-of.js').then((module) => module.noCopyOf),
  'dockerfile.healthcheck': () => import('./dockerfile/healthcheck.js').then((module) => module.healthcheck),
  'dockerfile.exec-form': () => import('./dockerfile/exec-form.js').then((module) => module.execForm),
  'build.succeeds': () => import('./build/succeeds.js').then((module) => module.buildSucceeds),
  'image.size-over-base': () => import('./image/size-over-base.js').then((module) => module.sizeOverBase),
  'image.size-vs-starter': () => import('./image/size-vs-starter.js').then((module) => module.sizeVsStarter),
  'image.path': () => import('./image/path.js').then((module) => module.imagePath),
  'image.healthcheck-configured': () => import('./image/healthcheck-configured.js').then((module) => module.healthcheckConfigured),
  'image.history-no-secret': () => import('./image/history-no-secret.js').then((module) => module.historyNoSecret),
  'image.wasted-bytes': () => import('./image/wasted-bytes.js').then((module) => module.wastedBytes),
  'runtime.healthy': () => import('./runtime/healthy.js').then((module) => module.runtimeHealthy),
  'context.excludes': () => import('./context/excludes.js').then((module) => module.contextExcludes),
  'context.size-under': () => import('./context/size-under.js').then((module) => module.contextSizeUnder),
  'build.cached-after-change': () => import('./build/cached-after-change.js').then((module) => module.cachedAfterChange),
  'build.target': () => import('./build/target.js').then((module) => module.buildTarget),
  'image.command': () => import('./image/command.js').then((module) => module.imageCommand),
  'image.config': () => import('./image/config.js').then((module) => module.imageConfig),
  'image.size-under': () => import('./image/size-under.js').then((module) => module.sizeUnder),
  'image.history-no': () => import('./image/history-no.js').then((module) => module.historyNo),
  'image.registry-push': () => import('./image/registry-push.js').then((module) => module.registryPush),
  'image.pinned-downstream': () => import('./image/pinned-downstream.js').then((module) => module.pinnedDownstream),
  'image.signed': () => import('./image/signed.js').then((module) => module.imageSigned),
  'image.platforms': () => import('./image/platforms.js').then((module) => module.imagePlatforms),
  'runtime.command': () => import('./runtime/command.js').then((module) => module.runtimeCommand),
  'compose.service-defined': () => import('./compose/service-defined.js').then((module) => module.composeServiceDefined),
  'compose.healthcheck': () => import('./compose/healthcheck.js').then((module) => module.composeHealthcheck),
  'compose.depends-on': () => import('./compose/depends-on.js').then((module) => module.composeDependsOn),
  'compose.volume-mount': () => import('./compose/volume-mount.js').then((module) => module.composeVolumeMount),
  'compose.published-port': () => import('./compose/published-port.js').then((module) => module.composePublishedPort),
  'compose.secret': () => import('./compose/secret.js').then((module) => module.composeSecret),
  'compose.started-after-healthy': () => import('./compose/started-after-healthy.js').then((module) => module.composeStartedAfterHealthy),
  'compose.http': () => import('./compose/http.js').then((module) => module.composeHttp),
  'compose.exec': () => import('./compose/exec.js').then((module) => module.composeExec),
  'compose.run-service': () => import('./compose/run-service.js').then((module) => module.composeRunService),
  'compose.postgres-on-volume': () => import('./compose/postgres-on-volume.js').then((module) => module.composePostgresOnVolume),
  'compose.healthy': () => import('./compose/healthy.js').then((module) => module.composeHealthy),
  'compose.capabilities': () => import('./compose/capabilities.js').then((module) => module.composeCapabilities),
  'compose.network-probe': () => import('./compose/network-probe.js').then((module) => module.composeNetworkProbe),
  'compose.resource-limits': () => import('./compose/resource-limits.js').then((module) => module.composeResourceLimits),
  'compose.restart-policy': () => import('./compose/restart-policy.js').then((module) => module.composeRestartPolicy),
  'compose.no-bind-mount': () => import('./compose/no-bind-mount.js').then((module) => module.composeNoBindMount),
  'compose.stopped-by-own-limit': () => import('./compose/stopped-by-own-limit.js').then((module) => module.composeStoppedByOwnLimit),
} as const;

export type CheckKindName = keyof typeof LOADERS;
export const CHECK_KIND_NAMES = Object.keys(LOADERS) as CheckKindName[];

const loaded = new Map<string, CheckKind>();

export function isCheckKindName(name: string): name is CheckKindName {
  return Object.hasOwn(LOADERS, name);
}

/** Kinds of the static phase are named dockerfile.* or context.* (the registry test holds every kind to it). */
export function isStaticKindName(name: string): boolean {
  return isCheckKindName(name) && /^(?:dockerfile|context)\./.test(name);
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
        loaded.set(name, (await LOADERS[name]()) as unknown as CheckKind);
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
