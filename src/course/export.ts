import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { shipshapeVersion } from '../engine/provenance.js';
import { listFiles, sha256File } from '../workspace/files.js';
import { MARKER_FILE, type Marker } from '../workspace/workspace.js';
import {
  type TemplateInput,
  classroom50Autograder,
  githubWorkflow,
  gitlabCi,
  gradescopeRunAutograder,
  gradescopeSetup,
  readme,
} from './export-templates.js';
import type { ChallengePack } from './packs.js';

/** Where the exported workflow takes the composite action from (the action.yml at Shipshape's repository root). */
export const DEFAULT_ACTION_REPOSITORY = 'shipshape-course/shipshape';

export interface ExportFile {
  /** POSIX path relative to the export directory. */
  path: string;
  content: string | Buffer;
  executable?: boolean;
}

export interface ExportOptions {
  /** `owner/repo@ref` of the composite action; default DEFAULT_ACTION_REPOSITORY at this version's tag. */
  action?: string;
  version?: string;
  /** `course:add` sources the CI installs first (courseSourcesFor). */
  courses?: string[];
  /** A lesson export: its title and text head the README. */
  lesson?: { id: string; title: string; body: string };
}

const GITIGNORE = ['# Shipshape keeps its state here; only the challenge marker belongs in the repository.', '**/.shipshape/*', '!**/.shipshape/challenge.json', ''].join('\n');

/**
 * The files of a learner repository for one challenge (at the root) or several (one folder each):
 * starters with their workspace markers, README from the task, and the CI of every platform.
 */
export async function planExport(packs: ChallengePack[], options: ExportOptions = {}): Promise<ExportFile[]> {
  if (packs.length === 0) throw new UserError('Nothing to export: no challenge given.', 2);
  const version = options.version ?? shipshapeVersion();
  const single = packs.length === 1;
  const input: TemplateInput = {
    version,
    action: options.action ?? `${DEFAULT_ACTION_REPOSITORY}@v${version}`,
    workspaces: packs.map((pack) => ({ dir: single ? '.' : pack.manifest.id, challenge: pack.manifest.id, title: pack.manifest.title })),
    needsDockerCli: packs.some((pack) => pack.manifest.build.buildkit || Boolean(pack.manifest.compose)),
    courses: options.courses ?? [],
  };
  const files: ExportFile[] = [];
  let starterGitignore = '';
  for (const [index, pack] of packs.entries()) {
    const prefix = single ? '' : `${pack.manifest.id}/`;
    const starterDir = path.join(pack.dir, pack.manifest.starter);
    const hashes: Record<string, string> = {};
    for (const file of await listFiles(starterDir)) {
      const content = await readFile(path.join(starterDir, file));
      hashes[file] = await sha256File(path.join(starterDir, file));
      if (single && file === '.gitignore') {
        starterGitignore = content.toString('utf8');
        continue;
      }
      files.push({ path: `${prefix}${file}`, content });
    }
    const marker: Marker = { schemaVersion: 1, challenge: pack.manifest.id, startedAt: new Date().toISOString(), files: hashes };
    const markerText = `${JSON.stringify(marker, null, 2)}\n`;
    files.push({ path: `${prefix}${MARKER_FILE}`, content: markerText });
    const task = await readFile(path.join(pack.dir, pack.manifest.task), 'utf8');
    if (single || !files.some((file) => file.path === `${prefix}README.md`)) {
      files.push({ path: `${prefix}README.md`, content: single ? readme(task, input) : `${task.trim()}\n` });
    }
    // Gradescope grades one challenge per assignment: an autograder folder for each.
    const gradescope = single ? 'gradescope/' : `gradescope/${pack.manifest.id}/`;
    const one: TemplateInput = { ...input, workspaces: [input.workspaces[index]!] };
    files.push({ path: `${gradescope}setup.sh`, content: gradescopeSetup(one), executable: true });
    files.push({ path: `${gradescope}run_autograder`, content: gradescopeRunAutograder(one), executable: true });
    files.push({ path: `${gradescope}${MARKER_FILE}`, content: markerText });
  }
  if (!single) {
    const lesson = options.lesson;
    const heading = lesson ? `# ${lesson.title}\n\n${lesson.body.trim()}\n` : '# Shipshape challenges\n';
    const list = packs.map((pack) => `- [\`${pack.manifest.id}/\`](${pack.manifest.id}/README.md): ${pack.manifest.title}`).join('\n');
    files.push({ path: 'README.md', content: readme(`${heading}\n## Challenges\n\n${list}\n`, input) });
  }
  files.push({ path: '.gitignore', content: starterGitignore ? `${starterGitignore.trimEnd()}\n\n${GITIGNORE}` : GITIGNORE });
  files.push({ path: '.github/workflows/shipshape.yml', content: githubWorkflow(input) });
  files.push({ path: '.gitlab-ci.yml', content: gitlabCi(input) });
  files.push({ path: 'classroom50/autograder.py', content: classroom50Autograder(input), executable: true });
  return files;
}

/**
 * Writes the planned files into `dir`. Nothing already there is overwritten: when any planned path
 * exists, the export is refused with the list and nothing is written.
 */
export async function writeExport(dir: string, files: ExportFile[]): Promise<{ dir: string; written: string[] }> {
  const root = path.resolve(dir);
  const existing: string[] = [];
  for (const file of files) {
    const target = path.join(root, file.path);
    if (await lstat(target).catch(() => null)) existing.push(file.path);
  }
  if (existing.length > 0) {
    throw new UserError(
      `${root} already has files the export would overwrite:\n${existing.map((file) => `  ${file}`).join('\n')}`,
      1,
      'Nothing was written. Export into a new or empty directory, or move those files away first.',
    );
  }
  for (const file of files) {
    const target = path.join(root, file.path);
    await mkdir(path.dirname(target), { recursive: true });
    // `wx`: a file that appeared since the check is still never overwritten.
    await writeFile(target, file.content, { flag: 'wx', mode: file.executable ? 0o755 : 0o644 });
  }
  return { dir: root, written: files.map((file) => file.path) };
}
