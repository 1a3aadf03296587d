// @ts-check
/**
 * gpu-burst serverless backstop (auto-shutdown layer c), run by AWS Lambda outside the VPC.
 *
 * On a schedule it finds the team's tagged compute and shuts down what the on-host agent missed:
 * fleets (Auto Scaling groups) past their TTL or idle by CloudWatch metrics are scaled to zero,
 * a dev box past its TTL or idle is stopped (its disk stays), and the burst network's on-demand
 * egress (the NAT gateway) is switched off once nothing runs. On an EC2 spot interruption warning
 * or rebalance recommendation for one of the team's instances it notifies the team.
 *
 * Every decision is one JSON log line. One failing item never stops the others; failures are
 * logged, returned, and (for a shutdown that could not be made) published.
 *
 * Plain ESM with JSDoc types: the Lambda Node.js runtime provides the AWS SDK v3 clients, so the
 * asset is this file alone.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { BatchClient, ListJobsCommand } from '@aws-sdk/client-batch';
import { CloudFormationClient, DescribeStacksCommand, UpdateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeInstancesCommand, EC2Client, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';

/** Tag keys shared with the constructs (see the common contract). */
export const TAGS = Object.freeze({
  team: 'team',
  role: 'gpu-burst:role',
  fleet: 'gpu-burst:fleet',
  sweep: 'gpu-burst:sweep',
  ttlHours: 'gpu-burst:ttl-hours',
  idleMinutes: 'gpu-burst:idle-minutes',
});

/** EventBridge detail types this function handles besides its schedule (A18). */
export const SPOT_INTERRUPTION = 'EC2 Spot Instance Interruption Warning';
export const REBALANCE_RECOMMENDATION = 'EC2 Instance Rebalance Recommendation';

