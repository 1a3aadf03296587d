import { Aws, Lazy, Stack, Tags, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct, type IConstruct } from 'constructs';
import { teamPrefix } from '../../spec/layout.js';
import { acknowledge, acknowledgeResolved } from './nag.js';

/**
 * The Batch image type of the hosts: the ECS-optimized Amazon Linux 2023 AMI with NVIDIA drivers.
 * AWS Batch blocks new compute environments on its Amazon Linux 2 AMIs from 30 June 2026 and
 * names `ECS_AL2023_NVIDIA` as the GPU path
 * (https://docs.aws.amazon.com/batch/latest/userguide/ecs-migration-2023.html).
 */
export const SWEEP_IMAGE_TYPE = 'ECS_AL2023_NVIDIA';

/** Root device of the ECS-optimized AMIs (AL2 and AL2023): the launch template's volume replaces it. */
export const SWEEP_ROOT_DEVICE = '/dev/xvda';

/** Instance families the AL2023 NVIDIA image does not support (older GPUs the current driver dropped). */
const UNSUPPORTED_FAMILIES = /^(p2|p3|p3dn|g3|g3s)\./;

/** Batch job queue and job definition names: letters, digits, hyphens, underscores, up to 128. */
const BATCH_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Where a trial finds its scratch sync-done marker: no agent watches it in Batch, and /run is root's. */
const SYNC_DONE_FILE = '/tmp/gpu-burst/checkpoint-synced';

/** Properties of a {@link SweepGroup}. */
export interface SweepGroupProps {
  /** Team name: the job queue and job definition are named `<team>-<groupName>`. */
  readonly team: string;
  /** Sweep group name, unique in the team. */
  readonly groupName: string;
  /** VPC the hosts run in. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets the hosts run in: private only, in at least two Availability Zones.
   * @default - the VPC's private subnets (`vpc.selectSubnets()`)
   */
  readonly vpcSubnets?: ec2.SubnetSelection;
  /** EC2 instance types Batch may launch (each must carry `gpusPerTrial` GPUs or more). */
  readonly instanceTypes: readonly string[];
  /** Ceiling of the compute environment, vCPUs (`maxvCpus`); the floor is always 0. */
  readonly maxVCpus: number;
  /** vCPUs each trial asks for. */
  readonly vCpusPerTrial: number;
  /** Memory each trial asks for, MiB (leave room for the ECS agent on the smallest type). */
  readonly memoryMiBPerTrial: number;
  /** GPUs each trial asks for (the job's GPU resource requirement). */
  readonly gpusPerTrial: number;
  /** Hours one attempt of a trial may run before Batch stops it (`attemptDurationSeconds`). */
  readonly trialHours: number;
  /**
   * Attempts per trial (1 to 10): a spot reclaim moves the trial back to RUNNABLE until they are
   * used up; an application error ends it at once.
   * @default 3
   */
  readonly attempts?: number;
  /** Repository of the training image (the storage stack's). */
  readonly repository: ecr.IRepository;
  /** Tag of the training image in `repository` (tags are immutable there). */
  readonly imageTag: string;
  /**
   * Command (argv) given to the image's entry point, which prepares the trial and runs it.
   * @default - the image's CMD
   */
  readonly command?: readonly string[];
  /** The team's artifact bucket. */
  readonly artifactBucket: s3.IBucket;
  /**
   * Key prefix the trials may read and write (and nothing else in the bucket).
   * @default `teams/<team>/`
   */
  readonly artifactPrefix?: string;
  /**
   * Size of each host's encrypted gp3 root volume, GiB: holds the image layers and scratch space.
   * @default 100
   */
  readonly rootVolumeGiB?: number;
  /**
   * Shared memory (`/dev/shm`) of a trial's container, MiB: PyTorch data loaders with workers
   * exchange batches through it, and Docker's default of 64 MiB makes them fail.
   * @default - a quarter of `memoryMiBPerTrial`
   */
  readonly sharedMemoryMiB?: number;
  /**
   * Permissions boundary applied to every role the group creates (checklist A9).
   * @default - none
   */
  readonly permissionsBoundary?: iam.IManagedPolicy;
}

