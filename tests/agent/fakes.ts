/**
 * A fake host for the on-host agent: fake `nvidia-smi`, `aws`, `gcloud`, `systemctl` and `tpu-info`
 * on a temporary PATH, a fake proc root, and a metadata server on 127.0.0.1 that emulates AWS IMDSv2
 * and the GCE metadata server (spot notices, rebalance recommendations, the Auto Scaling target
 * lifecycle state and instance tags, preemption long polls), plus a Jupyter `/api/kernels` endpoint. The agent runs as a real `python3` process against it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentConfig } from '../../images/agent/config.js';
import { PROJECT_ROOT } from '../../spec/paths.js';

/** The agent under test and its recorded utilisation traces. */
export const AGENT = join(PROJECT_ROOT, 'images', 'agent', 'gpu_burst_agent.py');
export const TRACES_DIR = join(PROJECT_ROOT, 'images', 'agent', 'traces');

/**
 * The interpreter `python3` on PATH resolves to. Spawned directly: a version manager's shim (pyenv)
 * would put its own bin directory, which may hold a real `aws`, in front of the fakes on PATH.
 */
export const PYTHON = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();

/** Seconds since the epoch, like the agent's `ts`. */
export const now = (): number => Date.now() / 1000;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every 50 ms until it returns a value, or throws after timeoutMs naming `what`. */
export async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** What the fake tools do; the test rewrites it while the agent runs. */
export interface FakeState {
  /** Utilisation and memory-controller utilisation per GPU, or a failure mode of nvidia-smi. */
  gpus: Array<[number, number]> | 'fail' | 'garbage';
  gpuName: string;
  driver: string;
  cuda: string;
  /** PIDs `nvidia-smi --query-compute-apps=pid` lists. */
  computePids: number[];
  /** What `tpu-info` prints. */
  tpuInfo: string;
  /** What `aws autoscaling describe-auto-scaling-instances ... --output text` prints. */
  autoScalingGroup: string;
  /** Exit code per fake tool (default 0). */
  exitCodes: Record<string, number>;
}

/** One call of a fake tool. */
export interface ToolCall {
  readonly tool: string;
  readonly argv: string[];
  readonly cwd: string;
  readonly t: number;
}

const FAKE_TOOL = `
import json, os, sys, time
tool = os.path.basename(sys.argv[0])
here = os.path.dirname(os.path.abspath(sys.argv[0]))
state = json.load(open(os.path.join(here, "..", "state.json")))
with open(os.path.join(here, "..", "calls.jsonl"), "a") as log:
    log.write(json.dumps({"tool": tool, "argv": sys.argv[1:], "cwd": os.getcwd(), "t": time.time()}) + "\\n")
args = " ".join(sys.argv[1:])
if tool == "nvidia-smi":
    gpus = state["gpus"]
    if gpus == "fail":
        sys.stderr.write("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\\n")
        sys.exit(9)
    if gpus == "garbage":
        print("<html>Segmentation fault</html>")
    elif "utilization.gpu" in args:
        for i, (util, mem) in enumerate(gpus):
            print("%d, %d, %d" % (i, util, mem))
    elif "name,driver_version" in args:
        for _ in gpus:
            print("%s, %s" % (state["gpuName"], state["driver"]))
    elif "query-compute-apps" in args:
        for pid in state["computePids"]:
            print(pid)
    else:
        print("| NVIDIA-SMI %s    Driver Version: %s    CUDA Version: %s |" % (state["driver"], state["driver"], state["cuda"]))
elif tool == "tpu-info":
    print(state["tpuInfo"])
elif tool == "aws" and "describe-auto-scaling-instances" in args:
    print(state["autoScalingGroup"])
sys.exit(state["exitCodes"].get(tool, 0))
`;

