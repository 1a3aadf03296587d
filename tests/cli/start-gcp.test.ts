/**
 * `burst start` on GCP through its exported functions, against fake Google clients (plain objects
 * that record every call) and an injected clock whose sleep advances time (nothing waits). The team
 * file is real: fleets, TPU nodes and the dev box come from the plan.
 */
import { describe, expect, it } from 'vitest';
import {
  GCP_CREDENTIALS,
  GCP_POLL_MS,
  gcpFailure,
  pickStartCloud,
  resolveGcpStart,
  runStartGcp,
  type BucketLike,
  type GcpStartDeps,
  type GcpStartOptions,
  type GcpStartReport,
  type InstanceLike,
  type ManagedInstanceLike,
  type QueuedResourceLike,
} from '../../cli/commands/start-gcp.js';
import { tpuQueuedResourceRequest, tpuStartupScript } from '../../constructs/gcp/tpu-node.js';
import { planTeam, type GcpTpuNodeItem } from '../../spec/plan.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { hasStackTrace, specFromYaml } from '../helpers.js';

const NOW = new Date('2026-11-26T09:00:00.000Z');
const HOUR = 3_600_000;
const BUCKET = 'ml-artifacts-4f2a9c1';
const PROJECT = 'ml-project';
const REGION = 'us-central1';
const ZONE = 'us-central1-a';

const GCP_YAML = `gcp:
  project: ${PROJECT}
  region: ${REGION}
  zones: [us-central1-a, us-central1-b]
  fleets:
    - { name: train, accelerator: a100-40gb, count: 8, nodes: 4 }
    - { name: tune, accelerator: l4, count: 1, nodes: 1 }
  tpus:
    - { name: pod, type: v5litepod-16 }
    - { name: small, type: v5litepod-8, spot: false, ttlHours: 6 }
  devBox:
    accelerator: l4
`;

/** Team `ml` with only a gcp section (or both clouds). */
function team(opts: { aws?: string } = {}): TeamSpec {
  return specFromYaml('ml', `tags: { project: vision }\n${opts.aws ?? ''}${GCP_YAML}`);
}

const gError = (message: string, code?: number | string, extra: object = {}) => Object.assign(new Error(message), code === undefined ? {} : { code }, extra);
const notFound = (what: string) => gError(`5 NOT_FOUND: Resource '${what}' was not found`, 5);

interface Call {
  readonly method: string;
  readonly request: unknown;
}

/** What the fake clouds hold; sequences are consumed one answer per call, the last one repeating. */
interface World {
  buckets?: BucketLike[];
  targetSize?: Record<string, number>;
  managed?: ManagedInstanceLike[][];
  vms?: Record<string, InstanceLike[]>;
  startOperation?: { name: string; status: string; error?: { errors: { code: string; message: string }[] } };
  queued?: (QueuedResourceLike | Error)[];
  endpoints?: string[];
  fail?: Record<string, Error>;
}

function next<T>(queue: T[] | undefined, fallback: T): T {
  if (!queue || queue.length === 0) return fallback;
  return (queue.length > 1 ? queue.shift() : queue[0]) as T;
}

function vm(name: string, status: string, ip = '10.65.0.2', zone = ZONE, created = '2026-11-26T01:00:00.000-08:00'): InstanceLike {
  return { name, status, zone: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/zones/${zone}`, creationTimestamp: created, networkInterfaces: [{ networkIP: ip }] };
}

function member(name: string, status: string, action = 'NONE', zone = ZONE): ManagedInstanceLike {
  return { instance: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/zones/${zone}/instances/${name}`, instanceStatus: status, currentAction: action };
}