/**
 * A sweep group on AWS Batch: a managed spot compute environment that scales from and back to 0
 * vCPUs by itself (price-capacity-optimized over the given GPU types, hardened launch template,
 * private subnets, no ingress), a job queue and a job definition named `<team>-<group>`. A sweep
 * is one array job submitted to the queue, so the resources here do not grow with trials.
 *
 * A trial is retried when its host is reclaimed (status reason `Host EC2*`) and ends on any other
 * failure; each attempt may run `trialHours`. The submitter passes `BURST_PARAMS_FILE` and
 * `BURST_CHECKPOINT_PREFIX` (with `{trial}`) as overrides, so a retried trial resumes from its own
 * checkpoints. The compute environment is an L1 resource because the L2 passes only the launch
 * template id: Batch would resolve `$Default` once, and a later hardening change would never reach
 * the hosts; here the version is the template's latest, so every change updates the environment.
 */
export class SweepGroup extends Construct {
  /** The compute environment. */
  readonly computeEnvironment: batch.CfnComputeEnvironment;
  /** The job queue (`<team>-<group>`). */
  readonly jobQueue: batch.CfnJobQueue;
  /** The job definition (`<team>-<group>`). */
  readonly jobDefinition: batch.CfnJobDefinition;
  /** Name of the job queue (`<team>-<group>`). */
  readonly jobQueueName: string;
  /** Name of the job definition (same as the queue's). */
  readonly jobDefinitionName: string;
  /** Launch template of the hosts. */
  readonly launchTemplate: ec2.LaunchTemplate;
  /** Security group of the hosts (no ingress). */
  readonly securityGroup: ec2.SecurityGroup;
  /** Role of the hosts (ECS container instance). */
  readonly instanceRole: iam.Role;
  /** Role the trials run as: read/write on the team prefix only. */
  readonly jobRole: iam.Role;
  /** Role ECS uses to pull the image and write logs. */
  readonly executionRole: iam.Role;

  constructor(scope: Construct, id: string, props: SweepGroupProps) {
    super(scope, id);
    validate(this, props);
    const name = `${props.team}-${props.groupName}`;
    this.jobQueueName = name;
    this.jobDefinitionName = name;
    const prefix = props.artifactPrefix ?? teamPrefix(props.team);
    const subnets = props.vpc.selectSubnets(props.vpcSubnets);
    checkSubnets(this, props.vpc, subnets);

    this.securityGroup = new ec2.SecurityGroup(this, 'HostSecurityGroup', {
      vpc: props.vpc,
      description: `gpu-burst sweep ${name}: no ingress; outbound to ECS, ECR, CloudWatch Logs and S3`,
      allowAllOutbound: true,
    });

    this.launchTemplate = new ec2.LaunchTemplate(this, 'HostTemplate', {
      // IMDSv2 only; two hops so a trial's container can read the spot notice from the host.
      httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
      httpEndpoint: true,
      httpPutResponseHopLimit: 2,
      blockDevices: [
        {
          deviceName: SWEEP_ROOT_DEVICE,
          volume: ec2.BlockDeviceVolume.ebs(props.rootVolumeGiB ?? 100, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
          }),
        },
      ],
    });

    // The template tags what it launches (instances and their volumes) with everything tagged on it.
    Tags.of(this.launchTemplate).add('gpu-burst:role', 'sweep');
    Tags.of(this.launchTemplate).add('gpu-burst:sweep', props.groupName);

