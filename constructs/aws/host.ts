/**
 * Shared pieces of every EC2 host gpu-burst starts (GPU fleet members, dev boxes): the on-host
 * agent as a CDK asset and the user data that installs it, the host role, the hardened launch
 * template, and the machine image a host boots.
 */
import { fileURLToPath } from 'node:url';
import { Aws, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct, type IConstruct } from 'constructs';
import { renderStartupScript, type HostAgentSettings } from '../../images/agent/render.js';
import { emptyImageLock, imageFor, type AwsImageHost, type ImageLock } from '../../spec/images.js';
import { acknowledge, acknowledgeResolved } from './nag.js';

/** The agent's source file, shipped to hosts as an S3 asset (EC2 user data is limited to 16 KB). */
export const AGENT_SOURCE_FILE = fileURLToPath(new URL('../../images/agent/gpu_burst_agent.py', import.meta.url));

/** Root device of the Ubuntu-based Deep Learning AMIs (GPU and Neuron). */
export const DLAMI_ROOT_DEVICE = '/dev/sda1';

const AGENT_ASSET_ID = 'GpuBurstAgentAsset';

/** The on-host agent uploaded once per stack as a CDK file asset. */
export class AgentAsset {
  /** The stack's agent asset, created on first use. */
  static of(scope: IConstruct): s3assets.Asset {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(AGENT_ASSET_ID);
    if (existing instanceof s3assets.Asset) return existing;
    return new s3assets.Asset(stack, AGENT_ASSET_ID, { path: AGENT_SOURCE_FILE });
  }

  private constructor() {}
}

/** ARN of the agent asset object, for a host role's read permission. */
export function agentAssetObjectArn(scope: IConstruct): string {
  const asset = AgentAsset.of(scope);
  return `arn:${Aws.PARTITION}:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`;
}

/** The startup script that installs the agent (downloaded from the stack's agent asset, SHA-256 checked). */
export function agentScript(scope: IConstruct, settings: HostAgentSettings): string {
  const asset = AgentAsset.of(scope);
  return renderStartupScript(settings, { kind: 's3', url: asset.s3ObjectUrl, region: Stack.of(scope).region });
}

/** User data that installs and starts the on-host agent with `settings`. */
export function agentUserData(scope: IConstruct, settings: HostAgentSettings): ec2.UserData {
  return ec2.UserData.custom(agentScript(scope, settings));
}

/**
 * What the deployment tells a host's agent about itself beyond the host's own settings (run
 * manifest facts and signals).
 */
export interface HostAgentOptions {
  /** `sha256:<hex>` of the deployed team file (recorded in every run manifest). */
  readonly specHash: string;
  /**
   * Git commit of the deployed team file.
   * @default - none recorded
   */
  readonly gitCommit?: string;
  /**
   * Training container image, pinned by digest.
   * @default - none recorded
   */
  readonly containerImage?: string;
  /**
   * Signal sent to the trainer on a spot interruption notice.
   * @default 'SIGTERM'
   */
  readonly preemptionSignal?: string;
  /**
   * Signal sent to the trainer on a rebalance recommendation.
   * @default - none: the recommendation is only recorded
   */
  readonly rebalanceSignal?: string;
}

/** The parts of {@link HostAgentSettings} that come from {@link HostAgentOptions}. */
export function agentOptionSettings(options: HostAgentOptions): Pick<
  HostAgentSettings,
  'specHash' | 'gitCommit' | 'containerImage' | 'preemptionSignal' | 'rebalanceSignal'
> {
  return {
    specHash: options.specHash,
    ...(options.gitCommit !== undefined ? { gitCommit: options.gitCommit } : {}),
    ...(options.containerImage !== undefined ? { containerImage: options.containerImage } : {}),
    ...(options.preemptionSignal !== undefined ? { preemptionSignal: options.preemptionSignal } : {}),
    ...(options.rebalanceSignal !== undefined ? { rebalanceSignal: options.rebalanceSignal } : {}),
  };
}

/**
 * The machine image a host boots: the AMI the lock pins for its region and kind, else the DLAMI's
 * public SSM parameter, resolved by EC2 at each launch (`resolve:ssm:`), so synthesis needs no
 * lookup. A pinned AMI is mapped to its region only: deploying the stack elsewhere fails instead
 * of booting an AMI that does not exist there.
 */
export function hostMachineImage(host: AwsImageHost, lock: ImageLock = emptyImageLock()): ec2.IMachineImage {
  const choice = imageFor(host, lock);
  if (choice.source === 'pinned') return ec2.MachineImage.genericLinux({ [host.region]: choice.imageId });
  return ec2.MachineImage.resolveSsmParameterAtLaunch(choice.ssmParameter, { os: ec2.OperatingSystemType.LINUX });
}

