/**
 * The team's identity on GCP: one service account every host of the team runs as (GPU fleet
 * members, the dev box, TPU VMs, Batch jobs), never the default compute service account (G1), with
 * only what those hosts need (G9).
 *
 * | grant | where | why |
 * |---|---|---|
 * | `roles/storage.objectUser`, conditioned on `teams/<team>/` | the artifact bucket | checkpoints, manifests, events; listing only under the prefix |
 * | `roles/artifactregistry.reader` | the team's repository | pull training images |
 * | `roles/logging.logWriter`, `roles/monitoring.metricWriter` | the project | host logs and metrics |
 * | `roles/batch.agentReporter` | the project | Batch VMs report their state |
 * | custom role: `compute.instanceGroupManagers.{get,update}`, `compute.instances.{get,stop}`, conditioned on the team's exact group and instance names | the project | a MIG member deletes itself from its group; the dev box stops itself |
 * | custom role: `compute.zoneOperations.get`, `compute.regionOperations.get` | the project | `gcloud` waits for its own self-removal operation |
 * | custom role: `tpu.queuedResources.{get,delete}`, `tpu.nodes.{get,delete}` (only with TPUs) | the project | a TPU VM deletes its queued resource |
 *
 * Could not be narrowed: operation reads (operation names are random, and reading one reveals only
 * its status) and Cloud TPU (its API does not recognise IAM resource attributes, so a name
 * condition would deny every call): both are project-wide, the latter only for teams that have
 * TPUs. Compute Engine does recognise `resource.name`, so self-removal names the team's resources
 * exactly; a prefix (`<team>-`) would let team `ml` stop team `ml-nlp`'s dev box.
 */
import { createHash } from 'node:crypto';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { teamPrefix } from '../../spec/layout.js';

/** Compute Engine's rule for a service account id: 6-30 characters, lowercase letter first, no trailing hyphen. */
export const SERVICE_ACCOUNT_ID = /^[a-z]([-a-z0-9]*[a-z0-9])$/;

const ACCOUNT_SUFFIX = '-burst';
const MAX_ACCOUNT_ID = 30;
const HASH_CHARS = 8;

/**
 * The id of a team's service account: `<team>-burst` (e.g. `vision-burst`), or, when that exceeds
 * 30 characters, the team name cut to fit and a stable 8-character hash of the whole name
 * (`<first 21 characters>-<hash>`), so long names stay distinct and the same team always gets the
 * same account.
 */
export function teamServiceAccountId(team: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(team)) throw new Error(`teamServiceAccountId: '${team}' is not a team name (lowercase letters, digits, hyphens)`);
  const plain = `${team.replace(/-+$/, '')}${ACCOUNT_SUFFIX}`;
  if (plain.length <= MAX_ACCOUNT_ID) return plain;
  const hash = createHash('sha256').update(team).digest('hex').slice(0, HASH_CHARS);
  const head = team.slice(0, MAX_ACCOUNT_ID - HASH_CHARS - 1).replace(/-+$/, '');
  return `${head}-${hash}`;
}

/** The id of one of a team's custom roles (letters, digits, `_` and `.` only). */
export function teamRoleId(team: string, purpose: string): string {
  return `gpuBurst_${team.replace(/-/g, '_')}_${purpose}`;
}

/** Permissions a host needs to remove itself the right way (MIG member, dev box). */
export const SELF_REMOVAL_PERMISSIONS: readonly string[] = [
  'compute.instanceGroupManagers.get',
  'compute.instanceGroupManagers.update',
  'compute.instances.get',
  'compute.instances.stop',
];

/** Permissions `gcloud` needs to wait for the operation its self-removal started. */
export const OPERATION_READ_PERMISSIONS: readonly string[] = ['compute.regionOperations.get', 'compute.zoneOperations.get'];

/** Permissions a TPU VM needs to delete its queued resource (or, without one, its node). */
export const TPU_SELF_REMOVAL_PERMISSIONS: readonly string[] = [
  'tpu.nodes.delete',
  'tpu.nodes.get',
  'tpu.queuedResources.delete',
  'tpu.queuedResources.get',
];

/** Predefined roles the team's identity holds on the project. */
export const PROJECT_ROLES: readonly string[] = [
  'roles/logging.logWriter',
  'roles/monitoring.metricWriter',
  'roles/batch.agentReporter',
];

/** The object role on the artifact bucket (read, write, delete, list objects; no IAM, no bucket settings). */
export const BUCKET_OBJECT_ROLE = 'roles/storage.objectUser';

/** The role on the team's image repository. */
export const REPOSITORY_ROLE = 'roles/artifactregistry.reader';

