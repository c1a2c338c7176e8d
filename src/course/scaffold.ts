import { cp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { MANIFEST_FILE, PACKAGE_ROOT } from './packs.js';

export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');
const ID = /^[a-z0-9][a-z0-9-]{1,63}$/;

export async function listTemplates(): Promise<string[]> {
  const entries = await readdir(TEMPLATES_DIR, { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    if (entry.isDirectory() && (await stat(path.join(TEMPLATES_DIR, entry.name, MANIFEST_FILE)).catch(() => null))) names.push(entry.name);
  }
  return names.sort();
}

/** Copies a pack template to `<packDir>/<id>/` with the template's id replaced; never overwrites. */
export async function scaffoldChallenge(id: string, options: { template?: string; packDir?: string } = {}): Promise<{ dir: string; template: string }> {
  if (!ID.test(id)) throw new UserError(`"${id}" is not a valid challenge id: lower-case letters, digits and dashes, 2 to 64 characters.`, 2);
  const template = options.template ?? 'dockerfile';
  const templates = await listTemplates();
  if (!templates.includes(template)) throw new UserError(`Unknown template "${template}".`, 2, `Templates: ${templates.join(', ')}.`);
  const dir = path.resolve(options.packDir ?? 'challenges', id);
  if (await stat(dir).catch(() => null)) {
    throw new UserError(`${dir} already exists; nothing was written.`, 2, 'Choose another id or --pack directory, or remove it first.');
  }
  await cp(path.join(TEMPLATES_DIR, template), dir, { recursive: true, errorOnExist: true, force: false });
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const schema = path.relative(dir, path.join(PACKAGE_ROOT, 'schema', 'manifest.schema.json')).split(path.sep).join('/');
  const text = (await readFile(manifestPath, 'utf8'))
    .replace(/^id: .*$/m, `id: ${id}`)
    .replace(/(yaml-language-server: \$schema=)\S+/, `$1${schema}`);
  await writeFile(manifestPath, text);
  return { dir, template };
}