/** Batch job states that mean a sweep still needs (or will need) hosts. */
export const ACTIVE_JOB_STATES = Object.freeze(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING']);

/** The stack parameter that switches on-demand egress, and how long a change must settle first. */
export const EGRESS_PARAMETER = 'Egress';
export const EGRESS_SETTLE_MS = 30 * 60_000;

/** CloudWatch period (basic monitoring) and how late its newest datapoint may be. */
const PERIOD_S = 300;
const PERIOD_MS = PERIOD_S * 1000;
const METRIC_LAG_MS = 15 * 60_000;

/**
 * @typedef {object} Clients
 * @property {AutoScalingClient} autoscaling
 * @property {EC2Client} ec2
 * @property {CloudWatchClient} cloudwatch
 * @property {CloudFormationClient} cloudformation
 * @property {BatchClient} batch
 * @property {SNSClient} sns
 */

/**
 * @typedef {object} Config
 * @property {string} team          the team whose tagged compute this function may touch
 * @property {string} stackName     the burst stack (its `Egress` parameter)
 * @property {string} topicArn      where decisions are published
 * @property {number} idleGraceFactor  metrics must show idle for this many times a host's idle window
 * @property {number} idleCpuPercent   CPUUtilization (Maximum per 5 minutes) under which a host is idle
 * @property {string[]} sweepQueues    Batch job queues (`<team>-<group>`) whose active jobs keep egress on
 */

/**
 * @typedef {object} Deps
 * @property {Clients} clients
 * @property {Config} config
 * @property {() => number} now      epoch milliseconds
 * @property {(line: Record<string, unknown>) => void} log
 */

/**
 * @typedef {object} Decision
 * @property {string} kind     fleet | devbox | egress | spot | event
 * @property {string} target   group name, instance id or stack name
 * @property {string} action   what was done (scale-to-zero, stop, egress-off, notify, keep, ignore, ...)
 * @property {string} reason
 */

/**
 * @typedef {object} Failure
 * @property {string} kind
 * @property {string} target
 * @property {string} error
 */

/** @typedef {{ decisions: Decision[], failures: Failure[] }} Result */

/**
 * @typedef {object} Instance
 * @property {string} id
 * @property {string} state
 * @property {number} launchedAt  epoch milliseconds
 * @property {Record<string, string>} tags
 * @property {number} vCpus  cores x threads per core; 0 when EC2 did not say
 */

/** @type {Partial<Clients>} */
let clientOverrides = {};
/** @type {Partial<Clients>} */
let clientCache = {};

/**
 * Replaces some clients (tests, or another region/credentials). Clients not given are created on
 * first use.
 * @param {Partial<Clients>} overrides
 */
export function setClients(overrides) {
  clientOverrides = { ...clientOverrides, ...overrides };
}

/** Drops overrides and cached clients. */
export function resetClients() {
  clientOverrides = {};
  clientCache = {};
}

/** @returns {Clients} the clients, created lazily (once per warm Lambda environment). */
function clients() {
  /**
   * @template {keyof Clients} K
   * @param {K} name
   * @param {() => Clients[K]} create
   * @returns {Clients[K]}
   */
  const get = (name, create) => {
    const given = clientOverrides[name] ?? clientCache[name];
    if (given) return /** @type {Clients[K]} */ (given);
    const made = create();
    clientCache[name] = made;
    return made;
  };
  return {
    get autoscaling() { return get('autoscaling', () => new AutoScalingClient({})); },
    get ec2() { return get('ec2', () => new EC2Client({})); },
    get cloudwatch() { return get('cloudwatch', () => new CloudWatchClient({})); },
    get cloudformation() { return get('cloudformation', () => new CloudFormationClient({})); },
    get batch() { return get('batch', () => new BatchClient({})); },
    get sns() { return get('sns', () => new SNSClient({})); },
  };
}

/**
 * Reads the function's settings from its environment (set by the AutoShutdown construct).
 * @param {Record<string, string | undefined>} env
 * @returns {Config}
 */
export function configFromEnv(env) {
  const missing = ['TEAM', 'STACK_NAME', 'TOPIC_ARN'].filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`backstop: missing environment ${missing.join(', ')}`);
  const number = (/** @type {string} */ name, /** @type {number} */ fallback) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`backstop: ${name}=${raw} is not a positive number`);
    return value;
  };
  return {
    team: /** @type {string} */ (env['TEAM']),
    stackName: /** @type {string} */ (env['STACK_NAME']),
    topicArn: /** @type {string} */ (env['TOPIC_ARN']),
    idleGraceFactor: number('IDLE_GRACE_FACTOR', 2),
    idleCpuPercent: number('IDLE_CPU_PERCENT', 10),
    sweepQueues: (env['SWEEP_QUEUES'] ?? '').split(',').map((q) => q.trim()).filter(Boolean),
  };
}

/**
 * Lambda entry point: a scheduled sweep, or a spot interruption / rebalance event.
 * @param {any} event
 * @returns {Promise<Result>}
 */
export async function handler(event) {
  return run(event, {
    clients: clients(),
    config: configFromEnv(process.env),
    now: () => Date.now(),
    log: (line) => console.log(JSON.stringify(line)),
  });
}

/**
 * The handler with its dependencies given: what the tests call.
 * @param {any} event
 * @param {Deps} deps
 * @returns {Promise<Result>}
 */
