import type { CheckKind } from './kind.js';
import { stageCount } from './dockerfile/stage-count.js';
import { namedStage } from './dockerfile/named-stage.js';
import { finalStageFrom } from './dockerfile/final-stage-from.js';
import { commandOnlyInBuildStages } from './dockerfile/command-only-in-build-stages.js';
import { copyFromStage } from './dockerfile/copy-from-stage.js';
import { noCopyOf } from './dockerfile/no-copy-of.js';
import { healthcheck } from './dockerfile/healthcheck.js';
import { execForm } from './dockerfile/exec-form.js';
import { buildSucceeds } from './build/succeeds.js';
import { healthcheckConfigured } from './image/healthcheck-configured.js';
import { imagePath } from './image/path.js';
import { sizeOverBase } from './image/size-over-base.js';
import { sizeVsStarter } from './image/size-vs-starter.js';
import { runtimeHealthy } from './runtime/healthy.js';
import { contextExcludes } from './context/excludes.js';
import { contextSizeUnder } from './context/size-under.js';
import { cachedAfterChange } from './build/cached-after-change.js';
import { buildTarget } from './build/target.js';
import { imageCommand } from './image/command.js';
import { imageConfig } from './image/config.js';
import { sizeUnder } from './image/size-under.js';
import { historyNo } from './image/history-no.js';
import { runtimeCommand } from './runtime/command.js';
import { historyNoSecret } from './image/history-no-secret.js';
import { wastedBytes } from './image/wasted-bytes.js';
import { composeServiceDefined } from './compose/service-defined.js';
import { composeHealthcheck } from './compose/healthcheck.js';
import { composeDependsOn } from './compose/depends-on.js';
import { composeVolumeMount } from './compose/volume-mount.js';
import { composePublishedPort } from './compose/published-port.js';
import { composeSecret } from './compose/secret.js';
import { composeStartedAfterHealthy } from './compose/started-after-healthy.js';
import { composeHttp } from './compose/http.js';
import { composeExec } from './compose/exec.js';
import { composeRunService } from './compose/run-service.js';
import { composePostgresOnVolume } from './compose/postgres-on-volume.js';

/** Every check kind the manifests may name. Adding a kind: one new file and one line here. */
export const CHECK_KINDS: readonly CheckKind[] = [
  stageCount,
  namedStage,
  finalStageFrom,
  commandOnlyInBuildStages,
  copyFromStage,
  noCopyOf,
  healthcheck,
  execForm,
  buildSucceeds,
  sizeOverBase,
  sizeVsStarter,
  imagePath,
  healthcheckConfigured,
  historyNoSecret,
  wastedBytes,
  runtimeHealthy,
  contextExcludes,
  contextSizeUnder,
  cachedAfterChange,
  buildTarget,
  imageCommand,
  imageConfig,
  sizeUnder,
  historyNo,
  runtimeCommand,
  composeServiceDefined,
  composeHealthcheck,
  composeDependsOn,
  composeVolumeMount,
  composePublishedPort,
  composeSecret,
  composeStartedAfterHealthy,
  composeHttp,
  composeExec,
  composeRunService,
  composePostgresOnVolume,
] as unknown as readonly CheckKind[];

export function findCheckKind(kind: string): CheckKind | undefined {
  return CHECK_KINDS.find((candidate) => candidate.kind === kind);
}
