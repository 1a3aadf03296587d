/**
 * The Google Cloud half of the leak report (cli/leaks.ts): list calls in the team's project,
 * filtered on the `team` label (Compute Engine filters `labels.team = "<team>"` server side; TPU,
 * Batch and managed instance groups are matched here, by label or by the names gpu-burst gives
 * them). A denied or failing kind is recorded as not checked and the others go on; missing
 * credentials or an unreachable API stop the report. A throttled call (RESOURCE_EXHAUSTED, 429) is
 * retried {@link GCP_RETRIES} times after an injected sleep; an API that is not enabled holds
 * nothing, so its kind counts as checked (with a note).
 *
 * Clients are plain objects with the methods of @google-cloud/compute, @google-cloud/tpu and
 * @google-cloud/batch the report uses, so tests pass fakes.
 */
import type { protos as batchProtos } from '@google-cloud/batch';
import { GCP_CPU_MACHINE_TYPES, GCP_MACHINE_TYPES, GCP_SERVICE_PRICES, GCP_TPU_TYPES } from '../spec/catalog/index.js';
import { HOURS_PER_MONTH, standingCost } from '../spec/cost.js';
import type { GcpPlan } from '../spec/plan.js';
import { UserError } from '../spec/problems.js';
import { queuedResourceState, type QueuedResourceLike } from './commands/start-gcp.js';
import { GCP_CREDENTIALS, gcpErrorCode, gcpFailure } from './gcp-errors.js';
import type { CloudCheckContext, CloudLeaks, Disposition, GcpLeakKind, LeakFinding, UncheckedKind } from './leaks.js';

/** Retries of a throttled Google call, and the first wait (doubling). */
export const GCP_RETRIES = 2;
export const GCP_RETRY_MS = 2_000;
/** Pages of Batch jobs read before the report says it stopped. */
const MAX_JOB_PAGES = 50;

type IJob = batchProtos.google.cloud.batch.v1.IJob;
type IListJobsRequest = batchProtos.google.cloud.batch.v1.IListJobsRequest;

/** What every client may have: authentication up front (so a missing login fails once, clearly) and close. */
interface Lifecycle {
  initialize?(): Promise<unknown>;
  close?(): Promise<void>;
}

/** A VM as Compute Engine lists it. */
export interface GceInstanceLike {
  readonly name?: string | null;
  readonly zone?: string | null;
  readonly status?: string | null;
  readonly machineType?: string | null;
  readonly labels?: Readonly<Record<string, string>> | null;
  readonly scheduling?: { readonly provisioningModel?: string | null; readonly preemptible?: boolean | null } | null;
  readonly guestAccelerators?: readonly { readonly acceleratorCount?: number | null }[] | null;
  readonly disks?: readonly { readonly source?: string | null; readonly boot?: boolean | null }[] | null;
  readonly metadata?: { readonly items?: readonly { readonly key?: string | null; readonly value?: string | null }[] | null } | null;
}

/** A persistent disk. */
export interface GceDiskLike {
  readonly name?: string | null;
  readonly zone?: string | null;
  readonly region?: string | null;
  /** GiB (int64: a string, a number or a Long, by transport). */
  readonly sizeGb?: string | number | { toString(): string } | null;
  readonly type?: string | null;
  readonly status?: string | null;
  readonly users?: readonly string[] | null;
  readonly labels?: Readonly<Record<string, string>> | null;
}

/** A reserved IP address. */
export interface GceAddressLike {
  readonly name?: string | null;
  readonly region?: string | null;
  readonly address?: string | null;
  readonly status?: string | null;
  readonly addressType?: string | null;
  readonly users?: readonly string[] | null;
}

/** A managed instance group. */
export interface GceMigLike {
  readonly name?: string | null;
  readonly description?: string | null;
  readonly targetSize?: number | null;
}

/** A TPU VM node (v2 API). */
export interface TpuNodeListLike {
  readonly name?: string | null;
  readonly acceleratorType?: string | null;
  readonly state?: unknown;
  readonly labels?: Readonly<Record<string, string>> | null;
  readonly schedulingConfig?: { readonly spot?: boolean | null; readonly preemptible?: boolean | null } | null;
  readonly queuedResource?: string | null;
}

