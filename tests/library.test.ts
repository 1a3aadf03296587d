/** The constructs are a library too: importable by package name, usable without a team file. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../spec/paths.js';

/** Runs a module from inside the project, so `gpu-burst/...` resolves through package.json "exports". */
function runModule(source: string): { status: number | null; stdout: string; stderr: string } {
  // Inside the package (not under node_modules), where Node resolves a package's own name.
  mkdirSync(join(PROJECT_ROOT, '.burst-tmp'), { recursive: true });
  const dir = mkdtempSync(join(PROJECT_ROOT, '.burst-tmp', 'consumer-'));
  const file = join(dir, 'consumer.ts');
  writeFileSync(file, source);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
  rmSync(dir, { recursive: true, force: true });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('library use', () => {
  it('a CDK app and a Pulumi program build gpu-burst constructs from gpu-burst/aws and gpu-burst/gcp; gpu-burst/spec loads a team', () => {
    const result = runModule(`
      import { App, Stack } from 'aws-cdk-lib';
      import { Template } from 'aws-cdk-lib/assertions';
      import { ArtifactStore, BurstNetwork } from 'gpu-burst/aws';
      import { ArtifactStore as GcsArtifactStore } from 'gpu-burst/gcp';
      import { loadTeamFile, planTeam } from 'gpu-burst/spec';
      import { recordProgram } from '${join(PROJECT_ROOT, 'stacks', 'gcp', 'record.ts')}';

      const stack = new Stack(new App(), 'Mine');
      new ArtifactStore(stack, 'Store', { prefix: 'teams/mine/' });
      new BurstNetwork(stack, 'Net', { cidr: '10.1.0.0/16' });
      const resources = Template.fromStack(stack).toJSON().Resources;
      const aws = [...new Set(Object.values(resources).map((r) => r.Type))].sort();

      const graph = await recordProgram('mine', () => { new GcsArtifactStore('mine', { location: 'EU', prefix: 'teams/mine/' }); });
      const plan = planTeam(loadTeamFile('${join(PROJECT_ROOT, 'teams', 'example.yaml')}'));
      console.log(JSON.stringify({ aws, gcp: graph.resources.map((r) => r.type), team: plan.team }));
    `);
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as { aws: string[]; gcp: string[]; team: string };
    expect(out.aws).toEqual(expect.arrayContaining(['AWS::S3::Bucket', 'AWS::EC2::VPC', 'AWS::EC2::VPCEndpoint']));
    expect(out.gcp).toEqual(['gpu-burst:gcp:ArtifactStore', 'gcp:storage/bucket:Bucket']);
    expect(out.team).toBe('example');
  });
});
