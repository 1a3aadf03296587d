/**
 * AutoShutdown on GCP (auto-shutdown layer c): a private Cloud Run function scaled to zero, run by
 * Cloud Scheduler with an invoker's OIDC token, as a dedicated account holding only what it needs
 * (G1, G9, X4).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as gcp from '@pulumi/gcp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AutoShutdown,
  BACKSTOP_CODE_DIR,
  BACKSTOP_ENTRY_POINT,
  BACKSTOP_RUNTIME,
  BACKSTOP_SOURCE_OBJECT,
  backstopAccountId,
  backstopRoleId,
  backstopSchedule,
  backstopScopeCondition,
  type AutoShutdownArgs,
} from '../../constructs/gcp/auto-shutdown.js';
import { recordProgram, type RecordedGraph, type RecordedResource } from '../../stacks/gcp/record.js';
import { checkGraph } from '../../stacks/gcp/rules.js';

const TEAM = 'vision';
const PROJECT = 'vision-ml';
const ARGS: AutoShutdownArgs = {
  team: TEAM,
  project: PROJECT,
  region: 'us-central1',
  zones: ['us-central1-a', 'us-central1-b'],
  tpuZones: ['us-central1-a'],
  bucket: 'vision-artifacts-1a2b',
  everyMinutes: 10,
  fleets: ['train', 'eval'],
  hasDevBox: true,
};
const SA = `vision-backstop@${PROJECT}.iam.gserviceaccount.com`;
const INVOKER = `vision-backstop-inv@${PROJECT}.iam.gserviceaccount.com`;
const IAM_TYPES = [
  'gcp:projects/iAMMember:IAMMember',
  'gcp:storage/bucketIAMMember:BucketIAMMember',
  'gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember',
  'gcp:cloudrun/iamMember:IamMember',
];

function record(args: AutoShutdownArgs): Promise<RecordedGraph> {
  return recordProgram(args.team, () => {
    const provider = new gcp.Provider('team', { project: args.project, region: args.region, defaultLabels: { team: args.team, 'cost-center': args.team, 'managed-by': 'gpu-burst' } });
    new AutoShutdown(`${args.team}-auto-shutdown`, args, { provider });
  });
}

let graph: RecordedGraph;

function all(type: string, g: RecordedGraph = graph): RecordedResource[] {
  return g.resources.filter((r) => r.type === type);
}

function one(type: string, name?: string, g: RecordedGraph = graph): RecordedResource {
  const found = all(type, g).filter((r) => name === undefined || r.name === name);
  expect(found, `${type} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
}

function input<T>(r: RecordedResource, ...path: string[]): T {
  let cur: unknown = r.inputs;
  for (const key of path) cur = (cur as Record<string, unknown> | undefined)?.[key];
  return cur as T;
}

beforeAll(async () => {
  graph = await record(ARGS);
});

describe('the backstop function', () => {
  const fn = () => one('gcp:cloudfunctionsv2/function:Function');

  it('X4: costs nothing at rest: scales to zero between runs, one run at a time', () => {
    expect(input(fn(), 'serviceConfig')).toMatchObject({ minInstanceCount: 0, maxInstanceCount: 1, maxInstanceRequestConcurrency: 1, timeoutSeconds: 180 });
  });

  it('is private: internal ingress only, and nobody outside the invoker may call it', () => {
    expect(input(fn(), 'serviceConfig', 'ingressSettings')).toBe('ALLOW_INTERNAL_ONLY');
    const members = IAM_TYPES.flatMap((t) => all(t)).map((r) => input<string>(r, 'member'));
    expect(members.filter((m) => /allUsers|allAuthenticatedUsers/.test(m))).toEqual([]);
    for (const type of ['gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember', 'gcp:cloudrun/iamMember:IamMember']) {
      const grant = one(type);
      expect(grant.inputs).toMatchObject({ member: `serviceAccount:${INVOKER}`, location: 'us-central1' });
      expect(grant.inputs['cloudFunction'] ?? grant.inputs['service']).toBe('vision-backstop');
    }
    expect(input(one('gcp:cloudrun/iamMember:IamMember'), 'role')).toBe('roles/run.invoker');
    expect(input(one('gcp:cloudfunctionsv2/functionIamMember:FunctionIamMember'), 'role')).toBe('roles/cloudfunctions.invoker');
  });

  it('G1: runs as its own service account, never a default one', () => {
    const email = input<string>(fn(), 'serviceConfig', 'serviceAccountEmail');
    expect(email).toBe(SA);
    expect(email).not.toMatch(/-compute@developer\.gserviceaccount\.com$|@appspot\.gserviceaccount\.com$/);
    expect(all('gcp:serviceaccount/account:Account').map((r) => input<string>(r, 'accountId'))).toEqual(
      expect.arrayContaining(['vision-backstop', 'vision-backstop-inv']),
    );
  });

  it('builds from the uploaded source on the Node.js 24 runtime, pinned to the uploaded generation', () => {
    expect(input(fn(), 'buildConfig')).toMatchObject({
      runtime: BACKSTOP_RUNTIME,
      entryPoint: BACKSTOP_ENTRY_POINT,
      source: { storageSource: { bucket: ARGS.bucket, object: BACKSTOP_SOURCE_OBJECT } },
    });
    expect(input(fn(), 'buildConfig', 'source', 'storageSource')).toHaveProperty('generation');
    expect(BACKSTOP_RUNTIME).toBe('nodejs24');
    expect(input(fn(), 'buildConfig', 'serviceAccount')).toBeUndefined();
  });

  it('gets its settings from the environment the backstop reads', () => {
    expect(input(fn(), 'serviceConfig', 'environmentVariables')).toEqual({
      TEAM,
      PROJECT,
      REGION: 'us-central1',
      ZONES: 'us-central1-a,us-central1-b',
      TPU_ZONES: 'us-central1-a',
      BUCKET: ARGS.bucket,
    });
    expect(fn().inputs).toMatchObject({ name: 'vision-backstop', location: 'us-central1', labels: { 'gpu-burst-role': 'backstop' } });
  });

  it('uploads its code outside teams/<team>/ (which hosts may write), replacing it delete-first', () => {
    const source = one('gcp:storage/bucketObject:BucketObject');
    expect(source.inputs).toMatchObject({ bucket: ARGS.bucket, name: BACKSTOP_SOURCE_OBJECT, contentType: 'application/zip' });
    expect(BACKSTOP_SOURCE_OBJECT.startsWith(`teams/`)).toBe(false);
    expect(source.inputs['source']).toMatchObject({ __pulumiArchive: true });
  });

  it('its source is index.mjs plus a package.json that pins every client it imports', async () => {
    expect(readdirSync(BACKSTOP_CODE_DIR).sort()).toEqual(['index.mjs', 'package.json']);
    const pkg = JSON.parse(readFileSync(join(BACKSTOP_CODE_DIR, 'package.json'), 'utf8')) as { main: string; type: string; dependencies: Record<string, string> };
    expect(pkg).toMatchObject({ main: 'index.mjs', type: 'module' });
    for (const version of Object.values(pkg.dependencies)) expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const code = readFileSync(join(BACKSTOP_CODE_DIR, 'index.mjs'), 'utf8');
    const imported = [...code.matchAll(/import\('([^']+)'\)|from '([^']+)'/g)].map((m) => m[1] ?? m[2]);
    expect(imported.length).toBeGreaterThan(0);
    for (const name of imported) expect(Object.keys(pkg.dependencies)).toContain(name);
    expect(Object.keys(pkg.dependencies)).toContain('@google-cloud/functions-framework');
    const mod = (await import('../../constructs/gcp/backstop/index.mjs')) as Record<string, unknown>;
    expect(typeof mod[BACKSTOP_ENTRY_POINT]).toBe('function');
  });
});

describe('the schedule', () => {
  it('calls the function every everyMinutes with an OIDC token of the invoker account', () => {
    const job = one('gcp:cloudscheduler/job:Job');
    expect(job.inputs).toMatchObject({
      name: 'vision-backstop',
      region: 'us-central1',
      schedule: '*/10 * * * *',
      timeZone: 'Etc/UTC',
      attemptDeadline: '180s',
      httpTarget: { httpMethod: 'POST', oidcToken: { serviceAccountEmail: INVOKER } },
    });
    expect(input(job, 'httpTarget', 'oauthToken')).toBeUndefined();
  });

  it('turns everyMinutes into cron', () => {
    expect(backstopSchedule(15)).toBe('*/15 * * * *');
    expect(backstopSchedule(1)).toBe('*/1 * * * *');
    expect(backstopSchedule(60)).toBe('0 * * * *');
  });
});

