/**
 * The dev box on Compute Engine: one VM `<team>-devbox` with a persistent data disk at /data and
 * JupyterLab on 127.0.0.1:8888, reached only through Identity-Aware Proxy. At rest the VM is
 * stopped (only its disks bill); `burst start <team> devbox` starts it; the agent stops it when
 * idle or at its TTL, and Compute Engine stops it at its native deadline if the agent cannot.
 *
 * Reaching it from a laptop (needs `roles/iap.tunnelResourceAccessor` and `roles/compute.osLogin`,
 * or `osAdminLogin` for sudo, on the project):
 *
 * ```bash
 * gcloud compute ssh <team>-devbox --tunnel-through-iap --zone <zone>
 * gcloud compute start-iap-tunnel <team>-devbox 8888 --local-host-port=localhost:8888 --zone <zone>
 * # then open http://localhost:8888 with the token from:
 * gcloud compute ssh <team>-devbox --tunnel-through-iap --zone <zone> --command 'sudo cat /var/lib/gpu-burst/jupyter-token'
 * ```
 */
import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';
import {
  bootDiskTypeFor,
  gcpAgentScript,
  guestAcceleratorsFor,
  hostLabels,
  hostMetadata,
  hostNetworkTag,
  hostScheduling,
  HOST_LABEL_KEYS,
  HOST_SCOPES,
  privateNetworkInterface,
  shieldedConfig,
  type GcpAgentSettings,
  type GcpHostAgentOptions,
  type HostAccelerators,
} from './host.js';
import { RETAINED_DELETION_POLICY, retainedDataOptions } from './retain.js';

/** Where JupyterLab listens on the dev box (localhost only: reach it through an IAP tunnel). */
export const DEVBOX_JUPYTER_URL = 'http://127.0.0.1:8888';
/** File holding the Jupyter token on the dev box (root only). */
export const DEVBOX_JUPYTER_TOKEN_FILE = '/var/lib/gpu-burst/jupyter-token';
/** Mount point of the data disk. */
export const DEVBOX_DATA_MOUNT = '/data';
/** Device name of the data disk: the guest sees it as `/dev/disk/by-id/google-<name>`. */
export const DEVBOX_DATA_DEVICE_NAME = 'gpu-burst-data';
/**
 * Properties of the VM Pulumi must never reset or replace it for: `burst start` and the agent own
 * its state, and a new pinned image must not replace a box (and its boot disk, where the users'
 * home directories live) behind a user's back: it applies to a box created anew.
 */
export const DEVBOX_IGNORED_CHANGES: readonly string[] = ['desiredStatus', 'bootDisk.initializeParams.image'];

/** The IAP tunnel to the dev box's JupyterLab. */
export function iapTunnelCommand(team: string, zone: string): string {
  return `gcloud compute start-iap-tunnel ${team}-devbox 8888 --local-host-port=localhost:8888 --zone ${zone}`;
}

/** SSH to the dev box through IAP (OS Login). */
export function iapSshCommand(team: string, zone: string): string {
  return `gcloud compute ssh ${team}-devbox --tunnel-through-iap --zone ${zone}`;
}

