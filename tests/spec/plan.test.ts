import { describe, expect, it } from 'vitest';
import { HOURS_PER_MONTH, standingCost } from '../../spec/cost.js';
import { checkpointPrefix, runPrefix, teamPrefix } from '../../spec/layout.js';
import { assertNever, planTeam, teamTags, type PlanItem } from '../../spec/plan.js';
import { exampleSpec, specFromYaml } from '../helpers.js';

describe('plan', () => {
  const plan = planTeam(exampleSpec());

  it('plans storage and network on each cloud the file names, and the AWS burst compute', () => {
    expect(plan.aws?.items.map((i) => `${i.kind}:${i.layer}`)).toEqual([
      'artifactStore:storage',
      'imageRepository:storage',
      'budget:storage',
      'network:burst',
      'gpuFleet:burst',
      'sweepGroup:burst',
      'devBox:burst',
      'autoShutdown:burst',
    ]);
    expect(plan.gcp?.items.map((i) => `${i.kind}:${i.layer}`)).toEqual([
      'artifactStore:storage',
      'imageRepository:storage',
      'network:burst',
      'gpuFleet:burst',
      'tpuNode:burst',
      'sweepGroup:burst',
      'devBox:burst',
      'autoShutdown:burst',
    ]);
  });

  it('keeps GCS-only settings off the AWS plan, so no engine has a setting to drop', () => {
    const awsStore = plan.aws?.items.find((i) => i.kind === 'artifactStore');
    const gcpStore = plan.gcp?.items.find((i) => i.kind === 'artifactStore');
    expect(awsStore).not.toHaveProperty('softDeleteDays');
    expect(awsStore).not.toHaveProperty('location');
    expect(gcpStore).toMatchObject({ softDeleteDays: 7, location: 'US-CENTRAL1' });
  });

  it('a team with one cloud gets one plan', () => {
    const awsOnly = planTeam(specFromYaml('solo', 'aws:\n  region: eu-west-1\n'));
    expect(awsOnly.gcp).toBeUndefined();
    expect(awsOnly.aws?.region).toBe('eu-west-1');
  });

  it('GCP zones default to every zone of the region', () => {
    const gcp = planTeam(specFromYaml('zoned', 'gcp:\n  project: acme-ml-training\n  region: us-east1\n')).gcp;
    expect(gcp?.zones).toEqual(['us-east1-b', 'us-east1-c', 'us-east1-d']);
  });

  it('tags: the team, its cost center (default: the team) and managed-by, with user tags that cannot override them', () => {
    expect(teamTags(exampleSpec())).toEqual({ project: 'example', team: 'example', 'cost-center': 'ml-research', 'managed-by': 'gpu-burst' });
    expect(teamTags(specFromYaml('vision', 'aws: {}\n'))).toEqual({ team: 'vision', 'cost-center': 'vision', 'managed-by': 'gpu-burst' });
  });

  it('X1: one layout for both clouds', () => {
    expect(teamPrefix('vision')).toBe('teams/vision/');
    expect(runPrefix('vision', 'r42')).toBe('teams/vision/runs/r42/');
    expect(checkpointPrefix('vision', 'r42')).toBe('teams/vision/runs/r42/checkpoints/');
    for (const cloud of [plan.aws, plan.gcp]) {
      expect(cloud?.items.find((i) => i.kind === 'artifactStore')).toMatchObject({ prefix: 'teams/example/' });
    }
  });

  it('assertNever rejects a kind no switch handles', () => {
    expect(() => assertNever({ kind: 'tpuNode' } as never)).toThrow(/unhandled plan item: {"kind":"tpuNode"}/);
  });
});

describe('standing cost', () => {
  it('the foundation bills nothing by the hour; usage rates carry source and date', () => {
    const gcp = planTeam(exampleSpec()).gcp!;
    const cost = standingCost(gcp);
    // On GCP only the stopped dev box's pd-balanced disks (100 GiB boot + 100 GiB data) stand.
    expect(cost.fixedUsdPerMonth).toBeCloseTo(200 * 0.1, 6);
    expect(cost.lines.filter((l) => l.fixedUsdPerHour > 0).map((l) => l.kind)).toEqual(['devBox']);
    expect(cost.lines.map((l) => l.kind)).toEqual(gcp.items.map((i: PlanItem) => i.kind));
    const aws = standingCost(planTeam(exampleSpec()).aws!);
    expect(aws.lines.map((l) => l.kind)).toEqual(planTeam(exampleSpec()).aws!.items.map((i: PlanItem) => i.kind));
    for (const line of [...cost.lines, ...aws.lines]) expect(line.note.length).toBeGreaterThan(20);
    expect(aws.lines.find((l) => l.kind === 'artifactStore')?.usage[0]?.price).toMatchObject({ usd: 0.023, unit: 'GB-month' });
    expect(aws.lines.find((l) => l.kind === 'network')?.usage[0]?.price).toMatchObject({ unit: 'GB' });
    expect(HOURS_PER_MONTH).toBe(730);
  });

  it('X4 at rest on AWS: only the dev box volumes, the alert key and cents of backstop bill; groups at zero and the network cost nothing', () => {
    const aws = standingCost(planTeam(exampleSpec()).aws!);
    const fixed = Object.fromEntries(aws.lines.map((l) => [l.kind, l.fixedUsdPerHour]));
    expect(fixed).toMatchObject({ artifactStore: 0, imageRepository: 0, network: 0, gpuFleet: 0, sweepGroup: 0 });
    expect(fixed['devBox']).toBeCloseTo(((100 + 200) * 0.08) / 730, 10);
    expect(fixed['budget']).toBeCloseTo(1 / 730, 10);
    // 4 runs an hour x 730 h x (2 s x 0.25 GB x $0.0000133334 + $0.20 per million)
    expect(fixed['autoShutdown']! * 730).toBeCloseTo(2920 * (0.5 * 0.0000133334 + 0.2 / 1e6), 8);
    expect(aws.fixedUsdPerMonth).toBeCloseTo(300 * 0.08 + 1 + 2920 * (0.5 * 0.0000133334 + 0.2 / 1e6), 6);
  });

  it('while a burst runs: fleets, sweeps and the dev box at full size, spot and on-demand, and the NAT while egress is on', () => {
    const running = Object.fromEntries(
      standingCost(planTeam(exampleSpec()).aws!).lines.flatMap((l) => (l.running ? [[l.name, l.running]] : [])),
    );
    const gp3 = 200 * (0.08 / 730);
    expect(running['train']?.usdPerHour).toBeCloseTo(0.4083 + gp3, 6); // g6.xlarge spot (catalog) + its root volume
    expect(running['train']?.basis).toBe('1 x g6.xlarge spot at $0.4083/h + 1 x 200 GiB gp3');
    expect(running['hparams']).toMatchObject({ basis: '16 x g4dn.xlarge spot at $0.2131/h (maxVCpus 64 / 4 vCPUs)' });
    expect(running['hparams']?.usdPerHour).toBeCloseTo(16 * 0.2131, 6);
    expect(running['hparams']?.onDemandUsdPerHour).toBeCloseTo(16 * 0.526, 6);
    expect(running['devbox']?.usdPerHour).toBeCloseTo(running['devbox']?.onDemandUsdPerHour ?? NaN, 9);
    expect(running['network']?.usdPerHour).toBeCloseTo(0.045 + 0.005, 9);
  });
});
