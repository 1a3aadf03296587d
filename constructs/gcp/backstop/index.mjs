// @ts-check
/**
 * gpu-burst serverless backstop on GCP (auto-shutdown layer c), a Cloud Run function (2nd gen)
 * that Cloud Scheduler calls every few minutes.
 *
 * Each run finds the team's labelled compute and shuts down what the on-host agent (layer a) and
 * the native deadlines (layer b: maxRunDuration, queued-resource deadlines) missed:
 * - a fleet (regional managed instance group `<team>-<fleet>`) past its deadline is resized to 0.
 *   This matters even with maxRunDuration: a MIG recreates the VMs maxRunDuration deleted, so only
 *   a resize ends a forgotten burst;
 * - the dev box `<team>-devbox`, RUNNING past its deadline, is stopped (its disks stay);
 * - a TPU queued resource `<team>-<tpu>` (and a TPU node outside any queued resource) past its
 *   deadline is deleted, with its nodes.
 *
 * A target's deadline is the earliest of: the one in its burst record
 * (`gs://<bucket>/teams/<team>/bursts/<target>.json`, written by `burst start`); its start plus
 * the `gpu-burst-ttl-minutes` label plus {@link TTL_GRACE_MINUTES} (start: a fleet's oldest VM's
 * creation, the dev box's last start, a TPU's creation); and, on a TPU, its `gpu-burst-deadline`
 * label. The team's hosts can write their records, so a record may shorten a burst but never
 * lengthen it past the TTL of the template. A record that cannot be read or parsed is reported and
 * the TTL still holds.
 *
 * A fleet resized by hand (no record) is caught by its oldest VM's age, which maxRunDuration
 * resets when it deletes a VM the group then recreates: a run must land between TTL + grace and
 * the native deadline. `burst start` always writes the record, so its bursts do not depend on that.
 *
 * Idle by cloud metrics is not judged here: Cloud Monitoring sees CPU but not GPU or TPU activity
 * without an agent, and the on-host agent, which sees both, already removes idle hosts. The
 * backstop enforces deadlines, which need no data that could be missing.
 *
 * Every decision is one JSON log line (Cloud Logging reads `severity`). One failing item never
 * stops the others; failures are logged at ERROR, returned, and make the HTTP answer a 500, so the
 * scheduler job shows the failed run.
 *
 * Plain ESM with JSDoc types, deployed with its own package.json (pinned client libraries).
 */

/** Label keys shared with the components (see the common contract). */
export const LABELS = Object.freeze({
  team: 'team',
  role: 'gpu-burst-role',
  fleet: 'gpu-burst-fleet',
  tpu: 'gpu-burst-tpu',
  ttlMinutes: 'gpu-burst-ttl-minutes',
  idleMinutes: 'gpu-burst-idle-minutes',
  /** On TPU nodes: the burst's deadline, epoch seconds, set by `burst start` at creation. */
  deadline: 'gpu-burst-deadline',
});

/** The burst-record target of the dev box. */
export const DEVBOX_TARGET = 'devbox';

/** Minutes a TTL deadline waits past the TTL, so the agent (which uploads a checkpoint first) acts first. */
export const TTL_GRACE_MINUTES = 5;

/**
 * A record written more than this before the dev box's last start (or a TPU's creation) belongs to
 * an earlier burst and is ignored.
 */
export const STALE_RECORD_SLACK_MS = 15 * 60_000;

const MINUTE = 60_000;

/**
 * @typedef {object} Mig  a regional managed instance group, as the Compute API lists it
 * @property {string | null} [name]
 * @property {number | null} [targetSize]
 * @property {string | null} [instanceTemplate]
 * @property {{ instanceTemplate?: string | null }[] | null} [versions]
 */

/**
 * @typedef {object} Vm  an instance, as the Compute API lists it
 * @property {string | null} [name]
 * @property {string | null} [status]
 * @property {string | null} [creationTimestamp]
 * @property {string | null} [lastStartTimestamp]
 * @property {Record<string, string> | null} [labels]
 * @property {{ items?: { key?: string | null, value?: string | null }[] | null } | null} [metadata]
 */

/** @typedef {{ seconds?: number | string | { toNumber(): number } | null, nanos?: number | null } | string | null | undefined} Timestamp */

/**
 * @typedef {object} TpuNode
 * @property {string | null} [name]
 * @property {Timestamp} [createTime]
 * @property {Record<string, string> | null} [labels]
 * @property {string | number | null} [state]
 * @property {string | null} [queuedResource]
 */

