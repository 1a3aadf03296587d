/** G11: every GCP rule has a passing, a failing and a not-applicable case. */
import { describe, expect, it } from 'vitest';
import type { RecordedResource } from '../../stacks/gcp/record.js';
import { G7, G8, G9_ROLES, GCP_RULES, LABELS, X4, checkGraph, type GcpRule } from '../../stacks/gcp/rules.js';

function resource(type: string, inputs: Record<string, unknown>, extra: Partial<RecordedResource> = {}): RecordedResource {
  return { type, name: 'r', inputs, custom: true, protect: false, retainOnDelete: false, ...extra };
}

const provider = resource('pulumi:providers:gcp', {
  defaultLabels: JSON.stringify({ team: 't', 'cost-center': 'c', 'managed-by': 'gpu-burst' }),
}, { name: 't-gcp' });
const viaProvider = { provider: 'urn:pulumi:t::gpu-burst::pulumi:providers:gcp::t-gcp::t-gcp-id' };

const goodBucket = resource('gcp:storage/bucket:Bucket', {
  uniformBucketLevelAccess: true,
  publicAccessPrevention: 'enforced',
  forceDestroy: false,
  versioning: { enabled: true },
  softDeletePolicy: { retentionDurationSeconds: 604_800 },
  deletionPolicy: 'ABANDON',
}, { protect: true, retainOnDelete: true, ...viaProvider });
const network = resource('gcp:compute/network:Network', {}, viaProvider);

interface Case {
  readonly rule: GcpRule;
  readonly pass: RecordedResource;
  readonly fail: RecordedResource;
  readonly failReason: RegExp;
  readonly notApplicable: RecordedResource;
}

const CASES: Case[] = [
  {
    rule: G7,
    pass: goodBucket,
    fail: resource('gcp:storage/bucket:Bucket', { ...goodBucket.inputs, forceDestroy: true, publicAccessPrevention: 'inherited' }),
    failReason: /forceDestroy is true/,
    notApplicable: network,
  },
  {
    rule: G8,
    pass: goodBucket,
    fail: { ...goodBucket, protect: false },
    failReason: /protect is not set/,
    notApplicable: network,
  },
  {
    rule: G9_ROLES,
    pass: resource('gcp:projects/iAMMember:IAMMember', { role: 'roles/storage.objectUser' }),
    fail: resource('gcp:projects/iAMMember:IAMMember', { role: 'roles/editor' }),
    failReason: /grants roles\/editor/,
    notApplicable: network,
  },
  {
    rule: LABELS,
    pass: network,
    fail: resource('gcp:compute/network:Network', {}),
    failReason: /no team provider/,
    notApplicable: resource('gpu-burst:gcp:BurstNetwork', {}, { custom: false }),
  },
  {
    rule: X4,
    pass: network,
    fail: resource('gcp:compute/routerNat:RouterNat', {}),
    failReason: /bills while it exists/,
    notApplicable: resource('gpu-burst:gcp:BurstNetwork', {}, { custom: false }),
  },
];

describe('GCP rules', () => {
  it('every rule in GCP_RULES has cases here', () => {
    expect(CASES.map((c) => c.rule.id).sort()).toEqual(GCP_RULES.map((r) => r.id).sort());
  });

  it.each(CASES.map((c) => [c.rule.id, c] as const))('%s: pass, fail and not-applicable', (_id, c) => {
    const graph = [provider, c.pass, c.fail, c.notApplicable];
    expect(c.rule.check(c.pass, graph)).toEqual({ status: 'pass', reasons: [] });
    const failed = c.rule.check(c.fail, graph);
    expect(failed.status).toBe('fail');
    expect(failed.reasons.join('; ')).toMatch(c.failReason);
    expect(c.rule.check(c.notApplicable, graph).status).toBe('not-applicable');
  });

  it('X4 fails a managed instance group left running at rest but passes one at size 0', () => {
    const mig = (size: number) => resource('gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager', { targetSize: size });
    expect(X4.check(mig(0), []).status).toBe('pass');
    expect(X4.check(mig(2), []).reasons).toEqual(['targetSize 2 runs VMs at rest']);
  });

  it('checkGraph reports each failure with its rule and resource', () => {
    const findings = checkGraph([provider, { ...goodBucket, retainOnDelete: false, name: 'data' }]);
    expect(findings).toEqual([{ rule: 'G8', resource: 'gcp:storage/bucket:Bucket::data', reasons: ['retainOnDelete is not set'] }]);
  });
});