/** Fake clients over `world`; every call lands in `calls`. */
function fakeClouds(world: World) {
  const calls: Call[] = [];
  const saved: { path: string; bucket: string; data: string; options: unknown }[] = [];
  const record = async <T>(method: string, request: unknown, answer: () => T): Promise<T> => {
    calls.push({ method, request });
    const failure = world.fail?.[method];
    if (failure) throw failure;
    return answer();
  };
  const clients: GcpStartDeps['clients'] = {
    regionInstanceGroupManagers: () => ({
      get: (r) =>
        record('migs.get', r, () => {
          const size = world.targetSize?.[r.instanceGroupManager];
          if (size === undefined) throw notFound(`projects/${r.project}/regions/${r.region}/instanceGroupManagers/${r.instanceGroupManager}`);
          return [{ name: r.instanceGroupManager, targetSize: size }];
        }),
      resize: (r) => record('migs.resize', r, () => [{ name: 'operation-resize', latestResponse: { name: 'operation-resize', status: 'DONE' } }]),
      listManagedInstances: (r) => record('migs.listManagedInstances', r, () => [next(world.managed, [])]),
    }),
    instances: () => ({
      get: (r) =>
        record('instances.get', r, () => {
          const states = world.vms?.[r.instance];
          if (!states) throw notFound(`projects/${r.project}/zones/${r.zone}/instances/${r.instance}`);
          return [next(states, vm(r.instance, 'RUNNING'))];
        }),
      start: (r) => record('instances.start', r, () => [{ name: 'operation-start', latestResponse: world.startOperation ?? { name: 'operation-start', status: 'RUNNING' } }]),
    }),
    zoneOperations: () => ({
      wait: (r) => record('zoneOperations.wait', r, () => [world.startOperation ?? { name: r.operation, status: 'DONE' }]),
    }),
    tpu: () => ({
      getQueuedResource: (r) =>
        record('tpu.getQueuedResource', r, () => {
          const answer = next(world.queued, notFound(r.name) as QueuedResourceLike | Error);
          if (answer instanceof Error) throw answer;
          return [answer];
        }),
      createQueuedResource: (r) =>
        record('tpu.createQueuedResource', r, () => [{ promise: async () => [{ name: 'qr', state: { state: 'WAITING_FOR_RESOURCES' } }] }]),
      deleteQueuedResource: (r) => record('tpu.deleteQueuedResource', r, () => [{ promise: async () => [{}] }]),
      getNode: (r) => record('tpu.getNode', r, () => [{ state: 'READY', networkEndpoints: (world.endpoints ?? ['10.65.0.10']).map((ipAddress) => ({ ipAddress, port: 8470 })) }]),
    }),
    storage: (project) => ({
      getBuckets: (o) => record('storage.getBuckets', { ...o, client: project }, () => [world.buckets ?? [{ name: BUCKET, metadata: { labels: { team: 'ml', 'gpu-burst-role': 'artifacts' } } }, { name: 'ml-other', metadata: { labels: { team: 'ml' } } }]]),
      bucket: (bucket) => ({
        file: (path) => ({
          save: (data, options) =>
            record('storage.save', { bucket, path }, () => {
              saved.push({ bucket, path, data, options });
              return undefined;
            }),
        }),
      }),
    }),
  };
  return { clients, calls, saved };
}

interface Run {
  readonly code?: number;
  readonly error?: unknown;
  readonly stdout: string;
  readonly stderr: string;
  readonly calls: Call[];
  readonly saved: { path: string; bucket: string; data: string; options: unknown }[];
  readonly slept: number;
}

async function start(target: string, opts: GcpStartOptions = {}, world: World = {}, spec = team()): Promise<Run> {
  const { clients, calls, saved } = fakeClouds(world);
  let now = NOW.getTime();
  let slept = 0;
  let stdout = '';
  let stderr = '';
  const deps: GcpStartDeps = {
    clients,
    now: () => new Date(now),
    sleep: async (ms) => {
      now += ms;
      slept += ms;
    },
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  };
  try {
    const code = await runStartGcp(spec, target, opts, deps);
    return { code, stdout, stderr, calls, saved, slept };
  } catch (error) {
    return { error, stdout, stderr, calls, saved, slept };
  }
}

const methods = (run: Run) => run.calls.map((c) => c.method);
const requests = (run: Run, method: string) => run.calls.filter((c) => c.method === method).map((c) => c.request);

function userError(run: Run): string {
  expect(run.error).toBeInstanceOf(UserError);
  const message = (run.error as Error).message;
  expect(hasStackTrace(message)).toBe(false);
  return message;
}

