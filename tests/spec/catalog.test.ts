/** Catalog consistency: one entry per kind, counts and memory agree, every price dated and sourced. */
import { describe, expect, it } from 'vitest';
import {
  ACCELERATORS,
  ACCELERATOR_IDS,
  AWS_INSTANCE_TYPES,
  AWS_REGIONS,
  GCP_MACHINE_TYPES,
  GCP_REGIONS,
  GCP_TPU_TYPES,
  STORAGE_PRICES,
  accelerator,
  allPrices,
  offers,
  type AcceleratorId,
} from '../../spec/catalog/index.js';

/** Which cloud offers which kind: the catalog must have at least one type on each of them. */
const OFFERED: Record<AcceleratorId, readonly ('aws' | 'gcp')[]> = {
  t4: ['aws', 'gcp'],
  v100: ['aws', 'gcp'],
  a10g: ['aws'],
  l4: ['aws', 'gcp'],
  l40s: ['aws'],
  'a100-40gb': ['aws', 'gcp'],
  'a100-80gb': ['aws', 'gcp'],
  h100: ['aws', 'gcp'],
  h200: ['aws', 'gcp'],
  trainium: ['aws'],
  'tpu-v4': ['gcp'],
  'tpu-v5e': ['gcp'],
  'tpu-v5p': ['gcp'],
  'tpu-v6e': ['gcp'],
};

const awsZones = new Set(AWS_REGIONS.flatMap((r) => r.zones));
const gcpZones = new Set(GCP_REGIONS.flatMap((r) => r.zones));
const awsRegions = new Set(AWS_REGIONS.map((r) => r.id));
const gcpRegions = new Set(GCP_REGIONS.map((r) => r.id));