/** A CEL string literal. */
function cel(text: string): string {
  return JSON.stringify(text);
}

/**
 * The condition of the bucket grant (G9): objects whose name starts with `teams/<team>/`, and
 * object listings whose prefix starts with it (`storage.objects.list` is checked on the bucket, so
 * a `resource.name` condition alone would deny every listing).
 */
export function teamPrefixCondition(bucket: string, team: string): string {
  const prefix = teamPrefix(team);
  return (
    `resource.name.startsWith(${cel(`projects/_/buckets/${bucket}/objects/${prefix}`)}) || ` +
    `api.getAttribute("storage.googleapis.com/objectListPrefix", "").startsWith(${cel(prefix)})`
  );
}

/** The team's hosts that may remove themselves, by exact name. */
export interface SelfRemovalTargets {
  /**
   * Managed instance groups (`<team>-<fleet>`) whose members may delete themselves from them.
   * @default - none
   */
  readonly groups?: readonly string[];
  /**
   * Instances (`<team>-devbox`) that may stop themselves.
   * @default - none
   */
  readonly instances?: readonly string[];
  /**
   * TPU queued resources and nodes (`<team>-<tpu>`) that may delete themselves. Cloud TPU cannot be
   * narrowed by name: any one of these makes the grant project-wide.
   * @default - none: no TPU permissions
   */
  readonly tpus?: readonly string[];
}

/**
 * The condition of the self-removal grant: the resource is one of the named groups or instances.
 * Compute Engine resource names end in `/instanceGroupManagers/<name>` or `/instances/<name>`;
 * list membership keeps the expression within IAM's limit of 12 logical operators however many
 * fleets a team has.
 */
export function selfRemovalCondition(targets: SelfRemovalTargets): string | undefined {
  const parts: string[] = [];
  const list = (names: readonly string[]) => `[${names.map(cel).join(', ')}]`;
  if (targets.groups?.length) parts.push(`resource.name.extract("/instanceGroupManagers/{name}") in ${list(targets.groups)}`);
  if (targets.instances?.length) parts.push(`resource.name.extract("/instances/{name}") in ${list(targets.instances)}`);
  return parts.length > 0 ? parts.join(' || ') : undefined;
}

/** Arguments of a {@link TeamIdentity}. */
export interface TeamIdentityArgs {
  /** The team (account id, role ids, descriptions, the bucket prefix `teams/<team>/`). */
  readonly team: string;
  /** Project ID the account, its roles and its grants live in. */
  readonly project: string;
  /** Name of the team's artifact bucket. */
  readonly bucket: pulumi.Input<string>;
  /**
   * The team's Artifact Registry repository: its id (`Repository.name`, e.g. `vision-training-images`)
   * with `repositoryLocation`, or its full name `projects/<p>/locations/<l>/repositories/<id>`.
   */
  readonly repository: pulumi.Input<string>;
  /**
   * Location (region) of the repository.
   * @default - read from a full `repository` name, else the provider's region
   */
  readonly repositoryLocation?: pulumi.Input<string>;
  /**
   * The hosts that may remove themselves, by exact name.
   * @default - none: the account holds no self-removal permission
   */
  readonly selfRemoval?: SelfRemovalTargets;
}

/**
 * A team's service account and its grants. Outputs `email` (what instance templates, the dev box,
 * TPU nodes and Batch jobs run as) and `name`. Never owner, editor or any project-wide storage or
 * compute role (G9).
 */
export class TeamIdentity extends pulumi.ComponentResource {
  /** The service account. */
  readonly account: gcp.serviceaccount.Account;
  /** `<id>@<project>.iam.gserviceaccount.com`. */
  readonly email: pulumi.Output<string>;
  /** `projects/<project>/serviceAccounts/<email>`. */
  readonly name: pulumi.Output<string>;

