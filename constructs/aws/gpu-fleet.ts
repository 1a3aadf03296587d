/**
 * A GPU (or Trainium) fleet: an Auto Scaling group that rests at zero instances and is sized by
 * `burst start`, from a hardened launch template.
 *
 * ## How torchrun finds its peers on a multi-node fleet
 *
 * A multi-node fleet is one group in one subnet (one AZ) and a cluster placement group; its hosts
 * may call `autoscaling:DescribeAutoScalingInstances`, `autoscaling:DescribeAutoScalingGroups`
 * and `ec2:DescribeInstances`. Every node runs the same recipe and reaches the same answer:
 *
 * ```bash
 * imds() { curl -s -H "X-aws-ec2-metadata-token: $(curl -s -X PUT http://169.254.169.254/latest/api/token \
 *            -H 'X-aws-ec2-metadata-token-ttl-seconds: 60')" "http://169.254.169.254/latest/meta-data/$1"; }
 * ID=$(imds instance-id); REGION=$(imds placement/region)
 * GROUP=$(aws autoscaling describe-auto-scaling-instances --region "$REGION" --instance-ids "$ID" \
 *           --query 'AutoScalingInstances[0].AutoScalingGroupName' --output text)
 * NNODES=$(aws autoscaling describe-auto-scaling-groups --region "$REGION" --auto-scaling-group-names "$GROUP" \
 *           --query 'AutoScalingGroups[0].DesiredCapacity' --output text)
 * until PEERS=$(aws ec2 describe-instances --region "$REGION" \
 *         --filters "Name=tag:aws:autoscaling:groupName,Values=$GROUP" Name=instance-state-name,Values=running \
 *         --query 'Reservations[].Instances[].[InstanceId,PrivateIpAddress]' --output text | sort) \
 *       && [ "$(printf '%s\n' "$PEERS" | grep -c .)" -ge "$NNODES" ]; do sleep 10; done
 * MASTER_ADDR=$(printf '%s\n' "$PEERS" | head -n 1 | cut -f 2)   # lowest instance id hosts the rendezvous
 * torchrun --nnodes="$NNODES" --nproc-per-node=gpu --rdzv-backend=c10d \
 *   --rdzv-endpoint="$MASTER_ADDR:29500" --rdzv-id="$GROUP" train.py
 * ```
 *
 * The c10d rendezvous assigns node ranks itself, so no node needs to know its own rank. The
 * security group lets the nodes reach each other on every port (NCCL, the rendezvous, EFA) and
 * nothing else reaches them. With EFA, the DLAMI's libfabric and aws-ofi-nccl are picked up by
 * NCCL (`FI_PROVIDER=efa`). A spot reclaim of one node ends the rendezvous for all: the group
 * launches a replacement and the recipe runs again on it; trainers resume from their last
 * checkpoint in the artifact store.
 */
import { Tags, Token } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { Market } from '../../spec/plan.js';
import { agentOptionSettings, agentUserData, hardenedLaunchTemplate, HostRole, type HostAgentOptions } from './host.js';
import { acknowledge } from './nag.js';

/** Name of the termination lifecycle hook that gives a leaving host time to upload its checkpoint (A19). */
export const CHECKPOINT_HOOK = 'gpu-burst-checkpoint';

/** Seconds a terminating host may take before the group continues without it. */
export const CHECKPOINT_HOOK_TIMEOUT_SECONDS = 300;

