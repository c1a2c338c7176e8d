#!/usr/bin/env node
// Bundles the commands for start-up (#21): tsc writes about 150 modules under dist/, and a verify used
// to load ~100 of them plus ~200 CommonJS files of oclif and dockerfile-ast before its first static
// verdict; each file costs a resolve, a read and a compile. esbuild joins them into dist/bundle/ (one
// entry per command, code shared between commands in chunks, every `await import()` its own chunk, so
// what was lazy stays lazy). oclif, dockerfile-ast and @balena/dockerignore go in, as the first static
// verdict needs them; the other packages stay in node_modules (loaded later, or native).
// package.json's oclif.commands points at dist/bundle/commands; bin/run.js runs oclif from
// dist/bundle/cli/execute.js, so commands and runner share one oclif. The unbundled dist/ stays for
// bin/run.js's fast paths and the bench. dist/bundle/inputs.json says which sources each output holds
// (test/cli/startup-laziness.test.ts reads it to see what a command loaded).
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
const OUT = path.join(DIST, 'bundle');
const BUNDLED_PACKAGES = new Set(['@oclif/core', 'dockerfile-ast', '@balena/dockerignore']);

async function commandFiles(dir) {
  const found = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await commandFiles(full)));
    else if (entry.name.endsWith('.js')) found.push(full);
  }
  return found;
}

const pjson = (await import(path.join(ROOT, 'package.json'), { with: { type: 'json' } })).default;
const external = [
  ...Object.keys(pjson.dependencies ?? {}).filter((name) => !BUNDLED_PACKAGES.has(name)),
  // oclif's optional TypeScript support (development only) must not be searched for.
  'typescript',
  'ts-node',
];

await rm(OUT, { recursive: true, force: true });
const result = await build({
  entryPoints: [...(await commandFiles(path.join(DIST, 'commands'))), path.join(DIST, 'help.js'), path.join(DIST, 'cli', 'execute.js')],
  outbase: DIST,
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: ['node20'],
  // oclif's CommonJS packages prefer `main`; their `module` builds are not what Node would load.
  mainFields: ['main', 'module'],
  external,
  // The CommonJS code inside (oclif) calls require() for Node's modules and for the packages left out.
  banner: { js: "import { createRequire as __shipshapeCreateRequire } from 'node:module'; const require = __shipshapeCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});

const inputs = {};
for (const [output, meta] of Object.entries(result.metafile.outputs)) {
  inputs[path.relative(OUT, path.join(ROOT, output)).split(path.sep).join('/')] = Object.keys(meta.inputs);
}
await writeFile(path.join(OUT, 'inputs.json'), `${JSON.stringify(inputs)}\n`);
console.log(`dist/bundle: ${Object.keys(inputs).length} files`);
