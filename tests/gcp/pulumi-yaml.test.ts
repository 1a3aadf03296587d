/** Pulumi.yaml names a program `pulumi up` can run: TypeScript through tsx, the stack name is the team. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, copyFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../spec/paths.js';

interface PulumiYaml {
  name: string;
  main: string;
  runtime: { name: string; options: { typescript: boolean; nodeargs: string; packagemanager?: string } };
}

const project = parse(readFileSync(join(PROJECT_ROOT, 'Pulumi.yaml'), 'utf8')) as PulumiYaml;
const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  type?: string;
  dependencies: Record<string, string>;
};

interface HarnessResult {
  ok: boolean;
  types?: string[];
  outputs?: Record<string, unknown>;
  error?: string;
  /** Pulumi prints a RunError's message without a stack trace. */
  runError?: boolean;
}

function runMain(stack: string, env: Record<string, string> = {}): HarnessResult {
  const result = spawnSync(
    process.execPath,
    [...project.runtime.options.nodeargs.split(' '), join(PROJECT_ROOT, 'tests', 'gcp', 'pulumi-main-harness.ts'), stack],
    { cwd: dirname(join(PROJECT_ROOT, project.main)), encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 },
  );
  expect(result.stderr).not.toMatch(/Error/);
  return JSON.parse(result.stdout) as HarnessResult;
}

describe('Pulumi.yaml', () => {
  it('declares a Node.js program that Pulumi runs as ES modules through tsx, not its vendored ts-node', () => {
    expect(project.name).toBe('gpu-burst');
    expect(project.runtime.name).toBe('nodejs');
    expect(project.runtime.options.typescript).toBe(false);
    expect(project.runtime.options.nodeargs).toBe('--import tsx');
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies['tsx']).toBeDefined();
    expect(pkg.dependencies['@pulumi/pulumi']).toBeDefined();
    // The loader named in nodeargs resolves from the project, as node will resolve it.
    expect(() => createRequire(join(PROJECT_ROOT, 'package.json')).resolve('tsx')).not.toThrow();
    expect(existsSync(join(PROJECT_ROOT, project.main))).toBe(true);
  });

  it('runs the program named by `main` for stack example and builds the example team', () => {
    const result = runMain('example');
    expect(result.error).toBeUndefined();
    expect(result.types).toEqual(
      expect.arrayContaining(['pulumi:providers:gcp', 'gcp:storage/bucket:Bucket', 'gcp:artifactregistry/repository:Repository', 'gcp:compute/network:Network']),
    );
    expect(result.outputs?.['artifactUrl']).toBe('gs://example-artifacts/teams/example/');
  });

  it('a stack with no team file fails with a message naming the closest team, not a stack trace', () => {
    const result = runMain('exmple');
    expect(result.ok).toBe(false);
    expect(result.runError).toBe(true);
    expect(result.error).toMatch(/stack 'exmple' has no team file .*teams\/exmple\.yaml.*did you mean 'pulumi stack select example'/);
  });

  it('a team with no gcp: section fails clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teams-'));
    writeFileSync(join(dir, 'awsonly.yaml'), 'aws: {}\n');
    copyFileSync(join(PROJECT_ROOT, 'teams', 'example.yaml'), join(dir, 'example.yaml'));
    const result = runMain('awsonly', { BURST_TEAMS_DIR: dir });
    expect(result.ok).toBe(false);
    expect(result.runError).toBe(true);
    expect(result.error).toMatch(/awsonly\.yaml has no gcp: section/);
  });

  it('an invalid team file fails with every problem', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teams-'));
    writeFileSync(join(dir, 'broken.yaml'), 'gcp:\n  project: X\n  regoin: us-central1\n');
    const result = runMain('broken', { BURST_TEAMS_DIR: dir });
    expect(result.ok).toBe(false);
    expect(result.runError).toBe(true);
    expect(result.error).toContain("gcp.project: 'X' is not a GCP project ID");
    expect(result.error).toContain("unknown field 'regoin'");
  });
});
