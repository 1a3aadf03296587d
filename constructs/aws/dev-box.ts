/**
 * The dev box: one instance with a persistent encrypted data volume at /data and JupyterLab on
 * 127.0.0.1:8888, reached only through Session Manager. The on-host agent stops it (keeping its
 * disks) when idle; a deploy leaves it stopped.
 *
 * Reaching Jupyter from a laptop:
 *
 * ```bash
 * aws ssm start-session --target <DevBoxInstanceId> --document-name AWS-StartPortForwardingSession \
 *   --parameters '{"portNumber":["8888"],"localPortNumber":["8888"]}'
 * # then open http://localhost:8888 with the token from:
 * aws ssm start-session --target <DevBoxInstanceId>   # and: sudo cat /var/lib/gpu-burst/jupyter-token
 * ```
 */
import { Aws, CfnOutput, Fn, RemovalPolicy, Size, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { HostAgentSettings } from '../../images/agent/render.js';
import { agentOptionSettings, agentScript, hardenedLaunchTemplate, HostRole, type HostAgentOptions } from './host.js';
import { acknowledge } from './nag.js';

/** Where JupyterLab listens on the dev box (localhost only: reach it by SSM port forwarding). */
export const DEVBOX_JUPYTER_URL = 'http://127.0.0.1:8888';
/** File holding the Jupyter token on the dev box (root only). */
export const DEVBOX_JUPYTER_TOKEN_FILE = '/var/lib/gpu-burst/jupyter-token';
/** Mount point of the data volume. */
export const DEVBOX_DATA_MOUNT = '/data';
/** Device name the data volume is attached as (NVMe hosts show it by volume id). */
export const DEVBOX_DATA_DEVICE = '/dev/sdf';

/** Properties of a {@link DevBox}. */
export interface DevBoxProps {
  /** The team (tags, descriptions, agent configuration). */
  readonly team: string;
  /** The burst VPC. */
  readonly vpc: ec2.IVpc;
  /**
   * Subnets to choose from; the box and its data volume use the first (one AZ).
   * @default - the VPC's private isolated subnets
   */
  readonly subnets?: ec2.SubnetSelection;
  /** EC2 instance type (GPU or CPU). */
  readonly instanceType: string;
  /** True when the instance carries NVIDIA GPUs (the agent then watches nvidia-smi). */
  readonly gpu: boolean;
  /** Size of the encrypted gp3 root volume, GiB (deleted with the instance). */
  readonly rootVolumeGiB: number;
  /** Size of the encrypted gp3 data volume at /data, GiB (retained on teardown). Ignored with `dataVolumeId`. */
  readonly dataVolumeGiB: number;
  /**
   * A retained data volume to attach instead of creating one (it must be in the first subnet's AZ).
   * @default - a new volume
   */
  readonly dataVolumeId?: string;
  /** Image the box boots (see `hostMachineImage`). */
  readonly machineImage: ec2.IMachineImage;
  /**
   * Root device of the image.
   * @default '/dev/sda1' (Ubuntu DLAMIs)
   */
  readonly rootDeviceName?: string;
  /**
   * Login user of the image, owner of /data and of the Jupyter server.
   * @default 'ubuntu' (Ubuntu DLAMIs)
   */
  readonly user?: string;
  /** Minutes every idle signal (GPU, sessions, Jupyter kernels, heartbeat) must stay quiet before the box stops. */
  readonly idleMinutes: number;
  /** Hours after a start at which the box stops whatever the signals say. */
  readonly ttlHours: number;
  /** The team's artifact bucket. */
  readonly artifactBucket: s3.IBucket;
  /** Key prefix the team owns in the bucket (`teams/<team>/`). */
  readonly artifactPrefix: string;
  /**
   * Repository the box pulls training images from.
   * @default - no ECR permissions
   */
  readonly imageRepository?: ecr.IRepository;
  /** Run-manifest facts and signals for the on-host agent. */
  readonly agent: HostAgentOptions;
}

/**
 * A dev box. CloudFormation creates an instance running, so its first boot only prepares the box
 * (formats and mounts a blank data volume, installs the agent and, later, JupyterLab) and powers
 * it off: a deploy costs minutes, not hours. `burst start <team> devbox` starts it; from then on
 * the agent runs (launch kind `devbox`) and stops the box when idle or at its TTL; a shutdown from
 * inside also stops it (InstanceInitiatedShutdownBehavior `stop`), keeping both volumes.
 *
 * The data volume is retained on delete and on replacement (A12) and has no name (A15): `cdk
 * destroy` never deletes a user's work; the volume id is a stack output, and `dataVolumeId`
 * attaches it to a new dev box. A role `scheduler.amazonaws.com` may assume stops this instance
 * and nothing else: `burst start` uses it for a one-time EventBridge Scheduler deadline (layer b).
 */
export class DevBox extends Construct {
  /** The instance. */
  readonly instance: ec2.CfnInstance;
  /** The id of the data volume (new or re-attached). */
  readonly dataVolumeId: string;
  /** The new data volume, when none was given. */
  readonly dataVolume?: ec2.Volume;
  /** The box's role. */
  readonly hostRole: HostRole;
  /** The role EventBridge Scheduler assumes to stop the box at its deadline. */
  readonly schedulerRole: iam.Role;
  /** The box's security group (no ingress). */
  readonly securityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: DevBoxProps) {
    super(scope, id);
    validate(this, props);
    const subnet = props.vpc.selectSubnets(props.subnets ?? { subnetType: ec2.SubnetType.PRIVATE_ISOLATED }).subnets[0];
    if (!subnet) throw new Error(`DevBox ${this.node.path}: the VPC has no subnet to launch in`);

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: `gpu-burst ${props.team} dev box: no ingress (Session Manager only)`,
      allowAllOutbound: true,
    });

    if (props.dataVolumeId) {
      this.dataVolumeId = props.dataVolumeId;
    } else {
      this.dataVolume = new ec2.Volume(this, 'Data', {
        availabilityZone: subnet.availabilityZone,
        size: Size.gibibytes(props.dataVolumeGiB),
        volumeType: ec2.EbsDeviceVolumeType.GP3,
        encrypted: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.dataVolumeId = this.dataVolume.volumeId;
      acknowledge(
        this.dataVolume.node.defaultChild as ec2.CfnVolume,
        'NIST.800.53.R5-EC2EBSInBackupPlan',
        'The data volume is retained on delete and replacement; artifacts of record live in the versioned artifact bucket.',
      );
    }

    this.hostRole = new HostRole(this, 'Host', {
      team: props.team,
      artifactBucket: props.artifactBucket,
      artifactPrefix: props.artifactPrefix,
      ...(props.imageRepository ? { imageRepository: props.imageRepository } : {}),
      purpose: 'dev box',
    });
    const instanceProfile = new iam.CfnInstanceProfile(this, 'InstanceProfile', { roles: [this.hostRole.role.roleName] });

    const launchTemplate = hardenedLaunchTemplate(this, 'LaunchTemplate', {
      machineImage: props.machineImage,
      rootVolumeGiB: props.rootVolumeGiB,
      ...(props.rootDeviceName ? { rootDeviceName: props.rootDeviceName } : {}),
    });

    const settings: HostAgentSettings = {
      cloud: 'aws',
      launchKind: 'devbox',
      team: props.team,
      artifactPrefix: `s3://${props.artifactBucket.bucketName}/${props.artifactPrefix}`,
      idleMinutes: props.idleMinutes,
      ttlHours: props.ttlHours,
      gpu: props.gpu,
      ...agentOptionSettings(props.agent),
    };
    const script = devBoxScript({
      volumeId: this.dataVolumeId,
      user: props.user ?? 'ubuntu',
      agentWithJupyter: agentScript(this, { ...settings, jupyter: { url: DEVBOX_JUPYTER_URL, tokenFile: DEVBOX_JUPYTER_TOKEN_FILE } }),
      agentWithoutJupyter: agentScript(this, settings),
    });

    this.instance = new ec2.CfnInstance(this, 'Instance', {
      launchTemplate: { launchTemplateId: launchTemplate.launchTemplateId, version: launchTemplate.latestVersionNumber },
      instanceType: props.instanceType,
      iamInstanceProfile: instanceProfile.ref,
      networkInterfaces: [
        {
          deviceIndex: '0',
          subnetId: subnet.subnetId,
          groupSet: [this.securityGroup.securityGroupId],
          associatePublicIpAddress: false,
          deleteOnTermination: true,
        },
      ],
      instanceInitiatedShutdownBehavior: 'stop',
      // On the instance, not the template: a user-data change then stops and starts the box
      // (CloudFormation "some interruptions") instead of replacing it, which the attached data
      // volume would block; the per-boot hook applies the new user data.
      userData: Fn.base64(script),
    });
    new ec2.CfnVolumeAttachment(this, 'DataAttachment', {
      instanceId: this.instance.ref,
      volumeId: this.dataVolumeId,
      device: DEVBOX_DATA_DEVICE,
    });
    this.hostRole.allowStopInstance(this.instance.ref);

    const instanceArn = `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:instance/${this.instance.ref}`;
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: `gpu-burst ${props.team} dev box: EventBridge Scheduler stops the box at its deadline`,
    });
    new iam.ManagedPolicy(this, 'SchedulerPolicy', {
      description: `gpu-burst ${props.team} dev box: stop this dev box only`,
      roles: [this.schedulerRole],
      statements: [new iam.PolicyStatement({ sid: 'StopDevBox', actions: ['ec2:StopInstances'], resources: [instanceArn] })],
    });

    Tags.of(this).add('gpu-burst:role', 'devbox');
    Tags.of(this).add('gpu-burst:ttl-hours', String(props.ttlHours));
    Tags.of(this).add('gpu-burst:idle-minutes', String(props.idleMinutes));

    output(this, 'InstanceId', 'DevBoxInstanceId', this.instance.ref, 'Dev box instance (burst start, aws ssm start-session --target)');
    output(this, 'SchedulerRoleArn', 'DevBoxSchedulerRoleArn', this.schedulerRole.roleArn, 'Role EventBridge Scheduler assumes to stop the dev box');
    output(this, 'DataVolumeId', 'DevBoxDataVolumeId', this.dataVolumeId, 'Retained data volume at /data (reattach with dataVolumeId)');

    acknowledge(
      this.instance,
      'AwsSolutions-EC28',
      'One interactive box: basic monitoring (5 min) feeds the idle backstop; detailed monitoring would bill per metric.',
    );
    acknowledge(
      this.instance,
      'AwsSolutions-EC29',
      'Termination protection would block cdk destroy of the burst; the user data lives on a retained volume.',
    );
    acknowledge(
      this.instance,
      'NIST.800.53.R5-EC2InstancesInVPC',
      'The instance is in a private subnet through its network interface (SubnetId there, with no public IP); the rule reads only the top-level SubnetId.',
    );
  }
}

