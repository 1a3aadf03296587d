/**
 * The on-host agent's configuration: the one small file (`/etc/gpu-burst/agent.json`) the renderer
 * writes and `gpu_burst_agent.py` reads. This type is the contract between the two; the Python
 * agent validates the same fields and refuses a file it does not understand.
 */

/** How the host was launched, which decides how it removes itself. */
export type LaunchKind =
  /** AWS Auto Scaling group member: terminate with a desired-capacity decrement. */
  | 'asg'
  /** GCP managed instance group member: delete it from its group. */
  | 'mig'
  /** Dev box (either cloud): stop it, keeping its disks. */
  | 'devbox'
  /** Plain instance (either cloud): AWS powers off (terminate-on-shutdown), GCP deletes itself. */
  | 'instance'
  /** Cloud TPU VM: delete its queued resource (or the TPU node when there is none). */
  | 'tpu';

/** Launch kinds each cloud supports. */
export const LAUNCH_KINDS: Readonly<Record<'aws' | 'gcp', readonly LaunchKind[]>> = {
  aws: ['asg', 'devbox', 'instance'],
  gcp: ['mig', 'devbox', 'instance', 'tpu'],
};

/** Seconds a spot/preemption notice leaves before the cloud reclaims the host. */
export const NOTICE_BUDGET_SECONDS: Readonly<Record<'aws' | 'gcp', number>> = { aws: 120, gcp: 30 };

/**
 * What Auto Scaling accepts for a lifecycle hook's heartbeat timeout, in seconds
 * (`AWS::AutoScaling::LifecycleHook` `HeartbeatTimeout`).
 */
export const LIFECYCLE_HEARTBEAT_RANGE_SECONDS: readonly [min: number, max: number] = [30, 7200];

/** The agent configuration file, version 1. Field names are what the JSON file holds. */
export interface AgentConfig {
  readonly version: 1;
  readonly cloud: 'aws' | 'gcp';
  readonly launchKind: LaunchKind;
  readonly team: string;
  /** `s3://<bucket>/teams/<team>/` or `gs://<bucket>/teams/<team>/` (ends with `/`). */
  readonly artifactPrefix: string;
  /** Run id; null means `<instance id or name>-<boot time, epoch seconds>`. */
  readonly run: string | null;
  /** Seconds every signal must stay quiet before the host is idle. */
  readonly idleWindowSeconds: number;
  /** Seconds between samples of the idle signals (at most 10). */
  readonly sampleSeconds: number;
  /** Seconds after boot at which the host goes away whatever the signals say. */
  readonly ttlSeconds: number;
  /** Seconds between "still busy because ..." log lines (60 on hosts). */
  readonly busyLogSeconds: number;
  /** True when the host has NVIDIA GPUs: a missing or failing nvidia-smi then counts as busy. */
  readonly gpu: boolean;
  /** A GPU whose utilisation or memory-controller activity exceeds this percentage is busy. */
  readonly gpuBusyPercent: number;
  /** TPU VM settings, or null on GPU/CPU hosts. */
  readonly tpu: {
    /** TPU node name (for `gcloud compute tpus tpu-vm delete`). */
    readonly name: string;
    /** Queued resource that created it, or null. */
    readonly queuedResource: string | null;
    /** A TPU whose duty cycle exceeds this percentage is busy. */
    readonly busyPercent: number;
  } | null;
  /** A file the trainer may touch; a modification within the idle window keeps the host busy. */
  readonly heartbeatFile: string;
  readonly trainer: {
    /** Training command (argv). When set the agent starts it, and its exit ends the host (job-exit mode). */
    readonly command: readonly string[] | null;
    readonly workingDirectory: string | null;
    /** User to run the command as (null: the agent's user). */
    readonly user: string | null;
    /** PID file of a trainer the agent did not start; it receives the preemption signal. */
    readonly pidFile: string;
    /** Signal sent to the trainer on a spot/preemption notice. */
    readonly signal: string;
    /** File the trainer touches once its checkpoint has reached the artifact store. */
    readonly syncDoneFile: string;
  };
  readonly preemption: {
    /** Seconds between polls of the AWS spot and rebalance endpoints (at most 5). */
    readonly pollSeconds: number;
    /** Seconds from notice to reclaim (120 on AWS, 30 on GCP). */
    readonly budgetSeconds: number;
    /** Signal sent to the trainer on an AWS rebalance recommendation, or null to only record it. */
    readonly rebalanceSignal: string | null;
  };
  /**
   * The Auto Scaling group's termination lifecycle hook (AWS `asg` hosts only), or null. When set the
   * agent polls the target lifecycle state; on `Terminated` it handles the termination like a spot
   * notice whose budget is the heartbeat, then runs `complete-lifecycle-action` (CONTINUE). An
   * absent field reads as null (files written before it existed stay valid version 1).
   */
  readonly lifecycleHook: {
    /** Name of the group's `autoscaling:EC2_INSTANCE_TERMINATING` hook. */
    readonly name: string;
    /** The hook's heartbeat timeout: how long the group waits for the agent (30 to 7200). */
    readonly heartbeatSeconds: number;
  } | null;
  /** Jupyter server to ask for busy kernels (dev box), or null. */
  readonly jupyter: { readonly url: string; readonly tokenFile: string | null } | null;
  /** Facts for the run manifest that only the deployment knows. */
  readonly manifest: {
    /** `sha256:<hex>` of the deployed team file. */
    readonly specHash: string;
    /** Git commit of the deployed team file, or null outside a repository. */
    readonly gitCommit: string | null;
    /** Training container image, pinned by digest where known, or null. */
    readonly containerImage: string | null;
  };
  /** Where the cloud's metadata server answers (tests point these at 127.0.0.1). */
  readonly endpoints: {
    readonly awsMetadata: string;
    readonly gcpMetadata: string;
  };
  /** Root of the proc filesystem (tests use a fake one). */
  readonly procRoot: string;
  /** Directory for the agent's state and event records. */
  readonly stateDir: string;
}

/** The metadata endpoints on real hosts. */
export const REAL_ENDPOINTS: AgentConfig['endpoints'] = {
  awsMetadata: 'http://169.254.169.254',
  gcpMetadata: 'http://metadata.google.internal',
};
