/**
 * The leak report on Google Cloud (cli/leaks-gcp.ts) against fake clients: plain objects with the
 * listing methods of @google-cloud/compute, /tpu and /batch that record every request and can fail
 * a given number of times. The sleep is injected (retries never wait).
 */
import { describe, expect, it } from 'vitest';
import { runLeaks } from '../../cli/commands/leaks.js';
import {
  GCP_LEAK_KINDS,
  LEAK_EXIT,
  leakReport,
  type GcpLeakClients,
  type LeakReport,
} from '../../cli/leaks.js';
import {
  GCP_RETRY_MS,
  type GceAddressLike,
  type GceDiskLike,
  type GceInstanceLike,
  type GceMigLike,
  type QueuedResourceListLike,
  type TpuNodeListLike,
} from '../../cli/leaks-gcp.js';
import { reportError } from '../../cli/main.js';
import { GCP_MACHINE_TYPES, GCP_SERVICE_PRICES, GCP_TPU_TYPES } from '../../spec/catalog/index.js';
import { standingCost } from '../../spec/cost.js';
import { planTeam } from '../../spec/plan.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { hasStackTrace, specFromYaml } from '../helpers.js';

const PROJECT = 'ml-project';
const REGION = 'us-central1';
const ZONE = 'us-central1-a';
const GCP_CREDENTIALS = 'no Google Cloud credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS';
const C = `https://www.googleapis.com/compute/v1/projects/${PROJECT}`;

function team(): TeamSpec {
  return specFromYaml(
    'ml',
    `gcp:
  project: ${PROJECT}
  region: ${REGION}
  zones: [us-central1-a, us-central1-b]
  fleets:
    - { name: train, accelerator: l4, nodes: 2 }
  tpus:
    - { name: pod, type: v5litepod-8, zone: ${ZONE} }
  sweeps:
    - { name: gsweep, accelerator: t4, parallelism: 4, imageTag: v1 }
  devBox:
    dataGiB: 100
`,
  );
}

const gError = (message: string, code?: number, extra: object = {}) => Object.assign(new Error(message), code === undefined ? {} : { code }, extra);

/** What the fake project holds, and failures to throw (each consumed once per call, in order). */
interface World {
  instances?: GceInstanceLike[];
  disks?: GceDiskLike[];
  addresses?: GceAddressLike[];
  globals?: GceAddressLike[];
  migs?: GceMigLike[];
  nodes?: Record<string, TpuNodeListLike[]>;
  queued?: Record<string, QueuedResourceListLike[]>;
  jobs?: Record<string, unknown>[][];
  fail?: Record<string, Error[]>;
  failInitialize?: Error;
}

interface Fake {
  readonly clients: GcpLeakClients;
  readonly calls: { method: string; request: unknown }[];
  readonly made: string[];
  readonly closed: string[];
}

