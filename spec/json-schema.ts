/**
 * The JSON Schema editors use to complete and check team files (the `yaml-language-server`
 * comment at the top of each file points at schema/team.schema.json). Generated from the zod
 * schema; `npm run schema` rewrites it and a test fails when the committed copy is stale.
 */
import { z } from 'zod';
import { TeamFileSchema } from './schema.js';

/** Where the committed schema lives, relative to the repository root. */
export const JSON_SCHEMA_PATH = 'schema/team.schema.json';

/** The team-file JSON Schema as text (stable: same input, same bytes). */
export function teamJsonSchema(): string {
  const schema = z.toJSONSchema(TeamFileSchema, { io: 'input', target: 'draft-2020-12' });
  const document = { ...schema, title: 'gpu-burst team file' };
  return `${JSON.stringify(document, null, 2)}\n`;
}
