/**
 * Shared pieces of every Compute Engine host gpu-burst starts (GPU fleet members, the dev box): the
 * scheduling block with its native deadline, Shielded VM, OS Login metadata, a private network
 * interface, the boot image, guest accelerators, labels and the startup script that installs the
 * on-host agent. `GpuFleet` (instance template) and `DevBox` (instance) assemble them; each piece is
 * a plain function so its properties are tested once (checklist G2-G6).
 */
import * as pulumi from '@pulumi/pulumi';
import { renderStartupScript, type HostAgentSettings } from '../../images/agent/render.js';
import { emptyImageLock, imageFor, type GcpImageHost, type ImageLock } from '../../spec/images.js';
import { teamPrefix } from '../../spec/layout.js';
import { teamHostTag } from './burst-network.js';

/** How a host buys capacity on GCP. */
export type GcpMarket = 'spot' | 'on-demand';

/** What Compute Engine does when a host's deadline (or a spot reclaim) ends it. */
export type TerminationAction = 'DELETE' | 'STOP';

/**
 * Seconds the native deadline (`maxRunDuration`) waits beyond the agent's TTL. The agent removes its
 * host at boot + TTL the right way (a MIG member leaves its group, a dev box stops) and records why;
 * Compute Engine counts from the RUNNING state, seconds before the kernel boots, so a deadline equal
 * to the TTL would always fire first and cut the agent's records short. The native deadline is the
 * layer for a dead agent, so it comes a few minutes later.
 */
export const NATIVE_DEADLINE_GRACE_SECONDS = 600;

/** Compute Engine's limits for `maxRunDuration`: 30 seconds to 120 days. */
export const MAX_RUN_DURATION_RANGE_SECONDS: readonly [min: number, max: number] = [30, 120 * 86_400];

/**
 * OAuth scopes of a host: only the APIs its identity is meant to reach (IAM still decides what
 * it may do there). Cloud Storage read/write covers the artifact prefix and Artifact Registry
 * pulls; Compute covers the agent's self-removal (`instance-groups managed delete-instances`,
 * `instances stop`); logging and monitoring write the host's logs and metrics. TPU VMs and Batch
 * jobs (other components) need `cloud-platform`: their APIs have no narrower scope.
 */
export const HOST_SCOPES: readonly string[] = [
  'https://www.googleapis.com/auth/devstorage.read_write',
  'https://www.googleapis.com/auth/compute',
  'https://www.googleapis.com/auth/logging.write',
  'https://www.googleapis.com/auth/monitoring.write',
];

/** The one scope Google's default compute identity gets and gpu-burst hosts never combine with it (G1). */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** Label keys gpu-burst puts on hosts (GCP label rules: lowercase, no ':'). */
export const HOST_LABEL_KEYS = {
  role: 'gpu-burst-role',
  fleet: 'gpu-burst-fleet',
  ttlMinutes: 'gpu-burst-ttl-minutes',
  idleMinutes: 'gpu-burst-idle-minutes',
} as const;

/** What a host is, for the `gpu-burst-role` label. */
export type HostRole = 'fleet' | 'devbox' | 'tpu' | 'sweep';

/** The scheduling block of a host (fits both `InstanceTemplate` and `Instance`). */
export interface HostScheduling {
  readonly provisioningModel: 'SPOT' | 'STANDARD';
  readonly preemptible: boolean;
  readonly automaticRestart: false;
  readonly onHostMaintenance: 'TERMINATE' | 'MIGRATE';
  readonly instanceTerminationAction: TerminationAction;
  readonly maxRunDuration: { readonly seconds: number };
}

/** Options of {@link hostScheduling}. */
export interface HostSchedulingOptions {
  /**
   * What the deadline (and, for spot, a reclaim) does to the host.
   * @default 'DELETE' (a dev box passes 'STOP': its disks and state stay)
   */
  readonly terminationAction?: TerminationAction;
  /**
   * True when the host carries GPUs: GPUs cannot live-migrate, so host maintenance terminates them.
   * @default true
   */
  readonly gpu?: boolean;
}

/** The native deadline of a host whose agent TTL is `ttlHours`: TTL plus {@link NATIVE_DEADLINE_GRACE_SECONDS}. */
export function nativeDeadlineSeconds(ttlHours: number): number {
  return Math.round(ttlHours * 3600) + NATIVE_DEADLINE_GRACE_SECONDS;
}

