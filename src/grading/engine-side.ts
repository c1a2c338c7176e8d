// What a verify needs once the static verdicts are out, imported at that moment: the engine-side modules
// (context packing, layer reading, build stream parsing, running) would otherwise delay the first verdict.
export { buildImage } from '../engine/build.js';
export { imageHistory, imagePathExists, inspectImage, runInImage } from '../engine/inspect.js';
export { DEFAULT_LIMITS, runUntilHealthy } from '../engine/run.js';
export { execInContainer } from '../engine/exec.js';
export { RunScope } from '../engine/scope.js';
export { buildVariant } from '../engine/variant.js';
export { findTextInImage, imageWastedBytes } from '../engine/layers.js';
export { starterBaseline } from './baseline.js';
export { gatherProvenance } from '../engine/provenance.js';
export { startRegistry } from '../engine/registry.js';
export { indexPlatforms, multiPlatformSupport, readFileHead } from '../engine/platforms.js';
export { cosignTool } from '../engine/cosign.js';