/** tpu-info's dashboard (ASCII tables, tpu-info >= 0.5) while no framework has the TPU open. */
export const TPU_INFO_NO_WORKLOAD = `Libtpu version: 0.0.19
Accelerator type: v5e

TPU Chips
+-------------+------------------+---------+------+
| Chip        | Type             | Devices | PID  |
|-------------+------------------+---------+------|
| /dev/vfio/0 | TPU v5 lite chip | 1       | None |
| /dev/vfio/1 | TPU v5 lite chip | 1       | None |
+-------------+------------------+---------+------+
+---------------------------- Runtime Utilization Status ----------------------------+
| WARNING: Libtpu metrics unavailable. Is there a framework using the TPU? See        |
| tpu_info docs for more information.                                                 |
+-------------------------------------------------------------------------------------+
TPU Runtime Utilization
+------+-----------------+------------+
| Chip | HBM Usage (GiB) | Duty cycle |
|------+-----------------+------------|
| 0    | N/A             | N/A        |
| 1    | N/A             | N/A        |
+------+-----------------+------------+`;

/** The GCE metadata `created-by` of a regional and a zonal managed instance group member. */
export const REGIONAL_MIG = 'projects/123456789/regions/us-central1/instanceGroupManagers/trainers-a100';
export const ZONAL_MIG = 'projects/123456789/zones/us-central1-a/instanceGroupManagers/trainers-zonal';

type Waiter = { res: ServerResponse; timer: NodeJS.Timeout };

/** AWS IMDSv2 and the GCE metadata server on one 127.0.0.1 port, plus Jupyter's kernel list. */
export class FakeMetadataServer {
  readonly aws: Record<string, string> = {
    'instance-id': 'i-0123456789abcdef0',
    'instance-type': 'p4d.24xlarge',
    'ami-id': 'ami-0abc1234def567890',
    'placement/region': 'us-east-1',
    'placement/availability-zone': 'us-east-1b',
  };
  readonly gcp: Record<string, string> = {
    'instance/name': 'trainer-7x2k',
    'instance/zone': 'projects/123456789/zones/us-central1-a',
    'instance/machine-type': 'projects/123456789/machineTypes/a2-highgpu-8g',
    'instance/image': 'projects/deeplearning-platform-release/global/images/common-cu124-v20241118',
    'project/project-id': 'burst-ml-team',
  };
  /** Every request, in order (path without query), with the status it got and its IMDSv2 token header. */
  readonly requests: Array<{ t: number; method: string; path: string; status: number; token?: string }> = [];
  spotAction: string | null = null;
  rebalance: string | null = null;
  /** `autoscaling/target-lifecycle-state` (null: 404, as off an Auto Scaling group). */
  lifecycleState: string | null = 'InService';
  jupyterKernels: Array<{ id: string; execution_state: string }> = [];
  jupyterToken = 'jupyter-secret';
  private tokens = new Set<string>();
  private preempted = 'FALSE';
  private etag = 1;
  private waiters: Waiter[] = [];
  private server: Server = createServer((req, res) => this.handle(req, res));

  /** Listens on a random port. */
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Invalidates every IMDSv2 token handed out so far (the next GET answers 401). */
  rotateTokens(): void {
    this.tokens.clear();
  }

