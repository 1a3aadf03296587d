/**
 * The `aws:` section's compute, resolved: what each fleet, sweep group and dev box becomes (types,
 * EFA, market, image, windows), the spec hash, and the quota rule (A24) as a unit.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceleratedTypesIn, devBoxType, efaInterfacesFor, trialResources, typesFor } from '../../spec/aws-compute.js';
import { loadTeamFile, parseTeamFile } from '../../spec/load.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { planTeam, specHash, type AwsPlanItem } from '../../spec/plan.js';
import { formatProblem } from '../../spec/problems.js';
import { exampleSpec } from '../helpers.js';

const RESEARCH = join(PROJECT_ROOT, 'tests', 'fixtures', 'teams', 'research.yaml');

function item<K extends AwsPlanItem['kind']>(items: readonly AwsPlanItem[], kind: K, name?: string): Extract<AwsPlanItem, { kind: K }> {
  const found = items.find((i) => i.kind === kind && (name === undefined || i.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found as Extract<AwsPlanItem, { kind: K }>;
}

/** Problems of a team file given as text, formatted as `burst validate` prints them. */
function problems(yaml: string): string[] {
  return parseTeamFile('teams/quota.yaml', yaml).problems.map(formatProblem);
}

describe('the example team on AWS', () => {
  const items = planTeam(exampleSpec()).aws!.items;

  it('a spot L4 fleet over every 1 x L4 type of the region, cheapest spot first, at zero nodes but one burst of 1', () => {
    expect(item(items, 'gpuFleet', 'train')).toEqual({
      kind: 'gpuFleet',
      layer: 'burst',
      name: 'train',
      accelerator: 'l4',
      family: 'gpu',
      count: 1,
      instanceTypes: acceleratedTypesIn('us-east-1', 'l4', 1).map((t) => t.instanceType),
      vCpusPerNode: 16,
      nodes: 1,
      multiNode: false,
      efaInterfaces: 0,
      market: 'spot',
      onDemandBase: 0,
      rootVolumeGiB: 200,
      image: { cloud: 'aws', region: 'us-east-1', kind: 'dlami-base-gpu' },
      idleMinutes: 30,
      ttlHours: 12,
    });
    expect(item(items, 'gpuFleet').instanceTypes).toHaveLength(3);
  });

  it('a T4 sweep group whose trials fit the smallest type', () => {
    expect(item(items, 'sweepGroup')).toMatchObject({
      name: 'hparams',
      instanceTypes: ['g4dn.xlarge', 'g4dn.2xlarge', 'g4dn.4xlarge'],
      maxVCpus: 64,
      vCpusPerTrial: 4,
      memoryMiBPerTrial: Math.floor(16 * 1024 * 0.9),
      trialHours: 4,
      attempts: 3,
      imageTag: 'v1',
    });
  });

  it('an L4 dev box on the cheapest on-demand type, idle after an hour', () => {
    expect(item(items, 'devBox')).toMatchObject({ instanceType: 'g6.xlarge', accelerator: 'l4', gpu: true, dataVolumeGiB: 200, idleMinutes: 60, ttlHours: 12 });
  });

  it('a budget with 50/80/100 % alerts and the backstop every 15 minutes', () => {
    expect(item(items, 'budget')).toEqual({ kind: 'budget', layer: 'storage', name: 'budget', monthlyUsd: 2000, thresholdsPercent: [50, 80, 100], emails: [] });
    expect(item(items, 'autoShutdown')).toMatchObject({ everyMinutes: 15, idleGraceFactor: 2 });
  });
});

describe('a team using every AWS feature', () => {
  const spec = loadTeamFile(RESEARCH);
  const items = planTeam(spec).aws!.items;

  it('multi-node: one EFA count for the fleet (the smallest of its types), mixed market with an on-demand base', () => {
    expect(item(items, 'gpuFleet', 'dist')).toMatchObject({
      instanceTypes: ['p5.48xlarge'],
      nodes: 4,
      multiNode: true,
      efaInterfaces: 32,
      market: 'mixed',
      onDemandBase: 1,
      rootVolumeGiB: 500,
      image: { kind: 'dlami-pytorch-gpu', region: 'us-west-2' },
      command: ['torchrun', '--nproc-per-node=8', 'train.py'],
      idleMinutes: 20,
      ttlHours: 24,
    });
  });

  it('on-demand: every node is base capacity; efa: false keeps a multi-node fleet without EFA', () => {
    expect(item(items, 'gpuFleet', 'eval')).toMatchObject({ market: 'on-demand', onDemandBase: 2, multiNode: true, efaInterfaces: 0, idleMinutes: 10, ttlHours: 4 });
  });

  it('Trainium boots the Neuron DLAMI and the agent does not watch nvidia-smi', () => {
    expect(item(items, 'gpuFleet', 'neuron')).toMatchObject({ family: 'trainium', image: { kind: 'dlami-neuron' }, instanceTypes: ['trn1.32xlarge'] });
  });

  it('a CPU dev box re-attaching its retained volume', () => {
    expect(item(items, 'devBox')).toMatchObject({ instanceType: 'm7i.2xlarge', gpu: false, dataVolumeId: 'vol-0123456789abcdef0', dataVolumeGiB: 500, idleMinutes: 90 });
    expect(item(items, 'devBox')).not.toHaveProperty('accelerator');
  });
});

