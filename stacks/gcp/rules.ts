/**
 * GCP rules (checklist G*, X*) as plain functions over a recorded Pulumi graph, in the spirit of
 * cdk-nag: one rule per property, each returns pass, fail or not-applicable per resource, and a
 * graph passes when no rule fails. `burst plan` and the tests run them on every team.
 */
import type { RecordedResource } from './record.js';

/** What a rule says about one resource. */
export type RuleStatus = 'pass' | 'fail' | 'not-applicable';

/** One rule's verdict on one resource. */
export interface RuleResult {
  readonly status: RuleStatus;
  /** Why it failed (empty when it passed or does not apply). */
  readonly reasons: readonly string[];
}

/** A rule over the graph: `check` sees one resource and, for cross-resource rules, the whole graph. */
export interface GcpRule {
  /** Checklist id, e.g. `G7`. */
  readonly id: string;
  readonly description: string;
  check(resource: RecordedResource, graph: readonly RecordedResource[]): RuleResult;
}

/** A rule failure, for reports. */
export interface RuleFinding {
  readonly rule: string;
  readonly resource: string;
  readonly reasons: readonly string[];
}

/** Resource types holding data that must outlive every teardown. */
export const DATA_RESOURCE_TYPES: readonly string[] = [
  'gcp:storage/bucket:Bucket',
  'gcp:artifactregistry/repository:Repository',
];

/** Labels every team resource carries (through the team provider's defaultLabels). */
export const REQUIRED_LABELS = ['team', 'cost-center', 'managed-by'] as const;

const notApplicable: RuleResult = { status: 'not-applicable', reasons: [] };

function verdict(reasons: string[]): RuleResult {
  return reasons.length === 0 ? { status: 'pass', reasons } : { status: 'fail', reasons };
}

function path(value: unknown, ...keys: string[]): unknown {
  let cur = value;
  for (const key of keys) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  return cur;
}

/** Provider inputs arrive serialized: maps as JSON strings. */
function labelsOf(provider: RecordedResource): Record<string, string> {
  const raw = provider.inputs['defaultLabels'];
  if (typeof raw === 'string') return JSON.parse(raw) as Record<string, string>;
  return (raw ?? {}) as Record<string, string>;
}

/** G7: buckets use uniform access, enforce public access prevention, never force-destroy, keep versions and soft-deleted objects. */
export const G7: GcpRule = {
  id: 'G7',
  description: 'buckets: uniform access, public access prevention enforced, no forceDestroy, versioning, soft delete',
  check(r) {
    if (r.type !== 'gcp:storage/bucket:Bucket') return notApplicable;
    const reasons: string[] = [];
    if (r.inputs['uniformBucketLevelAccess'] !== true) reasons.push('uniformBucketLevelAccess is not true');
    if (r.inputs['publicAccessPrevention'] !== 'enforced') reasons.push("publicAccessPrevention is not 'enforced'");
    if (r.inputs['forceDestroy'] === true) reasons.push('forceDestroy is true');
    if (path(r.inputs, 'versioning', 'enabled') !== true) reasons.push('versioning is not enabled');
    const softDelete = path(r.inputs, 'softDeletePolicy', 'retentionDurationSeconds');
    if (typeof softDelete !== 'number' || softDelete <= 0) reasons.push('soft delete is off');
    return verdict(reasons);
  },
};

/** G8: data resources are protected from `pulumi destroy` and abandoned, never deleted, if destroyed anyway. */
export const G8: GcpRule = {
  id: 'G8',
  description: 'data resources are protected (protect, retainOnDelete, deletionPolicy ABANDON)',
  check(r) {
    if (!DATA_RESOURCE_TYPES.includes(r.type)) return notApplicable;
    const reasons: string[] = [];
    if (!r.protect) reasons.push('protect is not set');
    if (!r.retainOnDelete) reasons.push('retainOnDelete is not set');
    if (r.inputs['deletionPolicy'] !== 'ABANDON') reasons.push("deletionPolicy is not 'ABANDON'");
    return verdict(reasons);
  },
};

/** G9 (roles part): no owner or editor role is granted anywhere. */
export const G9_ROLES: GcpRule = {
  id: 'G9',
  description: 'no roles/owner or roles/editor grants',
  check(r) {
    if (!/:(IAMMember|IAMBinding|IAMPolicy|IamMember|IamBinding|IamPolicy)$/.test(r.type)) return notApplicable;
    const text = JSON.stringify(r.inputs);
    const reasons = ['roles/owner', 'roles/editor'].filter((role) => text.includes(`"${role}"`)).map((role) => `grants ${role}`);
    return verdict(reasons);
  },
};

/** Team labels: every cloud resource is created through a provider whose defaultLabels carry the team's labels. */
export const LABELS: GcpRule = {
  id: 'labels',
  description: 'every resource carries the team and cost-allocation labels (team provider defaultLabels)',
  check(r, graph) {
    if (!r.custom || r.type.startsWith('pulumi:providers:')) return notApplicable;
    const provider = graph.find((p) => p.type === 'pulumi:providers:gcp' && r.provider?.includes(`::${p.name}::`));
    if (!provider) return verdict([`created through no team provider (provider ${r.provider ?? 'default'})`]);
    const labels = labelsOf(provider);
    return verdict(REQUIRED_LABELS.filter((k) => !labels[k]).map((k) => `provider ${provider.name} sets no '${k}' label`));
  },
};

/** Types that bill while they exist, whatever the use. */
const BILLABLE_AT_REST: readonly string[] = [
  'gcp:compute/instance:Instance',
  'gcp:compute/routerNat:RouterNat',
  'gcp:compute/address:Address',
  'gcp:compute/globalAddress:GlobalAddress',
  'gcp:tpu/v2Vm:V2Vm',
  'gcp:tpu/node:Node',
  'gcp:tpu/v2QueuedResource:V2QueuedResource',
];

/** X4: when no burst runs, nothing billable but storage stands. */
export const X4: GcpRule = {
  id: 'X4',
  description: 'nothing billable but storage stands at rest (no VM, NAT, address or TPU)',
  check(r) {
    if (!r.custom) return notApplicable;
    if (BILLABLE_AT_REST.includes(r.type)) return verdict([`${r.type} bills while it exists`]);
    if (/InstanceGroupManager$/.test(r.type) && Number(r.inputs['targetSize'] ?? 0) > 0) {
      return verdict([`targetSize ${String(r.inputs['targetSize'])} runs VMs at rest`]);
    }
    return { status: 'pass', reasons: [] };
  },
};

/** Every GCP rule gpu-burst applies. */
export const GCP_RULES: readonly GcpRule[] = [G7, G8, G9_ROLES, LABELS, X4];

/** Runs every rule over a graph; returns the failures. */
export function checkGraph(graph: readonly RecordedResource[], rules: readonly GcpRule[] = GCP_RULES): RuleFinding[] {
  return rules.flatMap((rule) =>
    graph.flatMap((resource) => {
      const result = rule.check(resource, graph);
      return result.status === 'fail' ? [{ rule: rule.id, resource: `${resource.type}::${resource.name}`, reasons: result.reasons }] : [];
    }),
  );
}
