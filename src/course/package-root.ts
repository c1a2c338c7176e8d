// The package root is found once for every layer (src/package-root.ts).
export { PACKAGE_ROOT } from '../package-root.js';
