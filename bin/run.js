#!/usr/bin/env node
import module from 'node:module';
import { readFileSync } from 'node:fs';

// V8's on-disk compile cache where Node has it (22.1+; not Node 20): later starts skip recompiling.
module.enableCompileCache?.();

if (process.argv.length === 3 && process.argv[2] === '--version') {
  // The same line oclif prints, without loading oclif and its configuration (start-up is a bench target).
  const pjson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pjson.oclif?.bin ?? pjson.name}/${pjson.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  const { execute } = await import('@oclif/core/execute');
  await execute({ dir: import.meta.url });
}