function output(scope: Construct, id: string, logicalId: string, value: string, description: string): void {
  const out = new CfnOutput(scope, id, { value, description });
  out.overrideLogicalId(logicalId);
}

function validate(scope: Construct, props: DevBoxProps): void {
  const problems: string[] = [];
  if (props.dataVolumeId === undefined && (!Number.isInteger(props.dataVolumeGiB) || props.dataVolumeGiB < 1 || props.dataVolumeGiB > 16384)) {
    problems.push(`dataVolumeGiB must be a whole number from 1 to 16384, got ${props.dataVolumeGiB}`);
  }
  if (props.dataVolumeId !== undefined && !/^vol-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(props.dataVolumeId)) {
    problems.push(`dataVolumeId '${props.dataVolumeId}' is not an EBS volume id (vol- and 8 or 17 hex digits)`);
  }
  if (props.user !== undefined && !/^[a-z_][a-z0-9_-]{0,31}$/.test(props.user)) problems.push(`user '${props.user}' is not a Linux user name`);
  if (problems.length > 0) throw new Error(`DevBox ${scope.node.path}: ${problems.join('; ')}`);
}

/** Inputs of {@link devBoxScript}. */
export interface DevBoxScriptInput {
  /** Id of the data volume (a CDK token is fine). */
  readonly volumeId: string;
  /** Owner of /data and of the Jupyter server. */
  readonly user: string;
  /** Agent install script (renderStartupScript) whose configuration watches Jupyter. */
  readonly agentWithJupyter: string;
  /** Agent install script without Jupyter, for a box where JupyterLab is not installed (yet). */
  readonly agentWithoutJupyter: string;
}