describe('G9: the backstop account holds only what it needs', () => {
  it('passes every GCP rule (G1-G9, labels, X4)', () => {
    expect(checkGraph(graph.resources)).toEqual([]);
  });

  const grants = () => IAM_TYPES.flatMap((t) => all(t)).filter((r) => input(r, 'member') === `serviceAccount:${SA}`);

  it('no basic or admin role anywhere in the component, no wildcard permission', () => {
    for (const r of IAM_TYPES.flatMap((t) => all(t))) {
      expect(input<string>(r, 'role')).not.toMatch(/^roles\/(owner|editor|viewer)$|[Aa]dmin$/);
    }
    for (const role of all('gcp:projects/iAMCustomRole:IAMCustomRole')) {
      for (const p of input<string[]>(role, 'permissions')) expect(p).not.toContain('*');
    }
  });

  it('reads everywhere in the project it must look (and deletes TPUs, which IAM conditions cannot scope)', () => {
    const role = one('gcp:projects/iAMCustomRole:IAMCustomRole', 'vision-auto-shutdown');
    expect(role.inputs).toMatchObject({ project: PROJECT, roleId: 'gpuBurst_vision_backstop', stage: 'GA' });
    expect(input(role, 'permissions')).toEqual([
      'compute.instanceGroupManagers.get',
      'compute.instanceGroupManagers.list',
      'compute.instanceTemplates.get',
      'compute.instances.list',
      'tpu.nodes.delete',
      'tpu.nodes.list',
      'tpu.queuedResources.delete',
      'tpu.queuedResources.list',
    ]);
    const grant = one('gcp:projects/iAMMember:IAMMember', 'vision-auto-shutdown');
    expect(grant.inputs).toEqual({ project: PROJECT, role: `projects/${PROJECT}/roles/gpuBurst_vision_backstop`, member: `serviceAccount:${SA}` });
  });

  it("resizes and stops only the team's own groups and dev box, by exact name, through an IAM condition", () => {
    expect(input(one('gcp:projects/iAMCustomRole:IAMCustomRole', 'vision-auto-shutdown-scoped'), 'permissions')).toEqual([
      'compute.instanceGroupManagers.update',
      'compute.instances.stop',
    ]);
    const grant = one('gcp:projects/iAMMember:IAMMember', 'vision-auto-shutdown-scoped');
    expect(input(grant, 'role')).toBe(`projects/${PROJECT}/roles/gpuBurst_vision_backstopScoped`);
    // Exact names: a `vision-` prefix would also reach team `vision-x`'s groups.
    expect(input(grant, 'condition', 'expression')).toBe(
      'resource.name.extract("/instanceGroupManagers/{name}") in ["vision-train", "vision-eval"] || resource.name.extract("/instances/{name}") in ["vision-devbox"]',
    );
  });

  it("reads only the team's burst records in the artifact bucket", () => {
    const grant = one('gcp:storage/bucketIAMMember:BucketIAMMember');
    expect(grant.inputs).toMatchObject({ bucket: ARGS.bucket, role: 'roles/storage.objectViewer', member: `serviceAccount:${SA}` });
    expect(input(grant, 'condition', 'expression')).toBe(`resource.name.startsWith("projects/_/buckets/${ARGS.bucket}/objects/teams/vision/bursts/")`);
    expect(grants()).toHaveLength(3);
  });

  it('without TPUs or a dev box it gets neither TPU nor stop permissions; with nothing to act on, no scoped grant', async () => {
    const bare = await record({ ...ARGS, tpuZones: undefined, hasDevBox: undefined, everyMinutes: undefined });
    const perms = all('gcp:projects/iAMCustomRole:IAMCustomRole', bare).flatMap((r) => input<string[]>(r, 'permissions'));
    expect(perms.filter((p) => p.startsWith('tpu.') || p === 'compute.instances.stop')).toEqual([]);
    expect(input(one('gcp:projects/iAMMember:IAMMember', 'vision-auto-shutdown-scoped', bare), 'condition', 'expression')).toBe(
      'resource.name.extract("/instanceGroupManagers/{name}") in ["vision-train", "vision-eval"]',
    );
    const none = await record({ ...ARGS, fleets: undefined, hasDevBox: false });
    expect(all('gcp:projects/iAMCustomRole:IAMCustomRole', none).map((r) => r.name)).toEqual(['vision-auto-shutdown']);
    expect(all('gcp:projects/iAMMember:IAMMember', none).map((r) => r.name)).toEqual(['vision-auto-shutdown']);
    expect(backstopScopeCondition([], ['a-devbox'])).toBe('resource.name.extract("/instances/{name}") in ["a-devbox"]');
    expect(input(one('gcp:cloudscheduler/job:Job', undefined, bare), 'schedule')).toBe('*/15 * * * *');
    expect(input(one('gcp:cloudfunctionsv2/function:Function', undefined, bare), 'serviceConfig', 'environmentVariables', 'TPU_ZONES')).toBe('');
  });
});