    this.instanceRole = new iam.Role(this, 'InstanceRole', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `gpu-burst sweep ${name}: ECS container instance`,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEC2ContainerServiceforEC2Role')],
    });
    acknowledge(
      this.instanceRole,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role]',
      'AWS Batch documents this managed policy as the ECS instance role; AWS keeps it current with the ECS agent.',
    );
    const instanceProfile = new iam.CfnInstanceProfile(this, 'InstanceProfile', { roles: [this.instanceRole.roleName] });

    this.computeEnvironment = new batch.CfnComputeEnvironment(this, 'ComputeEnvironment', {
      type: 'MANAGED',
      state: 'ENABLED',
      // No serviceRole: Batch uses its service-linked role, which also allows in-place updates.
      computeResources: {
        type: 'SPOT',
        allocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED',
        minvCpus: 0,
        maxvCpus: props.maxVCpus,
        instanceTypes: [...props.instanceTypes],
        subnets: subnets.subnetIds,
        securityGroupIds: [this.securityGroup.securityGroupId],
        instanceRole: instanceProfile.attrArn,
        launchTemplate: {
          launchTemplateId: this.launchTemplate.launchTemplateId as string,
          version: this.launchTemplate.latestVersionNumber,
        },
        ec2Configuration: [{ imageType: SWEEP_IMAGE_TYPE }],
        // A stack update that touches the environment moves hosts to the newest Batch GPU AMI.
        updateToLatestImageVersion: true,
        // Instances carry the environment's own tags (the team's) plus the sweep's.
        tags: Lazy.any({
          produce: () => ({ ...this.computeEnvironment.tags.tagValues(), 'gpu-burst:role': 'sweep', 'gpu-burst:sweep': props.groupName }),
        }) as unknown as Record<string, string>,
      },
    });
    this.computeEnvironment.tags.setTag('gpu-burst:role', 'sweep');
    this.computeEnvironment.tags.setTag('gpu-burst:sweep', props.groupName);

    this.jobQueue = new batch.CfnJobQueue(this, 'JobQueue', {
      jobQueueName: name,
      priority: 1,
      state: 'ENABLED',
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: this.computeEnvironment.attrComputeEnvironmentArn }],
      // A trial no host type can ever fit waits forever in RUNNABLE: cancel it after ten minutes.
      jobStateTimeLimitActions: ['MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE'].map((reason) => ({
        action: 'CANCEL',
        state: 'RUNNABLE',
        reason,
        maxTimeSeconds: 600,
      })),
    });

    this.jobRole = new iam.Role(this, 'JobRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `gpu-burst sweep ${name}: trials read and write ${prefix} only`,
    });
    // Customer-managed policies rather than inline ones (NIST.800.53.R5-IAMNoInlinePolicy).
    const objects = props.artifactBucket.arnForObjects(`${prefix}*`);
    const jobPolicy = new iam.ManagedPolicy(this, 'JobPolicy', {
      description: `gpu-burst sweep ${name}: read and write ${prefix} in the artifact bucket`,
      roles: [this.jobRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'ListTeamPrefix',
          actions: ['s3:ListBucket'],
          resources: [props.artifactBucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } },
        }),
        new iam.PolicyStatement({
          sid: 'ReadWriteTeamPrefix',
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: [objects],
        }),
      ],
    });
    acknowledgeResolved(
      jobPolicy,
      'AwsSolutions-IAM5',
      objects,
      'Trials write checkpoints under run-specific keys below the team prefix, known only at submit time.',
    );

    this.executionRole = new iam.Role(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
      description: `gpu-burst sweep ${name}: pull the training image, write trial logs`,
    });
    const logStreams = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/batch/job:*`;
    const executionPolicy = new iam.ManagedPolicy(this, 'ExecutionPolicy', {
      description: `gpu-burst sweep ${name}: pull the training image, write trial logs`,
      roles: [this.executionRole],
      statements: [
        new iam.PolicyStatement({
          sid: 'PullTrainingImage',
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          resources: [props.repository.repositoryArn],
        }),
        new iam.PolicyStatement({ sid: 'RegistryLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        // Batch's default log group; each trial writes its own stream.
        new iam.PolicyStatement({ sid: 'TrialLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logStreams] }),
      ],
    });
    acknowledge(
      executionPolicy,
      'AwsSolutions-IAM5[Resource::*]',
      'ecr:GetAuthorizationToken has no resource-level permissions; the pull itself is limited to the team repository.',
    );
    acknowledge(
      executionPolicy,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/batch/job:*]',
      'Batch names each trial\'s log stream at run time, inside its default log group /aws/batch/job.',
    );

    this.jobDefinition = new batch.CfnJobDefinition(this, 'JobDefinition', {
      jobDefinitionName: name,
      type: 'container',
      platformCapabilities: ['EC2'],
      propagateTags: true,
      retryStrategy: {
        attempts: props.attempts ?? 3,
        // The documented AWS pattern: retry when the host went away (spot reclaim), exit otherwise.
        evaluateOnExit: [
          { onStatusReason: 'Host EC2*', action: 'RETRY' },
          { onReason: '*', action: 'EXIT' },
        ],
      },
      timeout: { attemptDurationSeconds: Math.round(props.trialHours * 3600) },
      containerProperties: {
        image: props.repository.repositoryUriForTag(props.imageTag),
        ...(props.command ? { command: [...props.command] } : {}),
        jobRoleArn: this.jobRole.roleArn,
        executionRoleArn: this.executionRole.roleArn,
        resourceRequirements: [
          { type: 'GPU', value: String(props.gpusPerTrial) },
          { type: 'VCPU', value: String(props.vCpusPerTrial) },
          { type: 'MEMORY', value: String(props.memoryMiBPerTrial) },
        ],
        linuxParameters: { sharedMemorySize: props.sharedMemoryMiB ?? Math.floor(props.memoryMiBPerTrial / 4) },
        environment: [
          { name: 'BURST_TEAM', value: props.team },
          { name: 'BURST_SWEEP_GROUP', value: props.groupName },
          { name: 'BURST_ARTIFACTS', value: `s3://${props.artifactBucket.bucketName}/${prefix}` },
          { name: 'BURST_SYNC_DONE_FILE', value: SYNC_DONE_FILE },
          { name: 'AWS_DEFAULT_REGION', value: Aws.REGION },
        ],
      },
    });

    if (props.permissionsBoundary) iam.PermissionsBoundary.of(this).apply(props.permissionsBoundary);
  }
}


