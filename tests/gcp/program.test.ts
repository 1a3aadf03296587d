/**
 * The GCP program for the example team and for a team using every GCP feature, under recording
 * mocks (G1–G9, labels, X1, X3, X4 on whole graphs; the component tests go deeper).
 */
import { join } from 'node:path';
import { loadTeamFile } from '../../spec/load.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { retainedDataOptions } from '../../constructs/gcp/retain.js';
import { gcpProgram } from '../../stacks/gcp/program.js';
import { recordProgram, type RecordedGraph, type RecordedResource } from '../../stacks/gcp/record.js';
import { DATA_RESOURCE_TYPES, checkGraph } from '../../stacks/gcp/rules.js';
import { teamPrefix } from '../../spec/layout.js';
import { planTeam } from '../../spec/plan.js';
import { examplePlan, sanitizeGraph, specFromYaml } from '../helpers.js';

let graph: RecordedGraph;
let research: RecordedGraph;

function byType(type: string): RecordedResource[] {
  return graph.resources.filter((r) => r.type === type);
}

function only(type: string): RecordedResource {
  const found = byType(type);
  expect(found, type).toHaveLength(1);
  return found[0] as RecordedResource;
}

beforeAll(async () => {
  const plan = examplePlan().gcp;
  if (!plan) throw new Error('example has no gcp section');
  graph = await recordProgram('example', () => gcpProgram(plan));
  const full = planTeam(loadTeamFile(join(PROJECT_ROOT, 'tests', 'fixtures', 'teams', 'research.yaml'))).gcp;
  if (!full) throw new Error('research has no gcp section');
  research = await recordProgram('research', () => gcpProgram(full));
});

