/**
 * The GCP side of `burst sweep submit` / `burst sweep status` through its exported functions, with
 * fake Batch, Cloud Storage and instance-template clients: plain objects that record every call
 * (no module mocks). The team has two GCP sweep groups set in its file.
 */
import type { protos } from '@google-cloud/batch';
import { describe, expect, it } from 'vitest';
import {
  GCP_CREDENTIALS,
  PREEMPTION_EXIT_CODE,
  allowedLocations,
  batchJobId,
  buildCreateJobRequest,
  gcpFailure,
  gcpSweepJobDefaults,
  renderGcpStatusReport,
  renderGcpSubmitReport,
  resolveGcpGroup,
  runSweepStatusGcp,
  runSweepSubmitGcp,
  summarizeTasks,
  sweepCloudOf,
  type BatchClientLike,
  type BucketLike,
  type GcpStatusReport,
  type GcpSubmitReport,
  type GcpSweepDeps,
  type InstanceTemplateLike,
} from '../../cli/commands/sweep-gcp.js';
import { MAX_TRIALS, type SubmitOptions } from '../../cli/commands/sweep.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { hasStackTrace, specFromYaml } from '../helpers.js';

type IJob = protos.google.cloud.batch.v1.IJob;
type ITask = protos.google.cloud.batch.v1.ITask;
type ICreateJobRequest = protos.google.cloud.batch.v1.ICreateJobRequest;

const NOW = new Date('2026-11-26T09:00:00.000Z');
const PROJECT = 'vision-ml-project';
const PARENT = `projects/${PROJECT}/locations/us-central1`;
const BUCKET = 'vision-artifacts-1a2b3c';
const TEAM_SA = 'gb-vision@vision-ml-project.iam.gserviceaccount.com';
const TEMPLATE = 'vision-hparams-20261120101010000000001';
const RUN = 'hparams-20261126-090000';
const JOB_ID = `vision-hparams-${RUN}`;

const YAML = `
costCenter: ml
gcp:
  project: ${PROJECT}
  region: us-central1
  subnetCidr: 10.65.0.0/20
  sweeps:
    - name: hparams
      accelerator: l4
      parallelism: 4
      trialHours: 2
      imageTag: v1
    - name: t4-grid
      accelerator: t4
      attempts: 1
      imageTag: v2
      command: [python, train.py, --epochs, "3"]
`;
const SPEC: TeamSpec = specFromYaml('vision', YAML);

const googleError = (code: number, message: string, extra: object = {}) => Object.assign(new Error(message), { code, ...extra });

interface FakeOptions {
  readonly buckets?: BucketLike[];
  readonly templates?: InstanceTemplateLike[];
  /** Objects already in the bucket, by key. */
  readonly objects?: Record<string, string>;
  readonly createJob?: (request: ICreateJobRequest) => IJob;
  readonly getJob?: (name: string) => IJob;
  /** Pages of listJobs. */
  readonly jobPages?: IJob[][];
  readonly tasks?: ITask[];
  /** listTasks rejects filters (INVALID_ARGUMENT). */
  readonly rejectTaskFilter?: boolean;
  readonly fail?: Partial<Record<'getBuckets' | 'templates' | 'createJob' | 'save' | 'listJobs' | 'initialize', Error>>;
}

function bucket(name: string, labels: Record<string, string>): BucketLike {
  return { name, metadata: { labels } };
}

