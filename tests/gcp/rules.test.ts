/** G1–G9, X4 and the team labels as rules over the recorded graph; G11: every rule has a passing, a failing and a not-applicable case. */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import { gcpProgram } from '../../stacks/gcp/program.js';
import { recordProgram, type RecordedResource } from '../../stacks/gcp/record.js';
import {
  G1,
  G2,
  G3,
  G4,
  G5,
  G6,
  G7,
  G8,
  G9,
  G9_ROLES,
  G9_SCOPE,
  GCP_RULES,
  HOST_TYPES,
  IAP_SOURCE_RANGE,
  LABELS,
  X4,
  checkGraph,
  type GcpRule,
} from '../../stacks/gcp/rules.js';
import { ArtifactStore } from '../../constructs/gcp/artifact-store.js';
import { BurstNetwork } from '../../constructs/gcp/burst-network.js';
import { DevBox } from '../../constructs/gcp/dev-box.js';
import { GpuFleet } from '../../constructs/gcp/gpu-fleet.js';
import { SweepGroup } from '../../constructs/gcp/sweep-group.js';
import { TeamIdentity } from '../../constructs/gcp/team-identity.js';
import { tpuQueuedResourceRequest } from '../../constructs/gcp/tpu-node.js';
import type { GcpTpuNodeItem } from '../../spec/plan.js';
import { examplePlan } from '../helpers.js';

function resource(type: string, inputs: Record<string, unknown>, extra: Partial<RecordedResource> = {}): RecordedResource {
  return { type, name: 'r', inputs, custom: true, protect: false, retainOnDelete: false, ...extra };
}

/** How the recorder keeps a value another resource computes (e.g. a mocked service account's email). */
const UNKNOWN = { __pulumiUnknown: true };

const provider = resource('pulumi:providers:gcp', {
  defaultLabels: JSON.stringify({ team: 't', 'cost-center': 'c', 'managed-by': 'gpu-burst' }),
}, { name: 't-gcp' });
const viaProvider = { provider: 'urn:pulumi:t::gpu-burst::pulumi:providers:gcp::t-gcp::t-gcp-id' };

const teamAccount = resource('gcp:serviceaccount/account:Account', { accountId: 't-burst' }, { name: 't-burst', ...viaProvider });
const goodBucket = resource('gcp:storage/bucket:Bucket', {
  uniformBucketLevelAccess: true,
  publicAccessPrevention: 'enforced',
  forceDestroy: false,
  versioning: { enabled: true },
  softDeletePolicy: { retentionDurationSeconds: 604_800 },
  deletionPolicy: 'ABANDON',
}, { name: 't-artifacts', protect: true, retainOnDelete: true, ...viaProvider });
const network = resource('gcp:compute/network:Network', {}, viaProvider);
const component = resource('gpu-burst:gcp:BurstNetwork', {}, { custom: false });

