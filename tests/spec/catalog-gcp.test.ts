/** Catalog facts the GCP burst compute needs: CPU dev-box types, service prices, GPU zones and quotas. */
import { describe, expect, it } from 'vitest';
import { GCP_CPU_MACHINE_TYPES } from '../../spec/catalog/gcp-cpu-machine-types.js';
import { GCP_MACHINE_TYPES } from '../../spec/catalog/gcp-machine-types.js';
import {
  GCP_GPU_QUOTAS,
  GCP_GPUS_ALL_REGIONS,
  GCP_SPOT_QUOTA_FALLBACK_SOURCE,
  GCP_TPU_GENERATIONS,
  GCP_TPU_QUOTAS,
  gpuQuotaMetric,
  tpuGeneration,
  tpuQuota,
} from '../../spec/catalog/gcp-quotas.js';
import { GCP_SERVICE_PRICES } from '../../spec/catalog/gcp-service-prices.js';
import { GCP_TPU_TYPES } from '../../spec/catalog/gcp-tpu-types.js';
import { GCP_REGIONS } from '../../spec/catalog/regions.js';

/** The session's "today" (2026-11-26): no fact may be dated after it. */
const TODAY = '2026-11-26';
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const URL = /^https:\/\/\S+$/;
const gcpRegions = new Set(GCP_REGIONS.map((r) => r.id));
const gcpZones = new Map(GCP_REGIONS.flatMap((r) => r.zones.map((z) => [z, r.id] as const)));

function expectDated(what: string, asOf: string, source: string): void {
  expect(asOf, what).toMatch(ISO_DATE);
  expect(Number.isNaN(Date.parse(asOf)), `${what}: ${asOf} is not a date`).toBe(false);
  expect(asOf <= TODAY, `${what} is dated after ${TODAY} (${asOf})`).toBe(true);
  expect(source, what).toMatch(URL);
}

/** Every `https://` URL quoted in a note, so notes cannot cite something that is not a URL. */
function urlsIn(text: string | undefined): string[] {
  return text?.match(/https:\/\/[^\s,;)"]+/g) ?? [];
}

describe('GCP CPU machine types (dev box)', () => {
  it('are unique, sized, sourced and offered only in catalog regions; none is a GPU type', () => {
    const names = GCP_CPU_MACHINE_TYPES.map((t) => t.machineType);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['n2-standard-2', 'n2-standard-4', 'n2-standard-8', 'e2-standard-4']));
    for (const t of GCP_CPU_MACHINE_TYPES) {
      expect(t.vCpus, t.machineType).toBeGreaterThan(0);
      expect(t.memoryGiB, t.machineType).toBeGreaterThan(0);
      expect(t.source, t.machineType).toMatch(URL);
      expect(t.regions.length, t.machineType).toBeGreaterThan(0);
      for (const r of t.regions) expect(gcpRegions.has(r), `${t.machineType} in ${r}`).toBe(true);
      expect(t.regions, `${t.machineType}: us-central2 is TPU-only`).not.toContain('us-central2');
      expect(GCP_MACHINE_TYPES.some((g) => g.machineType === t.machineType), `${t.machineType} is also a GPU type`).toBe(false);
    }
  });

  it('N2 standard sizes double at 4 GiB per vCPU', () => {
    const n2 = GCP_CPU_MACHINE_TYPES.filter((t) => t.machineType.startsWith('n2-standard-'));
    expect(n2.map((t) => [t.machineType, t.vCpus, t.memoryGiB])).toEqual([
      ['n2-standard-2', 2, 8],
      ['n2-standard-4', 4, 16],
      ['n2-standard-8', 8, 32],
    ]);
  });

  it('every price is positive, dated, sourced, priced in a region where the type is offered; spot < on-demand', () => {
    for (const t of GCP_CPU_MACHINE_TYPES) {
      for (const [market, price] of Object.entries(t.prices)) {
        const what = `${t.machineType} ${market}`;
        expect(price.usdPerHour, what).toBeGreaterThan(0);
        expectDated(what, price.asOf, price.source);
        expect(t.regions, what).toContain(price.region);
      }
      expect(t.prices.spot.usdPerHour, t.machineType).toBeLessThan(t.prices.onDemand.usdPerHour);
    }
  });

  it('N2 prices scale with size (within a cent of linear)', () => {
    const byName = new Map(GCP_CPU_MACHINE_TYPES.map((t) => [t.machineType, t.prices]));
    const two = byName.get('n2-standard-2');
    for (const [name, factor] of [['n2-standard-4', 2], ['n2-standard-8', 4]] as const) {
      const p = byName.get(name);
      expect(Math.abs((p?.onDemand.usdPerHour ?? 0) - factor * (two?.onDemand.usdPerHour ?? 0)), name).toBeLessThan(0.01);
    }
  });
});

