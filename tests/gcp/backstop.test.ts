/**
 * The GCP serverless backstop (auto-shutdown layer c) against fake Google Cloud clients: fleets
 * (regional MIGs) past their deadline are resized to 0, an expired dev box is stopped, expired TPU
 * queued resources are force-deleted; other teams' compute is never touched, and one failure
 * never stops the rest (X4: nothing billable outlives its deadline).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { backstop, configFromEnv, run, timestampMs, TTL_GRACE_MINUTES } from '../../constructs/gcp/backstop/index.mjs';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const TEAM = 'vision';
const PROJECT = 'vision-ml';
const REGION = 'us-central1';
const ZONES = ['us-central1-a', 'us-central1-b'];
const BUCKET = 'vision-artifacts-1a2b';

type Labels = Record<string, string>;

interface FakeVm {
  name: string;
  zone: string;
  status: string;
  creationTimestamp: string;
  lastStartTimestamp?: string;
  labels: Labels;
  metadata?: { items: { key: string; value: string }[] };
}

interface FakeMig {
  name: string;
  targetSize: number;
  instanceTemplate: string;
}

interface FakeQueued {
  name: string;
  createTime: { seconds: string; nanos: number };
  tpu: { nodeSpec: { node: { labels: Labels } }[] };
  state: { state: string };
}

interface FakeNode {
  name: string;
  createTime: { seconds: string; nanos: number };
  labels: Labels;
  state: string;
  queuedResource?: string;
}

const iso = (agoMs: number) => new Date(NOW - agoMs).toISOString();
const pbTime = (agoMs: number) => ({ seconds: String(Math.floor((NOW - agoMs) / 1000)), nanos: 0 });

function fleetLabels(fleet: string, ttlMinutes = 720, team = TEAM): Labels {
  return {
    team,
    'cost-center': team,
    'managed-by': 'gpu-burst',
    'gpu-burst-role': 'fleet',
    'gpu-burst-fleet': fleet,
    'gpu-burst-ttl-minutes': String(ttlMinutes),
    'gpu-burst-idle-minutes': '30',
  };
}

/** A fake project: what the clients list, what they were asked to do, and injectable failures. */
class FakeProject {
  migs: FakeMig[] = [];
  templates = new Map<string, Labels>();
  vms: FakeVm[] = [];
  queued = new Map<string, FakeQueued[]>();
  nodes = new Map<string, FakeNode[]>();
  records = new Map<string, string>();
  /** Calls that change something, in order. */
  calls: string[] = [];
  /** Thrown by the call whose description (e.g. `resize vision-train`) matches. */
  failures = new Map<string, Error>();

  private maybeFail(what: string): void {
    const err = this.failures.get(what);
    if (err) throw err;
  }

