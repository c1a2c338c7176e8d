import { buildStep } from './build.js';
import { composeStep } from './compose.js';
import { imageStep } from './image.js';
import { runtimeStep } from './runtime.js';
import { stackStep } from './stack.js';
import { starterComparisonStep } from './starter-comparison.js';
import { staticStep } from './static.js';
import type { PhaseStep } from './step.js';

export type { PhaseStep } from './step.js';

/** A verify's steps, in run order. */
export const PHASE_STEPS: readonly PhaseStep[] = [staticStep, composeStep, buildStep, imageStep, runtimeStep, starterComparisonStep, stackStep];
