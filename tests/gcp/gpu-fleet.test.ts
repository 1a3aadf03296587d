/** GPU fleets on GCP: the instance template and the regional MIG at zero (G1-G6, X4, multi-node). */
import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { GROUP_IGNORED_CHANGES, GpuFleet, type GpuFleetArgs } from '../../constructs/gcp/gpu-fleet.js';
import {
  CLOUD_PLATFORM_SCOPE,
  HOST_SCOPES,
  NATIVE_DEADLINE_GRACE_SECONDS,
  guestAcceleratorsFor,
  hostImage,
  hostScheduling,
  shieldedConfig,
} from '../../constructs/gcp/host.js';
import { checkGraph } from '../../stacks/gcp/rules.js';
import { recordProgram, type RecordedGraph, type RecordedResource } from '../../stacks/gcp/record.js';
import { emptyImageLock, type ImageLock } from '../../spec/images.js';

/** The team labels the team provider applies (the rules read them). */
const TEAM_LABELS = { team: 'vision', 'cost-center': 'vision', 'managed-by': 'gpu-burst' };

const SPEC_HASH = `sha256:${'ab'.repeat(32)}`;

const L4: GpuFleetArgs = {
  team: 'vision',
  fleetName: 'train',
  region: 'us-central1',
  zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'],
  machineType: 'g2-standard-8',
  gpus: { acceleratorType: 'nvidia-l4', count: 1, attached: false },
  nodes: 1,
  market: 'spot',
  rootVolumeGiB: 200,
  image: hostImage({ cloud: 'gcp', kind: 'dlvm-cuda' }),
  idleMinutes: 30,
  ttlHours: 12,
  subnetwork: 'projects/vision-ml-1/regions/us-central1/subnetworks/vision-burst',
  network: 'projects/vision-ml-1/global/networks/vision-burst',
  serviceAccountEmail: 'vision-burst@vision-ml-1.iam.gserviceaccount.com',
  artifactBucket: 'vision-artifacts-bucket',
  agent: { specHash: SPEC_HASH },
  labels: { team: 'vision' },
};

/** Options each child was registered with (mocks see inputs only; a transformation sees options). */
interface Captured {
  readonly options: Map<string, pulumi.CustomResourceOptions>;
  readonly graph: RecordedGraph;
}

async function record(args: GpuFleetArgs): Promise<Captured> {
  const options = new Map<string, pulumi.CustomResourceOptions>();
  const graph = await recordProgram(args.team, () => {
    const provider = new gcp.Provider('team', { project: 'vision-ml-1', region: args.region, defaultLabels: TEAM_LABELS });
    const fleet = new GpuFleet(`${args.team}-${args.fleetName}`, args, {
      provider,
      transformations: [
        (t) => {
          options.set(`${t.type}::${t.name}`, t.opts as pulumi.CustomResourceOptions);
          return undefined;
        },
      ],
    });
    return { group: fleet.groupName };
  });
  return { options, graph };
}

function only(graph: RecordedGraph, type: string): RecordedResource {
  const found = graph.resources.filter((r) => r.type === type);
  expect(found, type).toHaveLength(1);
  return found[0] as RecordedResource;
}

/** The agent configuration file the startup script writes. */
function agentConfigOf(script: string): Record<string, unknown> {
  const match = /<<'GPU_BURST_CONFIG'\n([\s\S]*?)\nGPU_BURST_CONFIG/.exec(script);
  if (!match?.[1]) throw new Error('no agent configuration in the startup script');
  return JSON.parse(match[1]) as Record<string, unknown>;
}

let single: Captured;
let template: RecordedResource;
let group: RecordedResource;