function fake(world: World = {}): Fake {
  const calls: Fake['calls'] = [];
  const made: string[] = [];
  const closed: string[] = [];
  const maybeFail = (method: string) => {
    const err = world.fail?.[method]?.shift();
    if (err) throw err;
  };
  const lifecycle = (name: string) => ({
    initialize: async () => {
      if (world.failInitialize) throw world.failInitialize;
    },
    close: async () => void closed.push(name),
  });
  function aggregated<K extends string, T extends { zone?: string | null; region?: string | null }>(method: string, key: K, items: T[] = []) {
    return (request: unknown) => {
      calls.push({ method, request });
      return (async function* () {
        maybeFail(method);
        const scopes = new Map<string, T[]>();
        for (const item of items) {
          const scope = item.zone ? `zones/${item.zone.split('/').pop()}` : item.region ? `regions/${item.region.split('/').pop()}` : 'global';
          scopes.set(scope, [...(scopes.get(scope) ?? []), item]);
        }
        yield ['zones/us-east1-b', {}] as [string, { [k in K]?: T[] }];
        for (const [scope, list] of scopes) yield [scope, { [key]: list }] as [string, { [k in K]?: T[] }];
      })();
    };
  }
  const clients: GcpLeakClients = {
    instances: () => (made.push('instances'), { ...lifecycle('instances'), aggregatedListAsync: aggregated('instances.aggregatedList', 'instances', world.instances) }),
    disks: () => (made.push('disks'), { ...lifecycle('disks'), aggregatedListAsync: aggregated('disks.aggregatedList', 'disks', world.disks) }),
    addresses: () => (made.push('addresses'), { ...lifecycle('addresses'), aggregatedListAsync: aggregated('addresses.aggregatedList', 'addresses', world.addresses) }),
    globalAddresses: () => (
      made.push('globalAddresses'),
      {
        ...lifecycle('globalAddresses'),
        list: async (request) => (calls.push({ method: 'globalAddresses.list', request }), maybeFail('globalAddresses.list'), [world.globals ?? []]),
      }
    ),
    regionInstanceGroupManagers: () => (
      made.push('migs'),
      {
        ...lifecycle('migs'),
        list: async (request) => (calls.push({ method: 'regionInstanceGroupManagers.list', request }), maybeFail('regionInstanceGroupManagers.list'), [world.migs ?? []]),
      }
    ),
    tpu: async () => (
      made.push('tpu'),
      {
        ...lifecycle('tpu'),
        listNodes: async (request) => {
          calls.push({ method: 'tpu.listNodes', request });
          maybeFail('tpu.listNodes');
          return [world.nodes?.[request.parent.split('/').pop() ?? ''] ?? []];
        },
        listQueuedResources: async (request) => {
          calls.push({ method: 'tpu.listQueuedResources', request });
          maybeFail('tpu.listQueuedResources');
          return [world.queued?.[request.parent.split('/').pop() ?? ''] ?? []];
        },
      }
    ),
    batch: () => (
      made.push('batch'),
      {
        ...lifecycle('batch'),
        listJobs: async (request) => {
          calls.push({ method: 'batch.listJobs', request });
          maybeFail('batch.listJobs');
          const pages = world.jobs ?? [[]];
          const index = request.pageToken ? Number(request.pageToken) : 0;
          const next = index + 1 < pages.length ? { ...request, pageToken: String(index + 1) } : null;
          return [pages[index] ?? [], next] as never;
        },
      }
    ),
  };
  return { clients, calls, made, closed };
}

async function report(world: World, opts: { afterTeardown?: boolean } = {}) {
  const f = fake(world);
  const sleeps: number[] = [];
  let stderr = '';
  const r = await leakReport(team(), { cloud: 'gcp', ...opts }, {
    gcp: f.clients,
    sleep: async (ms) => void sleeps.push(ms),
    stderr: (t) => void (stderr += t),
  });
  return { r, f, sleeps, stderr, cloud: r.clouds[0], byId: Object.fromEntries((r.clouds[0]?.findings ?? []).map((x) => [`${x.kind}/${x.id}`, x])) };
}

async function printed(world: World, json = false): Promise<{ code: number; stdout: string }> {
  let stdout = '';
  const code = await runLeaks(team(), { cloud: 'gcp', json }, {
    gcp: fake(world).clients,
    sleep: async () => undefined,
    stdout: (t) => void (stdout += t),
    stderr: () => undefined,
  });
  return { code, stdout };
}

const bootDisk = (name: string, users: string[], gib = 50): GceDiskLike => ({
  name,
  zone: `${C}/zones/${ZONE}`,
  sizeGb: String(gib),
  type: `${C}/zones/${ZONE}/diskTypes/pd-balanced`,
  users,
  labels: { team: 'ml' },
  status: 'READY',
});

