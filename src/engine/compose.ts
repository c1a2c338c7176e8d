/**
 * Compose support, by concern under ./compose/: loading and refusing the learner's file (load.ts), the
 * file we run (run-file.ts), the CLI (cli.ts), the running stack (stack.ts, containers.ts,
 * health-events.ts) and what killed runs left behind (leftovers.ts). Loaded only by verifies of compose
 * challenges (and `clean`): it brings the YAML parser.
 */
export { type ComposeCli, detectCompose, resetComposeDetection } from './compose/cli.js';
export { COMPOSE_LIMITS } from './compose/source.js';
export { containmentProblems, loadComposeModel } from './compose/load.js';
export { ownLimits, parseBytes, runFile } from './compose/run-file.js';
export { ComposeStack, type StackOptions } from './compose/stack.js';
export { type ComposeLeftovers, findComposeLeftovers, removeComposeLeftovers } from './compose/leftovers.js';