/**
 * @typedef {object} QueuedResource
 * @property {string | null} [name]
 * @property {Timestamp} [createTime]
 * @property {{ nodeSpec?: { node?: TpuNode | null }[] | null } | null} [tpu]
 * @property {{ state?: string | number | null } | null} [state]
 */

/**
 * @typedef {object} Clients  the calls the backstop makes, shaped like the Google Cloud clients
 * @property {object} compute
 * @property {{ listAsync(req: { project: string, region: string }): AsyncIterable<Mig>, resize(req: { project: string, region: string, instanceGroupManager: string, size: number }): Promise<unknown> }} compute.migs
 *   RegionInstanceGroupManagersClient
 * @property {{ listAsync(req: { project: string, zone: string, filter?: string }): AsyncIterable<Vm>, stop(req: { project: string, zone: string, instance: string }): Promise<unknown> }} compute.instances
 *   InstancesClient
 * @property {{ get(req: { project: string, instanceTemplate: string }): Promise<[{ properties?: { labels?: Record<string, string> | null } | null }, ...unknown[]]> }} compute.templates
 *   InstanceTemplatesClient (global templates)
 * @property {{ get(req: { project: string, region: string, instanceTemplate: string }): Promise<[{ properties?: { labels?: Record<string, string> | null } | null }, ...unknown[]]> }} compute.regionTemplates
 *   RegionInstanceTemplatesClient
 * @property {{ listQueuedResourcesAsync(req: { parent: string }): AsyncIterable<QueuedResource>, deleteQueuedResource(req: { name: string, force: boolean }): Promise<unknown>, listNodesAsync(req: { parent: string }): AsyncIterable<TpuNode>, deleteNode(req: { name: string }): Promise<unknown> }} tpu
 *   TPU v2 TpuClient
 * @property {{ bucket(name: string): { file(name: string): { download(): Promise<[Buffer, ...unknown[]]> } } }} storage
 *   Cloud Storage client
 */

/**
 * @typedef {object} Config
 * @property {string} team      the team whose labelled compute this function may touch
 * @property {string} project   project id
 * @property {string} region    region of the fleets' managed instance groups
 * @property {string[]} zones   zones of the fleets' VMs and the dev box
 * @property {string[]} tpuZones  zones of the team's TPUs; none: TPUs are not swept (the TPU API may be off)
 * @property {string} bucket    artifact bucket holding `teams/<team>/bursts/*.json`
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
 * @property {string} kind     fleet | devbox | tpu
 * @property {string} target   group, instance, queued resource or node name
 * @property {string} action   resize-to-zero | stop | delete | keep | ignore
 * @property {string} reason
 */

/**
 * @typedef {object} Failure
 * @property {string} kind     fleet | devbox | tpu | record
 * @property {string} target
 * @property {string} error
 */

/** @typedef {{ decisions: Decision[], failures: Failure[] }} Result */

/**
 * @typedef {object} Deadline
 * @property {number} at       epoch milliseconds
 * @property {string} reason   what set it, for the log
 */

/**
 * Reads the function's settings from its environment (set by the AutoShutdown component):
 * TEAM, PROJECT, REGION, ZONES and BUCKET, and TPU_ZONES (comma-separated, optional).
 * @param {Record<string, string | undefined>} env
 * @returns {Config}
 */
export function configFromEnv(env) {
  const missing = ['TEAM', 'PROJECT', 'REGION', 'ZONES', 'BUCKET'].filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`backstop: missing environment ${missing.join(', ')}`);
  const list = (/** @type {string | undefined} */ raw) =>
    String(raw ?? '')
      .split(',')
      .map((z) => z.trim())
      .filter(Boolean);
  const zones = list(env['ZONES']);
  if (zones.length === 0) throw new Error('backstop: ZONES names no zone');
  return {
    team: String(env['TEAM']),
    project: String(env['PROJECT']),
    region: String(env['REGION']),
    zones,
    tpuZones: list(env['TPU_ZONES']),
    bucket: String(env['BUCKET']),
  };
}

/** @type {Promise<Clients> | undefined} */
let defaultClients;

/**
 * The Google Cloud clients, created once per warm instance. Imported lazily so tests with fakes
 * never load them and a cold start pays only for what it uses.
 * @returns {Promise<Clients>}
 */
