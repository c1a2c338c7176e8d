import { defineCheck, fail, pass } from '../kind.js';

export const composePostgresOnVolume = defineCheck({
  kind: 'compose.postgres-on-volume',
  phase: 'stack',
  summary:
    "On the running stack: a fresh Postgres container of the grader's (same image as a service) starts on one of the stack's named volumes, e.g. one a restore job filled, and a query over the local socket returns output matching a regex.",
  params: (z) =>
    z.object({
    volume: z.string().min(1).describe('Named volume of the stack holding a Postgres data directory'),
    imageOf: z.string().min(1).describe('Service whose image runs Postgres, e.g. db'),
    user: z.string().min(1),
    database: z.string().min(1),
    sql: z.string().min(1).describe('Query run with psql -tA'),
    output: z.string().min(1).describe('Regex the query output must match'),
    timeoutSeconds: z.number().int().min(5).max(300).default(60),
  }),
  example: { volume: 'restored', imageOf: 'db', user: 'shop', database: 'shop', sql: 'SELECT count(*) FROM orders', output: '^3$' },
  async run({ volume, imageOf, user, database, sql, output, timeoutSeconds }, { stack, compose }) {
    const image = compose.image(imageOf);
    if (!image) return fail(`${compose.where('services', imageOf)}: service \`${imageOf}\` has no image to start Postgres from`);
    const outcome = await stack.withVolumeContainer(volume, {
      image,
      target: '/var/lib/postgresql/data',
      readyCommand: ['pg_isready', '-h', 'localhost', '-q'],
      command: ['psql', '-X', '-v', 'ON_ERROR_STOP=1', '-U', user, '-d', database, '-tAc', sql],
      timeoutMs: timeoutSeconds * 1000,
    });
    const log = outcome.logTail.slice(-3).map((line) => line.trim()).join(' / ');
    if (!outcome.ready && outcome.logTail.some((line) => /uninitialized/i.test(line))) {
      return fail(`volume \`${volume}\` holds no Postgres data directory (no PG_VERSION at its top), so Postgres tried to create a new database and stopped`, { log: outcome.logTail });
    }
    if (!outcome.ready) {
      return fail(`Postgres did not start on volume \`${volume}\`${log ? `: ${log}` : ''}`, { log: outcome.logTail });
    }
    const result = outcome.result!;
    const text = `${result.stdout}${result.stderr}`.trim();
    const evidence = { exitCode: result.exitCode, output: text.slice(0, 400), log: outcome.logTail };
    if (result.exitCode !== 0) return fail(`Postgres started on \`${volume}\`, but \`${sql}\` failed: ${text.split('\n').slice(-2).join(' / ')}`, evidence);
    if (!new RegExp(output, 'm').test(result.stdout)) {
      return fail(`\`${sql}\` on \`${volume}\` returned ${JSON.stringify(text.slice(0, 200))}, not /${output}/`, evidence);
    }
    return pass(`Postgres on \`${volume}\` answers \`${sql}\` with ${JSON.stringify(result.stdout.trim().slice(0, 120))}`, evidence);
  },
});