/** A project where a burst was left behind. */
function leftovers(): World {
  return {
    instances: [
      {
        name: 'ml-train-x1z2',
        zone: `${C}/zones/${ZONE}`,
        status: 'RUNNING',
        machineType: `${C}/zones/${ZONE}/machineTypes/g2-standard-4`,
        labels: { team: 'ml', 'gpu-burst-role': 'fleet', 'gpu-burst-fleet': 'train' },
        scheduling: { provisioningModel: 'SPOT' },
        disks: [{ source: `${C}/zones/${ZONE}/disks/ml-train-x1z2`, boot: true }],
        metadata: { items: [{ key: 'created-by', value: `projects/123/regions/${REGION}/instanceGroupManagers/ml-train` }] },
      },
      {
        name: 'ml-devbox',
        zone: `${C}/zones/${ZONE}`,
        status: 'TERMINATED',
        machineType: `${C}/zones/${ZONE}/machineTypes/n2-standard-4`,
        labels: { team: 'ml', 'gpu-burst-role': 'devbox' },
        disks: [
          { source: `${C}/zones/${ZONE}/disks/ml-devbox`, boot: true },
          { source: `${C}/zones/${ZONE}/disks/ml-devbox-data`, boot: false },
        ],
      },
    ],
    disks: [
      bootDisk('ml-train-x1z2', [`${C}/zones/${ZONE}/instances/ml-train-x1z2`], 200),
      bootDisk('ml-devbox', [`${C}/zones/${ZONE}/instances/ml-devbox`], 50),
      bootDisk('ml-devbox-data', [`${C}/zones/${ZONE}/instances/ml-devbox`], 100),
      { ...bootDisk('ml-scratch', [], 500), type: `${C}/zones/${ZONE}/diskTypes/pd-ssd` },
    ],
    addresses: [{ name: 'ml-ip', region: `${C}/regions/${REGION}`, address: '34.1.2.3', status: 'RESERVED', addressType: 'EXTERNAL' }],
    globals: [{ name: 'ml-internal', address: '10.0.0.9', status: 'RESERVED', addressType: 'INTERNAL' }],
    migs: [
      { name: 'ml-train', description: 'gpu-burst ml fleet train: 0 nodes at rest', targetSize: 1 },
      { name: 'ml-old', description: 'gpu-burst ml fleet old: 0 nodes at rest', targetSize: 0 },
      { name: 'ml-vision-train', description: 'gpu-burst ml-vision fleet train: 0 nodes at rest', targetSize: 3 },
    ],
    nodes: {
      [ZONE]: [
        {
          name: `projects/${PROJECT}/locations/${ZONE}/nodes/ml-pod`,
          acceleratorType: 'v5litepod-8',
          state: 2,
          labels: { team: 'ml' },
          schedulingConfig: { spot: true },
          queuedResource: `projects/${PROJECT}/locations/${ZONE}/queuedResources/ml-pod`,
        },
        { name: `projects/${PROJECT}/locations/${ZONE}/nodes/other-pod`, acceleratorType: 'v5litepod-8', state: 'READY', labels: { team: 'other' } },
      ],
    },
    queued: {
      [ZONE]: [
        { name: `projects/${PROJECT}/locations/${ZONE}/queuedResources/ml-pod`, state: { state: 'ACTIVE' } },
        { name: `projects/${PROJECT}/locations/${ZONE}/queuedResources/ml-old`, state: { state: 4 } },
      ],
      'us-central1-b': [
        {
          name: `projects/${PROJECT}/locations/us-central1-b/queuedResources/ml-next`,
          state: { state: 'WAITING_FOR_RESOURCES' },
          tpu: { nodeSpec: [{ node: { labels: { team: 'ml' }, acceleratorType: 'v5litepod-8' } }] },
        },
      ],
    },
    jobs: [
      [
        { name: `projects/${PROJECT}/locations/${REGION}/jobs/ml-gsweep-run1`, labels: { team: 'ml', 'gpu-burst-sweep': 'gsweep' }, status: { state: 'RUNNING' } },
        { name: `projects/${PROJECT}/locations/${REGION}/jobs/ml-gsweep-run0`, labels: { team: 'ml', 'gpu-burst-sweep': 'gsweep' }, status: { state: 4 } },
      ],
      [
        { name: `projects/${PROJECT}/locations/${REGION}/jobs/ml-gsweep-run2`, labels: { team: 'ml', 'gpu-burst-sweep': 'gsweep' }, status: { state: 1 } },
        { name: `projects/${PROJECT}/locations/${REGION}/jobs/vision-x`, labels: { team: 'vision' }, status: { state: 'RUNNING' } },
      ],
    ],
  };
}

