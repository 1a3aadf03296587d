/**
 * GCP rules (checklist G*, X*) as plain functions over a recorded Pulumi graph, in the spirit of
 * cdk-nag: one rule per property, each returns pass, fail or not-applicable per resource, and a
 * graph passes when no rule fails. `burst plan` and the tests run them on every team.
 *
 * Rules read inputs as the recorder keeps them: maps and lists as objects, a value another
 * resource computes (e.g. a service account's email under mocks) as `{ __pulumiUnknown: true }`.
 * Where a rule depends on a provider default, it asks for the value explicitly instead, so a
 * default changing upstream cannot pass silently.
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
  // The dev box's data disk: a user's work outlives every teardown.
  'gcp:compute/disk:Disk',
];

/** Persistent disks: data (the dev box's `/data`) that must outlive the VM and every teardown (G6). */
export const DISK_TYPES: readonly string[] = ['gcp:compute/disk:Disk', 'gcp:compute/regionDisk:RegionDisk'];

/** Labels every team resource carries (through the team provider's defaultLabels). */
export const REQUIRED_LABELS = ['team', 'cost-center', 'managed-by'] as const;

/** VMs and the templates MIGs and Batch jobs create VMs from: the hosts G1–G6 look at. */
export const HOST_TYPES: readonly string[] = [
  'gcp:compute/instance:Instance',
  'gcp:compute/instanceTemplate:InstanceTemplate',
  'gcp:compute/regionInstanceTemplate:RegionInstanceTemplate',
];

/**
 * TPU resources and the TpuNode component, whose inputs hold the queued-resource request
 * `burst start` sends (in the TPU API's shape: `tpu.nodeSpec[].node`).
 */
export const TPU_TYPES: readonly string[] = ['gcp:tpu/v2Vm:V2Vm', 'gcp:tpu/v2QueuedResource:V2QueuedResource', 'gpu-burst:gcp:TpuNode'];

/** The source range of Identity-Aware Proxy TCP forwarding: the only SSH ingress allowed (G2). */
export const IAP_SOURCE_RANGE = '35.235.240.0/20';

/** Machine series whose GPUs are part of the machine type (A2, A3, A4, G2, G4): GPU hosts even without `guestAccelerators`. */
export const GPU_MACHINE_SERIES = /^(a2|a3|a4|a4x|g2|g4)-/;

const notApplicable: RuleResult = { status: 'not-applicable', reasons: [] };

function verdict(reasons: string[]): RuleResult {
  return reasons.length === 0 ? { status: 'pass', reasons } : { status: 'fail', reasons };
}

