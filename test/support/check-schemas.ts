import { loadZod } from '../../src/checks/zod-api.js';

// The kinds build their parameter schemas with zod on first use, once the CLI has loaded it
// (loadCheckKinds, checkParams: see src/checks/zod-api.ts). Unit tests use a kind's schema directly.
await loadZod();