function template(name: string, created: string, group = 'hparams', email = TEAM_SA): InstanceTemplateLike {
  return {
    name,
    creationTimestamp: created,
    selfLink: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/instanceTemplates/${name}`,
    properties: { labels: { 'gpu-burst-role': 'sweep', 'gpu-burst-sweep': group, team: 'vision' }, serviceAccounts: [{ email }] },
  };
}

/** Plain-object clients recording their calls. */
function fakes(o: FakeOptions = {}) {
  const calls = {
    getBuckets: [] as unknown[],
    saved: [] as { bucket: string; key: string; data: string; options: unknown }[],
    downloaded: [] as string[],
    templates: [] as unknown[],
    createJob: [] as ICreateJobRequest[],
    getJob: [] as string[],
    listJobs: [] as unknown[],
    listTasks: [] as unknown[],
    closed: [] as string[],
  };
  const objects = { ...(o.objects ?? {}) };
  const batch: BatchClientLike = {
    async initialize() {
      if (o.fail?.initialize) throw o.fail.initialize;
      return {};
    },
    async createJob(request) {
      calls.createJob.push(request);
      if (o.fail?.createJob) throw o.fail.createJob;
      return [o.createJob ? o.createJob(request) : { name: `${request.parent}/jobs/${request.jobId}`, uid: 'uid-1' }];
    },
    async getJob({ name }) {
      calls.getJob.push(name);
      if (!o.getJob) throw googleError(5, `5 NOT_FOUND: Job ${name} not found`);
      return [o.getJob(name)];
    },
    async listJobs(request) {
      calls.listJobs.push(request);
      if (o.fail?.listJobs) throw o.fail.listJobs;
      const pages = o.jobPages ?? [[]];
      const page = request.pageToken ? Number(request.pageToken) : 0;
      return [pages[page] ?? [], page + 1 < pages.length ? { ...request, pageToken: String(page + 1) } : null];
    },
    async listTasks(request) {
      calls.listTasks.push(request);
      if (o.rejectTaskFilter && request.filter) throw googleError(3, '3 INVALID_ARGUMENT: invalid filter');
      return [o.tasks ?? [], null];
    },
    async close() {
      calls.closed.push('batch');
    },
  };
  const deps: GcpSweepDeps & { out: () => string } = (() => {
    let stdout = '';
    return {
      clients: {
        batch: () => batch,
        storage: () => ({
          async getBuckets(query) {
            calls.getBuckets.push(query);
            if (o.fail?.getBuckets) throw o.fail.getBuckets;
            return [o.buckets ?? [bucket('other-team-artifacts', { team: 'nlp', 'gpu-burst-role': 'artifacts' }), bucket(BUCKET, { team: 'vision', 'gpu-burst-role': 'artifacts' })]];
          },
          bucket: (b: string) => ({
            file: (key: string) => ({
              async save(data: string, options?: unknown) {
                if (o.fail?.save) throw o.fail.save;
                calls.saved.push({ bucket: b, key, data, options });
                objects[key] = data;
              },
              async download() {
                calls.downloaded.push(key);
                const data = objects[key];
                if (data === undefined) throw googleError(404, `No such object: ${b}/${key}`);
                return [Buffer.from(data)] as [Buffer];
              },
            }),
          }),
        }),
        templates: () => ({
          async list(request) {
            calls.templates.push(request);
            if (o.fail?.templates) throw o.fail.templates;
            return [o.templates ?? [template('vision-hparams-20261101000000000000001', '2026-11-01T00:00:00.000-07:00'), template(TEMPLATE, '2026-11-20T10:10:10.000-07:00'), template('vision-hparams-x-1', '2026-11-25T00:00:00.000-07:00', 'hparams-x'), template('vision-t4-grid-1', '2026-11-20T00:00:00.000-07:00', 't4-grid')]];
          },
          async close() {
            calls.closed.push('templates');
          },
        }),
      },
      now: () => NOW,
      stdout: (text) => (stdout += text),
      stderr: () => undefined,
      readFile: (path) => {
        if (path === 'params.json') return JSON.stringify([{ lr: 0.1 }, { lr: 0.01 }, { lr: 0.001 }]);
        if (path === 'one.jsonl') return '{"lr": 0.1}\n';
        throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      },
      out: () => stdout,
    };
  })();
  return { calls, deps };
}

type Fakes = ReturnType<typeof fakes>;

/** A command's result: the fakes' calls and the report, or the error it threw. */
interface Outcome<T> extends Fakes {
  readonly code?: number;
  readonly report?: T;
  readonly error?: Error;
}

async function submit(opts: SubmitOptions, o: FakeOptions = {}, spec = SPEC, group = 'hparams'): Promise<Outcome<GcpSubmitReport>> {
  const f = fakes(o);
  try {
    const code = await runSweepSubmitGcp(spec, group, { json: true, ...opts }, f.deps);
    return { ...f, code, report: JSON.parse(f.deps.out()) as GcpSubmitReport };
  } catch (error) {
    return { ...f, error: error as Error };
  }
}

async function status(job: string | undefined, o: FakeOptions = {}, spec = SPEC): Promise<Outcome<GcpStatusReport>> {
  const f = fakes(o);
  try {
    const code = await runSweepStatusGcp(spec, job, { json: true }, f.deps);
    return { ...f, code, report: JSON.parse(f.deps.out()) as GcpStatusReport };
  } catch (error) {
    return { ...f, error: error as Error };
  }
}

/** The request a sweep of `trials` trials of group hparams sends (no params file). */
function expectedRequest(trials: number, env: Record<string, string> = {}): ICreateJobRequest {
  const labels = { team: 'vision', 'cost-center': 'ml', 'managed-by': 'gpu-burst', 'gpu-burst-role': 'sweep', 'gpu-burst-sweep': 'hparams', 'gpu-burst-run': RUN };
  return {
    parent: PARENT,
    jobId: JOB_ID,
    job: {
      taskGroups: [
        {
          taskCount: trials,
          parallelism: Math.min(4, trials),
          taskCountPerNode: 1,
          taskSpec: {
            runnables: [
              {
                displayName: 'trial',
                container: {
                  imageUri: `us-central1-docker.pkg.dev/${PROJECT}/vision-training-images/training:v1`,
                  volumes: ['/var/lib/nvidia/lib64:/usr/local/nvidia/lib64', '/var/lib/nvidia/bin:/usr/local/nvidia/bin'],
                  // g2-standard-4 has 16 GiB: a quarter for /dev/shm.
                  options: '--privileged --shm-size=4096m',
                },
              },
            ],
            maxRunDuration: { seconds: 7200 },
            maxRetryCount: 2,
            lifecyclePolicies: [{ action: 'RETRY_TASK', actionCondition: { exitCodes: [50001] } }],
            environment: {
              variables: {
                BURST_TEAM: 'vision',
                BURST_SWEEP_GROUP: 'hparams',
                BURST_RUN: RUN,
                BURST_ARTIFACTS: `gs://${BUCKET}/teams/vision/`,
                ...env,
                BURST_CHECKPOINT_PREFIX: `gs://${BUCKET}/teams/vision/runs/${RUN}/trial-{trial}/checkpoints/`,
                BURST_SYNC_DONE_FILE: '/tmp/gpu-burst/checkpoint-synced',
              },
            },
          },
        },
      ],
      allocationPolicy: {
        location: { allowedLocations: ['regions/us-central1'] },
        instances: [{ instanceTemplate: TEMPLATE, installGpuDrivers: true }],
        serviceAccount: { email: TEAM_SA },
        labels,
      },
      labels,
      logsPolicy: { destination: 'CLOUD_LOGGING' },
    },
  };
}