  fleet(fleet: string, opts: { team?: string; targetSize?: number; ttlMinutes?: number; vmAgesMs?: number[]; zone?: string; status?: string } = {}): void {
    const team = opts.team ?? TEAM;
    const name = `${team}-${fleet}`;
    const template = `${name}-20261101`;
    const ages = opts.vmAgesMs ?? [];
    this.migs.push({
      name,
      targetSize: opts.targetSize ?? ages.length,
      instanceTemplate: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/instanceTemplates/${template}`,
    });
    const labels = fleetLabels(fleet, opts.ttlMinutes, team);
    this.templates.set(template, labels);
    ages.forEach((age, i) =>
      this.vms.push({
        name: `${name}-${i}abc`,
        zone: opts.zone ?? ZONES[i % ZONES.length]!,
        status: opts.status ?? 'RUNNING',
        creationTimestamp: iso(age),
        labels,
        metadata: { items: [{ key: 'created-by', value: `projects/123456789012/regions/${REGION}/instanceGroupManagers/${name}` }] },
      }),
    );
  }

  devbox(opts: { startedAgoMs: number; status?: string; ttlMinutes?: number; zone?: string }): void {
    this.vms.push({
      name: `${TEAM}-devbox`,
      zone: opts.zone ?? ZONES[1]!,
      status: opts.status ?? 'RUNNING',
      creationTimestamp: iso(30 * 24 * HOUR),
      lastStartTimestamp: iso(opts.startedAgoMs),
      labels: { team: TEAM, 'gpu-burst-role': 'devbox', 'gpu-burst-ttl-minutes': String(opts.ttlMinutes ?? 720) },
    });
  }

  tpu(id: string, opts: { createdAgoMs: number; team?: string; ttlMinutes?: number; zone?: string; state?: string }): string {
    const zone = opts.zone ?? ZONES[0]!;
    const name = `projects/${PROJECT}/locations/${zone}/queuedResources/${id}`;
    const team = opts.team ?? TEAM;
    const list = this.queued.get(zone) ?? [];
    list.push({
      name,
      createTime: pbTime(opts.createdAgoMs),
      tpu: { nodeSpec: [{ node: { labels: { team, 'gpu-burst-role': 'tpu', 'gpu-burst-tpu': id.slice(team.length + 1), 'gpu-burst-ttl-minutes': String(opts.ttlMinutes ?? 720) } } }] },
      state: { state: opts.state ?? 'ACTIVE' },
    });
    this.queued.set(zone, list);
    return name;
  }

  record(target: string, body: unknown): void {
    this.records.set(`teams/${TEAM}/bursts/${target}.json`, typeof body === 'string' ? body : JSON.stringify(body));
  }

  clients() {
    const p = this;
    async function* each<T>(items: T[]): AsyncIterable<T> {
      for (const item of items) yield item;
    }
    return {
      compute: {
        migs: {
          listAsync(req: { project: string; region: string }) {
            expect(req).toEqual({ project: PROJECT, region: REGION });
            p.maybeFail(`list migs ${req.region}`);
            return each(p.migs);
          },
          async resize(req: { project: string; region: string; instanceGroupManager: string; size: number }) {
            p.maybeFail(`resize ${req.instanceGroupManager}`);
            p.calls.push(`resize ${req.region}/${req.instanceGroupManager} to ${req.size}`);
            return [{}];
          },
        },
        instances: {
          listAsync(req: { project: string; zone: string; filter?: string }) {
            expect(req.filter).toBe(`labels.team = "${TEAM}"`);
            p.maybeFail(`list instances ${req.zone}`);
            // The API filter is applied here too, so other teams' VMs never come back.
            return each(p.vms.filter((vm) => vm.zone === req.zone && vm.labels['team'] === TEAM));
          },
          async stop(req: { project: string; zone: string; instance: string }) {
            p.maybeFail(`stop ${req.instance}`);
            p.calls.push(`stop ${req.zone}/${req.instance}`);
            return [{}];
          },
        },
        templates: {
          async get(req: { project: string; instanceTemplate: string }) {
            p.maybeFail(`template ${req.instanceTemplate}`);
            const labels = p.templates.get(req.instanceTemplate);
            if (!labels) throw Object.assign(new Error(`template ${req.instanceTemplate} not found`), { code: 404 });
            return [{ properties: { labels } }] as [{ properties: { labels: Labels } }];
          },
        },
        regionTemplates: {
          async get(): Promise<[{ properties: { labels: Labels } }]> {
            throw new Error('no regional templates here');
          },
        },
      },
      tpu: {
        listQueuedResourcesAsync(req: { parent: string }) {
          p.maybeFail(`list tpus ${req.parent}`);
          return each(p.queued.get(req.parent.split('/').pop()!) ?? []);
        },
        async deleteQueuedResource(req: { name: string; force: boolean }) {
          p.maybeFail(`delete ${req.name}`);
          p.calls.push(`delete queued ${req.name} force=${req.force}`);
          return [{}];
        },
        listNodesAsync(req: { parent: string }) {
          return each(p.nodes.get(req.parent.split('/').pop()!) ?? []);
        },
        async deleteNode(req: { name: string }) {
          p.calls.push(`delete node ${req.name}`);
          return [{}];
        },
      },
      storage: {
        bucket(bucket: string) {
          expect(bucket).toBe(BUCKET);
          return {
            file(path: string) {
              return {
                async download(): Promise<[Buffer]> {
                  p.maybeFail(`read ${path}`);
                  const body = p.records.get(path);
                  if (body === undefined) throw Object.assign(new Error('No such object'), { code: 404 });
                  return [Buffer.from(body)];
                },
              };
            },
          };
        },
      },
    };
  }
}

let project: FakeProject;
let lines: Record<string, unknown>[];

function deps() {
  return {
    clients: project.clients(),
    config: { team: TEAM, project: PROJECT, region: REGION, zones: ZONES, tpuZones: ZONES, bucket: BUCKET },
    now: () => NOW,
    log: (line: Record<string, unknown>) => lines.push(line),
  };
}

const sweep = () => run({}, deps());

function decisionFor(result: Awaited<ReturnType<typeof run>>, target: string) {
  const found = result.decisions.filter((d) => d.target === target);
  expect(found, target).toHaveLength(1);
  return found[0]!;
}

beforeEach(() => {
  project = new FakeProject();
  lines = [];
});

describe('fleets (regional MIGs)', () => {
  it('X4: resizes a fleet to 0 once its oldest VM is older than gpu-burst-ttl-minutes (no burst record)', async () => {
    project.fleet('train', { ttlMinutes: 120, vmAgesMs: [30 * MIN, (120 + TTL_GRACE_MINUTES + 1) * MIN] });
    const result = await sweep();
    expect(project.calls).toEqual([`resize ${REGION}/vision-train to 0`]);
    const d = decisionFor(result, 'vision-train');
    expect(d.action).toBe('resize-to-zero');
    expect(d.reason).toMatch(/oldest VM created .* gpu-burst-ttl-minutes 120/);
    expect(result.failures).toEqual([]);
  });

  it('X4: resizes a fleet to 0 once its burst record deadline has passed, even with young VMs', async () => {
    project.fleet('train', { vmAgesMs: [10 * MIN] });
    project.record('train', { target: 'train', kind: 'fleet', nodes: 1, startedAt: iso(3 * HOUR), deadline: iso(MIN) });
    const result = await sweep();
    expect(project.calls).toEqual([`resize ${REGION}/vision-train to 0`]);
    expect(decisionFor(result, 'vision-train').reason).toMatch(/burst record's deadline 2026-11-20T11:59:00.000Z/);
  });

  it('resizes a group whose record deadline passed while it still waits for capacity (it would bill once VMs come)', async () => {
    project.fleet('train', { targetSize: 2 });
    project.record('train', { target: 'train', kind: 'fleet', nodes: 2, startedAt: iso(13 * HOUR), deadline: iso(10 * MIN) });
    await sweep();
    expect(project.calls).toEqual([`resize ${REGION}/vision-train to 0`]);
  });

  it('leaves a busy, young fleet alone and says when its deadline comes', async () => {
    project.fleet('train', { ttlMinutes: 720, vmAgesMs: [2 * HOUR, 2 * HOUR] });
    project.record('train', { target: 'train', kind: 'fleet', nodes: 2, startedAt: iso(2 * HOUR), deadline: iso(-4 * HOUR) });
    const result = await sweep();
    expect(project.calls).toEqual([]);
    const d = decisionFor(result, 'vision-train');
    expect(d).toMatchObject({ action: 'keep' });
    expect(d.reason).toMatch(/2 VM\(s\), deadline in 4.0 h: the burst record's deadline/);
  });

  it('a record never lengthens a burst past the template TTL (hosts can write their records)', async () => {
    project.fleet('train', { ttlMinutes: 60, vmAgesMs: [3 * HOUR] });
    project.record('train', { target: 'train', kind: 'fleet', nodes: 1, startedAt: iso(3 * HOUR), deadline: iso(-30 * 24 * HOUR) });
    await sweep();
    expect(project.calls).toEqual([`resize ${REGION}/vision-train to 0`]);
  });

  it('keeps a group at zero without reading its template or record', async () => {
    project.fleet('train', { targetSize: 0 });
    project.failures.set('template vision-train-20261101', new Error('must not be read'));
    const result = await sweep();
    expect(decisionFor(result, 'vision-train')).toMatchObject({ action: 'keep', reason: 'at zero' });
    expect(result.failures).toEqual([]);
  });

  it('ignores VMs that are TERMINATED (they no longer bill for their machine)', async () => {
    project.fleet('train', { targetSize: 0, vmAgesMs: [20 * HOUR], status: 'TERMINATED' });
    await sweep();
    expect(project.calls).toEqual([]);
  });

  it("never touches another team's group, even one whose name starts with `<team>-`", async () => {
    // Team `vision-x` has a group `vision-x-train`: the name prefix matches, its labels do not.
    project.fleet('train', { team: 'vision-x', vmAgesMs: [48 * HOUR], ttlMinutes: 60 });
    project.migs.push({ name: 'nlp-train', targetSize: 4, instanceTemplate: 'global/instanceTemplates/nlp-train-1' });
    project.fleet('train', { vmAgesMs: [HOUR] });
    const result = await sweep();
    expect(project.calls).toEqual([]);
    expect(decisionFor(result, 'vision-x-train')).toMatchObject({ action: 'ignore' });
    expect(result.decisions.map((d) => d.target)).not.toContain('nlp-train');
  });

  it('keeps a labelled group with no deadline source and says why', async () => {
    project.fleet('train', { targetSize: 1 });
    const result = await sweep();
    expect(decisionFor(result, 'vision-train')).toMatchObject({ action: 'keep', reason: 'target size 1 but no VM yet, and no burst record' });
  });
});

describe('the dev box', () => {
  it('X4: stops a RUNNING dev box once lastStartTimestamp + TTL has passed; its disks stay', async () => {
    project.devbox({ startedAgoMs: 13 * HOUR, ttlMinutes: 720 });
    const result = await sweep();
    expect(project.calls).toEqual([`stop ${ZONES[1]}/vision-devbox`]);
    expect(decisionFor(result, 'vision-devbox').reason).toMatch(/past last started .* \+ gpu-burst-ttl-minutes 720 .*; its disks are kept$/);
  });

  it('stops it at the record deadline when that comes first', async () => {
    project.devbox({ startedAgoMs: 2 * HOUR });
    project.record('devbox', { target: 'devbox', kind: 'devbox', nodes: 1, startedAt: iso(2 * HOUR + MIN), deadline: iso(5 * MIN) });
    await sweep();
    expect(project.calls).toEqual([`stop ${ZONES[1]}/vision-devbox`]);
  });

  it('ignores a record from an earlier start: a box restarted by hand runs to its TTL', async () => {
    project.devbox({ startedAgoMs: HOUR });
    project.record('devbox', { target: 'devbox', kind: 'devbox', nodes: 1, startedAt: iso(30 * HOUR), deadline: iso(17 * HOUR) });
    const result = await sweep();
    expect(project.calls).toEqual([]);
    expect(decisionFor(result, 'vision-devbox').reason).toMatch(/from an earlier start/);
  });

  it('leaves a stopped dev box alone', async () => {
    project.devbox({ startedAgoMs: 40 * HOUR, status: 'TERMINATED' });
    const result = await sweep();
    expect(project.calls).toEqual([]);
    expect(decisionFor(result, 'vision-devbox')).toMatchObject({ action: 'keep', reason: 'TERMINATED' });
  });
});

describe('TPUs', () => {
  it('X4: force-deletes a queued resource once createTime + TTL has passed', async () => {
    const name = project.tpu('vision-pod', { createdAgoMs: 3 * HOUR, ttlMinutes: 120 });
    const result = await sweep();
    expect(project.calls).toEqual([`delete queued ${name} force=true`]);
    expect(decisionFor(result, 'vision-pod')).toMatchObject({ kind: 'tpu', action: 'delete' });
  });

  it('deletes at the record deadline, keeps one still inside it', async () => {
    const expired = project.tpu('vision-pod', { createdAgoMs: HOUR });
    project.record('pod', { target: 'pod', kind: 'tpu', nodes: 1, startedAt: iso(HOUR + MIN), deadline: iso(MIN) });
    project.tpu('vision-small', { createdAgoMs: HOUR, zone: ZONES[1] });
    const result = await sweep();
    expect(project.calls).toEqual([`delete queued ${expired} force=true`]);
    expect(decisionFor(result, 'vision-small')).toMatchObject({ action: 'keep' });
  });

  it('honours the deadline label burst start put on the node', async () => {
    const name = project.tpu('vision-pod', { createdAgoMs: HOUR, ttlMinutes: 720 });
    project.queued.get(ZONES[0]!)![0]!.tpu.nodeSpec[0]!.node.labels['gpu-burst-deadline'] = String((NOW - MIN) / 1000);
    const result = await sweep();
    expect(project.calls).toEqual([`delete queued ${name} force=true`]);
    expect(decisionFor(result, 'vision-pod').reason).toMatch(/its gpu-burst-deadline label 2026-11-20T11:59:00.000Z/);
  });

  it("never deletes another team's TPU or one already being deleted", async () => {
    project.tpu('vision-x-pod', { team: 'vision-x', createdAgoMs: 40 * HOUR, ttlMinutes: 60 });
    project.tpu('nlp-pod', { team: 'nlp', createdAgoMs: 40 * HOUR, ttlMinutes: 60 });
    project.tpu('vision-old', { createdAgoMs: 40 * HOUR, ttlMinutes: 60, state: 'DELETING' });
    const result = await sweep();
    expect(project.calls).toEqual([]);
    expect(decisionFor(result, 'vision-x-pod')).toMatchObject({ action: 'ignore' });
    expect(decisionFor(result, 'vision-old')).toMatchObject({ action: 'keep', reason: 'already deleting' });
    expect(result.decisions.map((d) => d.target)).not.toContain('nlp-pod');
  });

  it('without TPU zones it never calls the TPU API (it may not be enabled)', async () => {
    project.tpu('vision-pod', { createdAgoMs: 40 * HOUR });
    project.failures.set(`list tpus projects/${PROJECT}/locations/${ZONES[0]}`, new Error('SERVICE_DISABLED'));
    const result = await run({}, { ...deps(), config: { ...deps().config, tpuZones: [] } });
    expect(result).toEqual({ decisions: [], failures: [] });
  });

  it('deletes an expired TPU node that belongs to no queued resource; leaves queued-resource nodes to their queued resource', async () => {
    const zone = ZONES[0]!;
    project.nodes.set(zone, [
      { name: `projects/${PROJECT}/locations/${zone}/nodes/vision-stray`, createTime: pbTime(20 * HOUR), labels: { team: TEAM, 'gpu-burst-ttl-minutes': '720' }, state: 'READY' },
      {
        name: `projects/${PROJECT}/locations/${zone}/nodes/vision-pod`,
        createTime: pbTime(20 * HOUR),
        labels: { team: TEAM, 'gpu-burst-ttl-minutes': '720' },
        state: 'READY',
        queuedResource: `projects/${PROJECT}/locations/${zone}/queuedResources/vision-pod`,
      },
    ]);
    await sweep();
    expect(project.calls).toEqual([`delete node projects/${PROJECT}/locations/${zone}/nodes/vision-stray`]);
  });
});

describe('failures', () => {
  it('one failing item never stops the others, and every failure is reported', async () => {
    project.fleet('a', { ttlMinutes: 60, vmAgesMs: [5 * HOUR], zone: ZONES[1] });
    project.fleet('b', { ttlMinutes: 60, vmAgesMs: [5 * HOUR], zone: ZONES[1] });
    project.devbox({ startedAgoMs: 20 * HOUR });
    const tpu = project.tpu('vision-pod', { createdAgoMs: 20 * HOUR });
    project.failures.set('resize vision-a', new Error('PERMISSION_DENIED: compute.instanceGroupManagers.update'));
    project.failures.set('list instances us-central1-a', new Error('UNAVAILABLE'));
    const result = await sweep();
    expect(project.calls).toEqual([`resize ${REGION}/vision-b to 0`, `stop ${ZONES[1]}/vision-devbox`, `delete queued ${tpu} force=true`]);
    expect(result.failures).toEqual([
      { kind: 'instances', target: 'us-central1-a', error: 'Error: UNAVAILABLE' },
      { kind: 'fleet', target: 'vision-a', error: 'Error: PERMISSION_DENIED: compute.instanceGroupManagers.update' },
    ]);
    expect(lines.filter((l) => l['severity'] === 'ERROR')).toHaveLength(2);
  });

  it('an unreadable or broken record is reported and the TTL still holds', async () => {
    project.fleet('a', { ttlMinutes: 60, vmAgesMs: [5 * HOUR] });
    project.fleet('b', { ttlMinutes: 60, vmAgesMs: [5 * HOUR] });
    project.failures.set(`read teams/${TEAM}/bursts/a.json`, Object.assign(new Error('Forbidden'), { code: 403 }));
    project.record('b', '{"deadline": "soon"');
    const result = await sweep();
    expect(project.calls).toEqual([`resize ${REGION}/vision-a to 0`, `resize ${REGION}/vision-b to 0`]);
    expect(result.failures.map((f) => [f.kind, f.target])).toEqual([
      ['record', `gs://${BUCKET}/teams/${TEAM}/bursts/a.json`],
      ['record', `gs://${BUCKET}/teams/${TEAM}/bursts/b.json`],
    ]);
  });

  it('a zone whose TPUs cannot be listed is reported; the other zones are still swept', async () => {
    project.failures.set(`list tpus projects/${PROJECT}/locations/${ZONES[0]}`, new Error('tpu.queuedResources.list denied'));
    const other = project.tpu('vision-pod', { createdAgoMs: 20 * HOUR, zone: ZONES[1] });
    const result = await sweep();
    expect(project.calls).toEqual([`delete queued ${other} force=true`]);
    expect(result.failures).toEqual([{ kind: 'tpu', target: `${ZONES[0]}/*`, error: 'Error: tpu.queuedResources.list denied' }]);
  });
});

