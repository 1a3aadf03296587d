/**
 * TPU nodes: the CreateQueuedResource request `burst start` sends (single-host and multi-host slices,
 * spot, zone, runtime, no external IPs, the team's service account, labels, the agent's startup
 * script), and the TpuNode component, which records that request and creates nothing (X4).
 */
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TPU_QUEUE_MINUTES,
  TPU_SERVICE_ACCOUNT_SCOPE,
  TpuNode,
  tpuQueuedResourceRequest,
  tpuQueueMinutes,
  tpuStartupScript,
  type TpuRequestContext,
} from '../../constructs/gcp/tpu-node.js';
import { GCP_STARTUP_SCRIPT_LIMIT_BYTES } from '../../images/agent/render.js';
import { recordProgram } from '../../stacks/gcp/record.js';
import type { GcpTpuNodeItem } from '../../spec/plan.js';

const SPEC_HASH = `sha256:${'ab'.repeat(32)}`;
const SA = 'ml-burst@ml-project.iam.gserviceaccount.com';
const NETWORK = 'projects/ml-project/global/networks/ml-burst';
const SUBNET = 'projects/ml-project/regions/us-central1/subnetworks/ml-burst';
const PREFIX = 'gs://ml-artifacts-1234/teams/ml/';
const TEAM_LABELS = { team: 'ml', 'cost-center': 'research', 'managed-by': 'gpu-burst' };

const tpu = (over: Partial<GcpTpuNodeItem>): GcpTpuNodeItem => ({
  kind: 'tpuNode',
  layer: 'burst',
  name: 'pod',
  accelerator: 'tpu-v5e',
  acceleratorType: 'v5litepod-8',
  chips: 8,
  hosts: 1,
  runtimeVersion: 'v2-alpha-tpuv5-lite',
  zone: 'us-central1-a',
  spot: true,
  idleMinutes: 30,
  ttlHours: 12,
  ...over,
});
const V5E_8 = tpu({});
const V5E_16 = tpu({ name: 'big', acceleratorType: 'v5litepod-16', chips: 16, hosts: 4 });
const V4_32 = tpu({
  name: 'v4',
  accelerator: 'tpu-v4',
  acceleratorType: 'v4-32',
  chips: 16,
  hosts: 4,
  runtimeVersion: 'tpu-ubuntu2204-base',
  zone: 'us-central2-b',
  spot: false,
  command: ['python3', 'train.py'],
});

function ctx(item: GcpTpuNodeItem, over: Partial<TpuRequestContext> = {}): TpuRequestContext {
  return {
    team: 'ml',
    project: 'ml-project',
    network: NETWORK,
    subnetwork: SUBNET,
    serviceAccountEmail: SA,
    startupScript: tpuStartupScript(item, { team: 'ml', artifactPrefix: PREFIX, specHash: SPEC_HASH }),
    labels: TEAM_LABELS,
    ...over,
  };
}

/** The agent configuration a startup script installs. */
function agentConfigIn(script: string): Record<string, unknown> {
  const m = /<<'GPU_BURST_CONFIG'\n([\s\S]*?)\nGPU_BURST_CONFIG/.exec(script);
  if (!m?.[1]) throw new Error('no agent configuration in the script');
  return JSON.parse(m[1]) as Record<string, unknown>;
}