export async function run(event, deps) {
  /** @type {Result} */
  const result = { decisions: [], failures: [] };
  const detailType = event?.['detail-type'];
  if (detailType === SPOT_INTERRUPTION || detailType === REBALANCE_RECOMMENDATION) {
    await onSpotEvent(event, deps, result);
  } else if (event?.source === 'aws.ec2') {
    decide(deps, result, { kind: 'event', target: String(detailType), action: 'ignore', reason: 'not a spot event this function handles' });
  } else {
    await sweep(deps, result);
  }
  return result;
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {Decision} decision
 */
function decide(deps, result, decision) {
  result.decisions.push(decision);
  deps.log({ team: deps.config.team, ...decision });
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {Failure} failure
 */
function fail(deps, result, failure) {
  result.failures.push(failure);
  deps.log({ team: deps.config.team, level: 'error', ...failure });
}

/** @param {unknown} err */
function message(err) {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Publishes to the team topic; a failed publish is logged, never thrown.
 * @param {Deps} deps
 * @param {Result} result
 * @param {string} subject
 * @param {string} body
 */
async function publish(deps, result, subject, body) {
  try {
    await deps.clients.sns.send(
      new PublishCommand({ TopicArn: deps.config.topicArn, Subject: `[gpu-burst ${deps.config.team}] ${subject}`.slice(0, 100), Message: body }),
    );
  } catch (err) {
    fail(deps, result, { kind: 'publish', target: deps.config.topicArn, error: message(err) });
  }
}

/**
 * @param {{ Key?: string, Value?: string }[] | undefined} tags
 * @returns {Record<string, string>}
 */
function tagMap(tags) {
  /** @type {Record<string, string>} */
  const map = {};
  for (const t of tags ?? []) if (t.Key !== undefined) map[t.Key] = t.Value ?? '';
  return map;
}

/**
 * @param {Record<string, string>} tags
 * @param {string} key
 * @returns {number | undefined}
 */
function positiveTag(tags, key) {
  const value = Number(tags[key]);
  return tags[key] !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** @param {number} ms */
function hours(ms) {
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * DescribeInstances, every page.
 * @param {Deps} deps
 * @param {import('@aws-sdk/client-ec2').DescribeInstancesCommandInput} input
 * @returns {Promise<Instance[]>}
 */
async function describeInstances(deps, input) {
  /** @type {Instance[]} */
  const out = [];
  /** @type {string | undefined} */
  let token;
  do {
    const page = await deps.clients.ec2.send(new DescribeInstancesCommand({ ...input, ...(token ? { NextToken: token } : {}) }));
    for (const reservation of page.Reservations ?? []) {
      for (const i of reservation.Instances ?? []) {
        if (!i.InstanceId) continue;
        out.push({
          id: i.InstanceId,
          state: i.State?.Name ?? 'unknown',
          launchedAt: i.LaunchTime ? new Date(i.LaunchTime).getTime() : NaN,
          tags: tagMap(i.Tags),
          vCpus: (i.CpuOptions?.CoreCount ?? 0) * (i.CpuOptions?.ThreadsPerCore ?? 1),
        });
      }
    }
    token = page.NextToken;
  } while (token);
  return out;
}

/**
 * Busy cores that count as work whatever the host's size: a training loop keeps at least one core
 * busy per process, which is 0.5 % of a 192-vCPU p5.48xlarge, so a flat percentage would call a
 * large training host idle.
 */
export const BUSY_CORES = 0.5;

/**
 * The CPU threshold of a host: the configured percentage, lowered on large hosts so that half a
 * busy core still counts as busy. Unknown size: the configured percentage.
 * @param {number} idleCpuPercent
 * @param {number} vCpus
 */
export function idleThreshold(idleCpuPercent, vCpus) {
  return vCpus > 0 ? Math.min(idleCpuPercent, (BUSY_CORES * 100) / vCpus) : idleCpuPercent;
}

/**
 * Whether CloudWatch shows every instance idle for the whole window: CPUUtilization (Maximum per
 * 5 minutes) under its threshold (`idleThreshold`) in every period. A period without data counts
 * as busy, except the newest ones CloudWatch has not published yet (up to 15 minutes).
 * @param {Deps} deps
 * @param {string[]} instanceIds
 * @param {number} windowMs
 * @param {number[]} [vCpus]  per instance, same order (0 or missing: unknown)
 * @returns {Promise<{ idle: boolean, reason: string }>}
 */
export async function idleByMetrics(deps, instanceIds, windowMs, vCpus = []) {
  const now = deps.now();
  const start = now - windowMs;
  /** @type {Map<string, { t: number, v: number }[]>} */
  const series = new Map(instanceIds.map((_, i) => [`m${i}`, []]));
  /** @type {string | undefined} */
  let token;
  do {
    const page = await deps.clients.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(start),
        EndTime: new Date(now),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: instanceIds.map((id, i) => ({
          Id: `m${i}`,
          ReturnData: true,
          MetricStat: {
            Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: id }] },
            Period: PERIOD_S,
            Stat: 'Maximum',
          },
        })),
        ...(token ? { NextToken: token } : {}),
      }),
    );
    for (const r of page.MetricDataResults ?? []) {
      const points = r.Id ? series.get(r.Id) : undefined;
      if (!points) continue;
      (r.Timestamps ?? []).forEach((t, k) => points.push({ t: new Date(t).getTime(), v: Number(r.Values?.[k]) }));
    }
    token = page.NextToken;
  } while (token);

  for (const [k, points] of series) {
    const id = instanceIds[Number(k.slice(1))];
    const sorted = [...points].sort((a, b) => a.t - b.t);
    const first = sorted[0];
    const last = sorted[sorted.length - 1];
    if (!first || !last) return { idle: false, reason: `${id}: no CPU metrics in the window (missing data counts as busy)` };
    if (first.t > start + PERIOD_MS) return { idle: false, reason: `${id}: CPU metrics start late in the window` };
    if (last.t < now - METRIC_LAG_MS) return { idle: false, reason: `${id}: no CPU metrics in the last ${METRIC_LAG_MS / 60_000} minutes` };
    for (let n = 1; n < sorted.length; n++) {
      const gap = /** @type {{t: number}} */ (sorted[n]).t - /** @type {{t: number}} */ (sorted[n - 1]).t;
      if (gap > PERIOD_MS) return { idle: false, reason: `${id}: a gap in CPU metrics` };
    }
    const busiest = Math.max(...sorted.map((p) => p.v));
    const threshold = idleThreshold(deps.config.idleCpuPercent, vCpus[Number(k.slice(1))] ?? 0);
    if (!(busiest < threshold)) {
      return { idle: false, reason: `${id}: CPU reached ${busiest.toFixed(2)} % (idle under ${Number(threshold.toFixed(2))} %)` };
    }
  }
  return { idle: true, reason: `CPU under ${deps.config.idleCpuPercent} % (less on hosts over ${Math.round((BUSY_CORES * 100) / deps.config.idleCpuPercent)} vCPUs) on every host for ${Math.round(windowMs / 60_000)} minutes` };
}

