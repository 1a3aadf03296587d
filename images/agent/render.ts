/**
 * Renders the user data (AWS) / startup script (GCP) that installs the on-host agent: the agent
 * itself, its configuration file and a systemd service. A pure function of the host's settings;
 * the compute constructs attach its output to launch templates, instance templates and TPU nodes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import {
  LAUNCH_KINDS,
  LIFECYCLE_HEARTBEAT_RANGE_SECONDS,
  NOTICE_BUDGET_SECONDS,
  REAL_ENDPOINTS,
  type AgentConfig,
  type LaunchKind,
} from './config.js';

/** Where the agent and its files live on a host. */
export const HOST_PATHS = {
  agent: '/opt/gpu-burst/gpu_burst_agent.py',
  config: '/etc/gpu-burst/agent.json',
  unit: '/etc/systemd/system/gpu-burst-agent.service',
  stateDir: '/var/lib/gpu-burst',
  runDir: '/run/gpu-burst',
} as const;

/** EC2 accepts at most 16 KB of user data before base64 encoding. */
export const AWS_USER_DATA_LIMIT_BYTES = 16 * 1024;

/** Compute Engine accepts at most 256 KB in one metadata value (the startup script). */
export const GCP_STARTUP_SCRIPT_LIMIT_BYTES = 256 * 1024;

/**
 * How the agent reaches the host. `embed` puts it in the script itself (gzip + base64, about 20 KB:
 * fine for a GCP startup script, too big for EC2 user data). `s3` downloads it from an object the
 * deployment uploads (a CDK asset), checked against the SHA-256 of the source this renderer read.
 */
export type AgentDelivery =
  | { readonly kind: 'embed' }
  | {
      readonly kind: 's3';
      /** `s3://<bucket>/<key>`; CDK tokens inside are fine. */
      readonly url: string;
      /** Region of the bucket. */
      readonly region: string;
    };

const AGENT_SOURCE = readFileSync(new URL('./gpu_burst_agent.py', import.meta.url));

/** SHA-256 (hex) of the agent this renderer installs. */
export const AGENT_SHA256 = createHash('sha256').update(AGENT_SOURCE).digest('hex');

/** What a host needs to know about itself; everything else takes a documented default. */
export interface HostAgentSettings {
  readonly cloud: 'aws' | 'gcp';
  readonly launchKind: LaunchKind;
  readonly team: string;
  /** `s3://<bucket>/teams/<team>/` or `gs://...` (a CDK token or resolved Pulumi value inside is fine). */
  readonly artifactPrefix: string;
  /** Minutes every signal must stay quiet before the host is idle. */
  readonly idleMinutes: number;
  /** Hours after boot at which the host goes away regardless. */
  readonly ttlHours: number;
  /** True on GPU hosts. */
  readonly gpu: boolean;
  /** TPU VM identity, on TPU hosts. */
  readonly tpu?: { readonly name: string; readonly queuedResource?: string };
  /**
   * Training command (argv); when set the agent runs it and the host goes away when it exits.
   * @default - none: interactive or externally started training
   */
  readonly trainingCommand?: readonly string[];
  /** @default - the agent's working directory */
  readonly workingDirectory?: string;
  /** @default - root */
  readonly trainingUser?: string;
  /** Signal for the trainer on a spot/preemption notice. @default 'SIGTERM' */
  readonly preemptionSignal?: string;
  /** Signal on an AWS rebalance recommendation. @default - none, only recorded */
  readonly rebalanceSignal?: string;
  /**
   * The group's termination lifecycle hook (AWS `asg` only): the agent checkpoints the trainer when
   * the group terminates the host and then completes the hook (checklist A19). The instance role
   * needs `autoscaling:CompleteLifecycleAction` on its group, and the launch template instance
   * metadata tags (else `autoscaling:DescribeAutoScalingInstances`) to find the group's name.
   * @default - none: the agent does not watch the lifecycle state
   */
  readonly lifecycleHook?: { readonly name: string; readonly heartbeatSeconds: number };
  /** Jupyter server to ask for busy kernels (dev boxes). @default - none */
  readonly jupyter?: { readonly url: string; readonly tokenFile?: string };
  /** `sha256:<hex>` of the deployed team file. */
  readonly specHash: string;
  /** @default - null */
  readonly gitCommit?: string;
  /** Training image pinned by digest. @default - null */
  readonly containerImage?: string;
}

