/** The team's service account and its grants (G1, G9). */
import * as gcp from '@pulumi/gcp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  BUCKET_OBJECT_ROLE,
  OPERATION_READ_PERMISSIONS,
  SELF_REMOVAL_PERMISSIONS,
  SERVICE_ACCOUNT_ID,
  TPU_SELF_REMOVAL_PERMISSIONS,
  TeamIdentity,
  selfRemovalCondition,
  teamPrefixCondition,
  teamRoleId,
  teamServiceAccountId,
  type TeamIdentityArgs,
} from '../../constructs/gcp/team-identity.js';
import { recordProgram, type RecordedGraph, type RecordedResource } from '../../stacks/gcp/record.js';
import { G9_ROLES, checkGraph } from '../../stacks/gcp/rules.js';

/** The team labels the team provider applies (the rules read them). */
const TEAM_LABELS = { team: 'vision', 'cost-center': 'vision', 'managed-by': 'gpu-burst' };

const ARGS: TeamIdentityArgs = {
  team: 'vision',
  project: 'vision-ml-1',
  bucket: 'vision-artifacts-bucket',
  repository: 'vision-training-images',
  repositoryLocation: 'us-central1',
  selfRemoval: { groups: ['vision-train', 'vision-big'], instances: ['vision-devbox'], tpus: ['vision-pod'] },
};

async function record(args: TeamIdentityArgs): Promise<RecordedGraph> {
  return recordProgram(args.team, () => {
    const provider = new gcp.Provider('team', { project: args.project, region: 'us-central1', defaultLabels: { ...TEAM_LABELS, team: args.team } });
    const identity = new TeamIdentity(`${args.team}-hosts`, args, { provider });
    return { email: identity.email, name: identity.name };
  });
}

let graph: RecordedGraph;

function ofType(type: string, g: RecordedGraph = graph): RecordedResource[] {
  return g.resources.filter((r) => r.type === type);
}

beforeAll(async () => {
  graph = await record(ARGS);
});

describe('teamServiceAccountId', () => {
  it('is <team>-burst for names that fit', () => {
    expect(teamServiceAccountId('vision')).toBe('vision-burst');
    expect(teamServiceAccountId('ml')).toBe('ml-burst');
  });

  it('fits 6-30 characters and the account id pattern for every team name length', () => {
    for (let n = 2; n <= 30; n++) {
      const team = `t${'a'.repeat(n - 2)}${n % 2 === 0 ? 'z' : '9'}`.slice(0, n);
      const id = teamServiceAccountId(team);
      expect(id.length, team).toBeGreaterThanOrEqual(6);
      expect(id.length, team).toBeLessThanOrEqual(30);
      expect(id, team).toMatch(SERVICE_ACCOUNT_ID);
    }
  });

  it('shortens long names with a stable hash that keeps them apart', () => {
    const a = teamServiceAccountId('computer-vision-research-eu');
    const b = teamServiceAccountId('computer-vision-research-us');
    expect(a).toHaveLength(30);
    expect(a).not.toBe(b);
    expect(a.startsWith('computer-vision-resea')).toBe(true);
    expect(teamServiceAccountId('computer-vision-research-eu')).toBe(a);
    // A cut that ends in a hyphen is trimmed, never doubled.
    expect(teamServiceAccountId('abcdefghijklmnopqrst-uvwxyz')).toMatch(/^abcdefghijklmnopqrst-[0-9a-f]{8}$/);
  });

  it('refuses what is not a team name', () => {
    expect(() => teamServiceAccountId('Vision')).toThrow(/not a team name/);
  });
});