/** Arguments of a {@link DevBox}. */
export interface DevBoxArgs {
  /** The team: the VM is `<team>-devbox`, its data disk `<team>-devbox-data`. */
  readonly team: string;
  /** Zone of the VM and its data disk. */
  readonly zone: string;
  /** Machine type (GPU or CPU). */
  readonly machineType: string;
  /**
   * GPUs of a GPU box.
   * @default - none: a CPU box
   */
  readonly gpus?: HostAccelerators;
  /** Boot disk, GiB (deleted with the VM, kept while it is stopped). */
  readonly rootVolumeGiB: number;
  /** Data disk at /data, GiB: kept across stops, protected and retained on teardown. */
  readonly dataVolumeGiB: number;
  /**
   * Type of the data disk.
   * @default - `pd-balanced` (`hyperdisk-balanced` on series without Persistent Disk)
   */
  readonly dataDiskType?: string;
  /** Boot image: a pinned self-link or `projects/<p>/global/images/family/<f>` (see `hostImage`). */
  readonly image: string;
  /** Minutes every idle signal (GPU, SSH sessions, Jupyter kernels, heartbeat) must stay quiet before the box stops. */
  readonly idleMinutes: number;
  /** Hours after a start at which the box stops whatever the signals say. */
  readonly ttlHours: number;
  /** The burst subnet (self-link or id). */
  readonly subnetwork: pulumi.Input<string>;
  /** The team's service account (`TeamIdentity.email`). */
  readonly serviceAccountEmail: pulumi.Input<string>;
  /** Name of the team's artifact bucket. */
  readonly artifactBucket: pulumi.Input<string>;
  /** Run-manifest facts and signals for the on-host agent. */
  readonly agent: GcpHostAgentOptions;
  /**
   * Local user that owns /data and runs JupyterLab (created when missing). SSH users (OS Login)
   * reach it with `sudo -u`.
   * @default 'devbox'
   */
  readonly user?: string;
  /**
   * OAuth scopes of the VM.
   * @default HOST_SCOPES (storage read/write, compute, logging, monitoring)
   */
  readonly scopes?: readonly string[];
  /**
   * Shielded VM Secure Boot (only for images whose GPU drivers are signed).
   * @default false
   */
  readonly secureBoot?: boolean;
  /**
   * Labels for the VM's boot disk and the data disk besides gpu-burst's own (disks created with a
   * VM do not get the provider's default labels: pass the team's here).
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * A dev box. Pulumi creates the VM and stops it at once (`desiredStatus: TERMINATED`), and never
 * changes its state afterwards (ignored), so a deploy neither starts nor stops a box in use. Its
 * scheduling is STANDARD with a native deadline that STOPS it (never deletes it); the agent runs
 * in launch kind `devbox` and watches Jupyter kernels as well as GPUs and SSH sessions.
 *
 * The data disk is protected and retained on delete, and abandoned by the provider if deleted
 * anyway (G8): tearing the burst down never deletes a user's work. A new box with the same team
 * re-attaches it after `pulumi import` of `<team>-devbox-data`. The boot disk (home directories,
 * installed packages) lives as long as the VM: a new image pin applies only to a box created anew
 * (`pulumi up --replace` on the VM), never to an existing one.
 */
export class DevBox extends pulumi.ComponentResource {
  /** The VM `<team>-devbox`. */
  readonly instance: gcp.compute.Instance;
  /** The data disk `<team>-devbox-data`. */
  readonly dataDisk: gcp.compute.Disk;
  /** The VM's name. */
  readonly instanceName: string;
  /** SSH through IAP. */
  readonly sshCommand: string;
  /** The IAP tunnel to JupyterLab. */
  readonly tunnelCommand: string;

