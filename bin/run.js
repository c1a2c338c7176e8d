#!/usr/bin/env node
import module from 'node:module';
import { readFileSync } from 'node:fs';

// V8's on-disk compile cache where Node has it (22.1+; not Node 20): later starts skip recompiling.
module.enableCompileCache?.();

const args = process.argv.slice(2);

/**
 * The two commands people run most often to look around answer without loading oclif and its
 * configuration (start-up is a bench target): `--version` prints oclif's line, and a plain
 * `challenge:list` prints the table the command prints. Anything else, any flag, and any error on the
 * way (a bad manifest, an unreadable progress file) goes to oclif, which says it as every command does.
 */
async function fastPath() {
  if (args.length === 1 && args[0] === '--version') {
    const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pjson.oclif?.bin ?? pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`);
    return true;
  }
  if (args.length === 1 && args[0] === 'challenge:list' && !process.env.SHIPSHAPE_NO_FAST_PATH) {
    try {
      const [{ challengeRows }, { challengeTable }] = await Promise.all([import('../dist/course/challenge-list.js'), import('../dist/ui/challenge-table.js')]);
      const warnings = [];
      const rows = await challengeRows({ cwd: process.cwd(), warn: (message) => warnings.push(message) });
      for (const message of warnings) process.stderr.write(`⚠ ${message}\n`);
      process.stdout.write(challengeTable(rows).map((line) => `${line}\n`).join(''));
      return true;
    } catch {
      return false;
    }
  }
  return false;
}

if (!(await fastPath())) {
  // oclif and the commands from one bundle (scripts/bundle-cli.mjs).
  let runner;
  try {
    runner = await import('../dist/bundle/cli/execute.js');
  } catch (error) {
    if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('execute.js')) throw error;
    process.stderr.write('✖ This copy of shipshape is not built (dist/bundle/ is missing).\n  Run `npm run build` in its folder, or install a published version.\n');
    process.exit(2);
  }
  await runner.execute({ dir: import.meta.url });
}
