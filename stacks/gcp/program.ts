/**
 * The Pulumi program for one team's GCP plan. The stack is the team; every resource goes through
 * one explicit provider built from the team file (project, region, and the team's labels as
 * `defaultLabels`, so labels live in one place), so `Pulumi.<team>.yaml` needs nothing.
 *
 * Storage (bucket, image repository) and the network come first; the team identity every host runs
 * as next; then fleets, TPU nodes, sweep groups, the dev box and the auto-shutdown backstop. At rest
 * none of the compute bills: groups at 0, the dev box stopped, TPUs only recorded as the request
 * `burst start` will send.
 */
import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import { ArtifactStore } from '../../constructs/gcp/artifact-store.js';
import { AutoShutdown } from '../../constructs/gcp/auto-shutdown.js';
import { BurstNetwork, teamHostTag } from '../../constructs/gcp/burst-network.js';
import { DevBox } from '../../constructs/gcp/dev-box.js';
import { GpuFleet } from '../../constructs/gcp/gpu-fleet.js';
import { hostImage } from '../../constructs/gcp/host.js';
import { ImageRepository } from '../../constructs/gcp/image-repository.js';
import { SweepGroup } from '../../constructs/gcp/sweep-group.js';
import { TeamBudget } from '../../constructs/gcp/team-budget.js';
import { TeamIdentity } from '../../constructs/gcp/team-identity.js';
import { TpuNode } from '../../constructs/gcp/tpu-node.js';
import { emptyImageLock, type ImageLock } from '../../spec/images.js';
import {
  assertNever,
  type ArtifactStoreItem,
  type GcpDevBoxItem,
  type GcpGpuFleetItem,
  type GcpPlan,
  type GcpTpuNodeItem,
  type ImageRepositoryItem,
  type NetworkItem,
} from '../../spec/plan.js';

/** Stack outputs of a team. */
export interface GcpOutputs {
  readonly artifactBucket: pulumi.Output<string>;
  readonly artifactUrl: pulumi.Output<string>;
  readonly imageRepository: pulumi.Output<string>;
  readonly network: pulumi.Output<string>;
  readonly subnet: pulumi.Output<string>;
  /** Email of the service account every host of the team runs as. */
  readonly serviceAccount: pulumi.Output<string>;
}

function only<K extends GcpPlan['items'][number]['kind']>(plan: GcpPlan, kind: K): Extract<GcpPlan['items'][number], { kind: K }> {
  const found = plan.items.find((i) => i.kind === kind);
  if (!found) throw new Error(`gcp plan of ${plan.team} has no ${kind}`);
  return found as Extract<GcpPlan['items'][number], { kind: K }>;
}

