import { z } from 'zod';
import { ManifestSchema } from './manifest.js';

/** The manifest's JSON Schema, for editors (yaml-language-server) and other tools. */
export function manifestJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ManifestSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://shipshape.dev/schema/manifest.schema.json',
    title: 'Shipshape challenge manifest',
  };
}

export function manifestJsonSchemaText(): string {
  return `${JSON.stringify(manifestJsonSchema(), null, 2)}\n`;
}
