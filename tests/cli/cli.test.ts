/** The `burst` CLI, spawned as a user runs it: validate, plan, plan --json, catalog, fork. */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlanReport } from '../../cli/plan-report.js';
import { EXAMPLE_FILE, hasStackTrace, runCli, type CliResult } from '../helpers.js';

/** A teams directory holding a copy of the example team. */
function teamsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'burst-teams-'));
  copyFileSync(EXAMPLE_FILE, join(dir, 'example.yaml'));
  return dir;
}

function expectClean(result: CliResult): void {
  expect(hasStackTrace(result.stdout + result.stderr), result.stderr).toBe(false);
}

describe('burst validate', () => {
  it('exits 0 and says ok for the shipped teams', () => {
    const result = runCli(['validate']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('ok       teams/example.yaml');
  });

  it('exits 1 with every problem of an invalid file, and --json says why', () => {
    const dir = teamsDir();
    writeFileSync(join(dir, 'broken.yaml'), 'aws:\n  regoin: us-east-1\n  vpcCidr: 8.8.0.0/16\n');
    const result = runCli(['validate', '--teams-dir', dir]);
    expect(result.status).toBe(1);
    expectClean(result);
    expect(result.stdout).toMatch(/ok +.*example\.yaml/);
    expect(result.stdout).toMatch(/invalid +.*broken\.yaml +\(2 problems\)/);
    expect(result.stdout).toContain("aws.regoin: unknown field 'regoin' in aws:; did you mean 'region'?");
    expect(result.stdout).toContain("aws.vpcCidr: '8.8.0.0/16' is not a private (RFC 1918) range");

    const json = runCli(['validate', '--json', '--teams-dir', dir]);
    expect(json.status).toBe(1);
    const doc = JSON.parse(json.stdout) as { valid: boolean; files: { file: string; problems: { path: string[]; line: number }[] }[] };
    expect(doc.valid).toBe(false);
    const broken = doc.files.find((f) => f.file.endsWith('broken.yaml'));
    expect(broken?.problems.map((p) => [p.path.join('.'), p.line])).toEqual([
      ['aws.regoin', 2],
      ['aws.vpcCidr', 3],
    ]);
  });

  it('suggests the closest team for an unknown name and exits 2', () => {
    const result = runCli(['validate', 'exampel']);
    expect(result.status).toBe(2);
    expectClean(result);
    expect(result.stderr).toContain("burst: no team 'exampel' (looked for teams/exampel.yaml); did you mean 'example'?");
  });
});

describe('burst plan', () => {
  let text: CliResult;
  beforeAll(() => {
    text = runCli(['plan']);
  });

  it('prints both clouds, every stack with its resources, and the cost at rest', () => {
    expect(text.status).toBe(0);
    expectClean(text);
    for (const expected of [
      'team example teams/example.yaml',
      'AWS (CDK, region us-east-1)',
      'example-storage  9 resources  standing $0.0014/h  $1.000/month',
      'AWS::S3::Bucket',
      'AWS::ECR::Repository',
      'example-burst',
      'AWS::EC2::VPC',
      'AWS::EC2::VPCEndpoint',
      'GCP (Pulumi, project example-ml-project, region us-central1)',
      'gcp:storage/bucket:Bucket',
      'gcp:artifactregistry/repository:Repository',
      'AWS::AutoScaling::AutoScalingGroup',
      'AWS::Batch::ComputeEnvironment',
      'While a burst runs',
      'example  44 resources  standing $0.027/h  $20.000/month',
      'gpu-burst:gcp:TpuNode',
      'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager',
      'At rest: $0.062/h, $45.020/month standing',
      'S3 Standard storage',
      '$0.023/GB-month',
    ]) {
      expect(text.stdout).toContain(expected);
    }
    // The committed lock decides which: anything not pinned is named with the command that pins it.
    expect(text.stdout).toMatch(/^ {2}Images: (all 2 pinned in images\/lock\.json|\d of 2 need pinning .* Pin them: npx burst images pin example)$/m);
  });

  it('refuses an invalid team with its problems and no stack trace', () => {
    const dir = teamsDir();
    writeFileSync(join(dir, 'broken.yaml'), 'gcp:\n  project: X\n');
    const result = runCli(['plan', 'broken', '--teams-dir', dir]);
    expect(result.status).toBe(1);
    expectClean(result);
    expect(result.stderr).toContain("broken.yaml:2:12  gcp.project: 'X' is not a GCP project ID");
  });
});

describe('burst catalog', () => {
  it('lists each kind with its types per cloud, where offered and $/h', () => {
    const result = runCli(['catalog']);
    expect(result.status).toBe(0);
    for (const expected of ['NVIDIA A100 40GB', 'p4d.24xlarge', 'a2-highgpu-1g', 'Cloud TPU v5e', 'v5litepod-8', 'spot $', '/h']) {
      expect(result.stdout).toContain(expected);
    }
  });

  it('--cloud and --accelerator filter, --json carries every price with its source and date', () => {
    const aws = runCli(['catalog', '--cloud', 'aws', '--accelerator', 'h100']);
    expect(aws.stdout).toContain('p5.48xlarge');
    expect(aws.stdout).not.toContain('a3-highgpu-8g');
    const json = JSON.parse(runCli(['catalog', '--cloud', 'gcp', '--json']).stdout) as {
      offers: { cloud: string; onDemand: { asOf: string; source: string } }[];
    };
    expect(json.offers.length).toBeGreaterThan(20);
    expect(new Set(json.offers.map((o) => o.cloud))).toEqual(new Set(['gcp']));
    expect(json.offers.every((o) => o.onDemand.source.startsWith('https://') && /^\d{4}-/.test(o.onDemand.asOf))).toBe(true);
  });

  it('rejects an unknown cloud or accelerator with a suggestion', () => {
    const cloud = runCli(['catalog', '--cloud', 'azure']);
    expect(cloud.status).toBe(2);
    expect(cloud.stderr).toContain("argument 'azure' is invalid. Allowed choices are aws, gcp.");
    const acc = runCli(['catalog', '--accelerator', 'a100']);
    expect(acc.status).toBe(2);
    expect(acc.stderr).toContain("unknown accelerator 'a100'; did you mean");
    expectClean(acc);
  });
});

describe('burst fork, then burst plan --json on both teams', () => {
  let dir: string;
  let result: CliResult;
  let plan: PlanReport;
  beforeAll(() => {
    dir = teamsDir();
    result = runCli(['fork', 'vision', '--teams-dir', dir]);
    const planned = runCli(['plan', '--json', '--teams-dir', dir]);
    expect(planned.status, planned.stderr).toBe(0);
    plan = JSON.parse(planned.stdout) as PlanReport;
  });

  it('--json prints one document: teams -> clouds -> stacks -> resources with type, name and properties', () => {
    const team = plan.teams.find((t) => t.team === 'example');
    expect(team?.file).toMatch(/example\.yaml$/);
    expect(team?.clouds.aws?.stacks.map((s) => s.name)).toEqual(['example-storage', 'example-burst']);
    expect(team?.clouds.gcp?.stacks.map((s) => s.name)).toEqual(['example']);
    const bucket = team?.clouds.aws?.stacks[0]?.resources.find((r) => r.name.startsWith('ArtifactsBucket'));
    expect(bucket?.type).toBe('AWS::S3::Bucket');
    expect(bucket?.properties).toMatchObject({ VersioningConfiguration: { Status: 'Enabled' } });
    const gcsBucket = team?.clouds.gcp?.stacks[0]?.resources.find((r) => r.type === 'gcp:storage/bucket:Bucket');
    expect(gcsBucket).toMatchObject({ name: 'example-artifacts', properties: { publicAccessPrevention: 'enforced' } });
    // The images the fleet and the dev box boot (both the default GPU DLAMI).
    expect(team?.clouds.aws?.images.map((i) => [i.region, i.kind])).toEqual([['us-east-1', 'dlami-base-gpu']]);
    expect(team?.clouds.gcp?.images.map((i) => i.kind)).toEqual(['dlvm-cuda']);
    for (const image of [...(team?.clouds.aws?.images ?? []), ...(team?.clouds.gcp?.images ?? [])]) {
      expect(['pinned', 'unpinned', 'stale']).toContain(image.status);
      if (image.status === 'unpinned') expect(image.id).toBeUndefined();
      else expect(image.id).toMatch(/^(ami-[0-9a-f]+|[a-z][-a-z0-9]+)$/);
    }
    // At rest: the AWS dev box's 300 GiB of gp3, the alert key and cents of backstop, and the GCP
    // dev box's 200 GiB of pd-balanced; nothing else.
    expect(team?.cost.standingUsdPerMonth).toBeCloseTo(300 * 0.08 + 1 + 0.02 + 200 * 0.1, 1);
    expect(team?.cost.running.map((r) => `${r.cloud} ${r.item}`)).toEqual([
      'aws network',
      'aws train',
      'aws hparams',
      'aws devbox',
      'gcp gtrain',
      'gcp tpu',
      'gcp gsweep',
      'gcp devbox',
    ]);
    // The TPU node a burst will create, marked as such, with the request burst start sends.
    const tpu = team?.clouds.gcp?.stacks[0]?.resources.find((r) => r.type === 'gpu-burst:gcp:TpuNode');
    expect(tpu?.properties).toMatchObject({ createdBy: 'burst start', queuedResourceId: 'example-tpu', acceleratorType: 'v5litepod-8' });
    const mig = team?.clouds.gcp?.stacks[0]?.resources.find((r) => r.type === 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager');
    expect(mig?.properties).toMatchObject({ targetSize: 0 });
    expect(team?.cost.usage.map((u) => u.what)).toContain('S3 Standard storage');
    for (const u of team?.cost.usage ?? []) {
      expect(u.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(u.source).toMatch(/^https:\/\//);
    }
  });

  it('copies a team under a new name that validates and plans as a second, isolated team', () => {
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('created');
    const forked = readFileSync(join(dir, 'vision.yaml'), 'utf8');
    expect(forked).toContain('# yaml-language-server: $schema=../schema/team.schema.json');
    expect(forked).toContain('description: Team vision (forked from example)');
    expect(forked).toContain('# replace with your project ID');

    expect(plan.teams.map((t) => t.team)).toEqual(['example', 'vision']);
    const vision = plan.teams[1];
    expect(vision?.clouds.aws?.stacks.map((s) => s.name)).toEqual(['vision-storage', 'vision-burst']);
    expect(vision?.clouds.gcp?.stacks.map((s) => s.name)).toEqual(['vision']);
    const names = vision?.clouds.gcp?.stacks[0]?.resources.map((r) => r.name) ?? [];
    expect(names.every((n) => n.startsWith('vision-'))).toBe(true);
    for (const stack of vision?.clouds.aws?.stacks ?? []) {
      for (const resource of stack.resources) {
        const tags = resource.properties['Tags'] as { Key: string; Value: string }[] | undefined;
        if (Array.isArray(tags)) expect(tags, `${stack.name}/${resource.name}`).toContainEqual(expect.objectContaining({ Key: 'team', Value: 'vision' }));
      }
    }
  });

  it('refuses a bad name, an existing team and an unknown source', () => {
    const dir = teamsDir();
    expect(existsSync(join(dir, 'example.yaml'))).toBe(true);
    expect(runCli(['fork', 'Vision', '--teams-dir', dir]).stderr).toContain("'Vision' is not a valid team name");
    const exists = runCli(['fork', 'example', '--teams-dir', dir]);
    expect(exists.status).toBe(2);
    expect(exists.stderr).toMatch(/example\.yaml already exists; pick another name or pass --force/);
    const unknown = runCli(['fork', 'vision', '--from', 'exmaple', '--teams-dir', dir]);
    expect(unknown.stderr).toContain("did you mean 'example'?");
    expect(existsSync(join(dir, 'vision.yaml'))).toBe(false);
  });
});

describe('usage errors', () => {
  it('an unknown command names the closest one, without a stack trace', () => {
    const result = runCli(['plna']);
    expect(result.status).toBe(2);
    expectClean(result);
    expect(result.stderr).toContain("(Did you mean plan?)");
  });

  it('--help lists every command', () => {
    const result = runCli(['--help']);
    expect(result.status).toBe(0);
    for (const cmd of ['validate', 'plan', 'cost', 'catalog', 'fork', 'images', 'start', 'sweep', 'down', 'leaks']) expect(result.stdout).toContain(cmd);
  });
});

describe('colour', () => {
  it('is on only at a terminal or when forced; CI and NO_COLOR keep captured output plain', async () => {
    const { colorEnabled } = await import('../../cli/output.js');
    expect(colorEnabled({ CI: 'true' }, false)).toBe(false);
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({ TERM: 'dumb' }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: '0' }, true)).toBe(false);
  });
});