/** Creates every resource of a team's GCP plan and returns the stack outputs. */
export function gcpProgram(plan: GcpPlan, lock: ImageLock = emptyImageLock()): GcpOutputs {
  const provider = new gcp.Provider(`${plan.team}-gcp`, {
    project: plan.project,
    region: plan.region,
    defaultLabels: { ...plan.tags },
  });
  const opts = { provider };
  const team = plan.team;

  const store: ArtifactStoreItem = only(plan, 'artifactStore');
  const artifacts = new ArtifactStore(
    `${team}-artifacts`,
    {
      location: store.location ?? plan.region.toUpperCase(),
      prefix: store.prefix,
      noncurrentVersionDays: store.noncurrentVersionDays,
      incompleteUploadDays: store.incompleteUploadDays,
      ...(store.softDeleteDays === undefined ? {} : { softDeleteDays: store.softDeleteDays }),
    },
    opts,
  );
  const repo: ImageRepositoryItem = only(plan, 'imageRepository');
  const images = new ImageRepository(
    `${team}-${repo.name}`,
    { repositoryId: `${team}-${repo.name}`, location: plan.region, untaggedImageDays: repo.untaggedImageDays },
    opts,
  );
  const net: NetworkItem = only(plan, 'network');
  const network = new BurstNetwork(`${team}-burst`, { region: plan.region, cidr: net.cidr, sshTag: teamHostTag(team) }, opts);

  const fleets = plan.items.filter((i): i is GcpGpuFleetItem => i.kind === 'gpuFleet');
  const tpus = plan.items.filter((i): i is GcpTpuNodeItem => i.kind === 'tpuNode');
  const box = plan.items.find((i): i is GcpDevBoxItem => i.kind === 'devBox');
  const identity = new TeamIdentity(
    `${team}-hosts`,
    {
      team,
      project: plan.project,
      bucket: artifacts.bucket.name,
      repository: images.repository.name,
      repositoryLocation: plan.region,
      selfRemoval: {
        groups: fleets.map((f) => `${team}-${f.name}`),
        instances: box ? [`${team}-devbox`] : [],
        tpus: tpus.map((t) => `${team}-${t.name}`),
      },
    },
    opts,
  );
  const host = {
    subnetwork: network.subnet.id,
    serviceAccountEmail: identity.email,
    artifactBucket: artifacts.bucket.name,
    agent: { specHash: plan.specHash },
    // Disks made from a template or VM do not get the provider's defaultLabels.
    labels: { ...plan.tags },
  };

  for (const item of plan.items) {
    switch (item.kind) {
      case 'artifactStore':
      case 'imageRepository':
      case 'network':
        break; // built above: everything else depends on them
      case 'gpuFleet':
        new GpuFleet(
          `${team}-${item.name}`,
          {
            ...host,
            team,
            fleetName: item.name,
            region: plan.region,
            zones: item.zones,
            machineType: item.machineType,
            gpus: { acceleratorType: item.acceleratorType, count: item.count, attached: item.attached },
            nodes: item.nodes,
            multiNode: item.multiNode,
            market: item.market,
            rootVolumeGiB: item.rootVolumeGiB,
            image: hostImage(item.image, lock),
            idleMinutes: item.idleMinutes,
            ttlHours: item.ttlHours,
            ...(item.command ? { command: item.command } : {}),
            network: network.network.id,
          },
          opts,
        );
        break;
      case 'tpuNode':
        new TpuNode(
          `${team}-${item.name}`,
          {
            item,
            team,
            project: plan.project,
            serviceAccountEmail: identity.email,
            network: network.network.id,
            subnetwork: network.subnet.id,
            artifactPrefix: artifacts.url,
            specHash: plan.specHash,
            labels: plan.tags,
          },
          opts,
        );
        break;
      case 'sweepGroup':
        new SweepGroup(
          `${team}-${item.name}`,
          {
            team,
            groupName: item.name,
            project: plan.project,
            region: plan.region,
            machineType: item.machineType,
            acceleratorType: item.acceleratorType,
            acceleratorCount: item.count,
            attachedAccelerators: item.attached,
            parallelism: item.parallelism,
            trialHours: item.trialHours,
            attempts: item.attempts,
            imageTag: item.imageTag,
            ...(item.command ? { command: item.command } : {}),
            subnetwork: network.subnet.id,
            serviceAccountEmail: identity.email,
            repositoryId: `${team}-${repo.name}`,
          },
          opts,
        );
        break;
      case 'devBox':
        new DevBox(
          `${team}-devbox`,
          {
            ...host,
            team,
            zone: item.zone,
            machineType: item.machineType,
            ...(item.gpu && item.acceleratorType
              ? { gpus: { acceleratorType: item.acceleratorType, count: item.count, attached: item.attached } }
              : {}),
            rootVolumeGiB: item.rootVolumeGiB,
            dataVolumeGiB: item.dataVolumeGiB,
            image: hostImage(item.image, lock),
            idleMinutes: item.idleMinutes,
            ttlHours: item.ttlHours,
          },
          opts,
        );
        break;
      case 'autoShutdown':
        new AutoShutdown(
          `${team}-auto-shutdown`,
          {
            team,
            project: plan.project,
            region: plan.region,
            // Every zone a fleet VM or the dev box may be in; TPUs have their own zones.
            zones: [...new Set([...plan.zones, ...fleets.flatMap((f) => f.zones), ...(box ? [box.zone] : [])])],
            tpuZones: [...new Set(tpus.map((t) => t.zone))],
            bucket: artifacts.bucket.name,
            everyMinutes: item.everyMinutes,
            fleets: fleets.map((f) => f.name),
            hasDevBox: box !== undefined,
          },
          opts,
        );
        break;
      case 'budget':
        if (!item.billingAccount) throw new Error(`gcp plan of ${team}: the budget names no billing account`);
        new TeamBudget(
          `${team}-budget`,
          {
            team,
            project: plan.project,
            billingAccount: item.billingAccount,
            monthlyUsd: item.monthlyUsd,
            thresholdsPercent: item.thresholdsPercent,
            emails: item.emails,
          },
          opts,
        );
        break;
      default:
        assertNever(item);
    }
  }
  return {
    artifactBucket: artifacts.bucket.name,
    artifactUrl: artifacts.url,
    imageRepository: images.repository.name,
    network: network.network.name,
    subnet: network.subnet.name,
    serviceAccount: identity.email,
  };
}
