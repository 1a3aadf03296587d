import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMA_PATH, teamJsonSchema } from '../../spec/json-schema.js';
import { teamFileReference } from '../../spec/reference.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { TEAM_NAME, TeamFileSchema } from '../../spec/schema.js';
import { exampleSpec, specFromYaml } from '../helpers.js';

interface JsonSchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  required?: string[];
}

/** Every property in the JSON Schema with its dotted path. */
function properties(node: JsonSchemaNode, prefix = ''): [string, JsonSchemaNode, boolean][] {
  return Object.entries(node.properties ?? {}).flatMap(([name, child]) => [
    [`${prefix}${name}`, child, (node.required ?? []).includes(name)] as [string, JsonSchemaNode, boolean],
    ...properties(child, `${prefix}${name}.`),
  ]);
}

describe('team file schema', () => {
  it('the committed JSON Schema is the one the zod schema generates (run `npm run schema` after changing it)', () => {
    const committed = readFileSync(join(PROJECT_ROOT, JSON_SCHEMA_PATH), 'utf8');
    expect(committed).toBe(teamJsonSchema());
  });

  it("the README's team-file reference is the one the schema generates", () => {
    const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(teamFileReference());
    for (const path of ['storage.noncurrentVersionDays', 'aws.vpcCidr', 'gcp.project', 'gcp.storage.softDeleteDays']) {
      expect(readme).toContain(`| \`${path}\` |`);
    }
  });

  it('every team file in teams/ points editors at the schema', () => {
    const text = readFileSync(join(PROJECT_ROOT, 'teams', 'example.yaml'), 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/team.schema.json');
  });

  const schema = JSON.parse(teamJsonSchema()) as JsonSchemaNode;
  const all = properties(schema);

  it('describes every field', () => {
    expect(all.length).toBeGreaterThan(10);
    for (const [path, node] of all) expect(node.description?.length ?? 0, path).toBeGreaterThanOrEqual(20);
  });

  it('gives every field a default, or says what leaving it out means, except the GCP project', () => {
    const required = all.filter(([, , isRequired]) => isRequired).map(([path]) => path);
    expect(required).toEqual(['gcp.project']);
    for (const [path, node, isRequired] of all) {
      if (isRequired || path === 'aws' || path === 'gcp') continue;
      const documented = node.default !== undefined || /Default: /.test(node.description ?? '');
      expect(documented, `${path} has no default and does not say what omitting it means`).toBe(true);
    }
  });

  it('rejects unknown fields everywhere (additionalProperties false)', () => {
    const objects = [schema, ...all.map(([, node]) => node)].filter((n) => n.type === 'object' && n.properties);
    for (const node of objects) expect((node as { additionalProperties?: unknown }).additionalProperties).toBe(false);
  });

  it('fills defaults so a minimal file is a few lines', () => {
    const spec = specFromYaml('mini', 'aws: {}\n');
    expect(spec.aws).toEqual({ region: 'us-east-1', vpcCidr: '10.64.0.0/16', fleets: [], sweeps: [] });
    expect(spec.shutdown).toEqual({ idleMinutes: 30, ttlHours: 12 });
    expect(spec.budget).toEqual({ monthlyUsd: 1000, emails: [] });
    expect(spec.storage).toEqual({ noncurrentVersionDays: 30, incompleteUploadDays: 7, untaggedImageDays: 14 });
    expect(spec.tags).toEqual({});
    const gcpOnly = specFromYaml('mini', 'gcp:\n  project: acme-ml-training\n');
    expect(gcpOnly.gcp).toEqual({
      project: 'acme-ml-training',
      region: 'us-central1',
      subnetCidr: '10.65.0.0/20',
      storage: { softDeleteDays: 7 },
      fleets: [],
      tpus: [],
      sweeps: [],
    });
  });

  it('the example team is valid and uses both clouds', () => {
    const spec = exampleSpec();
    expect(spec.team).toBe('example');
    expect(spec.aws?.region).toBe('us-east-1');
    expect(spec.gcp?.project).toBe('example-ml-project');
    expect(TeamFileSchema.safeParse({ aws: {} }).success).toBe(true);
  });

  it.each([
    ['vision', true],
    ['ml-team-2', true],
    ['a1', true],
    ['a', false],
    ['Vision', false],
    ['2team', false],
    ['team-', false],
    ['team_x', false],
    ['x'.repeat(31), false],
  ])('team name %s valid: %s', (name, valid) => {
    expect(TEAM_NAME.test(name)).toBe(valid);
  });
});
