/**
 * Catalog rules for the `gcp:` section's compute: every fleet, TPU node, sweep group and the dev
 * box must ask for what Compute Engine and Cloud TPU offer in the team's region and zones, TPU
 * runtimes must fit their generation, and the team at full size must fit the GPU and TPU quotas it
 * declares (G10). Each item is checked as soon as it passes its own schema, like `validate-aws.ts`.
 */
import { accelerator, ACCELERATORS, GCP_TPU_TYPES, type AcceleratorId } from './catalog/index.js';
import {
  findTpuType,
  gceTypes,
  gcpDevBoxType,
  gpuCountsOffered,
  gpuMachineTypeFor,
  gpuMachineTypesIn,
  gpuRegionsOffering,
  tpuZoneFor,
  zonesOffering,
  type GceType,
} from './gcp-compute.js';
import { DEV_BOX_IDLE_MINUTES } from './plan.js';
import type { FieldPath } from './problems.js';
import { GcpDevBoxSchema, GcpFleetSchema, GcpQuotasSchema, GcpSweepSchema, GcpTpuSchema, ShutdownSchema } from './schema.js';
import { didYouMean, listForMessage } from './suggest.js';
import type { RawProblem } from './validate.js';
import { checkWindows } from './validate-aws.js';

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** GPU accelerators the catalog offers on GCP in a region. */
function gpusIn(region: string): AcceleratorId[] {
  return ACCELERATORS.filter((a) => gpuRegionsOffering(a.id).includes(region)).map((a) => a.id);
}

interface GpuRequest {
  readonly accelerator: AcceleratorId;
  readonly count: number;
  readonly machineType?: string | undefined;
}

/** Problems of a GPU request on GCP; returns the machine type it resolves to. */
function checkGpu(path: FieldPath, what: string, region: string, item: GpuRequest, out: RawProblem[], zones: readonly string[]): GceType | undefined {
  const family = accelerator(item.accelerator).family;
  if (family === 'tpu') {
    out.push({
      path: [...path, 'accelerator'],
      message: `'${item.accelerator}' is a Cloud TPU; a ${what} runs on GPUs`,
      fix: `declare the TPU under gcp.tpus (type e.g. ${GCP_TPU_TYPES.find((t) => t.accelerator === item.accelerator)?.acceleratorType ?? 'v5litepod-8'}), or use a GPU here.`,
    });
    return undefined;
  }
  const regions = gpuRegionsOffering(item.accelerator);
  if (regions.length === 0) {
    out.push({
      path: [...path, 'accelerator'],
      message: `'${item.accelerator}' is not offered on Google Cloud`,
      fix: `use a GPU Google offers (in ${region}: ${listForMessage(gpusIn(region))}), or move the ${what} to aws:.`,
    });
    return undefined;
  }
  if (!regions.includes(region)) {
    out.push({
      path: [...path, 'accelerator'],
      message: `'${item.accelerator}' is not offered in ${region} (the catalog has it in ${regions.join(', ')})`,
      fix: `choose a GPU offered in ${region} (${listForMessage(gpusIn(region))}), or another gcp.region.`,
    });
    return undefined;
  }
  const candidates = gpuMachineTypesIn(region, item.accelerator, item.count);
  if (candidates.length === 0) {
    out.push({
      path: [...path, 'count'],
      message: `no machine type in ${region} carries ${item.count} x ${item.accelerator}`,
      fix: `set count to one of ${gpuCountsOffered(region, item.accelerator).join(', ')} (GPUs per VM the catalog has).`,
    });
    return undefined;
  }
  const chosen = gpuMachineTypeFor(region, item);
  if (chosen === undefined) {
    const known = gceTypes().find((t) => t.machineType === item.machineType);
    const names = candidates.map((t) => t.machineType);
    out.push({
      path: [...path, 'machineType'],
      message: known
        ? `'${item.machineType}' does not carry ${item.count} x ${item.accelerator} (${known.accelerator ? `it carries ${known.acceleratorCount} x ${known.accelerator}` : 'it has no GPU'})`
        : `'${item.machineType}' is not a machine type gpu-burst's catalog knows${didYouMean(item.machineType ?? '', gceTypes().map((t) => t.machineType))}`,
      fix: `use ${listForMessage(names)}, or remove machineType to let the catalog choose.`,
    });
  } else if (zonesOffering(chosen, zones).length === 0) {
    out.push({
      path: [...path, 'accelerator'],
      message: `'${item.accelerator}' (${chosen.machineType}) is offered in none of the team's zones (${zones.join(', ')})`,
      fix: `add a zone that has it to gcp.zones: ${listForMessage((chosen.zones ?? []).filter((z) => z.startsWith(`${region}-`)))}.`,
    });
  }
  return chosen;
}


/** What one item needs at full size, by accelerator and market. */
interface Demand {
  readonly label: string;
  readonly accelerator: AcceleratorId;
  readonly kind: 'gpus' | 'tpuChips';
  readonly onDemand: number;
  readonly spot: number;
}

