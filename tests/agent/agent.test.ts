/**
 * The on-host agent (images/agent/gpu_burst_agent.py) as a real process on a fake host: fake
 * nvidia-smi/aws/gcloud/systemctl/tpu-info, a fake proc root and a metadata server emulating IMDSv2
 * and GCE metadata (tests/agent/fakes.ts). Windows are shortened: sample 0.5 s, idle window 2 s.
 * Checklist properties: A18 (spot and rebalance handled on the host), A19 (a terminating Auto Scaling
 * member checkpoints before its lifecycle hook is completed), A21 (spot endpoints polled with an
 * IMDSv2 token every <= 5 s), A22 (a path to zero that needs no human).
 */
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { agentConfig as renderedConfig } from '../../images/agent/render.js';
import {
  FakeHost, PYTHON, REGIONAL_MIG, ZONAL_MIG, now, runAgentCommand, sleep, until, type AgentEvent, type ConfigOverrides, type ToolCall,
} from './fakes.js';

const WINDOW = 2;
const SAMPLE = 0.5;
/** Scheduling slack on a loaded 2-core machine (process spawns, timer jitter). */
const SLACK = 0.6;
const INSTANCE_ID = 'i-0123456789abcdef0';
/** What the GPU fleet construct gives the agent, and the group name Auto Scaling generates. */
const HOOK = { name: 'gpu-burst-checkpoint', heartbeatSeconds: 300 };
const GROUP = 'ml-research-burst-FleetA100Group-1A2B3C4D5E6F';
const GROUP_TAG_PATH = 'tags/instance/aws:autoscaling:groupName';
const LIFECYCLE_PATH = '/latest/meta-data/autoscaling/target-lifecycle-state';
const TERMINATE = ['aws', 'autoscaling', 'terminate-instance-in-auto-scaling-group', '--instance-id', INSTANCE_ID,
  '--should-decrement-desired-capacity', '--region', 'us-east-1'];
const COMPLETE = ['aws', 'autoscaling', 'complete-lifecycle-action', '--lifecycle-hook-name', HOOK.name,
  '--auto-scaling-group-name', GROUP, '--lifecycle-action-result', 'CONTINUE', '--instance-id', INSTANCE_ID, '--region', 'us-east-1'];
const DESCRIBE = ['aws', 'autoscaling', 'describe-auto-scaling-instances', '--instance-ids', INSTANCE_ID, '--region', 'us-east-1',
  '--query', 'AutoScalingInstances[0].AutoScalingGroupName', '--output', 'text'];

/** Runs fn on a fresh fake host and always cleans up (kills the agent and any trainer). */
async function onHost(fn: (host: FakeHost) => Promise<void>, bootTime?: number): Promise<void> {
  const host = await FakeHost.create(bootTime);
  try {
    await fn(host);
  } finally {
    await host.cleanup();
  }
}

const isUpload = (c: ToolCall): boolean => (c.tool === 'aws' && c.argv[0] === 's3') || (c.tool === 'gcloud' && c.argv[0] === 'storage');
/** Shutdown actions the fakes saw (everything but reads and uploads). */
const shutdownCalls = (host: FakeHost): string[][] => host.actions().filter((c) => !isUpload(c)).map((c) => [c.tool, ...c.argv]);
/** The `signals` of a busy event: which signal keeps the host, and why. */
const signalsOf = (event: AgentEvent | undefined): Record<string, string> => (event?.['signals'] ?? {}) as Record<string, string>;
const measured = (what: string, seconds: number): void => console.log(`[measured] ${what}: ${seconds.toFixed(2)} s`);

