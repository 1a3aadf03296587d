/** The agent installer: a pure function of the host's settings, valid shell, small enough for user data. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AGENT_SHA256,
  AWS_USER_DATA_LIMIT_BYTES,
  GCP_STARTUP_SCRIPT_LIMIT_BYTES,
  HOST_PATHS,
  agentConfig,
  renderStartupScript,
  type AgentDelivery,
  type HostAgentSettings,
} from '../../images/agent/render.js';
import { PROJECT_ROOT } from '../../spec/paths.js';

const SPEC_HASH = `sha256:${'ab'.repeat(32)}`;

const ASG: HostAgentSettings = {
  cloud: 'aws',
  launchKind: 'asg',
  team: 'example',
  artifactPrefix: 's3://example-artifacts/teams/example/',
  idleMinutes: 15,
  ttlHours: 12,
  gpu: true,
  trainingCommand: ['python3', 'train.py', '--epochs', '10'],
  specHash: SPEC_HASH,
  gitCommit: '0123456789abcdef0123456789abcdef01234567',
};

/** What the GPU fleet construct renders for a group with a termination lifecycle hook. */
const ASG_HOOKED: HostAgentSettings = { ...ASG, lifecycleHook: { name: 'gpu-burst-checkpoint', heartbeatSeconds: 300 } };

const TPU: HostAgentSettings = {
  cloud: 'gcp',
  launchKind: 'tpu',
  team: 'example',
  artifactPrefix: 'gs://example-artifacts/teams/example/',
  idleMinutes: 10,
  ttlHours: 4,
  gpu: false,
  tpu: { name: 'example-v5e', queuedResource: 'example-v5e-qr' },
  specHash: SPEC_HASH,
};

describe('agent configuration', () => {
  it('applies the documented defaults and the cloud notice budget', () => {
    const config = agentConfig(ASG);
    expect(config).toMatchObject({
      version: 1,
      idleWindowSeconds: 900,
      sampleSeconds: 10,
      ttlSeconds: 43_200,
      busyLogSeconds: 60,
      gpuBusyPercent: 5,
      trainer: { command: ['python3', 'train.py', '--epochs', '10'], signal: 'SIGTERM', syncDoneFile: '/run/gpu-burst/checkpoint-synced' },
      preemption: { pollSeconds: 3, budgetSeconds: 120, rebalanceSignal: null },
      endpoints: { awsMetadata: 'http://169.254.169.254', gcpMetadata: 'http://metadata.google.internal' },
      procRoot: '/proc',
    });
    expect(agentConfig(TPU)).toMatchObject({ preemption: { budgetSeconds: 30 }, tpu: { name: 'example-v5e', queuedResource: 'example-v5e-qr' } });
  });

  it.each([
    [{ ...ASG, launchKind: 'mig' as const }, /launchKind 'mig' does not exist on aws/],
    [{ ...TPU, tpu: undefined }, /tpu must be given exactly when launchKind is tpu/],
    [{ ...ASG, idleMinutes: 0 }, /idleMinutes must be at least 1/],
    [{ ...ASG, ttlHours: 0.1 }, /ttlHours must be longer than the idle window/],
    [{ ...ASG, artifactPrefix: 'gs://wrong/teams/example/' }, /artifactPrefix must look like s3:\/\//],
    [{ ...ASG, specHash: 'abc' }, /specHash must be sha256/],
    [{ ...ASG, preemptionSignal: 'TERM' }, /'TERM' is not a signal name/],
    [{ ...ASG_HOOKED, launchKind: 'devbox' as const }, /lifecycleHook is only for AWS Auto Scaling group members \(cloud aws, launchKind asg\), not aws\/devbox/],
    [{ ...TPU, lifecycleHook: ASG_HOOKED.lifecycleHook }, /lifecycleHook is only for AWS Auto Scaling group members/],
    [{ ...ASG, lifecycleHook: { name: 'has space', heartbeatSeconds: 300 } }, /lifecycleHook.name 'has space' is not a lifecycle hook name/],
    [{ ...ASG, lifecycleHook: { name: 'h', heartbeatSeconds: 29 } }, /lifecycleHook.heartbeatSeconds must be a whole number of seconds from 30 to 7200 \(got 29\)/],
    [{ ...ASG, lifecycleHook: { name: 'h', heartbeatSeconds: 7201 } }, /from 30 to 7200 \(got 7201\)/],
    [{ ...ASG, lifecycleHook: { name: 'h', heartbeatSeconds: 90.5 } }, /from 30 to 7200 \(got 90.5\)/],
  ])('rejects bad settings (%#)', (settings, message) => {
    expect(() => agentConfig(settings)).toThrow(message);
  });

  it('A19: passes the termination lifecycle hook to AWS Auto Scaling hosts only; null everywhere else', () => {
    expect(agentConfig(ASG_HOOKED).lifecycleHook).toEqual({ name: 'gpu-burst-checkpoint', heartbeatSeconds: 300 });
    expect(agentConfig(ASG).lifecycleHook).toBeNull();
    expect(agentConfig(TPU).lifecycleHook).toBeNull();
    expect(agentConfig({ ...ASG, launchKind: 'devbox' }).lifecycleHook).toBeNull();
  });

  it('keeps a CDK token in the artifact prefix verbatim (CloudFormation resolves it)', () => {
    const config = agentConfig({ ...ASG, artifactPrefix: 's3://${Token[TOKEN.123]}/teams/example/' });
    expect(config.artifactPrefix).toBe('s3://${Token[TOKEN.123]}/teams/example/');
  });
});

const AGENT_FILE = join(PROJECT_ROOT, 'images', 'agent', 'gpu_burst_agent.py');
const FROM_S3: AgentDelivery = { kind: 's3', url: 's3://cdk-assets/agent.py', region: 'us-east-1' };

/** Runs a rendered script against a scratch root, with fake systemctl and aws on PATH. */
function install(script: string, awsServes: string = AGENT_FILE): { root: string; calls: string; status: number | null; stderr: string } {
  const root = mkdtempSync(join(tmpdir(), 'host-root-'));
  const bin = mkdtempSync(join(tmpdir(), 'host-bin-'));
  const calls = join(bin, 'calls.log');
  writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\necho "systemctl $*" >> ${calls}\n`);
  // aws s3 cp SRC DEST ...: record the call, serve the agent file.
  writeFileSync(join(bin, 'aws'), `#!/bin/sh\necho "aws $*" >> ${calls}\ncp ${awsServes} "$4"\n`);
  chmodSync(join(bin, 'systemctl'), 0o755);
  chmodSync(join(bin, 'aws'), 0o755);
  const result = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, GPU_BURST_ROOT: root, PATH: `${bin}:${process.env['PATH'] ?? ''}` },
  });
  return { root, calls, status: result.status, stderr: result.stderr };
}

