import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AutoShutdown } from '../../constructs/aws/auto-shutdown.js';
import { BurstNetwork } from '../../constructs/aws/burst-network.js';
import { DevBox } from '../../constructs/aws/dev-box.js';
import { GpuFleet } from '../../constructs/aws/gpu-fleet.js';
import { hostMachineImage, type HostAgentOptions } from '../../constructs/aws/host.js';
import { SweepGroup } from '../../constructs/aws/sweep-group.js';
import { applyTeamBoundary, TeamBoundary } from '../../constructs/aws/team-boundary.js';
import { emptyImageLock, type ImageLock } from '../../spec/images.js';
import { assertNever, type AwsPlan } from '../../spec/plan.js';
import type { StorageStack } from './storage-stack.js';

/** Properties of a {@link BurstStack}. */
export interface BurstStackProps extends StackProps {
  readonly plan: AwsPlan;
  /** The team's storage stack, whose buckets, repository and alert topic the burst uses. */
  readonly storage: StorageStack;
  /**
   * Pinned machine images (`images/lock.json`).
   * @default - nothing pinned: hosts boot each image kind's public alias
   */
  readonly lock?: ImageLock;
}

/**
 * `<team>-burst`: everything billable, torn down after a burst (`cdk destroy <team>-burst`) without
 * touching data: the network (with egress only while a burst runs), GPU fleets and sweep groups at
 * zero, the dev box, and auto-shutdown layers (b) and (c). Every role carries the team's
 * permissions boundary.
 */
export class BurstStack extends Stack {
  /** The burst VPC. */
  readonly network: BurstNetwork;
  /** Fleets by name. */
  readonly fleets = new Map<string, GpuFleet>();
  /** Sweep groups by name. */
  readonly sweeps = new Map<string, SweepGroup>();
  /** The dev box, when the team has one. */
  readonly devBox?: DevBox;
  /** The serverless backstop and spot-event rules. */
  readonly autoShutdown: AutoShutdown;
  /** The permissions boundary of every role in the stack. */
  readonly boundary: TeamBoundary;

  constructor(scope: Construct, id: string, props: BurstStackProps) {
    super(scope, id, props);
    const { plan, storage } = props;
    const lock = props.lock ?? emptyImageLock();
    const bucket = storage.artifacts.bucket;
    const prefix = storage.artifacts.prefix;
    const agent: HostAgentOptions = { specHash: plan.specHash };

    // The network first: every host needs its VPC.
    const networkItem = plan.items.find((i) => i.kind === 'network');
    if (!networkItem) throw new Error(`${id}: the plan has no network`);
    this.network = new BurstNetwork(this, 'Network', {
      cidr: networkItem.cidr,
      ...(networkItem.zones ? { availabilityZones: networkItem.zones } : {}),
      flowLogs: storage.logs.bucket,
    });
    const vpc = this.network.vpc;

    this.boundary = new TeamBoundary(this, 'Boundary', { team: plan.team, artifactBucket: bucket, artifactPrefix: prefix, burstStackName: id });

    let devBox: DevBox | undefined;
    let autoShutdown: AutoShutdown | undefined;
    for (const item of plan.items) {
      if (item.layer !== 'burst') continue;
      switch (item.kind) {
        case 'network':
          break;
        case 'gpuFleet':
          this.fleets.set(
            item.name,
            new GpuFleet(this, `Fleet-${item.name}`, {
              team: plan.team,
              fleetName: item.name,
              vpc,
              instanceTypes: item.instanceTypes,
              nodes: item.nodes,
              multiNode: item.multiNode,
              efaInterfaces: item.efaInterfaces,
              market: item.market,
              onDemandBase: item.onDemandBase,
              rootVolumeGiB: item.rootVolumeGiB,
              machineImage: hostMachineImage(item.image, lock),
              idleMinutes: item.idleMinutes,
              ttlHours: item.ttlHours,
              gpu: item.family === 'gpu',
              ...(item.command ? { command: item.command } : {}),
              artifactBucket: bucket,
              artifactPrefix: prefix,
              imageRepository: storage.images.repository,
              notifications: storage.alerts.topic,
              agent,
            }),
          );
          break;
        case 'sweepGroup':
          this.sweeps.set(
            item.name,
            new SweepGroup(this, `Sweep-${item.name}`, {
              team: plan.team,
              groupName: item.name,
              vpc,
              instanceTypes: item.instanceTypes,
              maxVCpus: item.maxVCpus,
              vCpusPerTrial: item.vCpusPerTrial,
              memoryMiBPerTrial: item.memoryMiBPerTrial,
              gpusPerTrial: item.count,
              trialHours: item.trialHours,
              attempts: item.attempts,
              repository: storage.images.repository,
              imageTag: item.imageTag,
              ...(item.command ? { command: item.command } : {}),
              artifactBucket: bucket,
              artifactPrefix: prefix,
            }),
          );
          break;
        case 'devBox':
          devBox = new DevBox(this, 'DevBox', {
            team: plan.team,
            vpc,
            instanceType: item.instanceType,
            gpu: item.gpu,
            rootVolumeGiB: item.rootVolumeGiB,
            dataVolumeGiB: item.dataVolumeGiB,
            ...(item.dataVolumeId ? { dataVolumeId: item.dataVolumeId } : {}),
            machineImage: hostMachineImage(item.image, lock),
            idleMinutes: item.idleMinutes,
            ttlHours: item.ttlHours,
            artifactBucket: bucket,
            artifactPrefix: prefix,
            imageRepository: storage.images.repository,
            agent,
          });
          break;
        case 'autoShutdown':
          autoShutdown = new AutoShutdown(this, 'AutoShutdown', {
            team: plan.team,
            stackName: id,
            topic: storage.alerts.topic,
            everyMinutes: item.everyMinutes,
            idleGraceFactor: item.idleGraceFactor,
            idleCpuPercent: item.idleCpuPercent,
            sweepQueues: plan.items.flatMap((i) => (i.kind === 'sweepGroup' ? [`${plan.team}-${i.name}`] : [])),
            hasDevBox: plan.items.some((i) => i.kind === 'devBox'),
          });
          break;
        default:
          assertNever(item);
      }
    }
    if (!autoShutdown) throw new Error(`${id}: the plan has no auto-shutdown: a burst without its backstop could bill forever`);
    this.autoShutdown = autoShutdown;
    if (devBox) this.devBox = devBox;
    applyTeamBoundary(this, this.boundary);
  }
}