  /** Sets `instance/preempted`, answering the long polls that wait for a change. */
  setPreempted(value: 'TRUE' | 'FALSE'): void {
    this.preempted = value;
    this.etag += 1;
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      this.answerPreempted(waiter.res);
    }
  }

  async close(): Promise<void> {
    for (const waiter of this.waiters.splice(0)) clearTimeout(waiter.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private reply(req: IncomingMessage, res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
    const token = req.headers['x-aws-ec2-metadata-token'];
    this.requests.push({
      t: now(), method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', status,
      ...(typeof token === 'string' ? { token } : {}),
    });
    res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
    res.end(body);
  }

  private answerPreempted(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Metadata-Flavor': 'Google', ETag: String(this.etag) });
    res.end(this.preempted);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (path === '/latest/api/token') {
      if (req.method !== 'PUT' || !req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return this.reply(req, res, 400);
      const token = randomUUID();
      this.tokens.add(token);
      return this.reply(req, res, 200, token);
    }
    if (path.startsWith('/latest/meta-data/')) {
      if (!this.tokens.has(String(req.headers['x-aws-ec2-metadata-token']))) return this.reply(req, res, 401);
      const key = path.slice('/latest/meta-data/'.length);
      const value = key === 'spot/instance-action' ? this.spotAction
        : key === 'events/recommendations/rebalance' ? this.rebalance
          : key === 'autoscaling/target-lifecycle-state' ? this.lifecycleState : this.aws[key];
      return value == null ? this.reply(req, res, 404, 'Not Found') : this.reply(req, res, 200, value);
    }
    if (path.startsWith('/computeMetadata/v1/')) {
      if (req.headers['metadata-flavor'] !== 'Google') return this.reply(req, res, 403, 'Missing Metadata-Flavor');
      const key = path.slice('/computeMetadata/v1/'.length);
      if (key === 'instance/preempted') return this.preemptedRequest(req, res, url);
      const value = this.gcp[key];
      return value == null ? this.reply(req, res, 404) : this.reply(req, res, 200, value, { 'Metadata-Flavor': 'Google' });
    }
    if (path === '/api/kernels') {
      if (req.headers.authorization !== `token ${this.jupyterToken}`) return this.reply(req, res, 403);
      return this.reply(req, res, 200, JSON.stringify(this.jupyterKernels), { 'Content-Type': 'application/json' });
    }
    return this.reply(req, res, 404);
  }

  /** `instance/preempted`, with `wait_for_change=true` as a long poll (`last_etag`, `timeout_sec`). */
  private preemptedRequest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.requests.push({ t: now(), method: req.method ?? '', path: url.pathname, status: 200 });
    const lastEtag = url.searchParams.get('last_etag');
    if (url.searchParams.get('wait_for_change') !== 'true' || (lastEtag !== null && lastEtag !== String(this.etag))) {
      return this.answerPreempted(res);
    }
    const timeoutSeconds = Number(url.searchParams.get('timeout_sec') ?? '3600');
    const waiter: Waiter = {
      res,
      timer: setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        this.answerPreempted(res);
      }, timeoutSeconds * 1000),
    };
    this.waiters.push(waiter);
  }
}

/** One line the agent logged. */
export interface AgentEvent {
  readonly ts: number;
  readonly event: string;
  readonly [field: string]: unknown;
}

/** A running agent process. */
export class RunningAgent {
  readonly events: AgentEvent[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private buffer = '';

  constructor(readonly process: ChildProcess) {
    process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.events.push(JSON.parse(line) as AgentEvent);
    });
    process.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => process.on('exit', (code) => resolve(code)));
  }

  /** The events named `name`, in order. */
  named(name: string): AgentEvent[] {
    return this.events.filter((e) => e.event === name);
  }

  /** Waits for the first event named `name` (matching `where`). */
  waitFor(name: string, timeoutMs = 15_000, where: (e: AgentEvent) => boolean = () => true): Promise<AgentEvent> {
    return until(`agent event '${name}' (stderr: ${this.stderr.slice(-500)})`,
      () => this.events.find((e) => e.event === name && where(e)), timeoutMs);
  }

  kill(): void {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGKILL');
  }
}

/** Partial overrides, one level into each section. */
export type ConfigOverrides = { [K in keyof AgentConfig]?: AgentConfig[K] extends object | null ? Partial<NonNullable<AgentConfig[K]>> | null : AgentConfig[K] };

/** A fake host: temp dir with bin/, proc/, state/, the metadata server and the fake tools' state. */
export class FakeHost {
  readonly dir = mkdtempSync(join(tmpdir(), 'gpu-burst-agent-'));
  readonly bin = join(this.dir, 'bin');
  readonly proc = join(this.dir, 'proc');
  readonly stateDir = join(this.dir, 'state');
  readonly configPath = join(this.dir, 'agent.json');
  readonly metadata = new FakeMetadataServer();
  private agents: RunningAgent[] = [];
  private children: ChildProcess[] = [];
  private state: FakeState = {
    gpus: [[0, 0]], gpuName: 'NVIDIA A100-SXM4-80GB', driver: '550.127.05', cuda: '12.4',
    computePids: [], tpuInfo: TPU_INFO_NO_WORKLOAD, autoScalingGroup: 'None', exitCodes: {},
  };