describe('burst start on GCP: fleets', () => {
  it('resizes the regional MIG <team>-<fleet> to N, after writing the burst record', async () => {
    const run = await start('tune', { wait: false }, { targetSize: { 'ml-tune': 0 } });
    expect(run.error).toBeUndefined();
    expect(methods(run)).toEqual(['storage.getBuckets', 'migs.get', 'storage.save', 'migs.resize']);
    expect(requests(run, 'migs.get')).toEqual([{ project: PROJECT, region: REGION, instanceGroupManager: 'ml-tune' }]);
    expect(requests(run, 'migs.resize')).toEqual([{ project: PROJECT, region: REGION, instanceGroupManager: 'ml-tune', size: 1 }]);
    expect(requests(run, 'storage.getBuckets')).toEqual([{ project: PROJECT, client: PROJECT }]);
    expect(run.stdout).toContain('Not waiting (--no-wait)');
    expect(run.stdout).toContain(`Stop it now: gcloud compute instance-groups managed resize ml-tune --size 0 --region ${REGION} --project ${PROJECT}`);
  });

  it('writes gs://<artifact bucket>/teams/<team>/bursts/<target>.json with the deadline (now + TTL + 5 min)', async () => {
    const run = await start('train', { nodes: 2, wait: false }, { targetSize: { 'ml-train': 0 } });
    expect(run.saved).toHaveLength(1);
    const [saved] = run.saved;
    expect([saved?.bucket, saved?.path, saved?.options]).toEqual([BUCKET, 'teams/ml/bursts/train.json', { contentType: 'application/json', resumable: false }]);
    expect(JSON.parse(saved?.data ?? '')).toEqual({
      target: 'train',
      kind: 'fleet',
      nodes: 2,
      startedAt: NOW.toISOString(),
      deadline: new Date(NOW.getTime() + 12 * HOUR + 5 * 60_000).toISOString(),
      team: 'ml',
      cloud: 'gcp',
      resource: 'ml-train',
      location: REGION,
    });
    expect(run.stdout).toContain(`record    gs://${BUCKET}/teams/ml/bursts/train.json`);
  });

  it('refuses more nodes than the fleet has, before calling Google', async () => {
    const run = await start('train', { nodes: 5 }, { targetSize: { 'ml-train': 0 } });
    expect(userError(run)).toBe(
      "--nodes must be a whole number from 1 to 4 for fleet 'train' (nodes: 4); got 5; to run more, raise nodes of fleet 'train' in teams/ml.yaml and deploy (pulumi up -s ml)",
    );
    expect(run.calls).toEqual([]);
  });

  it('refuses to shrink a running burst and writes no record', async () => {
    const run = await start('train', { nodes: 2 }, { targetSize: { 'ml-train': 4 } });
    expect(userError(run)).toMatch(/^fleet train already runs 4 nodes; burst start does not shrink a running burst .*start it with --nodes 4/);
    expect(methods(run)).toEqual(['storage.getBuckets', 'migs.get']);
  });

  it('--wait polls until the VMs run and prints node ranks, internal IPs, IAP ssh and torchrun', async () => {
    const world: World = {
      targetSize: { 'ml-train': 0 },
      managed: [
        [member('ml-train-b2', 'STAGING', 'CREATING'), member('ml-train-a1', 'PROVISIONING', 'CREATING')],
        [member('ml-train-b2', 'RUNNING'), member('ml-train-a1', 'RUNNING')],
      ],
      vms: {
        'ml-train-a1': [vm('ml-train-a1', 'RUNNING', '10.65.0.5', ZONE, '2026-11-26T01:00:01.000-08:00')],
        'ml-train-b2': [vm('ml-train-b2', 'RUNNING', '10.65.0.6', ZONE, '2026-11-26T01:00:02.000-08:00')],
      },
    };
    const run = await start('train', { nodes: 2 }, world);
    expect(run.error).toBeUndefined();
    expect(run.slept).toBe(GCP_POLL_MS);
    expect(requests(run, 'instances.get')).toEqual([
      { project: PROJECT, zone: ZONE, instance: 'ml-train-b2' },
      { project: PROJECT, zone: ZONE, instance: 'ml-train-a1' },
    ]);
    const lines = run.stdout.split('\n');
    expect(lines).toContain(`  0     ml-train-a1  ${ZONE}  10.65.0.5`);
    expect(lines).toContain(`  1     ml-train-b2  ${ZONE}  10.65.0.6`);
    expect(lines).toContain(`  gcloud compute ssh ml-train-a1 --zone ${ZONE} --tunnel-through-iap --project ${PROJECT}`);
    expect(lines).toContain('  torchrun --nnodes 2 --nproc-per-node 8 --node-rank <rank> --master-addr 10.65.0.5 --master-port 29500 train.py');
    expect(run.stdout).toContain('How it ends: the agent deletes a VM from the group once it has been idle for 30 minutes; each VM stops 12 h after it starts (maxRunDuration); at 2026-11-26 21:05 UTC the backstop ends it whatever runs.');
    expect(run.stderr).toContain('fleet train: 0 of 2 VMs running, 2 starting');
  });

  it('quota exceeded while the group creates VMs: names the quota and how to give up', async () => {
    const quota = { code: 'QUOTA_EXCEEDED', message: "Quota 'NVIDIA_A100_GPUS' exceeded. Limit: 8.0 in region us-central1." };
    const failing: ManagedInstanceLike = { ...member('ml-train-a1', '', 'CREATING'), lastAttempt: { errors: { errors: [quota] } } };
    const run = await start('train', { nodes: 2 }, { targetSize: { 'ml-train': 0 }, managed: [[failing]] });
    const message = userError(run);
    expect(message).toContain('Google Cloud quota exceeded for creating VMs of fleet train: NVIDIA_A100_GPUS');
    expect(message).toContain(`to give up: gcloud compute instance-groups managed resize ml-train --size 0 --region ${REGION} --project ${PROJECT}`);
  });

  it('a group that is not deployed: deploy first', async () => {
    const run = await start('tune', {}, { targetSize: {} });
    expect(userError(run)).toMatch(/the managed instance group ml-tune does not exist in us-central1; deploy first: pulumi up -s ml$/);
  });

  it('permission denied names the permission', async () => {
    const denied = gError(
      "Required 'compute.instanceGroupManagers.update' permission for 'projects/ml-project/regions/us-central1/instanceGroupManagers/ml-tune'",
      7,
    );
    const run = await start('tune', { wait: false }, { targetSize: { 'ml-tune': 0 }, fail: { 'migs.resize': denied } });
    expect(userError(run)).toMatch(/^Google Cloud denied compute\.instanceGroupManagers\.update \(.*\); the account needs the permission compute\.instanceGroupManagers\.update$/);
  });
});

