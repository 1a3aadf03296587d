import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { teamRoleId } from './team-identity.js';

/** Directory of the backstop function's code (index.mjs and its package.json with pinned clients). */
export const BACKSTOP_CODE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'backstop');

/** Cloud Run functions runtime of the backstop (Node.js 24: GA, supported until 2028). */
export const BACKSTOP_RUNTIME = 'nodejs24';

/** Exported function of `backstop/index.mjs` that Cloud Scheduler's HTTP call reaches. */
export const BACKSTOP_ENTRY_POINT = 'backstop';

/**
 * Object the function's source archive is uploaded to, in the team's artifact bucket. Outside
 * `teams/<team>/`, which the team's hosts may write, so no host can swap the function's code; the
 * function also pins the object's generation.
 */
export const BACKSTOP_SOURCE_OBJECT = 'gpu-burst/backstop/source.zip';

/** Seconds one run may take (listing a few zones and acting takes seconds). */
export const BACKSTOP_TIMEOUT_SECONDS = 180;

/** Arguments of an {@link AutoShutdown}. */
export interface AutoShutdownArgs {
  /** The team: the function only touches compute labelled `team=<team>` and named `<team>-...`. */
  readonly team: string;
  /**
   * The team's fleet names: the function may resize the groups `<team>-<fleet>`, and no other
   * (an exact-name IAM condition: a `<team>-` prefix would also match team `<team>-x`).
   * @default - none
   */
  readonly fleets?: readonly string[];
  /** Project id of the team's compute (and of the function). */
  readonly project: string;
  /** Region of the fleets' managed instance groups, the function and the scheduler job. */
  readonly region: string;
  /** Zones of the fleets' VMs and of the dev box (each is listed every run). */
  readonly zones: readonly string[];
  /**
   * Zones of the team's TPUs. The function sweeps TPUs, and gets TPU permissions, only when this
   * names a zone (the TPU API may not even be enabled otherwise).
   * @default - none: TPUs are not swept
   */
  readonly tpuZones?: readonly string[];
  /** The team's artifact bucket: burst records under `teams/<team>/bursts/`, the function's source. */
  readonly bucket: pulumi.Input<string>;
  /**
   * Minutes between runs (1 to 60; a divisor of 60 keeps the spacing even across hours).
   * @default 15
   */
  readonly everyMinutes?: number;
  /**
   * Whether the team has a dev box `<team>-devbox`: the function may then stop that instance, and
   * no other.
   * @default false
   */
  readonly hasDevBox?: boolean;
  /**
   * Service account (`projects/<project>/serviceAccounts/<email>`) Cloud Build uses to build the
   * function.
   * @default - the project's default Cloud Build service account
   */
  readonly buildServiceAccount?: pulumi.Input<string>;
}

/**
 * A service account id (6 to 30 characters, `^[a-z]([-a-z0-9]*[a-z0-9])$`) for one of the team's
 * backstop identities: `<team>-<role>`, or, when that is too long, the team name cut short plus a
 * stable hash of the whole name, so two long team names never share an account.
 */
export function backstopAccountId(team: string, role: 'backstop' | 'backstop-inv'): string {
  const plain = `${team}-${role}`;
  if (plain.length <= 30) return plain;
  const hash = createHash('sha256').update(team).digest('hex').slice(0, 6);
  const head = team.slice(0, 30 - role.length - hash.length - 2).replace(/-+$/, '');
  return `${head}-${hash}-${role}`;
}

/** Custom role id of the backstop's roles (`gpuBurst_<team>_<what>`, as the team's other roles). */
export function backstopRoleId(team: string, what: 'backstop' | 'backstopScoped'): string {
  return teamRoleId(team, what);
}

/**
 * The IAM condition of the backstop's resize/stop grant: the resource is one of the team's groups
 * or its dev box, by exact name (Compute Engine names end in `/instanceGroupManagers/<name>` or
 * `/instances/<name>`; `extract` works whether the project appears by id or number).
 */
