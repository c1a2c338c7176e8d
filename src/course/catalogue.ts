import { z } from 'zod';
import { stringify } from 'yaml';
import { loadCheckKinds } from '../checks/registry.js';
import { PHASES } from '../checks/kind.js';

const CHECK_KINDS = await loadCheckKinds();

interface ParamSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  items?: ParamSchema;
  anyOf?: ParamSchema[];
}

function typeOf(schema: ParamSchema): string {
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' \\| ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' \\| ');
  const base = Array.isArray(schema.type) ? schema.type.join(' \\| ') : (schema.type ?? 'any');
  if (base === 'array' && schema.items) return `array of ${typeOf(schema.items)}`;
  const range = [
    schema.minimum !== undefined ? `≥ ${schema.minimum}` : schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : null,
    schema.maximum !== undefined ? `≤ ${schema.maximum}` : null,
  ].filter(Boolean);
  return range.length > 0 ? `${base} (${range.join(', ')})` : base;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** docs/checks.md: every check kind with its phase, summary, parameters and an example, from CHECK_KINDS. */
export function checkCatalogueMarkdown(): string {
  const out: string[] = [
    '# Check kinds',
    '',
    '<!-- Generated from src/checks/registry.ts by `npm run docs`; do not edit by hand. -->',
    '',
    'Each entry of a manifest\'s `checks:` names one of these kinds and gives its parameters under `with:`.',
    `Checks run by phase, in this order: ${PHASES.map((phase) => `\`${phase}\``).join(', ')}.`,
    '',
    'A check grades `pass`, `fail`, `skip` (it could not run: a phase it needs failed) or `advice`: the',
    'submission works and earns the points, but there is a better way, shown with the reason. An advice',
    'never blocks a pass. Only the kinds marked *advice* below give one, and each says when.',
    '',
    'The hint shown with a failure is about what failed: a kind gives its own hint for a reason it',
    "knows how to fix (say, `HEALTHCHECK NONE`), and the manifest's `hint` is the fallback for the rest.",
    'The scorecard, `--json` and `challenge:hint` show the same hint.',
    '',
    '| kind | phase | summary |',
    '| --- | --- | --- |',
    ...CHECK_KINDS.map(
      (kind) => `| [\`${kind.kind}\`](#${kind.kind.replace(/\./g, '')}) | ${kind.phase}${kind.advises ? ', *advice*' : ''} | ${cell(kind.summary)} |`,
    ),
    '',
  ];
  for (const kind of CHECK_KINDS) {
    const schema = z.toJSONSchema(kind.params, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, ParamSchema>;
      required?: string[];
    };
    out.push(`## ${kind.kind}`, '', `Phase: \`${kind.phase}\`.`, '', kind.summary, '');
    if (kind.advises) out.push(`Advice: ${kind.advises}`, '');
    const properties = Object.entries(schema.properties ?? {});
    if (properties.length === 0) out.push('No parameters.', '');
    else {
      out.push('| parameter | type | required | default | description |', '| --- | --- | --- | --- | --- |');
      for (const [name, property] of properties) {
        const required = (schema.required ?? []).includes(name) && property.default === undefined;
        const fallback = property.default === undefined ? '' : `\`${JSON.stringify(property.default)}\``;
        out.push(`| \`${name}\` | ${typeOf(property)} | ${required ? 'yes' : 'no'} | ${fallback} | ${cell(property.description ?? '')} |`);
      }
      out.push('');
    }
    const example = stringify([{ id: 'my-check', kind: kind.kind, title: 'What the learner sees', with: kind.example, hint: 'What to do when it fails' }]);
    out.push('Example:', '', '```yaml', 'checks:', ...example.trimEnd().split('\n').map((line) => `  ${line}`), '```', '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