function checkQuotas(gcp: Record<string, unknown>, demands: readonly Demand[], out: RawProblem[]): void {
  const parsed = GcpQuotasSchema.safeParse(gcp['quotas']);
  if (!parsed.success || parsed.data === undefined) return;
  for (const kind of ['gpus', 'tpuChips'] as const) {
    const declared = parsed.data[kind] ?? {};
    for (const [id, quota] of Object.entries(declared) as [AcceleratorId, { onDemand?: number; spot?: number } | undefined][]) {
      for (const market of ['onDemand', 'spot'] as const) {
        const limit = quota?.[market];
        if (limit === undefined) continue;
        const mine = demands.filter((d) => d.kind === kind && d.accelerator === id && d[market] > 0);
        const total = mine.reduce((sum, d) => sum + d[market], 0);
        if (total <= limit) continue;
        const unit = kind === 'gpus' ? `${id} GPUs` : `${id} chips`;
        out.push({
          path: ['gcp', 'quotas', kind, id, market],
          message:
            `the team needs ${total} ${market === 'spot' ? 'spot' : 'on-demand'} ${unit} at full size ` +
            `(${mine.map((d) => `${d.label}: ${d[market]}`).join('; ')}), more than the ${limit} it declares`,
          fix:
            `${kind === 'gpus' ? 'lower nodes or parallelism' : 'use a smaller slice or fewer TPU nodes'}, or request more in IAM & Admin > Quotas (${kind === 'gpus' ? 'per region' : 'per zone'}) ` +
            `and raise gcp.quotas.${kind}.${id}.${market}.`,
        });
      }
    }
  }
}