describe('tpuQueuedResourceRequest', () => {
  it('single-host v5litepod-8: the exact request, spot, internal IPs only, the team service account (G1, G2, G3)', () => {
    const c = ctx(V5E_8);
    expect(tpuQueuedResourceRequest(V5E_8, c)).toEqual({
      parent: 'projects/ml-project/locations/us-central1-a',
      queuedResourceId: 'ml-pod',
      queuedResource: {
        tpu: {
          nodeSpec: [
            {
              parent: 'projects/ml-project/locations/us-central1-a',
              nodeId: 'ml-pod',
              node: {
                description: 'gpu-burst TPU node pod of team ml (created by burst start, removed when idle or at its deadline)',
                acceleratorType: 'v5litepod-8',
                runtimeVersion: 'v2-alpha-tpuv5-lite',
                networkConfig: { network: NETWORK, subnetwork: SUBNET, enableExternalIps: false },
                serviceAccount: { email: SA, scope: [TPU_SERVICE_ACCOUNT_SCOPE] },
                labels: {
                  ...TEAM_LABELS,
                  'gpu-burst-role': 'tpu',
                  'gpu-burst-tpu': 'pod',
                  'gpu-burst-ttl-minutes': '720',
                  'gpu-burst-idle-minutes': '30',
                },
                metadata: { 'startup-script': c.startupScript, 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE' },
                tags: ['gpu-burst-ml'],
              },
            },
          ],
        },
        spot: {},
        queueingPolicy: { validUntilDuration: { seconds: DEFAULT_TPU_QUEUE_MINUTES * 60 } },
      },
    });
  });

  it('multi-host v5litepod-16: one node spec, the type decides the 4 hosts, no multislice', () => {
    const req = tpuQueuedResourceRequest(V5E_16, ctx(V5E_16));
    expect(req.queuedResource.tpu.nodeSpec).toHaveLength(1);
    const [spec] = req.queuedResource.tpu.nodeSpec;
    expect(spec.nodeId).toBe('ml-big');
    expect(spec).not.toHaveProperty('multisliceParams');
    expect(spec.node).toMatchObject({ acceleratorType: 'v5litepod-16', runtimeVersion: 'v2-alpha-tpuv5-lite' });
    expect(req.queuedResource.spot).toEqual({});
  });

  it('multi-host v4-32 on demand: its zone and runtime, no spot tier, the training command for the agent', () => {
    const c = ctx(V4_32);
    const req = tpuQueuedResourceRequest(V4_32, c);
    expect(req.parent).toBe('projects/ml-project/locations/us-central2-b');
    expect(req.queuedResource.tpu.nodeSpec[0].parent).toBe(req.parent);
    expect(req.queuedResource.tpu.nodeSpec[0].node).toMatchObject({ acceleratorType: 'v4-32', runtimeVersion: 'tpu-ubuntu2204-base' });
    expect(req.queuedResource).not.toHaveProperty('spot');
    expect(req.queuedResource).not.toHaveProperty('guaranteed');
    expect(agentConfigIn(c.startupScript)['trainer']).toMatchObject({ command: ['python3', 'train.py'] });
  });

  it('G1/G2: never the default compute service account, never an external IP', () => {
    for (const item of [V5E_8, V5E_16, V4_32]) {
      const node = tpuQueuedResourceRequest(item, ctx(item)).queuedResource.tpu.nodeSpec[0].node;
      expect(node.serviceAccount.email).not.toMatch(/-compute@developer\.gserviceaccount\.com$/);
      expect(node.networkConfig.enableExternalIps).toBe(false);
    }
    expect(() => tpuQueuedResourceRequest(V5E_8, ctx(V5E_8, { serviceAccountEmail: '' }))).toThrow(/serviceAccountEmail is required/);
  });

  it('the startup script installs the agent with launchKind tpu, the node and its queued resource, the idle window and TTL', () => {
    const script = tpuQueuedResourceRequest(V5E_16, ctx(V5E_16)).queuedResource.tpu.nodeSpec[0].node.metadata['startup-script'] ?? '';
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    expect(Buffer.byteLength(script)).toBeLessThan(GCP_STARTUP_SCRIPT_LIMIT_BYTES);
    expect(agentConfigIn(script)).toMatchObject({
      cloud: 'gcp',
      launchKind: 'tpu',
      team: 'ml',
      artifactPrefix: PREFIX,
      gpu: false,
      tpu: { name: 'ml-big', queuedResource: 'ml-big' },
      idleWindowSeconds: 30 * 60,
      ttlSeconds: 12 * 3600,
      manifest: { specHash: SPEC_HASH },
    });
  });

  it('a burst start adds the deadline label: start + TTL + 5 minutes, in epoch seconds', () => {
    const now = new Date('2026-11-26T09:00:00.250Z');
    const labels = tpuQueuedResourceRequest(V5E_8, ctx(V5E_8, { now })).queuedResource.tpu.nodeSpec[0].node.labels;
    expect(labels['gpu-burst-deadline']).toBe(String(Date.parse('2026-11-26T21:05:00Z') / 1000));
    for (const [key, value] of Object.entries(labels)) {
      expect(key).toMatch(/^[a-z][a-z0-9_-]{0,62}$/);
      expect(value).toMatch(/^[a-z0-9_-]{0,63}$/);
    }
  });

  it('waits for capacity at most an hour, and at most half the TTL', () => {
    expect(tpuQueueMinutes({ ttlHours: 12 })).toBe(60);
    expect(tpuQueueMinutes({ ttlHours: 1 })).toBe(30);
    const req = tpuQueuedResourceRequest(tpu({ ttlHours: 1 }), ctx(tpu({ ttlHours: 1 })));
    expect(req.queuedResource.queueingPolicy).toEqual({ validUntilDuration: { seconds: 1800 } });
  });

  it('refuses what the TPU API would refuse, naming every problem', () => {
    const bad = tpu({ name: 'x'.repeat(70), zone: 'us-central1', runtimeVersion: '?' });
    expect(() => tpuQueuedResourceRequest(bad, ctx(V5E_8))).toThrow(
      /node id 'ml-x+' must be 1-63 .*; zone 'us-central1' is not a zone like us-central1-a; runtimeVersion is unknown/,
    );
  });
});

describe('TpuNode component', () => {
  it('X4: creates no cloud resource and registers the request it records, marked createdBy burst start', async () => {
    const outputs = new Map<string, Record<string, unknown>>();
    const graph = await recordProgram('ml', () => {
      // Registered outputs are not inputs: catch them where the engine would receive them.
      const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResourceOutputs(req: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined }, cb: unknown): unknown;
      };
      const register = monitor.registerResourceOutputs.bind(monitor);
      monitor.registerResourceOutputs = (req, cb) => {
        outputs.set(req.getUrn(), req.getOutputs()?.toJavaScript() ?? {});
        return register(req, cb);
      };
      const node = new TpuNode('ml-big', {
        item: V5E_16,
        team: 'ml',
        project: 'ml-project',
        serviceAccountEmail: pulumi.output(SA),
        network: pulumi.output(NETWORK),
        subnetwork: SUBNET,
        artifactPrefix: pulumi.output(PREFIX),
        specHash: SPEC_HASH,
        labels: TEAM_LABELS,
      });
      return { request: node.request };
    });
    expect(graph.resources.map((r) => `${r.type} ${r.name} ${r.custom}`)).toEqual(['gpu-burst:gcp:TpuNode ml-big false']);
    const [registered] = [...outputs.entries()].filter(([urn]) => urn.endsWith('gpu-burst:gcp:TpuNode::ml-big')).map(([, o]) => o);
    expect(registered).toMatchObject({ createdBy: 'burst start', queuedResourceId: 'ml-big', zone: 'us-central1-a', acceleratorType: 'v5litepod-16', hosts: 4 });
    const expected = tpuQueuedResourceRequest(V5E_16, {
      ...ctx(V5E_16),
      startupScript: tpuStartupScript(V5E_16, { team: 'ml', artifactPrefix: PREFIX, specHash: SPEC_HASH }),
    });
    expect(registered?.['request']).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(graph.outputs['request']).toEqual(JSON.parse(JSON.stringify(expected)));
    // Nothing depends on the clock at deploy time: no deadline label.
    expect(JSON.stringify(registered)).not.toContain('gpu-burst-deadline');
  });
});