  /** Creates the fakes; btime defaults to now (the TTL then counts from the test's start). */
  static async create(bootTime = Math.floor(now())): Promise<FakeHost> {
    const host = new FakeHost();
    mkdirSync(host.bin);
    mkdirSync(host.stateDir);
    for (const tool of ['nvidia-smi', 'aws', 'gcloud', 'systemctl', 'tpu-info']) {
      writeFileSync(join(host.bin, tool), `#!${PYTHON} -S\n${FAKE_TOOL}`);
      chmodSync(join(host.bin, tool), 0o755);
    }
    host.writeState();
    mkdirSync(host.proc);
    writeFileSync(join(host.proc, 'stat'), `cpu  100 0 100 1000 0 0 0 0 0 0\nintr 12345\nbtime ${bootTime}\nprocesses 400\n`);
    // What every host runs and none of which is an interactive session.
    host.addProcess(1, 'systemd', ['/sbin/init']);
    host.addProcess(2, 'kthreadd', []);
    host.addProcess(812, 'sshd', ['sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups']);
    host.addProcess(901, 'amazon-ssm-agen', ['/usr/bin/amazon-ssm-agent']);
    await host.metadata.start();
    return host;
  }

  /** Changes what the fake tools do (the agent sees it on its next call). */
  set(change: Partial<FakeState>): void {
    this.state = { ...this.state, ...change };
    this.writeState();
  }

  private writeState(): void {
    writeFileSync(join(this.dir, 'state.json.tmp'), JSON.stringify(this.state));
    // Rename, so that a fake never reads a half-written file.
    renameSync(join(this.dir, 'state.json.tmp'), join(this.dir, 'state.json'));
  }

  /** Adds /proc/<pid>/{comm,cmdline,stat} (argv joined with NULs, as the kernel writes it). */
  addProcess(pid: number, comm: string, argv: string[], ppid = 1): void {
    mkdirSync(join(this.proc, String(pid)), { recursive: true });
    writeFileSync(join(this.proc, String(pid), 'comm'), `${comm}\n`);
    writeFileSync(join(this.proc, String(pid), 'cmdline'), argv.map((a) => `${a}\0`).join(''));
    writeFileSync(join(this.proc, String(pid), 'stat'), `${pid} (${comm}) S ${ppid} ${pid} ${pid} 0 -1\n`);
  }

  removeProcess(pid: number): void {
    rmSync(join(this.proc, String(pid)), { recursive: true, force: true });
  }