export function backstopScopeCondition(groups: readonly string[], instances: readonly string[]): string {
  const list = (names: readonly string[]) => `[${names.map((n) => JSON.stringify(n)).join(', ')}]`;
  const parts: string[] = [];
  if (groups.length > 0) parts.push(`resource.name.extract("/instanceGroupManagers/{name}") in ${list(groups)}`);
  if (instances.length > 0) parts.push(`resource.name.extract("/instances/{name}") in ${list(instances)}`);
  return parts.join(' || ');
}

/** The cron schedule of a run every `everyMinutes` minutes. */
export function backstopSchedule(everyMinutes: number): string {
  return everyMinutes === 60 ? '0 * * * *' : `*/${everyMinutes} * * * *`;
}

/**
 * Auto-shutdown layer (c) on GCP: a serverless backstop that needs neither the hosts nor the burst
 * network. A Cloud Run function (2nd gen Cloud Function, Node.js), scaled to zero between runs and
 * reachable only from inside the project (`ALLOW_INTERNAL_ONLY`, no public invoker), is called by a
 * Cloud Scheduler job every `everyMinutes` minutes with an OIDC token of a dedicated invoker
 * account. Each run resizes the team's fleets (regional MIGs) past their deadline to 0, stops an
 * expired dev box, and force-deletes expired TPU queued resources (see `backstop/index.mjs`).
 *
 * Why a function rather than a Cloud Run job: it deploys from source (no image to build and push),
 * costs nothing at rest (min instances 0; runs fit the free tier), and Cloud Scheduler calls it
 * over plain HTTP with OIDC, where a job would need the Cloud Run Admin API and `run.jobs.run`.
 *
 * Its service account holds only: list/get on groups, templates and instances (and list/delete on
 * TPUs when `tpuZones` is set: Cloud TPU does not recognise IAM resource attributes, so a name
 * condition would deny every call); resize on the team's groups `<team>-<fleet>` and stop on
 * `<team>-devbox`, by exact name through an IAM condition; and read of `teams/<team>/bursts/` in
 * the artifact bucket, through an IAM condition. No basic role anywhere. The function itself acts
 * only on compute whose labels name the team.
 */
export class AutoShutdown extends pulumi.ComponentResource {
  /** The backstop function. */
  readonly function: gcp.cloudfunctionsv2.Function;
  /** The identity the function runs as. */
  readonly serviceAccount: gcp.serviceaccount.Account;
  /** The identity Cloud Scheduler signs its calls as (may invoke this function, nothing else). */
  readonly invoker: gcp.serviceaccount.Account;
  /** Custom roles: unconditioned reads (and TPU deletes), and name-conditioned actions. */
  readonly roles: readonly gcp.projects.IAMCustomRole[];
  /** The schedule that runs it. */
  readonly schedule: gcp.cloudscheduler.Job;
  /** The uploaded source archive. */
  readonly source: gcp.storage.BucketObject;