const SA = { email: 't-burst@p.iam.gserviceaccount.com', scopes: ['https://www.googleapis.com/auth/cloud-platform'] };
const HARDENED = {
  serviceAccount: SA,
  networkInterfaces: [{ subnetwork: 't-burst-id' }],
  metadata: { 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE', 'startup-script': '#!/bin/bash' },
  shieldedInstanceConfig: { enableSecureBoot: false, enableVtpm: true, enableIntegrityMonitoring: true },
};
const SPOT = {
  provisioningModel: 'SPOT',
  preemptible: true,
  automaticRestart: false,
  onHostMaintenance: 'TERMINATE',
  instanceTerminationAction: 'DELETE',
  maxRunDuration: { seconds: 12 * 3600 },
};

/** A fleet's template: spot L4s, every hardening on. */
const fleetTemplate = resource('gcp:compute/regionInstanceTemplate:RegionInstanceTemplate', {
  ...HARDENED,
  machineType: 'g2-standard-8',
  scheduling: SPOT,
  disks: [{ boot: true, autoDelete: true, sourceImage: 'projects/deeplearning-platform-release/global/images/family/x', diskSizeGb: 200 }],
}, { name: 't-train', ...viaProvider });

/** The dev box: on-demand, one attached T4, stopped at rest, its data on a retained disk. */
const devBox = resource('gcp:compute/instance:Instance', {
  ...HARDENED,
  machineType: 'n1-standard-8',
  guestAccelerators: [{ type: 'nvidia-tesla-t4', count: 1 }],
  scheduling: { provisioningModel: 'STANDARD', automaticRestart: true, onHostMaintenance: 'TERMINATE' },
  bootDisk: { autoDelete: true, initializeParams: { size: 100 } },
  attachedDisks: [{ source: 't-devbox-data-id' }],
  desiredStatus: 'TERMINATED',
}, { name: 't-devbox', ...viaProvider });
const dataDisk = resource('gcp:compute/disk:Disk', { size: 200, zone: 'us-central1-a', deletionPolicy: 'ABANDON' }, { name: 't-devbox-data', protect: true, retainOnDelete: true, ...viaProvider });

/** The TpuNode component's recorded request (constructs/gcp/tpu-node.ts), in the TPU API's CreateQueuedResource shape. */
const tpuRequest = resource('gpu-burst:gcp:TpuNode', {
  request: {
    parent: 'projects/p/locations/us-central2-b',
    queuedResourceId: 't-pod',
    queuedResource: {
      tpu: {
        nodeSpec: [{
          parent: 'projects/p/locations/us-central2-b',
          nodeId: 't-pod',
          node: {
            acceleratorType: 'v5litepod-8',
            runtimeVersion: 'v2-alpha-tpuv5-lite',
            networkConfig: { network: 't-burst', subnetwork: 't-burst', enableExternalIps: false },
            serviceAccount: { email: SA.email, scope: SA.scopes },
            labels: { 'gpu-burst-role': 'tpu', 'gpu-burst-ttl-minutes': '720', 'gpu-burst-idle-minutes': '30' },
            metadata: { 'startup-script': '#!/bin/bash', 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE' },
            tags: ['gpu-burst-t'],
          },
        }],
      },
      spot: {},
      queueingPolicy: { validUntilDuration: { seconds: 3600 } },
    },
  },
}, { name: 't-pod', custom: false });

/** The request's one node, replaced by `node` (for failing variants). */
function tpuWithNode(node: Record<string, unknown>): RecordedResource {
  return withInputs(tpuRequest, { request: { queuedResource: { tpu: { nodeSpec: [{ node }] } } } });
}

const iapFirewall = resource('gcp:compute/firewall:Firewall', {
  direction: 'INGRESS',
  allows: [{ protocol: 'tcp', ports: ['22'] }],
  sourceRanges: [IAP_SOURCE_RANGE],
  targetTags: ['gpu-burst-t'],
}, { name: 't-iap-ssh', ...viaProvider });

const prefixCondition = { title: 'team prefix', expression: 'resource.name.startsWith("projects/_/buckets/t-artifacts/objects/teams/t/")' };
const teamGrant = resource('gcp:storage/bucketIAMMember:BucketIAMMember', {
  bucket: 't-artifacts',
  role: 'roles/storage.objectUser',
  member: UNKNOWN,
  condition: prefixCondition,
}, { name: 't-objects', ...viaProvider });

/** G11: one passing, one failing (with the reason it must give) and one not-applicable resource per rule. */
interface Case {
  readonly pass: RecordedResource;
  readonly fail: RecordedResource;
  readonly failReason: RegExp;
  readonly notApplicable: RecordedResource;
}

const CASES: Readonly<Record<string, Case>> = {
  G1: {
    pass: fleetTemplate,
    fail: { ...fleetTemplate, inputs: { ...fleetTemplate.inputs, serviceAccount: { email: '123456789012-compute@developer.gserviceaccount.com', scopes: [] } } },
    failReason: /serviceAccount\.email 123456789012-compute@developer\.gserviceaccount\.com is a default service account/,
    notApplicable: goodBucket,
  },
  G2: {
    pass: iapFirewall,
    fail: { ...iapFirewall, inputs: { ...iapFirewall.inputs, sourceRanges: ['0.0.0.0/0'] } },
    failReason: /sourceRanges allows ingress from 0\.0\.0\.0\/0/,
    notApplicable: goodBucket,
  },
  G3: {
    pass: fleetTemplate,
    fail: { ...fleetTemplate, inputs: { ...fleetTemplate.inputs, metadata: { 'enable-oslogin': 'TRUE' } } },
    failReason: /metadata\.block-project-ssh-keys is not TRUE/,
    notApplicable: network,
  },
  G4: {
    pass: devBox,
    fail: { ...devBox, inputs: { ...devBox.inputs, shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: false } } },
    failReason: /shieldedInstanceConfig\.enableVtpm is not true/,
    notApplicable: tpuRequest,
  },
  G5: {
    pass: fleetTemplate,
    fail: { ...fleetTemplate, inputs: { ...fleetTemplate.inputs, scheduling: { ...SPOT, maxRunDuration: undefined } } },
    failReason: /scheduling\.maxRunDuration is not set/,
    notApplicable: { ...devBox, inputs: { ...devBox.inputs, machineType: 'n2-standard-8', guestAccelerators: [] } },
  },
  G6: {
    pass: dataDisk,
    fail: { ...dataDisk, retainOnDelete: false },
    failReason: /retainOnDelete is not set on a data disk/,
    notApplicable: goodBucket,
  },
  G7: {
    pass: goodBucket,
    fail: resource('gcp:storage/bucket:Bucket', { ...goodBucket.inputs, forceDestroy: true, publicAccessPrevention: 'inherited' }),
    failReason: /forceDestroy is true/,
    notApplicable: network,
  },
  G8: {
    pass: goodBucket,
    fail: { ...goodBucket, protect: false },
    failReason: /protect is not set/,
    notApplicable: network,
  },
  G9: {
    pass: teamGrant,
    fail: { ...teamGrant, inputs: { ...teamGrant.inputs, condition: undefined } },
    failReason: /grants roles\/storage\.objectUser on bucket t-artifacts with no condition naming teams\/t\//,
    notApplicable: network,
  },
  labels: {
    pass: network,
    fail: resource('gcp:compute/network:Network', {}),
    failReason: /no team provider/,
    notApplicable: component,
  },
  X4: {
    pass: devBox,
    fail: { ...devBox, inputs: { ...devBox.inputs, desiredStatus: 'RUNNING' } },
    failReason: /desiredStatus is "RUNNING", not 'TERMINATED'/,
    notApplicable: component,
  },
};

/** Everything a team with every GCP feature records (fleet, dev box and its disk, TPU request, IAP rule, team grant). */
const fullGraph: readonly RecordedResource[] = [provider, teamAccount, goodBucket, network, component, fleetTemplate, devBox, dataDisk, tpuRequest, iapFirewall, teamGrant];

function check(rule: GcpRule, r: RecordedResource, graph: readonly RecordedResource[] = fullGraph) {
  return rule.check(r, graph);
}

function reasonsOf(rule: GcpRule, r: RecordedResource, graph: readonly RecordedResource[] = fullGraph): string {
  const result = rule.check(r, graph);
  expect(result.status, JSON.stringify(result)).toBe('fail');
  return result.reasons.join('; ');
}

function withInputs(r: RecordedResource, inputs: Record<string, unknown>): RecordedResource {
  return { ...r, inputs: { ...r.inputs, ...inputs } };
}

describe('GCP rules', () => {
  it('G11: the case table covers exactly the rules of GCP_RULES, one per id', () => {
    const ids = GCP_RULES.map((r) => r.id);
    expect(new Set(ids).size, 'rule ids are unique').toBe(ids.length);
    expect(Object.keys(CASES).sort()).toEqual([...ids].sort());
  });

  it.each(GCP_RULES.map((rule) => [rule.id, rule] as const))('G11 %s: pass, fail and not-applicable', (id, rule) => {
    const c = CASES[id];
    if (!c) throw new Error(`rule ${id} has no case in CASES`);
    const graph = [...fullGraph, c.fail, c.notApplicable];
    expect(rule.check(c.pass, graph)).toEqual({ status: 'pass', reasons: [] });
    const failed = rule.check(c.fail, graph);
    expect(failed.status).toBe('fail');
    expect(failed.reasons.join('; ')).toMatch(c.failReason);
    expect(rule.check(c.notApplicable, graph)).toEqual({ status: 'not-applicable', reasons: [] });
  });

  it('every rule has a description and every exported rule is in GCP_RULES or composed into one', () => {
    for (const rule of GCP_RULES) expect(rule.description.length, rule.id).toBeGreaterThan(20);
    expect(GCP_RULES).toContain(G9);
    expect([G9_ROLES.id, G9_SCOPE.id]).toEqual(['G9', 'G9']);
  });

  it('a graph with every GCP feature passes every rule', () => {
    expect(checkGraph(fullGraph)).toEqual([]);
  });

  it('checkGraph reports each failure with its rule and resource', () => {
    const findings = checkGraph([provider, { ...goodBucket, retainOnDelete: false, name: 'data' }]);
    expect(findings).toEqual([{ rule: 'G8', resource: 'gcp:storage/bucket:Bucket::data', reasons: ['retainOnDelete is not set'] }]);
  });

  it('the example team recorded graph passes every rule', async () => {
    const plan = examplePlan().gcp;
    if (!plan) throw new Error('example has no gcp section');
    const graph = await recordProgram('example', () => gcpProgram(plan));
    expect(checkGraph(graph.resources)).toEqual([]);
  });

  it('rules read the recorder\'s shape: a real template and grant using a mocked account\'s email pass G1 and G9', async () => {
    const graph = await recordProgram('t', () => {
      const p = new gcp.Provider('t-gcp', { project: 'p', defaultLabels: { team: 't', 'cost-center': 'c', 'managed-by': 'gpu-burst' } });
      const account = new gcp.serviceaccount.Account('t-burst', { accountId: 't-burst' }, { provider: p });
      new gcp.compute.RegionInstanceTemplate('t-train', {
        ...HARDENED,
        machineType: 'g2-standard-8',
        serviceAccount: { email: account.email, scopes: SA.scopes },
        scheduling: SPOT,
        disks: [{ boot: true, autoDelete: true, sourceImage: 'x' }],
      }, { provider: p });
      new gcp.storage.BucketIAMMember('t-objects', {
        bucket: 't-artifacts',
        role: 'roles/storage.objectUser',
        member: pulumi.interpolate`serviceAccount:${account.email}`,
        condition: prefixCondition,
      }, { provider: p });
    });
    const template = graph.resources.find((r) => r.type === 'gcp:compute/regionInstanceTemplate:RegionInstanceTemplate');
    expect(template?.inputs['serviceAccount']).toMatchObject({ email: UNKNOWN });
    expect(checkGraph(graph.resources)).toEqual([]);
    // Without the account in the graph, a computed email proves nothing.
    expect(G1.check(template as RecordedResource, []).reasons).toEqual(['serviceAccount.email is computed but the graph creates no service account']);
  });
});

describe('rules on the real components', () => {
  it('identity, storage, network, spot and multi-node fleets, an on-demand N1 fleet, a GPU dev box and a sweep group pass every rule', async () => {
    const agent = { specHash: `sha256:${'0'.repeat(64)}` };
    const graph = await recordProgram('vision', () => {
      const provider = new gcp.Provider('vision-gcp', { project: 'vision-ml-1', region: 'us-central1', defaultLabels: { team: 'vision', 'cost-center': 'c', 'managed-by': 'gpu-burst' } });
      const opts = { provider };
      const store = new ArtifactStore('vision-artifacts', { location: 'US-CENTRAL1', prefix: 'teams/vision/' }, opts);
      const net = new BurstNetwork('vision-burst', { region: 'us-central1', cidr: '10.65.0.0/20' }, opts);
      const identity = new TeamIdentity('vision-identity', {
        team: 'vision',
        project: 'vision-ml-1',
        bucket: store.bucket.name,
        repository: 'projects/vision-ml-1/locations/us-central1/repositories/vision-training-images',
        selfRemoval: { groups: ['vision-train', 'vision-multi', 'vision-od'], instances: ['vision-devbox'] },
      }, opts);
      const host = { subnetwork: net.subnet.id, serviceAccountEmail: identity.email, artifactBucket: store.bucket.name, agent, image: 'projects/x/global/images/family/y' };
      const fleet = { region: 'us-central1', zones: ['us-central1-a'], network: net.network.id, rootVolumeGiB: 200, idleMinutes: 30, ttlHours: 12, ...host };
      const l4 = { acceleratorType: 'nvidia-l4', count: 1, attached: false };
      new GpuFleet('vision-train', { ...fleet, team: 'vision', fleetName: 'train', machineType: 'g2-standard-8', gpus: l4, nodes: 1, market: 'spot' }, opts);
      new GpuFleet('vision-multi', { ...fleet, team: 'vision', fleetName: 'multi', machineType: 'g2-standard-8', gpus: l4, nodes: 2, multiNode: true, market: 'spot' }, opts);
      new GpuFleet('vision-od', {
        ...fleet, team: 'vision', fleetName: 'od', machineType: 'n1-standard-8', gpus: { acceleratorType: 'nvidia-tesla-t4', count: 1, attached: true }, nodes: 1, market: 'on-demand',
      }, opts);
      new DevBox('vision-devbox', { ...host, team: 'vision', zone: 'us-central1-a', machineType: 'g2-standard-8', gpus: l4, rootVolumeGiB: 100, dataVolumeGiB: 200, idleMinutes: 60, ttlHours: 10 }, opts);
      new SweepGroup('vision-hparams', {
        team: 'vision', groupName: 'hparams', project: 'vision-ml-1', region: 'us-central1', machineType: 'g2-standard-4', acceleratorType: 'nvidia-l4', acceleratorCount: 1,
        attachedAccelerators: false, parallelism: 4, trialHours: 2, attempts: 3, imageTag: 'v1', subnetwork: net.subnet.id, serviceAccountEmail: identity.email,
      }, opts);
    });
    expect(checkGraph(graph.resources)).toEqual([]);
    // Each host rule saw every host (4 templates and the dev box), not nothing.
    const hosts = graph.resources.filter((r) => HOST_TYPES.includes(r.type));
    expect(hosts).toHaveLength(5);
    for (const rule of [G1, G2, G3, G4, G6]) {
      for (const h of hosts) expect(rule.check(h, graph.resources).status, `${rule.id} ${h.name}`).toBe('pass');
    }
  });
});

describe('G1: dedicated service account', () => {
  it('fails a host with no service account, no email, or a default account', () => {
    expect(reasonsOf(G1, withInputs(fleetTemplate, { serviceAccount: undefined }))).toBe('serviceAccount is not set');
    expect(reasonsOf(G1, withInputs(devBox, { serviceAccount: { scopes: ['cloud-platform'] } }))).toMatch(/serviceAccount\.email is not set \(the default compute service account\)/);
    expect(reasonsOf(G1, withInputs(devBox, { serviceAccount: { email: 'p@appspot.gserviceaccount.com', scopes: [] } }))).toMatch(/is a default service account/);
  });

  it('checks the TPU request and fails a Pulumi V2QueuedResource, whose node spec cannot name an account', () => {
    expect(check(G1, tpuRequest).status).toBe('pass');
    expect(reasonsOf(G1, tpuWithNode({ acceleratorType: 'v5litepod-8' }))).toBe('serviceAccount is not set');
    const qr = resource('gcp:tpu/v2QueuedResource:V2QueuedResource', { tpu: { nodeSpecs: [{ parent: 'x', node: { runtimeVersion: 'v2-alpha-tpuv5-lite' } }] } });
    expect(reasonsOf(G1, qr)).toBe('serviceAccount is not set');
  });

  it('reports a TpuNode whose request the graph cannot show, rather than skipping it (G1, G2, G3, G5)', () => {
    const hidden = resource('gpu-burst:gcp:TpuNode', {}, { custom: false });
    const computed = resource('gpu-burst:gcp:TpuNode', { request: UNKNOWN }, { custom: false });
    for (const rule of [G1, G2, G3, G5]) {
      expect(reasonsOf(rule, hidden), rule.id).toMatch(/records no queued-resource request in its inputs/);
      expect(reasonsOf(rule, computed), rule.id).toMatch(/computed from values unknown at plan time/);
    }
  });

  it('reads the request tpu-node.ts builds (tpuQueuedResourceRequest) and passes it on G1, G2, G3 and G5', () => {
    const item: GcpTpuNodeItem = {
      kind: 'tpuNode', layer: 'burst', name: 'pod', accelerator: 'tpu-v5e', acceleratorType: 'v5litepod-16', chips: 16, hosts: 4,
      runtimeVersion: 'v2-alpha-tpuv5-lite', zone: 'us-central1-a', spot: true, idleMinutes: 30, ttlHours: 12,
    };
    const request = tpuQueuedResourceRequest(item, {
      team: 't', project: 'p', network: 't-burst', subnetwork: 't-burst', serviceAccountEmail: SA.email, startupScript: '#!/bin/bash',
    });
    const node = resource('gpu-burst:gcp:TpuNode', { request }, { name: 't-pod', custom: false });
    for (const rule of [G1, G2, G3, G5]) expect(check(rule, node), rule.id).toEqual({ status: 'pass', reasons: [] });
    for (const rule of [G4, G6, X4]) expect(check(rule, node).status, rule.id).toBe('not-applicable');
  });
});

describe('G2: no external IPs, SSH only through IAP', () => {
  it('fails an access config or an IPv6 access config on a host', () => {
    const nic = { subnetwork: 'x', accessConfigs: [{}], ipv6AccessConfigs: [{ networkTier: 'PREMIUM' }] };
    expect(reasonsOf(G2, withInputs(fleetTemplate, { networkInterfaces: [nic] }))).toBe(
      'networkInterfaces[0].accessConfigs gives an external IP; networkInterfaces[0].ipv6AccessConfigs gives an external IPv6 address',
    );
    expect(check(G2, fleetTemplate).status).toBe('pass');
    expect(check(G2, devBox).status).toBe('pass');
  });

  it('fails a TPU request with external IPs', () => {
    expect(reasonsOf(G2, tpuWithNode({ networkConfig: { network: 't-burst', enableExternalIps: true } }))).toBe('networkConfig.enableExternalIps is true');
    expect(reasonsOf(G2, tpuWithNode({ networkConfig: { enableExternalIps: false } }))).toBe("networkConfig names no network (the TPU would join 'default')");
    expect(check(G2, tpuRequest).status).toBe('pass');
  });

  it('fails SSH from anywhere but IAP, however it is written', () => {
    const ssh = (inputs: Record<string, unknown>) => reasonsOf(G2, withInputs(iapFirewall, inputs));
    expect(ssh({ sourceRanges: ['10.0.0.0/8'] })).toMatch(/allows tcp:22 from sources other than exactly \[35\.235\.240\.0\/20\]/);
    expect(ssh({ sourceRanges: [IAP_SOURCE_RANGE, '10.0.0.0/8'] })).toMatch(/tcp:22/);
    expect(ssh({ sourceTags: ['bastion'] })).toMatch(/tcp:22/);
    expect(ssh({ allows: [{ protocol: 'tcp', ports: ['20-30'] }], sourceRanges: ['10.0.0.0/8'] })).toMatch(/tcp:22/);
    expect(ssh({ allows: [{ protocol: 'all' }], sourceRanges: ['10.0.0.0/8'] })).toMatch(/tcp:22/);
  });

  it('fails ingress from 0.0.0.0/0, ::/0 or with no source at all (which GCE reads as 0.0.0.0/0)', () => {
    const web = { allows: [{ protocol: 'tcp', ports: ['443'] }] };
    expect(reasonsOf(G2, withInputs(iapFirewall, { ...web, sourceRanges: ['::/0'] }))).toBe('sourceRanges allows ingress from ::/0');
    expect(reasonsOf(G2, withInputs(iapFirewall, { ...web, sourceRanges: undefined }))).toBe('allows ingress with no source (GCE then uses 0.0.0.0/0)');
    expect(check(G2, withInputs(iapFirewall, { ...web, sourceRanges: ['10.65.0.0/20'] })).status).toBe('pass');
  });

  it('passes a peer rule between one group\'s nodes (sources are only its own target tags), not one that admits more', () => {
    const peers = resource('gcp:compute/firewall:Firewall', {
      direction: 'INGRESS',
      allows: [{ protocol: 'all' }],
      sourceTags: ['gpu-burst-t-train'],
      targetTags: ['gpu-burst-t-train'],
    }, viaProvider);
    expect(check(G2, peers).status).toBe('pass');
    expect(reasonsOf(G2, withInputs(peers, { sourceTags: ['gpu-burst-t-train', 'bastion'] }))).toMatch(/tcp:22/);
    expect(reasonsOf(G2, withInputs(peers, { sourceRanges: ['10.65.0.0/20'] }))).toMatch(/tcp:22/);
  });

  it('passes deny rules and does not apply to egress rules', () => {
    expect(check(G2, withInputs(iapFirewall, { allows: undefined, denies: [{ protocol: 'all' }], sourceRanges: ['0.0.0.0/0'] })).status).toBe('pass');
    expect(check(G2, withInputs(iapFirewall, { direction: 'EGRESS', destinationRanges: ['0.0.0.0/0'] })).status).toBe('not-applicable');
  });
});

describe('G3: OS Login, no project SSH keys', () => {
  it('accepts TRUE in any case, fails anything else, on hosts and TPU requests', () => {
    expect(check(G3, withInputs(devBox, { metadata: { 'enable-oslogin': 'true', 'block-project-ssh-keys': 'True' } })).status).toBe('pass');
    expect(reasonsOf(G3, withInputs(devBox, { metadata: undefined }))).toBe('metadata.enable-oslogin is not TRUE; metadata.block-project-ssh-keys is not TRUE');
    expect(reasonsOf(G3, withInputs(devBox, { metadata: { 'enable-oslogin': 'FALSE', 'block-project-ssh-keys': 'TRUE' } }))).toBe('metadata.enable-oslogin is not TRUE');
    expect(check(G3, tpuRequest).status).toBe('pass');
    expect(reasonsOf(G3, tpuWithNode({ metadata: {} }))).toBe('metadata.enable-oslogin is not TRUE; metadata.block-project-ssh-keys is not TRUE');
  });
});

describe('G4: Shielded VM', () => {
  it('needs vTPM and integrity monitoring set explicitly, not Secure Boot', () => {
    expect(check(G4, fleetTemplate).status).toBe('pass');
    expect(reasonsOf(G4, withInputs(fleetTemplate, { shieldedInstanceConfig: undefined }))).toBe(
      'shieldedInstanceConfig.enableVtpm is not true; shieldedInstanceConfig.enableIntegrityMonitoring is not true',
    );
  });
});

describe('G5: spot and GPU scheduling', () => {
  it('fails a spot host missing each setting, named by field', () => {
    expect(reasonsOf(G5, withInputs(fleetTemplate, { machineType: 'n2-standard-8', scheduling: { provisioningModel: 'SPOT' } }))).toBe(
      'scheduling.instanceTerminationAction is not set (STOP or DELETE); scheduling.maxRunDuration is not set; scheduling.automaticRestart is not false',
    );
    expect(reasonsOf(G5, withInputs(fleetTemplate, { scheduling: { ...SPOT, provisioningModel: undefined, preemptible: true, automaticRestart: true } }))).toBe(
      'scheduling.automaticRestart is not false',
    );
  });

  it('needs no VM deadline on a sweep group\'s Batch template (each task has one), but everything else', () => {
    const batch = withInputs(fleetTemplate, { labels: { 'gpu-burst-role': 'sweep' }, scheduling: { ...SPOT, maxRunDuration: undefined } });
    expect(check(G5, batch).status).toBe('pass');
    expect(reasonsOf(G5, withInputs(batch, { scheduling: { provisioningModel: 'SPOT', onHostMaintenance: 'TERMINATE' } }))).toBe(
      'scheduling.instanceTerminationAction is not set (STOP or DELETE); scheduling.automaticRestart is not false',
    );
  });

  it('requires onHostMaintenance TERMINATE on every GPU host, spot or not, attached or built in', () => {
    const migrate = { ...SPOT, onHostMaintenance: 'MIGRATE' };
    expect(reasonsOf(G5, withInputs(fleetTemplate, { scheduling: migrate }))).toBe("scheduling.onHostMaintenance is not 'TERMINATE' on a GPU host");
    expect(reasonsOf(G5, withInputs(devBox, { scheduling: { automaticRestart: true } }))).toBe("scheduling.onHostMaintenance is not 'TERMINATE' on a GPU host");
    expect(reasonsOf(G5, withInputs(devBox, { guestAccelerators: [], machineType: 'zones/us-central1-a/machineTypes/a3-highgpu-8g', scheduling: {} }))).toMatch(/onHostMaintenance/);
    expect(check(G5, devBox).status).toBe('pass');
  });

  it('needs a TTL label on every TPU node (the backstop\'s deadline; the TPU API has none)', () => {
    expect(check(G5, tpuRequest).status).toBe('pass');
    expect(reasonsOf(G5, tpuWithNode({ labels: { 'gpu-burst-ttl-minutes': '12h' } }))).toBe(
      "labels.gpu-burst-ttl-minutes is not a whole number of minutes (the backstop's deadline for a TPU)",
    );
  });

  it('does not apply to on-demand CPU hosts', () => {
    expect(check(G5, withInputs(devBox, { machineType: 'e2-standard-4', guestAccelerators: undefined })).status).toBe('not-applicable');
  });
});

describe('G6: disks', () => {
  it('needs the boot disk to auto-delete, explicitly', () => {
    expect(check(G6, devBox).status).toBe('pass');
    expect(reasonsOf(G6, withInputs(devBox, { bootDisk: { initializeParams: {} } }))).toBe('bootDisk.autoDelete is not true');
    expect(check(G6, fleetTemplate).status).toBe('pass');
    expect(reasonsOf(G6, withInputs(fleetTemplate, { disks: [{ boot: true, autoDelete: false }] }))).toBe('disks[0] (boot).autoDelete is not true');
    expect(reasonsOf(G6, withInputs(fleetTemplate, { disks: [{ sourceImage: 'x' }] }))).toBe('disks[0] (boot).autoDelete is not true');
  });

  it('fails a template disk each VM would create and leave behind, but not an attached existing disk', () => {
    const disks = [{ boot: true, autoDelete: true }, { diskSizeGb: 500, autoDelete: false }, { source: 'shared-data', autoDelete: false }];
    expect(reasonsOf(G6, withInputs(fleetTemplate, { disks }))).toBe('disks[1].autoDelete is not true');
  });

  it('needs a data disk to be protected and retained', () => {
    expect(reasonsOf(G6, { ...dataDisk, protect: false, retainOnDelete: false })).toBe('protect is not set on a data disk; retainOnDelete is not set on a data disk');
    expect(check(G6, { ...dataDisk, type: 'gcp:compute/regionDisk:RegionDisk' }).status).toBe('pass');
  });
});

describe('G9: identity reaches only its bucket and prefix', () => {
  const project = (role: string, extra: Record<string, unknown> = {}) =>
    resource('gcp:projects/iAMMember:IAMMember', { project: 'p', role, member: 'serviceAccount:t-burst@p.iam.gserviceaccount.com', ...extra }, viaProvider);

  it('roles part: no owner or editor, in members, bindings or policies', () => {
    expect(reasonsOf(G9, project('roles/editor'))).toBe('grants roles/editor');
    const policy = resource('gcp:storage/bucketIAMPolicy:BucketIAMPolicy', {
      bucket: 'other',
      policyData: JSON.stringify({ bindings: [{ role: 'roles/owner', members: ['user:a@example.com'] }] }),
    }, viaProvider);
    expect(reasonsOf(G9_ROLES, policy)).toBe('grants roles/owner');
    expect(reasonsOf(G9, resource('gcp:projects/iAMBinding:IAMBinding', { role: 'roles/owner', members: ['group:admins@example.com'] }, viaProvider))).toBe('grants roles/owner');
  });

  it('fails project-wide storage admin, and project-wide object roles without the team prefix', () => {
    expect(reasonsOf(G9, project('roles/storage.admin', { condition: prefixCondition }))).toBe('grants roles/storage.admin on the whole project');
    expect(reasonsOf(G9, project('roles/storage.objectAdmin'))).toBe('grants roles/storage.objectAdmin on the whole project');
    expect(reasonsOf(G9, project('roles/storage.objectViewer'))).toBe('grants roles/storage.objectViewer on the whole project with no condition naming teams/t/');
    expect(check(G9, project('roles/storage.objectViewer', { condition: prefixCondition })).status).toBe('pass');
    expect(check(G9, project('roles/logging.logWriter')).status).toBe('pass');
    const org = withInputs(project('roles/storage.admin'), { orgId: '1' });
    expect(reasonsOf(G9, { ...org, type: 'gcp:organizations/iAMMember:IAMMember' })).toBe('grants roles/storage.admin on the whole organization');
  });

  it('fails a condition naming another team or a prefix of the team name', () => {
    const other = { title: 'x', expression: 'resource.name.startsWith("projects/_/buckets/t-artifacts/objects/teams/tx/")' };
    expect(reasonsOf(G9, withInputs(teamGrant, { condition: other }))).toMatch(/no condition naming teams\/t\//);
  });

  it('allows a list-only role unconditioned on the team\'s own bucket only', () => {
    const list = withInputs(teamGrant, { role: 'roles/storage.legacyBucketReader', condition: undefined });
    expect(check(G9, list).status).toBe('pass');
    expect(reasonsOf(G9, withInputs(list, { bucket: 'someone-elses-bucket' }))).toBe(
      'grants roles/storage.legacyBucketReader on bucket someone-elses-bucket with no condition naming teams/t/',
    );
  });

  it('checks bindings, policies and managed folders', () => {
    const binding = resource('gcp:storage/bucketIAMBinding:BucketIAMBinding', { bucket: 't-artifacts', role: 'roles/storage.objectCreator', members: [UNKNOWN] }, viaProvider);
    expect(reasonsOf(G9, binding)).toMatch(/grants roles\/storage\.objectCreator on bucket t-artifacts/);
    const policy = resource('gcp:storage/bucketIAMPolicy:BucketIAMPolicy', {
      bucket: 't-artifacts',
      policyData: JSON.stringify({ bindings: [{ role: 'roles/storage.objectUser', members: ['serviceAccount:x@p.iam.gserviceaccount.com'], condition: prefixCondition }] }),
    }, viaProvider);
    expect(check(G9, policy).status).toBe('pass');
    const folder = resource('gcp:storage/managedFolderIamMember:ManagedFolderIamMember', { bucket: 't-artifacts', managedFolder: 'teams/t/', role: 'roles/storage.objectUser', member: UNKNOWN }, viaProvider);
    expect(check(G9, folder).status).toBe('pass');
    expect(check(G9, withInputs(folder, { managedFolder: 't-artifacts/teams/t/' })).status).toBe('pass');
    expect(reasonsOf(G9, withInputs(folder, { managedFolder: 'teams/u/' }))).toBe('managedFolder teams/u/ is not under teams/t/');
  });

  it('fails public grants; does not apply to human members; needs a team provider', () => {
    expect(reasonsOf(G9, withInputs(teamGrant, { role: 'roles/storage.objectViewer', member: 'allUsers' }))).toBe('grants roles/storage.objectViewer to the public');
    // A human member is outside the scope part; the roles part still applies to every grant.
    const human = withInputs(teamGrant, { member: 'group:ml@example.com', condition: undefined });
    expect(check(G9_SCOPE, human).status).toBe('not-applicable');
    expect(check(G9, human).status).toBe('pass');
    expect(reasonsOf(G9, { ...teamGrant, provider: undefined })).toBe('cannot tell the team: created through no provider with a team label');
  });
});

describe('X4: nothing billable at rest', () => {
  it('allows a VM only stopped', () => {
    expect(reasonsOf(X4, withInputs(devBox, { desiredStatus: undefined }))).toBe("desiredStatus is not set, not 'TERMINATED': the VM runs and bills at rest");
    expect(reasonsOf(X4, resource('gcp:compute/instanceFromTemplate:InstanceFromTemplate', { sourceInstanceTemplate: 'x' }))).toMatch(/desiredStatus is not set/);
  });

  it('fails a managed instance group or autoscaler left running but passes one at 0', () => {
    const mig = (size: number) => resource('gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager', { targetSize: size });
    expect(X4.check(mig(0), []).status).toBe('pass');
    expect(X4.check(mig(2), []).reasons).toEqual(['targetSize 2 runs VMs at rest']);
    const autoscaler = resource('gcp:compute/regionAutoscaler:RegionAutoscaler', { autoscalingPolicy: { minReplicas: 1, maxReplicas: 4 } });
    expect(X4.check(autoscaler, []).reasons).toEqual(['autoscalingPolicy.minReplicas 1 runs VMs at rest']);
  });

  it('fails NAT, router, address and every TPU resource; the TpuNode request is not a resource', () => {
    for (const type of ['gcp:compute/routerNat:RouterNat', 'gcp:compute/router:Router', 'gcp:compute/address:Address', 'gcp:tpu/v2Vm:V2Vm', 'gcp:tpu/v2QueuedResource:V2QueuedResource']) {
      expect(X4.check(resource(type, {}), []).status, type).toBe('fail');
    }
    expect(X4.check(resource('gcp:compute/router:Router', {}), []).reasons).toEqual(['gcp:compute/router:Router exists only for Cloud NAT, which gpu-burst does not use']);
    expect(X4.check(tpuRequest, []).status).toBe('not-applicable');
  });
});

describe('labels', () => {
  it('fails a provider that misses a required label', () => {
    const bare = resource('pulumi:providers:gcp', { defaultLabels: JSON.stringify({ team: 't' }) }, { name: 't-gcp' });
    expect(LABELS.check(network, [bare]).reasons).toEqual(["provider t-gcp sets no 'cost-center' label", "provider t-gcp sets no 'managed-by' label"]);
  });
});
