#!/usr/bin/env node
// Writes dist/build-stamp.json: a hash of the built code. Caches of validated data (the pack index in
// ~/.cache/shipshape) are only trusted when they were written by this exact build.
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const hash = createHash('sha256');
const files = (await readdir(dist, { recursive: true })).filter((file) => file.endsWith('.js')).sort();
for (const file of files) {
  hash.update(`${file}\0`);
  hash.update(await readFile(path.join(dist, file)));
}
await writeFile(path.join(dist, 'build-stamp.json'), `${JSON.stringify({ stamp: hash.digest('hex'), files: files.length })}\n`);