/** Runs the compute rules over a parsed (not yet schema-checked) `gcp:` section. */
export function gcpComputeProblems(root: Record<string, unknown>, gcp: Record<string, unknown>, region: string, zones: readonly string[]): RawProblem[] {
  const out: RawProblem[] = [];
  const shutdown = ShutdownSchema.safeParse(root['shutdown']);
  const defaults = shutdown.success ? shutdown.data : { idleMinutes: 30, ttlHours: 12 };
  const demands: Demand[] = [];
  const names = new Map<string, string>();
  let allValid = true;
  const claim = (path: FieldPath, name: string, what: string): void => {
    const previous = names.get(name);
    if (previous !== undefined) {
      out.push({ path: [...path, 'name'], message: `'${name}' is already the name of ${previous}`, fix: 'give every fleet, TPU node and sweep group its own name.' });
    } else {
      names.set(name, what);
    }
    if (name === 'devbox') out.push({ path: [...path, 'name'], message: "'devbox' names the dev box in `burst start`", fix: 'choose another name.' });
  };

  list(gcp['fleets']).forEach((raw, i) => {
    const path: FieldPath = ['gcp', 'fleets', i];
    const parsed = GcpFleetSchema.safeParse(raw);
    if (!parsed.success) return void (allValid = false);
    const f = parsed.data;
    claim(path, f.name, `fleet ${i}`);
    const type = checkGpu(path, 'fleet', region, f, out, zones);
    checkWindows(path, f.idleMinutes ?? defaults.idleMinutes, f.ttlHours ?? defaults.ttlHours, out);
    if (type) {
      const gpus = f.nodes * f.count;
      demands.push({ label: `fleet ${f.name} ${f.nodes} x ${f.count}`, accelerator: f.accelerator, kind: 'gpus', onDemand: f.market === 'spot' ? 0 : gpus, spot: f.market === 'spot' ? gpus : 0 });
    }
  });

  list(gcp['tpus']).forEach((raw, i) => {
    const path: FieldPath = ['gcp', 'tpus', i];
    const parsed = GcpTpuSchema.safeParse(raw);
    if (!parsed.success) return void (allValid = false);
    const t = parsed.data;
    claim(path, t.name, `TPU node ${i}`);
    const type = findTpuType(t.type);
    if (type === undefined) {
      // v5e is v5litepod-N in the TPU API, the name people most often get wrong.
      const v5e = /^v5e-(\d+)$/.exec(t.type);
      const hint = v5e && findTpuType(`v5litepod-${v5e[1]}`) ? `; did you mean 'v5litepod-${v5e[1]}'?` : didYouMean(t.type, GCP_TPU_TYPES.map((x) => x.acceleratorType));
      out.push({
        path: [...path, 'type'],
        message: `'${t.type}' is not a TPU type gpu-burst's catalog knows${hint}`,
        fix: `use a type from \`burst catalog --cloud gcp\`, e.g. ${listForMessage(GCP_TPU_TYPES.slice(0, 6).map((x) => x.acceleratorType))}.`,
      });
      return;
    }
    if (t.zone !== undefined && !zones.includes(t.zone) && !t.zone.startsWith(`${region}-`)) {
      out.push({ path: [...path, 'zone'], message: `'${t.zone}' is not a zone of ${region}`, fix: `use a zone of ${region} that offers ${t.type}: ${listForMessage(type.zones.filter((z) => z.startsWith(`${region}-`)))}.` });
    } else if (t.zone !== undefined && !type.zones.includes(t.zone)) {
      out.push({
        path: [...path, 'zone'],
        message: `${t.type} (${type.accelerator}) is not offered in ${t.zone}`,
        fix: `use one of the zones that offer it: ${listForMessage(type.zones)}.`,
      });
    } else if (tpuZoneFor(type, region, zones, t.zone) === undefined) {
      out.push({
        path: [...path, 'type'],
        message: `${t.type} (${type.accelerator}) is not offered in any zone of ${region}`,
        fix: `use a region with ${type.accelerator} (zones: ${listForMessage(type.zones)}), or a TPU generation offered in ${region}.`,
      });
    }
    if (t.runtimeVersion !== undefined) {
      const other = GCP_TPU_TYPES.find((x) => x.runtimeVersion === t.runtimeVersion && x.accelerator !== type.accelerator);
      if (other) {
        out.push({
          path: [...path, 'runtimeVersion'],
          message: `'${t.runtimeVersion}' is the runtime of ${other.accelerator}, not of ${t.type} (${type.accelerator})`,
          fix: `use ${type.runtimeVersion}, or remove runtimeVersion to take the catalog's.`,
        });
      }
    }
    checkWindows(path, t.idleMinutes ?? defaults.idleMinutes, t.ttlHours ?? defaults.ttlHours, out);
    demands.push({ label: `TPU ${t.name} ${t.type}`, accelerator: type.accelerator, kind: 'tpuChips', onDemand: t.spot ? 0 : type.chips, spot: t.spot ? type.chips : 0 });
  });

  list(gcp['sweeps']).forEach((raw, i) => {
    const path: FieldPath = ['gcp', 'sweeps', i];
    const parsed = GcpSweepSchema.safeParse(raw);
    if (!parsed.success) return void (allValid = false);
    const g = parsed.data;
    claim(path, g.name, `sweep group ${i}`);
    if (checkGpu(path, 'sweep group', region, g, out, zones)) {
      demands.push({ label: `sweep group ${g.name} ${g.parallelism} x ${g.count}`, accelerator: g.accelerator, kind: 'gpus', onDemand: 0, spot: g.parallelism * g.count });
    }
  });

  const rawBox = gcp['devBox'];
  if (rawBox !== undefined) {
    const path: FieldPath = ['gcp', 'devBox'];
    const parsed = GcpDevBoxSchema.safeParse(rawBox);
    if (!parsed.success) {
      allValid = false;
    } else {
      const box = parsed.data;
      let type: GceType | undefined;
      if (box.accelerator !== undefined) {
        type = checkGpu(path, 'dev box', region, { accelerator: box.accelerator, count: box.count, machineType: box.machineType }, out, box.zone ? [box.zone] : zones);
        if (type) type = gcpDevBoxType(region, box);
      } else {
        type = gcpDevBoxType(region, box);
        if (type === undefined) {
          const cpu = gceTypes().filter((t) => t.acceleratorCount === 0).map((t) => t.machineType);
          out.push({
            path: [...path, 'machineType'],
            message: `'${box.machineType ?? 'n2-standard-4'}' is not a CPU machine type gpu-burst's catalog knows${didYouMean(box.machineType ?? '', cpu)}`,
            fix: cpu.length > 0 ? `use ${listForMessage(cpu)}, or name an accelerator.` : 'name an accelerator for a GPU box.',
          });
        }
      }
      if (box.zone !== undefined && !box.zone.startsWith(`${region}-`)) {
        out.push({ path: [...path, 'zone'], message: `'${box.zone}' is not a zone of ${region}`, fix: `use one of ${listForMessage(zones)}.` });
      }
      checkWindows(path, box.idleMinutes ?? DEV_BOX_IDLE_MINUTES, box.ttlHours ?? defaults.ttlHours, out);
      if (type?.accelerator) demands.push({ label: `dev box ${type.machineType}`, accelerator: type.accelerator, kind: 'gpus', onDemand: type.acceleratorCount, spot: 0 });
    }
  }

  if (allValid) checkQuotas(gcp, demands, out);
  // Cloud Billing budgets notify at most 5 monitoring channels (one per address).
  const emails = (root['budget'] as { emails?: unknown } | undefined)?.emails;
  if (typeof gcp['billingAccount'] === 'string' && Array.isArray(emails) && emails.length > 5) {
    out.push({
      path: ['budget', 'emails'],
      message: `has ${emails.length} addresses; a GCP budget (gcp.billingAccount is set) notifies at most 5`,
      fix: 'keep 5 addresses, or send alerts to a group address.',
    });
  }
  return out;
}