describe('GCP service prices', () => {
  const units = new Set(['hour', 'GB-month', 'GB', 'month', 'day', 'request-million', 'GB-second', 'vCPU-second']);

  it('every item has a non-negative figure, a unit, a catalog region, an ISO date not after today and a source URL', () => {
    for (const [key, price] of Object.entries(GCP_SERVICE_PRICES)) {
      expect(price.item.length, key).toBeGreaterThan(0);
      expect(price.usd, key).toBeGreaterThanOrEqual(0);
      expect(units.has(price.unit), `${key}: ${price.unit}`).toBe(true);
      expect(gcpRegions.has(price.region), `${key}: ${price.region}`).toBe(true);
      expectDated(key, price.asOf, price.source);
      for (const url of urlsIn(price.note)) expect(url, `${key} note`).toMatch(URL);
    }
  });

  it('a free item says in its note within which limits it is free', () => {
    for (const [key, price] of Object.entries(GCP_SERVICE_PRICES)) {
      if (price.usd === 0) expect(price.note?.length ?? 0, key).toBeGreaterThan(20);
    }
  });

  it('disk tiers are ordered standard < balanced < ssd and billed per GB-month', () => {
    const { pdStandard, pdBalanced, pdSsd } = GCP_SERVICE_PRICES;
    expect(pdStandard.usd).toBeLessThan(pdBalanced.usd);
    expect(pdBalanced.usd).toBeLessThan(pdSsd.usd);
    for (const p of [pdStandard, pdBalanced, pdSsd]) expect(p.unit).toBe('GB-month');
  });

  it('Cloud Scheduler bills per job-month with 3 free jobs; Cloud Run per vCPU-second, GiB-second and million requests', () => {
    expect(GCP_SERVICE_PRICES.schedulerJob.unit).toBe('month');
    expect(GCP_SERVICE_PRICES.schedulerJob.note).toMatch(/3 jobs per month free/);
    expect(GCP_SERVICE_PRICES.cloudRunRequestCpu.unit).toBe('vCPU-second');
    expect(GCP_SERVICE_PRICES.cloudRunRequestMemory.unit).toBe('GB-second');
    expect(GCP_SERVICE_PRICES.cloudRunRequests.unit).toBe('request-million');
    expect(GCP_SERVICE_PRICES.cloudRunRequestCpu.note).toMatch(/180,000 vCPU-seconds/);
    expect(GCP_SERVICE_PRICES.cloudRunInstanceCpu.usd).toBeLessThan(GCP_SERVICE_PRICES.cloudRunRequestCpu.usd);
  });

  it('Cloud NAT bills per VM-hour up to a per-gateway cap, and per GB processed', () => {
    const { natGatewayPerVm, natGatewayMax, natData } = GCP_SERVICE_PRICES;
    expect(natGatewayPerVm.unit).toBe('hour');
    expect(natGatewayMax.unit).toBe('hour');
    expect(natData.unit).toBe('GB');
    // The cap is close to 32 VMs at the per-VM rate (32 x 0.0014 = 0.0448).
    expect(Math.abs(natGatewayMax.usd - 32 * natGatewayPerVm.usd)).toBeLessThan(0.001);
  });

  it('a backstop that runs every 5 minutes on Cloud Run stays inside the free request tier', () => {
    const requestsPerMonth = (31 * 24 * 60) / 5;
    expect(requestsPerMonth).toBeLessThan(2_000_000);
  });
});

describe('GCP GPU zones', () => {
  it('every zone exists in regions.ts and lies in one of the entry regions; every region has a zone', () => {
    for (const t of GCP_MACHINE_TYPES) {
      const what = `${t.machineType} ${t.acceleratorType}`;
      expect(t.zones, what).toBeDefined();
      const zones = t.zones ?? [];
      expect(new Set(zones).size, `${what}: duplicate zones`).toBe(zones.length);
      for (const z of zones) {
        expect(gcpZones.has(z), `${what}: ${z} is not a zone of regions.ts`).toBe(true);
        expect(t.regions, `${what}: ${z}`).toContain(gcpZones.get(z));
      }
      for (const r of t.regions) expect(zones.some((z) => gcpZones.get(z) === r), `${what}: no zone in ${r}`).toBe(true);
    }
  });

  it('the same GPU lists the same zones on every machine type', () => {
    const byGpu = new Map<string, string>();
    for (const t of GCP_MACHINE_TYPES) {
      const key = t.acceleratorType === 'nvidia-h100-mega-80gb' ? 'nvidia-h100-80gb' : t.acceleratorType;
      const zones = [...(t.zones ?? [])].sort().join(',');
      const seen = byGpu.get(key);
      if (seen === undefined) byGpu.set(key, zones);
      else expect(zones, t.machineType).toBe(seen);
    }
  });

  it('H200 is offered only in us-central1-b within us-central1', () => {
    const h200 = GCP_MACHINE_TYPES.find((t) => t.acceleratorType === 'nvidia-h200-141gb');
    expect(h200?.zones?.filter((z) => z.startsWith('us-central1-'))).toEqual(['us-central1-b']);
  });
});