describe('resolution helpers', () => {
  it('explicit instance types keep the file order; EFA needs every type to have it', () => {
    expect(typesFor('us-east-1', { accelerator: 'a10g', count: 4, instanceTypes: ['g5.24xlarge', 'g5.12xlarge'] }).map((t) => t.instanceType)).toEqual([
      'g5.24xlarge',
      'g5.12xlarge',
    ]);
    const mixed = typesFor('us-east-1', { accelerator: 't4', count: 1 });
    expect(efaInterfacesFor(mixed, true, undefined)).toBe(0);
    expect(efaInterfacesFor(typesFor('us-east-1', { accelerator: 'a100-40gb', count: 8 }), true, undefined)).toBe(4);
    expect(efaInterfacesFor(typesFor('us-east-1', { accelerator: 'a100-40gb', count: 8 }), false, undefined)).toBe(0);
    expect(trialResources([])).toEqual({ vCpus: 1, memoryMiB: 1024 });
    expect(devBoxType('us-east-1', { count: 1 })?.instanceType).toBe('m7i.xlarge');
  });

  it('the spec hash ignores where the file lives and changes with what is built', () => {
    const a = exampleSpec();
    expect(specHash({ ...a, file: '/elsewhere/example.yaml' })).toBe(specHash(a));
    expect(specHash({ ...a, budget: { ...a.budget, monthlyUsd: 1 } })).not.toBe(specHash(a));
    expect(specHash(a)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(planTeam(a).aws?.specHash).toBe(specHash(a));
  });
});

describe('A24: planned vCPUs per quota class fit the declared quotas', () => {
  const fleet = (nodes: number, market = 'spot', base = 0) =>
    `aws:\n  region: us-east-1\n  quotas:\n    p: { spot: 192, onDemand: 96 }\n  fleets:\n    - name: dist\n      accelerator: a100-40gb\n      count: 8\n` +
    `      nodes: ${nodes}\n      market: ${market}\n      onDemandBase: ${base}\n`;

  it('fits: 2 spot p4d.24xlarge are 192 spot vCPUs', () => {
    expect(problems(fleet(2))).toEqual([]);
  });

  it('over on spot, with each contributor and the quota code in the fix', () => {
    const found = problems(fleet(3));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('aws.quotas.p.spot: the team needs 288 spot vCPUs of P instances at full size (fleet dist 3 x 96: 288), more than the 192 it declares');
    expect(found[0]).toContain('L-7212CCBC');
  });

  it('a mixed fleet counts its base on demand and the rest as spot', () => {
    expect(problems(fleet(3, 'mixed', 1))).toEqual([]);
    expect(problems(fleet(4, 'mixed', 2)).join('\n')).toMatch(/aws\.quotas\.p\.onDemand: the team needs 192 on-demand vCPUs/);
  });

  it('sums fleets, sweep groups and the dev box of one class; undeclared classes are not checked', () => {
    const yaml =
      'aws:\n  region: us-east-1\n  quotas:\n    g: { spot: 64, onDemand: 4 }\n  fleets:\n    - name: train\n      accelerator: t4\n' +
      '  sweeps:\n    - name: hpo\n      accelerator: t4\n      maxVCpus: 60\n      imageTag: v1\n  devBox:\n    accelerator: t4\n' +
      '    instanceType: g4dn.2xlarge\n';
    const found = problems(yaml);
    expect(found.join('\n')).toContain('aws.quotas.g.spot: the team needs 76 spot vCPUs of G and VT instances at full size (fleet train 1 x 16: 16; sweep group hpo maxVCpus: 60)');
    expect(found.join('\n')).toContain('aws.quotas.g.onDemand: the team needs 8 on-demand vCPUs');
    expect(problems(yaml.replace('  quotas:\n    g: { spot: 64, onDemand: 4 }\n', ''))).toEqual([]);
  });
});