  constructor(name: string, args: DevBoxArgs, opts?: pulumi.ComponentResourceOptions) {
    validate(name, args);
    super('gpu-burst:gcp:DevBox', name, {}, opts);
    const gpus: HostAccelerators = args.gpus ?? { count: 0, attached: false };
    const gpu = gpus.count > 0;
    this.instanceName = `${args.team}-devbox`;
    this.sshCommand = iapSshCommand(args.team, args.zone);
    this.tunnelCommand = iapTunnelCommand(args.team, args.zone);
    const labels = { ...args.labels, ...hostLabels({ role: 'devbox', ttlHours: args.ttlHours, idleMinutes: args.idleMinutes }) };
    // Disks get only labels that never change: a new label on the boot disk's initializeParams
    // would replace the VM.
    const diskLabels = { ...args.labels, [HOST_LABEL_KEYS.role]: 'devbox' };

    this.dataDisk = new gcp.compute.Disk(
      `${this.instanceName}-data`,
      {
        name: `${this.instanceName}-data`,
        zone: args.zone,
        size: args.dataVolumeGiB,
        type: args.dataDiskType ?? bootDiskTypeFor(args.machineType),
        description: `gpu-burst ${args.team} dev box: /data, kept across stops and teardowns`,
        labels: diskLabels,
        deletionPolicy: RETAINED_DELETION_POLICY,
      },
      retainedDataOptions({ parent: this }),
    );

    const settings: GcpAgentSettings = {
      launchKind: 'devbox',
      team: args.team,
      idleMinutes: args.idleMinutes,
      ttlHours: args.ttlHours,
      gpu,
    };
    const script = pulumi
      .all([
        gcpAgentScript({ ...settings, jupyter: { url: DEVBOX_JUPYTER_URL, tokenFile: DEVBOX_JUPYTER_TOKEN_FILE } }, args.artifactBucket, args.agent),
        gcpAgentScript(settings, args.artifactBucket, args.agent),
      ])
      .apply(([withJupyter, withoutJupyter]) =>
        devBoxScript({ user: args.user ?? 'devbox', agentWithJupyter: withJupyter, agentWithoutJupyter: withoutJupyter }),
      );

    this.instance = new gcp.compute.Instance(
      this.instanceName,
      {
        name: this.instanceName,
        zone: args.zone,
        machineType: args.machineType,
        description: `gpu-burst ${args.team} dev box: stopped at rest, started by burst start, stopped when idle`,
        bootDisk: {
          autoDelete: true,
          initializeParams: { image: args.image, size: args.rootVolumeGiB, type: bootDiskTypeFor(args.machineType), labels: diskLabels },
        },
        // Attached disks are never auto-deleted with the VM.
        attachedDisks: [{ source: this.dataDisk.name, deviceName: DEVBOX_DATA_DEVICE_NAME, mode: 'READ_WRITE' }],
        guestAccelerators: guestAcceleratorsFor(gpus),
        scheduling: hostScheduling('on-demand', args.ttlHours, { terminationAction: 'STOP', gpu }),
        shieldedInstanceConfig: shieldedConfig(args.secureBoot ?? false),
        metadata: hostMetadata(script),
        networkInterfaces: [privateNetworkInterface(args.subnetwork, args.machineType)],
        serviceAccount: { email: args.serviceAccountEmail, scopes: [...(args.scopes ?? HOST_SCOPES)] },
        labels,
        tags: [hostNetworkTag(args.team)],
        desiredStatus: 'TERMINATED',
        // A machine type change needs a stopped VM; the box is usually stopped anyway.
        allowStoppingForUpdate: true,
        deletionProtection: false,
      },
      // The name is fixed (the CLI and the IAP commands use it), and the data disk can be attached
      // to one VM only: a replacement deletes the old VM first.
      { parent: this, ignoreChanges: [...DEVBOX_IGNORED_CHANGES], deleteBeforeReplace: true },
    );

    this.registerOutputs({ instance: this.instance.name, dataDisk: this.dataDisk.name });
  }
}

function validate(name: string, args: DevBoxArgs): void {
  const problems: string[] = [];
  const whole = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max;
  if (!/^[a-z][a-z0-9-]{0,28}[a-z0-9]$/.test(args.team)) problems.push(`team '${args.team}' is not a team name`);
  if (!/^[a-z]+-[a-z]+\d+-[a-z]$/.test(args.zone)) problems.push(`zone '${args.zone}' is not a zone like us-central1-a`);
  if (!whole(args.rootVolumeGiB, 10, 65_536)) problems.push(`rootVolumeGiB must be a whole number from 10 to 65536, got ${args.rootVolumeGiB}`);
  if (!whole(args.dataVolumeGiB, 10, 65_536)) problems.push(`dataVolumeGiB must be a whole number from 10 to 65536, got ${args.dataVolumeGiB}`);
  if (args.gpus && args.gpus.count > 0 && args.gpus.attached !== args.machineType.startsWith('n1-')) {
    problems.push(`gpus.attached is ${args.gpus.attached} but ${args.machineType} ${args.machineType.startsWith('n1-') ? 'carries GPUs only when attached' : 'fixes its own GPUs'}`);
  }
  if (args.user !== undefined && !/^[a-z_][a-z0-9_-]{0,31}$/.test(args.user)) problems.push(`user '${args.user}' is not a Linux user name`);
  if (!(args.ttlHours * 60 > args.idleMinutes)) problems.push(`ttlHours (${args.ttlHours}) must be longer than the idle window (${args.idleMinutes} min)`);
  if (problems.length > 0) throw new Error(`DevBox ${name}: ${problems.join('; ')}`);
}

/** Inputs of {@link devBoxScript}. */
export interface DevBoxScriptInput {
  /** Owner of /data and of the Jupyter server. */
  readonly user: string;
  /** Agent install script (renderStartupScript) whose configuration watches Jupyter. */
  readonly agentWithJupyter: string;
  /** Agent install script without Jupyter, for an image without JupyterLab. */
  readonly agentWithoutJupyter: string;
}

/**
 * The dev box's startup script. Compute Engine runs it at every boot, so a change made while the
 * box was stopped applies at its next start. It formats the data disk only when it is blank
 * (`blkid -p` finds no signature; a disk with a file system is never reformatted), mounts it at
 * /data by UUID, starts JupyterLab on 127.0.0.1:8888 when the image has it (no egress: nothing is
 * downloaded), and installs the agent, watching Jupyter only when JupyterLab runs (an unreachable
 * Jupyter would count as busy and keep the box up until its TTL).
 */
export function devBoxScript(input: DevBoxScriptInput): string {
  const device = `/dev/disk/by-id/google-${DEVBOX_DATA_DEVICE_NAME}`;
  return [
    '#!/bin/bash',
    '# gpu-burst dev box. Generated by gpu-burst (constructs/gcp/dev-box.ts); do not edit.',
    'set -uo pipefail',
    'state=/var/lib/gpu-burst',
    'install -d -m 0700 "$state"',
    `user='${input.user}'`,
    'if ! id -u "$user" >/dev/null 2>&1; then useradd --system --create-home --shell /bin/bash "$user"; fi',
    '',
    `# The data disk: formatted only when blank, mounted at ${DEVBOX_DATA_MOUNT} by UUID, never reformatted.`,
    `device='${device}'`,
    'for _ in $(seq 1 60); do [ -e "$device" ] && break; sleep 2; done',
    'if [ -e "$device" ]; then',
    '  fresh=0',
    '  blkid -p "$device" >/dev/null 2>&1',
    '  if [ "$?" = 2 ]; then',
    '    # Lazy initialisation keeps mkfs to seconds: the first boot is stopped right after creation.',
    '    mkfs.ext4 -q -m 0 -L gpu-burst-data -E lazy_itable_init=1,lazy_journal_init=1,discard "$device" && fresh=1',
    '  fi',
    '  uuid=$(blkid -s UUID -o value "$device")',
    '  if [ -n "$uuid" ]; then',
    `    sed -i '\\| ${DEVBOX_DATA_MOUNT} |d' /etc/fstab`,
    `    echo "UUID=$uuid ${DEVBOX_DATA_MOUNT} ext4 defaults,nofail,discard 0 2" >> /etc/fstab`,
    `    install -d ${DEVBOX_DATA_MOUNT}`,
    `    mountpoint -q ${DEVBOX_DATA_MOUNT} || mount ${DEVBOX_DATA_MOUNT} || echo "gpu-burst: cannot mount the data disk at ${DEVBOX_DATA_MOUNT}; check it with fsck" >&2`,
    `    if [ "$fresh" = 1 ]; then chown "$user:$user" ${DEVBOX_DATA_MOUNT}; chmod 2775 ${DEVBOX_DATA_MOUNT}; fi`,
    '  else',
    '    echo "gpu-burst: the data disk has no file system UUID; leaving it alone" >&2',
    '  fi',
    'else',
    `  echo "gpu-burst: the data disk ($device) is not attached; ${DEVBOX_DATA_MOUNT} is not mounted" >&2`,
    'fi',
    '',
    '# JupyterLab on localhost, when the image has it (hosts have no internet egress to install it).',
    "jupyter_lab=''",
    'for candidate in /opt/conda/bin/jupyter-lab /usr/local/bin/jupyter-lab /usr/bin/jupyter-lab; do',
    '  if [ -x "$candidate" ]; then jupyter_lab=$candidate; break; fi',
    'done',
    '[ -n "$jupyter_lab" ] || jupyter_lab=$(command -v jupyter-lab || true)',
    'with_jupyter=0',
    'if [ -n "$jupyter_lab" ]; then',
    '  with_jupyter=1',
    `  [ -s ${DEVBOX_JUPYTER_TOKEN_FILE} ] || (umask 077; openssl rand -hex 24 > ${DEVBOX_JUPYTER_TOKEN_FILE})`,
    `  (umask 077; printf 'JUPYTER_TOKEN=%s\\n' "$(cat ${DEVBOX_JUPYTER_TOKEN_FILE})" > "$state/jupyter.env")`,
    '  cat > /etc/systemd/system/gpu-burst-jupyter.service <<GPU_BURST_JUPYTER',
    '[Unit]',
    `Description=JupyterLab on ${DEVBOX_JUPYTER_URL} (reach it through an IAP tunnel)`,
    'After=network-online.target local-fs.target',
    '',
    '[Service]',
    'User=${user}',
    'EnvironmentFile=/var/lib/gpu-burst/jupyter.env',
    `WorkingDirectory=${DEVBOX_DATA_MOUNT}`,
    `ExecStart=\${jupyter_lab} --ip=127.0.0.1 --port=8888 --no-browser --ServerApp.root_dir=${DEVBOX_DATA_MOUNT}`,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    'GPU_BURST_JUPYTER',
    '  systemctl daemon-reload',
    '  systemctl enable gpu-burst-jupyter.service',
    '  systemctl restart gpu-burst-jupyter.service',
    'else',
    '  echo "gpu-burst: no JupyterLab on this image; the agent does not watch Jupyter" >&2',
    'fi',
    '',
    '# The agent (launch kind devbox): stops the box when idle or at its TTL, keeping its disks.',
    'if [ "$with_jupyter" = 1 ]; then',
    "  bash <<'GPU_BURST_AGENT_WITH_JUPYTER'",
    input.agentWithJupyter.trimEnd(),
    'GPU_BURST_AGENT_WITH_JUPYTER',
    'else',
    "  bash <<'GPU_BURST_AGENT'",
    input.agentWithoutJupyter.trimEnd(),
    'GPU_BURST_AGENT',
    'fi',
    'status=$?',
    '# systemd may have started the agent with the previous configuration before this script ran.',
    'if [ "$status" = 0 ]; then systemctl restart gpu-burst-agent.service; fi',
    'exit "$status"',
    '',
  ].join('\n');
}