  constructor(name: string, args: TeamIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    validate(name, args);
    super('gpu-burst:gcp:TeamIdentity', name, {}, opts);
    const { team, project } = args;
    const accountId = teamServiceAccountId(team);
    this.account = new gcp.serviceaccount.Account(
      name,
      {
        project,
        accountId,
        displayName: `gpu-burst ${team} hosts`,
        description: `gpu-burst team ${team}: GPU fleets, dev box, TPU VMs and Batch jobs run as this account`,
      },
      { parent: this },
    );
    // Built from the account's own output, so every grant waits for the account to exist.
    this.email = pulumi.interpolate`${this.account.accountId}@${project}.iam.gserviceaccount.com`;
    this.name = pulumi.interpolate`projects/${project}/serviceAccounts/${this.email}`;
    const member = pulumi.interpolate`serviceAccount:${this.email}`;

    new gcp.storage.BucketIAMMember(
      `${name}-objects`,
      {
        bucket: args.bucket,
        role: BUCKET_OBJECT_ROLE,
        member,
        condition: {
          title: `gpu-burst ${team} prefix`,
          description: `Objects under ${teamPrefix(team)} only, and listings of that prefix`,
          expression: pulumi.output(args.bucket).apply((bucket) => teamPrefixCondition(bucket, team)),
        },
      },
      { parent: this },
    );

    new gcp.artifactregistry.RepositoryIamMember(
      `${name}-images`,
      {
        project,
        repository: args.repository,
        ...(args.repositoryLocation !== undefined ? { location: args.repositoryLocation } : {}),
        role: REPOSITORY_ROLE,
        member,
      },
      { parent: this },
    );

    for (const role of PROJECT_ROLES) {
      new gcp.projects.IAMMember(`${name}-${role.replace(/^roles\//, '').replace(/\./g, '-')}`, { project, role, member }, { parent: this });
    }

    const targets = args.selfRemoval ?? {};
    const condition = selfRemovalCondition(targets);
    if (condition !== undefined) {
      const selfRole = new gcp.projects.IAMCustomRole(
        `${name}-self-removal`,
        {
          project,
          roleId: teamRoleId(team, 'selfRemoval'),
          title: `gpu-burst ${team} self-removal`,
          description: 'A managed instance group member deletes itself from its group; the dev box stops itself.',
          permissions: [...SELF_REMOVAL_PERMISSIONS],
          stage: 'GA',
        },
        { parent: this },
      );
      new gcp.projects.IAMMember(
        `${name}-self-removal`,
        {
          project,
          role: customRoleName(project, selfRole),
          member,
          condition: {
            title: `gpu-burst ${team} own hosts`,
            description: 'Only the groups and instances of this team, by exact name',
            expression: condition,
          },
        },
        { parent: this },
      );
      const operationsRole = new gcp.projects.IAMCustomRole(
        `${name}-operations`,
        {
          project,
          roleId: teamRoleId(team, 'operationReader'),
          title: `gpu-burst ${team} operation reader`,
          description: 'gcloud waits for the zone or region operation of a self-removal.',
          permissions: [...OPERATION_READ_PERMISSIONS],
          stage: 'GA',
        },
        { parent: this },
      );
      new gcp.projects.IAMMember(`${name}-operations`, { project, role: customRoleName(project, operationsRole), member }, { parent: this });
    }

    if (targets.tpus?.length) {
      const tpuRole = new gcp.projects.IAMCustomRole(
        `${name}-tpu-self-removal`,
        {
          project,
          roleId: teamRoleId(team, 'tpuSelfRemoval'),
          title: `gpu-burst ${team} TPU self-removal`,
          description: `A TPU VM deletes its queued resource (${targets.tpus.join(', ')}); Cloud TPU cannot be narrowed by name.`,
          permissions: [...TPU_SELF_REMOVAL_PERMISSIONS],
          stage: 'GA',
        },
        { parent: this },
      );
      new gcp.projects.IAMMember(`${name}-tpu-self-removal`, { project, role: customRoleName(project, tpuRole), member }, { parent: this });
    }

    this.registerOutputs({ email: this.email, name: this.name });
  }
}

/** `projects/<project>/roles/<id>`, from the role's output so a grant waits for its role. */
function customRoleName(project: string, role: gcp.projects.IAMCustomRole): pulumi.Output<string> {
  return pulumi.interpolate`projects/${project}/roles/${role.roleId}`;
}

function validate(name: string, args: TeamIdentityArgs): void {
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]{0,28}[a-z0-9]$/.test(args.team)) problems.push(`team '${args.team}' is not a team name (2-30 of a-z 0-9 -, starting with a letter)`);
  if (!/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(args.project)) problems.push(`project '${args.project}' is not a project ID`);
  const targets = args.selfRemoval ?? {};
  for (const [field, names] of Object.entries(targets) as [string, readonly string[] | undefined][]) {
    for (const n of names ?? []) {
      if (!n.startsWith(`${args.team}-`)) problems.push(`selfRemoval.${field}: '${n}' is not one of the team's resources (<team>-...)`);
      if (!/^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/.test(n)) problems.push(`selfRemoval.${field}: '${n}' is not a resource name`);
    }
  }
  if (problems.length > 0) throw new Error(`TeamIdentity ${name}: ${problems.join('; ')}`);
}