function fail(scope: Construct, message: string): never {
  throw new Error(`SweepGroup ${scope.node.path}: ${message}`);
}

function positiveInteger(scope: Construct, field: string, value: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1 || value > max)) {
    fail(scope, `${field} must be an integer from 1 to ${max}, got ${value}`);
  }
}

function validate(scope: Construct, props: SweepGroupProps): void {
  const name = `${props.team}-${props.groupName}`;
  if (!BATCH_NAME.test(name)) {
    fail(scope, `'${name}' (team-groupName) is not a valid Batch queue name: letters, digits, '-' and '_', up to 128`);
  }
  if (props.instanceTypes.length === 0) fail(scope, 'instanceTypes must name at least one GPU instance type');
  const unsupported = props.instanceTypes.filter((t) => UNSUPPORTED_FAMILIES.test(t));
  if (unsupported.length > 0) {
    fail(scope, `instanceTypes ${unsupported.join(', ')} are not supported by the ${SWEEP_IMAGE_TYPE} image; pick a newer GPU family`);
  }
  positiveInteger(scope, 'gpusPerTrial', props.gpusPerTrial);
  positiveInteger(scope, 'vCpusPerTrial', props.vCpusPerTrial);
  positiveInteger(scope, 'memoryMiBPerTrial', props.memoryMiBPerTrial);
  positiveInteger(scope, 'maxVCpus', props.maxVCpus);
  positiveInteger(scope, 'attempts', props.attempts ?? 3, 10);
  if (props.rootVolumeGiB !== undefined) positiveInteger(scope, 'rootVolumeGiB', props.rootVolumeGiB, 16384);
  if (props.sharedMemoryMiB !== undefined) positiveInteger(scope, 'sharedMemoryMiB', props.sharedMemoryMiB);
  if (props.maxVCpus < props.vCpusPerTrial) {
    fail(scope, `maxVCpus (${props.maxVCpus}) is below vCpusPerTrial (${props.vCpusPerTrial}): no trial could ever start`);
  }
  if (!(props.trialHours * 3600 >= 60)) fail(scope, `trialHours must be at least 1 minute (Batch's shortest timeout), got ${props.trialHours}`);
  if (props.artifactPrefix !== undefined && !/^[^/].*\/$/.test(props.artifactPrefix)) {
    fail(scope, `artifactPrefix must be a key prefix ending in '/', without a leading '/', got '${props.artifactPrefix}'`);
  }
}

function checkSubnets(scope: Construct, vpc: ec2.IVpc, selected: ec2.SelectedSubnets): void {
  const publicIds = new Set(vpc.publicSubnets.map((s) => s.subnetId));
  if (selected.subnets.some((s) => publicIds.has(s.subnetId))) {
    fail(scope, 'vpcSubnets selects public subnets; GPU hosts must sit in private subnets');
  }
  const zones = new Set(selected.subnets.map((s) => s.availabilityZone));
  if (zones.size < 2) fail(scope, `vpcSubnets spans ${zones.size} Availability Zone(s); a spot sweep needs at least two`);
}