/** Properties of a {@link GpuFleet}. */
export interface GpuFleetProps {
  /** The team (tags, descriptions, agent configuration). */
  readonly team: string;
  /** Fleet name, unique in the team (`gpu-burst:fleet` tag). */
  readonly fleetName: string;
  /** The burst VPC. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets the fleet may launch in. A single-node fleet spreads over all of them (spot capacity
   * in several AZs); a multi-node fleet uses the first only.
   * @default - the VPC's private isolated subnets
   */
  readonly subnets?: ec2.SubnetSelection;
  /** EC2 instance types, cheapest first; each becomes an override of the mixed-instances policy. */
  readonly instanceTypes: readonly string[];
  /** Nodes of a full burst: the group's MaxSize. */
  readonly nodes: number;
  /**
   * One AZ and a cluster placement group (EFA, NCCL across nodes).
   * @default - nodes > 1
   */
  readonly multiNode?: boolean;
  /**
   * EFA interfaces per node (0: an ordinary interface). Needs `multiNode`.
   * @default 0
   */
  readonly efaInterfaces?: number;
  /**
   * How the fleet buys capacity.
   * @default 'spot'
   */
  readonly market?: Market;
  /**
   * Instances bought on demand before any spot (market `mixed`).
   * @default 0
   */
  readonly onDemandBase?: number;
  /** Size of the encrypted gp3 root volume, GiB. */
  readonly rootVolumeGiB: number;
  /** Image every node boots (see `hostMachineImage`). */
  readonly machineImage: ec2.IMachineImage;
  /**
   * Root device of the image.
   * @default '/dev/sda1' (Ubuntu DLAMIs)
   */
  readonly rootDeviceName?: string;
  /** Minutes every idle signal must stay quiet before a node removes itself. */
  readonly idleMinutes: number;
  /** Hours after boot at which a node goes away whatever the signals say. */
  readonly ttlHours: number;
  /**
   * True when the nodes carry NVIDIA GPUs (the agent then watches nvidia-smi).
   * @default true
   */
  readonly gpu?: boolean;
  /**
   * Training command (argv) the agent runs on every node; a node goes away when it exits.
   * @default - none: training is started by hand (Session Manager)
   */
  readonly command?: readonly string[];
  /** The team's artifact bucket. */
  readonly artifactBucket: s3.IBucket;
  /** Key prefix the team owns in the bucket (`teams/<team>/`). */
  readonly artifactPrefix: string;
  /**
   * Repository the nodes pull training images from.
   * @default - no ECR permissions
   */
  readonly imageRepository?: ecr.IRepository;
  /** Encrypted topic told about launch and terminate failures (A20). */
  readonly notifications: sns.ITopic;
  /** Run-manifest facts and signals for the on-host agent. */
  readonly agent: HostAgentOptions;
}

/**
 * A GPU fleet: an Auto Scaling group with MinSize 0 and no desired capacity in the template, so a
 * deploy never starts or stops GPUs (`burst start` sizes it through the API; the agent and the
 * backstop bring it back to zero). A mixed-instances policy offers every instance type; spot uses
 * price-capacity-optimized allocation and capacity rebalancing (A17). A termination lifecycle hook
 * holds a leaving host until its checkpoint is uploaded (A19), and launch or terminate failures go
 * to the team's topic (A20). Hosts get no public IP, no SSH, IMDSv2 only (A3-A6), and a role that
 * reaches only the team prefix and may remove only members of its own group.
 */
export class GpuFleet extends Construct {
  /** The Auto Scaling group. */
  readonly group: autoscaling.CfnAutoScalingGroup;
  /** The launch template of every node. */
  readonly launchTemplate: ec2.LaunchTemplate;
  /** The nodes' security group. */
  readonly securityGroup: ec2.SecurityGroup;
  /** The nodes' role. */
  readonly hostRole: HostRole;
  /** The cluster placement group of a multi-node fleet. */
  readonly placementGroup?: ec2.CfnPlacementGroup;