describe('burst leaks on GCP: clean', () => {
  it('nothing labelled team=ml: exit 0, every kind checked, label filters and the team zones, clients closed', async () => {
    const { r, f, cloud } = await report({});
    expect(r).toMatchObject({ status: 'clean', exitCode: LEAK_EXIT.clean, leaks: 0 });
    expect(cloud).toMatchObject({ cloud: 'gcp', project: PROJECT, region: REGION, findings: [], unchecked: [], notes: [] });
    expect([...(cloud?.checked ?? [])].sort()).toEqual([...GCP_LEAK_KINDS].sort());
    const requests = Object.fromEntries(f.calls.map((c) => [c.method, c.request]));
    for (const m of ['instances.aggregatedList', 'disks.aggregatedList', 'addresses.aggregatedList']) {
      expect(requests[m]).toEqual({ project: PROJECT, filter: 'labels.team = "ml"', returnPartialSuccess: true });
    }
    expect(requests['globalAddresses.list']).toEqual({ project: PROJECT, filter: 'labels.team = "ml"' });
    expect(requests['regionInstanceGroupManagers.list']).toEqual({ project: PROJECT, region: REGION });
    expect(f.calls.filter((c) => c.method === 'tpu.listNodes').map((c) => c.request)).toEqual([
      { parent: `projects/${PROJECT}/locations/us-central1-a` },
      { parent: `projects/${PROJECT}/locations/us-central1-b` },
    ]);
    expect(requests['batch.listJobs']).toEqual({ parent: `projects/${PROJECT}/locations/${REGION}`, pageSize: 100 });
    expect(f.closed.sort()).toEqual(['addresses', 'batch', 'disks', 'globalAddresses', 'instances', 'migs', 'tpu']);

    const out = await printed({});
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(
      [
        `gcp  project ${PROJECT}, ${REGION}`,
        '  nothing billable carries the label team=ml',
        '',
        'clean: nothing of team ml bills beyond what is kept by design (nothing).',
        '',
      ].join('\n'),
    );
  });
});