/**
 * Scheduling of a host (G5). Spot: provisioning model SPOT (preemptible), no automatic restart,
 * terminate on host maintenance, the termination action, and `maxRunDuration` as a hard deadline.
 * On demand: STANDARD with the same deadline and termination action (a native TTL that needs no
 * agent), no automatic restart, and TERMINATE on host maintenance for GPU hosts (MIGRATE for a CPU
 * host, which can live-migrate).
 */
export function hostScheduling(market: GcpMarket, ttlHours: number, options: HostSchedulingOptions = {}): HostScheduling {
  const seconds = nativeDeadlineSeconds(ttlHours);
  const [min, max] = MAX_RUN_DURATION_RANGE_SECONDS;
  if (!Number.isFinite(ttlHours) || ttlHours <= 0 || seconds < min || seconds > max) {
    throw new Error(`hostScheduling: ttlHours must give a run duration from ${min} s to ${max / 86_400} days, got ${ttlHours} h`);
  }
  const terminationAction = options.terminationAction ?? 'DELETE';
  const gpu = options.gpu ?? true;
  const spot = market === 'spot';
  return {
    provisioningModel: spot ? 'SPOT' : 'STANDARD',
    preemptible: spot,
    automaticRestart: false,
    onHostMaintenance: spot || gpu ? 'TERMINATE' : 'MIGRATE',
    instanceTerminationAction: terminationAction,
    maxRunDuration: { seconds },
  };
}

/** The Shielded VM block of a host (G4). */
export interface ShieldedConfig {
  readonly enableVtpm: true;
  readonly enableIntegrityMonitoring: true;
  readonly enableSecureBoot: boolean;
}

/**
 * Shielded VM (G4): vTPM and integrity monitoring always on. Secure Boot is off by default: the
 * Deep Learning VM images load NVIDIA kernel modules that are not signed with a key the Shielded
 * VM firmware trusts, so a GPU host with Secure Boot boots without its driver. Turn it on only for
 * an image whose drivers are signed (checked on a real host: `mokutil --sb-state` and `nvidia-smi`).
 */
export function shieldedConfig(secureBoot = false): ShieldedConfig {
  return { enableVtpm: true, enableIntegrityMonitoring: true, enableSecureBoot: secureBoot };
}

/**
 * Instance metadata of a host (G3): OS Login on and project-wide SSH keys blocked (SSH only as an
 * IAM principal, through IAP), and the startup script.
 */
export function hostMetadata(startupScript: pulumi.Input<string>): pulumi.Input<Record<string, pulumi.Input<string>>> {
  return {
    'enable-oslogin': 'TRUE',
    'block-project-ssh-keys': 'TRUE',
    'startup-script': startupScript,
  };
}

/** The network interface of a host. */
export interface PrivateNetworkInterface {
  readonly subnetwork: pulumi.Input<string>;
  readonly stackType: 'IPV4_ONLY';
  readonly nicType?: 'GVNIC';
}

/**
 * Machine series whose VMs need (A3) or are built for (G2) Google Virtual NIC. Other series keep
 * Compute Engine's default (VirtIO), which every image supports.
 */
const GVNIC_SERIES = ['a3-', 'g2-'];

/** The network interface type a machine type needs, or undefined for the default. */
export function nicTypeFor(machineType: string): 'GVNIC' | undefined {
  return GVNIC_SERIES.some((s) => machineType.startsWith(s)) ? 'GVNIC' : undefined;
}

/**
 * The one network interface of a host (G2): on the team's subnet, with no `accessConfigs`, so the
 * host gets no external IP. Google APIs are reached through the subnet's Private Google Access.
 */
export function privateNetworkInterface(subnetwork: pulumi.Input<string>, machineType: string): PrivateNetworkInterface {
  const nicType = nicTypeFor(machineType);
  return { subnetwork, stackType: 'IPV4_ONLY', ...(nicType ? { nicType } : {}) };
}

/**
 * The boot image of a host (G6): the self-link the lock pins for its kind, else the newest image of
 * the kind's Deep Learning VM family (`projects/<p>/global/images/family/<f>`), resolved when the
 * VM or template is created.
 */
export function hostImage(host: GcpImageHost, lock: ImageLock = emptyImageLock()): string {
  const choice = imageFor(host, lock);
  return choice.source === 'pinned' ? choice.selfLink : `projects/${choice.project}/global/images/family/${choice.family}`;
}

/** Machine series that take Hyperdisk only (no Persistent Disk). */
const HYPERDISK_ONLY_SERIES = ['a3-ultragpu-', 'a4-', 'c4-', 'n4-'];