  constructor(scope: Construct, id: string, props: GpuFleetProps) {
    super(scope, id);
    const multiNode = props.multiNode ?? props.nodes > 1;
    const efa = props.efaInterfaces ?? 0;
    const market = props.market ?? 'spot';
    validate(this, props, multiNode, efa, market);

    const subnets = props.vpc.selectSubnets(props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnetIds;
    if (subnets.length === 0) fail(this, 'the VPC has no subnet to launch in');
    const groupSubnets = multiNode ? subnets.slice(0, 1) : subnets;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `gpu-burst ${props.team} fleet ${props.fleetName}: no ingress${multiNode ? ' except between its nodes' : ''}`,
      // Open egress reaches S3 (gateway endpoint) and, while a burst runs, the NAT gateway.
      allowAllOutbound: true,
    });
    if (multiNode) {
      // EFA requires a rule allowing all traffic to and from the group itself, egress included;
      // CDK folds such an egress rule into allowAllOutbound, so it is written out here.
      new ec2.CfnSecurityGroupEgress(this, 'EgressToNodes', {
        groupId: this.securityGroup.securityGroupId,
        destinationSecurityGroupId: this.securityGroup.securityGroupId,
        ipProtocol: '-1',
        description: 'NCCL and EFA to the other nodes',
      });
      this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.allTraffic(), 'NCCL, rendezvous and EFA from the other nodes');
      const ingress = this.securityGroup.node.findAll().find((c) => c instanceof ec2.CfnSecurityGroupIngress);
      if (ingress) {
        acknowledge(
          ingress,
          'NIST.800.53.R5-EC2RestrictedCommonPorts',
          'Self-referencing rule: only the nodes of this fleet, which NCCL and EFA require to reach each other on every port.',
        );
      }
    }

    this.hostRole = new HostRole(this, 'Host', {
      team: props.team,
      artifactBucket: props.artifactBucket,
      artifactPrefix: props.artifactPrefix,
      ...(props.imageRepository ? { imageRepository: props.imageRepository } : {}),
      purpose: `fleet ${props.fleetName}`,
    });

    const userData = agentUserData(this, {
      cloud: 'aws',
      launchKind: 'asg',
      team: props.team,
      artifactPrefix: `s3://${props.artifactBucket.bucketName}/${props.artifactPrefix}`,
      idleMinutes: props.idleMinutes,
      ttlHours: props.ttlHours,
      gpu: props.gpu ?? true,
      ...(props.command ? { trainingCommand: props.command } : {}),
      lifecycleHook: { name: CHECKPOINT_HOOK, heartbeatSeconds: CHECKPOINT_HOOK_TIMEOUT_SECONDS },
      ...agentOptionSettings(props.agent),
    });

    this.launchTemplate = hardenedLaunchTemplate(this, 'LaunchTemplate', {
      machineImage: props.machineImage,
      rootVolumeGiB: props.rootVolumeGiB,
      ...(props.rootDeviceName ? { rootDeviceName: props.rootDeviceName } : {}),
      userData,
      role: this.hostRole.role,
      securityGroup: this.securityGroup,
      efaInterfaces: efa,
      // A node that powers itself off (the agent's last resort when the API is unreachable) must
      // go away, not linger stopped with its volume billing.
      instanceInitiatedShutdownBehavior: ec2.InstanceInitiatedShutdownBehavior.TERMINATE,
    });

    if (multiNode) {
      this.placementGroup = new ec2.CfnPlacementGroup(this, 'PlacementGroup', { strategy: 'cluster' });
    }

    const spot = market !== 'on-demand';
    this.group = new autoscaling.CfnAutoScalingGroup(this, 'Group', {
      minSize: '0',
      maxSize: String(props.nodes),
      // No DesiredCapacity: a deploy would reset it (traps.md); `burst start` sets it.
      vpcZoneIdentifier: groupSubnets,
      ...(this.placementGroup ? { placementGroup: this.placementGroup.ref } : {}),
      capacityRebalance: spot,
      mixedInstancesPolicy: {
        launchTemplate: {
          launchTemplateSpecification: {
            launchTemplateId: this.launchTemplate.launchTemplateId,
            version: this.launchTemplate.latestVersionNumber,
          },
          overrides: props.instanceTypes.map((instanceType) => ({ instanceType })),
        },
        instancesDistribution: {
          onDemandAllocationStrategy: 'lowest-price',
          onDemandBaseCapacity: market === 'mixed' ? (props.onDemandBase ?? 0) : 0,
          onDemandPercentageAboveBaseCapacity: market === 'on-demand' ? 100 : 0,
          ...(spot ? { spotAllocationStrategy: 'price-capacity-optimized' } : {}),
        },
      },
      notificationConfigurations: [
        {
          topicArn: props.notifications.topicArn,
          notificationTypes: ['autoscaling:EC2_INSTANCE_LAUNCH_ERROR', 'autoscaling:EC2_INSTANCE_TERMINATE_ERROR'],
        },
      ],
      lifecycleHookSpecificationList: [
        {
          lifecycleHookName: CHECKPOINT_HOOK,
          lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
          heartbeatTimeout: CHECKPOINT_HOOK_TIMEOUT_SECONDS,
          defaultResult: 'CONTINUE',
        },
      ],
    });

    this.hostRole.allowAsgSelfRemoval(this.group.ref);
    if (multiNode) this.hostRole.allowPeerDiscovery();

    Tags.of(this).add('gpu-burst:role', 'fleet');
    Tags.of(this).add('gpu-burst:fleet', props.fleetName);
    Tags.of(this).add('gpu-burst:ttl-hours', String(props.ttlHours));
    Tags.of(this).add('gpu-burst:idle-minutes', String(props.idleMinutes));

    acknowledge(
      this.group,
      'AwsSolutions-AS3',
      'Launch and terminate failures notify the team topic (A20); every routine launch and stop of a burst would flood it.',
    );
    acknowledge(
      this.group,
      'NIST.800.53.R5-EC2IMDSv2Enabled',
      'The rule misreads mixed-instances groups (cdk-nag #1902); tests/aws/gpu-fleet.test.ts asserts HttpTokens required on the template (A3).',
    );
    acknowledge(
      this.group,
      'AwsSolutions-EC26',
      'The rule throws on mixed-instances groups; tests/aws/gpu-fleet.test.ts asserts the template root volume is encrypted (A4).',
    );
  }
}