function path(value: unknown, ...keys: string[]): unknown {
  let cur = value;
  for (const key of keys) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  return cur;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isUnknown(value: unknown): boolean {
  return path(value, '__pulumiUnknown') === true;
}

/** Provider inputs arrive serialized: maps as JSON strings. */
function labelsOf(provider: RecordedResource): Record<string, string> {
  const raw = provider.inputs['defaultLabels'];
  if (typeof raw === 'string') return JSON.parse(raw) as Record<string, string>;
  return (raw ?? {}) as Record<string, string>;
}

function providerOf(r: RecordedResource, graph: readonly RecordedResource[]): RecordedResource | undefined {
  return graph.find((p) => p.type === 'pulumi:providers:gcp' && r.provider?.includes(`::${p.name}::`));
}

/** The TPU nodes a resource describes, or why they cannot be seen. */
interface TpuNodes {
  readonly nodes: readonly Record<string, unknown>[];
  /** Set when a TpuNode component's request is missing or not known at plan time. */
  readonly problem?: string;
}

function containsUnknown(value: unknown, depth = 0): boolean {
  if (isUnknown(value)) return true;
  if (depth > 6 || value === null || typeof value !== 'object') return false;
  return Object.values(value).some((child) => containsUnknown(child, depth + 1));
}

/** The nodes a TPU resource or request describes: the V2Vm itself, or every `tpu.nodeSpec(s)[].node`. */
function tpuNodesOf(r: RecordedResource): TpuNodes | undefined {
  if (!TPU_TYPES.includes(r.type)) return undefined;
  if (r.type === 'gcp:tpu/v2Vm:V2Vm') return { nodes: [r.inputs] };
  const nodes: Record<string, unknown>[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (depth > 4 || value === null || typeof value !== 'object') return;
    const specs = [...list(path(value, 'tpu', 'nodeSpec')), ...list(path(value, 'tpu', 'nodeSpecs'))];
    if (specs.length > 0) {
      for (const spec of specs) nodes.push((path(spec, 'node') ?? {}) as Record<string, unknown>);
      return;
    }
    for (const child of Object.values(value)) walk(child, depth + 1);
  };
  walk(r.inputs, 0);
  if (nodes.length > 0 || r.custom) return { nodes };
  const problem = containsUnknown(r.inputs)
    ? 'its queued-resource request is computed from values unknown at plan time (e.g. a service account email), so no rule can see the TPU node'
    : 'records no queued-resource request in its inputs (tpu.nodeSpec[].node), so no rule can see the TPU node';
  return { nodes, problem };
}

/** Field name of node `i` of `count` (plain when there is one node). */
function nodeField(i: number, count: number, field: string): string {
  return count > 1 ? `node ${i} ${field}` : field;
}

/** G1: compute hosts run as a dedicated service account, never the default compute one. */
export const G1: GcpRule = {
  id: 'G1',
  description: 'no instance, template or TPU uses the default compute service account (and every one sets a service account)',
  check(r, graph) {
    const accounts: { field: string; value: unknown }[] = [];
    if (HOST_TYPES.includes(r.type)) accounts.push({ field: 'serviceAccount', value: r.inputs['serviceAccount'] });
    else {
      const tpu = tpuNodesOf(r);
      if (tpu === undefined) return notApplicable;
      if (tpu.problem) return verdict([tpu.problem]);
      // The Pulumi V2QueuedResource node spec has no service account field: its TPU VMs run as the default one.
      tpu.nodes.forEach((node, i) => accounts.push({ field: nodeField(i, tpu.nodes.length, 'serviceAccount'), value: node['serviceAccount'] }));
    }
    const createsAccount = graph.some((x) => x.type === 'gcp:serviceaccount/account:Account');
    const reasons: string[] = [];
    for (const { field, value } of accounts) {
      if (value === undefined || value === null) {
        reasons.push(`${field} is not set`);
        continue;
      }
      const email = path(value, 'email');
      if (email === undefined || email === '') reasons.push(`${field}.email is not set (the default compute service account)`);
      else if (isUnknown(email)) {
        // A computed email is another resource's output; the default account is never a resource of the graph.
        if (!createsAccount) reasons.push(`${field}.email is computed but the graph creates no service account`);
      } else if (typeof email === 'string' && (/-compute@developer\.gserviceaccount\.com$/.test(email) || /@appspot\.gserviceaccount\.com$/.test(email) || email === 'default')) {
        reasons.push(`${field}.email ${email} is a default service account`);
      }
    }
    return verdict(reasons);
  },
};

function coversSsh(allow: unknown): boolean {
  const protocol = String(path(allow, 'protocol') ?? '').toLowerCase();
  if (!['tcp', '6', 'all'].includes(protocol)) return false;
  const ports = list(path(allow, 'ports')).map(String);
  if (ports.length === 0) return true;
  return ports.some((p) => {
    const [lo, hi] = p.split('-').map(Number);
    return lo === 22 || (hi !== undefined && (lo as number) <= 22 && 22 <= hi);
  });
}

/**
 * A peer rule: its only sources are network tags that are also its targets (a multi-node fleet's
 * nodes reaching each other for NCCL and the rendezvous). It admits no address from outside the
 * group, so it is no SSH entry point: the peers themselves are reachable only through IAP.
 */
function isPeerRule(firewall: RecordedResource): boolean {
  const tags = list(firewall.inputs['sourceTags']).map(String);
  const targets = new Set(list(firewall.inputs['targetTags']).map(String));
  return (
    tags.length > 0 &&
    tags.every((t) => targets.has(t)) &&
    list(firewall.inputs['sourceRanges']).length === 0 &&
    list(firewall.inputs['sourceServiceAccounts']).length === 0
  );
}

/**
 * G2: no external IPs on hosts (no `accessConfigs`; TPUs with `enableExternalIps` off and on a
 * named network); every ingress rule that opens tcp:22 admits exactly the IAP range, except a peer
 * rule between the members of one group; no ingress rule admits 0.0.0.0/0 or ::/0, or names no
 * source at all (which Compute Engine reads as 0.0.0.0/0).
 */
export const G2: GcpRule = {
  id: 'G2',
  description: `no external IPs on GPU/TPU hosts; the only SSH ingress is from IAP (${IAP_SOURCE_RANGE}); no ingress from 0.0.0.0/0`,
  check(r) {
    const reasons: string[] = [];
    if (HOST_TYPES.includes(r.type)) {
      list(r.inputs['networkInterfaces']).forEach((nic, i) => {
        if (list(path(nic, 'accessConfigs')).length > 0) reasons.push(`networkInterfaces[${i}].accessConfigs gives an external IP`);
        if (list(path(nic, 'ipv6AccessConfigs')).length > 0) reasons.push(`networkInterfaces[${i}].ipv6AccessConfigs gives an external IPv6 address`);
      });
      return verdict(reasons);
    }
    const tpu = tpuNodesOf(r);
    if (tpu !== undefined) {
      if (tpu.problem) return verdict([tpu.problem]);
      tpu.nodes.forEach((node, i) => {
        const field = nodeField(i, tpu.nodes.length, 'networkConfig');
        if (path(node, 'networkConfig', 'enableExternalIps') === true) reasons.push(`${field}.enableExternalIps is true`);
        // Without one, the TPU joins the project's 'default' network and its permissive firewall rules.
        if (!path(node, 'networkConfig', 'network') && !path(node, 'networkConfig', 'subnetwork')) reasons.push(`${field} names no network (the TPU would join 'default')`);
      });
      return verdict(reasons);
    }
    if (r.type !== 'gcp:compute/firewall:Firewall') return notApplicable;
    if (String(r.inputs['direction'] ?? 'INGRESS').toUpperCase() !== 'INGRESS') return notApplicable;
    const allows = list(r.inputs['allows']);
    if (allows.length === 0) return verdict([]); // deny-only rules open nothing
    const ranges = list(r.inputs['sourceRanges']).map(String);
    const otherSources = [...list(r.inputs['sourceTags']), ...list(r.inputs['sourceServiceAccounts'])];
    if (ranges.length === 0 && otherSources.length === 0) reasons.push('allows ingress with no source (GCE then uses 0.0.0.0/0)');
    for (const open of ['0.0.0.0/0', '::/0']) if (ranges.includes(open)) reasons.push(`sourceRanges allows ingress from ${open}`);
    const onlyIap = ranges.length === 1 && ranges[0] === IAP_SOURCE_RANGE && otherSources.length === 0;
    if (allows.some(coversSsh) && !onlyIap && !isPeerRule(r)) {
      reasons.push(`allows tcp:22 from sources other than exactly [${IAP_SOURCE_RANGE}] (IAP)`);
    }
    return verdict([...new Set(reasons)]);
  },
};

function isTrue(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.toLowerCase() === 'true');
}