async function clients() {
  defaultClients ??= (async () => {
    const [{ default: compute }, { default: tpu }, { Storage }] = await Promise.all([
      import('@google-cloud/compute'),
      import('@google-cloud/tpu'),
      import('@google-cloud/storage'),
    ]);
    return {
      compute: {
        migs: new compute.RegionInstanceGroupManagersClient(),
        instances: new compute.InstancesClient(),
        templates: new compute.InstanceTemplatesClient(),
        regionTemplates: new compute.RegionInstanceTemplatesClient(),
      },
      tpu: new tpu.v2.TpuClient(),
      storage: new Storage(),
    };
  })();
  return defaultClients;
}

/**
 * HTTP entry point (the function's `entryPoint`), called by Cloud Scheduler with an OIDC token.
 * Answers 200 with the run's decisions, or 500 when anything failed.
 * @param {{ body?: unknown }} req
 * @param {{ status(code: number): { json(body: unknown): unknown } }} res
 */
export async function backstop(req, res) {
  /** @type {Result} */
  let result;
  try {
    const config = configFromEnv(process.env);
    result = await run(req.body ?? {}, {
      clients: await clients(),
      config,
      now: () => Date.now(),
      log: (line) => console.log(JSON.stringify(line)),
    });
  } catch (err) {
    // Only configuration or client construction gets here; items never throw.
    console.log(JSON.stringify({ severity: 'ERROR', kind: 'run', error: message(err) }));
    res.status(500).json({ error: message(err) });
    return;
  }
  res.status(result.failures.length > 0 ? 500 : 200).json(result);
}

/**
 * One run with its dependencies given: what the tests call. Never throws for one item.
 * @param {unknown} _event  the scheduler's body (unused: every run sweeps everything)
 * @param {Deps} deps
 * @returns {Promise<Result>}
 */