/** A queued resource with the labels of the node it asks for. */
export type QueuedResourceListLike = QueuedResourceLike & {
  readonly tpu?: { readonly nodeSpec?: readonly { readonly node?: { readonly labels?: Readonly<Record<string, string>> | null; readonly acceleratorType?: string | null } | null }[] | null } | null;
};

type Aggregated<K extends string, T> = AsyncIterable<[string, { readonly [key in K]?: readonly T[] | null }]>;
/** An aggregated (all zones or regions) Compute Engine listing, filtered server side. */
interface AggregatedRequest {
  project: string;
  filter: string;
  returnPartialSuccess?: boolean;
}
type Make<T> = () => T | Promise<T>;

/** `InstancesClient`. */
export interface InstancesListClient extends Lifecycle {
  aggregatedListAsync(request: AggregatedRequest): Aggregated<'instances', GceInstanceLike>;
}
/** `DisksClient`. */
export interface DisksListClient extends Lifecycle {
  aggregatedListAsync(request: AggregatedRequest): Aggregated<'disks', GceDiskLike>;
}
/** `AddressesClient` (regional addresses). */
export interface AddressesListClient extends Lifecycle {
  aggregatedListAsync(request: AggregatedRequest): Aggregated<'addresses', GceAddressLike>;
}
/** `GlobalAddressesClient`. */
export interface GlobalAddressesListClient extends Lifecycle {
  list(request: { project: string; filter: string }): Promise<[GceAddressLike[], ...unknown[]]>;
}
/** `RegionInstanceGroupManagersClient`. */
export interface MigListClient extends Lifecycle {
  list(request: { project: string; region: string }): Promise<[GceMigLike[], ...unknown[]]>;
}
/** The TPU v2 listing calls (`v2.TpuClient`). */
export interface TpuListClient extends Lifecycle {
  listNodes(request: { parent: string }): Promise<[TpuNodeListLike[], ...unknown[]]>;
  listQueuedResources(request: { parent: string }): Promise<[QueuedResourceListLike[], ...unknown[]]>;
}
/** The Batch v1 listing call, one page at a time (`BatchServiceClient`). */
export interface BatchListClient extends Lifecycle {
  listJobs(request: IListJobsRequest, options: { autoPaginate: false }): Promise<[IJob[], IListJobsRequest | null | undefined, ...unknown[]]>;
}

/** Where the report gets its Google clients (the real classes fit these shapes; tests pass fakes). */
export interface GcpLeakClients {
  readonly instances: Make<InstancesListClient>;
  readonly disks: Make<DisksListClient>;
  readonly addresses: Make<AddressesListClient>;
  readonly globalAddresses: Make<GlobalAddressesListClient>;
  readonly regionInstanceGroupManagers: Make<MigListClient>;
  readonly tpu: Make<TpuListClient>;
  readonly batch: Make<BatchListClient>;
}

/** The real clients: each library imported on first use, reading Application Default Credentials. */
export function googleLeakClients(): GcpLeakClients {
  return {
    async instances() {
      return new (await import('@google-cloud/compute')).InstancesClient();
    },
    async disks() {
      return new (await import('@google-cloud/compute')).DisksClient();
    },
    async addresses() {
      return new (await import('@google-cloud/compute')).AddressesClient();
    },
    async globalAddresses() {
      return new (await import('@google-cloud/compute')).GlobalAddressesClient();
    },
    async regionInstanceGroupManagers() {
      return new (await import('@google-cloud/compute')).RegionInstanceGroupManagersClient();
    },
    async tpu() {
      return new (await import('@google-cloud/tpu')).v2.TpuClient();
    },
    async batch() {
      return new (await import('@google-cloud/batch')).BatchServiceClient();
    },
  };
}

/** Failures that make every other call fail the same way. */
function fatal(err: UserError): boolean {
  return err.message === GCP_CREDENTIALS || /^Google Cloud credentials were rejected|^cannot reach Google Cloud/.test(err.message);
}

/** A rate limit rather than a capacity quota: worth a retry. */
function throttled(err: unknown): boolean {
  const message = (err as { message?: string } | undefined)?.message ?? '';
  const code = gcpErrorCode(err);
  return code === 8 || code === 429 || /RESOURCE_EXHAUSTED|rateLimitExceeded|Rate Limit Exceeded|per minute/i.test(message);
}

