import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from '../support/cli.js';

/** Debian's chromium, installed by scripts/prepare-test.sh (the pretest of `npm test`). */
export const CHROMIUM = process.env.SHIPSHAPE_CHROMIUM ?? '/usr/bin/chromium';
export const browserPresent = existsSync(CHROMIUM);
/** Under CI a missing browser fails the browser tests with the reason; locally they are skipped with a warning. */
export const browserTestsEnabled = browserPresent || Boolean(process.env.CI);
if (!browserPresent) {
  console.warn(
    process.env.CI
      ? `No browser at ${CHROMIUM}: the browser tests will FAIL (CI is set).`
      : `No browser at ${CHROMIUM}: the browser tests are SKIPPED. Run \`bash scripts/prepare-test.sh\` (as root) to install Debian's chromium.`,
  );
}

export function requireBrowser(): void {
  if (!browserPresent) {
    throw new Error(`No browser at ${CHROMIUM}: scripts/prepare-test.sh installs it with \`apt-get install -y --no-install-recommends chromium\` (needs root and the Debian mirror).`);
  }
}

export const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'web');

export async function artifactPath(name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}