/**
 * Whether hosts are idle enough to shut down: each has run for the whole window and metrics agree.
 * @param {Deps} deps
 * @param {Instance[]} instances
 * @param {Record<string, string>} tags  of the group or the instance (idle window)
 * @returns {Promise<{ idle: boolean, reason: string }>}
 */
async function idle(deps, instances, tags) {
  const idleMinutes = positiveTag(tags, TAGS.idleMinutes);
  if (idleMinutes === undefined) return { idle: false, reason: `no ${TAGS.idleMinutes} tag` };
  const windowMs = deps.config.idleGraceFactor * idleMinutes * 60_000;
  const now = deps.now();
  const young = instances.find((i) => i.state !== 'running' || !(now - i.launchedAt >= windowMs));
  if (young) return { idle: false, reason: `${young.id} has not run ${Math.round(windowMs / 60_000)} minutes yet (${young.state})` };
  return idleByMetrics(
    deps,
    instances.map((i) => i.id),
    windowMs,
    instances.map((i) => i.vCpus),
  );
}

/**
 * The scheduled sweep: fleets, dev boxes, then egress.
 * @param {Deps} deps
 * @param {Result} result
 */
async function sweep(deps, result) {
  /** Reasons egress must stay on; null once an observation failed (state unknown: keep egress). */
  /** @type {string[] | null} */
  let busy = [];

  let groups;
  try {
    groups = await fleetGroups(deps);
  } catch (err) {
    fail(deps, result, { kind: 'fleet', target: '*', error: message(err) });
    busy = null;
  }
  for (const group of groups ?? []) {
    const name = group.AutoScalingGroupName ?? '?';
    const hasHosts = (group.Instances?.length ?? 0) > 0 || (group.DesiredCapacity ?? 0) > 0;
    if (hasHosts) busy?.push(`fleet ${name} has hosts or desired capacity`);
    try {
      await checkFleet(deps, result, group);
    } catch (err) {
      fail(deps, result, { kind: 'fleet', target: name, error: message(err) });
    }
  }

  let instances;
  try {
    instances = await describeInstances(deps, {
      Filters: [
        { Name: `tag:${TAGS.team}`, Values: [deps.config.team] },
        { Name: 'instance-state-name', Values: ['pending', 'running'] },
      ],
    });
  } catch (err) {
    fail(deps, result, { kind: 'devbox', target: '*', error: message(err) });
    busy = null;
  }
  for (const instance of instances ?? []) {
    if (instance.tags[TAGS.team] !== deps.config.team) continue;
    busy?.push(`instance ${instance.id} is ${instance.state}`);
    if (instance.tags[TAGS.role] !== 'devbox' || instance.state !== 'running') continue;
    try {
      await checkDevBox(deps, result, instance);
    } catch (err) {
      fail(deps, result, { kind: 'devbox', target: instance.id, error: message(err) });
    }
  }

  try {
    await checkEgress(deps, result, busy);
  } catch (err) {
    fail(deps, result, { kind: 'egress', target: deps.config.stackName, error: message(err) });
  }
}