describe('GCP GPU quotas (G10)', () => {
  it('G10: every GCP_MACHINE_TYPES accelerator type has an on-demand and a spot quota metric', () => {
    for (const t of GCP_MACHINE_TYPES) {
      expect(gpuQuotaMetric(t.acceleratorType, false), t.acceleratorType).toMatch(/^NVIDIA_[A-Z0-9_]+_GPUS$/);
      expect(gpuQuotaMetric(t.acceleratorType, true), t.acceleratorType).toMatch(/^PREEMPTIBLE_NVIDIA_[A-Z0-9_]+_GPUS$/);
    }
  });

  it('G10: entries are unique, regional, counted in GPUs, sourced; spot is PREEMPTIBLE_ + the on-demand name', () => {
    const types = GCP_GPU_QUOTAS.map((q) => q.acceleratorType);
    expect(new Set(types).size).toBe(types.length);
    for (const q of GCP_GPU_QUOTAS) {
      expect(q.scope).toBe('region');
      expect(q.unit).toBe('GPUs');
      expect(q.onDemand.source, q.acceleratorType).toMatch(URL);
      expect(q.spot.source, q.acceleratorType).toMatch(URL);
      expect(q.spot.metric, q.acceleratorType).toBe(`PREEMPTIBLE_${q.onDemand.metric}`);
      for (const url of urlsIn(q.note)) expect(url, `${q.acceleratorType} note`).toMatch(URL);
    }
  });

  it('G10: the well-known metrics are the ones catalogued', () => {
    expect(gpuQuotaMetric('nvidia-l4', false)).toBe('NVIDIA_L4_GPUS');
    expect(gpuQuotaMetric('nvidia-l4', true)).toBe('PREEMPTIBLE_NVIDIA_L4_GPUS');
    expect(gpuQuotaMetric('nvidia-tesla-t4', false)).toBe('NVIDIA_T4_GPUS');
    expect(gpuQuotaMetric('nvidia-tesla-v100', true)).toBe('PREEMPTIBLE_NVIDIA_V100_GPUS');
    expect(gpuQuotaMetric('nvidia-tesla-a100', false)).toBe('NVIDIA_A100_GPUS');
    expect(gpuQuotaMetric('nvidia-a100-80gb', false)).toBe('NVIDIA_A100_80GB_GPUS');
    expect(gpuQuotaMetric('nvidia-h100-80gb', true)).toBe('PREEMPTIBLE_NVIDIA_H100_GPUS');
    expect(gpuQuotaMetric('nvidia-h100-mega-80gb', false)).toBe('NVIDIA_H100_MEGA_GPUS');
    expect(gpuQuotaMetric('nvidia-h200-141gb', false)).toBe('NVIDIA_H200_GPUS');
    expect(gpuQuotaMetric('nvidia-tesla-k80', false)).toBeUndefined();
    expect(gpuQuotaMetric('', true)).toBeUndefined();
  });

  it('G10: names outside the Compute API enum are flagged, those inside are not (the enum of the installed client)', () => {
    const flagged = GCP_GPU_QUOTAS.flatMap((q) => [q.onDemand, q.spot]).filter((n) => !n.listedInComputeApi).map((n) => n.metric);
    expect(flagged.sort()).toEqual(
      ['NVIDIA_H100_GPUS', 'NVIDIA_H100_MEGA_GPUS', 'PREEMPTIBLE_NVIDIA_H100_MEGA_GPUS', 'NVIDIA_H200_GPUS', 'PREEMPTIBLE_NVIDIA_H200_GPUS'].sort(),
    );
  });

  it('G10: the global GPU quota and the spot fallback are sourced', () => {
    expect(GCP_GPUS_ALL_REGIONS.metric).toBe('GPUS_ALL_REGIONS');
    expect(GCP_GPUS_ALL_REGIONS.source).toMatch(URL);
    expect(GCP_SPOT_QUOTA_FALLBACK_SOURCE).toMatch(URL);
  });
});