  /** Every call of the fake tools so far (optionally of one tool). */
  calls(tool?: string): ToolCall[] {
    const file = join(this.dir, 'calls.jsonl');
    if (!existsSync(file)) return [];
    const calls = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as ToolCall);
    return tool ? calls.filter((c) => c.tool === tool) : calls;
  }

  /** Calls that are not reads of GPU/TPU state (shutdown actions and uploads). */
  actions(): ToolCall[] {
    return this.calls().filter((c) => c.tool !== 'nvidia-smi' && c.tool !== 'tpu-info');
  }

  /** A complete, valid configuration for this host with short windows, then the overrides. */
  config(overrides: ConfigOverrides = {}): AgentConfig {
    return agentConfig(this.dir, this.metadata.url, overrides);
  }

  /** The environment the agent runs with: the fake tools first on PATH. */
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return { ...process.env, PATH: `${this.bin}:${process.env['PATH'] ?? ''}`, GPU_BURST_RETRY_SECONDS: '0.1', ...extra };
  }

  /** Writes the config and starts `python3 gpu_burst_agent.py run --config ...`. */
  start(config: AgentConfig, env: Record<string, string> = {}): RunningAgent {
    writeFileSync(this.configPath, JSON.stringify(config, null, 2));
    const agent = new RunningAgent(spawn(PYTHON, [AGENT, 'run', '--config', this.configPath], {
      env: this.env(env), stdio: ['ignore', 'pipe', 'pipe'],
    }));
    this.agents.push(agent);
    return agent;
  }

  /**
   * Starts a fake trainer (outside the agent): on a signal it records the signal, takes `syncMs` to
   * "upload its checkpoint", touches syncDoneFile and, for SIGTERM, exits.
   */
  startTrainer(syncMs = 300): { pid: number; signals: () => Array<{ signal: string; t: number; pid: number }> } {
    const child = spawn(PYTHON, ['-S', '-c', trainerScript(join(this.dir, 'trainer-signals.jsonl'), join(this.dir, 'sync-done'), syncMs)], { stdio: 'ignore' });
    this.children.push(child);
    return { pid: child.pid ?? -1, signals: () => this.trainerSignals() };
  }

  /** Signals a fake trainer received, in order. */
  trainerSignals(): Array<{ signal: string; t: number; pid: number }> {
    const file = join(this.dir, 'trainer-signals.jsonl');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
  }

  /** The argv of a fake trainer for `trainer.command` (the agent starts it). */
  trainerCommand(syncMs = 300): string[] {
    return [PYTHON, '-S', '-c', trainerScript(join(this.dir, 'trainer-signals.jsonl'), join(this.dir, 'sync-done'), syncMs)];
  }

  /** Kills what the test started and removes the temp dir. */
  async cleanup(): Promise<void> {
    for (const agent of this.agents) agent.kill();
    for (const child of this.children) if (child.exitCode === null) child.kill('SIGKILL');
    await this.metadata.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A complete, valid agent configuration rooted at `dir` (files, fake proc, state) with the test
 * windows (sample 0.5 s, idle window 2 s, busy log every 1 s), then the overrides (one level deep).
 */
export function agentConfig(dir: string, metadataUrl: string, overrides: ConfigOverrides = {}): AgentConfig {
  const cloud = overrides.cloud ?? 'aws';
  const base: AgentConfig = {
    version: 1,
    cloud,
    launchKind: cloud === 'aws' ? 'asg' : 'mig',
    team: 'ml-research',
    artifactPrefix: `${cloud === 'aws' ? 's3' : 'gs'}://burst-ml-research-artifacts/teams/ml-research/`,
    run: null,
    idleWindowSeconds: 2,
    sampleSeconds: 0.5,
    ttlSeconds: 3600,
    busyLogSeconds: 1,
    gpu: true,
    gpuBusyPercent: 5,
    tpu: null,
    heartbeatFile: join(dir, 'heartbeat'),
    trainer: {
      command: null, workingDirectory: null, user: null, pidFile: join(dir, 'trainer.pid'),
      signal: 'SIGTERM', syncDoneFile: join(dir, 'sync-done'),
    },
    preemption: { pollSeconds: 3, budgetSeconds: cloud === 'aws' ? 120 : 30, rebalanceSignal: null },
    lifecycleHook: null,
    jupyter: null,
    manifest: { specHash: `sha256:${'ab'.repeat(32)}`, gitCommit: '3f9da2b', containerImage: `nvcr.io/nvidia/pytorch@sha256:${'cd'.repeat(32)}` },
    endpoints: { awsMetadata: metadataUrl, gcpMetadata: metadataUrl },
    procRoot: join(dir, 'proc'),
    stateDir: join(dir, 'state'),
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] = value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
      ? { ...current, ...value } : value;
  }
  return merged as unknown as AgentConfig;
}

function trainerScript(signalsLog: string, syncDone: string, syncMs: number): string {
  return `
import json, os, signal, sys, time
def on_signal(number, frame):
    with open(${JSON.stringify(signalsLog)}, "a") as log:
        log.write(json.dumps({"signal": signal.Signals(number).name, "t": time.time(), "pid": os.getpid()}) + "\\n")
    time.sleep(${syncMs / 1000})
    with open(${JSON.stringify(syncDone)}, "a"):
        os.utime(${JSON.stringify(syncDone)})
    if number == signal.SIGTERM:
        sys.exit(0)
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGUSR1, on_signal)
while True:
    time.sleep(0.05)
`;
}

/** Runs `gpu_burst_agent.py <args>` to completion (check-config, replay). */
export function runAgentCommand(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(PYTHON, [AGENT, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What `gpu_burst_agent.py replay` prints. */
export interface ReplayResult {
  readonly trace: string;
  readonly decision: 'idle' | 'ttl' | 'job-exit' | 'none';
  readonly expected: string | null;
  readonly why: string | null;
  readonly atSeconds: number | null;
  readonly idleSinceSeconds: number | null;
  readonly idleToShutdownSeconds: number | null;
  readonly windowSeconds: number;
  readonly sampleSeconds: number;
  readonly ttlSeconds: number;
}

/** Replays one trace file against a base configuration file (the trace's own config overrides it). */
export function replayTrace(traceFile: string, baseConfigFile: string): ReplayResult {
  const result = runAgentCommand(['replay', '--config', baseConfigFile, '--trace', traceFile]);
  if (result.status !== 0) throw new Error(`replay ${traceFile} exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as ReplayResult;
}