/**
 * G3: OS Login on and project-wide SSH keys blocked, on each host. Checked per resource, not on
 * project metadata: instance metadata overrides the project's, and a team's project may be shared
 * with metadata gpu-burst does not own.
 */
export const G3: GcpRule = {
  id: 'G3',
  description: 'OS Login on (enable-oslogin TRUE) and project-wide SSH keys blocked (block-project-ssh-keys TRUE) on every host',
  check(r) {
    const metadatas: { where: string; metadata: unknown }[] = [];
    if (HOST_TYPES.includes(r.type)) metadatas.push({ where: 'metadata', metadata: r.inputs['metadata'] });
    else {
      const tpu = tpuNodesOf(r);
      if (tpu === undefined) return notApplicable;
      if (tpu.problem) return verdict([tpu.problem]);
      tpu.nodes.forEach((node, i) => metadatas.push({ where: nodeField(i, tpu.nodes.length, 'metadata'), metadata: node['metadata'] }));
    }
    const reasons: string[] = [];
    for (const { where, metadata } of metadatas) {
      for (const key of ['enable-oslogin', 'block-project-ssh-keys']) {
        if (!isTrue(path(metadata, key))) reasons.push(`${where}.${key} is not TRUE`);
      }
    }
    return verdict(reasons);
  },
};

/**
 * G4: Shielded VM's vTPM and integrity monitoring on, set explicitly. Secure Boot is not required:
 * the Deep Learning VM images' NVIDIA drivers are not signed for it. TPU VMs offer only Secure
 * Boot, so G4 does not apply to them.
 */
