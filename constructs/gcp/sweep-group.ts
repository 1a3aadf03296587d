import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import { HOST_LABEL_KEYS, bootDiskTypeFor, guestAcceleratorsFor, privateNetworkInterface, shieldedConfig } from './host.js';

/**
 * Batch's Container-Optimized OS image family (project `batch-custom-image`). Batch documents its
 * own images (`batch-debian`, `batch-cos`, `batch-hpc-rocky`) for jobs; on COS, `installGpuDrivers`
 * installs Google's precompiled, signed NVIDIA drivers from Cloud Storage, which the private subnet
 * reaches through Private Google Access. The installer Batch uses on other images also pulls
 * distribution packages, which a host without internet access cannot reach; Deep Learning VM
 * images are not among the images Batch documents.
 */
export const BATCH_COS_IMAGE = 'projects/batch-custom-image/global/images/family/batch-cos-stable-official';

/** Name of the training image inside the team's Artifact Registry repository (`.../<repo>/training:<tag>`). */
export const TRAINING_IMAGE_NAME = 'training';

/** Label naming a host's sweep group. */
export const SWEEP_LABEL = 'gpu-burst-sweep';

/** Batch's reserved exit code for a task whose VM was preempted (spot reclaim). */
export const PREEMPTION_EXIT_CODE = 50001;

/** GCE names: lowercase letter first, then lowercase letters, digits and '-'. */
const GCE_NAME_PREFIX = /^[a-z][-a-z0-9]*-$/;
/**
 * Longest `namePrefix` the provider accepts. Past 37 characters it appends a shorter suffix
 * (date and counter), which is enough for one template per group.
 */
const MAX_NAME_PREFIX = 54;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DEFAULT_COMPUTE_SA = /-compute@developer\.gserviceaccount\.com$/;

/**
 * What a Batch job of this group runs with: everything `burst sweep submit` puts into the job
 * besides the trial count, the run and its bucket paths. A plain object, known when the program
 * runs; the CLI derives the same values from the team file (a test keeps the two equal).
 */
export interface SweepJobDefaults {
  /** Sweep group name. */
  readonly group: string;
  /** Name prefix of the group's instance templates (`<team>-<group>-`). */
  readonly templateNamePrefix: string;
  readonly machineType: string;
  /** The `guestAccelerators` type, e.g. `nvidia-l4`. */
  readonly acceleratorType: string;
  /** GPUs per trial (per VM: one trial runs on a VM at a time). */
  readonly acceleratorCount: number;
  /** Trials that run at once (task group parallelism, at most the trial count). */
  readonly parallelism: number;
  /** Seconds a trial may run (task maxRunDuration). */
  readonly trialSeconds: number;
  /** Attempts per trial (maxRetryCount is one less). */
  readonly attempts: number;
  /** Exit codes retried (VM preemption); any other failure fails the trial. */
  readonly retryExitCodes: readonly number[];
  /** `<region>-docker.pkg.dev/<project>/<repository>/training:<tag>`. */
  readonly imageUri: string;
  /** Command (argv) passed to the image's entry point. @default - the image's CMD */
  readonly command?: readonly string[];
  /** Batch installs the NVIDIA driver on the VM (Container-Optimized OS). */
  readonly installGpuDrivers: boolean;
}

