import { z } from 'zod';
import { defineCheck, fail, pass } from '../kind.js';
import { atKeywordOrFinalStage } from '../location.js';

/** The engine stores a shell-form CMD/ENTRYPOINT as ["/bin/sh", "-c", "<text>"]. */
function isShellForm(value: string[] | null): boolean {
  return value !== null && value.length >= 2 && value[0] === '/bin/sh' && value[1] === '-c';
}

/** Root by name or uid; an empty USER means root. The group part (user:group) does not matter here. */
export function isRootUser(user: string): boolean {
  const name = user.split(':')[0]!.trim();
  return name === '' || name === 'root' || name === '0';
}

function shown(value: string[] | null): string {
  return value === null ? '(none)' : JSON.stringify(value);
}

export const imageConfig = defineCheck({
  kind: 'image.config',
  phase: 'image',
  summary:
    "The built image's configuration (what `docker inspect` shows, whatever the Dockerfile's text says): working directory, user, exec-form CMD/ENTRYPOINT, environment.",
  params: z
    .object({
      workingDir: z.string().startsWith('/').max(1024).optional().describe('The working directory must be exactly this path'),
      user: z.string().min(1).max(100).optional().describe('USER must be exactly this (name, uid, or user:group)'),
      nonRootUser: z.boolean().optional().describe('true: USER must name a user other than root (not empty, root or 0)'),
      cmdExecForm: z.boolean().optional().describe('true: CMD must be set and in exec form (not wrapped in /bin/sh -c)'),
      entrypointExecForm: z.boolean().optional().describe('true: ENTRYPOINT must be set and in exec form'),
      env: z
        .array(z.string().min(1).max(500))
        .max(20)
        .optional()
        .describe('Variables that must be set: NAME (any value) or NAME=value (exactly)'),
    })
    .refine((params) => Object.values(params).some((value) => value !== undefined && value !== false), {
      message: 'name at least one property to check',
    }),
  example: { workingDir: '/var/www/html', cmdExecForm: true },
  // The instruction behind the first property that is off (USER, WORKDIR, CMD, ENTRYPOINT, ENV).
  locate: (params, { dockerfile }, verdict) => {
    const keyword = /USER|root/.test(verdict.message) && (params.user !== undefined || params.nonRootUser) ? 'USER'
      : /working directory/.test(verdict.message) ? 'WORKDIR'
      : /^CMD|; CMD/.test(verdict.message) ? 'CMD'
      : /ENTRYPOINT/.test(verdict.message) ? 'ENTRYPOINT'
      : 'ENV';
    return atKeywordOrFinalStage(dockerfile, keyword);
  },
  run(params, { image }) {
    const problems: string[] = [];
    const seen: string[] = [];
    const evidence: Record<string, unknown> = {};
    if (params.workingDir !== undefined) {
      evidence.workingDir = image.workingDir || '/';
      const actual = normalizeDir(image.workingDir);
      if (actual === normalizeDir(params.workingDir)) seen.push(`working directory ${actual}`);
      else problems.push(`the working directory is ${actual}, expected ${params.workingDir}`);
    }
    if (params.user !== undefined || params.nonRootUser) {
      evidence.user = image.user;
      const who = image.user || '(not set: root)';
      if (params.user !== undefined && image.user !== params.user) problems.push(`USER is ${who}, expected ${params.user}`);
      else if (params.nonRootUser && isRootUser(image.user)) problems.push(`the image runs as root (USER is ${who})`);
      else seen.push(`user ${image.user}`);
    }
    if (params.cmdExecForm) {
      evidence.cmd = image.cmd;
      problems.push(...execForm('CMD', image.cmd));
      if (!problems.some((problem) => problem.startsWith('CMD'))) seen.push(`CMD ${shown(image.cmd)}`);
    }
    if (params.entrypointExecForm) {
      evidence.entrypoint = image.entrypoint;
      problems.push(...execForm('ENTRYPOINT', image.entrypoint));
      if (!problems.some((problem) => problem.startsWith('ENTRYPOINT'))) seen.push(`ENTRYPOINT ${shown(image.entrypoint)}`);
    }
    if (params.env) {
      evidence.env = image.env;
      for (const wanted of params.env) {
        const [name, ...rest] = wanted.split('=');
        const entry = image.env.find((candidate) => candidate.split('=')[0] === name);
        if (!entry) problems.push(`${name} is not set in the image's environment`);
        else if (rest.length > 0 && entry !== wanted) problems.push(`${entry} is set, expected ${wanted}`);
        else seen.push(entry);
      }
    }
    if (problems.length > 0) return fail(problems.join('; '), evidence);
    return pass(seen.join('; '), evidence);
  },
});

function execForm(what: 'CMD' | 'ENTRYPOINT', value: string[] | null): string[] {
  if (value === null || value.length === 0) return [`${what} is not set in the image`];
  if (isShellForm(value)) return [`${what} is in shell form (the engine stored ${shown(value)}): signals go to /bin/sh, not to your program`];
  return [];
}

function normalizeDir(dir: string): string {
  if (!dir) return '/';
  return dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
}