describe('TeamIdentity', () => {
  it('G1: creates a dedicated service account (not the default compute account) and outputs its email and name', () => {
    const [account] = ofType('gcp:serviceaccount/account:Account');
    expect(account?.inputs).toMatchObject({ project: 'vision-ml-1', accountId: 'vision-burst' });
    expect(graph.outputs['email']).toBe('vision-burst@vision-ml-1.iam.gserviceaccount.com');
    expect(graph.outputs['email']).not.toMatch(/-compute@developer\.gserviceaccount\.com$/);
    expect(graph.outputs['name']).toBe('projects/vision-ml-1/serviceAccounts/vision-burst@vision-ml-1.iam.gserviceaccount.com');
  });

  it('passes every GCP rule', () => {
    expect(checkGraph(graph.resources)).toEqual([]);
  });

  it('G9: no owner or editor role anywhere', () => {
    for (const r of graph.resources) expect(G9_ROLES.check(r, graph.resources).status, r.name).not.toBe('fail');
    const roles = graph.resources.map((r) => r.inputs['role']).filter((x): x is string => typeof x === 'string');
    expect(roles.some((role) => /roles\/(owner|editor)$/.test(role))).toBe(false);
    expect(roles.length).toBeGreaterThan(5);
  });

  it('G9: the bucket grant is objectUser, conditioned on the team prefix for objects and listings', () => {
    const [grant] = ofType('gcp:storage/bucketIAMMember:BucketIAMMember');
    expect(grant?.inputs).toMatchObject({
      bucket: 'vision-artifacts-bucket',
      role: BUCKET_OBJECT_ROLE,
      member: 'serviceAccount:vision-burst@vision-ml-1.iam.gserviceaccount.com',
    });
    const expression = (grant?.inputs['condition'] as { expression: string }).expression;
    expect(expression).toBe(
      'resource.name.startsWith("projects/_/buckets/vision-artifacts-bucket/objects/teams/vision/") || ' +
        'api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith("teams/vision/")',
    );
    // The prefix ends with '/': team `vision` never reaches `teams/vision2/`.
    expect(teamPrefixCondition('b', 'vision')).not.toMatch(/teams\/vision"/);
  });

  it('G9: pulls from its own repository only, and writes logs and metrics and reports Batch state on the project', () => {
    const [repo] = ofType('gcp:artifactregistry/repositoryIamMember:RepositoryIamMember');
    expect(repo?.inputs).toMatchObject({
      project: 'vision-ml-1',
      repository: 'vision-training-images',
      location: 'us-central1',
      role: 'roles/artifactregistry.reader',
    });
    const projectRoles = ofType('gcp:projects/iAMMember:IAMMember')
      .map((r) => r.inputs['role'] as string)
      .filter((role) => role.startsWith('roles/'))
      .sort();
    expect(projectRoles).toEqual(['roles/batch.agentReporter', 'roles/logging.logWriter', 'roles/monitoring.metricWriter']);
  });

  it('G9: self-removal is a custom role with exactly those permissions, conditioned on the exact group and instance names', () => {
    const roles = ofType('gcp:projects/iAMCustomRole:IAMCustomRole');
    const self = roles.find((r) => r.inputs['roleId'] === teamRoleId('vision', 'selfRemoval'));
    expect(self?.inputs['permissions']).toEqual([...SELF_REMOVAL_PERMISSIONS]);
    const grant = ofType('gcp:projects/iAMMember:IAMMember').find((r) => r.inputs['role'] === 'projects/vision-ml-1/roles/gpuBurst_vision_selfRemoval');
    const expression = (grant?.inputs['condition'] as { expression: string }).expression;
    expect(expression).toBe(
      'resource.name.extract("/instanceGroupManagers/{name}") in ["vision-train", "vision-big"] || ' +
        'resource.name.extract("/instances/{name}") in ["vision-devbox"]',
    );
    // Exact names, never a prefix: team `vision` must not reach team `vision-x`'s hosts.
    expect(expression).not.toMatch(/startsWith/);
  });

  it('G9: operation reads and TPU self-removal are separate roles (they cannot be narrowed by name)', () => {
    const roles = ofType('gcp:projects/iAMCustomRole:IAMCustomRole');
    expect(roles.find((r) => r.inputs['roleId'] === 'gpuBurst_vision_operationReader')?.inputs['permissions']).toEqual([...OPERATION_READ_PERMISSIONS]);
    expect(roles.find((r) => r.inputs['roleId'] === 'gpuBurst_vision_tpuSelfRemoval')?.inputs['permissions']).toEqual([...TPU_SELF_REMOVAL_PERMISSIONS]);
    for (const r of roles) expect(r.inputs['stage'], r.name).toBe('GA');
    for (const role of ['gpuBurst_vision_operationReader', 'gpuBurst_vision_tpuSelfRemoval']) {
      const grant = ofType('gcp:projects/iAMMember:IAMMember').find((r) => r.inputs['role'] === `projects/vision-ml-1/roles/${role}`);
      expect(grant, role).toBeDefined();
    }
  });

  it('a team with no hosts to remove gets no custom role at all', async () => {
    const bare = await record({ ...ARGS, team: 'nlp', project: 'nlp-ml-1', selfRemoval: {} });
    expect(ofType('gcp:projects/iAMCustomRole:IAMCustomRole', bare)).toEqual([]);
    expect(checkGraph(bare.resources)).toEqual([]);
    expect(selfRemovalCondition({})).toBeUndefined();
    const withoutTpu = await record({ ...ARGS, selfRemoval: { instances: ['vision-devbox'] } });
    expect(ofType('gcp:projects/iAMCustomRole:IAMCustomRole', withoutTpu).map((r) => r.inputs['roleId']).sort()).toEqual([
      'gpuBurst_vision_operationReader',
      'gpuBurst_vision_selfRemoval',
    ]);
  });

  it('every child is created under the component through its provider', () => {
    const component = graph.resources.find((r) => r.type === 'gpu-burst:gcp:TeamIdentity');
    expect(component?.name).toBe('vision-hosts');
    for (const r of graph.resources.filter((x) => x.custom && !x.type.startsWith('pulumi:providers:'))) {
      expect(r.parent, r.name).toMatch(/gpu-burst:gcp:TeamIdentity::vision-hosts$/);
      expect(r.provider, r.name).toMatch(/::team::/);
    }
  });

  it('refuses names that are not the team’s, all problems at once', () => {
    expect(() => new TeamIdentity('x', { ...ARGS, project: 'P', selfRemoval: { groups: ['other-train'] } })).toThrow(
      /project 'P' is not a project ID; selfRemoval.groups: 'other-train' is not one of the team's resources/,
    );
  });
});