function fail(field: string, problem: string): never {
  throw new Error(`agent settings: ${field} ${problem}`);
}

const SIGNAL = /^SIG[A-Z0-9]+$/;
/** Auto Scaling's pattern for lifecycle hook names. */
const HOOK_NAME = /^[A-Za-z0-9_/-]{1,255}$/;

function checkLifecycleHook(settings: HostAgentSettings): void {
  const hook = settings.lifecycleHook;
  if (hook === undefined) return;
  if (settings.cloud !== 'aws' || settings.launchKind !== 'asg') {
    fail('lifecycleHook', `is only for AWS Auto Scaling group members (cloud aws, launchKind asg), not ${settings.cloud}/${settings.launchKind}`);
  }
  if (!HOOK_NAME.test(hook.name)) fail('lifecycleHook.name', `'${hook.name}' is not a lifecycle hook name (1-255 of A-Z a-z 0-9 - _ /)`);
  const [min, max] = LIFECYCLE_HEARTBEAT_RANGE_SECONDS;
  if (!Number.isInteger(hook.heartbeatSeconds) || hook.heartbeatSeconds < min || hook.heartbeatSeconds > max) {
    fail('lifecycleHook.heartbeatSeconds', `must be a whole number of seconds from ${min} to ${max} (got ${hook.heartbeatSeconds})`);
  }
}

/** Checks settings and applies defaults: the exact configuration file a host receives. */
export function agentConfig(settings: HostAgentSettings): AgentConfig {
  if (!LAUNCH_KINDS[settings.cloud].includes(settings.launchKind)) {
    fail('launchKind', `'${settings.launchKind}' does not exist on ${settings.cloud}; use one of ${LAUNCH_KINDS[settings.cloud].join(', ')}`);
  }
  if ((settings.launchKind === 'tpu') !== (settings.tpu !== undefined)) {
    fail('tpu', 'must be given exactly when launchKind is tpu');
  }
  if (!Number.isFinite(settings.idleMinutes) || settings.idleMinutes < 1) fail('idleMinutes', 'must be at least 1');
  if (!Number.isFinite(settings.ttlHours) || settings.ttlHours * 60 <= settings.idleMinutes) {
    fail('ttlHours', 'must be longer than the idle window');
  }
  const scheme = settings.cloud === 'aws' ? 's3://' : 'gs://';
  if (!settings.artifactPrefix.startsWith(scheme) || !settings.artifactPrefix.endsWith('/')) {
    fail('artifactPrefix', `must look like ${scheme}<bucket>/teams/<team>/`);
  }
  if (!/^sha256:[0-9a-f]{64}$/.test(settings.specHash)) fail('specHash', 'must be sha256:<64 hex digits>');
  for (const [field, value] of [
    ['preemptionSignal', settings.preemptionSignal],
    ['rebalanceSignal', settings.rebalanceSignal],
  ] as const) {
    if (value !== undefined && !SIGNAL.test(value)) fail(field, `'${value}' is not a signal name like SIGTERM`);
  }
  checkLifecycleHook(settings);
  return {
    version: 1,
    cloud: settings.cloud,
    launchKind: settings.launchKind,
    team: settings.team,
    artifactPrefix: settings.artifactPrefix,
    run: null,
    idleWindowSeconds: Math.round(settings.idleMinutes * 60),
    sampleSeconds: 10,
    ttlSeconds: Math.round(settings.ttlHours * 3600),
    busyLogSeconds: 60,
    gpu: settings.gpu,
    gpuBusyPercent: 5,
    tpu: settings.tpu ? { name: settings.tpu.name, queuedResource: settings.tpu.queuedResource ?? null, busyPercent: 5 } : null,
    heartbeatFile: `${HOST_PATHS.runDir}/heartbeat`,
    trainer: {
      command: settings.trainingCommand ? [...settings.trainingCommand] : null,
      workingDirectory: settings.workingDirectory ?? null,
      user: settings.trainingUser ?? null,
      pidFile: `${HOST_PATHS.runDir}/trainer.pid`,
      signal: settings.preemptionSignal ?? 'SIGTERM',
      syncDoneFile: `${HOST_PATHS.runDir}/checkpoint-synced`,
    },
    preemption: {
      // A notice reaches the trainer within one poll plus a request and a busy host's scheduling
      // delay: 3 s keeps that under the 5 s the design asks.
      pollSeconds: 3,
      budgetSeconds: NOTICE_BUDGET_SECONDS[settings.cloud],
      rebalanceSignal: settings.rebalanceSignal ?? null,
    },
    lifecycleHook: settings.lifecycleHook
      ? { name: settings.lifecycleHook.name, heartbeatSeconds: settings.lifecycleHook.heartbeatSeconds }
      : null,
    jupyter: settings.jupyter ? { url: settings.jupyter.url, tokenFile: settings.jupyter.tokenFile ?? null } : null,
    manifest: {
      specHash: settings.specHash,
      gitCommit: settings.gitCommit ?? null,
      containerImage: settings.containerImage ?? null,
    },
    endpoints: REAL_ENDPOINTS,
    procRoot: '/proc',
    stateDir: HOST_PATHS.stateDir,
  };
}