/** Arguments of a {@link SweepGroup}. */
export interface SweepGroupArgs {
  /** Team name (labels, names). */
  readonly team: string;
  /** Sweep group name, unique in the team. */
  readonly groupName: string;
  /** Project of the team's Artifact Registry repository. */
  readonly project: string;
  /** Region of the team (subnet, repository, Batch jobs), e.g. `us-central1`. */
  readonly region: string;
  /** Compute Engine machine type of a trial's VM, e.g. `g2-standard-8`. */
  readonly machineType: string;
  /** Accelerator type, e.g. `nvidia-l4` or `nvidia-tesla-t4`. */
  readonly acceleratorType: string;
  /** GPUs per VM. */
  readonly acceleratorCount: number;
  /**
   * True when the machine type takes attached GPUs (N1 with T4/V100): the template lists them as
   * guest accelerators. A2, A3 and G2 types carry their GPUs and list none.
   */
  readonly attachedAccelerators: boolean;
  /** Trials that run at once. */
  readonly parallelism: number;
  /** Hours a trial may run (Batch task maxRunDuration; at least one minute). */
  readonly trialHours: number;
  /** Attempts per trial, 1 to 10: retried only when spot preempts the VM. */
  readonly attempts: number;
  /** Tag of the training image in the team's repository. */
  readonly imageTag: string;
  /** Command (argv) for the image's entry point. @default - the image's CMD */
  readonly command?: readonly string[];
  /** Subnetwork (self link or id) the VMs attach to: private, with Private Google Access. */
  readonly subnetwork: pulumi.Input<string>;
  /** The team's service account email (never the default compute service account). */
  readonly serviceAccountEmail: pulumi.Input<string>;
  /**
   * Artifact Registry repository id of the training images.
   * @default `<team>-training-images`
   */
  readonly repositoryId?: string;
  /**
   * Boot image of the VMs. Must be a Batch-supported image that runs containers.
   * @default BATCH_COS_IMAGE (Batch's Container-Optimized OS family)
   */
  readonly bootImage?: pulumi.Input<string>;
  /**
   * Boot disk size, GiB: holds the training image's layers and scratch space.
   * @default 100
   */
  readonly bootDiskGiB?: number;
  /**
   * Boot disk type.
   * @default - `pd-balanced`, or `hyperdisk-balanced` for machine series that take Hyperdisk only
   */
  readonly bootDiskType?: string;
  /**
   * Spot VMs (provisioning model SPOT). False makes them standard (on-demand) VMs.
   * @default true
   */
  readonly spot?: boolean;
  /**
   * What Compute Engine does to a preempted spot VM. Batch runs a job's VMs in a managed
   * instance group, which is reported to refuse spot VMs whose action is DELETE; Batch deletes
   * its VMs when the job ends either way.
   * @default 'STOP'
   */
  readonly terminationAction?: 'STOP' | 'DELETE';
  /**
   * Secure Boot (Shielded VM). vTPM and integrity monitoring are always on; Secure Boot needs
   * signed kernel modules, which only a real project can confirm for Batch's driver install.
   * @default false
   */
  readonly secureBoot?: boolean;
  /**
   * Network tags of the VMs (firewall targets). No firewall rule is needed: trials take no ingress.
   * @default - none
   */
  readonly networkTags?: readonly string[];
}

/** The trial seconds for a number of hours, as Batch's maxRunDuration takes them. */
export function trialSecondsOf(trialHours: number): number {
  return Math.round(trialHours * 3600);
}

/**
 * A sweep group on Google Cloud Batch: the global instance template `<team>-<group>-*` that
 * every Batch job of the group runs its VMs from (spot, no external IP, Shielded VM, OS Login,
 * the team's service account, Batch's Container-Optimized OS image), plus the job defaults the
 * CLI submits with. Nothing here bills: a template is free, Batch creates VMs only while a job
 * runs and deletes them when it ends, and one template serves any number of trials.
 *
 * There is no VM-level maxRunDuration: Batch runs successive trials on the same VM, so a VM
 * deadline would cut a later trial short. The deadline is per trial (task maxRunDuration).
 */
export class SweepGroup extends pulumi.ComponentResource {
  /** The instance template. */
  readonly instanceTemplate: gcp.compute.InstanceTemplate;
  /** Generated template name (`<team>-<group>-<suffix>`). */
  readonly templateName: pulumi.Output<string>;
  /**
   * Template URL without a version suffix (`https://.../global/instanceTemplates/<name>`): what
   * Batch's `instanceTemplate` takes (a full or partial URL or a name; not `selfLinkUnique`).
   */
  readonly templateUrl: pulumi.Output<string>;
  /** What `burst sweep submit` puts into each job of the group. */
  readonly jobDefaults: SweepJobDefaults;