function disabled(err: unknown): boolean {
  const e = (err ?? {}) as { reason?: string; message?: string };
  return e.reason === 'SERVICE_DISABLED' || /SERVICE_DISABLED|has not been used in project|is disabled/i.test(e.message ?? '');
}

/** The last path segment of a Compute Engine URL (`.../zones/us-central1-a` → `us-central1-a`). */
const last = (url: string | null | undefined) => (url ?? '').split('/').pop() ?? '';
const money = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;
const TPU_NODE_STATES: Readonly<Record<number, string>> = {
  0: 'STATE_UNSPECIFIED', 1: 'CREATING', 2: 'READY', 3: 'RESTARTING', 4: 'REIMAGING', 5: 'DELETING', 6: 'REPAIRING', 8: 'STOPPED',
  9: 'STOPPING', 10: 'STARTING', 11: 'PREEMPTED', 12: 'TERMINATED', 13: 'HIDING', 14: 'HIDDEN', 15: 'UNHIDING', 16: 'UNKNOWN',
};
const JOB_STATES = ['STATE_UNSPECIFIED', 'QUEUED', 'SCHEDULED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DELETION_IN_PROGRESS', 'CANCELLATION_IN_PROGRESS', 'CANCELLED'];
const FINAL_JOB_STATES = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
/** VM states in which the machine (not only its disks) bills. */
const COMPUTE_BILLING = new Set(['PROVISIONING', 'STAGING', 'RUNNING', 'STOPPING', 'SUSPENDING', 'REPAIRING']);
/** TPU node states in which the slice bills. */
const TPU_BILLING = new Set(['CREATING', 'READY', 'RESTARTING', 'REIMAGING', 'REPAIRING', 'STARTING', 'STOPPING', 'UNHIDING', 'HIDING']);

function enumName(value: unknown, names: Readonly<Record<number, string>>): string {
  if (typeof value === 'number') return names[value] ?? String(value);
  return typeof value === 'string' ? value : 'STATE_UNSPECIFIED';
}

function vmPrice(i: GceInstanceLike): { usdPerHour: number; basis: string } | undefined {
  const type = last(i.machineType);
  const count = i.guestAccelerators?.[0]?.acceleratorCount ?? 0;
  const entry =
    GCP_MACHINE_TYPES.find((t) => t.machineType === type && (t.gpuAttachment === 'bundled' || t.acceleratorCount === count)) ??
    GCP_CPU_MACHINE_TYPES.find((t) => t.machineType === type);
  if (!entry) return undefined;
  const spot = i.scheduling?.provisioningModel === 'SPOT' || i.scheduling?.preemptible === true;
  const p = spot ? entry.prices.spot : entry.prices.onDemand;
  return { usdPerHour: p.usdPerHour, basis: `${type}${count ? ` + ${count} GPU` : ''} ${spot ? 'spot' : 'on-demand'} at ${money(p.usdPerHour)}/h (catalog, ${p.region}, ${p.asOf})` };
}

function diskPrice(d: GceDiskLike): { usdPerHour: number; basis: string; gib: number } {
  const gib = Number(String(d.sizeGb ?? 0));
  const type = last(d.type) || 'pd-balanced';
  const known = { 'pd-standard': GCP_SERVICE_PRICES.pdStandard, 'pd-balanced': GCP_SERVICE_PRICES.pdBalanced, 'pd-ssd': GCP_SERVICE_PRICES.pdSsd }[type];
  const price = known ?? GCP_SERVICE_PRICES.pdBalanced;
  return { gib, usdPerHour: (gib * price.usd) / HOURS_PER_MONTH, basis: `${gib} GiB ${type} at ${money(price.usd)}/GB-month${known ? '' : ' (pd-balanced price)'}` };
}