export const G4: GcpRule = {
  id: 'G4',
  description: 'vTPM and integrity monitoring on (shieldedInstanceConfig), Secure Boot optional',
  check(r) {
    if (!HOST_TYPES.includes(r.type)) return notApplicable;
    const reasons: string[] = [];
    for (const key of ['enableVtpm', 'enableIntegrityMonitoring']) {
      if (path(r.inputs, 'shieldedInstanceConfig', key) !== true) reasons.push(`shieldedInstanceConfig.${key} is not true`);
    }
    return verdict(reasons);
  },
};

function machineTypeName(value: unknown): string {
  return typeof value === 'string' ? (value.split('/').pop() ?? '') : '';
}

/** Label naming what a host is (`fleet`, `devbox`, `tpu`, `sweep`). */
export const ROLE_LABEL = 'gpu-burst-role';

/** Label holding a host's TTL in whole minutes: the backstop's deadline for hosts with no native one (TPUs). */
export const TTL_LABEL = 'gpu-burst-ttl-minutes';

/**
 * G5: a spot host (provisioningModel SPOT or preemptible) sets instanceTerminationAction, a
 * maxRunDuration (the native hard TTL) and automaticRestart false; every GPU host (guest
 * accelerators or an A2/A3/A4/G2/G4 machine type), spot or not, sets onHostMaintenance TERMINATE
 * (GPU VMs cannot live-migrate). A sweep group's template (label `gpu-burst-role: sweep`) needs
 * no maxRunDuration: Batch runs successive trials on one VM, so the deadline is each task's
 * `maxRunDuration`, which `burst sweep submit` sets. A TPU node, spot or not, carries the
 * {@link TTL_LABEL} label: the TPU API has no run-duration limit outside Flex-start, so the
 * backstop's deadline is its only one. On-demand CPU hosts are not applicable.
 */
export const G5: GcpRule = {
  id: 'G5',
  description: 'spot hosts set a termination action, a max run duration and no automatic restart; GPU hosts terminate on host maintenance; TPUs carry a TTL',
  check(r) {
    const tpu = tpuNodesOf(r);
    if (tpu !== undefined) {
      if (tpu.problem) return verdict([tpu.problem]);
      const reasons: string[] = [];
      tpu.nodes.forEach((node, i) => {
        const ttl = path(node, 'labels', TTL_LABEL);
        if (!(typeof ttl === 'string' && /^[1-9]\d*$/.test(ttl))) {
          reasons.push(`${nodeField(i, tpu.nodes.length, 'labels')}.${TTL_LABEL} is not a whole number of minutes (the backstop's deadline for a TPU)`);
        }
      });
      return verdict(reasons);
    }
    if (!HOST_TYPES.includes(r.type)) return notApplicable;
    const scheduling = r.inputs['scheduling'];
    const spot = String(path(scheduling, 'provisioningModel') ?? '').toUpperCase() === 'SPOT' || path(scheduling, 'preemptible') === true;
    const gpu = list(r.inputs['guestAccelerators']).length > 0 || GPU_MACHINE_SERIES.test(machineTypeName(r.inputs['machineType']));
    if (!spot && !gpu) return notApplicable;
    const reasons: string[] = [];
    if (spot) {
      const action = path(scheduling, 'instanceTerminationAction');
      if (action !== 'STOP' && action !== 'DELETE') reasons.push('scheduling.instanceTerminationAction is not set (STOP or DELETE)');
      const seconds = path(scheduling, 'maxRunDuration', 'seconds');
      // Batch runs one trial after another on a VM: its deadline is each task's maxRunDuration, set per job.
      const batch = path(r.inputs, 'labels', ROLE_LABEL) === 'sweep';
      if (!batch && !(typeof seconds === 'number' && seconds > 0)) reasons.push('scheduling.maxRunDuration is not set');
      if (path(scheduling, 'automaticRestart') !== false) reasons.push('scheduling.automaticRestart is not false');
    }
    if (gpu && path(scheduling, 'onHostMaintenance') !== 'TERMINATE') reasons.push("scheduling.onHostMaintenance is not 'TERMINATE' on a GPU host");
    return verdict(reasons);
  },
};

