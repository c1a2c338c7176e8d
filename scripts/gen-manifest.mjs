#!/usr/bin/env node
// Writes oclif.manifest.json from the built commands (dist/), as `oclif manifest` does at publish.
// With it, oclif reads each command's flags from the file and imports only the command that runs;
// without it, every start-up imports every command module (ink, react, dockerode, grpc...).
// Run by `npm run build`, so it always matches dist/; a missing command in it would be invisible.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '@oclif/core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'oclif.manifest.json');
// Config.load reads an existing manifest despite ignoreManifest: a new command would never show up.
await rm(path.join(root, 'oclif.manifest.json'), { force: true });
const config = await Config.load({ root, ignoreManifest: true });
const plugin = config.plugins.get(config.pjson.name);
if (!plugin) throw new Error(`no plugin ${config.pjson.name} at ${root}`);
const { manifest } = plugin;
for (const [id, command] of Object.entries(manifest.commands)) {
  if (!('isESM' in command) || !('relativePath' in command)) throw new Error(`manifest entry ${id} lacks isESM/relativePath`);
}
await writeFile(out, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`oclif.manifest.json: ${Object.keys(manifest.commands).length} commands`);