describe('burst sweep submit (GCP)', () => {
  it('1 trial: the exact createJob request, on the newest template of the group, with its service account', async () => {
    const r = await submit({ trials: 1 });
    expect(r.error).toBeUndefined();
    expect(r.calls.createJob).toEqual([expectedRequest(1)]);
    expect(r.calls.getBuckets).toEqual([{ project: PROJECT }]);
    expect(r.calls.templates).toEqual([{ project: PROJECT }]);
    expect(r.calls.saved).toEqual([]);
    expect(r.calls.closed.sort()).toEqual(['batch', 'templates']);
    expect(r.report).toEqual({
      cloud: 'gcp',
      team: 'vision',
      group: 'hparams',
      run: RUN,
      jobId: JOB_ID,
      jobName: `${PARENT}/jobs/${JOB_ID}`,
      project: PROJECT,
      region: 'us-central1',
      trials: 1,
      parallelism: 1,
      resumed: false,
      instanceTemplate: TEMPLATE,
      image: `us-central1-docker.pkg.dev/${PROJECT}/vision-training-images/training:v1`,
      artifacts: `gs://${BUCKET}/teams/vision/runs/${RUN}/`,
      checkpoints: `gs://${BUCKET}/teams/vision/runs/${RUN}/trial-{trial}/checkpoints/`,
      status: `burst sweep status vision ${JOB_ID}`,
    });
  });

  it('N trials: one job whatever N; only taskCount (and parallelism up to the group\'s) changes', async () => {
    for (const trials of [2, 50, MAX_TRIALS]) {
      const r = await submit({ trials });
      expect(r.calls.createJob).toEqual([expectedRequest(trials)]);
    }
  });

  it('params file: uploaded to gs://<bucket>/teams/<team>/runs/<run>/params.json, one trial per entry, path in BURST_PARAMS_FILE', async () => {
    const r = await submit({ params: 'params.json' });
    const key = `teams/vision/runs/${RUN}/params.json`;
    expect(r.calls.saved).toEqual([
      { bucket: BUCKET, key, data: '[{"lr":0.1},{"lr":0.01},{"lr":0.001}]\n', options: { contentType: 'application/json', resumable: false } },
    ]);
    expect(r.calls.createJob).toEqual([expectedRequest(3, { BURST_PARAMS_FILE: `gs://${BUCKET}/${key}` })]);
    expect(r.report?.params).toBe(`gs://${BUCKET}/${key}`);
  });

  it('retries only on preemption: one RETRY_TASK policy on exit code 50001 (every other code fails), attempts - 1 retries', async () => {
    const r = await submit({ trials: 2 });
    const spec = r.calls.createJob[0]?.job?.taskGroups?.[0]?.taskSpec;
    expect(spec?.lifecyclePolicies).toEqual([{ action: 'RETRY_TASK', actionCondition: { exitCodes: [PREEMPTION_EXIT_CODE] } }]);
    expect(spec?.maxRetryCount).toBe(2);
    // attempts: 1 leaves nothing to retry: no policy at all.
    const once = await submit({ trials: 2 }, {}, SPEC, 't4-grid');
    const oneSpec = once.calls.createJob[0]?.job?.taskGroups?.[0]?.taskSpec;
    expect(oneSpec?.maxRetryCount).toBe(0);
    expect(oneSpec).not.toHaveProperty('lifecyclePolicies');
  });

  it('maxRunDuration is the group\'s trialHours in seconds; the group\'s command goes to the entry point', async () => {
    const r = await submit({ trials: 2 }, { templates: [template('vision-t4-grid-1', '2026-11-20T00:00:00Z', 't4-grid')] }, SPEC, 't4-grid');
    const spec = r.calls.createJob[0]?.job?.taskGroups?.[0]?.taskSpec;
    expect(spec?.maxRunDuration).toEqual({ seconds: 4 * 3600 });
    expect(spec?.runnables?.[0]?.container).toMatchObject({
      imageUri: `us-central1-docker.pkg.dev/${PROJECT}/vision-training-images/training:v2`,
      commands: ['python', 'train.py', '--epochs', '3'],
      options: '--privileged --shm-size=7680m',
    });
    expect(r.calls.createJob[0]?.job?.allocationPolicy?.instances).toEqual([{ instanceTemplate: 'vision-t4-grid-1', installGpuDrivers: true }]);
  });

  it('zones named in the team file become the allowed locations; otherwise the region', () => {
    const zoned = specFromYaml('vision', YAML.replace('  subnetCidr:', '  zones: [us-central1-a, us-central1-c]\n  subnetCidr:'));
    expect(allowedLocations(zoned, resolveGcpGroup(zoned, 'hparams').plan)).toEqual(['zones/us-central1-a', 'zones/us-central1-c']);
    expect(allowedLocations(SPEC, resolveGcpGroup(SPEC, 'hparams').plan)).toEqual(['regions/us-central1']);
  });

  it('unknown group: names the file and suggests the closest GCP group; nothing is called', async () => {
    const r = await submit({ trials: 2 }, {}, SPEC, 'hparam');
    expect(r.error).toBeInstanceOf(UserError);
    expect(r.error?.message).toBe("no sweep group 'hparam' in teams/vision.yaml; did you mean 'hparams'? (GCP sweep groups: 'hparams', 't4-grid')");
    expect(r.calls.getBuckets).toEqual([]);
    const none = specFromYaml('vision', 'gcp:\n  project: vision-ml-project\n  region: us-central1\n');
    expect((await submit({ trials: 2 }, {}, none)).error?.message).toBe('team vision has no GCP sweep groups; add one under gcp.sweeps in teams/vision.yaml');
  });

  it('which cloud a group is on: aws.sweeps wins, a name only in gcp.sweeps is GCP', () => {
    const both = { ...SPEC, aws: { sweeps: [{ name: 'hparams' }] } } as unknown as TeamSpec;
    expect(sweepCloudOf(both, 'hparams')).toBe('aws');
    expect(sweepCloudOf(both, 't4-grid')).toBe('gcp');
    expect(sweepCloudOf(SPEC, 'nope')).toBeUndefined();
  });

  it('validates trials and the params file like AWS', async () => {
    expect((await submit({ trials: 0 })).error?.message).toBe("--trials must be a whole number from 1 to 10,000 (gpu-burst's largest sweep); got 0");
    expect((await submit({ trials: 10_001 })).error?.message).toMatch(/got 10001$/);
    expect((await submit({ trials: 2, params: 'params.json' })).error?.message).toMatch(/^params file params.json has 3 entries but --trials is 2/);
    expect((await submit({})).error?.message).toBe('give --trials N, --params FILE (one trial per entry), or both');
    expect((await submit({ params: 'missing.json' })).error?.message).toMatch(/^cannot read params file missing.json: ENOENT/);
    expect((await submit({ trials: 2, name: 'bad name' })).error?.message).toMatch(/^--name 'bad name' is not a run name/);
  });

  it('job ids: <team>-<group>-<run>, lowercase, at most 63, distinct long runs stay distinct', () => {
    expect(batchJobId('vision', 'hparams', 'LR_Sweep-1')).toBe('vision-hparams-lr-sweep-1');
    expect(batchJobId('vision', 'hparams', 'lr', 3)).toBe('vision-hparams-lr-r3');
    const a = batchJobId('vision', 'hparams', `${'x'.repeat(80)}-a`);
    const b = batchJobId('vision', 'hparams', `${'x'.repeat(80)}-b`, 2);
    for (const id of [a, b]) expect(id).toMatch(/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])$/);
    expect(a).not.toBe(b.replace(/-r2$/, ''));
    expect(b).toMatch(/-r2$/);
  });

  it('resubmitting a run: same parameters resume it as job -r2 once the first job has ended', async () => {
    const key = 'teams/vision/runs/lr/params.json';
    const stored = '[{"lr":0.1},{"lr":0.01},{"lr":0.001}]\n';
    const r = await submit(
      { name: 'lr', params: 'params.json' },
      {
        objects: { [key]: stored },
        createJob: (req) => {
          if (req.jobId === 'vision-hparams-lr') throw googleError(6, '6 ALREADY_EXISTS: Job vision-hparams-lr already exists');
          return { name: `${req.parent}/jobs/${req.jobId}` };
        },
        getJob: () => ({ status: { state: 'FAILED' } }),
      },
    );
    expect(r.error).toBeUndefined();
    expect(r.calls.createJob.map((c) => c.jobId)).toEqual(['vision-hparams-lr', 'vision-hparams-lr-r2']);
    expect(r.calls.saved).toEqual([]);
    expect(r.report).toMatchObject({ jobId: 'vision-hparams-lr-r2', resumed: true, trials: 3 });
    // Still running: refused, nothing else created.
    const busy = await submit(
      { name: 'lr' },
      { objects: { [key]: stored }, createJob: () => { throw googleError(6, '6 ALREADY_EXISTS'); }, getJob: () => ({ status: { state: 'RUNNING' } }) },
    );
    expect(busy.error?.message).toBe("run 'lr' is still RUNNING as job vision-hparams-lr; wait for it to end (burst sweep status vision vision-hparams-lr) before resubmitting");
    expect(busy.calls.createJob).toHaveLength(1);
    // Other parameters: refused before anything is created.
    const other = await submit({ name: 'lr', trials: 1, params: 'one.jsonl' }, { objects: { [key]: stored } });
    expect(other.error?.message).toMatch(/^run 'lr' exists with other parameters/);
    expect(other.calls.createJob).toEqual([]);
  });

  it('not deployed: no artifact bucket, no template, or a template on the default service account', async () => {
    const noBucket = await submit({ trials: 2 }, { buckets: [bucket('x', { team: 'vision' })] });
    expect(noBucket.error?.message).toBe(
      'project vision-ml-project has no bucket labelled team=vision and gpu-burst-role=artifacts; deploy first: pulumi up -s vision',
    );
    const noTemplate = await submit({ trials: 2 }, { templates: [template('vision-hparams-x-1', '2026-11-25T00:00:00Z', 'hparams-x')] });
    expect(noTemplate.error?.message).toBe('sweep group hparams has no instance template (vision-hparams-*) in project vision-ml-project; deploy first: pulumi up -s vision');
    const defaultSa = await submit({ trials: 2 }, { templates: [template(TEMPLATE, '2026-11-25T00:00:00Z', 'hparams', '123-compute@developer.gserviceaccount.com')] });
    expect(defaultSa.error?.message).toMatch(/runs as 123-compute@developer.gserviceaccount.com, not the team's own/);
    expect(defaultSa.calls.createJob).toEqual([]);
  });

  it('credentials missing: one line with the fix, no stack trace', async () => {
    const r = await submit({ trials: 2 }, { fail: { getBuckets: new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.') } });
    expect(r.error).toBeInstanceOf(UserError);
    expect(r.error?.message).toBe(GCP_CREDENTIALS);
    expect(hasStackTrace(r.error?.message ?? '')).toBe(false);
  });

  it('permission denied: names the permission the error carries, else what the caller needs', async () => {
    const denied = await submit(
      { trials: 2 },
      {
        fail: {
          createJob: googleError(7, "7 PERMISSION_DENIED: Permission 'batch.jobs.create' denied on resource '//batch.googleapis.com/projects/vision-ml-project/locations/us-central1' (or it may not exist)."),
        },
      },
    );
    expect(denied.error?.message).toMatch(/^Google Cloud denied batch\.jobs\.create in project vision-ml-project \(.*\); the account needs the permission batch\.jobs\.create$/);
    const actAs = await submit({ trials: 2 }, { fail: { createJob: googleError(7, '7 PERMISSION_DENIED: caller cannot act as the service account', { errorInfoMetadata: { permission: 'iam.serviceAccounts.actAs' } }) } });
    expect(actAs.error?.message).toMatch(/the account needs the permission iam\.serviceAccounts\.actAs$/);
    const upload = await submit({ params: 'params.json' }, { fail: { save: googleError(403, 'gb@x does not have storage.objects.create access to the Google Cloud Storage object.') } });
    expect(upload.error?.message).toMatch(/^Google Cloud denied storage\.objects\.create .*the account needs the permission storage\.objects\.create$/);
    const templates = await submit({ trials: 2 }, { fail: { templates: googleError(403, "Required 'compute.instanceTemplates.list' permission for 'projects/vision-ml-project'") } });
    expect(templates.error?.message).toMatch(/the account needs the permission compute\.instanceTemplates\.list$/);
  });

  it('API disabled and quota become messages with the fix', () => {
    const disabled = gcpFailure(
      googleError(7, '7 PERMISSION_DENIED: Batch API has not been used in project 123 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/batch.googleapis.com/overview?project=123', { reason: 'SERVICE_DISABLED' }),
      { action: 'batch.jobs.create', project: PROJECT },
    ) as Error;
    expect(disabled.message).toBe(
      'batch.googleapis.com API is not enabled in project vision-ml-project (batch.jobs.create); enable it: gcloud services enable batch.googleapis.com --project vision-ml-project',
    );
    const quota = gcpFailure(googleError(8, '8 RESOURCE_EXHAUSTED: Quota exceeded for quota metric'), { action: 'batch.jobs.create', project: PROJECT }) as Error;
    expect(quota.message).toMatch(/^Google Cloud quota exceeded for batch\.jobs\.create in project vision-ml-project .*IAM & Admin > Quotas\) or ask for less$/);
    const plain = new TypeError('bug');
    expect(gcpFailure(plain, { action: 'x', project: PROJECT })).toBe(plain);
  });

  it('prints a summary for a person', async () => {
    const r = await submit({ trials: 50 });
    expect(renderGcpSubmitReport(r.report as GcpSubmitReport)).toBe(
      [
        `submitted  ${RUN}: 50 trials, 4 at a time on Google Cloud Batch (us-central1)`,
        `  job          ${PARENT}/jobs/${JOB_ID}`,
        `  template     ${TEMPLATE}`,
        `  image        us-central1-docker.pkg.dev/${PROJECT}/vision-training-images/training:v1`,
        `  artifacts    gs://${BUCKET}/teams/vision/runs/${RUN}/`,
        `  checkpoints  gs://${BUCKET}/teams/vision/runs/${RUN}/trial-{trial}/checkpoints/`,
        `Follow it: burst sweep status vision ${JOB_ID}`,
      ].join('\n'),
    );
  });

  it('the request builder and the plan agree: buildCreateJobRequest is what submit sends', async () => {
    const { plan, item } = resolveGcpGroup(SPEC, 'hparams');
    const r = await submit({ trials: 3 });
    const sent = r.calls.createJob[0] as ICreateJobRequest;
    const env = sent.job?.taskGroups?.[0]?.taskSpec?.environment?.variables as Record<string, string>;
    expect(
      buildCreateJobRequest({
        project: PROJECT,
        region: 'us-central1',
        jobId: JOB_ID,
        trials: 3,
        defaults: gcpSweepJobDefaults(plan, item),
        instanceTemplate: TEMPLATE,
        serviceAccountEmail: TEAM_SA,
        allowedLocations: ['regions/us-central1'],
        labels: sent.job?.labels as Record<string, string>,
        environment: env,
        sharedMemoryMiB: 4096,
      }),
    ).toEqual(sent);
  });
});

// ---------------------------------------------------------------------------------------------

function job(id: string, o: { group?: string; team?: string; created: string; state?: string; taskCount?: number | string; counts?: Record<string, string | number>; events?: protos.google.cloud.batch.v1.IStatusEvent[] }): IJob {
  const run = id.replace(/^vision-[a-z0-9]+(?:-grid)?-/, '');
  return {
    name: `${PARENT}/jobs/${id}`,
    createTime: { seconds: String(Date.parse(o.created) / 1000), nanos: 0 },
    labels: { team: o.team ?? 'vision', 'gpu-burst-sweep': o.group ?? 'hparams', 'gpu-burst-run': run },
    taskGroups: [
      {
        name: `${PARENT}/jobs/${id}/taskGroups/group0`,
        taskCount: o.taskCount ?? 10,
        taskSpec: { environment: { variables: { BURST_RUN: run, BURST_CHECKPOINT_PREFIX: `gs://${BUCKET}/teams/vision/runs/${run}/trial-{trial}/checkpoints/` } } },
      },
    ],
    status: { state: (o.state ?? 'RUNNING') as never, taskGroups: { group0: { counts: o.counts ?? {} } }, statusEvents: o.events ?? [] },
  };
}

function failedTask(index: number, exitCode: number, description: string): ITask {
  return {
    name: `${PARENT}/jobs/${JOB_ID}/taskGroups/group0/tasks/${index}`,
    status: {
      state: 'FAILED',
      statusEvents: [
        { description: 'Task state is updated from ASSIGNED to RUNNING', taskState: 'RUNNING' },
        { description, taskState: 'FAILED', taskExecution: { exitCode } },
      ],
    },
  };
}

describe('burst sweep status (GCP)', () => {
  it('task arithmetic: counts per state (int64 as strings), ended trials as a share, rounded down', () => {
    expect(summarizeTasks(10, { group0: { counts: { SUCCEEDED: '3', FAILED: '1', RUNNING: '4', PENDING: '2' } } })).toEqual({
      counts: { PENDING: 2, ASSIGNED: 0, RUNNING: 4, SUCCEEDED: 3, FAILED: 1, UNEXECUTED: 0 },
      percentDone: 40,
    });
    expect(summarizeTasks(3, { group0: { counts: { SUCCEEDED: 1, UNEXECUTED: 1 } } }).percentDone).toBe(66);
    expect(summarizeTasks(0, undefined).percentDone).toBe(0);
  });

  it("without a job: the team's sweeps of the last 7 days, newest first; other teams, groups and older jobs left out", async () => {
    const r = await status(undefined, {
      jobPages: [
        [
          job(JOB_ID, { created: '2026-11-26T08:00:00Z', counts: { SUCCEEDED: '3', RUNNING: '4', PENDING: '3' } }),
          job('nlp-hparams-x', { team: 'nlp', created: '2026-11-26T07:00:00Z' }),
          job('vision-adhoc-x', { group: 'adhoc', created: '2026-11-26T07:00:00Z' }),
        ],
        [
          job('vision-t4-grid-g1', { group: 't4-grid', created: '2026-11-22T00:00:00Z', state: 'SUCCEEDED', taskCount: '2', counts: { SUCCEEDED: '2' } }),
          job('vision-hparams-old', { created: '2026-11-10T00:00:00Z' }),
        ],
        [job('vision-hparams-older', { created: '2026-11-01T00:00:00Z' })],
      ],
    });
    expect(r.error).toBeUndefined();
    expect(r.calls.listJobs).toEqual([
      { parent: PARENT, orderBy: 'create_time desc', pageSize: 100 },
      { parent: PARENT, orderBy: 'create_time desc', pageSize: 100, pageToken: '1' },
    ]);
    expect(r.report?.jobs?.map((j) => [j.id, j.group, j.name, j.status, j.trials, j.percentDone])).toEqual([
      [JOB_ID, 'hparams', RUN, 'RUNNING', 10, 30],
      ['vision-t4-grid-g1', 't4-grid', 'g1', 'SUCCEEDED', 2, 100],
    ]);
    expect(renderGcpStatusReport(r.report as GcpStatusReport).split('\n')).toEqual([
      'GROUP    RUN                      STATUS     PROGRESS                                                      JOB',
      `hparams  ${RUN}  RUNNING    3 succeeded, 0 failed, 4 running, 3 waiting of 10 (30% done)  ${JOB_ID}`,
      't4-grid  g1                       SUCCEEDED  2 succeeded, 0 failed, 0 running of 2 (100% done)             vision-t4-grid-g1',
    ]);
  });

  it('one job: counts, preemptions from its events, failed trials with exit codes and reasons', async () => {
    const detail = job(JOB_ID, {
      created: '2026-11-26T08:00:00Z',
      state: 'FAILED',
      counts: { SUCCEEDED: '7', FAILED: '3' },
      events: [
        { description: 'Task 4 preempted', taskExecution: { exitCode: 50001 } },
        { description: 'Job state is set from RUNNING to FAILED for job projects/... with exit code 1.' },
      ],
    });
    const r = await status(JOB_ID, {
      getJob: () => detail,
      tasks: [failedTask(9, 1, 'Task state is updated from RUNNING to FAILED with exit code 1.'), failedTask(2, 50001, 'preempted'), failedTask(5, 50005, 'too long')],
    });
    expect(r.error).toBeUndefined();
    expect(r.calls.getJob).toEqual([`${PARENT}/jobs/${JOB_ID}`]);
    expect(r.calls.listTasks).toEqual([{ parent: `${PARENT}/jobs/${JOB_ID}/taskGroups/group0`, filter: 'State=FAILED', pageSize: 1000 }]);
    expect(r.report?.job).toEqual({
      id: JOB_ID,
      name: RUN,
      group: 'hparams',
      status: 'FAILED',
      statusReason: 'Job state is set from RUNNING to FAILED for job projects/... with exit code 1.',
      createdAt: '2026-11-26T08:00:00.000Z',
      trials: 10,
      counts: { PENDING: 0, ASSIGNED: 0, RUNNING: 0, SUCCEEDED: 7, FAILED: 3, UNEXECUTED: 0 },
      percentDone: 100,
      artifacts: `gs://${BUCKET}/teams/vision/runs/${RUN}/`,
      preemptions: 1,
      failed: [
        { index: 2, exitCode: 50001, reason: 'VM preempted (spot reclaim)' },
        { index: 5, exitCode: 50005, reason: 'trial ran past its maximum run duration (trialHours)' },
        { index: 9, exitCode: 1, reason: 'Task state is updated from RUNNING to FAILED with exit code 1.' },
      ],
    });
    const text = renderGcpStatusReport(r.report as GcpStatusReport);
    expect(text).toContain(`${RUN}  FAILED  group hparams, Batch job ${JOB_ID} (${PROJECT}/us-central1)`);
    expect(text).toContain('  preemptions  1 (retried while attempts remain)');
    expect(text).toContain('    2  exit 50001  VM preempted (spot reclaim)');
  });

  it('a rejected task filter falls back to listing every task and keeps the failed ones', async () => {
    const running: ITask = { name: `${PARENT}/jobs/${JOB_ID}/taskGroups/group0/tasks/0`, status: { state: 'RUNNING' } };
    const r = await status(JOB_ID, {
      getJob: () => job(JOB_ID, { created: '2026-11-26T08:00:00Z', counts: { FAILED: 1, RUNNING: 9 } }),
      tasks: [running, failedTask(3, 50005, 'too long')],
      rejectTaskFilter: true,
    });
    expect(r.calls.listTasks).toEqual([
      { parent: `${PARENT}/jobs/${JOB_ID}/taskGroups/group0`, filter: 'State=FAILED', pageSize: 1000 },
      { parent: `${PARENT}/jobs/${JOB_ID}/taskGroups/group0`, pageSize: 1000 },
    ]);
    expect(r.report?.job?.failed).toEqual([{ index: 3, exitCode: 50005, reason: 'trial ran past its maximum run duration (trialHours)' }]);
  });

  it('by run name: a job id that is not found falls back to the runs of the last 7 days', async () => {
    const r = await status(RUN, { jobPages: [[job(JOB_ID, { created: '2026-11-26T08:00:00Z', counts: { RUNNING: 10 } })]] });
    expect(r.error).toBeUndefined();
    expect(r.calls.getJob).toEqual([`${PARENT}/jobs/${RUN}`]);
    expect(r.report?.job).toMatchObject({ id: JOB_ID, name: RUN, failed: [] });
    expect(r.calls.listTasks).toEqual([]);
    const missing = await status('nope', { jobPages: [[]] });
    expect(missing.error?.message).toBe(
      "no sweep job or run 'nope' of team vision in vision-ml-project/us-central1 (runs of the last 7 days); give the job id `burst sweep submit` printed",
    );
  });

  it("refuses another team's job", async () => {
    const r = await status('nlp-hparams-x', { getJob: () => job('nlp-hparams-x', { team: 'nlp', created: '2026-11-26T08:00:00Z' }) });
    expect(r.error?.message).toBe("job nlp-hparams-x is not a sweep of team vision's GCP sweep groups ('hparams', 't4-grid')");
  });

  it('permission denied and missing credentials while listing become messages', async () => {
    const denied = await status(undefined, { fail: { listJobs: googleError(7, "7 PERMISSION_DENIED: Permission 'batch.jobs.list' denied on resource") } });
    expect(denied.error?.message).toMatch(/^Google Cloud denied batch\.jobs\.list in project vision-ml-project .*the permission batch\.jobs\.list$/);
    const noCreds = await status(undefined, { fail: { initialize: new Error('Could not load the default credentials.') } });
    expect(noCreds.error?.message).toBe(GCP_CREDENTIALS);
    expect(noCreds.calls.closed).toEqual(['batch']);
  });
});