describe('accelerator catalog', () => {
  it('has exactly one kind per accelerator id, with memory and a source', () => {
    expect(ACCELERATORS.map((a) => a.id).sort()).toEqual([...ACCELERATOR_IDS].sort());
    for (const kind of ACCELERATORS) {
      expect(kind.memoryGiBPerDevice).toBeGreaterThan(0);
      expect(kind.source).toMatch(/^https:\/\//);
    }
  });

  it.each(Object.entries(OFFERED))('%s has a type on each cloud that offers it and none elsewhere', (id, clouds) => {
    for (const cloud of ['aws', 'gcp'] as const) {
      const count = offers(cloud).filter((o) => o.accelerator === id).length;
      if (clouds.includes(cloud)) expect(count, `${id} on ${cloud}`).toBeGreaterThan(0);
      else expect(count, `${id} on ${cloud}`).toBe(0);
    }
  });

  it('instance and machine types are unique', () => {
    const aws = AWS_INSTANCE_TYPES.map((t) => t.instanceType);
    expect(new Set(aws).size).toBe(aws.length);
    const gcp = GCP_MACHINE_TYPES.map((t) => `${t.machineType}+${t.acceleratorCount}x${t.acceleratorType}`);
    expect(new Set(gcp).size).toBe(gcp.length);
    const tpu = GCP_TPU_TYPES.map((t) => t.acceleratorType);
    expect(new Set(tpu).size).toBe(tpu.length);
  });

  it('accelerator memory is count x per-device memory, and counts are positive', () => {
    for (const o of offers()) {
      expect(o.count, o.type).toBeGreaterThan(0);
      expect(o.vCpus, o.type).toBeGreaterThan(0);
      expect(o.memoryGiB, o.type).toBeGreaterThan(0);
      expect(o.acceleratorMemoryGiB, o.type).toBeCloseTo(o.count * accelerator(o.accelerator).memoryGiBPerDevice, 5);
    }
  });

  it('GPU types are offered only in catalog regions, TPUs only in catalog zones', () => {
    for (const t of AWS_INSTANCE_TYPES) {
      expect(t.regions.length, t.instanceType).toBeGreaterThan(0);
      for (const r of t.regions) expect(awsRegions.has(r), `${t.instanceType} in ${r}`).toBe(true);
    }
    for (const t of GCP_MACHINE_TYPES) {
      expect(t.regions.length, t.machineType).toBeGreaterThan(0);
      for (const r of t.regions) expect(gcpRegions.has(r), `${t.machineType} in ${r}`).toBe(true);
    }
    for (const t of GCP_TPU_TYPES) {
      expect(t.zones.length, t.acceleratorType).toBeGreaterThan(0);
      for (const z of t.zones) expect(gcpZones.has(z), `${t.acceleratorType} in ${z}`).toBe(true);
    }
  });

  it('zones are named after their region', () => {
    for (const r of AWS_REGIONS) for (const z of r.zones) expect(z).toMatch(new RegExp(`^${r.id}[a-z]$`));
    for (const r of GCP_REGIONS) for (const z of r.zones) expect(z).toMatch(new RegExp(`^${r.id}-[a-z]$`));
    expect(awsZones.size).toBeGreaterThan(0);
  });

  it('TPU names follow the generation rules (v4/v5p count TensorCores, v5e/v6e count chips)', () => {
    for (const t of GCP_TPU_TYPES) {
      const m = /^(v4|v5p|v5litepod|v6e)-(\d+)$/.exec(t.acceleratorType);
      expect(m, t.acceleratorType).not.toBeNull();
      const [, generation, size] = m as RegExpExecArray;
      const chips = generation === 'v4' || generation === 'v5p' ? Number(size) / 2 : Number(size);
      expect(t.chips, t.acceleratorType).toBe(chips);
      // Multi-host slices are 4 chips per TPU VM.
      if (t.hosts > 1) expect(t.chips / t.hosts, t.acceleratorType).toBe(4);
    }
    const multiHost = new Set(GCP_TPU_TYPES.filter((t) => t.hosts > 1).map((t) => t.accelerator));
    const singleHost = new Set(GCP_TPU_TYPES.filter((t) => t.hosts === 1).map((t) => t.accelerator));
    for (const id of ['tpu-v4', 'tpu-v5e', 'tpu-v5p', 'tpu-v6e']) {
      expect(multiHost.has(id as AcceleratorId), `${id} multi-host`).toBe(true);
      expect(singleHost.has(id as AcceleratorId), `${id} single-host`).toBe(true);
    }
  });

  it('each TPU generation has one runtime version, the one Google documents', () => {
    const runtimes = new Map<string, Set<string>>();
    for (const t of GCP_TPU_TYPES) runtimes.set(t.accelerator, (runtimes.get(t.accelerator) ?? new Set()).add(t.runtimeVersion));
    expect(Object.fromEntries([...runtimes].map(([k, v]) => [k, [...v]]))).toEqual({
      'tpu-v4': ['tpu-ubuntu2204-base'],
      'tpu-v5e': ['v2-alpha-tpuv5-lite'],
      'tpu-v5p': ['v2-alpha-tpuv5'],
      'tpu-v6e': ['v2-alpha-tpuv6e'],
    });
  });

  it('EFA counts match the documented ones (traps.md)', () => {
    const efa = Object.fromEntries(AWS_INSTANCE_TYPES.map((t) => [t.instanceType, t.efaInterfaces]));
    expect(efa).toMatchObject({
      'p5.48xlarge': 32,
      'p5en.48xlarge': 16,
      'p4d.24xlarge': 4,
      'p4de.24xlarge': 4,
      'trn1.32xlarge': 8,
      'g5.48xlarge': 1,
      'g4dn.12xlarge': 1,
      'g4dn.xlarge': 0,
      'g5.xlarge': 0,
      'p3.2xlarge': 0,
    });
  });

  it('GCP machine types carry the accelerator type their series takes', () => {
    const series: Record<string, RegExp> = {
      t4: /^n1-/,
      v100: /^n1-/,
      l4: /^g2-/,
      'a100-40gb': /^a2-highgpu-/,
      'a100-80gb': /^a2-ultragpu-/,
      h100: /^a3-(high|mega)gpu-/,
      h200: /^a3-ultragpu-/,
    };
    for (const t of GCP_MACHINE_TYPES) {
      expect(t.machineType, `${t.machineType} for ${t.accelerator}`).toMatch(series[t.accelerator] ?? /^$/);
      expect(t.gpuAttachment).toBe(/^n1-/.test(t.machineType) ? 'attached' : 'bundled');
    }
    expect(GCP_MACHINE_TYPES.find((t) => t.machineType === 'a3-megagpu-8g')?.acceleratorType).toBe('nvidia-h100-mega-80gb');
    expect(GCP_MACHINE_TYPES.find((t) => t.machineType === 'g2-standard-48')?.acceleratorCount).toBe(4);
  });

  it('every price has a positive figure, a date, a source, and a region where the type is offered; spot is below on-demand', () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const { what, price } of allPrices()) {
      expect(price.usdPerHour, what).toBeGreaterThan(0);
      expect(price.asOf, what).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.asOf <= today, `${what} is dated in the future`).toBe(true);
      expect(price.source, what).toMatch(/^https:\/\//);
    }
    for (const o of offers()) {
      expect(o.spot.usdPerHour, o.type).toBeLessThan(o.onDemand.usdPerHour);
      expect(o.offeredIn, `${o.type} priced in ${o.onDemand.region}`).toContain(o.onDemand.region);
    }
    for (const [key, price] of Object.entries(STORAGE_PRICES)) {
      expect(price.usd, key).toBeGreaterThan(0);
      expect(price.asOf, key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(price.source, key).toMatch(/^https:\/\//);
    }
  });

  it('spot fleets can mix types: several AWS instance types for the common GPUs', () => {
    for (const id of ['t4', 'a10g', 'l4', 'l40s'] as const) {
      expect(AWS_INSTANCE_TYPES.filter((t) => t.accelerator === id).length, id).toBeGreaterThanOrEqual(3);
    }
  });
});
