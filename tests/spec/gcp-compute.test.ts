/**
 * The `gcp:` section's compute, resolved: what each fleet, TPU node, sweep group and dev box becomes
 * (machine types, guest accelerators, zones, runtimes), and the quota rule (G10) as a unit.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTpuType, gcpDevBoxType, gpuMachineTypeFor, tpuZoneFor, zonesOffering } from '../../spec/gcp-compute.js';
import { loadTeamFile, parseTeamFile } from '../../spec/load.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { planTeam, type GcpPlanItem } from '../../spec/plan.js';
import { formatProblem } from '../../spec/problems.js';
import { exampleSpec } from '../helpers.js';

function item<K extends GcpPlanItem['kind']>(items: readonly GcpPlanItem[], kind: K, name?: string): Extract<GcpPlanItem, { kind: K }> {
  const found = items.find((i) => i.kind === kind && (name === undefined || i.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found as Extract<GcpPlanItem, { kind: K }>;
}

function problems(yaml: string): string[] {
  return parseTeamFile('teams/quota.yaml', yaml).problems.map(formatProblem);
}

const HEAD = 'gcp:\n  project: acme-ml-training\n  region: us-central1\n';

describe('the example team on GCP', () => {
  const items = planTeam(exampleSpec()).gcp!.items;

  it('a spot L4 fleet on the cheapest G2 type over the team zones that offer L4', () => {
    expect(item(items, 'gpuFleet', 'gtrain')).toMatchObject({
      machineType: 'g2-standard-4',
      acceleratorType: 'nvidia-l4',
      attached: false,
      market: 'spot',
      nodes: 1,
      multiNode: false,
      zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'],
      image: { cloud: 'gcp', kind: 'dlvm-cuda' },
    });
  });

  it('a spot v5e TPU node in the first team zone that offers it, with the v5e runtime', () => {
    expect(item(items, 'tpuNode', 'tpu')).toMatchObject({
      acceleratorType: 'v5litepod-8',
      chips: 8,
      hosts: 1,
      runtimeVersion: 'v2-alpha-tpuv5-lite',
      zone: 'us-central1-a',
      spot: true,
    });
  });

  it('a T4 sweep group on N1 with attached GPUs, and a CPU dev box on n2-standard-4', () => {
    expect(item(items, 'sweepGroup')).toMatchObject({ machineType: 'n1-standard-8', acceleratorType: 'nvidia-tesla-t4', attached: true, parallelism: 8 });
    expect(item(items, 'devBox')).toMatchObject({ machineType: 'n2-standard-4', gpu: false, count: 0, zone: 'us-central1-a', idleMinutes: 60 });
  });

  it('no budget without a billing account; the backstop always', () => {
    expect(items.some((i) => i.kind === 'budget')).toBe(false);
    expect(item(items, 'autoShutdown').everyMinutes).toBe(15);
  });
});

describe('a team using every GCP feature', () => {
  const items = planTeam(loadTeamFile(join(PROJECT_ROOT, 'tests', 'fixtures', 'teams', 'research.yaml'))).gcp!.items;

  it('multi-node fleet in one zone, on demand; a fleet with an explicit N1 type', () => {
    expect(item(items, 'gpuFleet', 'gdist')).toMatchObject({ machineType: 'a2-highgpu-8g', nodes: 2, multiNode: true, zones: ['us-central1-a'], market: 'on-demand' });
    expect(item(items, 'gpuFleet', 'gsmall')).toMatchObject({ machineType: 'n1-standard-8', attached: true });
  });

  it('a multi-host on-demand TPU slice; a GPU dev box in its own zone; a budget on the billing account', () => {
    expect(item(items, 'tpuNode')).toMatchObject({ acceleratorType: 'v5litepod-16', hosts: 4, spot: false, ttlHours: 6 });
    expect(item(items, 'devBox')).toMatchObject({ gpu: true, acceleratorType: 'nvidia-l4', zone: 'us-central1-b' });
    expect(item(items, 'budget')).toMatchObject({ billingAccount: '012345-6789AB-CDEF01', monthlyUsd: 50000, thresholdsPercent: [50, 80, 100] });
  });
});

describe('resolution helpers', () => {
  it('machine types, TPU zones and GPU zones', () => {
    expect(gpuMachineTypeFor('us-central1', { accelerator: 'l4', count: 1, machineType: 'g2-standard-8' })?.machineType).toBe('g2-standard-8');
    expect(gpuMachineTypeFor('us-central1', { accelerator: 'l4', count: 1, machineType: 'a2-highgpu-1g' })).toBeUndefined();
    const v5e = findTpuType('v5litepod-8')!;
    expect(tpuZoneFor(v5e, 'us-central1', ['us-central1-b', 'us-central1-a'])).toBe('us-central1-a');
    expect(tpuZoneFor(v5e, 'us-east4', ['us-east4-a'])).toBeUndefined();
    const h200 = gpuMachineTypeFor('us-central1', { accelerator: 'h200', count: 8 });
    expect(zonesOffering(h200, ['us-central1-a', 'us-central1-b'])).toEqual(h200?.zones?.includes('us-central1-a') ? ['us-central1-a', 'us-central1-b'] : ['us-central1-b']);
    expect(gcpDevBoxType('us-central1', { count: 1 })?.machineType).toBe('n2-standard-4');
  });
});

describe('G10: planned GPUs and TPU chips fit the declared quotas', () => {
  it('fits: 2 spot L4 nodes and a 4-wide spot sweep need 6 spot L4 GPUs', () => {
    const yaml = `${HEAD}  quotas:\n    gpus: { l4: { spot: 6 } }\n  fleets:\n    - { name: train, accelerator: l4, nodes: 2 }\n  sweeps:\n    - { name: hpo, accelerator: l4, parallelism: 4, imageTag: v1 }\n`;
    expect(problems(yaml)).toEqual([]);
  });

  it('over: every contributor and where to ask for more', () => {
    const yaml = `${HEAD}  quotas:\n    gpus: { l4: { spot: 5 } }\n  fleets:\n    - { name: train, accelerator: l4, nodes: 2 }\n  sweeps:\n    - { name: hpo, accelerator: l4, parallelism: 4, imageTag: v1 }\n`;
    expect(problems(yaml).join('\n')).toContain(
      'gcp.quotas.gpus.l4.spot: the team needs 6 spot l4 GPUs at full size (fleet train 2 x 1: 2; sweep group hpo 4 x 1: 4), more than the 5 it declares',
    );
  });

  it('on-demand fleets and the dev box count on demand; TPU slices count chips by market; undeclared kinds are not checked', () => {
    const yaml =
      `${HEAD}  quotas:\n    gpus: { l4: { onDemand: 1 } }\n    tpuChips: { tpu-v5e: { onDemand: 8 } }\n  fleets:\n    - { name: train, accelerator: l4, market: on-demand }\n` +
      `  devBox: { accelerator: l4 }\n  tpus:\n    - { name: pod, type: v5litepod-16, spot: false }\n`;
    const found = problems(yaml).join('\n');
    expect(found).toContain('gcp.quotas.gpus.l4.onDemand: the team needs 2 on-demand l4 GPUs');
    expect(found).toContain('gcp.quotas.tpuChips.tpu-v5e.onDemand: the team needs 16 on-demand tpu-v5e chips');
    expect(problems(yaml.replace(/  quotas:\n.*\n.*\n/, ''))).toEqual([]);
  });

  it('a GCP budget notifies at most 5 addresses', () => {
    const six = [1, 2, 3, 4, 5, 6].map((i) => `a${i}@example.com`).join(', ');
    expect(problems(`budget:\n  emails: [${six}]\n${HEAD}  billingAccount: 012345-6789AB-CDEF01\n`).join('\n')).toContain(
      'budget.emails: has 6 addresses; a GCP budget (gcp.billingAccount is set) notifies at most 5',
    );
  });
});