describe('burst start on GCP: the dev box', () => {
  it('starts the stopped VM <team>-devbox, waits for it and prints IAP ssh and the Jupyter tunnel', async () => {
    const world: World = { vms: { 'ml-devbox': [vm('ml-devbox', 'TERMINATED'), vm('ml-devbox', 'STAGING'), vm('ml-devbox', 'RUNNING', '10.65.0.9')] } };
    const run = await start('devbox', {}, world);
    expect(run.error).toBeUndefined();
    expect(requests(run, 'instances.start')).toEqual([{ project: PROJECT, zone: ZONE, instance: 'ml-devbox' }]);
    expect(requests(run, 'zoneOperations.wait')).toEqual([{ project: PROJECT, zone: ZONE, operation: 'operation-start' }]);
    expect(methods(run).indexOf('storage.save')).toBeLessThan(methods(run).indexOf('instances.start'));
    expect(run.stdout).toContain(`  gcloud compute ssh ml-devbox --zone ${ZONE} --tunnel-through-iap --project ${PROJECT}`);
    expect(run.stdout).toContain(`  gcloud compute start-iap-tunnel ml-devbox 8888 --local-host-port=localhost:8888 --zone ${ZONE} --project ${PROJECT}`);
    expect(run.stdout).toContain('10.65.0.9');
    expect(run.stdout).toContain(`Stop it now: gcloud compute instances stop ml-devbox --zone ${ZONE} --project ${PROJECT}`);
    expect(JSON.parse(run.saved[0]?.data ?? '')).toMatchObject({ target: 'devbox', kind: 'devbox', nodes: 1, resource: 'ml-devbox', location: ZONE });
  });

  it('a running dev box is not started again; its deadline moves', async () => {
    const run = await start('devbox', { json: true }, { vms: { 'ml-devbox': [vm('ml-devbox', 'RUNNING')] } });
    expect(methods(run)).not.toContain('instances.start');
    expect((JSON.parse(run.stdout) as GcpStartReport).alreadyRunning).toBe(true);
    expect(run.saved).toHaveLength(1);
  });

  it('a zone out of capacity fails with the reason', async () => {
    const world: World = {
      vms: { 'ml-devbox': [vm('ml-devbox', 'TERMINATED')] },
      startOperation: { name: 'operation-start', status: 'DONE', error: { errors: [{ code: 'ZONE_RESOURCE_POOL_EXHAUSTED', message: 'The zone does not have enough resources' }] } },
    };
    expect(userError(await start('devbox', {}, world))).toMatch(/^starting the dev box ml-devbox failed: zone us-central1-a has no capacity for it right now \(ZONE_RESOURCE_POOL_EXHAUSTED/);
  });

  it('--nodes does not apply to the dev box', async () => {
    expect(userError(await start('devbox', { nodes: 1 }))).toBe('--nodes does not apply to the dev box (it is one VM); drop --nodes');
  });
});

describe('burst start on GCP: TPU nodes', () => {
  const pod = (): GcpTpuNodeItem => {
    const item = planTeam(team()).gcp?.items.find((i): i is GcpTpuNodeItem => i.kind === 'tpuNode' && i.name === 'pod');
    if (!item) throw new Error('no tpu');
    return item;
  };

  it('creates the queued resource with the exact request: team service account, burst network, labels, deadline', async () => {
    const run = await start('pod', { wait: false });
    expect(run.error).toBeUndefined();
    expect(methods(run)).toEqual(['storage.getBuckets', 'tpu.getQueuedResource', 'storage.save', 'tpu.createQueuedResource']);
    expect(requests(run, 'tpu.getQueuedResource')).toEqual([{ name: `projects/${PROJECT}/locations/${ZONE}/queuedResources/ml-pod` }]);
    const spec = team();
    const expected = tpuQueuedResourceRequest(pod(), {
      team: 'ml',
      project: PROJECT,
      network: `projects/${PROJECT}/global/networks/ml-burst`,
      subnetwork: `projects/${PROJECT}/regions/${REGION}/subnetworks/ml-burst`,
      serviceAccountEmail: `ml-burst@${PROJECT}.iam.gserviceaccount.com`,
      startupScript: tpuStartupScript(pod(), { team: 'ml', artifactPrefix: `gs://${BUCKET}/teams/ml/`, specHash: planTeam(spec).gcp?.specHash ?? '' }),
      now: NOW,
      labels: planTeam(spec).gcp?.tags ?? {},
    });
    expect(requests(run, 'tpu.createQueuedResource')).toEqual([expected]);
    const node = expected.queuedResource.tpu.nodeSpec[0].node;
    expect(node.labels).toMatchObject({ team: 'ml', project: 'vision', 'gpu-burst-role': 'tpu', 'gpu-burst-tpu': 'pod', 'gpu-burst-deadline': String((NOW.getTime() + 12 * HOUR + 5 * 60_000) / 1000) });
    expect(expected.queuedResource.spot).toEqual({});
    expect(JSON.parse(run.saved[0]?.data ?? '')).toMatchObject({ target: 'pod', kind: 'tpu', nodes: 4, resource: 'ml-pod', location: ZONE });
    expect(run.stdout).toContain('TPU node pod of team ml in us-central1-a: v5litepod-16, 4 TPU VMs (queued resource ml-pod, WAITING_FOR_RESOURCES)');
    expect(run.stdout).toContain(`Stop it now: gcloud compute tpus queued-resources delete ml-pod --zone ${ZONE} --force --project ${PROJECT}`);
  });

  it('--wait polls until ACTIVE and prints each worker, IAP ssh and the all-workers command', async () => {
    const world: World = {
      queued: [notFound('qr'), { state: { state: 'WAITING_FOR_RESOURCES' } }, { state: { state: 'PROVISIONING' } }, { state: { state: 6 } }],
      endpoints: ['10.65.0.20', '10.65.0.21', '10.65.0.22', '10.65.0.23'],
    };
    const run = await start('pod', {}, world);
    expect(run.error).toBeUndefined();
    expect(run.slept).toBe(2 * GCP_POLL_MS);
    expect(requests(run, 'tpu.getNode')).toEqual([{ name: `projects/${PROJECT}/locations/${ZONE}/nodes/ml-pod` }]);
    const lines = run.stdout.split('\n');
    expect(lines).toContain(`  3       ml-pod  ${ZONE}  10.65.0.23`);
    expect(lines).toContain(`  gcloud compute tpus tpu-vm ssh ml-pod --zone ${ZONE} --tunnel-through-iap --project ${PROJECT} --worker=0`);
    expect(lines).toContain(`  gcloud compute tpus tpu-vm ssh ml-pod --zone ${ZONE} --tunnel-through-iap --project ${PROJECT} --worker=all --command '<command>'`);
    expect(run.stdout).toContain('How it ends: the agent deletes the queued resource once the TPU has been idle for 30 minutes or 12 h after it boots; at 2026-11-26 21:05 UTC the backstop ends it whatever runs.');
  });

  it('--wait gives up after 20 minutes of waiting for capacity, saying when the queue ends and how to give up', async () => {
    const run = await start('pod', {}, { queued: [notFound('qr'), { state: { state: 'WAITING_FOR_RESOURCES' } }] });
    const message = userError(run);
    expect(message).toMatch(/^after 20m00s the queued resource ml-pod is still WAITING_FOR_RESOURCES; it keeps waiting for capacity until 2026-11-26 10:00 UTC/);
    expect(message).toContain(`give up: gcloud compute tpus queued-resources delete ml-pod --zone ${ZONE} --force --project ${PROJECT}`);
    expect(run.saved).toHaveLength(1);
  });

  it('a request that FAILED while waiting reports Google\'s reason', async () => {
    const failed: QueuedResourceLike = { state: { state: 'FAILED', failedData: { error: { message: 'no v5litepod-16 capacity in us-central1-a' } } } };
    const message = userError(await start('pod', {}, { queued: [notFound('qr'), failed] }));
    expect(message).toMatch(/^the queued resource ml-pod is FAILED \(no v5litepod-16 capacity in us-central1-a\): no TPU runs/);
  });

  it('refuses when the queued resource exists and is not FAILED or SUSPENDED, saying how to delete it', async () => {
    const run = await start('pod', {}, { queued: [{ state: { state: 'ACTIVE' } }] });
    expect(userError(run)).toBe(
      `the queued resource ml-pod already exists in ${ZONE} (ACTIVE): a TPU burst of pod is running or waiting for capacity. ` +
        `Use it, or delete it first: gcloud compute tpus queued-resources delete ml-pod --zone ${ZONE} --force --project ${PROJECT}`,
    );
    expect(methods(run)).toEqual(['storage.getBuckets', 'tpu.getQueuedResource']);
  });

  it('a FAILED queued resource from an earlier burst is deleted, then the new one created', async () => {
    const run = await start('small', { wait: false }, { queued: [{ state: { state: 'FAILED' } }] });
    expect(run.error).toBeUndefined();
    expect(requests(run, 'tpu.deleteQueuedResource')).toEqual([{ name: `projects/${PROJECT}/locations/${ZONE}/queuedResources/ml-small`, force: true }]);
    expect(methods(run).slice(-2)).toEqual(['storage.save', 'tpu.createQueuedResource']);
    const [request] = requests(run, 'tpu.createQueuedResource') as { queuedResource: Record<string, unknown> }[];
    expect(request?.queuedResource).not.toHaveProperty('spot');
    expect(JSON.parse(run.saved[0]?.data ?? '')).toMatchObject({ deadline: new Date(NOW.getTime() + 6 * HOUR + 5 * 60_000).toISOString() });
  });

  it('quota exceeded names the quota', async () => {
    const quota = gError("8 RESOURCE_EXHAUSTED: Quota limit 'TPUV5sLitepodServingPerProjectPerZoneForTPUAPI' has been exceeded. Limit: 8 in zone us-central1-a", 8);
    const message = userError(await start('pod', {}, { fail: { 'tpu.createQueuedResource': quota } }));
    expect(message).toMatch(/^Google Cloud quota exceeded for tpu\.queuedResources\.create: TPUV5sLitepodServingPerProjectPerZoneForTPUAPI \(/);
    expect(message).toContain('quota TPUV5sLitepodServingPerProjectPerZoneForTPUAPI');
  });

  it('--nodes does not apply to a TPU node', async () => {
    expect(userError(await start('pod', { nodes: 2 }))).toBe("--nodes does not apply to TPU node 'pod': its type sets the hosts (v5litepod-16 is 4 TPU VMs); drop --nodes");
  });
});

describe('burst start on GCP: output and errors', () => {
  it('--json prints one document', async () => {
    const run = await start('tune', { json: true, wait: false }, { targetSize: { 'ml-tune': 0 } });
    const report = JSON.parse(run.stdout) as GcpStartReport;
    expect(report).toMatchObject({
      team: 'ml',
      cloud: 'gcp',
      project: PROJECT,
      target: 'tune',
      kind: 'fleet',
      region: REGION,
      desiredCapacity: 1,
      nodes: 1,
      deadline: '2026-11-26T21:05:00.000Z',
      burstRecord: `gs://${BUCKET}/teams/ml/bursts/tune.json`,
      managedInstanceGroup: 'ml-tune',
      waited: false,
      hosts: [],
    });
  });

  it('credentials missing: one line, no stack trace', async () => {
    const noAdc = gError('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.');
    const run = await start('tune', {}, { fail: { 'storage.getBuckets': noAdc } });
    expect(userError(run)).toBe(GCP_CREDENTIALS);
  });

  it('no artifact bucket labelled for the team: deploy first', async () => {
    const run = await start('tune', {}, { buckets: [] });
    expect(userError(run)).toBe(`project ${PROJECT} has no artifact bucket labelled team=ml and gpu-burst-role=artifacts; deploy first: pulumi up -s ml`);
  });

  it('an unknown target names what the team can start', async () => {
    expect(userError(await start('tunee'))).toBe("team ml has no fleet or TPU node 'tunee'; did you mean 'tune'? (it can start 'train', 'tune', 'pod', 'small', 'devbox')");
  });

  it('gcpFailure: permission, not found, throttling, and errors that are not Google\'s', () => {
    const denied = gcpFailure(gError("7 PERMISSION_DENIED: Permission 'tpu.queuedResources.create' denied on 'projects/p/locations/z'", 7), 'tpu.queuedResources.create');
    expect((denied as Error).message).toMatch(/the account needs the permission tpu\.queuedResources\.create$/);
    const missing = gcpFailure(notFound('x'), { action: 'compute.instances.get', team: 'ml' });
    expect((missing as Error).message).toMatch(/deploy first: pulumi up -s ml$/);
    expect((gcpFailure(gError('8 RESOURCE_EXHAUSTED: rate limited', 8), 'a.b.c') as Error).message).toMatch(/^Google Cloud throttled a\.b\.c/);
    const perMinute = gError("Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'compute.googleapis.com'", 8);
    expect((gcpFailure(perMinute, 'a.b.c') as Error).message).toMatch(/^Google Cloud throttled a\.b\.c/);
    const bug = new TypeError('x is undefined');
    expect(gcpFailure(bug, 'a.b.c')).toBe(bug);
  });
});

describe('which cloud burst start uses', () => {
  const both = () => team({ aws: 'aws:\n  region: us-east-1\n  fleets:\n    - { name: tune, accelerator: l4 }\n' });

  it('AWS wins a name both clouds have, unless --cloud gcp', () => {
    expect(pickStartCloud(both(), 'tune', { awsTargets: ['tune'] })).toBe('aws');
    expect(pickStartCloud(both(), 'tune', { cloud: 'gcp', awsTargets: ['tune'] })).toBe('gcp');
  });

  it('a name only GCP has goes to GCP; a GCP-only team always does', () => {
    expect(pickStartCloud(both(), 'pod', { awsTargets: ['tune'] })).toBe('gcp');
    expect(pickStartCloud(team(), 'anything', { awsTargets: [] })).toBe('gcp');
  });

  it('a name neither has lists both; --cloud for a missing section is refused', () => {
    expect(() => pickStartCloud(both(), 'nope', { awsTargets: ['tune'] })).toThrow("team ml has nothing named 'nope' to start (aws: 'tune'; gcp: 'train', 'tune', 'pod', 'small', 'devbox')");
    expect(() => pickStartCloud(team(), 'tune', { cloud: 'aws', awsTargets: [] })).toThrow('team ml has no aws: section in teams/ml.yaml; drop --cloud aws');
  });

  it('resolveGcpStart: a fleet defaults to all its nodes', () => {
    expect(resolveGcpStart(team(), 'train', undefined)).toMatchObject({ nodes: 4, target: { kind: 'fleet', name: 'train' } });
  });
});