export { acknowledgeResolved };

/**
 * Session Manager and Run Command, as AmazonSSMManagedInstanceCore grants them, without its
 * ssm:GetParameter(s) on every parameter of the account. None of these support resource ARNs.
 */
export const SESSION_MANAGER_ACTIONS = [
  'ssm:UpdateInstanceInformation',
  'ssm:ListInstanceAssociations',
  'ssm:DescribeAssociation',
  'ssm:GetDocument',
  'ssm:DescribeDocument',
  'ssm:UpdateInstanceAssociationStatus',
  'ssmmessages:CreateControlChannel',
  'ssmmessages:CreateDataChannel',
  'ssmmessages:OpenControlChannel',
  'ssmmessages:OpenDataChannel',
  'ec2messages:AcknowledgeMessage',
  'ec2messages:DeleteMessage',
  'ec2messages:FailMessage',
  'ec2messages:GetEndpoint',
  'ec2messages:GetMessages',
  'ec2messages:SendReply',
] as const;

/** Properties of a {@link HostRole}. */
export interface HostRoleProps {
  /** The team the host works for (named in the role's description). */
  readonly team: string;
  /** The team's artifact bucket. */
  readonly artifactBucket: s3.IBucket;
  /** Key prefix the team owns in the bucket, ending with `/` (`teams/<team>/`). */
  readonly artifactPrefix: string;
  /**
   * Repository the host pulls training images from.
   * @default - no ECR permissions
   */
  readonly imageRepository?: ecr.IRepository;
  /**
   * What the host is, for descriptions (`fleet gpu`, `dev box`).
   * @default 'host'
   */
  readonly purpose?: string;
}

/**
 * The role of an EC2 host: Session Manager (no SSH anywhere), read/write on the team's prefix of
 * the artifact bucket and nothing else in it, listing only under that prefix, pulls from the
 * team's image repository, reads the agent asset. These sit in a customer-managed policy the role
 * lists (not inline: NIST.800.53.R5-IAMNoInlinePolicy), so the role, and every instance profile
 * made from it, exists only once the policy does.
 *
 * Permissions that name the host's own group or instance (self-removal) live in a second policy
 * ({@link HostRole.allowAsgSelfRemoval}, {@link HostRole.allowStopInstance}) attached from the
 * policy's side: a launch template depends on its role, so a statement naming the group inside the
 * role would be a dependency cycle.
 */
export class HostRole extends Construct {
  /** The IAM role (its instance profile is made by whoever launches the host). */
  readonly role: iam.Role;
  /** The policy with everything a host needs from boot. */
  readonly hostPolicy: iam.ManagedPolicy;
  private readonly purpose: string;
  private readonly team: string;
  private selfPolicy?: iam.ManagedPolicy;
  private anyResourceAcknowledged = false;