/** The agent's source, compressed for embedding (gzip is deterministic here: no name, mtime 0). */
function agentPayload(): string {
  return gzipSync(AGENT_SOURCE, { level: 9 }).toString('base64').replace(/(.{76})/g, '$1\n');
}

/** Shell lines that put the agent at its host path, by delivery. */
function installAgent(delivery: AgentDelivery): string[] {
  const target = `"$root${HOST_PATHS.agent}"`;
  if (delivery.kind === 'embed') {
    return [`base64 -d <<'GPU_BURST_AGENT' | gunzip > ${target}`, agentPayload(), 'GPU_BURST_AGENT'];
  }
  return [
    // S3 can lag a fresh deployment by seconds; retry before giving up.
    'for attempt in 1 2 3 4 5; do',
    `  aws s3 cp '${delivery.url}' ${target} --region '${delivery.region}' --only-show-errors && break`,
    '  if [ "$attempt" = 5 ]; then echo "gpu-burst: cannot download the agent" >&2; exit 1; fi',
    '  sleep 5',
    'done',
    `echo '${AGENT_SHA256}  '${target} | sha256sum --check --quiet -`,
  ];
}

const UNIT = `[Unit]
Description=gpu-burst on-host agent (idle shutdown, TTL, preemption, run manifest)
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
# /run is emptied at every boot; systemd recreates the directory trainers write heartbeats to.
RuntimeDirectory=gpu-burst
RuntimeDirectoryMode=1777
RuntimeDirectoryPreserve=yes
ExecStart=/usr/bin/python3 ${HOST_PATHS.agent} run --config ${HOST_PATHS.config}
# The agent exits 0 once it has removed the host; restart it only when it fails.
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target`;

/**
 * The script that installs and starts the agent. `GPU_BURST_ROOT` (unset on hosts) lets a test
 * install into a scratch directory; every heredoc is quoted, so nothing in the payload expands.
 * On AWS the agent must be delivered from S3 (user data is limited to 16 KB); on GCP it is
 * embedded unless told otherwise.
 */
export function renderStartupScript(
  settings: HostAgentSettings,
  delivery: AgentDelivery = settings.cloud === 'gcp' ? { kind: 'embed' } : fail('delivery', 'is required on AWS: the agent does not fit in 16 KB of user data; pass an S3 location'),
): string {
  const config = JSON.stringify(agentConfig(settings), null, 2);
  return [
    '#!/bin/bash',
    '# Installs the gpu-burst on-host agent. Generated by gpu-burst (images/agent/render.ts); do not edit.',
    'set -euo pipefail',
    'root="${GPU_BURST_ROOT:-}"',
    `install -d -m 0755 "$root/opt/gpu-burst" "$root/etc/gpu-burst" "$root/etc/systemd/system"`,
    `install -d -m 0700 "$root${HOST_PATHS.stateDir}"`,
    `install -d -m 1777 "$root${HOST_PATHS.runDir}"`,
    ...installAgent(delivery),
    `cat > "$root${HOST_PATHS.config}" <<'GPU_BURST_CONFIG'`,
    config,
    'GPU_BURST_CONFIG',
    `chmod 0644 "$root${HOST_PATHS.config}"`,
    `cat > "$root${HOST_PATHS.unit}" <<'GPU_BURST_UNIT'`,
    UNIT,
    'GPU_BURST_UNIT',
    `/usr/bin/python3 "$root${HOST_PATHS.agent}" check-config --config "$root${HOST_PATHS.config}"`,
    'systemctl daemon-reload',
    'systemctl enable --now gpu-burst-agent.service',
    '',
  ].join('\n');
}