/**
 * G6: disks a host creates auto-delete with it (the instance's boot disk, every template disk
 * without a `source`), set explicitly; a persistent disk resource holds data, so it is protected
 * and retained on delete.
 */
export const G6: GcpRule = {
  id: 'G6',
  description: 'boot (and other template-created) disks auto-delete; persistent disks are protected and retained on delete',
  check(r) {
    const reasons: string[] = [];
    if (DISK_TYPES.includes(r.type)) {
      if (!r.protect) reasons.push('protect is not set on a data disk');
      if (!r.retainOnDelete) reasons.push('retainOnDelete is not set on a data disk');
      return verdict(reasons);
    }
    if (r.type === 'gcp:compute/instance:Instance') {
      if (path(r.inputs, 'bootDisk', 'autoDelete') !== true) reasons.push('bootDisk.autoDelete is not true');
      return verdict(reasons);
    }
    if (!HOST_TYPES.includes(r.type)) return notApplicable;
    const disks = list(r.inputs['disks']);
    const hasBoot = disks.some((d) => path(d, 'boot') === true);
    disks.forEach((disk, i) => {
      const boot = path(disk, 'boot') === true || (!hasBoot && i === 0);
      if ((boot || path(disk, 'source') === undefined) && path(disk, 'autoDelete') !== true) {
        reasons.push(`disks[${i}]${boot ? ' (boot)' : ''}.autoDelete is not true`);
      }
    });
    if (disks.length === 0) reasons.push('disks is empty: no boot disk to check');
    return verdict(reasons);
  },
};

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

/** One role granted by an IAM resource, with its members and condition. */
interface Grant {
  readonly role: string;
  readonly members: readonly unknown[];
  readonly expression?: string;
}

/** The grants of an IAM member, binding or policy resource (policies carry theirs as `policyData` JSON). */
function grantsOf(r: RecordedResource): Grant[] | undefined {
  if (!/(IAMMember|IAMBinding|IAMPolicy|IamMember|IamBinding|IamPolicy)$/.test(r.type)) return undefined;
  const expressionOf = (condition: unknown): string | undefined => {
    const e = path(condition, 'expression');
    return typeof e === 'string' ? e : undefined;
  };
  const grant = (role: unknown, members: unknown[], condition: unknown): Grant => {
    const expression = expressionOf(condition);
    return { role: String(role ?? ''), members, ...(expression === undefined ? {} : { expression }) };
  };
  if ('policyData' in r.inputs) {
    let policy: unknown = r.inputs['policyData'];
    if (typeof policy === 'string') {
      try {
        policy = JSON.parse(policy);
      } catch {
        return [];
      }
    }
    return list(path(policy, 'bindings')).map((b) => grant(path(b, 'role'), list(path(b, 'members')), path(b, 'condition')));
  }
  const members = 'members' in r.inputs ? list(r.inputs['members']) : [r.inputs['member']];
  return [grant(r.inputs['role'], members, r.inputs['condition'])];
}

/** G9 (roles part): no owner or editor role is granted anywhere. */
export const G9_ROLES: GcpRule = {
  id: 'G9',
  description: 'no roles/owner or roles/editor grants',
  check(r) {
    const grants = grantsOf(r);
    if (grants === undefined) return notApplicable;
    const roles = new Set(grants.map((g) => g.role));
    return verdict(['roles/owner', 'roles/editor'].filter((role) => roles.has(role)).map((role) => `grants ${role}`));
  },
};

/** Bucket roles that read no object data (bucket metadata, object names): allowed unconditioned on the team's own bucket. */
export const LIST_ONLY_BUCKET_ROLES: readonly string[] = ['roles/storage.legacyBucketReader', 'roles/storage.bucketViewer'];

/** Project roles that reach every bucket's objects: never granted to a team identity. */
const PROJECT_STORAGE_ADMIN_ROLES: readonly string[] = ['roles/storage.admin', 'roles/storage.objectAdmin'];

/** Type prefixes of resource-manager IAM grants, and what they cover. */
const RESOURCE_MANAGER_SCOPES: readonly (readonly [string, string])[] = [
  ['gcp:projects/', 'project'],
  ['gcp:folder/', 'folder of projects'],
  ['gcp:organizations/', 'organization'],
];

/** A team identity: a service account, or a member computed from one of the graph's resources (the team's account). */
function isTeamIdentity(member: unknown): boolean {
  return isUnknown(member) || (typeof member === 'string' && member.startsWith('serviceAccount:'));
}