describe('logging and entry point', () => {
  it('writes one JSON-ready line per decision, with a Cloud Logging severity', async () => {
    project.fleet('train', { ttlMinutes: 60, vmAgesMs: [5 * HOUR] });
    project.fleet('idle', { targetSize: 0 });
    const result = await sweep();
    expect(lines).toHaveLength(result.decisions.length);
    expect(lines.map((l) => [l['severity'], l['team'], l['target'], l['action']])).toEqual([
      ['NOTICE', TEAM, 'vision-train', 'resize-to-zero'],
      ['INFO', TEAM, 'vision-idle', 'keep'],
    ]);
    for (const line of lines) expect(JSON.parse(JSON.stringify(line))).toEqual(line);
  });

  it('reads its settings from the environment the component sets', () => {
    expect(configFromEnv({ TEAM, PROJECT, REGION, ZONES: 'us-central1-a, us-central1-b', TPU_ZONES: 'us-central1-a', BUCKET })).toEqual({
      team: TEAM,
      project: PROJECT,
      region: REGION,
      zones: ZONES,
      tpuZones: ['us-central1-a'],
      bucket: BUCKET,
    });
    expect(configFromEnv({ TEAM, PROJECT, REGION, ZONES: 'us-central1-a', BUCKET }).tpuZones).toEqual([]);
    expect(() => configFromEnv({ TEAM, REGION })).toThrow('backstop: missing environment PROJECT, ZONES, BUCKET');
  });

  it('answers the scheduler with 500 when it cannot run, so the job shows the failure', async () => {
    const keys = ['TEAM', 'PROJECT', 'REGION', 'ZONES', 'TPU_ZONES', 'BUCKET'];
    const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
    for (const key of keys) delete process.env[key];
    let status = 0;
    let body: unknown;
    const original = console.log;
    console.log = () => {};
    try {
      await backstop({ body: {} }, { status: (code: number) => ({ json: (b: unknown) => ((status = code), (body = b)) }) });
    } finally {
      console.log = original;
      for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
    }
    expect(status).toBe(500);
    expect(body).toEqual({ error: expect.stringContaining('missing environment TEAM') });
  });

  it('reads Compute (RFC 3339) and TPU (protobuf) timestamps', () => {
    expect(timestampMs('2026-11-20T12:00:00.000-08:00')).toBe(Date.parse('2026-11-20T20:00:00Z'));
    expect(timestampMs({ seconds: '1700000000', nanos: 500_000_000 })).toBe(1_700_000_000_500);
    expect(timestampMs({ seconds: { toNumber: () => 1_700_000_000 }, nanos: 0 })).toBe(1_700_000_000_000);
    expect(timestampMs(undefined)).toBeNaN();
  });
});
