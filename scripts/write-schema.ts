/** `npm run schema`: regenerates schema/team.schema.json from the zod schema. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_SCHEMA_PATH, teamJsonSchema } from '../spec/json-schema.js';
import { PROJECT_ROOT } from '../spec/paths.js';

writeFileSync(join(PROJECT_ROOT, JSON_SCHEMA_PATH), teamJsonSchema());
console.log(`wrote ${JSON_SCHEMA_PATH}`);
