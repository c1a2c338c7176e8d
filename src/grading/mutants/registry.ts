import type { Mutator } from './mutator.js';
import { collapseStages } from './dockerfile/collapse-stages.js';
import { dropUser } from './dockerfile/drop-user.js';
import { userRoot } from './dockerfile/user-root.js';
import { dropHealthcheck } from './dockerfile/drop-healthcheck.js';
import { trivialHealthcheck } from './dockerfile/trivial-healthcheck.js';
import { copyAllFirst } from './dockerfile/copy-all-first.js';
import { copyFromWrongStage } from './dockerfile/copy-from-wrong-stage.js';
import { secretAsBuildArg } from './dockerfile/secret-as-build-arg.js';
import { shellFormCmd } from './dockerfile/shell-form-cmd.js';
import { dropVolume } from './compose/drop-volume.js';
import { dropPort } from './compose/drop-port.js';
import { dropProfile } from './compose/drop-profile.js';
import { dropHealthcheck as dropServiceHealthcheck } from './compose/drop-healthcheck.js';
import { trivialHealthcheck as trivialServiceHealthcheck } from './compose/trivial-healthcheck.js';
import { weakenDependsOn } from './compose/weaken-depends-on.js';
import { dropSecret } from './compose/drop-secret.js';
import { dropNetworks } from './compose/drop-networks.js';
import { networkNotInternal } from './compose/network-not-internal.js';
import { dropRuntimeSetting } from './compose/drop-runtime-setting.js';

/** Every mutator `challenge:test --mutants` tries. Adding one: a file under dockerfile/ or compose/ and a line here. */
export const MUTATORS: readonly Mutator[] = [
  collapseStages,
  dropUser,
  userRoot,
  dropHealthcheck,
  trivialHealthcheck,
  copyAllFirst,
  copyFromWrongStage,
  secretAsBuildArg,
  shellFormCmd,
  dropVolume,
  dropPort,
  dropProfile,
  dropServiceHealthcheck,
  trivialServiceHealthcheck,
  weakenDependsOn,
  dropSecret,
  dropNetworks,
  networkNotInternal,
  dropRuntimeSetting,
];
