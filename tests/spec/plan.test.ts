import { describe, expect, it } from 'vitest';
import { HOURS_PER_MONTH, standingCost } from '../../spec/cost.js';
import { checkpointPrefix, runPrefix, teamPrefix } from '../../spec/layout.js';
import { assertNever, planTeam, teamTags, type PlanItem } from '../../spec/plan.js';
import { exampleSpec, specFromYaml } from '../helpers.js';

describe('plan', () => {
  const plan = planTeam(exampleSpec());

  it('plans storage and network on each cloud the file names', () => {
    expect(plan.aws?.items.map((i) => `${i.kind}:${i.layer}`)).toEqual(['artifactStore:storage', 'imageRepository:storage', 'network:burst']);
    expect(plan.gcp?.items.map((i) => `${i.kind}:${i.layer}`)).toEqual(['artifactStore:storage', 'imageRepository:storage', 'network:burst']);
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
  it('nothing in the foundation bills by the hour; usage rates carry source and date', () => {
    for (const cloudPlan of [planTeam(exampleSpec()).aws, planTeam(exampleSpec()).gcp]) {
      if (!cloudPlan) throw new Error('missing plan');
      const cost = standingCost(cloudPlan);
      expect(cost.fixedUsdPerHour).toBe(0);
      expect(cost.fixedUsdPerMonth).toBe(0);
      expect(cost.lines.map((l) => l.kind)).toEqual(cloudPlan.items.map((i: PlanItem) => i.kind));
      for (const line of cost.lines) expect(line.note.length).toBeGreaterThan(20);
    }
    const aws = standingCost(planTeam(exampleSpec()).aws!);
    expect(aws.lines.find((l) => l.kind === 'artifactStore')?.usage[0]?.price).toMatchObject({ usd: 0.023, unit: 'GB-month' });
    expect(aws.lines.find((l) => l.kind === 'network')?.usage[0]?.price).toMatchObject({ unit: 'GB' });
    expect(HOURS_PER_MONTH).toBe(730);
  });
});
