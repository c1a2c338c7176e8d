// bin/run.js runs oclif through this module, so that oclif and the commands come from the same bundle
// (scripts/bundle-cli.mjs): one copy of oclif, loaded from one file instead of about a hundred.
export { execute } from '@oclif/core/execute';