describe('startup script', () => {
  const awsScript = renderStartupScript(ASG, FROM_S3);
  const gcpScript = renderStartupScript(TPU);

  it('is deterministic; the AWS one fits in EC2 user data, the embedded GCP one in a metadata value', () => {
    expect(renderStartupScript(ASG, FROM_S3)).toBe(awsScript);
    expect(renderStartupScript(TPU)).toBe(gcpScript);
    expect(Buffer.byteLength(awsScript)).toBeLessThan(AWS_USER_DATA_LIMIT_BYTES);
    expect(Buffer.byteLength(gcpScript)).toBeLessThan(GCP_STARTUP_SCRIPT_LIMIT_BYTES);
  });

  it('refuses to embed the agent in AWS user data, which it would not fit', () => {
    expect(() => renderStartupScript(ASG)).toThrow(/delivery is required on AWS/);
    expect(Buffer.byteLength(renderStartupScript(ASG, { kind: 'embed' }))).toBeGreaterThan(AWS_USER_DATA_LIMIT_BYTES);
  });

  it.each([
    ['aws', awsScript],
    ['gcp', gcpScript],
  ])('%s script passes shellcheck', (_cloud, script) => {
    const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], { input: script, encoding: 'utf8' });
    expect(result.error, 'shellcheck is missing: apt-get install shellcheck').toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('GCP: installs the embedded agent, its configuration and a service that survives reboots', () => {
    const host = install(gcpScript);
    expect(host.stderr).toBe('');
    expect(host.status).toBe(0);
    expect(readFileSync(join(host.root, HOST_PATHS.agent))).toEqual(readFileSync(AGENT_FILE));
    expect(JSON.parse(readFileSync(join(host.root, HOST_PATHS.config), 'utf8'))).toEqual(agentConfig(TPU));
    const unit = readFileSync(join(host.root, HOST_PATHS.unit), 'utf8');
    expect(unit).toContain(`ExecStart=/usr/bin/python3 ${HOST_PATHS.agent} run --config ${HOST_PATHS.config}`);
    expect(unit).toContain('Restart=on-failure');
    expect(unit).toContain('WantedBy=multi-user.target');
    expect(unit).toContain('RuntimeDirectory=gpu-burst');
    expect(readFileSync(host.calls, 'utf8')).toBe('systemctl daemon-reload\nsystemctl enable --now gpu-burst-agent.service\n');
  });

  it('AWS: downloads the agent from S3, checks its SHA-256, installs and starts it', () => {
    const host = install(awsScript);
    expect(host.stderr).toBe('');
    expect(host.status).toBe(0);
    expect(readFileSync(join(host.root, HOST_PATHS.agent))).toEqual(readFileSync(AGENT_FILE));
    expect(JSON.parse(readFileSync(join(host.root, HOST_PATHS.config), 'utf8'))).toEqual(agentConfig(ASG));
    expect(readFileSync(host.calls, 'utf8').split('\n')[0]).toBe(
      `aws s3 cp s3://cdk-assets/agent.py ${join(host.root, HOST_PATHS.agent)} --region us-east-1 --only-show-errors`,
    );
    expect(awsScript).toContain(AGENT_SHA256);
  });

  it('A19: AWS with a lifecycle hook: the installed agent\'s check-config accepts the rendered file', () => {
    const host = install(renderStartupScript(ASG_HOOKED, FROM_S3));
    expect(host.stderr).toBe('');
    expect(host.status).toBe(0);
    expect(JSON.parse(readFileSync(join(host.root, HOST_PATHS.config), 'utf8'))).toMatchObject({
      lifecycleHook: { name: 'gpu-burst-checkpoint', heartbeatSeconds: 300 },
    });
  });

  it('AWS: refuses an agent whose SHA-256 does not match, and starts nothing', () => {
    const tampered = join(mkdtempSync(join(tmpdir(), 'tampered-')), 'agent.py');
    writeFileSync(tampered, 'print("not the agent")\n');
    const host = install(awsScript, tampered);
    expect(host.status).not.toBe(0);
    expect(host.stderr).toMatch(/FAILED|did NOT match/);
    expect(readFileSync(host.calls, 'utf8')).not.toContain('systemctl');
  });
});