  constructor(scope: Construct, id: string, props: HostRoleProps) {
    super(scope, id);
    if (!props.artifactPrefix.endsWith('/') || props.artifactPrefix.startsWith('/')) {
      throw new Error(`HostRole ${this.node.path}: artifactPrefix must look like teams/<team>/, got '${props.artifactPrefix}'`);
    }
    this.purpose = props.purpose ?? 'host';
    this.team = props.team;
    const objects = props.artifactBucket.arnForObjects(`${props.artifactPrefix}*`);
    const statements = [
      new iam.PolicyStatement({
        sid: 'SessionManager',
        // Session Manager and Run Command, as AmazonSSMManagedInstanceCore grants them, without its
        // ssm:GetParameter(s) on every parameter of the account. None of these support resource ARNs.
        actions: [...SESSION_MANAGER_ACTIONS],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'TeamPrefixObjects',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [objects],
      }),
      new iam.PolicyStatement({
        sid: 'TeamPrefixListing',
        actions: ['s3:ListBucket'],
        resources: [props.artifactBucket.bucketArn],
        // `teams/<team>/*`, never `teams/<team>*`, which would also list team `<team>2`.
        conditions: { StringLike: { 's3:prefix': [`${props.artifactPrefix}*`] } },
      }),
      new iam.PolicyStatement({
        sid: 'AgentAsset',
        actions: ['s3:GetObject'],
        resources: [agentAssetObjectArn(this)],
      }),
    ];
    if (props.artifactBucket.encryptionKey) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ArtifactKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.artifactBucket.encryptionKey.keyArn],
        }),
      );
    }
    if (props.imageRepository) {
      statements.push(
        new iam.PolicyStatement({ sid: 'RegistryLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] }),
        new iam.PolicyStatement({
          sid: 'PullTrainingImage',
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
          resources: [props.imageRepository.repositoryArn],
        }),
      );
    }
    this.hostPolicy = new iam.ManagedPolicy(this, 'HostPolicy', {
      description: `gpu-burst ${props.team} ${this.purpose}: Session Manager, ${props.artifactPrefix} objects, image pull, agent`,
      statements,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
      description: `gpu-burst ${props.team} ${this.purpose}: EC2 host`,
      managedPolicies: [this.hostPolicy],
    });
    acknowledge(
      this.hostPolicy,
      'AwsSolutions-IAM5[Resource::*]',
      'Session Manager (ssm:UpdateInstanceInformation, ssmmessages, ec2messages) and ecr:GetAuthorizationToken support no resource ARNs.',
    );
    acknowledgeResolved(
      this.hostPolicy,
      'AwsSolutions-IAM5',
      objects,
      'Object access is limited to the team prefix of its own bucket; run and checkpoint keys are created at run time.',
    );
  }

  /**
   * Lets a member of the Auto Scaling group `groupName` remove itself (terminate with a
   * desired-capacity decrement) and complete or extend the group's lifecycle actions; nothing
   * outside that group. DescribeAutoScalingInstances (how a host finds its group) has no
   * resource-level permissions.
   */
  allowAsgSelfRemoval(groupName: string): void {
    const groupArn = `arn:${Aws.PARTITION}:autoscaling:${Aws.REGION}:${Aws.ACCOUNT_ID}:autoScalingGroup:*:autoScalingGroupName/${groupName}`;
    const policy = this.self();
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'OwnGroup',
        actions: [
          'autoscaling:TerminateInstanceInAutoScalingGroup',
          'autoscaling:CompleteLifecycleAction',
          'autoscaling:RecordLifecycleActionHeartbeat',
        ],
        resources: [groupArn],
      }),
      new iam.PolicyStatement({ sid: 'FindOwnGroup', actions: ['autoscaling:DescribeAutoScalingInstances'], resources: ['*'] }),
    );
    acknowledgeResolved(
      policy,
      'AwsSolutions-IAM5',
      groupArn,
      'An Auto Scaling group ARN carries a generated id; the group name pins the statement to this fleet only.',
    );
    this.acknowledgeAnyResource(policy);
  }

  /**
   * Lets the host list the members of Auto Scaling groups and their private addresses: how the
   * nodes of a multi-node fleet find their rendezvous host. Neither action supports resource ARNs.
   */
  allowPeerDiscovery(): void {
    const policy = this.self();
    policy.addStatements(
      new iam.PolicyStatement({
        sid: 'FindPeers',
        actions: ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances'],
        resources: ['*'],
      }),
    );
    this.acknowledgeAnyResource(policy);
  }

  /** Lets the host stop the instance `instanceId` (its own: a dev box stops itself, keeping its disks). */
  allowStopInstance(instanceId: string): void {
    this.self().addStatements(
      new iam.PolicyStatement({
        sid: 'StopSelf',
        actions: ['ec2:StopInstances'],
        resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:instance/${instanceId}`],
      }),
    );
  }

  /** The self-removal policy, if any statement was added. */
  get selfRemovalPolicy(): iam.ManagedPolicy | undefined {
    return this.selfPolicy;
  }

  private self(): iam.ManagedPolicy {
    if (!this.selfPolicy) {
      this.selfPolicy = new iam.ManagedPolicy(this, 'SelfRemovalPolicy', {
        description: `gpu-burst ${this.team} ${this.purpose}: remove only itself`,
        roles: [this.role],
      });
    }
    return this.selfPolicy;
  }

  private acknowledgeAnyResource(policy: iam.ManagedPolicy): void {
    if (this.anyResourceAcknowledged) return;
    this.anyResourceAcknowledged = true;
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'autoscaling:DescribeAutoScalingInstances, DescribeAutoScalingGroups and ec2:DescribeInstances support no resource ARNs; they only read.',
    );
  }
}

/** Properties of {@link hardenedLaunchTemplate}. */
export interface HardenedLaunchTemplateProps {
  /** The image every instance boots. */
  readonly machineImage: ec2.IMachineImage;
  /**
   * Instance type.
   * @default - none: given by the Auto Scaling group's overrides or the instance
   */
  readonly instanceType?: ec2.InstanceType;
  /** Size of the encrypted gp3 root volume, GiB. */
  readonly rootVolumeGiB: number;
  /**
   * Root device of the image.
   * @default DLAMI_ROOT_DEVICE ('/dev/sda1', Ubuntu DLAMIs)
   */
  readonly rootDeviceName?: string;
  /**
   * User data.
   * @default - none (a dev box puts it on the instance, see DevBox)
   */
  readonly userData?: ec2.UserData;
  /**
   * Role of the instances (the template makes its instance profile).
   * @default - none (the instance names its own profile)
   */
  readonly role?: iam.IRole;
  /**
   * Security group. When given, the template also defines the network interfaces (no public IP).
   * @default - none: the instance defines its network interfaces
   */
  readonly securityGroup?: ec2.ISecurityGroup;
  /**
   * EFA interfaces: 0 gives one ordinary interface; N gives N EFA interfaces, one per network card
   * (DeviceIndex 0 on card 0, 1 on the others). Needs `securityGroup`.
   * @default 0
   */
  readonly efaInterfaces?: number;
  /**
   * What an operating-system shutdown does to the instance.
   * @default - EC2's default (stop)
   */
  readonly instanceInitiatedShutdownBehavior?: ec2.InstanceInitiatedShutdownBehavior;
}

/**
 * A launch template with the hardening every host gets: IMDSv2 required (hop limit 2, so
 * containers on the host reach the metadata service too) and instance tags visible in the
 * metadata, an encrypted gp3 root volume deleted with the instance (set explicitly: A3, A4), no
 * key pair (access is Session Manager only), no public IP, detailed monitoring off.
 */
export function hardenedLaunchTemplate(scope: Construct, id: string, props: HardenedLaunchTemplateProps): ec2.LaunchTemplate {
  const efa = props.efaInterfaces ?? 0;
  if (!Number.isInteger(efa) || efa < 0) throw new Error(`${scope.node.path}/${id}: efaInterfaces must be a whole number >= 0, got ${efa}`);
  if (efa > 0 && !props.securityGroup) throw new Error(`${scope.node.path}/${id}: efaInterfaces needs a securityGroup`);
  if (!Number.isInteger(props.rootVolumeGiB) || props.rootVolumeGiB < 8) {
    throw new Error(`${scope.node.path}/${id}: rootVolumeGiB must be a whole number of at least 8, got ${props.rootVolumeGiB}`);
  }
  const template = new ec2.LaunchTemplate(scope, id, {
    machineImage: props.machineImage,
    ...(props.instanceType ? { instanceType: props.instanceType } : {}),
    ...(props.userData ? { userData: props.userData } : {}),
    ...(props.role ? { role: props.role } : {}),
    ...(props.securityGroup ? { securityGroup: props.securityGroup, associatePublicIpAddress: false } : {}),
    ...(props.instanceInitiatedShutdownBehavior ? { instanceInitiatedShutdownBehavior: props.instanceInitiatedShutdownBehavior } : {}),
    requireImdsv2: true,
    httpTokens: ec2.LaunchTemplateHttpTokens.REQUIRED,
    httpEndpoint: true,
    httpPutResponseHopLimit: 2,
    instanceMetadataTags: true,
    detailedMonitoring: false,
    blockDevices: [
      {
        deviceName: props.rootDeviceName ?? DLAMI_ROOT_DEVICE,
        volume: ec2.BlockDeviceVolume.ebs(props.rootVolumeGiB, {
          volumeType: ec2.EbsDeviceVolumeType.GP3,
          encrypted: true,
          deleteOnTermination: true,
        }),
      },
    ],
  });
  if (!props.userData) {
    // Under the launch-template default-user-data flag the template would carry the image's empty
    // script; a host without user data here gets it from its instance (DevBox).
    (template.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyDeletionOverride('LaunchTemplateData.UserData');
  }
  if (efa > 0 && props.securityGroup) {
    const cfn = template.node.defaultChild as ec2.CfnLaunchTemplate;
    // EC2 refuses AssociatePublicIpAddress with several interfaces and never gives a public IPv4
    // address to an instance launched with more than one; the subnets are private anyway.
    cfn.addPropertyOverride(
      'LaunchTemplateData.NetworkInterfaces',
      Array.from({ length: efa }, (_, card) => ({
        NetworkCardIndex: card,
        DeviceIndex: card === 0 ? 0 : 1,
        InterfaceType: 'efa',
        Groups: [props.securityGroup?.securityGroupId],
        DeleteOnTermination: true,
        ...(efa === 1 ? { AssociatePublicIpAddress: false } : {}),
      })),
    );
  }
  return template;
}