function isPublic(member: unknown): boolean {
  return member === 'allUsers' || member === 'allAuthenticatedUsers';
}

function bucketNamesOf(graph: readonly RecordedResource[]): Set<string> {
  return new Set(
    graph.filter((b) => b.type === 'gcp:storage/bucket:Bucket').flatMap((b) => [b.name, ...(typeof b.inputs['name'] === 'string' ? [b.inputs['name']] : [])]),
  );
}

/**
 * G9 (scope part): a team identity reaches only its own bucket and prefix. On a bucket, every
 * grant to a service account (or a computed member: the team's account) carries a condition
 * naming `teams/<team>/`, except the list-only roles of {@link LIST_ONLY_BUCKET_ROLES} on a bucket
 * of the same graph (the team's own bucket: they read no object data, only bucket metadata and
 * object names). On a managed folder, the folder is under `teams/<team>/`. On the project (or a
 * folder or organization), no storage.admin or objectAdmin at all, and other object roles only
 * with the team-prefix condition. No bucket or folder is granted to allUsers or
 * allAuthenticatedUsers. The team is the `team` label of the resource's provider.
 */
export const G9_SCOPE: GcpRule = {
  id: 'G9',
  description: 'a team identity reaches only its own bucket and teams/<team>/ prefix; no project-wide storage admin',
  check(r, graph) {
    const grants = grantsOf(r);
    const scope = r.type.startsWith('gcp:storage/bucket') ? 'bucket' : r.type.startsWith('gcp:storage/managedFolder') ? 'folder' : RESOURCE_MANAGER_SCOPES.find(([p]) => r.type.startsWith(p))?.[1];
    if (grants === undefined || scope === undefined) return notApplicable;
    const relevant = grants.filter((g) => g.members.some((m) => isTeamIdentity(m) || ((scope === 'bucket' || scope === 'folder') && isPublic(m))));
    if (relevant.length === 0) return notApplicable;
    const provider = providerOf(r, graph);
    const team = provider ? labelsOf(provider)['team'] : undefined;
    if (!team) return verdict(['cannot tell the team: created through no provider with a team label']);
    const prefix = `teams/${team}/`;
    const names = (g: Grant) => g.expression?.includes(prefix) === true;
    const reasons: string[] = [];
    for (const g of relevant) {
      if (g.members.some(isPublic)) reasons.push(`grants ${g.role} to the public`);
      if (!g.members.some(isTeamIdentity)) continue;
      if (scope === 'bucket') {
        const ownBucket = bucketNamesOf(graph).has(String(r.inputs['bucket']));
        if (LIST_ONLY_BUCKET_ROLES.includes(g.role) && ownBucket) continue;
        if (!names(g)) reasons.push(`grants ${g.role} on bucket ${String(r.inputs['bucket'])} with no condition naming ${prefix}`);
      } else if (scope === 'folder') {
        const folder = r.inputs['managedFolder'];
        // The folder may be named alone (`teams/vision/`) or with its bucket (`<bucket>/teams/vision/`).
        if (!(typeof folder === 'string' && (folder.startsWith(prefix) || folder.includes(`/${prefix}`)))) {
          reasons.push(`managedFolder ${String(folder)} is not under ${prefix}`);
        }
      } else if (PROJECT_STORAGE_ADMIN_ROLES.includes(g.role)) {
        reasons.push(`grants ${g.role} on the whole ${scope}`);
      } else if (g.role.startsWith('roles/storage.object') && !names(g)) {
        reasons.push(`grants ${g.role} on the whole ${scope} with no condition naming ${prefix}`);
      }
    }
    return verdict(reasons);
  },
};

/** G9: a team's identity reaches only its own bucket/prefix, and no owner/editor role is granted anywhere ({@link G9_ROLES} and {@link G9_SCOPE}). */
export const G9: GcpRule = {
  id: 'G9',
  description: 'a team identity reaches only its own bucket/prefix; no roles/owner or roles/editor anywhere',
  check(r, graph) {
    const results = [G9_ROLES.check(r, graph), G9_SCOPE.check(r, graph)];
    if (results.every((x) => x.status === 'not-applicable')) return notApplicable;
    return verdict(results.flatMap((x) => [...x.reasons]));
  },
};