describe('burst leaks on GCP: leftovers', () => {
  it('exit 1: VMs, unattached disks, addresses, groups above 0, TPU nodes and queued resources, unfinished Batch jobs', async () => {
    const { r, byId } = await report(leftovers());
    expect(r.exitCode).toBe(LEAK_EXIT.leaks);
    expect(Object.keys(byId).sort()).toEqual(
      [
        'instance/ml-train-x1z2',
        'instance/ml-devbox',
        'disk/ml-devbox-data',
        'disk/ml-scratch',
        'address/ml-ip',
        'instance-group/ml-train',
        'tpu-node/ml-pod',
        'queued-resource/ml-pod',
        'queued-resource/ml-next',
        'batch-job/ml-gsweep-run1',
        'batch-job/ml-gsweep-run2',
      ].sort(),
    );
    const p = `--project ${PROJECT}`;
    const g2 = GCP_MACHINE_TYPES.find((t) => t.machineType === 'g2-standard-4')?.prices.spot.usdPerHour ?? NaN;
    const perGiB = GCP_SERVICE_PRICES.pdBalanced.usd / 730;
    expect(byId['instance/ml-train-x1z2']).toMatchObject({
      disposition: 'leak',
      name: 'fleet train',
      location: ZONE,
      state: 'RUNNING g2-standard-4',
      remove: `gcloud compute instance-groups managed resize ml-train --size 0 --region ${REGION} ${p}`,
    });
    expect(byId['instance/ml-train-x1z2']?.usdPerHour).toBeCloseTo(g2 + 200 * perGiB, 9);
    expect(byId['instance/ml-train-x1z2']?.bills).toMatch(/^g2-standard-4 spot at \$0\.282\/h \(catalog, us-central1, [\d-]+\) \+ its disks \(200 GiB, \$20\.00\/month\)$/);
    // The stopped dev box is the burst at rest: its boot disk bills, its data disk is listed on its own as kept.
    expect(byId['instance/ml-devbox']).toMatchObject({
      disposition: 'at-rest',
      state: 'TERMINATED n2-standard-4',
      bills: 'TERMINATED: no machine charge; its disks (50 GiB, $5.00/month) bill; the dev box at rest',
      remove: `npx burst down ml --cloud gcp (or pulumi destroy -s ml --exclude-protected); its data disk is kept`,
    });
    expect(byId['instance/ml-devbox']?.usdPerHour).toBeCloseTo(50 * perGiB, 9);
    expect(byId['disk/ml-devbox-data']).toMatchObject({ disposition: 'retained', name: 'dev box data', state: 'READY, attached to ml-devbox' });
    expect(byId['disk/ml-devbox-data']?.bills).toBe('100 GiB pd-balanced at $0.100/GB-month: the dev box data disk, retained by design: delete it when its data is safe');
    expect(byId['disk/ml-scratch']).toMatchObject({ disposition: 'leak', state: 'READY, unattached', remove: `gcloud compute disks delete ml-scratch --zone ${ZONE} ${p} --quiet` });
    expect(byId['disk/ml-scratch']?.usdPerHour).toBeCloseTo((500 * GCP_SERVICE_PRICES.pdSsd.usd) / 730, 9);
    expect(byId['address/ml-ip']).toMatchObject({ location: REGION, usdPerHour: GCP_SERVICE_PRICES.natIpAddress.usd, remove: `gcloud compute addresses delete ml-ip --region ${REGION} ${p} --quiet` });
    expect(byId['instance-group/ml-train']).toMatchObject({ state: 'targetSize 1', usdPerHour: 0 });
    const v5e = GCP_TPU_TYPES.find((t) => t.acceleratorType === 'v5litepod-8')?.prices.spot.usdPerHour;
    expect(byId['tpu-node/ml-pod']).toMatchObject({
      state: 'READY v5litepod-8',
      usdPerHour: v5e,
      remove: `gcloud compute tpus queued-resources delete ml-pod --zone ${ZONE} ${p} --force --quiet`,
    });
    expect(byId['queued-resource/ml-pod']).toMatchObject({ state: 'ACTIVE', usdPerHour: 0, bills: 'bills through its TPU node (listed as tpu-node)' });
    expect(byId['queued-resource/ml-next']).toMatchObject({ location: 'us-central1-b', state: 'WAITING_FOR_RESOURCES', usdPerHour: 0 });
    const sweep = standingCost(planTeam(team()).gcp!).lines.find((l) => l.kind === 'sweepGroup')?.running?.usdPerHour;
    expect(byId['batch-job/ml-gsweep-run1']).toMatchObject({
      name: 'sweep gsweep',
      state: 'RUNNING',
      usdPerHour: sweep,
      remove: `gcloud batch jobs delete ml-gsweep-run1 --location ${REGION} ${p} --quiet`,
    });
    expect(byId['batch-job/ml-gsweep-run2']).toMatchObject({ state: 'QUEUED', usdPerHour: 0 });
    expect(r.leaks).toBe(9);
    expect(r.keptUsdPerMonth).toBeCloseTo(150 * GCP_SERVICE_PRICES.pdBalanced.usd, 9);
  });

  it('the table and --json', async () => {
    const text = await printed(leftovers());
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^ {2}LEAK +instance +ml-train-x1z2 \(fleet train\) +us-central1-a +RUNNING g2-standard-4 +\$[\d.]+\/h/m);
    expect(text.stdout).toMatch(/^ {2}at rest +instance +ml-devbox \(dev box\) +us-central1-a +TERMINATED n2-standard-4 +\$0\.0068\/h \(\$5\.00\/month\)/m);
    expect(text.stdout).toMatch(/^ {4}queued-resource +ml-next +gcloud compute tpus queued-resources delete ml-next --zone us-central1-b --project ml-project --force --quiet$/m);
    expect(text.stdout).toMatch(/9 leaks of team ml bill about \$[\d.]+\/h .*kept by design \(dev box at rest, retained data\): about \$15\.00\/month\./);
    const json = await printed(leftovers(), true);
    const parsed = JSON.parse(json.stdout) as LeakReport;
    expect(parsed).toMatchObject({ team: 'ml', status: 'leaks', exitCode: 1, leaks: 9 });
    expect(parsed.clouds[0]?.findings).toHaveLength(11);
  });

  it('after a teardown the stopped dev box is a leak; its data disk stays kept', async () => {
    const { r, byId } = await report(leftovers(), { afterTeardown: true });
    expect(byId['instance/ml-devbox']).toMatchObject({ disposition: 'leak', remove: `gcloud compute instances delete ml-devbox --zone ${ZONE} --project ${PROJECT} --quiet` });
    expect(byId['disk/ml-devbox-data']?.disposition).toBe('retained');
    expect(byId['instance-group/ml-train']?.remove).toBe(`gcloud compute instance-groups managed delete ml-train --region ${REGION} --project ${PROJECT} --quiet`);
    expect(r.leaks).toBe(10);
  });

  it('a VM that Google Cloud Batch created is removed with its job', async () => {
    const { byId } = await report({
      instances: [
        {
          name: 'ml-gsweep-run1-abc-group0-0-xyz',
          zone: `${C}/zones/${ZONE}`,
          status: 'RUNNING',
          machineType: `${C}/zones/${ZONE}/machineTypes/n1-standard-4`,
          labels: { team: 'ml', 'batch-job-id': 'ml-gsweep-run1' },
          scheduling: { provisioningModel: 'SPOT' },
          guestAccelerators: [{ acceleratorCount: 1 }],
        },
      ],
    });
    expect(byId['instance/ml-gsweep-run1-abc-group0-0-xyz']?.remove).toBe(
      `a VM of Batch job ml-gsweep-run1: gcloud batch jobs delete ml-gsweep-run1 --location ${REGION} --project ${PROJECT} --quiet`,
    );
  });

  it('a running dev box is a leak; the fix stops it', async () => {
    const world = leftovers();
    world.instances = [{ ...world.instances![1]!, status: 'RUNNING' }];
    const { byId } = await report(world);
    expect(byId['instance/ml-devbox']).toMatchObject({ disposition: 'leak', remove: `gcloud compute instances stop ml-devbox --zone ${ZONE} --project ${PROJECT}` });
    expect(byId['instance/ml-devbox']?.usdPerHour).toBeGreaterThan(50 * (GCP_SERVICE_PRICES.pdBalanced.usd / 730));
  });
});

