/** `npx cdk synth` runs the cdk.json app for every team with no credentials, no network and no lookups. */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { EXAMPLE_FILE, hasStackTrace, sanitizeTemplate } from '../helpers.js';

/** The CDK CLI from devDependencies, with an environment that holds no AWS credentials or profile. */
function cdk(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_')));
  return spawnSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'cdk'), args, {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: { ...clean, HOME: mkdtempSync(join(tmpdir(), 'home-')), AWS_EC2_METADATA_DISABLED: 'true', ...env },
    timeout: 120_000,
  });
}

describe('cdk synth', () => {
  let outdir: string;
  let result: ReturnType<typeof cdk>;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'cdk-out-'));
    result = cdk(['synth', '--quiet', '--output', outdir]);
  });

  it('synthesizes example-storage and example-burst without credentials', () => {
    expect(result.stderr + result.stdout).not.toMatch(/credentials|Unable to resolve AWS account/i);
    expect(result.status, result.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { artifacts: Record<string, { type: string }> };
    const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack').map(([name]) => name);
    expect(stacks.sort()).toEqual(['example-burst', 'example-storage']);
  });

  it('writes the same templates the tests and `burst plan` build in memory', () => {
    for (const stack of ['example-storage', 'example-burst']) {
      const synthesized = JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8')) as unknown;
      const snapshot = readFileSync(join(PROJECT_ROOT, 'tests', 'aws', '__snapshots__', `${stack}.template.json`), 'utf8');
      expect(JSON.stringify(sanitizeTemplate(synthesized), null, 2)).toBe(snapshot);
    }
  });

  it('reports an invalid team file with its problems instead of a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teams-'));
    copyFileSync(EXAMPLE_FILE, join(dir, 'example.yaml'));
    writeFileSync(join(dir, 'broken.yaml'), 'aws:\n  region: mars-1\n');
    const broken = cdk(['synth', '--quiet', '--output', mkdtempSync(join(tmpdir(), 'cdk-out-'))], { BURST_TEAMS_DIR: dir });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toContain("aws.region: 'mars-1' is not an AWS region gpu-burst knows");
    expect(hasStackTrace(broken.stderr)).toBe(false);
  });
});
