/** `npm run schema`: regenerates schema/team.schema.json and the team-file reference in README.md. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSON_SCHEMA_PATH, teamJsonSchema } from '../spec/json-schema.js';
import { PROJECT_ROOT } from '../spec/paths.js';
import { withReference } from '../spec/reference.js';

writeFileSync(join(PROJECT_ROOT, JSON_SCHEMA_PATH), teamJsonSchema());
const readme = join(PROJECT_ROOT, 'README.md');
writeFileSync(readme, withReference(readFileSync(readme, 'utf8')));
console.log(`wrote ${JSON_SCHEMA_PATH} and the team-file reference in README.md`);
