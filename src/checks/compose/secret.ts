import { readFile } from 'node:fs/promises';
import { defineCheck, fail, pass } from '../kind.js';
import { isRecord } from './model.js';

export const composeSecret = defineCheck({
  kind: 'compose.secret',
  phase: 'compose',
  summary:
    'A secret is defined from a non-empty file, given to the service, named by a *_FILE variable pointing at its /run/secrets path, and the plaintext variables are gone from the service and the compose file.',
  params: (z) =>
    z.object({
    service: z.string().min(1),
    secret: z.string().min(1).describe('Secret name under the top-level secrets:'),
    fileEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*_FILE$/).optional().describe('Variable that must point at the secret, e.g. POSTGRES_PASSWORD_FILE'),
    forbidEnv: z.array(z.string().min(1)).default([]).describe('Variables that must not carry the value in plain text, e.g. POSTGRES_PASSWORD'),
  }),
  example: { service: 'db', secret: 'db_password', fileEnv: 'POSTGRES_PASSWORD_FILE', forbidEnv: ['POSTGRES_PASSWORD'] },
  async run({ service, secret, fileEnv, forbidEnv }, { compose }) {
    if (!compose.service(service)) return fail(`no service \`${service}\` in ${compose.where('services')}`);
    const defined = compose.section('secrets')[secret];
    if (!isRecord(defined)) return fail(`${compose.where('secrets')}: no secret \`${secret}\` under the top-level secrets:`);
    if (typeof defined.file !== 'string') return fail(`${compose.where('secrets', secret)}: secret \`${secret}\` is not read from a file (\`file: ./…\`)`);
    const content = await readFile(defined.file, 'utf8').catch(() => null);
    if (content === null) return fail(`${compose.where('secrets', secret, 'file')}: the secret file ${defined.file} does not exist`);
    if (content.trim() === '') return fail(`${compose.where('secrets', secret, 'file')}: the secret file ${defined.file} is empty`);
    const given = compose.serviceSecrets(service).find((entry) => entry.source === secret);
    if (!given) return fail(`${compose.where('services', service, 'secrets')}: \`${service}\` is not given the secret \`${secret}\` (add it to the service's secrets:)`);
    const env = compose.environment(service);
    const evidence = { secretFile: defined.file, mountedAt: given.target, environment: Object.keys(env) };
    if (fileEnv) {
      if (env[fileEnv] === undefined) return fail(`${compose.where('services', service, 'environment')}: \`${service}\` does not set ${fileEnv}`, evidence);
      if (env[fileEnv] !== given.target) {
        return fail(`${compose.where('services', service, 'environment', fileEnv)}: ${fileEnv} is ${env[fileEnv]}, but the secret is at ${given.target}`, evidence);
      }
    }
    const plain = forbidEnv.filter((name) => env[name] !== undefined);
    if (plain.length > 0) {
      return fail(`${compose.where('services', service, 'environment', plain[0]!)}: \`${service}\` still sets ${plain.join(', ')} in plain text`, evidence);
    }
    // The same value written anywhere else in the model (another service, a build arg) leaks it too.
    const value = content.trim();
    const leaked = value.length >= 8 && JSON.stringify(compose.config).includes(value);
    if (leaked) return fail(`the secret's value appears in the compose file itself`, evidence);
    return pass(`\`${service}\` reads secret \`${secret}\` at ${given.target}${fileEnv ? ` (${fileEnv})` : ''}`, evidence);
  },
});