  constructor(name: string, args: SweepGroupArgs, opts?: pulumi.ComponentResourceOptions) {
    // Before registering: a rejected group leaves nothing half-registered in the engine.
    validate(name, args);
    super('gpu-burst:gcp:SweepGroup', name, {}, opts);
    const prefix = `${args.team}-${args.groupName}-`;
    const spot = args.spot ?? true;
    const repository = args.repositoryId ?? `${args.team}-training-images`;

    this.jobDefaults = {
      group: args.groupName,
      templateNamePrefix: prefix,
      machineType: args.machineType,
      acceleratorType: args.acceleratorType,
      acceleratorCount: args.acceleratorCount,
      parallelism: args.parallelism,
      trialSeconds: trialSecondsOf(args.trialHours),
      attempts: args.attempts,
      retryExitCodes: [PREEMPTION_EXIT_CODE],
      imageUri: `${args.region}-docker.pkg.dev/${args.project}/${repository}/${TRAINING_IMAGE_NAME}:${args.imageTag}`,
      ...(args.command ? { command: [...args.command] } : {}),
      installGpuDrivers: true,
    };

    this.instanceTemplate = new gcp.compute.InstanceTemplate(
      name,
      {
        namePrefix: prefix,
        description: `gpu-burst sweep ${args.team}/${args.groupName}: Batch VMs (${args.acceleratorCount} x ${args.acceleratorType})`,
        machineType: args.machineType,
        ...(args.attachedAccelerators
          ? { guestAccelerators: guestAcceleratorsFor({ acceleratorType: args.acceleratorType, count: args.acceleratorCount, attached: true }) }
          : {}),
        disks: [
          {
            boot: true,
            autoDelete: true,
            sourceImage: args.bootImage ?? BATCH_COS_IMAGE,
            diskSizeGb: args.bootDiskGiB ?? 100,
            diskType: args.bootDiskType ?? bootDiskTypeFor(args.machineType),
          },
        ],
        // No accessConfigs: no external IP. Private Google Access reaches Batch, Artifact Registry,
        // Cloud Storage and Logging.
        networkInterfaces: [privateNetworkInterface(args.subnetwork, args.machineType)],
        scheduling: spot
          ? {
              provisioningModel: 'SPOT',
              preemptible: true,
              automaticRestart: false,
              onHostMaintenance: 'TERMINATE',
              instanceTerminationAction: args.terminationAction ?? 'STOP',
            }
          : { provisioningModel: 'STANDARD', automaticRestart: false, onHostMaintenance: 'TERMINATE' },
        shieldedInstanceConfig: shieldedConfig(args.secureBoot ?? false),
        // Batch requires the job's service account to match the template's.
        serviceAccount: { email: args.serviceAccountEmail, scopes: ['cloud-platform'] },
        // OS Login and no project-wide keys (G3); no startup script: Batch runs the trials.
        metadata: { 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE' },
        // No TTL or idle label: Batch owns these VMs' lifetime (deleted when the job ends, each
        // trial bounded by maxRunDuration), and one VM runs trial after trial.
        labels: { [HOST_LABEL_KEYS.role]: 'sweep', [SWEEP_LABEL]: args.groupName },
        ...(args.networkTags?.length ? { tags: [...args.networkTags] } : {}),
      },
      { parent: this },
    );
    this.templateName = this.instanceTemplate.name;
    this.templateUrl = this.instanceTemplate.selfLink;
    this.registerOutputs({ templateName: this.templateName, templateUrl: this.templateUrl, jobDefaults: this.jobDefaults });
  }
}

function validate(name: string, args: SweepGroupArgs): void {
  const problems: string[] = [];
  const prefix = `${args.team}-${args.groupName}-`;
  if (!GCE_NAME_PREFIX.test(prefix)) problems.push(`'${prefix}' (team-groupName-) is not a Compute Engine name prefix: lowercase letters, digits and '-', starting with a letter`);
  if (prefix.length > MAX_NAME_PREFIX) {
    problems.push(`'${prefix}' (team-groupName-) is ${prefix.length} characters; template name prefixes are at most ${MAX_NAME_PREFIX}: shorten the team or group name`);
  }
  const whole = (field: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) problems.push(`${field} must be an integer from ${min} to ${max}, got ${value}`);
  };
  whole('acceleratorCount', args.acceleratorCount, 1, 16);
  whole('parallelism', args.parallelism, 1, 1000);
  whole('attempts', args.attempts, 1, 10);
  if (args.bootDiskGiB !== undefined) whole('bootDiskGiB', args.bootDiskGiB, 30, 65536);
  if (!(trialSecondsOf(args.trialHours) >= 60)) problems.push(`trialHours must be at least 1 minute, got ${args.trialHours}`);
  if (!IMAGE_TAG.test(args.imageTag)) problems.push(`imageTag '${args.imageTag}' is not an image tag (letters, digits, '_', '.' or '-', at most 128)`);
  if (typeof args.serviceAccountEmail === 'string' && DEFAULT_COMPUTE_SA.test(args.serviceAccountEmail)) {
    problems.push(`serviceAccountEmail ${args.serviceAccountEmail} is the default compute service account; give the team's own (checklist G1)`);
  }
  if (problems.length > 0) throw new Error(`SweepGroup ${name}: ${problems.join('; ')}`);
}