describe('burst leaks on GCP: failures', () => {
  it('permission denied on TPU: the message names the permission, the other kinds go on, exit 3', async () => {
    const denied = gError("7 PERMISSION_DENIED: Permission 'tpu.nodes.list' denied on 'projects/ml-project/locations/us-central1-a'", 7);
    const { r, cloud, f } = await report({ fail: { 'tpu.listNodes': [denied] } });
    expect(r.exitCode).toBe(LEAK_EXIT.incomplete);
    expect(cloud?.unchecked).toEqual([
      {
        cloud: 'gcp',
        kind: 'tpu-node',
        reason: `Google Cloud denied tpu.nodes.list in project ${PROJECT} (${denied.message}); the account needs the permission tpu.nodes.list`,
      },
    ]);
    expect(cloud?.checked).toContain('queued-resource');
    expect(cloud?.checked).toContain('batch-job');
    expect(f.calls.some((c) => c.method === 'batch.listJobs')).toBe(true);
    const text = await printed({ fail: { 'tpu.listNodes': [denied] } });
    expect(text.code).toBe(3);
    expect(text.stdout).toContain('  not checked  tpu-node: Google Cloud denied tpu.nodes.list');
    expect(text.stdout).toContain('1 kind could not be checked (gcp tpu-node)');
  });

  it('a denial without a named permission falls back to what the kind needs', async () => {
    const { cloud } = await report({ fail: { 'batch.listJobs': [gError('403 Forbidden', 403)] } });
    expect(cloud?.unchecked[0]?.reason).toBe(`Google Cloud denied batch.jobs.list in project ${PROJECT} (403 Forbidden); the account needs batch.jobs.list on the project (roles/batch.jobsViewer)`);
  });

  it('throttling (RESOURCE_EXHAUSTED) is retried after the injected sleep', async () => {
    const world = leftovers();
    world.fail = { 'disks.aggregatedList': [gError('8 RESOURCE_EXHAUSTED: Quota exceeded for quota metric Read requests per minute', 8)] };
    const { r, sleeps, stderr, cloud, f } = await report(world);
    expect(sleeps).toEqual([GCP_RETRY_MS]);
    expect(f.calls.filter((c) => c.method === 'disks.aggregatedList')).toHaveLength(2);
    expect(f.made.filter((m) => m === 'disks')).toHaveLength(1);
    expect(stderr).toContain('gcp: compute.disks.list throttled; retrying in 2s');
    expect(cloud?.unchecked).toEqual([]);
    expect(r.clouds[0]?.findings.some((x) => x.id === 'ml-scratch')).toBe(true);
  });

  it('a 429 that outlasts the retries leaves that kind unchecked with the throttling message', async () => {
    const busy = () => gError('429 Too Many Requests: rateLimitExceeded', 429);
    const { r, sleeps, cloud } = await report({ fail: { 'regionInstanceGroupManagers.list': [busy(), busy(), busy()] } });
    expect(sleeps).toEqual([GCP_RETRY_MS, 2 * GCP_RETRY_MS]);
    expect(r.exitCode).toBe(3);
    expect(cloud?.unchecked[0]).toMatchObject({ kind: 'instance-group', reason: expect.stringMatching(/^Google Cloud throttled compute\.instanceGroupManagers\.list in project ml-project .*wait a minute and run it again$/) });
  });

  it('an API that is not enabled holds nothing: the kind counts as checked, with a note', async () => {
    const off = gError('Cloud TPU API has not been used in project 123 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/tpu.googleapis.com', 7, { reason: 'SERVICE_DISABLED' });
    const { r, cloud } = await report({ fail: { 'tpu.listNodes': [off], 'tpu.listQueuedResources': [off] } });
    expect(r.exitCode).toBe(0);
    expect(cloud?.unchecked).toEqual([]);
    expect(cloud?.notes).toEqual([
      `tpu-node: its API is not enabled in ${PROJECT}, so none can exist (tpu.nodes.list)`,
      `queued-resource: its API is not enabled in ${PROJECT}, so none can exist (tpu.queuedResources.list)`,
    ]);
  });

  it('missing credentials fail fast: one readable line, exit 2, no stack trace, no other client made', async () => {
    const noAdc = new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.');
    const f = fake({ failInitialize: noAdc });
    const err = await leakReport(team(), {}, { gcp: f.clients, sleep: async () => undefined, stderr: () => undefined }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(GCP_CREDENTIALS);
    expect(f.made).toEqual(['disks']);
    expect(f.closed).toEqual(['disks']);

    const chunks: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((c: string) => (chunks.push(String(c)), true)) as typeof process.stderr.write;
    try {
      expect(reportError(err)).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(chunks.join('')).toBe(`burst: ${GCP_CREDENTIALS}\n`);
    expect(hasStackTrace(chunks.join(''))).toBe(false);
  });

  it('credentials that fail on the call itself (not at start-up) fail fast too', async () => {
    const f = fake({ fail: { 'disks.aggregatedList': [gError('Could not load the default credentials.')] } });
    await expect(leakReport(team(), {}, { gcp: f.clients, sleep: async () => undefined, stderr: () => undefined })).rejects.toThrow(GCP_CREDENTIALS);
    expect(f.made).toEqual(['disks']);
  });
});