describe('GCP TPU quotas (G10)', () => {
  it('G10: every TPU generation of the catalog has a spot quota with at least one name and a source', () => {
    const generations = new Set(GCP_TPU_TYPES.map((t) => t.accelerator));
    expect(GCP_TPU_QUOTAS.map((q) => q.generation)).toEqual([...GCP_TPU_GENERATIONS]);
    for (const accelerator of generations) {
      const quota = GCP_TPU_QUOTAS.find((q) => q.accelerator === accelerator);
      expect(quota, accelerator).toBeDefined();
      const spot = quota?.spot;
      expect(spot?.zoneQuotaId ?? spot?.regionQuotaId ?? spot?.metric, accelerator).toBeDefined();
      expect(spot?.sources.length ?? 0, accelerator).toBeGreaterThan(0);
    }
  });

  it('G10: every name is well formed and every source a URL; quotas are per zone', () => {
    for (const q of GCP_TPU_QUOTAS) {
      expect(q.scope).toBe('zone');
      expect(q.unitSource, q.generation).toMatch(URL);
      for (const name of [q.onDemand, q.spot]) {
        if (name === undefined) continue;
        for (const s of name.sources) expect(s, q.generation).toMatch(URL);
        if (name.zoneQuotaId !== undefined) expect(name.zoneQuotaId, q.generation).toMatch(/^TPUV\w+PerProjectPerZoneForTPUAPI$/);
        if (name.regionQuotaId !== undefined) expect(name.regionQuotaId, q.generation).toMatch(/^TPUV\w+PerProjectPerRegionForTPUAPI$/);
        if (name.metric !== undefined) expect(name.metric, q.generation).toMatch(/^tpu\.googleapis\.com\/tpu-[a-z0-9-]+$/);
      }
      const spotIds = [q.spot.zoneQuotaId, q.spot.regionQuotaId].filter((id) => id !== undefined);
      for (const id of spotIds) expect(id, q.generation).toMatch(/Preemptible/);
      for (const id of [q.onDemand?.zoneQuotaId, q.onDemand?.regionQuotaId]) if (id !== undefined) expect(id).not.toMatch(/Preemptible/);
      for (const url of urlsIn(q.note)) expect(url, `${q.generation} note`).toMatch(URL);
    }
  });

  it('G10: v5p counts TensorCores, the others chips (v5e and v6e have one TensorCore per chip)', () => {
    expect(Object.fromEntries(GCP_TPU_QUOTAS.map((q) => [q.generation, q.unit]))).toEqual({
      v4: 'chips',
      v5e: 'chips',
      v5p: 'TensorCores',
      v6e: 'chips',
    });
  });

  it('G10: tpuGeneration reads accelerator ids and TPU types', () => {
    expect(tpuGeneration('tpu-v6e')).toBe('v6e');
    expect(tpuGeneration('v6e-8')).toBe('v6e');
    expect(tpuGeneration('v5litepod-16')).toBe('v5e');
    expect(tpuGeneration('v5p-8')).toBe('v5p');
    expect(tpuGeneration('v4-32')).toBe('v4');
    expect(tpuGeneration('v5e-8')).toBeUndefined();
    expect(tpuGeneration('v3-8')).toBeUndefined();
    for (const t of GCP_TPU_TYPES) expect(tpuGeneration(t.acceleratorType), t.acceleratorType).toBe(tpuGeneration(t.accelerator));
  });

  it('G10: tpuQuota gives the quota and unit of a market; v4 on-demand is not sourced', () => {
    expect(tpuQuota('v6e-8', true)?.quota.zoneQuotaId).toBe('TPUV6EPreemptiblePerProjectPerZoneForTPUAPI');
    expect(tpuQuota('tpu-v6e', false)?.quota.zoneQuotaId).toBe('TPUV6EPerProjectPerZoneForTPUAPI');
    expect(tpuQuota('v5litepod-8', true)?.quota.zoneQuotaId).toBe('TPUV5sPreemptibleLitepodPerProjectPerZoneForTPUAPI');
    expect(tpuQuota('v5p-16', false)).toMatchObject({ unit: 'TensorCores', quota: { zoneQuotaId: 'TPUV5PPerProjectPerZoneForTPUAPI' } });
    expect(tpuQuota('v4-8', true)?.quota.metric).toBe('tpu.googleapis.com/tpu-v4-preemptible');
    expect(tpuQuota('v4-8', false)).toBeUndefined();
    expect(tpuQuota('nonsense', true)).toBeUndefined();
  });
});