function fail(scope: Construct, message: string): never {
  throw new Error(`GpuFleet ${scope.node.path}: ${message}`);
}

function validate(scope: Construct, props: GpuFleetProps, multiNode: boolean, efa: number, market: Market): void {
  const problems: string[] = [];
  if (props.instanceTypes.length === 0) problems.push('instanceTypes must name at least one instance type');
  if (new Set(props.instanceTypes).size !== props.instanceTypes.length) problems.push('instanceTypes must not repeat a type');
  if (props.instanceTypes.length > 20) problems.push(`instanceTypes may hold at most 20 types (Auto Scaling overrides), got ${props.instanceTypes.length}`);
  if (!Token.isUnresolved(props.nodes) && (!Number.isInteger(props.nodes) || props.nodes < 1)) problems.push(`nodes must be a whole number >= 1, got ${props.nodes}`);
  if (efa > 0 && !multiNode) problems.push('efaInterfaces needs multiNode: EFA only helps between nodes of one placement group');
  if (!Number.isInteger(efa) || efa < 0 || efa > 32) problems.push(`efaInterfaces must be a whole number from 0 to 32, got ${efa}`);
  const base = props.onDemandBase ?? 0;
  if (market !== 'mixed' && props.onDemandBase !== undefined && props.onDemandBase !== 0 && !(market === 'on-demand' && props.onDemandBase === props.nodes)) {
    problems.push(`onDemandBase applies to market 'mixed' only (market is '${market}')`);
  }
  if (!Number.isInteger(base) || base < 0 || base > props.nodes) problems.push(`onDemandBase must be a whole number from 0 to nodes (${props.nodes}), got ${base}`);
  if (problems.length > 0) fail(scope, problems.join('; '));
}