describe.concurrent('gpu-burst agent on a fake host', () => {
  it('keeps a host whose GPUs are busy: no action within three idle windows', ({ expect }) => onHost(async (host) => {
    host.set({ gpus: [[87, 40], [91, 12]] });
    const agent = host.start(host.config());
    await sleep((3 * WINDOW + SAMPLE) * 1000);
    expect(agent.named('shutdown')).toEqual([]);
    expect(shutdownCalls(host)).toEqual([]);
    const busy = agent.named('busy');
    expect(busy.length).toBeGreaterThanOrEqual(4); // one every busyLogSeconds (1 s)
    expect(busy.at(-1)?.['signals']).toEqual({ gpu: 'busy: GPU 0 util 87%, mem 40% (+1 more)' });
  }));

  it('A22: shuts down a host whose GPUs go flat (0 %) within the window plus one sample, reason idle', ({ expect }) => onHost(async (host) => {
    host.set({ gpus: [[87, 40]] });
    const agent = host.start(host.config());
    await agent.waitFor('busy');
    const idleAt = now();
    host.set({ gpus: [[0, 0]] });
    const shutdown = await agent.waitFor('shutdown');
    const expected = ['aws', 'autoscaling', 'terminate-instance-in-auto-scaling-group', '--instance-id', INSTANCE_ID,
      '--should-decrement-desired-capacity', '--region', 'us-east-1'];
    expect(shutdown['reason']).toBe('idle');
    expect(shutdown['action']).toEqual(expected);
    expect(await agent.exited).toBe(0);
    expect(shutdownCalls(host)).toEqual([expected]);
    // The decision comes within window + one sample; the action follows the shutdown event's upload.
    const acted = host.calls('aws').find((c) => c.argv[0] === 'autoscaling')?.t ?? Infinity;
    measured('flat GPU -> shutdown decision', shutdown.ts - idleAt);
    measured('flat GPU -> shutdown action', acted - idleAt);
    expect(shutdown.ts - idleAt).toBeGreaterThanOrEqual(WINDOW);
    expect(shutdown.ts - idleAt).toBeLessThanOrEqual(WINDOW + SAMPLE + SLACK);
    expect(acted - shutdown.ts).toBeLessThan(2);
  }));

  it('keeps a host while the trainer touches its heartbeat file, and lets it go a window after the last touch', ({ expect }) => onHost(async (host) => {
    const config = host.config();
    writeFileSync(config.heartbeatFile, '');
    let lastTouch = now();
    const touching = setInterval(() => {
      lastTouch = now();
      utimesSync(config.heartbeatFile, lastTouch, lastTouch);
    }, 300);
    const agent = host.start(config);
    try {
      await sleep((2 * WINDOW + SAMPLE) * 1000);
    } finally {
      clearInterval(touching);
    }
    expect(agent.named('shutdown')).toEqual([]);
    expect(signalsOf(agent.named('busy').at(-1))).toEqual({ heartbeat: expect.stringMatching(/^busy: heartbeat touched [\d.]+s ago$/) });
    const shutdown = await agent.waitFor('shutdown');
    expect(shutdown['reason']).toBe('idle');
    expect(shutdown.ts - lastTouch).toBeLessThanOrEqual(WINDOW + SAMPLE + SLACK);
  }));

  it('keeps a host while an SSH session is open (sshd: USER@pts/N), not for the listener or the [priv] monitor alone', ({ expect }) => onHost(async (host) => {
    host.addProcess(4242, 'sshd', ['sshd: alice [priv]'], 812);
    host.addProcess(4250, 'sshd', ['sshd: alice@pts/0'], 4242);
    const agent = host.start(host.config());
    await sleep((2 * WINDOW + SAMPLE) * 1000);
    expect(agent.named('shutdown')).toEqual([]);
    expect(signalsOf(agent.named('busy').at(-1))).toEqual({ sessions: 'busy: ssh alice@pts/0 (pid 4250)' });
    host.removeProcess(4250); // the user logs out; the monitor lingers a moment
    const shutdown = await agent.waitFor('shutdown');
    expect(shutdown['reason']).toBe('idle');
  }));

  it('keeps a host while an SSM session is open (ssm-session-worker, comm truncated to 15 characters)', ({ expect }) => onHost(async (host) => {
    host.addProcess(5100, 'ssm-session-wor', ['/usr/bin/ssm-session-worker', 'alice-0a1b2c3d4e5f67890', INSTANCE_ID], 901);
    const agent = host.start(host.config());
    await sleep((2 * WINDOW + SAMPLE) * 1000);
    expect(agent.named('shutdown')).toEqual([]);
    expect(signalsOf(agent.named('busy').at(-1))).toEqual({ sessions: 'busy: ssm alice-0a1b2c3d4e5f67890 (pid 5100)' });
    host.removeProcess(5100);
    expect((await agent.waitFor('shutdown'))['reason']).toBe('idle');
  }));

  it('A18/A21: a spot notice (the renderer default 3 s poll, IMDSv2 token) reaches the trainer as SIGTERM within 5 s; sync and event upload follow', ({ expect }) => onHost(async (host) => {
    host.set({ gpus: [[95, 60]] });
    const agent = host.start(host.config({ trainer: { command: host.trainerCommand(300) } }));
    const start = await agent.waitFor('start');
    const polls = () => host.metadata.requests.filter((r) => r.path === '/latest/meta-data/spot/instance-action');
    await until('a first spot poll', () => polls().length >= 1);
    // An expired token: the next poll answers 401 and the agent must fetch a new one.
    const rotatedAt = now();
    host.metadata.rotateTokens();
    await until('a spot poll answered 404 after the token rotation', () => polls().some((r) => r.t > rotatedAt && r.status === 404), 10_000);
    // The worst case: the notice lands just after a poll.
    const seen = polls().length;
    await until('the next spot poll', () => polls().length > seen, 10_000);
    const noticeAt = now();
    host.metadata.spotAction = JSON.stringify({ action: 'terminate', time: new Date(Date.now() + 120_000).toISOString().replace(/\.\d+/, '') });
    const term = await until('SIGTERM at the trainer', () => host.trainerSignals().find((s) => s.signal === 'SIGTERM'), 10_000);
    measured('spot notice -> SIGTERM at the trainer (worst-case phase)', term.t - noticeAt);
    expect(term.t - noticeAt).toBeLessThan(5);
    const synced = await agent.waitFor('synced');
    expect(synced['seconds'] as number).toBeLessThan(120 * 0.9);
    const upload = await until('the event upload', () => host.calls('aws').find((c) => c.argv[0] === 's3' && /spot-interruption\.json$/.test(c.argv[3] ?? '')));
    expect(upload.argv[3]).toMatch(new RegExp(`^s3://burst-ml-research-artifacts/teams/ml-research/runs/${INSTANCE_ID}-${start['bootTime']}/events/\\d+-spot-interruption\\.json$`));
    const event = JSON.parse(readFileSync(upload.argv[2] ?? '', 'utf8'));
    expect(event).toMatchObject({ type: 'spot-interruption', sync: 'synced', details: { action: 'terminate' } });
    // A21: every gap between spot polls is at most 5 s, and every metadata read carried a token.
    const times = polls().map((r) => r.t);
    expect(Math.max(...times.slice(1).map((t, i) => t - (times[i] ?? t)))).toBeLessThanOrEqual(5);
    expect(host.metadata.requests.filter((r) => r.status === 401).length).toBe(1);
    // The trainer exits after its checkpoint; the agent leaves the host to the cloud.
    await agent.waitFor('trainer-exit');
    await sleep(1000);
    expect(agent.named('shutdown')).toEqual([]);
    expect(shutdownCalls(host)).toEqual([]);
  }));

  it('A21: the renderer\'s poll interval: spot and rebalance endpoints are read with an IMDSv2 token header, never more than 5 s apart', ({ expect }) => onHost(async (host) => {
    const { pollSeconds } = renderedConfig({
      cloud: 'aws', launchKind: 'asg', team: 'ml-research', artifactPrefix: 's3://b/teams/ml-research/', idleMinutes: 30,
      ttlHours: 12, gpu: true, specHash: `sha256:${'ab'.repeat(32)}`,
    }).preemption;
    expect(pollSeconds).toBeLessThanOrEqual(5);
    host.set({ gpus: [[95, 60]] });
    const agent = host.start(host.config({ preemption: { pollSeconds } }));
    await agent.waitFor('start');
    const reads = (path: string) => host.metadata.requests.filter((r) => r.path === `/latest/meta-data/${path}`);
    await until('three spot polls', () => reads('spot/instance-action').length >= 3, 4 * pollSeconds * 1000);
    for (const path of ['spot/instance-action', 'events/recommendations/rebalance']) {
      const polls = reads(path);
      expect(polls.length, path).toBeGreaterThanOrEqual(2);
      // Every read carried a token the server issued (a missing or unknown one answers 401).
      expect(polls.map((r) => [r.method, r.status, typeof r.token])).toEqual(polls.map(() => ['GET', 404, 'string']));
      const gaps = polls.slice(1).map((r, i) => r.t - (polls[i]?.t ?? r.t));
      measured(`${path}: longest gap between polls (pollSeconds ${pollSeconds})`, Math.max(...gaps));
      expect(Math.max(...gaps)).toBeLessThanOrEqual(5);
      expect(Math.min(...gaps)).toBeGreaterThan(pollSeconds - SLACK);
    }
    expect(host.metadata.requests.filter((r) => r.method === 'PUT' && r.path === '/latest/api/token').length).toBeGreaterThanOrEqual(1);
  }));

  it('without a lifecycle hook the agent never reads the target lifecycle state or the instance tags', ({ expect }) => onHost(async (host) => {
    host.metadata.aws[GROUP_TAG_PATH] = GROUP;
    host.metadata.lifecycleState = 'Terminated';
    host.set({ gpus: [[95, 60]] });
    const agent = host.start(host.config());
    const start = await agent.waitFor('start');
    await until('two spot polls', () => host.metadata.requests.filter((r) => r.path.endsWith('/spot/instance-action')).length >= 2, 10_000);
    expect(start).not.toHaveProperty('lifecycleHook');
    expect(host.metadata.requests.filter((r) => r.path === LIFECYCLE_PATH || r.path.includes('/tags/'))).toEqual([]);
    expect(agent.named('termination-notice')).toEqual([]);
    expect(shutdownCalls(host)).toEqual([]);
  }));

  it('A19: the group terminating the host (target lifecycle state Terminated): SIGTERM, checkpoint sync and event upload, then complete-lifecycle-action CONTINUE', ({ expect }) => onHost(async (host) => {
    host.metadata.aws[GROUP_TAG_PATH] = GROUP;
    host.set({ gpus: [[95, 60]] });
    const agent = host.start(host.config({ trainer: { command: host.trainerCommand(300) }, lifecycleHook: HOOK }));
    const start = await agent.waitFor('start');
    expect(start).toMatchObject({ lifecycleHook: HOOK.name, autoScalingGroup: GROUP });
    await until('a lifecycle state poll', () => host.metadata.requests.some((r) => r.path === LIFECYCLE_PATH && r.status === 200));
    const terminatingAt = now();
    host.metadata.lifecycleState = 'Terminated'; // scale-in, the backstop or `burst down`
    const notice = await agent.waitFor('termination-notice', 10_000);
    expect(notice).toMatchObject({ kind: 'termination', budgetSeconds: HOOK.heartbeatSeconds, details: { targetLifecycleState: 'Terminated' } });
    const term = await until('SIGTERM at the trainer', () => host.trainerSignals().find((s) => s.signal === 'SIGTERM'), 10_000);
    measured('target lifecycle state Terminated -> SIGTERM at the trainer', term.t - terminatingAt);
    expect(term.t - terminatingAt).toBeLessThan(5);
    const synced = await agent.waitFor('synced');
    const done = await agent.waitFor('lifecycle-action-done', 15_000);
    expect(done['action']).toEqual(COMPLETE);
    const complete = host.calls('aws').filter((c) => c.argv[1] === 'complete-lifecycle-action');
    expect(complete).toHaveLength(1);
    const upload = host.calls('aws').find((c) => c.argv[0] === 's3' && /\d+-termination\.json$/.test(c.argv[3] ?? ''));
    expect(upload?.argv[3]).toMatch(new RegExp(`^s3://burst-ml-research-artifacts/teams/ml-research/runs/${INSTANCE_ID}-${start['bootTime']}/events/`));
    expect(JSON.parse(readFileSync(upload?.argv[2] ?? '', 'utf8'))).toMatchObject({ type: 'termination', sync: 'synced', signalled: [expect.any(Number)] });
    // The hook is released only after the checkpoint synced and its record went up.
    expect(complete[0]?.t).toBeGreaterThan(synced.ts);
    expect(complete[0]?.t).toBeGreaterThan(upload?.t ?? Infinity);
    measured('target lifecycle state Terminated -> complete-lifecycle-action', (complete[0]?.t ?? Infinity) - terminatingAt);
    await agent.waitFor('trainer-exit');
    await sleep(500);
    expect(shutdownCalls(host)).toEqual([COMPLETE]); // no terminate, no group lookup: the tag named it
    expect(agent.named('shutdown')).toEqual([]);
  }));

  it('A19: the agent\'s own idle termination completes the hook as soon as the state reads Terminated (group from describe-auto-scaling-instances without metadata tags)', ({ expect }) => onHost(async (host) => {
    host.set({ autoScalingGroup: GROUP }); // no tag in instance metadata: 404
    const agent = host.start(host.config({ idleWindowSeconds: 1, sampleSeconds: 0.25, lifecycleHook: HOOK }));
    await until('the terminate call', () => host.calls('aws').some((c) => c.argv[1] === 'terminate-instance-in-auto-scaling-group'));
    await sleep(1000); // Auto Scaling takes a moment to move the instance to Terminating:Wait
    expect(agent.process.exitCode).toBeNull();
    const terminatingAt = now();
    host.metadata.lifecycleState = 'Terminated';
    expect(await agent.exited).toBe(0);
    expect(shutdownCalls(host)).toEqual([TERMINATE, DESCRIBE, COMPLETE]);
    const complete = host.calls('aws').find((c) => c.argv[1] === 'complete-lifecycle-action');
    measured('own termination: state Terminated -> complete-lifecycle-action', (complete?.t ?? Infinity) - terminatingAt);
    expect((complete?.t ?? Infinity) - terminatingAt).toBeLessThan(3);
    expect(agent.named('shutdown')[0]).toMatchObject({ reason: 'idle', action: TERMINATE });
    expect(agent.named('termination-notice')).toEqual([]); // its own decision: nothing to checkpoint
    expect(agent.named('lifecycle-action-done')).toHaveLength(1);
  }));

  it('A18: a rebalance recommendation is recorded once, sends rebalanceSignal to the trainer and keeps the host', ({ expect }) => onHost(async (host) => {
    host.set({ gpus: [[95, 60]] });
    const trainer = host.startTrainer();
    const config = host.config({ preemption: { rebalanceSignal: 'SIGUSR1' } });
    writeFileSync(config.trainer.pidFile, `${trainer.pid}\n`);
    const agent = host.start(config);
    await agent.waitFor('start');
    host.metadata.rebalance = JSON.stringify({ noticeTime: '2024-11-26T17:00:00Z' });
    const signalled = await agent.waitFor('signalled', 10_000);
    expect(signalled).toMatchObject({ signal: 'SIGUSR1', pids: [trainer.pid], source: 'pidFile' });
    await until('SIGUSR1 at the trainer', () => trainer.signals().find((s) => s.signal === 'SIGUSR1'));
    await until('the rebalance event upload', () => host.calls('aws').find((c) => /\d+-rebalance\.json$/.test(c.argv[3] ?? '')));
    const polls = host.metadata.requests.filter((r) => r.path.endsWith('/spot/instance-action')).length;
    await until('two more spot polls', () => host.metadata.requests.filter((r) => r.path.endsWith('/spot/instance-action')).length >= polls + 2, 12_000);
    expect(agent.named('rebalance')).toHaveLength(1);
    expect(agent.named('shutdown')).toEqual([]);
  }));

  it('GCP preemption (instance/preempted -> TRUE, long poll) sends SIGTERM to the pidFile trainer and syncs within the 30 s budget', ({ expect }) => onHost(async (host) => {
    host.metadata.gcp['instance/attributes/created-by'] = REGIONAL_MIG;
    host.set({ gpus: [[95, 60]] });
    const trainer = host.startTrainer(500);
    const config = host.config({ cloud: 'gcp', launchKind: 'mig' });
    writeFileSync(config.trainer.pidFile, `${trainer.pid}\n`);
    const agent = host.start(config);
    await agent.waitFor('start');
    await until('a waiting long poll', () => host.metadata.requests.filter((r) => r.path.endsWith('/instance/preempted')).length >= 2);
    const noticeAt = now();
    host.metadata.setPreempted('TRUE');
    const term = await until('SIGTERM at the trainer', () => trainer.signals().find((s) => s.signal === 'SIGTERM'));
    measured('GCP preemption -> SIGTERM at the trainer', term.t - noticeAt);
    expect(term.t - noticeAt).toBeLessThan(5);
    const synced = await agent.waitFor('synced');
    measured('GCP preemption -> synced', synced.ts - noticeAt);
    expect(synced.ts - noticeAt).toBeLessThan(30 * 0.9);
    const upload = await until('the event upload', () => host.calls('gcloud').find((c) => c.argv[0] === 'storage' && /preemption\.json$/.test(c.argv[3] ?? '')));
    expect(upload.argv.slice(0, 2)).toEqual(['storage', 'cp']);
    expect(upload.argv[3]).toMatch(/^gs:\/\/burst-ml-research-artifacts\/teams\/ml-research\/runs\/trainer-7x2k-\d+\/events\/\d+-preemption\.json$/);
    await sleep(500);
    expect(shutdownCalls(host)).toEqual([]);
  }));

  it('A22: job-exit mode: when the trainer command exits the agent acts at once (well under 30 s)', ({ expect }) => onHost(async (host) => {
    host.set({ gpus: [[95, 60]] });
    const workdir = join(host.dir, 'work');
    mkdirSync(workdir);
    const command = [PYTHON, '-S', '-c', 'import os, sys, time; open("cwd.txt", "w").write(os.getcwd()); time.sleep(1); sys.exit(3)'];
    const agent = host.start(host.config({ launchKind: 'devbox', trainer: { command, workingDirectory: workdir } }));
    const started = await agent.waitFor('trainer-start');
    expect(readFileSync(host.config().trainer.pidFile, 'utf8').trim()).toBe(String(started['pid']));
    const exit = await agent.waitFor('trainer-exit');
    expect(exit['code']).toBe(3);
    const shutdown = await agent.waitFor('shutdown');
    expect(shutdown).toMatchObject({ reason: 'job-exit', why: 'trainer exited with code 3' });
    expect(await agent.exited).toBe(0);
    const action = host.calls('aws').find((c) => c.argv[0] === 'ec2');
    expect(action?.argv).toEqual(['ec2', 'stop-instances', '--instance-ids', INSTANCE_ID, '--region', 'us-east-1']);
    measured('trainer exit -> shutdown action', (action?.t ?? Infinity) - exit.ts);
    expect((action?.t ?? Infinity) - exit.ts).toBeLessThan(5);
    expect(readFileSync(join(workdir, 'cwd.txt'), 'utf8')).toBe(workdir);
  }));

  it('a broken nvidia-smi counts as busy: the host never goes before its TTL, and the TTL removes it', ({ expect }) => {
    const bootTime = Math.floor(now()) - 3600 + 6; // the TTL ends 5-6 s from now
    return onHost(async (host) => {
      host.set({ gpus: 'fail' });
      const agent = host.start(host.config({ idleWindowSeconds: 1 }));
      const shutdown = await agent.waitFor('shutdown', 15_000);
      const deadline = bootTime + 3600;
      expect(shutdown['reason']).toBe('ttl');
      expect(shutdown.ts).toBeGreaterThanOrEqual(deadline);
      expect(shutdown.ts - deadline).toBeLessThan(1);
      expect(signalsOf(agent.named('busy')[0])['gpu']).toMatch(/^unknown: nvidia-smi exited 9: NVIDIA-SMI has failed/);
      expect(await agent.exited).toBe(0);
    }, bootTime);
  });

  const ACTIONS: Array<{ name: string; overrides: ConfigOverrides; createdBy?: string; action: string[] }> = [
    { name: 'aws/asg', overrides: { launchKind: 'asg' }, action: ['aws', 'autoscaling', 'terminate-instance-in-auto-scaling-group', '--instance-id', INSTANCE_ID, '--should-decrement-desired-capacity', '--region', 'us-east-1'] },
    { name: 'aws/devbox', overrides: { launchKind: 'devbox' }, action: ['aws', 'ec2', 'stop-instances', '--instance-ids', INSTANCE_ID, '--region', 'us-east-1'] },
    { name: 'aws/instance', overrides: { launchKind: 'instance' }, action: ['systemctl', 'poweroff'] },
    { name: 'gcp/mig (regional)', overrides: { cloud: 'gcp', launchKind: 'mig' }, createdBy: REGIONAL_MIG, action: ['gcloud', 'compute', 'instance-groups', 'managed', 'delete-instances', 'trainers-a100', '--instances=trainer-7x2k', '--region=us-central1', '--quiet'] },
    { name: 'gcp/mig (zonal)', overrides: { cloud: 'gcp', launchKind: 'mig' }, createdBy: ZONAL_MIG, action: ['gcloud', 'compute', 'instance-groups', 'managed', 'delete-instances', 'trainers-zonal', '--instances=trainer-7x2k', '--zone=us-central1-a', '--quiet'] },
    { name: 'gcp/devbox', overrides: { cloud: 'gcp', launchKind: 'devbox' }, action: ['gcloud', 'compute', 'instances', 'stop', 'trainer-7x2k', '--zone=us-central1-a', '--quiet'] },
    { name: 'gcp/instance', overrides: { cloud: 'gcp', launchKind: 'instance' }, action: ['gcloud', 'compute', 'instances', 'delete', 'trainer-7x2k', '--zone=us-central1-a', '--quiet'] },
    { name: 'gcp/tpu (queued resource)', overrides: { cloud: 'gcp', launchKind: 'tpu', gpu: false, tpu: { name: 'tpu-v5e-8', queuedResource: 'qr-v5e-8', busyPercent: 5 } }, action: ['gcloud', 'compute', 'tpus', 'queued-resources', 'delete', 'qr-v5e-8', '--zone=us-central1-a', '--force', '--quiet', '--async'] },
    { name: 'gcp/tpu (no queued resource)', overrides: { cloud: 'gcp', launchKind: 'tpu', gpu: false, tpu: { name: 'tpu-v5e-8', queuedResource: null, busyPercent: 5 } }, action: ['gcloud', 'compute', 'tpus', 'tpu-vm', 'delete', 'tpu-v5e-8', '--zone=us-central1-a', '--quiet', '--async'] },
  ];

  it.for(ACTIONS)('A22: an idle $name host removes itself with exactly its action', ({ overrides, createdBy, action }, { expect }) => onHost(async (host) => {
    if (createdBy) host.metadata.gcp['instance/attributes/created-by'] = createdBy;
    host.metadata.gcp['instance/attributes/accelerator-type'] = 'v5litepod-8';
    const agent = host.start(host.config({ idleWindowSeconds: 1, sampleSeconds: 0.25, ...overrides }));
    expect(await agent.exited).toBe(0);
    expect(shutdownCalls(host)).toEqual([action]);
    expect(agent.named('shutdown')[0]).toMatchObject({ reason: 'idle', action });
    if (overrides.launchKind === 'tpu') {
      expect(agent.named('manifest')[0]?.['manifest']).toMatchObject({ accelerator: { kind: 'tpu', type: 'v5litepod-8', count: null } });
    }
  }));

  it('writes the run manifest (driver and CUDA versions from nvidia-smi, nulls for the unknown) and uploads it', ({ expect }) => onHost(async (host) => {
    host.set({ gpus: [[90, 10], [90, 10]] });
    const agent = host.start(host.config());
    const start = await agent.waitFor('start');
    const upload = await until('the manifest upload', () => host.calls('aws').find((c) => c.argv[0] === 's3' && /manifest\.json$/.test(c.argv[3] ?? '')));
    const run = `${INSTANCE_ID}-${start['bootTime']}`;
    expect(upload.argv).toEqual(['s3', 'cp', join(host.stateDir, 'manifest.json'), `s3://burst-ml-research-artifacts/teams/ml-research/runs/${run}/manifest.json`]);
    const manifest = JSON.parse(readFileSync(join(host.stateDir, 'manifest.json'), 'utf8'));
    expect(manifest).toEqual({
      manifestVersion: 1, cloud: 'aws', team: 'ml-research', run, launchKind: 'asg', instanceId: INSTANCE_ID,
      instanceType: 'p4d.24xlarge', imageId: 'ami-0abc1234def567890', project: null, region: 'us-east-1', zone: 'us-east-1b',
      accelerator: { kind: 'gpu', type: 'NVIDIA A100-SXM4-80GB', count: 2 }, driverVersion: '550.127.05', cudaVersion: '12.4',
      containerImage: `nvcr.io/nvidia/pytorch@sha256:${'cd'.repeat(32)}`, specHash: `sha256:${'ab'.repeat(32)}`, gitCommit: '3f9da2b',
      agentVersion: '0.1.0', bootTime: new Date(Number(start['bootTime']) * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
    });
  }));

  it('retries a failing shutdown action 3 times, then powers off; a failing upload never blocks it', ({ expect }) => onHost(async (host) => {
    host.set({ exitCodes: { gcloud: 1 } });
    const agent = host.start(host.config({ cloud: 'gcp', launchKind: 'instance', idleWindowSeconds: 1, sampleSeconds: 0.25 }));
    expect(await agent.exited).toBe(0);
    const remove = ['gcloud', 'compute', 'instances', 'delete', 'trainer-7x2k', '--zone=us-central1-a', '--quiet'];
    expect(shutdownCalls(host)).toEqual([remove, remove, remove, remove, ['systemctl', 'poweroff']]);
    expect(agent.named('action-failed').map((e) => e['attempt'])).toEqual([1, 2, 3, 4]);
    expect(agent.named('action-fallback')[0]?.['action']).toEqual(['systemctl', 'poweroff']);
    expect(agent.named('upload-failed').length).toBeGreaterThan(0);
  }));

  it('keeps a dev box while a Jupyter kernel is busy (token from tokenFile), then stops it', ({ expect }) => onHost(async (host) => {
    const tokenFile = join(host.dir, 'jupyter-token');
    writeFileSync(tokenFile, `${host.metadata.jupyterToken}\n`);
    host.metadata.jupyterKernels = [{ id: '5f1c2a9e-0000', execution_state: 'busy' }, { id: '77aa', execution_state: 'idle' }];
    const agent = host.start(host.config({ cloud: 'gcp', launchKind: 'devbox', gpu: false, jupyter: { url: host.metadata.url, tokenFile } }));
    await sleep((2 * WINDOW + SAMPLE) * 1000);
    expect(agent.named('shutdown')).toEqual([]);
    expect(signalsOf(agent.named('busy').at(-1))).toEqual({ jupyter: 'busy: Jupyter kernel 5f1c2a9e executing' });
    host.metadata.jupyterKernels = [{ id: '5f1c2a9e-0000', execution_state: 'idle' }];
    expect(await agent.exited).toBe(0);
    expect(shutdownCalls(host)).toEqual([['gcloud', 'compute', 'instances', 'stop', 'trainer-7x2k', '--zone=us-central1-a', '--quiet']]);
  }));

  it('check-config rejects a bad file with one message per problem, naming the field; accepts a good one', ({ expect }) => onHost(async (host) => {
    const good = join(host.dir, 'good.json');
    writeFileSync(good, JSON.stringify(host.config()));
    expect(runAgentCommand(['check-config', '--config', good])).toMatchObject({ status: 0, stdout: expect.stringContaining('valid') });
    const bad: Record<string, unknown> = {
      ...host.config(), launchKind: 'mig', sampleSeconds: 30, ttlSeconds: 0, artifactPrefix: 's3://bucket/teams/x',
      preemption: { ...host.config().preemption, pollSeconds: 7 }, idleMinutes: 30,
    };
    writeFileSync(join(host.dir, 'bad.json'), JSON.stringify(bad));
    const result = runAgentCommand(['check-config', '--config', join(host.dir, 'bad.json')]);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n').map((l) => l.replace(`${join(host.dir, 'bad.json')}: `, ''));
    expect(lines).toEqual([
      'idleMinutes: unknown field (this agent reads version 1)',
      'sampleSeconds: must be at most 10 (got 30)',
      'ttlSeconds: must be a number greater than 0 (got 0)',
      'preemption.pollSeconds: must be at most 5 (got 7)',
      'launchKind: "mig" is not a aws launch kind (supported: asg, devbox, instance)',
      'artifactPrefix: must be s3://<bucket>/... ending with \'/\' (got "s3://bucket/teams/x")',
    ]);
    writeFileSync(join(host.dir, 'v2.json'), JSON.stringify({ ...host.config(), version: 2 }));
    const v2 = runAgentCommand(['check-config', '--config', join(host.dir, 'v2.json')]);
    expect(v2.status).toBe(1);
    expect(v2.stderr).toContain('version: unknown version 2; this agent (0.1.0) reads version 1');
    expect(readdirSync(host.stateDir)).toEqual([]);
  }));
});