/** The boot disk type of a machine type: `pd-balanced`, or `hyperdisk-balanced` where PD is not offered. */
export function bootDiskTypeFor(machineType: string): 'pd-balanced' | 'hyperdisk-balanced' {
  return HYPERDISK_ONLY_SERIES.some((s) => machineType.startsWith(s)) ? 'hyperdisk-balanced' : 'pd-balanced';
}

/** The GPUs a host carries. */
export interface HostAccelerators {
  /** The `guestAccelerators` type, e.g. `nvidia-tesla-t4`. */
  readonly acceleratorType?: string;
  /** GPUs per host (0 for a CPU host). */
  readonly count: number;
  /** True when the template attaches them (N1); false when the machine type fixes them (A2, A3, G2). */
  readonly attached: boolean;
}

/**
 * `guestAccelerators` of a host: the GPUs for an N1 machine type, which carries none of its own;
 * nothing for machine types that fix their GPUs (A2, A3, G2): listing them there is refused.
 */
export function guestAcceleratorsFor(gpus: HostAccelerators): { type: string; count: number }[] {
  if (!gpus.attached || gpus.count === 0) return [];
  if (!gpus.acceleratorType) throw new Error('guestAcceleratorsFor: attached GPUs need an acceleratorType');
  return [{ type: gpus.acceleratorType, count: gpus.count }];
}

/** What {@link hostLabels} needs to know about a host. */
export interface HostLabelInput {
  readonly role: HostRole;
  /** Fleet name (role `fleet` only). */
  readonly fleet?: string;
  readonly ttlHours: number;
  readonly idleMinutes: number;
}

/**
 * The labels gpu-burst puts on a host besides the team's (which the team provider's
 * `defaultLabels` add): its role, its fleet, and its TTL and idle window in whole minutes, which
 * the backstop reads.
 */
export function hostLabels(input: HostLabelInput): Record<string, string> {
  return {
    [HOST_LABEL_KEYS.role]: input.role,
    ...(input.fleet !== undefined ? { [HOST_LABEL_KEYS.fleet]: input.fleet } : {}),
    [HOST_LABEL_KEYS.ttlMinutes]: String(Math.round(input.ttlHours * 60)),
    [HOST_LABEL_KEYS.idleMinutes]: String(Math.round(input.idleMinutes)),
  };
}

/** The network tag of a team's hosts: the burst network's IAP SSH rule targets it (`teamHostTag`). */
export function hostNetworkTag(team: string): string {
  return teamHostTag(team);
}

/**
 * What the deployment tells a host's agent about itself beyond the host's own settings (run
 * manifest facts and the preemption signal).
 */
export interface GcpHostAgentOptions {
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
   * Signal sent to the trainer on a preemption notice.
   * @default 'SIGTERM'
   */
  readonly preemptionSignal?: string;
}

/** Host settings of {@link gcpAgentScript}: everything but the cloud and the artifact prefix. */
export type GcpAgentSettings = Omit<HostAgentSettings, 'cloud' | 'artifactPrefix' | 'specHash' | 'gitCommit' | 'containerImage' | 'preemptionSignal' | 'rebalanceSignal' | 'lifecycleHook'>;

/** `gs://<bucket>/teams/<team>/`: the agent's artifact prefix (same layout as on AWS, X1). */
export function artifactPrefixUrl(bucket: pulumi.Input<string>, team: string): pulumi.Output<string> {
  return pulumi.interpolate`gs://${bucket}/${teamPrefix(team)}`;
}

/** The agent settings of a GCP host, from its own settings, the bucket name and the deployment's options. */
export function gcpAgentSettings(settings: GcpAgentSettings, bucket: string, options: GcpHostAgentOptions): HostAgentSettings {
  return {
    ...settings,
    cloud: 'gcp',
    artifactPrefix: `gs://${bucket}/${teamPrefix(settings.team)}`,
    specHash: options.specHash,
    ...(options.gitCommit !== undefined ? { gitCommit: options.gitCommit } : {}),
    ...(options.containerImage !== undefined ? { containerImage: options.containerImage } : {}),
    ...(options.preemptionSignal !== undefined ? { preemptionSignal: options.preemptionSignal } : {}),
  };
}

/**
 * The startup script that installs and starts the agent with `settings` (the agent embedded:
 * Compute Engine takes 256 KB in a metadata value). The bucket name may be a Pulumi output.
 */
export function gcpAgentScript(settings: GcpAgentSettings, bucket: pulumi.Input<string>, options: GcpHostAgentOptions): pulumi.Output<string> {
  return pulumi.output(bucket).apply((name) => renderStartupScript(gcpAgentSettings(settings, name, options), { kind: 'embed' }));
}