describe('GCP program', () => {
  it('builds storage, the network, the team identity and every compute component through one team provider', () => {
    const components = graph.resources.filter((r) => !r.custom).map((r) => `${r.type} ${r.name}`);
    expect(components).toEqual([
      'pulumi:providers:gcp example-gcp',
      'gpu-burst:gcp:ArtifactStore example-artifacts',
      'gpu-burst:gcp:ImageRepository example-training-images',
      'gpu-burst:gcp:BurstNetwork example-burst',
      'gpu-burst:gcp:TeamIdentity example-hosts',
      'gpu-burst:gcp:GpuFleet example-gtrain',
      'gpu-burst:gcp:TpuNode example-tpu',
      'gpu-burst:gcp:SweepGroup example-gsweep',
      'gpu-burst:gcp:DevBox example-devbox',
      'gpu-burst:gcp:AutoShutdown example-auto-shutdown',
    ].filter((c) => !c.startsWith('pulumi:providers')));
    expect(only('pulumi:providers:gcp').inputs).toMatchObject({ project: 'example-ml-project', region: 'us-central1' });
  });

  it('G1–G9, labels, X4: the example and the every-feature team pass every GCP rule', () => {
    expect(checkGraph(graph.resources)).toEqual([]);
    expect(checkGraph(research.resources)).toEqual([]);
  });

  it('X4: at rest groups are at 0, the dev box is TERMINATED, no TPU, NAT, router or address exists', () => {
    for (const g of [graph, research]) {
      for (const mig of g.resources.filter((r) => r.type === 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager')) {
        expect(mig.inputs['targetSize'], mig.name).toBe(0);
      }
      for (const vm of g.resources.filter((r) => r.type === 'gcp:compute/instance:Instance')) expect(vm.inputs['desiredStatus']).toBe('TERMINATED');
      for (const type of ['gcp:compute/routerNat:RouterNat', 'gcp:compute/router:Router', 'gcp:compute/address:Address', 'gcp:tpu/v2QueuedResource:V2QueuedResource', 'gcp:tpu/v2Vm:V2Vm']) {
        expect(g.resources.filter((r) => r.type === type), type).toEqual([]);
      }
    }
  });

  it('TPU nodes are recorded as the queued-resource request burst start sends, marked as created by it', () => {
    const tpu = graph.resources.find((r) => r.type === 'gpu-burst:gcp:TpuNode');
    expect(tpu?.inputs).toMatchObject({ createdBy: 'burst start', queuedResourceId: 'example-tpu', zone: 'us-central1-a', acceleratorType: 'v5litepod-8' });
    const pod = research.resources.find((r) => r.type === 'gpu-burst:gcp:TpuNode');
    expect(pod?.inputs).toMatchObject({ acceleratorType: 'v5litepod-16', hosts: 4 });
  });

  it('multi-node: a compact placement policy and one zone; the budget exists only with a billing account', () => {
    expect(research.resources.filter((r) => r.type === 'gcp:compute/resourcePolicy:ResourcePolicy')).toHaveLength(1);
    const dist = research.resources.find((r) => r.type === 'gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager' && r.name.includes('gdist'));
    expect(dist?.inputs['distributionPolicyZones']).toEqual(['us-central1-a']);
    expect(graph.resources.filter((r) => r.type === 'gcp:billing/budget:Budget')).toEqual([]);
    expect(research.resources.filter((r) => r.type === 'gcp:billing/budget:Budget')).toHaveLength(1);
  });

  it('G7: the artifact bucket is uniform, private, versioned, soft-deleting and never force-destroyed', () => {
    expect(only('gcp:storage/bucket:Bucket').inputs).toMatchObject({
      location: 'US-CENTRAL1',
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      softDeletePolicy: { retentionDurationSeconds: 7 * 86_400 },
      forceDestroy: false,
    });
  });

  it('lifecycle: expires noncurrent versions and aborts incomplete uploads per the team file', () => {
    expect(only('gcp:storage/bucket:Bucket').inputs['lifecycleRules']).toEqual([
      { action: { type: 'Delete' }, condition: { daysSinceNoncurrentTime: 30, withState: 'ARCHIVED' } },
      { action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 7 } },
    ]);
  });

  it('G8/X3: data resources are protected, retained on delete and abandoned by the provider; burst resources are not', () => {
    for (const r of graph.resources.filter((x) => DATA_RESOURCE_TYPES.includes(x.type))) {
      expect([r.name, r.protect, r.retainOnDelete, r.inputs['deletionPolicy']]).toEqual([r.name, true, true, 'ABANDON']);
    }
    expect(graph.resources.filter((r) => r.protect).map((r) => r.type).sort()).toEqual([...DATA_RESOURCE_TYPES].sort());
    for (const r of [...byType('gcp:compute/network:Network'), ...byType('gcp:compute/subnetwork:Subnetwork')]) {
      expect(r.protect, r.name).toBe(false);
    }
  });

  it('G8 as a function: retainedDataOptions sets protect and retainOnDelete and keeps other options', () => {
    expect(retainedDataOptions({ parent: undefined, dependsOn: [] })).toEqual({ parent: undefined, dependsOn: [], protect: true, retainOnDelete: true });
    expect(retainedDataOptions({})).toEqual({ protect: true, retainOnDelete: true });
  });

  it('labels: the provider labels every resource with team, cost-center and managed-by', () => {
    const provider = only('pulumi:providers:gcp');
    expect(JSON.parse(provider.inputs['defaultLabels'] as string)).toEqual({
      project: 'example',
      team: 'example',
      'cost-center': 'ml-research',
      'managed-by': 'gpu-burst',
    });
    for (const r of graph.resources.filter((x) => x.custom && x !== provider)) {
      expect(r.provider, r.name).toMatch(/::example-gcp::/);
    }
  });

  it('the image repository has immutable tags and expires untagged images', () => {
    expect(only('gcp:artifactregistry/repository:Repository').inputs).toMatchObject({
      repositoryId: 'example-training-images',
      format: 'DOCKER',
      location: 'us-central1',
      dockerConfig: { immutableTags: true },
      cleanupPolicyDryRun: false,
      cleanupPolicies: [{ id: 'delete-untagged', action: 'DELETE', condition: { tagState: 'UNTAGGED', olderThan: `${14 * 86_400}s` } }],
    });
  });

  it('the burst network is custom-mode with Private Google Access, no NAT or router, and only IAP SSH ingress (G2)', () => {
    expect(only('gcp:compute/network:Network').inputs).toMatchObject({ autoCreateSubnetworks: false, name: 'example-burst' });
    expect(only('gcp:compute/subnetwork:Subnetwork').inputs).toMatchObject({
      ipCidrRange: '10.65.0.0/20',
      region: 'us-central1',
      privateIpGoogleAccess: true,
    });
    for (const type of ['gcp:compute/router:Router', 'gcp:compute/routerNat:RouterNat']) expect(byType(type), type).toEqual([]);
    expect(only('gcp:compute/firewall:Firewall').inputs).toMatchObject({
      direction: 'INGRESS',
      sourceRanges: ['35.235.240.0/20'],
      targetTags: ['gpu-burst-example'],
      allows: [{ protocol: 'tcp', ports: ['22'] }],
    });
  });

  it('X1: the stack outputs gs://<bucket>/teams/<team>/, the same layout as on AWS', () => {
    expect(graph.outputs['artifactUrl']).toBe(`gs://example-artifacts/${teamPrefix('example')}`);
  });

  it('a team file setting reaches the graph: location, soft delete and retention', async () => {
    const spec = specFromYaml(
      'vision',
      'storage:\n  noncurrentVersionDays: 60\ngcp:\n  project: vision-ml-1\n  region: europe-west4\n  storage:\n    location: EU\n    softDeleteDays: 30\n',
    );
    const plan = planTeam(spec).gcp;
    if (!plan) throw new Error('no gcp plan');
    const other = await recordProgram('vision', () => gcpProgram(plan));
    const bucket = other.resources.find((r) => r.type === 'gcp:storage/bucket:Bucket');
    expect(bucket?.name).toBe('vision-artifacts');
    expect(bucket?.inputs).toMatchObject({ location: 'EU', softDeletePolicy: { retentionDurationSeconds: 30 * 86_400 } });
    expect((bucket?.inputs['lifecycleRules'] as unknown[])[0]).toMatchObject({ condition: { daysSinceNoncurrentTime: 60 } });
    // A second team in one process: nothing of the first leaks into its graph.
    expect(other.resources.every((r) => !r.name.startsWith('example'))).toBe(true);
  });

  it('snapshot of the recorded graph', async () => {
    await expect(sanitizeGraph(graph)).toMatchFileSnapshot('__snapshots__/example.graph.json');
  });

  it('snapshot of the every-feature team graph', async () => {
    await expect(sanitizeGraph(research)).toMatchFileSnapshot('__snapshots__/research.graph.json');
  });
});