export async function run(_event, deps) {
  /** @type {Result} */
  const result = { decisions: [], failures: [] };
  const vms = await teamInstances(deps, result);
  await sweepFleets(deps, result, vms);
  await sweepDevBox(deps, result, vms);
  await sweepTpus(deps, result);
  return result;
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {Decision} decision
 */
function decide(deps, result, decision) {
  result.decisions.push(decision);
  const acted = decision.action !== 'keep' && decision.action !== 'ignore';
  deps.log({ severity: acted ? 'NOTICE' : 'INFO', team: deps.config.team, ...decision });
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {Failure} failure
 */
function fail(deps, result, failure) {
  result.failures.push(failure);
  deps.log({ severity: 'ERROR', team: deps.config.team, ...failure });
}

/** @param {unknown} err */
function message(err) {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * @param {Record<string, string> | null | undefined} labels
 * @param {string} key
 * @returns {number | undefined}  a positive number, or undefined when the label is absent or bad
 */
function positiveLabel(labels, key) {
  const raw = labels?.[key];
  const value = Number(raw);
  return raw !== undefined && raw !== '' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * @param {Timestamp} t  RFC 3339 text (Compute) or a protobuf Timestamp (TPU)
 * @returns {number}  epoch milliseconds, NaN when absent
 */
export function timestampMs(t) {
  if (t === null || t === undefined) return NaN;
  if (typeof t === 'string') return Date.parse(t);
  const s = t.seconds;
  const seconds = s !== null && typeof s === 'object' && 'toNumber' in s ? s.toNumber() : Number(s);
  return seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** @param {number} ms */
function iso(ms) {
  return new Date(ms).toISOString();
}

/** @param {number} ms */
function duration(ms) {
  const minutes = Math.round(ms / MINUTE);
  return minutes < 120 ? `${minutes} min` : `${(ms / 3_600_000).toFixed(1)} h`;
}

/** @param {string | null | undefined} url */
function lastSegment(url) {
  return String(url ?? '').split('/').pop() ?? '';
}

/**
 * The burst record of a target: its deadline and start, or why there is none.
 * @param {Deps} deps
 * @param {Result} result
 * @param {string} target
 * @returns {Promise<{ deadline: number, startedAt: number } | undefined>}
 */
async function readRecord(deps, result, target) {
  const path = `teams/${deps.config.team}/bursts/${target}.json`;
  let text;
  try {
    const [content] = await deps.clients.storage.bucket(deps.config.bucket).file(path).download();
    text = content.toString('utf8');
  } catch (err) {
    if (/** @type {{ code?: unknown }} */ (err)?.code === 404) return undefined;
    // Unknown: report it; the TTL still holds.
    fail(deps, result, { kind: 'record', target: `gs://${deps.config.bucket}/${path}`, error: message(err) });
    return undefined;
  }
  let record;
  try {
    record = JSON.parse(text);
  } catch (err) {
    fail(deps, result, { kind: 'record', target: `gs://${deps.config.bucket}/${path}`, error: `not JSON: ${message(err)}` });
    return undefined;
  }
  const deadline = Date.parse(record?.deadline);
  if (!Number.isFinite(deadline)) {
    fail(deps, result, { kind: 'record', target: `gs://${deps.config.bucket}/${path}`, error: 'no valid deadline (ISO 8601)' });
    return undefined;
  }
  return { deadline, startedAt: Date.parse(record?.startedAt) };
}

/**
 * The earliest of the record's deadline, start + TTL + grace, and any other deadline given;
 * undefined when there is none.
 * @param {{ deadline: number } | undefined} record
 * @param {number} startedAt  epoch milliseconds (NaN: unknown)
 * @param {string} startedWhat  e.g. "oldest VM created"
 * @param {number | undefined} ttlMinutes
 * @param {Deadline[]} [others]
 * @returns {Deadline | undefined}
 */
function deadlineOf(record, startedAt, startedWhat, ttlMinutes, others = []) {
  /** @type {Deadline[]} */
  const candidates = [...others];
  if (record) candidates.push({ at: record.deadline, reason: `the burst record's deadline ${iso(record.deadline)}` });
  if (ttlMinutes !== undefined && Number.isFinite(startedAt)) {
    const at = startedAt + (ttlMinutes + TTL_GRACE_MINUTES) * MINUTE;
    candidates.push({ at, reason: `${startedWhat} ${iso(startedAt)} + ${LABELS.ttlMinutes} ${ttlMinutes} (+${TTL_GRACE_MINUTES} min grace) = ${iso(at)}` });
  }
  return candidates.sort((a, b) => a.at - b.at)[0];
}

/**
 * Instances labelled with the team in every configured zone, each with its zone. A zone that
 * cannot be listed is reported; the others still count.
 * @param {Deps} deps
 * @param {Result} result
 * @returns {Promise<{ vm: Vm, zone: string }[]>}
 */
async function teamInstances(deps, result) {
  const { project, team, zones } = deps.config;
  /** @type {{ vm: Vm, zone: string }[]} */
  const out = [];
  for (const zone of zones) {
    try {
      for await (const vm of deps.clients.compute.instances.listAsync({ project, zone, filter: `labels.${LABELS.team} = "${team}"` })) {
        // The API filter already asks for the label; never act on an instance that lacks it.
        if (vm.labels?.[LABELS.team] === team) out.push({ vm, zone });
      }
    } catch (err) {
      fail(deps, result, { kind: 'instances', target: zone, error: message(err) });
    }
  }
  return out;
}

/**
 * @param {Vm} vm
 * @returns {string}  the name of the managed instance group that created it, or ''
 */
function createdBy(vm) {
  const item = vm.metadata?.items?.find((i) => i.key === 'created-by');
  return item?.value?.includes('/instanceGroupManagers/') ? lastSegment(item.value) : '';
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {{ vm: Vm, zone: string }[]} vms
 */
async function sweepFleets(deps, result, vms) {
  const { project, region, team } = deps.config;
  /** @type {Mig[]} */
  const groups = [];
  try {
    for await (const mig of deps.clients.compute.migs.listAsync({ project, region })) {
      // Other teams' groups are not ours to log; `<team>-` is checked again against the labels.
      if ((mig.name ?? '').startsWith(`${team}-`)) groups.push(mig);
    }
  } catch (err) {
    fail(deps, result, { kind: 'fleet', target: `${region}/*`, error: message(err) });
    return;
  }
  for (const mig of groups) {
    const name = mig.name ?? '?';
    try {
      const members = vms.filter(({ vm }) => createdBy(vm) === name).map(({ vm }) => vm);
      await checkFleet(deps, result, mig, members);
    } catch (err) {
      fail(deps, result, { kind: 'fleet', target: name, error: message(err) });
    }
  }
}

/**
 * Labels of the group's instance template (the template carries the TTL; hosts cannot change it).
 * @param {Deps} deps
 * @param {Mig} mig
 * @returns {Promise<Record<string, string>>}
 */
async function templateLabels(deps, mig) {
  const url = mig.instanceTemplate ?? mig.versions?.[0]?.instanceTemplate ?? '';
  const name = lastSegment(url);
  if (!name) throw new Error('the group names no instance template');
  const regional = /\/regions\/([^/]+)\/instanceTemplates\//.exec(url);
  const [template] = regional
    ? await deps.clients.compute.regionTemplates.get({ project: deps.config.project, region: regional[1] ?? deps.config.region, instanceTemplate: name })
    : await deps.clients.compute.templates.get({ project: deps.config.project, instanceTemplate: name });
  return template.properties?.labels ?? {};
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {Mig} mig
 * @param {Vm[]} members  the team's instances this group created
 */
async function checkFleet(deps, result, mig, members) {
  const name = mig.name ?? '?';
  const team = deps.config.team;
  const targetSize = mig.targetSize ?? 0;
  // A TERMINATED VM no longer bills for its machine; the group replaces or deletes it.
  const live = members.filter((vm) => vm.status !== 'TERMINATED');
  if (targetSize === 0 && live.length === 0) {
    decide(deps, result, { kind: 'fleet', target: name, action: 'keep', reason: 'at zero' });
    return;
  }
  const labels = await templateLabels(deps, mig);
  if (labels[LABELS.team] !== team || labels[LABELS.role] !== 'fleet') {
    decide(deps, result, { kind: 'fleet', target: name, action: 'ignore', reason: 'its template is not labelled as a fleet of this team' });
    return;
  }
  const fleet = labels[LABELS.fleet] || name.slice(team.length + 1);
  const record = await readRecord(deps, result, fleet);
  const created = live.map((vm) => timestampMs(vm.creationTimestamp)).filter(Number.isFinite);
  const oldest = created.length > 0 ? Math.min(...created) : NaN;
  const deadline = deadlineOf(record, oldest, 'oldest VM created', positiveLabel(labels, LABELS.ttlMinutes));
  const now = deps.now();
  if (!deadline) {
    const why = live.length === 0 ? `target size ${targetSize} but no VM yet, and no burst record` : `no burst record and no ${LABELS.ttlMinutes} label`;
    decide(deps, result, { kind: 'fleet', target: name, action: 'keep', reason: why });
    return;
  }
  if (!(now > deadline.at)) {
    decide(deps, result, { kind: 'fleet', target: name, action: 'keep', reason: `${live.length} VM(s), deadline in ${duration(deadline.at - now)}: ${deadline.reason}` });
    return;
  }
  await deps.clients.compute.migs.resize({ project: deps.config.project, region: deps.config.region, instanceGroupManager: name, size: 0 });
  decide(deps, result, {
    kind: 'fleet',
    target: name,
    action: 'resize-to-zero',
    reason: `${live.length} VM(s), target size ${targetSize}, ${duration(now - deadline.at)} past ${deadline.reason}`,
  });
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {{ vm: Vm, zone: string }[]} vms
 */
async function sweepDevBox(deps, result, vms) {
  const name = `${deps.config.team}-${DEVBOX_TARGET}`;
  for (const { vm, zone } of vms.filter(({ vm }) => vm.name === name)) {
    try {
      await checkDevBox(deps, result, vm, zone);
    } catch (err) {
      fail(deps, result, { kind: 'devbox', target: name, error: message(err) });
    }
  }
}

/**
 * @param {Deps} deps
 * @param {Result} result
 * @param {Vm} vm
 * @param {string} zone
 */
async function checkDevBox(deps, result, vm, zone) {
  const name = vm.name ?? '?';
  if (vm.labels?.[LABELS.role] !== DEVBOX_TARGET) {
    decide(deps, result, { kind: 'devbox', target: name, action: 'ignore', reason: `not labelled ${LABELS.role}=${DEVBOX_TARGET}` });
    return;
  }
  if (vm.status !== 'RUNNING') {
    decide(deps, result, { kind: 'devbox', target: name, action: 'keep', reason: `${vm.status ?? 'unknown'}` });
    return;
  }
  const started = timestampMs(vm.lastStartTimestamp ?? vm.creationTimestamp);
  let record = await readRecord(deps, result, DEVBOX_TARGET);
  let stale = '';
  if (record && Number.isFinite(started) && !(record.startedAt >= started - STALE_RECORD_SLACK_MS)) {
    stale = '; the burst record is from an earlier start';
    record = undefined;
  }
  const deadline = deadlineOf(record, started, 'last started', positiveLabel(vm.labels, LABELS.ttlMinutes));
  const now = deps.now();
  if (!deadline) {
    decide(deps, result, { kind: 'devbox', target: name, action: 'keep', reason: `no burst record and no ${LABELS.ttlMinutes} label${stale}` });
    return;
  }
  if (!(now > deadline.at)) {
    decide(deps, result, { kind: 'devbox', target: name, action: 'keep', reason: `deadline in ${duration(deadline.at - now)}: ${deadline.reason}${stale}` });
    return;
  }
  await deps.clients.compute.instances.stop({ project: deps.config.project, zone, instance: name });
  decide(deps, result, { kind: 'devbox', target: name, action: 'stop', reason: `${duration(now - deadline.at)} past ${deadline.reason}${stale}; its disks are kept` });
}

/** Queued-resource and node states in which a delete is already under way. */
const DELETING = new Set(['DELETING', 5]);

/**
 * @param {Deps} deps
 * @param {Result} result
 */
async function sweepTpus(deps, result) {
  const { project, team, tpuZones } = deps.config;
  for (const zone of tpuZones) {
    const parent = `projects/${project}/locations/${zone}`;
    /** @type {QueuedResource[]} */
    const queued = [];
    /** @type {TpuNode[]} */
    const nodes = [];
    try {
      for await (const qr of deps.clients.tpu.listQueuedResourcesAsync({ parent })) {
        if (lastSegment(qr.name).startsWith(`${team}-`)) queued.push(qr);
      }
      for await (const node of deps.clients.tpu.listNodesAsync({ parent })) {
        // Nodes of a queued resource go with it.
        if (lastSegment(node.name).startsWith(`${team}-`) && !node.queuedResource) nodes.push(node);
      }
    } catch (err) {
      fail(deps, result, { kind: 'tpu', target: `${zone}/*`, error: message(err) });
    }
    for (const qr of queued) {
      const node = qr.tpu?.nodeSpec?.[0]?.node ?? {};
      await checkTpu(deps, result, { name: qr.name ?? '?', createTime: qr.createTime, labels: node.labels, state: qr.state?.state }, (name) =>
        deps.clients.tpu.deleteQueuedResource({ name, force: true }),
      );
    }
    for (const node of nodes) {
      await checkTpu(deps, result, { name: node.name ?? '?', createTime: node.createTime, labels: node.labels, state: node.state }, (name) =>
        deps.clients.tpu.deleteNode({ name }),
      );
    }
  }
}

/**
 * A queued resource (force-deleted with its nodes) or a node outside any queued resource.
 * @param {Deps} deps
 * @param {Result} result
 * @param {{ name: string, createTime: Timestamp, labels: Record<string, string> | null | undefined, state: string | number | null | undefined }} tpu
 * @param {(name: string) => Promise<unknown>} remove
 */
async function checkTpu(deps, result, tpu, remove) {
  const id = lastSegment(tpu.name);
  const team = deps.config.team;
  try {
    if (tpu.labels?.[LABELS.team] !== team) {
      decide(deps, result, { kind: 'tpu', target: id, action: 'ignore', reason: 'not labelled with this team' });
      return;
    }
    if (tpu.state !== null && tpu.state !== undefined && DELETING.has(tpu.state)) {
      decide(deps, result, { kind: 'tpu', target: id, action: 'keep', reason: 'already deleting' });
      return;
    }
    const created = timestampMs(tpu.createTime);
    let record = await readRecord(deps, result, tpu.labels?.[LABELS.tpu] || id.slice(team.length + 1));
    let stale = '';
    if (record && Number.isFinite(created) && !(record.startedAt >= created - STALE_RECORD_SLACK_MS)) {
      stale = '; the burst record is from an earlier burst';
      record = undefined;
    }
    const labelled = positiveLabel(tpu.labels, LABELS.deadline);
    const others = labelled === undefined ? [] : [{ at: labelled * 1000, reason: `its ${LABELS.deadline} label ${iso(labelled * 1000)}` }];
    const deadline = deadlineOf(record, created, 'created', positiveLabel(tpu.labels, LABELS.ttlMinutes), others);
    const now = deps.now();
    if (!deadline) {
      decide(deps, result, { kind: 'tpu', target: id, action: 'keep', reason: `no burst record and no ${LABELS.ttlMinutes} label${stale}` });
      return;
    }
    if (!(now > deadline.at)) {
      decide(deps, result, { kind: 'tpu', target: id, action: 'keep', reason: `deadline in ${duration(deadline.at - now)}: ${deadline.reason}${stale}` });
      return;
    }
    await remove(tpu.name);
    decide(deps, result, { kind: 'tpu', target: id, action: 'delete', reason: `${duration(now - deadline.at)} past ${deadline.reason}${stale}` });
  } catch (err) {
    fail(deps, result, { kind: 'tpu', target: id, error: message(err) });
  }
}
