#!/usr/bin/env node
// Bundles the `shipshape serve` front end (src/web/client/) into dist/web/public/: one script and
// one stylesheet, served from the package itself (no CDN; works offline).
import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'web', 'public');
await mkdir(OUT, { recursive: true });
await build({
  entryPoints: [path.join(ROOT, 'src', 'web', 'client', 'main.ts')],
  outfile: path.join(OUT, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(path.join(ROOT, 'src', 'web', 'client', 'style.css'), path.join(OUT, 'app.css'));