/** Team labels: every cloud resource is created through a provider whose defaultLabels carry the team's labels. */
export const LABELS: GcpRule = {
  id: 'labels',
  description: 'every resource carries the team and cost-allocation labels (team provider defaultLabels)',
  check(r, graph) {
    if (!r.custom || r.type.startsWith('pulumi:providers:')) return notApplicable;
    const provider = providerOf(r, graph);
    if (!provider) return verdict([`created through no team provider (provider ${r.provider ?? 'default'})`]);
    const labels = labelsOf(provider);
    return verdict(REQUIRED_LABELS.filter((k) => !labels[k]).map((k) => `provider ${provider.name} sets no '${k}' label`));
  },
};

/** Types that may not stand at rest, with why: they bill while they exist, or exist only for what does. */
const NOT_AT_REST: Readonly<Record<string, string>> = {
  'gcp:compute/routerNat:RouterNat': 'bills while it exists',
  'gcp:compute/router:Router': 'exists only for Cloud NAT, which gpu-burst does not use',
  'gcp:compute/address:Address': 'bills while it exists',
  'gcp:compute/globalAddress:GlobalAddress': 'bills while it exists',
  'gcp:compute/reservation:Reservation': 'bills while it exists',
  'gcp:tpu/v2Vm:V2Vm': 'bills while it exists',
  'gcp:tpu/node:Node': 'bills while it exists',
  'gcp:tpu/v2QueuedResource:V2QueuedResource': 'bills while it exists (burst start creates TPUs)',
  'gcp:container/cluster:Cluster': 'bills while it exists',
};

/** VM types: allowed at rest only stopped (`desiredStatus: 'TERMINATED'`, the dev box). */
const VM_TYPES: readonly string[] = [
  'gcp:compute/instance:Instance',
  'gcp:compute/instanceFromTemplate:InstanceFromTemplate',
  'gcp:compute/instanceFromMachineImage:InstanceFromMachineImage',
];

/**
 * X4: when no burst runs, nothing billable but storage stands: VMs only stopped (desiredStatus
 * TERMINATED), managed instance groups at targetSize 0 and autoscalers at minReplicas 0, no NAT,
 * router, address, reservation, cluster or TPU resource (the TpuNode component records a request;
 * `burst start` creates the TPU).
 */
export const X4: GcpRule = {
  id: 'X4',
  description: 'nothing billable but storage stands at rest (VMs TERMINATED, MIGs at 0; no NAT, router, address or TPU)',
  check(r) {
    if (!r.custom) return notApplicable;
    const why = NOT_AT_REST[r.type];
    if (why) return verdict([`${r.type} ${why}`]);
    if (VM_TYPES.includes(r.type) && r.inputs['desiredStatus'] !== 'TERMINATED') {
      const status = r.inputs['desiredStatus'];
      return verdict([`desiredStatus is ${status === undefined ? 'not set' : JSON.stringify(status)}, not 'TERMINATED': the VM runs and bills at rest`]);
    }
    if (/InstanceGroupManager$/.test(r.type) && Number(r.inputs['targetSize'] ?? 0) > 0) {
      return verdict([`targetSize ${String(r.inputs['targetSize'])} runs VMs at rest`]);
    }
    if (/Autoscaler$/.test(r.type) && Number(path(r.inputs, 'autoscalingPolicy', 'minReplicas') ?? 0) > 0) {
      return verdict([`autoscalingPolicy.minReplicas ${String(path(r.inputs, 'autoscalingPolicy', 'minReplicas'))} runs VMs at rest`]);
    }
    return { status: 'pass', reasons: [] };
  },
};

/** Every GCP rule gpu-burst applies, one per checklist id. */
export const GCP_RULES: readonly GcpRule[] = [G1, G2, G3, G4, G5, G6, G7, G8, G9, LABELS, X4];

/** Runs every rule over a graph; returns the failures. */
export function checkGraph(graph: readonly RecordedResource[], rules: readonly GcpRule[] = GCP_RULES): RuleFinding[] {
  return rules.flatMap((rule) =>
    graph.flatMap((resource) => {
      const result = rule.check(resource, graph);
      return result.status === 'fail' ? [{ rule: rule.id, resource: `${resource.type}::${resource.name}`, reasons: result.reasons }] : [];
    }),
  );
}