  constructor(name: string, args: AutoShutdownArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gpu-burst:gcp:AutoShutdown', name, {}, opts);
    const everyMinutes = args.everyMinutes ?? 15;
    const tpuZones = args.tpuZones ?? [];
    validate(name, args, everyMinutes);
    const { team, project, region } = args;
    const parent = { parent: this };
    const functionName = `${team}-backstop`;

    const accountId = backstopAccountId(team, 'backstop');
    this.serviceAccount = new gcp.serviceaccount.Account(
      name,
      {
        project,
        accountId,
        displayName: `gpu-burst ${team} backstop`,
        description: `gpu-burst ${team}: runs the auto-shutdown backstop function (resize, stop, delete expired compute)`,
      },
      parent,
    );
    const invokerId = backstopAccountId(team, 'backstop-inv');
    this.invoker = new gcp.serviceaccount.Account(
      `${name}-invoker`,
      {
        project,
        accountId: invokerId,
        displayName: `gpu-burst ${team} backstop invoker`,
        description: `gpu-burst ${team}: Cloud Scheduler calls the backstop function as this account`,
      },
      parent,
    );
    // Known formats, so the graph (and `burst plan`) shows real members; dependsOn keeps the order.
    const member = `serviceAccount:${accountId}@${project}.iam.gserviceaccount.com`;
    const invokerEmail = `${invokerId}@${project}.iam.gserviceaccount.com`;
    const invokerMember = `serviceAccount:${invokerEmail}`;

    const readRole = new gcp.projects.IAMCustomRole(
      name,
      {
        project,
        roleId: backstopRoleId(team, 'backstop'),
        title: `gpu-burst ${team} backstop`,
        description: `gpu-burst ${team}: what the backstop reads (and TPU deletes, which IAM conditions cannot scope)`,
        stage: 'GA',
        permissions: [
          'compute.instanceGroupManagers.get',
          'compute.instanceGroupManagers.list',
          'compute.instanceTemplates.get',
          'compute.instances.list',
          ...(tpuZones.length > 0 ? ['tpu.nodes.delete', 'tpu.nodes.list', 'tpu.queuedResources.delete', 'tpu.queuedResources.list'] : []),
        ],
      },
      parent,
    );
    const groups = (args.fleets ?? []).map((fleet) => `${team}-${fleet}`);
    const instances = args.hasDevBox ? [`${team}-devbox`] : [];
    const scopedPermissions = [...(groups.length > 0 ? ['compute.instanceGroupManagers.update'] : []), ...(instances.length > 0 ? ['compute.instances.stop'] : [])];
    const roles = [readRole];
    const grants: pulumi.Resource[] = [];
    const roleName = (roleId: string) => `projects/${project}/roles/${roleId}`;
    grants.push(
      new gcp.projects.IAMMember(
        name,
        { project, role: roleName(backstopRoleId(team, 'backstop')), member },
        { parent: this, dependsOn: [readRole, this.serviceAccount] },
      ),
    );
    if (scopedPermissions.length > 0) {
      const scopedRole = new gcp.projects.IAMCustomRole(
        `${name}-scoped`,
        {
          project,
          roleId: backstopRoleId(team, 'backstopScoped'),
          title: `gpu-burst ${team} backstop (scoped)`,
          description: `gpu-burst ${team}: resize the team's groups, stop its dev box (granted for their exact names only)`,
          stage: 'GA',
          permissions: scopedPermissions,
        },
        parent,
      );
      roles.push(scopedRole);
      grants.push(
        new gcp.projects.IAMMember(
          `${name}-scoped`,
          {
            project,
            role: roleName(backstopRoleId(team, 'backstopScoped')),
            member,
            condition: {
              title: `gpu-burst ${team} compute only`,
              description: `The team's groups and dev box: ${[...groups, ...instances].join(', ')}`.slice(0, 256),
              expression: backstopScopeCondition(groups, instances),
            },
          },
          { parent: this, dependsOn: [scopedRole, this.serviceAccount] },
        ),
      );
    }
    this.roles = roles;
    grants.push(
      new gcp.storage.BucketIAMMember(
        `${name}-records`,
        {
          bucket: args.bucket,
          role: 'roles/storage.objectViewer',
          member,
          condition: {
            title: `gpu-burst ${team} burst records`,
            description: `Objects under teams/${team}/bursts/ only`,
            expression: pulumi.interpolate`resource.name.startsWith("projects/_/buckets/${args.bucket}/objects/teams/${team}/bursts/")`,
          },
        },
        { parent: this, dependsOn: [this.serviceAccount] },
      ),
    );

    this.source = new gcp.storage.BucketObject(
      `${name}-source`,
      {
        bucket: args.bucket,
        name: BACKSTOP_SOURCE_OBJECT,
        source: new pulumi.asset.FileArchive(BACKSTOP_CODE_DIR),
        contentType: 'application/zip',
      },
      // A code change replaces the object under the same name: delete first, so the old
      // resource's delete cannot remove the new upload (the bucket keeps the old version).
      { parent: this, deleteBeforeReplace: true },
    );

    this.function = new gcp.cloudfunctionsv2.Function(
      name,
      {
        project,
        name: functionName,
        location: region,
        description: `gpu-burst ${team}: resizes expired fleets to 0, stops an expired dev box, deletes expired TPUs`,
        labels: { 'gpu-burst-role': 'backstop' },
        buildConfig: {
          runtime: BACKSTOP_RUNTIME,
          entryPoint: BACKSTOP_ENTRY_POINT,
          source: { storageSource: { bucket: args.bucket, object: this.source.name, generation: this.source.generation } },
          ...(args.buildServiceAccount === undefined ? {} : { serviceAccount: args.buildServiceAccount }),
        },
        serviceConfig: {
          // Nothing runs, and nothing bills, between runs.
          minInstanceCount: 0,
          // One run at a time: a slow run never races the next one over the same groups.
          maxInstanceCount: 1,
          maxInstanceRequestConcurrency: 1,
          availableMemory: '256M',
          timeoutSeconds: BACKSTOP_TIMEOUT_SECONDS,
          ingressSettings: 'ALLOW_INTERNAL_ONLY',
          allTrafficOnLatestRevision: true,
          serviceAccountEmail: `${accountId}@${project}.iam.gserviceaccount.com`,
          environmentVariables: {
            TEAM: team,
            PROJECT: project,
            REGION: region,
            ZONES: args.zones.join(','),
            TPU_ZONES: tpuZones.join(','),
            BUCKET: args.bucket,
          },
        },
      },
      // The first run must not beat the grants.
      { parent: this, dependsOn: grants },
    );

    // A 2nd gen function is a Cloud Run service: the call needs run.invoker on it; the
    // cloudfunctions.invoker binding keeps the function's own IAM view consistent.
    const functionInvoker = new gcp.cloudfunctionsv2.FunctionIamMember(
      `${name}-invoker`,
      { project, location: region, cloudFunction: this.function.name, role: 'roles/cloudfunctions.invoker', member: invokerMember },
      { parent: this, dependsOn: [this.invoker] },
    );
    const runInvoker = new gcp.cloudrun.IamMember(
      `${name}-run-invoker`,
      { project, location: region, service: this.function.name, role: 'roles/run.invoker', member: invokerMember },
      { parent: this, dependsOn: [this.invoker] },
    );

    this.schedule = new gcp.cloudscheduler.Job(
      name,
      {
        project,
        name: functionName,
        region,
        description: `gpu-burst ${team}: backstop run every ${everyMinutes} minutes`,
        schedule: backstopSchedule(everyMinutes),
        timeZone: 'Etc/UTC',
        attemptDeadline: `${BACKSTOP_TIMEOUT_SECONDS}s`,
        // The next run is minutes away; a failed run shows on the job and in the function's log.
        retryConfig: { retryCount: 0 },
        httpTarget: {
          // The run.app URL: calls from Cloud Scheduler in the same project to it count as internal.
          uri: this.function.serviceConfig.apply((c) => c?.uri ?? ''),
          httpMethod: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: Buffer.from(JSON.stringify({ source: 'gpu-burst-scheduler' })).toString('base64'),
          // The audience defaults to the target URI, which is what Cloud Run checks.
          oidcToken: { serviceAccountEmail: invokerEmail },
        },
      },
      { parent: this, dependsOn: [functionInvoker, runInvoker] },
    );

    this.registerOutputs({
      function: this.function.name,
      serviceAccount: this.serviceAccount.email,
      invoker: this.invoker.email,
      schedule: this.schedule.name,
    });
  }
}

function validate(name: string, args: AutoShutdownArgs, everyMinutes: number): void {
  const problems: string[] = [];
  if (!Number.isInteger(everyMinutes) || everyMinutes < 1 || everyMinutes > 60) problems.push(`everyMinutes must be a whole number from 1 to 60, got ${everyMinutes}`);
  if (!/^[a-z][a-z0-9-]{0,28}[a-z0-9]$/.test(args.team)) problems.push(`team '${args.team}' is not a gpu-burst team name (lowercase letters, digits and dashes, 2 to 30)`);
  if (args.zones.length === 0) problems.push('zones must name at least one zone');
  for (const zone of args.zones) if (!zone.startsWith(`${args.region}-`)) problems.push(`zone ${zone} is not in region ${args.region}`);
  if (problems.length > 0) throw new Error(`AutoShutdown ${name}: ${problems.join('; ')}`);
}
