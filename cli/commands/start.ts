/**
 * `burst start <team> <fleet|devbox> [--nodes N] [--no-egress] [--no-wait] [--json]`: starts a burst
 * on a team whose `<team>-burst` stack is deployed.
 *
 * A fleet's Auto Scaling group sits at 0 at rest and has no desired size in its template (a deploy
 * must never relaunch GPUs), so the burst starts here, through the API: the group's desired
 * capacity goes to N, after a deadline that needs no agent is set (auto-shutdown layer b: a one-time
 * scheduled action that scales the group to 0). The dev box is started with StartInstances after an
 * EventBridge Scheduler one-time schedule that stops it at its deadline. Egress for the hosts is a
 * NAT gateway that exists only while a burst runs: the stack parameter `Egress` turns it on here, and
 * the backstop turns it off once nothing runs.
 *
 * AWS only for now: `runStart` dispatches on the team's cloud so a GCP branch (resize a MIG, start a
 * queued resource) can sit beside `startOnAws` with the same report. The SDKs load only when the
 * command runs; clients, clock and sleep are injected so tests run against mocks without waiting.
 */
import type { AutoScalingClient, AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { CloudFormationClient, Parameter, Stack } from '@aws-sdk/client-cloudformation';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import type { CreateScheduleCommandInput, SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Command } from 'commander';
import { planTeam, type AwsPlanItem, type HostShutdown } from '../../spec/plan.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { didYouMean, listForMessage } from '../../spec/suggest.js';
import { EGRESS_POLL_MS, turnEgressOn } from '../aws-egress.js';
import { googleClients, pickStartCloud, runStartGcp } from './start-gcp.js';
import { awsErrorName, awsFailure } from '../aws-errors.js';
import { columns, style } from '../output.js';
import { loadSelected } from '../teams.js';
import { awsClients } from '../aws-clients.js';

/** The target name that means the team's dev box rather than a fleet. */
export const DEVBOX_TARGET = 'devbox';
/** Name of the scheduled action that scales a fleet to 0 at its deadline (one per group, replaced on each start). */
export const FLEET_DEADLINE_ACTION = 'gpu-burst-ttl';
/** Minutes the no-agent deadline waits past the TTL, so the agent (which uploads a checkpoint first) acts first. */
export const DEADLINE_GRACE_MINUTES = 5;
/** How often stack status is polled while CloudFormation works. */
export const STACK_POLL_MS = EGRESS_POLL_MS;
/** How often instances are polled while they launch. */
export const INSTANCE_POLL_MS = 10_000;
/** How long to wait for a stack operation (a NAT gateway takes a few minutes). */
export const STACK_WAIT_MS = 20 * 60_000;
/** How long `--wait` waits for instances. */
export const INSTANCE_WAIT_MS = 10 * 60_000;
/** Capabilities a CDK stack update needs (the burst stack creates IAM roles). */
/** Stack statuses a burst can start on. */
const USABLE = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

/** A fleet `burst start` can size. */
export interface FleetTarget extends HostShutdown {
  readonly kind: 'fleet';
  readonly name: string;
  /** Nodes of a full burst: the group's MaxSize and the default of `--nodes`. */
  readonly nodes: number;
  /** One AZ and a cluster placement group (nodes > 1 in the team file). */
  readonly multiNode: boolean;
  /** Accelerators per node: torchrun's `--nproc-per-node`. @default - unknown, printed as a placeholder */
  readonly acceleratorsPerNode?: number;
}

/** The team's dev box. */
export interface DevBoxTarget extends HostShutdown {
  readonly kind: 'devbox';
  readonly name: typeof DEVBOX_TARGET;
}

/** What a team can start. */
export interface StartTargets {
  readonly fleets: readonly FleetTarget[];
  readonly devBox?: DevBoxTarget;
}

/** The targets in a resolved AWS plan (gpuFleet and devBox items, with their TTL and idle window). */
export function targetsFromItems(items: readonly AwsPlanItem[]): StartTargets {
  const fleets: FleetTarget[] = [];
  let devBox: DevBoxTarget | undefined;
  for (const item of items) {
    if (item.kind === 'gpuFleet') {
      fleets.push({
        kind: 'fleet',
        name: item.name,
        nodes: item.nodes,
        multiNode: item.multiNode,
        acceleratorsPerNode: item.count,
        idleMinutes: item.idleMinutes,
        ttlHours: item.ttlHours,
      });
    } else if (item.kind === 'devBox') {
      devBox = { kind: 'devbox', name: DEVBOX_TARGET, idleMinutes: item.idleMinutes, ttlHours: item.ttlHours };
    }
  }
  return { fleets, ...(devBox ? { devBox } : {}) };
}

/** What the team file lets `burst start` start on AWS. */
export function startTargets(spec: TeamSpec): StartTargets {
  return targetsFromItems(planTeam(spec).aws?.items ?? []);
}

/** Where the command gets its AWS clients (one per service, in the team's region). */
export interface StartClients {
  autoScaling(region: string): AutoScalingClient | Promise<AutoScalingClient>;
  cloudFormation(region: string): CloudFormationClient | Promise<CloudFormationClient>;
  ec2(region: string): EC2Client | Promise<EC2Client>;
  scheduler(region: string): SchedulerClient | Promise<SchedulerClient>;
}

/** Everything `runStart` touches outside its arguments. */
export interface StartDeps {
  readonly clients: StartClients;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Options of `burst start`. */
export interface StartOptions {
  /** Nodes to start. @default - the fleet's `nodes` */
  readonly nodes?: number;
  /** Wait until the hosts run and print how to reach them. @default true */
  readonly wait?: boolean;
  /** Turn the stack's NAT gateway on (parameter `Egress=on`) before starting. @default true */
  readonly egress?: boolean;
  /** Print one JSON document (progress still goes to stderr). @default false */
  readonly json?: boolean;
}

/** A host the burst runs on. */
export interface StartedInstance {
  readonly id: string;
  readonly availabilityZone: string;
  readonly privateIp: string;
  /** torchrun `--node-rank` (multi-node fleets: launch order). */
  readonly nodeRank?: number;
  /** Shell on the host through SSM Session Manager. */
  readonly ssm: string;
  /** Dev box only: forwards Jupyter to http://localhost:8888. */
  readonly jupyter?: string;
}

/** What `burst start` did; `--json` prints it. */
export interface StartReport {
  readonly team: string;
  readonly cloud: 'aws';
  readonly target: string;
  readonly kind: 'fleet' | 'devbox';
  readonly region: string;
  /** Hosts asked for (1 for the dev box). */
  readonly desiredCapacity: number;
  /** Nodes of a full burst of this fleet (1 for the dev box). */
  readonly nodes: number;
  /** When the no-agent deadline removes the burst (ISO 8601, UTC). */
  readonly deadline: string;
  /** What enforces the deadline. */
  readonly deadlineBy: string;
  readonly idleMinutes: number;
  /** `turned-on`: the NAT gateway was created now; `already-on`; `skipped` (--no-egress). */
  readonly egress: 'turned-on' | 'already-on' | 'skipped';
  readonly autoScalingGroup?: string;
  /** Dev box: its instance id. */
  readonly instanceId?: string;
  /** Dev box: it was already running (only the deadline moved). */
  readonly alreadyRunning?: boolean;
  /** False with --no-wait: `instances` is then empty. */
  readonly waited: boolean;
  readonly instances: readonly StartedInstance[];
  /** Multi-node fleets: the torchrun line, `<rank>` standing for each host's nodeRank. */
  readonly torchrun?: string;
  /** Ends the burst now, before the agent or the deadline does. */
  readonly stopNow: string;
}

/** A validated request: which target and how many nodes. */
export interface StartRequest {
  readonly target: FleetTarget | DevBoxTarget;
  readonly nodes: number;
}

/** Checks the target and `--nodes` against the team file; every error says what would be right. */
export function resolveStart(spec: TeamSpec, target: string, nodes: number | undefined): StartRequest {
  const targets = startTargets(spec);
  const names = [...targets.fleets.map((f) => f.name), ...(targets.devBox ? [DEVBOX_TARGET] : [])];
  const fleet = targets.fleets.find((f) => f.name === target);
  // `devbox` names the dev box; a fleet of that name is reachable only while the team has no dev box.
  if (target === DEVBOX_TARGET && (targets.devBox || !fleet)) {
    if (!targets.devBox) {
      throw new UserError(
        `team ${spec.team} has no dev box; add aws.devBox to ${spec.file} and deploy (npx cdk deploy ${spec.team}-burst)` +
          (names.length > 0 ? `, or start one of ${listForMessage(names)}` : ''),
      );
    }
    if (nodes !== undefined) throw new UserError('--nodes does not apply to the dev box (it is one instance); drop --nodes');
    return { target: targets.devBox, nodes: 1 };
  }
  if (!fleet) {
    if (names.length === 0) {
      throw new UserError(`team ${spec.team} has no fleets and no dev box in ${spec.file}; add aws.fleets or aws.devBox, deploy, then start`);
    }
    throw new UserError(`team ${spec.team} has no fleet '${target}'${didYouMean(target, names)} (it can start ${listForMessage(names)})`);
  }
  if (nodes === undefined) return { target: fleet, nodes: fleet.nodes };
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > fleet.nodes) {
    const more =
      Number.isInteger(nodes) && nodes > fleet.nodes
        ? `; to run more, raise nodes of fleet '${fleet.name}' in ${spec.file} and deploy (burst start never raises the group's MaxSize)`
        : '';
    throw new UserError(`--nodes must be a whole number from 1 to ${fleet.nodes} for fleet '${fleet.name}' (nodes: ${fleet.nodes}); got ${nodes}${more}`);
  }
  return { target: fleet, nodes };
}

/** Starts a burst and returns what happened; progress goes to `deps.stderr`. */
export async function startBurst(spec: TeamSpec, target: string, opts: StartOptions, deps: StartDeps): Promise<StartReport> {
  if (spec.aws) return startOnAws(spec, spec.aws.region, resolveStart(spec, target, opts.nodes), opts, deps);
  if (spec.gcp) {
    throw new UserError(`team ${spec.team} has only a gcp: section; burst start starts AWS bursts only so far (GCP: resize the fleet's managed instance group)`);
  }
  throw new UserError(`team ${spec.team} has no aws: section in ${spec.file}; burst start needs a deployed AWS burst`);
}

/** Runs the command with injected dependencies; returns the exit code. */
export async function runStart(spec: TeamSpec, target: string, opts: StartOptions, deps: StartDeps): Promise<number> {
  const report = await startBurst(spec, target, opts, deps);
  deps.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStartReport(report)}\n`);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// AWS

/** What every AWS step needs. */
interface AwsContext {
  readonly team: string;
  readonly region: string;
  readonly stackName: string;
  readonly deps: StartDeps;
  readonly progress: (key: string, text: string) => void;
}

/** Loads the SDK modules once per run. */
async function sdk() {
  const [asg, cfn, ec2, scheduler] = await Promise.all([
    import('@aws-sdk/client-auto-scaling'),
    import('@aws-sdk/client-cloudformation'),
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-scheduler'),
  ]);
  return { asg, cfn, ec2, scheduler };
}
type Sdk = Awaited<ReturnType<typeof sdk>>;

/** Calls AWS, mapping a failure to a readable UserError named after the action. */
async function call<T>(ctx: AwsContext, action: string, fn: () => Promise<T>, needs?: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw awsFailure(err, { action, region: ctx.region, ...(needs ? { needs } : {}) });
  }
}

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Progress on stderr: a line when the state changes, else at most one every 30 s. */
function progressPrinter(deps: StartDeps): (key: string, text: string) => void {
  let lastKey: string | undefined;
  let lastAt = Number.NEGATIVE_INFINITY;
  return (key, text) => {
    const t = deps.now().getTime();
    if (key === lastKey && t - lastAt < 30_000) return;
    lastKey = key;
    lastAt = t;
    deps.stderr(style.dim(`${text}\n`));
  };
}

async function startOnAws(spec: TeamSpec, region: string, request: StartRequest, opts: StartOptions, deps: StartDeps): Promise<StartReport> {
  const api = await sdk();
  const ctx: AwsContext = { team: spec.team, region, stackName: `${spec.team}-burst`, deps, progress: progressPrinter(deps) };
  const cfn = await deps.clients.cloudFormation(region);
  let stack = await readyStack(api, cfn, ctx);
  let egress: StartReport['egress'] = 'skipped';
  if (opts.egress !== false) {
    egress = await turnEgressOn(cfn, stack, {
      team: ctx.team,
      region: ctx.region,
      stackName: ctx.stackName,
      now: deps.now,
      sleep: deps.sleep,
      progress: (text) => deps.stderr(`${text}\n`),
      outcome: 'nothing was started',
      skipFlag: '--no-egress',
    });
    if (egress === 'turned-on') stack = (await describeStack(api, cfn, ctx)) ?? stack;
  }
  const { target } = request;
  const deadline = new Date(deps.now().getTime() + target.ttlHours * 3_600_000 + DEADLINE_GRACE_MINUTES * 60_000);
  deadline.setUTCMilliseconds(0);
  return target.kind === 'fleet'
    ? startFleet(api, target, request.nodes, deadline, egress, opts, ctx)
    : startDevBox(api, target, stack, deadline, egress, opts, ctx);
}

// --- the stack and egress

function deployFirst(ctx: AwsContext): UserError {
  return new UserError(`the stack ${ctx.stackName} does not exist in ${ctx.region}; deploy first: npx cdk deploy ${ctx.team}-storage ${ctx.team}-burst`);
}

async function describeStack(api: Sdk, cfn: CloudFormationClient, ctx: AwsContext): Promise<Stack | undefined> {
  try {
    const out = await cfn.send(new api.cfn.DescribeStacksCommand({ StackName: ctx.stackName }));
    return out.Stacks?.[0];
  } catch (err) {
    if (awsErrorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message)) return undefined;
    throw awsFailure(err, { action: 'cloudformation:DescribeStacks', region: ctx.region });
  }
}

/** The burst stack once no operation runs on it; refuses a stack a burst cannot start on. */
async function readyStack(api: Sdk, cfn: CloudFormationClient, ctx: AwsContext): Promise<Stack> {
  let stack = await describeStack(api, cfn, ctx);
  const until = ctx.deps.now().getTime() + STACK_WAIT_MS;
  const started = ctx.deps.now().getTime();
  while (stack?.StackStatus?.endsWith('_IN_PROGRESS') && stack.StackStatus !== 'REVIEW_IN_PROGRESS') {
    const status = stack.StackStatus;
    if (ctx.deps.now().getTime() >= until) {
      throw new UserError(
        `${ctx.stackName} is still ${status} after ${elapsed(STACK_WAIT_MS)}; nothing was started. Wait for it to finish ` +
          `(aws cloudformation describe-stacks --stack-name ${ctx.stackName} --region ${ctx.region}) and run burst start again`,
      );
    }
    ctx.progress(status, `${ctx.stackName} is ${status}; waiting for it to finish (${elapsed(ctx.deps.now().getTime() - started)})...`);
    await ctx.deps.sleep(STACK_POLL_MS);
    stack = await describeStack(api, cfn, ctx);
  }
  if (!stack || stack.StackStatus === 'REVIEW_IN_PROGRESS') throw deployFirst(ctx);
  const status = stack.StackStatus ?? 'UNKNOWN';
  if (USABLE.has(status)) return stack;
  const why = stack.StackStatusReason ? ` (${stack.StackStatusReason})` : '';
  const fix =
    status === 'UPDATE_ROLLBACK_FAILED'
      ? `finish the rollback (aws cloudformation continue-update-rollback --stack-name ${ctx.stackName} --region ${ctx.region}), then deploy again`
      : /^(ROLLBACK_|CREATE_FAILED)/.test(status)
        ? `its first deploy failed: delete it (npx cdk destroy ${ctx.team}-burst; data lives in ${ctx.team}-storage) and deploy again`
        : status === 'DELETE_FAILED'
          ? `finish deleting it (npx cdk destroy ${ctx.team}-burst), then deploy again`
          : `fix the stack and deploy again (npx cdk deploy ${ctx.team}-burst)`;
  throw new UserError(`${ctx.stackName} is ${status}${why}, so no burst can start on it; ${fix}`);
}


function output(stack: Stack, key: string): string | undefined {
  return stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
}

// --- hosts

function ssmCommand(id: string, region: string): string {
  return `aws ssm start-session --target ${id} --region ${region}`;
}

function jupyterCommand(id: string, region: string): string {
  return (
    `aws ssm start-session --target ${id} --region ${region} --document-name AWS-StartPortForwardingSession ` +
    `--parameters '{"portNumber":["8888"],"localPortNumber":["8888"]}'`
  );
}

async function describeInstances(api: Sdk, ec2: EC2Client, ids: readonly string[], ctx: AwsContext): Promise<Instance[]> {
  if (ids.length === 0) return [];
  const out = await call(ctx, 'ec2:DescribeInstances', () => ec2.send(new api.ec2.DescribeInstancesCommand({ InstanceIds: [...ids] })));
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}

/** Launch order (torchrun node ranks): launch time, then launch index, then id. */
function byLaunch(a: Instance, b: Instance): number {
  return (
    (a.LaunchTime?.getTime() ?? 0) - (b.LaunchTime?.getTime() ?? 0) ||
    (a.AmiLaunchIndex ?? 0) - (b.AmiLaunchIndex ?? 0) ||
    (a.InstanceId ?? '').localeCompare(b.InstanceId ?? '')
  );
}

// --- fleets

async function findGroup(api: Sdk, client: AutoScalingClient, fleet: string, ctx: AwsContext): Promise<AutoScalingGroup> {
  const groups: AutoScalingGroup[] = [];
  let token: string | undefined;
  do {
    const out = await call(ctx, 'autoscaling:DescribeAutoScalingGroups', () =>
      client.send(
        new api.asg.DescribeAutoScalingGroupsCommand({
          Filters: [
            { Name: 'tag:team', Values: [ctx.team] },
            { Name: 'tag:gpu-burst:fleet', Values: [fleet] },
          ],
          ...(token ? { NextToken: token } : {}),
        }),
      ),
    );
    groups.push(...(out.AutoScalingGroups ?? []));
    token = out.NextToken;
  } while (token);
  const [group, ...more] = groups;
  if (!group) throw new UserError(`the burst stack has no fleet ${fleet}: deploy the current team file (npx cdk deploy ${ctx.team}-burst)`);
  if (more.length > 0) {
    const names = groups.map((g) => g.AutoScalingGroupName ?? '?');
    throw new UserError(
      `${groups.length} Auto Scaling groups in ${ctx.region} carry team=${ctx.team} and gpu-burst:fleet=${fleet} (${listForMessage(names)}); ` +
        'burst start needs exactly one: delete the stray group or its tags',
    );
  }
  return group;
}

async function startFleet(
  api: Sdk,
  fleet: FleetTarget,
  nodes: number,
  deadline: Date,
  egress: StartReport['egress'],
  opts: StartOptions,
  ctx: AwsContext,
): Promise<StartReport> {
  const { deps, region } = ctx;
  const client = await deps.clients.autoScaling(region);
  const group = await findGroup(api, client, fleet.name, ctx);
  const name = group.AutoScalingGroupName ?? '';
  const max = group.MaxSize ?? 0;
  if (nodes > max) {
    throw new UserError(
      `the deployed group ${name} allows at most ${max} node${max === 1 ? '' : 's'} (MaxSize), fewer than the ${nodes} asked; ` +
        `deploy the current team file (npx cdk deploy ${ctx.team}-burst): burst start never raises MaxSize`,
    );
  }
  const running = group.DesiredCapacity ?? 0;
  if (running > nodes) {
    throw new UserError(
      `fleet ${fleet.name} already runs ${running} nodes; burst start does not shrink a running burst (that would terminate ` +
        `${running - nodes} host${running - nodes === 1 ? '' : 's'} mid-training): start it with --nodes ${running}, or shrink it yourself ` +
        `(aws autoscaling set-desired-capacity --auto-scaling-group-name ${name} --desired-capacity ${nodes} --region ${region})`,
    );
  }
  if (fleet.multiNode && nodes < fleet.nodes) {
    deps.stderr(style.dim(`starting ${nodes} of ${fleet.nodes} nodes; the cluster placement group still applies (all nodes in one zone)\n`));
  }
  // The deadline first: a burst never runs without one, even if the resize below fails.
  await call(ctx, 'autoscaling:PutScheduledUpdateGroupAction', () =>
    client.send(
      new api.asg.PutScheduledUpdateGroupActionCommand({
        AutoScalingGroupName: name,
        ScheduledActionName: FLEET_DEADLINE_ACTION,
        StartTime: deadline,
        MinSize: 0,
        DesiredCapacity: 0,
      }),
    ),
  );
  await call(ctx, 'autoscaling:UpdateAutoScalingGroup', () =>
    client.send(new api.asg.UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, DesiredCapacity: nodes })),
  );
  deps.stderr(style.dim(`${name}: desired capacity ${nodes} (was ${running}); deadline ${formatTime(deadline)}\n`));

  let instances: StartedInstance[] = [];
  if (opts.wait !== false) {
    const ids = await waitForGroup(api, client, name, fleet.name, nodes, ctx);
    const ec2 = await deps.clients.ec2(region);
    const described = (await describeInstances(api, ec2, ids, ctx)).sort(byLaunch);
    instances = described.map((i, rank) => ({
      id: i.InstanceId ?? '',
      availabilityZone: i.Placement?.AvailabilityZone ?? '',
      privateIp: i.PrivateIpAddress ?? '',
      ...(fleet.multiNode ? { nodeRank: rank } : {}),
      ssm: ssmCommand(i.InstanceId ?? '', region),
    }));
  }
  const master = instances[0]?.privateIp ?? '<private IP of node 0>';
  return {
    team: ctx.team,
    cloud: 'aws',
    target: fleet.name,
    kind: 'fleet',
    region,
    desiredCapacity: nodes,
    nodes: fleet.nodes,
    deadline: deadline.toISOString(),
    deadlineBy: `scheduled action ${FLEET_DEADLINE_ACTION} on ${name} (min 0, desired 0)`,
    idleMinutes: fleet.idleMinutes,
    egress,
    autoScalingGroup: name,
    waited: opts.wait !== false,
    instances,
    ...(fleet.multiNode
      ? {
          torchrun:
            `torchrun --nnodes ${nodes} --nproc-per-node ${fleet.acceleratorsPerNode ?? '<GPUs per node>'} --node-rank <rank> ` +
            `--master-addr ${master} --master-port 29500 train.py`,
        }
      : {}),
    stopNow: `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${name} --min-size 0 --desired-capacity 0 --region ${region}`,
  };
}

/** Polls the group until `nodes` instances are InService; returns their ids. */
async function waitForGroup(api: Sdk, client: AutoScalingClient, name: string, fleet: string, nodes: number, ctx: AwsContext): Promise<string[]> {
  const started = ctx.deps.now().getTime();
  for (;;) {
    const out = await call(ctx, 'autoscaling:DescribeAutoScalingGroups', () =>
      client.send(new api.asg.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })),
    );
    const members = out.AutoScalingGroups?.[0]?.Instances ?? [];
    const inService = members.filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId ?? '');
    if (inService.length >= nodes) return inService;
    const waited = ctx.deps.now().getTime() - started;
    if (waited >= INSTANCE_WAIT_MS) {
      const activity = await lastActivity(api, client, name, ctx);
      throw new UserError(
        `after ${elapsed(waited)} ${inService.length} of ${nodes} nodes of fleet ${fleet} are in service; the group keeps trying` +
          `${activity} and the deadline still holds. Watch it: aws autoscaling describe-scaling-activities --auto-scaling-group-name ${name} --region ${ctx.region}`,
      );
    }
    const launching = members.length - inService.length;
    ctx.progress(
      `${inService.length}/${launching}`,
      `fleet ${fleet}: ${inService.length} of ${nodes} nodes in service, ${launching} launching (${elapsed(waited)})`,
    );
    await ctx.deps.sleep(INSTANCE_POLL_MS);
  }
}

/** The group's latest scaling activity, as ` (last activity: ...)`, or ''. */
async function lastActivity(api: Sdk, client: AutoScalingClient, name: string, ctx: AwsContext): Promise<string> {
  try {
    const out = await client.send(new api.asg.DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, MaxRecords: 1 }));
    const a = out.Activities?.[0];
    return a ? ` (last activity: ${a.StatusCode ?? ''} ${a.StatusMessage ?? a.Description ?? ''})`.replace(/\s+\)/, ')') : '';
  } catch {
    return '';
  }
}

// --- the dev box

async function findDevBox(api: Sdk, ec2: EC2Client, stack: Stack, ctx: AwsContext): Promise<Instance> {
  const id = output(stack, 'DevBoxInstanceId');
  if (id) {
    const [instance] = await describeInstances(api, ec2, [id], ctx);
    if (instance) return instance;
  }
  const out = await call(ctx, 'ec2:DescribeInstances', () =>
    ec2.send(
      new api.ec2.DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:team', Values: [ctx.team] },
          { Name: 'tag:gpu-burst:role', Values: ['devbox'] },
          { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
        ],
      }),
    ),
  );
  const found = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  const [instance, ...more] = found;
  if (!instance) throw new UserError(`the burst stack has no dev box: deploy the current team file (npx cdk deploy ${ctx.team}-burst)`);
  if (more.length > 0) {
    throw new UserError(
      `${found.length} instances in ${ctx.region} carry team=${ctx.team} and gpu-burst:role=devbox (${listForMessage(found.map((i) => i.InstanceId ?? '?'))}); ` +
        `deploy the current team file so the stack names its dev box (output DevBoxInstanceId)`,
    );
  }
  return instance;
}

/** Creates (or replaces) the one-time schedule that stops the dev box at its deadline. */
async function putDevBoxDeadline(api: Sdk, instanceId: string, roleArn: string, deadline: Date, ctx: AwsContext): Promise<string> {
  const scheduler = await ctx.deps.clients.scheduler(ctx.region);
  const partition = roleArn.split(':')[1] || 'aws';
  const name = `${ctx.team}-devbox-ttl`;
  const input: CreateScheduleCommandInput = {
    Name: name,
    Description: `gpu-burst: stop the dev box of team ${ctx.team} at its deadline (set by burst start)`,
    ScheduleExpression: `at(${deadline.toISOString().slice(0, 19)})`,
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: {
      // Universal target: EventBridge Scheduler calls ec2:StopInstances itself, with this role.
      Arn: `arn:${partition}:scheduler:::aws-sdk:ec2:stopInstances`,
      RoleArn: roleArn,
      Input: JSON.stringify({ InstanceIds: [instanceId] }),
    },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
  };
  const needs = (action: string) => `${action} on schedule ${name} and iam:PassRole on ${roleArn}`;
  try {
    await scheduler.send(new api.scheduler.CreateScheduleCommand(input));
  } catch (err) {
    if (awsErrorName(err) !== 'ConflictException') throw awsFailure(err, { action: 'scheduler:CreateSchedule', region: ctx.region, needs: needs('scheduler:CreateSchedule') });
    // A schedule from an earlier start: move its deadline.
    await call(ctx, 'scheduler:UpdateSchedule', () => scheduler.send(new api.scheduler.UpdateScheduleCommand(input)), needs('scheduler:UpdateSchedule'));
  }
  return name;
}

async function startDevBox(
  api: Sdk,
  box: DevBoxTarget,
  stack: Stack,
  deadline: Date,
  egress: StartReport['egress'],
  opts: StartOptions,
  ctx: AwsContext,
): Promise<StartReport> {
  const { deps, region } = ctx;
  const ec2 = await deps.clients.ec2(region);
  let instance = await findDevBox(api, ec2, stack, ctx);
  const id = instance.InstanceId ?? '';
  const roleArn = output(stack, 'DevBoxSchedulerRoleArn');
  if (!roleArn) {
    throw new UserError(`${ctx.stackName} has no output DevBoxSchedulerRoleArn (an older deploy); deploy the current team file (npx cdk deploy ${ctx.team}-burst)`);
  }
  let state = instance.State?.Name ?? 'unknown';
  if (state === 'shutting-down' || state === 'terminated') {
    throw new UserError(`the dev box ${id} is ${state}; deploy again to replace it (npx cdk deploy ${ctx.team}-burst); its data volume is kept`);
  }
  const schedule = await putDevBoxDeadline(api, id, roleArn, deadline, ctx);

  let alreadyRunning = state === 'running' || state === 'pending';
  const started = deps.now().getTime();
  while (state === 'stopping') {
    // StartInstances refuses an instance that is still stopping (IncorrectInstanceState).
    if (deps.now().getTime() - started >= INSTANCE_WAIT_MS) {
      throw new UserError(`the dev box ${id} is still stopping after ${elapsed(INSTANCE_WAIT_MS)}; run burst start again once it has stopped`);
    }
    ctx.progress('stopping', `the dev box ${id} is stopping; waiting to start it again...`);
    await deps.sleep(INSTANCE_POLL_MS);
    [instance = instance] = await describeInstances(api, ec2, [id], ctx);
    state = instance.State?.Name ?? 'unknown';
  }
  if (state === 'stopped') {
    const out = await call(ctx, 'ec2:StartInstances', () => ec2.send(new api.ec2.StartInstancesCommand({ InstanceIds: [id] })));
    alreadyRunning = out.StartingInstances?.[0]?.PreviousState?.Name === 'running';
    deps.stderr(style.dim(`dev box ${id}: ${alreadyRunning ? 'already running' : 'starting'}; deadline ${formatTime(deadline)}\n`));
  } else {
    deps.stderr(style.dim(`dev box ${id} is already ${state}; its deadline moves to ${formatTime(deadline)}\n`));
  }

  let instances: StartedInstance[] = [];
  if (opts.wait !== false) {
    const running = await waitForDevBox(api, ec2, id, ctx);
    instances = [
      {
        id,
        availabilityZone: running.Placement?.AvailabilityZone ?? '',
        privateIp: running.PrivateIpAddress ?? '',
        ssm: ssmCommand(id, region),
        jupyter: jupyterCommand(id, region),
      },
    ];
  }
  return {
    team: ctx.team,
    cloud: 'aws',
    target: DEVBOX_TARGET,
    kind: 'devbox',
    region,
    desiredCapacity: 1,
    nodes: 1,
    deadline: deadline.toISOString(),
    deadlineBy: `EventBridge Scheduler schedule ${schedule} (ec2:StopInstances)`,
    idleMinutes: box.idleMinutes,
    egress,
    instanceId: id,
    alreadyRunning,
    waited: opts.wait !== false,
    instances,
    stopNow: `aws ec2 stop-instances --instance-ids ${id} --region ${region}`,
  };
}

async function waitForDevBox(api: Sdk, ec2: EC2Client, id: string, ctx: AwsContext): Promise<Instance> {
  const started = ctx.deps.now().getTime();
  for (;;) {
    const [instance] = await describeInstances(api, ec2, [id], ctx);
    const state = instance?.State?.Name ?? 'unknown';
    if (instance && state === 'running') return instance;
    const waited = ctx.deps.now().getTime() - started;
    if (waited >= INSTANCE_WAIT_MS) {
      throw new UserError(
        `the dev box ${id} is still ${state} after ${elapsed(waited)}; check it: aws ec2 describe-instance-status --instance-ids ${id} --include-all-instances --region ${ctx.region}`,
      );
    }
    ctx.progress(state, `dev box ${id}: ${state} (${elapsed(waited)})`);
    await ctx.deps.sleep(INSTANCE_POLL_MS);
  }
}

// ---------------------------------------------------------------------------------------------
// Output

/** `2026-11-26 17:05 UTC`. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const EGRESS_LINE: Record<StartReport['egress'], string> = {
  'turned-on': 'on: a NAT gateway was created for this burst (stack parameter Egress=on); the backstop removes it once nothing runs',
  'already-on': 'on (stack parameter Egress=on); the backstop removes the NAT gateway once nothing runs',
  skipped: 'not requested (--no-egress): hosts reach S3 through the gateway endpoint, nothing else outside the VPC',
};

/** What `burst start` prints for a person. */
export function renderStartReport(r: StartReport): string {
  const deadline = formatTime(new Date(r.deadline));
  const what =
    r.kind === 'fleet'
      ? `fleet ${r.target} of team ${r.team} in ${r.region}: ${r.desiredCapacity} of ${r.nodes} node${r.nodes === 1 ? '' : 's'} (${r.autoScalingGroup})`
      : `dev box of team ${r.team} in ${r.region}${r.alreadyRunning ? ' (already running)' : ''}`;
  const lines = [
    `${style.ok('started')}  ${what}`,
    ...columns(
      [
        ['egress', EGRESS_LINE[r.egress]],
        ['deadline', `${deadline}: ${r.deadlineBy}, whatever the agent does`],
      ],
      '  ',
    ),
  ];
  if (!r.waited) {
    const watch =
      r.kind === 'fleet'
        ? `aws autoscaling describe-auto-scaling-groups --auto-scaling-group-names ${r.autoScalingGroup} --region ${r.region}`
        : `aws ec2 describe-instances --instance-ids ${r.instanceId} --region ${r.region}`;
    lines.push('', `Not waiting (--no-wait): the hosts are launching. Watch: ${watch}`);
  } else {
    const header = r.torchrun ? ['node', 'instance', 'zone', 'private IP'] : ['instance', 'zone', 'private IP'];
    const rows = r.instances.map((i) =>
      r.torchrun ? [String(i.nodeRank ?? ''), i.id, i.availabilityZone, i.privateIp] : [i.id, i.availabilityZone, i.privateIp],
    );
    lines.push('', ...columns([header, ...rows], '  '));
    lines.push('', 'Connect (SSM Session Manager; needs the AWS CLI session-manager-plugin):');
    for (const i of r.instances) lines.push(`  ${i.ssm}`);
    const jupyter = r.instances.find((i) => i.jupyter)?.jupyter;
    if (jupyter) lines.push('', 'Jupyter (bound to localhost on the box): forward the port, then open http://localhost:8888', `  ${jupyter}`);
  }
  if (r.torchrun) {
    lines.push(
      '',
      `Multi-node: run this on every node with its node rank (${r.waited ? 'the node column above' : 'launch order, 0 first'}); ` +
        `MASTER_ADDR is node 0's private IP:`,
      `  ${r.torchrun}`,
    );
  }
  const idle =
    r.kind === 'fleet'
      ? `the agent removes a host once it has been idle for ${r.idleMinutes} minutes`
      : `the agent stops the dev box once it has been idle for ${r.idleMinutes} minutes (its disks stay)`;
  lines.push('', `How it ends: ${idle}; at ${deadline} the deadline ends it whatever runs.`, `Stop it now: ${r.stopNow}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The command

/** The real clients: the SDKs are imported on first use, and each reads credentials the usual way. */
export function sdkClients(): StartClients {
  const { autoScaling, cloudFormation, ec2, scheduler } = awsClients;
  return { autoScaling, cloudFormation, ec2, scheduler };
}

/** Command-line options as commander gives them (`--nodes` is text). */
export interface StartCommandOptions {
  readonly nodes?: string;
  readonly wait?: boolean;
  readonly egress?: boolean;
  readonly json?: boolean;
  readonly cloud?: 'aws' | 'gcp';
}

/** `burst start <team> <target> [--nodes N] [--no-egress] [--no-wait] [--json] [--cloud aws|gcp]`. */
export async function startCommand(team: string, target: string, opts: StartCommandOptions, cmd: Command): Promise<number> {
  const [spec] = loadSelected([team], cmd);
  if (!spec) throw new UserError(`no team '${team}'`);
  let nodes: number | undefined;
  if (opts.nodes !== undefined) {
    if (!/^\s*\d+\s*$/.test(opts.nodes)) throw new UserError(`--nodes takes a whole number of nodes; got '${opts.nodes}'`);
    nodes = Number(opts.nodes);
  }
  const common = {
    now: () => new Date(),
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    stdout: (text: string) => void process.stdout.write(text),
    stderr: (text: string) => void process.stderr.write(text),
  };
  const aws = spec.aws ? startTargets(spec) : { fleets: [] };
  const awsTargets = [...aws.fleets.map((f) => f.name), ...(aws.devBox ? [DEVBOX_TARGET] : [])];
  if (pickStartCloud(spec, target, { ...(opts.cloud ? { cloud: opts.cloud } : {}), awsTargets }) === 'gcp') {
    return runStartGcp(spec, target, { ...(nodes !== undefined ? { nodes } : {}), wait: opts.wait !== false, json: !!opts.json }, { ...common, clients: googleClients() });
  }
  return runStart(
    spec,
    target,
    { ...(nodes !== undefined ? { nodes } : {}), wait: opts.wait !== false, egress: opts.egress !== false, json: !!opts.json },
    { ...common, clients: sdkClients() },
  );
}