/**
 * The team's fleet groups, every page.
 * @param {Deps} deps
 */
async function fleetGroups(deps) {
  /** @type {import('@aws-sdk/client-auto-scaling').AutoScalingGroup[]} */
  const out = [];
  /** @type {string | undefined} */
  let token;
  do {
    const page = await deps.clients.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({
        Filters: [
          { Name: `tag:${TAGS.team}`, Values: [deps.config.team] },
          { Name: `tag:${TAGS.role}`, Values: ['fleet'] },
        ],
        ...(token ? { NextToken: token } : {}),
      }),
    );
    out.push(...(page.AutoScalingGroups ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {import('@aws-sdk/client-auto-scaling').AutoScalingGroup} group
 */
async function checkFleet(deps, result, group) {
  const name = group.AutoScalingGroupName ?? '?';
  const tags = tagMap(group.Tags);
  // The API filter already asks for these tags; never act on a group that does not carry them.
  if (tags[TAGS.team] !== deps.config.team || tags[TAGS.role] !== 'fleet') {
    decide(deps, result, { kind: 'fleet', target: name, action: 'ignore', reason: 'not a fleet of this team' });
    return;
  }
  const ids = (group.Instances ?? []).map((i) => i.InstanceId).filter((id) => typeof id === 'string');
  if (ids.length === 0) {
    const reason = (group.DesiredCapacity ?? 0) > 0 ? 'desired capacity but no instance yet (nothing bills)' : 'at zero';
    decide(deps, result, { kind: 'fleet', target: name, action: 'keep', reason });
    return;
  }
  const instances = (await describeInstances(deps, { InstanceIds: ids })).filter((i) => i.state === 'pending' || i.state === 'running');
  if (instances.length === 0) {
    decide(deps, result, { kind: 'fleet', target: name, action: 'keep', reason: 'no pending or running instance' });
    return;
  }
  const now = deps.now();
  const oldest = Math.min(...instances.map((i) => i.launchedAt));
  const ttlHours = positiveTag(tags, TAGS.ttlHours);
  if (ttlHours !== undefined && now - oldest > ttlHours * 3_600_000) {
    await scaleToZero(deps, result, name, `its oldest host launched ${hours(now - oldest)} ago, past the ${ttlHours} h TTL`);
    return;
  }
  const verdict = await idle(deps, instances, tags);
  if (verdict.idle) {
    await scaleToZero(deps, result, name, `idle by CloudWatch metrics: ${verdict.reason}`);
    return;
  }
  decide(deps, result, { kind: 'fleet', target: name, action: 'keep', reason: verdict.reason });
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {string} name
 * @param {string} reason
 */
async function scaleToZero(deps, result, name, reason) {
  try {
    await deps.clients.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, DesiredCapacity: 0 }));
  } catch (err) {
    fail(deps, result, { kind: 'fleet', target: name, error: message(err) });
    await publish(deps, result, `could not scale ${name} to zero`, `The backstop tried to scale fleet ${name} to zero (${reason}) and failed: ${message(err)}. It keeps trying every run; check the group now, it may still bill.`);
    return;
  }
  decide(deps, result, { kind: 'fleet', target: name, action: 'scale-to-zero', reason });
  await publish(deps, result, `scaled ${name} to zero`, `Fleet ${name} was scaled to zero: ${reason}. Start it again with \`burst start\`; checkpoints are in the artifact bucket.`);
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {Instance} instance  a running dev box of the team
 */
async function checkDevBox(deps, result, instance) {
  const now = deps.now();
  const ttlHours = positiveTag(instance.tags, TAGS.ttlHours);
  let reason;
  if (ttlHours !== undefined && now - instance.launchedAt > ttlHours * 3_600_000) {
    reason = `running ${hours(now - instance.launchedAt)} since its last start, past the ${ttlHours} h TTL`;
  } else {
    const verdict = await idle(deps, [instance], instance.tags);
    if (!verdict.idle) {
      decide(deps, result, { kind: 'devbox', target: instance.id, action: 'keep', reason: verdict.reason });
      return;
    }
    reason = `idle by CloudWatch metrics: ${verdict.reason}`;
  }
  try {
    await deps.clients.ec2.send(new StopInstancesCommand({ InstanceIds: [instance.id] }));
  } catch (err) {
    fail(deps, result, { kind: 'devbox', target: instance.id, error: message(err) });
    await publish(deps, result, `could not stop dev box ${instance.id}`, `The backstop tried to stop the dev box ${instance.id} (${reason}) and failed: ${message(err)}.`);
    return;
  }
  decide(deps, result, { kind: 'devbox', target: instance.id, action: 'stop', reason });
  await publish(deps, result, `stopped dev box ${instance.id}`, `The dev box ${instance.id} was stopped (its disks are kept): ${reason}. Start it again with \`aws ec2 start-instances --instance-ids ${instance.id}\`.`);
}

/**
 * Turns on-demand egress off once nothing runs and the stack has been stable for 30 minutes.
 * @param {Deps} deps
 * @param {Result} result
 * @param {string[] | null} busy  why hosts may still need egress; null when unknown
 */
async function checkEgress(deps, result, busy) {
  const target = deps.config.stackName;
  const described = await deps.clients.cloudformation.send(new DescribeStacksCommand({ StackName: target }));
  const stack = described.Stacks?.[0];
  if (!stack) throw new Error(`stack ${target} not found`);
  const parameters = stack.Parameters ?? [];
  const egress = parameters.find((p) => p.ParameterKey === EGRESS_PARAMETER)?.ParameterValue;
  if (egress !== 'on') {
    decide(deps, result, { kind: 'egress', target, action: 'keep', reason: `egress is ${egress ?? 'not a parameter of the stack'}` });
    return;
  }
  if (busy === null) {
    decide(deps, result, { kind: 'egress', target, action: 'keep', reason: 'could not see every host this run' });
    return;
  }
  if (busy.length > 0) {
    decide(deps, result, { kind: 'egress', target, action: 'keep', reason: busy[0] ?? 'busy' });
    return;
  }
  for (const queue of deps.config.sweepQueues) {
    for (const jobStatus of ACTIVE_JOB_STATES) {
      const page = await deps.clients.batch.send(new ListJobsCommand({ jobQueue: queue, jobStatus: /** @type {any} */ (jobStatus), maxResults: 1 }));
      if ((page.jobSummaryList ?? []).length > 0) {
        decide(deps, result, { kind: 'egress', target, action: 'keep', reason: `queue ${queue} has a ${jobStatus} job` });
        return;
      }
    }
  }
  const status = stack.StackStatus ?? '';
  if (!/_COMPLETE$/.test(status) || status === 'ROLLBACK_COMPLETE' || status === 'DELETE_COMPLETE') {
    decide(deps, result, { kind: 'egress', target, action: 'keep', reason: `stack is ${status}` });
    return;
  }
  const changed = stack.LastUpdatedTime ?? stack.CreationTime;
  const since = changed ? deps.now() - new Date(changed).getTime() : 0;
  if (!(since > EGRESS_SETTLE_MS)) {
    decide(deps, result, { kind: 'egress', target, action: 'keep', reason: `stack changed ${Math.round(since / 60_000)} minutes ago (waits ${EGRESS_SETTLE_MS / 60_000})` });
    return;
  }
  try {
    await deps.clients.cloudformation.send(
      new UpdateStackCommand({
        StackName: target,
        UsePreviousTemplate: true,
        Parameters: parameters.map((p) =>
          p.ParameterKey === EGRESS_PARAMETER ? { ParameterKey: EGRESS_PARAMETER, ParameterValue: 'off' } : { ParameterKey: p.ParameterKey, UsePreviousValue: true },
        ),
        Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      }),
    );
  } catch (err) {
    if (/No updates are to be performed/i.test(message(err))) {
      decide(deps, result, { kind: 'egress', target, action: 'keep', reason: 'no update needed' });
      return;
    }
    // Retried on the next run; the NAT gateway bills until then.
    fail(deps, result, { kind: 'egress', target, error: message(err) });
    return;
  }
  const reason = `no fleet host, dev box or sweep job runs, and the stack has not changed for ${Math.round(since / 60_000)} minutes`;
  decide(deps, result, { kind: 'egress', target, action: 'egress-off', reason });
  await publish(deps, result, 'egress turned off', `The NAT gateway of ${target} is being removed: ${reason}. \`burst start\` turns it on again.`);
}

/**
 * A spot interruption warning or rebalance recommendation: notify when it is one of ours.
 * @param {any} event
 * @param {Deps} deps
 * @param {Result} result
 */
async function onSpotEvent(event, deps, result) {
  const detailType = String(event['detail-type']);
  const id = event?.detail?.['instance-id'];
  if (typeof id !== 'string') {
    decide(deps, result, { kind: 'spot', target: '?', action: 'ignore', reason: `${detailType} without an instance id` });
    return;
  }
  let instance;
  try {
    [instance] = await describeInstances(deps, { InstanceIds: [id] });
  } catch (err) {
    if (/InvalidInstanceID/.test(message(err))) {
      decide(deps, result, { kind: 'spot', target: id, action: 'ignore', reason: 'instance not found' });
      return;
    }
    fail(deps, result, { kind: 'spot', target: id, error: message(err) });
    return;
  }
  if (!instance || instance.tags[TAGS.team] !== deps.config.team) {
    decide(deps, result, { kind: 'spot', target: id, action: 'ignore', reason: 'not an instance of this team' });
    return;
  }
  const role = instance.tags[TAGS.role] ?? 'host';
  const owner =
    role === 'fleet'
      ? `fleet ${instance.tags[TAGS.fleet] ?? '?'}`
      : role === 'sweep'
        ? `sweep group ${instance.tags[TAGS.sweep] ?? '?'}`
        : role === 'devbox'
          ? 'the dev box'
          : role;
  const interruption = detailType === SPOT_INTERRUPTION;
  const next = interruption
    ? [
        `EC2 will ${event.detail['instance-action'] ?? 'reclaim'} ${id} about two minutes after ${event.time ?? 'this warning'}.`,
        'The gpu-burst agent on the host signals the trainer and uploads its checkpoint before then.',
        role === 'fleet'
          ? 'The Auto Scaling group launches a replacement from its other spot pools; training resumes from the last checkpoint.'
          : role === 'sweep'
            ? 'AWS Batch retries the trial, which resumes from its own checkpoint prefix.'
            : 'Nothing replaces it automatically.',
      ]
    : [
        `${id} is at elevated risk of interruption.`,
        role === 'fleet'
          ? 'Capacity rebalancing launches a replacement ahead of an interruption; no action is needed.'
          : 'No action is needed; an interruption warning follows if EC2 reclaims it.',
      ];
  decide(deps, result, { kind: 'spot', target: id, action: 'notify', reason: `${detailType} for ${owner}` });
  await publish(deps, result, `${interruption ? 'spot interruption' : 'rebalance recommendation'}: ${id}`, `${detailType} for ${owner} (${id}).\n${next.join('\n')}`);
}