/** Runs the GCP checks for one team. */
export async function gcpLeaks(plan: GcpPlan, clients: GcpLeakClients, ctx: CloudCheckContext): Promise<CloudLeaks> {
  const { team } = ctx;
  const { project, region } = plan;
  const p = `--project ${project}`;
  const unchecked: UncheckedKind[] = [];
  const checked: GcpLeakKind[] = [];
  const notes: string[] = [];
  const findings: LeakFinding[] = [];
  const labelFilter = `labels.team = "${team}"`;
  const opened: Lifecycle[] = [];
  const atRest: Disposition = ctx.afterTeardown ? 'leak' : 'at-rest';
  const dataDisk = `${team}-devbox-data`;

  const made = new Map<string, Lifecycle>();
  /** The client for `key`, made once (a retried listing reuses it) and authenticated before its first call. */
  async function open<T extends Lifecycle>(key: string, make: () => T | Promise<T>): Promise<T> {
    const known = made.get(key);
    if (known) return known as T;
    const client = await make();
    opened.push(client);
    made.set(key, client);
    await client.initialize?.();
    return client;
  }

  async function retried<T>(action: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= GCP_RETRIES || !throttled(err)) throw err;
        const wait = GCP_RETRY_MS * 2 ** attempt;
        ctx.progress(`gcp: ${action} throttled; retrying in ${wait / 1000}s`);
        await ctx.sleep(wait);
      }
    }
  }

  /** One kind's listing: retried when throttled; a denial or failure marks the kind unchecked; fatal errors stop everything. */
  async function check<T>(kind: GcpLeakKind, action: string, needs: string, fn: () => Promise<T>): Promise<T | undefined> {
    ctx.progress(`gcp ${project}: checking ${kind}...`);
    try {
      const result = await retried(action, fn);
      if (!checked.includes(kind)) checked.push(kind);
      return result;
    } catch (err) {
      if (disabled(err)) {
        if (!checked.includes(kind)) checked.push(kind);
        notes.push(`${kind}: its API is not enabled in ${project}, so none can exist (${action})`);
        return undefined;
      }
      const mapped = gcpFailure(err, { action, project, needs });
      if (!(mapped instanceof UserError) || fatal(mapped)) throw mapped;
      if (!unchecked.some((u) => u.kind === kind)) unchecked.push({ cloud: 'gcp', kind, reason: mapped.message });
      return undefined;
    }
  }

  async function aggregated<K extends string, T>(iterable: Aggregated<K, T>, key: K): Promise<T[]> {
    const all: T[] = [];
    for await (const [, scoped] of iterable) all.push(...(scoped[key] ?? []));
    return all;
  }

  try {
    // --- disks first: a VM's cost includes its disks, and unattached ones are findings of their own
    const disks = await check('disk', 'compute.disks.list', 'compute.disks.list on the project', async () => {
      const client = await open('disks', () => clients.disks());
      return aggregated(client.aggregatedListAsync({ project, filter: labelFilter, returnPartialSuccess: true }), 'disks');
    });
    const disksByUrl = new Map<string, GceDiskLike>();
    for (const d of disks ?? []) disksByUrl.set(`${last(d.zone) || last(d.region)}/${d.name ?? ''}`, d);

    // --- VMs: running ones bill their machine, stopped (TERMINATED) ones their disks
    const vms = await check('instance', 'compute.instances.list', 'compute.instances.list on the project', async () => {
      const client = await open('instances', () => clients.instances());
      return aggregated(client.aggregatedListAsync({ project, filter: labelFilter, returnPartialSuccess: true }), 'instances');
    });
    for (const vm of vms ?? []) {
      const name = vm.name ?? '?';
      const zone = last(vm.zone);
      const status = vm.status ?? 'UNKNOWN';
      const devBox = vm.labels?.['gpu-burst-role'] === 'devbox';
      const computing = COMPUTE_BILLING.has(status);
      const own = (vm.disks ?? [])
        .map((d) => disksByUrl.get(`${last((d.source ?? '').replace(/\/disks\/[^/]+$/, ''))}/${last(d.source)}`))
        .filter((d): d is GceDiskLike => d !== undefined && d.name !== dataDisk);
      const diskCost = own.reduce((sum, d) => sum + diskPrice(d).usdPerHour, 0);
      const diskGiB = own.reduce((sum, d) => sum + diskPrice(d).gib, 0);
      if (!computing && (vm.disks ?? []).length === 0) continue;
      const price = computing ? vmPrice(vm) : undefined;
      const mig = (vm.metadata?.items ?? []).find((m) => m.key === 'created-by' && /instanceGroupManagers\//.test(m.value ?? ''))?.value;
      const disposition: Disposition = devBox && !computing ? atRest : 'leak';
      // Batch labels the VMs it creates with the job (https://cloud.google.com/batch/docs/organize-resources-using-labels).
      const batchJob = vm.labels?.['batch-job-id'];
      const suspended = status === 'SUSPENDED' ? ' and its saved memory state' : '';
      const disksText = disks === undefined ? 'its disks (not checked)' : `its disks (${diskGiB} GiB${diskGiB ? `, ${money(diskCost * HOURS_PER_MONTH)}/month` : ''})`;
      findings.push({
        cloud: 'gcp',
        kind: 'instance',
        id: name,
        ...(devBox ? { name: 'dev box' } : vm.labels?.['gpu-burst-fleet'] ? { name: `fleet ${vm.labels['gpu-burst-fleet']}` } : {}),
        location: zone,
        state: `${status} ${last(vm.machineType)}`,
        disposition,
        bills: computing
          ? `${price ? price.basis : `${last(vm.machineType)}: not in the catalog`} + ${disksText}`
          : `${status}: no machine charge; ${disksText}${suspended} bill${devBox && disposition === 'at-rest' ? '; the dev box at rest' : ''}`,
        ...(computing ? (price ? { usdPerHour: price.usdPerHour + diskCost } : {}) : { usdPerHour: diskCost }),
        remove: batchJob
          ? `a VM of Batch job ${batchJob}: gcloud batch jobs delete ${batchJob} --location ${region} ${p} --quiet`
          : mig
          ? `gcloud compute instance-groups managed resize ${last(mig)} --size 0 ${/\/regions\//.test(mig) ? `--region ${last(mig.replace(/\/instanceGroupManagers\/.*$/, ''))}` : `--zone ${zone}`} ${p}`
          : devBox && computing && !ctx.afterTeardown
            ? `gcloud compute instances stop ${name} --zone ${zone} ${p}`
            : devBox && disposition === 'at-rest'
              ? `npx burst down ${team} --cloud gcp (or pulumi destroy -s ${team} --exclude-protected); its data disk is kept`
              : `gcloud compute instances delete ${name} --zone ${zone} ${p} --quiet`,
      });
    }

    // --- unattached disks, and the dev box data disk wherever it is
    for (const d of disks ?? []) {
      const name = d.name ?? '?';
      const isData = name === dataDisk;
      if (!isData && (d.users ?? []).length > 0) continue;
      const price = diskPrice(d);
      const where = d.zone ? `--zone ${last(d.zone)}` : `--region ${last(d.region)}`;
      findings.push({
        cloud: 'gcp',
        kind: 'disk',
        id: name,
        ...(isData ? { name: 'dev box data' } : {}),
        location: last(d.zone) || last(d.region),
        state: `${d.status ?? 'READY'}${(d.users ?? []).length ? `, attached to ${(d.users ?? []).map(last).join(', ')}` : ', unattached'}`,
        disposition: isData ? 'retained' : 'leak',
        bills: isData ? `${price.basis}: the dev box data disk, retained by design: delete it when its data is safe` : price.basis,
        usdPerHour: price.usdPerHour,
        remove: isData
          ? `gcloud compute snapshots create ${name}-final --source-disk ${name} --source-disk-${d.zone ? 'zone' : 'region'} ${last(d.zone) || last(d.region)} ${p} (optional), then gcloud compute disks delete ${name} ${where} ${p} --quiet`
          : `gcloud compute disks delete ${name} ${where} ${p} --quiet`,
      });
    }

    // --- reserved external addresses (gpu-burst reserves none)
    const addresses = await check('address', 'compute.addresses.list', 'compute.addresses.list and compute.globalAddresses.list on the project', async () => {
      const regional = await open('addresses', () => clients.addresses());
      const found = await aggregated(regional.aggregatedListAsync({ project, filter: labelFilter, returnPartialSuccess: true }), 'addresses');
      const global = await open('globalAddresses', () => clients.globalAddresses());
      const [globals] = await global.list({ project, filter: labelFilter });
      return [...found, ...globals];
    });
    const ip = GCP_SERVICE_PRICES.natIpAddress;
    for (const a of addresses ?? []) {
      if (a.addressType === 'INTERNAL') continue;
      const name = a.name ?? '?';
      const location = a.region ? last(a.region) : 'global';
      findings.push({
        cloud: 'gcp',
        kind: 'address',
        id: name,
        ...(a.address ? { name: a.address } : {}),
        location,
        state: `${a.status ?? '?'}${(a.users ?? []).length ? `, used by ${(a.users ?? []).map(last).join(', ')}` : ''}`,
        disposition: 'leak',
        bills: `static external IPv4: at least ${money(ip.usd)}/h (the in-use rate; Google bills a reserved address that nothing uses at a higher rate)`,
        usdPerHour: ip.usd,
        remove: `gcloud compute addresses delete ${name} ${a.region ? `--region ${location}` : '--global'} ${p} --quiet`,
      });
    }

    // --- managed instance groups above 0 (the team's fleets: `<team>-<fleet>`, described `gpu-burst <team> ...`)
    const fleetNames = new Set(plan.items.filter((i) => i.kind === 'gpuFleet').map((i) => `${team}-${i.name}`));
    const migs = await check('instance-group', 'compute.instanceGroupManagers.list', 'compute.instanceGroupManagers.list on the project', async () => {
      const client = await open('regionInstanceGroupManagers', () => clients.regionInstanceGroupManagers());
      return (await client.list({ project, region }))[0];
    });
    for (const g of migs ?? []) {
      const name = g.name ?? '?';
      const ours = fleetNames.has(name) || (g.description ?? '').startsWith(`gpu-burst ${team} `);
      const size = g.targetSize ?? 0;
      if (!ours || size <= 0) continue;
      findings.push({
        cloud: 'gcp',
        kind: 'instance-group',
        id: name,
        location: region,
        state: `targetSize ${size}`,
        disposition: 'leak',
        bills: 'bills through its VMs (listed as instances); it recreates any you delete',
        usdPerHour: 0,
        remove: ctx.afterTeardown
          ? `gcloud compute instance-groups managed delete ${name} --region ${region} ${p} --quiet`
          : `gcloud compute instance-groups managed resize ${name} --size 0 --region ${region} ${p}`,
      });
    }

    // --- TPU nodes and queued resources (`<team>-<tpu>`) in the team's zones
    const tpuIds = new Set(plan.items.filter((i) => i.kind === 'tpuNode').map((i) => `${team}-${i.name}`));
    const zones = [...new Set([...plan.zones, ...plan.items.flatMap((i) => (i.kind === 'tpuNode' ? [i.zone] : []))])];
    const tpuNeeds = 'tpu.nodes.list and tpu.queuedResources.list on the project (roles/tpu.viewer)';
    const tpuApi = () => open('tpu', () => clients.tpu());
    const nodes = await check('tpu-node', 'tpu.nodes.list', tpuNeeds, async () => {
      const tpu = await tpuApi();
      const all: (TpuNodeListLike & { zone: string })[] = [];
      for (const zone of zones) for (const n of (await tpu.listNodes({ parent: `projects/${project}/locations/${zone}` }))[0]) all.push({ ...n, zone });
      return all;
    });
    for (const n of nodes ?? []) {
      const id = last(n.name);
      if (!(n.labels?.['team'] === team || tpuIds.has(id))) continue;
      const state = enumName(n.state, TPU_NODE_STATES);
      if (state === 'DELETING') continue;
      const type = GCP_TPU_TYPES.find((t) => t.acceleratorType === n.acceleratorType);
      const spot = n.schedulingConfig?.spot === true || n.schedulingConfig?.preemptible === true;
      const price = type ? (spot ? type.prices.spot : type.prices.onDemand) : undefined;
      const billing = TPU_BILLING.has(state);
      const qr = n.queuedResource ? last(n.queuedResource) : undefined;
      findings.push({
        cloud: 'gcp',
        kind: 'tpu-node',
        id,
        location: n.zone,
        state: `${state} ${n.acceleratorType ?? ''}`.trim(),
        disposition: 'leak',
        bills: billing
          ? price
            ? `${n.acceleratorType} ${spot ? 'spot' : 'on-demand'} at ${money(price.usdPerHour)}/h (catalog, ${price.region}, ${price.asOf})`
            : `${n.acceleratorType ?? 'TPU'}: not in the catalog`
          : `${state}: the slice does not run, but the node is not deleted`,
        ...(billing ? (price ? { usdPerHour: price.usdPerHour } : {}) : { usdPerHour: 0 }),
        remove: qr
          ? `gcloud compute tpus queued-resources delete ${qr} --zone ${n.zone} ${p} --force --quiet`
          : `gcloud compute tpus tpu-vm delete ${id} --zone ${n.zone} ${p} --quiet`,
      });
    }
    const queued = await check('queued-resource', 'tpu.queuedResources.list', tpuNeeds, async () => {
      const tpu = await tpuApi();
      const all: (QueuedResourceListLike & { zone: string })[] = [];
      for (const zone of zones) for (const q of (await tpu.listQueuedResources({ parent: `projects/${project}/locations/${zone}` }))[0]) all.push({ ...q, zone });
      return all;
    });
    for (const q of queued ?? []) {
      const id = last(q.name);
      const labelled = (q.tpu?.nodeSpec ?? []).some((s) => s.node?.labels?.['team'] === team);
      if (!(labelled || tpuIds.has(id))) continue;
      const state = queuedResourceState(q);
      if (state === 'FAILED' || state === 'SUSPENDED' || state === 'DELETING') continue;
      const type = GCP_TPU_TYPES.find((t) => t.acceleratorType === q.tpu?.nodeSpec?.[0]?.node?.acceleratorType);
      findings.push({
        cloud: 'gcp',
        kind: 'queued-resource',
        id,
        location: q.zone,
        state,
        disposition: 'leak',
        bills:
          state === 'ACTIVE'
            ? 'bills through its TPU node (listed as tpu-node)'
            : `waiting for capacity: creates the slice and bills${type ? ` about ${money(type.prices.spot.usdPerHour)}/h (spot)` : ''} once granted`,
        usdPerHour: 0,
        remove: `gcloud compute tpus queued-resources delete ${id} --zone ${q.zone} ${p} --force --quiet`,
      });
    }

    // --- Batch jobs of the team not in a final state
    const sweepRates = new Map(
      standingCost(plan)
        .lines.filter((l) => l.kind === 'sweepGroup' && l.running)
        .map((l) => [l.name, l.running]),
    );
    const jobs = await check('batch-job', 'batch.jobs.list', 'batch.jobs.list on the project (roles/batch.jobsViewer)', async () => {
      const batch = await open('batch', () => clients.batch());
      const all: IJob[] = [];
      let request: IListJobsRequest | null | undefined = { parent: `projects/${project}/locations/${region}`, pageSize: 100 };
      let pages = 0;
      for (; request && pages < MAX_JOB_PAGES; pages++) {
        const current: IListJobsRequest = request;
        const [page, next] = await batch.listJobs(current, { autoPaginate: false });
        all.push(...page);
        request = next;
      }
      if (request) notes.push(`batch-job: stopped after ${MAX_JOB_PAGES} pages of jobs; more may exist`);
      return all;
    });
    for (const job of jobs ?? []) {
      if (job.labels?.['team'] !== team) continue;
      const state = enumName(job.status?.state, JOB_STATES);
      if (FINAL_JOB_STATES.has(state)) continue;
      const id = last(job.name);
      const group = job.labels['gpu-burst-sweep'];
      const full = group ? sweepRates.get(group) : undefined;
      const runs = state === 'RUNNING' || state === 'SCHEDULED';
      findings.push({
        cloud: 'gcp',
        kind: 'batch-job',
        id,
        ...(group ? { name: `sweep ${group}` } : {}),
        location: region,
        state,
        disposition: 'leak',
        bills: runs
          ? full
            ? `its VMs, at most ${full.basis} (catalog, ${full.asOf})`
            : 'its VMs (group not in the team file: price unknown)'
          : `${state}: creates VMs and bills once scheduled`,
        ...(runs ? (full ? { usdPerHour: full.usdPerHour } : {}) : { usdPerHour: 0 }),
        remove: `gcloud batch jobs delete ${id} --location ${region} ${p} --quiet`,
      });
    }
  } finally {
    // close() waits for the client's own start-up, which may fail the way a reported call did.
    await Promise.all(opened.map((c) => c.close?.()?.catch(() => undefined)));
  }

  return { cloud: 'gcp', region, project, checked, unchecked, findings, notes };
}