beforeAll(async () => {
  single = await record(L4);
  template = only(single.graph, 'gcp:compute/instanceTemplate:InstanceTemplate');
  group = only(single.graph, 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager');
});

describe('GpuFleet (single node, spot)', () => {
  it('builds a template and a regional group named <team>-<fleet>, and nothing else', () => {
    expect(single.graph.resources.map((r) => `${r.type} ${r.name}`)).toEqual([
      'pulumi:providers:gcp team',
      'gpu-burst:gcp:GpuFleet vision-train',
      'gcp:compute/instanceTemplate:InstanceTemplate vision-train',
      'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager vision-train',
    ]);
    expect(template.inputs).toMatchObject({ namePrefix: 'vision-train-', machineType: 'g2-standard-8' });
    expect(group.inputs).toMatchObject({
      name: 'vision-train',
      region: 'us-central1',
      baseInstanceName: 'vision-train',
      versions: [{ name: 'primary', instanceTemplate: 'vision-train-id' }],
    });
  });

  it('passes every GCP rule (G1-G9, labels, X4)', () => {
    expect(checkGraph(single.graph.resources)).toEqual([]);
  });

  it('X4: the group rests at 0 and a deploy never resets its size (ignoreChanges targetSize)', () => {
    expect(group.inputs['targetSize']).toBe(0);
    const opts = single.options.get('gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager::vision-train');
    expect(opts?.ignoreChanges).toEqual(['targetSize']);
    expect(GROUP_IGNORED_CHANGES).toEqual(['targetSize']);
    expect(opts?.deleteBeforeReplace).toBe(true);
  });

  it('a template change never touches running nodes: opportunistic updates, no zone rebalancing', () => {
    expect(group.inputs['updatePolicy']).toEqual({
      type: 'OPPORTUNISTIC',
      minimalAction: 'REFRESH',
      instanceRedistributionType: 'NONE',
      maxSurgeFixed: 0,
      maxUnavailableFixed: 3,
      replacementMethod: 'SUBSTITUTE',
    });
    expect(group.inputs['instanceLifecyclePolicy']).toEqual({ defaultActionOnFailure: 'REPAIR', forceUpdateOnRepair: 'NO' });
    expect(group.inputs['waitForInstances']).toBe(false);
  });

  it('spreads a single-node fleet over every team zone, wherever spot capacity is (shape ANY)', () => {
    expect(group.inputs['distributionPolicyZones']).toEqual(['us-central1-a', 'us-central1-b', 'us-central1-c']);
    expect(group.inputs['distributionPolicyTargetShape']).toBe('ANY');
  });

  it('G1: nodes run as the team service account with minimal scopes, never cloud-platform', () => {
    expect(template.inputs['serviceAccount']).toEqual({ email: L4.serviceAccountEmail, scopes: [...HOST_SCOPES] });
    expect(HOST_SCOPES).not.toContain(CLOUD_PLATFORM_SCOPE);
    expect(String(L4.serviceAccountEmail)).not.toMatch(/-compute@developer\.gserviceaccount\.com$/);
  });

  it('G2: one interface on the team subnet with no accessConfigs (no external IP)', () => {
    const nics = template.inputs['networkInterfaces'] as Record<string, unknown>[];
    expect(nics).toEqual([{ subnetwork: L4.subnetwork, stackType: 'IPV4_ONLY', nicType: 'GVNIC' }]);
    for (const nic of nics) {
      expect(nic['accessConfigs']).toBeUndefined();
      expect(nic['ipv6AccessConfigs']).toBeUndefined();
    }
  });

  it('G3: OS Login on and project-wide SSH keys blocked', () => {
    expect(template.inputs['metadata']).toMatchObject({ 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE' });
  });

  it('G4: vTPM and integrity monitoring on; Secure Boot off (DLVM NVIDIA modules are not signed for it)', () => {
    expect(template.inputs['shieldedInstanceConfig']).toEqual({ enableVtpm: true, enableIntegrityMonitoring: true, enableSecureBoot: false });
    expect(shieldedConfig(true).enableSecureBoot).toBe(true);
  });

  it('G5: spot, no automatic restart, terminate on maintenance, delete at a native deadline after the TTL', () => {
    expect(template.inputs['scheduling']).toEqual({
      provisioningModel: 'SPOT',
      preemptible: true,
      automaticRestart: false,
      onHostMaintenance: 'TERMINATE',
      instanceTerminationAction: 'DELETE',
      maxRunDuration: { seconds: 12 * 3600 + NATIVE_DEADLINE_GRACE_SECONDS },
    });
  });

  it('G5: on demand keeps the native deadline and the termination action; a CPU host may migrate', () => {
    expect(hostScheduling('on-demand', 2)).toEqual({
      provisioningModel: 'STANDARD',
      preemptible: false,
      automaticRestart: false,
      onHostMaintenance: 'TERMINATE',
      instanceTerminationAction: 'DELETE',
      maxRunDuration: { seconds: 7200 + NATIVE_DEADLINE_GRACE_SECONDS },
    });
    expect(hostScheduling('on-demand', 2, { gpu: false, terminationAction: 'STOP' })).toMatchObject({
      onHostMaintenance: 'MIGRATE',
      instanceTerminationAction: 'STOP',
    });
    expect(hostScheduling('spot', 2, { gpu: false }).onHostMaintenance).toBe('TERMINATE');
    expect(() => hostScheduling('spot', 24 * 121)).toThrow(/120 days/);
    expect(() => hostScheduling('spot', 0)).toThrow(/ttlHours/);
  });

  it('G6: the boot disk is deleted with the node and boots the DLVM family, or the pinned image', () => {
    expect(template.inputs['disks']).toEqual([
      {
        boot: true,
        autoDelete: true,
        sourceImage: 'projects/deeplearning-platform-release/global/images/family/common-cu129-ubuntu-2204-nvidia-580',
        diskSizeGb: 200,
        diskType: 'pd-balanced',
        labels: expect.objectContaining({ 'gpu-burst-role': 'fleet', team: 'vision' }),
      },
    ]);
    const selfLink = 'https://www.googleapis.com/compute/v1/projects/deeplearning-platform-release/global/images/common-cu129-v20261101';
    const lock: ImageLock = {
      ...emptyImageLock(),
      gcp: {
        'dlvm-cuda': {
          image: 'common-cu129-v20261101',
          project: 'deeplearning-platform-release',
          selfLink,
          alias: 'projects/deeplearning-platform-release/global/images/family/common-cu129-ubuntu-2204-nvidia-580',
          resolvedAt: '2026-11-01',
        },
      },
    };
    expect(hostImage({ cloud: 'gcp', kind: 'dlvm-cuda' }, lock)).toBe(selfLink);
  });

  it('guestAccelerators only for attached (N1) GPUs; machine types with their own GPUs list none', () => {
    expect(template.inputs['guestAccelerators']).toEqual([]);
    expect(guestAcceleratorsFor({ acceleratorType: 'nvidia-tesla-t4', count: 2, attached: true })).toEqual([{ type: 'nvidia-tesla-t4', count: 2 }]);
    expect(guestAcceleratorsFor({ count: 0, attached: false })).toEqual([]);
  });

  it('labels and tags: role, fleet, TTL and idle minutes; the team network tag for IAP SSH', () => {
    expect(template.inputs['labels']).toEqual({
      team: 'vision',
      'gpu-burst-role': 'fleet',
      'gpu-burst-fleet': 'train',
      'gpu-burst-ttl-minutes': '720',
      'gpu-burst-idle-minutes': '30',
    });
    expect(template.inputs['tags']).toEqual(['gpu-burst-vision']);
  });

  it('the startup script installs the agent as a MIG member with the fleet idle window and TTL', () => {
    const script = (template.inputs['metadata'] as Record<string, string>)['startup-script'] ?? '';
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(script).toContain('systemctl enable --now gpu-burst-agent.service');
    expect(agentConfigOf(script)).toMatchObject({
      cloud: 'gcp',
      launchKind: 'mig',
      team: 'vision',
      artifactPrefix: 'gs://vision-artifacts-bucket/teams/vision/',
      gpu: true,
      idleWindowSeconds: 30 * 60,
      ttlSeconds: 12 * 3600,
      tpu: null,
      jupyter: null,
      trainer: expect.objectContaining({ command: null }),
      manifest: expect.objectContaining({ specHash: SPEC_HASH }),
    });
    expect(Buffer.byteLength(script)).toBeLessThan(256 * 1024);
  });
});

describe('GpuFleet (multi-node, N1, on demand)', () => {
  let multi: Captured;

  beforeAll(async () => {
    multi = await record({
      ...L4,
      fleetName: 'big',
      zones: ['us-central1-a'],
      machineType: 'n1-standard-16',
      gpus: { acceleratorType: 'nvidia-tesla-t4', count: 2, attached: true },
      nodes: 4,
      market: 'on-demand',
      command: ['python', 'train.py'],
    });
  });

  it('passes every GCP rule, the peer firewall rule included (G2)', () => {
    expect(checkGraph(multi.graph.resources)).toEqual([]);
  });

  it('one zone, shape ANY_SINGLE_ZONE and a compact placement policy attached to the template', () => {
    const policy = only(multi.graph, 'gcp:compute/resourcePolicy:ResourcePolicy');
    expect(policy.inputs).toMatchObject({ name: 'vision-big-compact', region: 'us-central1', groupPlacementPolicy: { collocation: 'COLLOCATED' } });
    expect((policy.inputs['groupPlacementPolicy'] as Record<string, unknown>)['vmCount']).toBeUndefined();
    const t = only(multi.graph, 'gcp:compute/instanceTemplate:InstanceTemplate');
    expect(t.inputs['resourcePolicies']).toBe('vision-big-compact');
    const g = only(multi.graph, 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager');
    expect(g.inputs).toMatchObject({ distributionPolicyZones: ['us-central1-a'], distributionPolicyTargetShape: 'ANY_SINGLE_ZONE', targetSize: 0 });
  });

  it('nodes reach each other on every port, and nothing else reaches them', () => {
    const rule = only(multi.graph, 'gcp:compute/firewall:Firewall');
    expect(rule.inputs).toMatchObject({
      direction: 'INGRESS',
      network: L4.network,
      sourceTags: ['gpu-burst-vision-big'],
      targetTags: ['gpu-burst-vision-big'],
      allows: [{ protocol: 'all' }],
    });
    expect(rule.inputs['sourceRanges']).toBeUndefined();
    const t = only(multi.graph, 'gcp:compute/instanceTemplate:InstanceTemplate');
    expect(t.inputs['tags']).toEqual(['gpu-burst-vision', 'gpu-burst-vision-big']);
  });

  it('N1 attaches its GPUs; on demand is STANDARD with the native deadline; no gVNIC needed', () => {
    const t = only(multi.graph, 'gcp:compute/instanceTemplate:InstanceTemplate');
    expect(t.inputs['guestAccelerators']).toEqual([{ type: 'nvidia-tesla-t4', count: 2 }]);
    expect(t.inputs['scheduling']).toMatchObject({ provisioningModel: 'STANDARD', preemptible: false, onHostMaintenance: 'TERMINATE', instanceTerminationAction: 'DELETE' });
    expect(t.inputs['networkInterfaces']).toEqual([{ subnetwork: L4.subnetwork, stackType: 'IPV4_ONLY' }]);
  });

  it('the agent runs the training command (job-exit mode)', () => {
    const t = only(multi.graph, 'gcp:compute/instanceTemplate:InstanceTemplate');
    const script = (t.inputs['metadata'] as Record<string, string>)['startup-script'] ?? '';
    expect(agentConfigOf(script)).toMatchObject({ launchKind: 'mig', trainer: expect.objectContaining({ command: ['python', 'train.py'] }) });
  });
});

describe('GpuFleet validation', () => {
  it('reports every problem at once, naming the fleet', () => {
    expect(
      () =>
        new GpuFleet('vision-big', {
          ...L4,
          fleetName: 'big',
          nodes: 2,
          zones: ['us-central1-a', 'europe-west4-a'],
          gpus: { acceleratorType: 'nvidia-l4', count: 1, attached: true },
          ttlHours: 0.25,
        }),
    ).toThrow(
      /GpuFleet vision-big: zone 'europe-west4-a' is not in region us-central1; a multi-node fleet uses one zone \(compact placement\), got 2; gpus.attached is true but g2-standard-8 fixes its own GPUs; ttlHours \(0.25\) must be longer than the idle window \(30 min\)/,
    );
  });
});