describe('names and validation', () => {
  it('service account ids fit 6-30 characters, stay readable and differ for long teams that share a prefix', () => {
    const pattern = /^[a-z]([-a-z0-9]*[a-z0-9])$/;
    expect(backstopAccountId('vision', 'backstop')).toBe('vision-backstop');
    const a = backstopAccountId('computer-vision-research-group', 'backstop-inv');
    const b = backstopAccountId('computer-vision-research-grou2', 'backstop-inv');
    for (const id of [a, b, backstopAccountId('computer-vision-research-group', 'backstop')]) {
      expect(id.length).toBeLessThanOrEqual(30);
      expect(id).toMatch(pattern);
    }
    expect(a).not.toBe(b);
    expect(a.startsWith('computer')).toBe(true);
    expect(backstopRoleId('computer-vision-research-group', 'backstopScoped')).toMatch(/^[a-zA-Z0-9_.]{3,64}$/);
    expect(backstopRoleId('ml-nlp', 'backstop')).toBe('gpuBurst_ml_nlp_backstop');
  });

  it('passes a build service account through when given', async () => {
    const g = await record({ ...ARGS, buildServiceAccount: `projects/${PROJECT}/serviceAccounts/build@${PROJECT}.iam.gserviceaccount.com` });
    expect(input(one('gcp:cloudfunctionsv2/function:Function', undefined, g), 'buildConfig', 'serviceAccount')).toBe(
      `projects/${PROJECT}/serviceAccounts/build@${PROJECT}.iam.gserviceaccount.com`,
    );
  });

  it('reports every bad argument at once', () => {
    expect(() => new AutoShutdown('x', { ...ARGS, team: 'Vision', everyMinutes: 0, zones: ['europe-west4-a'] })).toThrow(
      "AutoShutdown x: everyMinutes must be a whole number from 1 to 60, got 0; team 'Vision' is not a gpu-burst team name (lowercase letters, digits and dashes, 2 to 30); zone europe-west4-a is not in region us-central1",
    );
    expect(() => new AutoShutdown('x', { ...ARGS, zones: [] })).toThrow('zones must name at least one zone');
  });
});