/**
 * The dev box's user data. cloud-init runs it at the first boot; it installs a per-boot hook that
 * runs the instance's current user data at every later boot, so a stack update made while the box
 * was stopped takes effect at its next start. The first boot formats a blank data volume, installs
 * everything and powers off; a later boot mounts /data, installs JupyterLab if it can (it needs
 * egress), and starts the agent. The agent watches Jupyter only when JupyterLab is installed: an
 * unreachable Jupyter would count as busy and keep the box up until its TTL.
 */
export function devBoxScript(input: DevBoxScriptInput): string {
  const jupyterUnit = [
    '[Unit]',
    `Description=JupyterLab on ${DEVBOX_JUPYTER_URL} (reach it through SSM port forwarding)`,
    'After=network-online.target local-fs.target',
    '',
    '[Service]',
    `User=${input.user}`,
    'EnvironmentFile=/var/lib/gpu-burst/jupyter.env',
    `WorkingDirectory=${DEVBOX_DATA_MOUNT}`,
    `ExecStart=/opt/gpu-burst/jupyter/bin/jupyter lab --ip=127.0.0.1 --port=8888 --no-browser --ServerApp.root_dir=${DEVBOX_DATA_MOUNT}`,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
  ];
  return [
    '#!/bin/bash',
    '# gpu-burst dev box. Generated by gpu-burst (constructs/aws/dev-box.ts); do not edit.',
    'set -uo pipefail',
    'state=/var/lib/gpu-burst',
    'install -d -m 0700 "$state"',
    'first_boot=0',
    'if [ ! -e "$state/devbox-initialized" ]; then',
    '  first_boot=1',
    '  touch "$state/devbox-initialized" /run/gpu-burst-first-boot',
    '  # CloudFormation leaves a new instance running: power off once prepared (a deploy costs minutes, not hours).',
    `  trap 'shutdown -h +1 "gpu-burst: dev box prepared; start it with burst start"' EXIT`,
    'fi',
    '',
    '# Every later boot runs the current user data (a stack update may have changed it while the box was stopped).',
    'install -d -m 0755 /var/lib/cloud/scripts/per-boot',
    "cat > /var/lib/cloud/scripts/per-boot/gpu-burst-devbox.sh <<'GPU_BURST_PER_BOOT'",
    '#!/bin/bash',
    'set -euo pipefail',
    "token=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')",
    'curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/user-data -o /run/gpu-burst-user-data',
    'exec bash /run/gpu-burst-user-data',
    'GPU_BURST_PER_BOOT',
    'chmod 0755 /var/lib/cloud/scripts/per-boot/gpu-burst-devbox.sh',
    '',
    '# The data volume: formatted only when blank (blkid finds nothing), mounted at /data by UUID.',
    `volume='${input.volumeId}'`,
    'device="/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${volume/-/}"',
    'for _ in $(seq 1 120); do',
    '  [ -e "$device" ] && break',
    '  [ -e /dev/xvdf ] && { device=/dev/xvdf; break; }',
    '  sleep 5',
    'done',
    'if [ -e "$device" ]; then',
    '  fresh=0',
    '  blkid -p "$device" >/dev/null 2>&1',
    '  if [ "$?" = 2 ]; then mkfs.ext4 -q -L gpu-burst-data "$device" && fresh=1; fi',
    '  uuid=$(blkid -s UUID -o value "$device")',
    `  sed -i '\\| ${DEVBOX_DATA_MOUNT} |d' /etc/fstab`,
    `  echo "UUID=$uuid ${DEVBOX_DATA_MOUNT} auto defaults,nofail 0 2" >> /etc/fstab`,
    `  install -d ${DEVBOX_DATA_MOUNT}`,
    `  mountpoint -q ${DEVBOX_DATA_MOUNT} || mount ${DEVBOX_DATA_MOUNT}`,
    `  if [ "$fresh" = 1 ]; then chown '${input.user}:${input.user}' ${DEVBOX_DATA_MOUNT}; fi`,
    'else',
    `  echo "gpu-burst: data volume $volume is not attached; ${DEVBOX_DATA_MOUNT} is not mounted" >&2`,
    'fi',
    '',
    '# JupyterLab: installed from PyPI at a start with egress (burst start turns it on), retried at every boot.',
    'jupyter=/opt/gpu-burst/jupyter',
    'if [ "$first_boot" = 0 ] && [ ! -x "$jupyter/bin/jupyter" ]; then',
    '  if ! { python3 -m venv "$jupyter" && timeout 600 "$jupyter/bin/pip" install --quiet --disable-pip-version-check --timeout 20 jupyterlab; }; then',
    '    echo "gpu-burst: cannot install JupyterLab now (no egress?); the agent ignores Jupyter until it is installed" >&2',
    '    rm -rf "$jupyter"',
    '  fi',
    'fi',
    'with_jupyter=0',
    'if [ -x "$jupyter/bin/jupyter" ]; then',
    '  with_jupyter=1',
    `  [ -s ${DEVBOX_JUPYTER_TOKEN_FILE} ] || (umask 077; openssl rand -hex 24 > ${DEVBOX_JUPYTER_TOKEN_FILE})`,
    `  (umask 077; printf 'JUPYTER_TOKEN=%s\\n' "$(cat ${DEVBOX_JUPYTER_TOKEN_FILE})" > "$state/jupyter.env")`,
    "  cat > /etc/systemd/system/gpu-burst-jupyter.service <<'GPU_BURST_JUPYTER'",
    ...jupyterUnit,
    'GPU_BURST_JUPYTER',
    '  systemctl daemon-reload',
    '  systemctl enable gpu-burst-jupyter.service',
    '  if [ "$first_boot" = 0 ]; then systemctl start gpu-burst-jupyter.service; fi',
    'fi',
    '',
    '# The agent: installed at every boot, started from the second (the first boot only prepares the box).',
    'install -d -m 0755 /etc/systemd/system/gpu-burst-agent.service.d',
    "cat > /etc/systemd/system/gpu-burst-agent.service.d/devbox.conf <<'GPU_BURST_DROPIN'",
    '[Unit]',
    'ConditionPathExists=!/run/gpu-burst-first-boot',
    'GPU_BURST_DROPIN',
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
    '# A later boot may have started the agent with the old configuration before this script ran.',
    'if [ "$first_boot" = 0 ] && [ "$status" = 0 ]; then systemctl restart gpu-burst-agent.service; fi',
    'exit "$status"',
    '',
  ].join('\n');
}
