/**
 * Catalog rules for the `aws:` section's compute: every fleet, sweep group and the dev box must ask
 * for something EC2 offers in the team's region, images must fit the accelerator, shutdown windows
 * must make sense, and the whole team at full size must fit the vCPU quotas it declares (A24).
 *
 * Each item is checked as soon as it passes its own schema (defaults applied), so a file with a
 * mistake elsewhere still gets these problems reported in the same run.
 */
import {
  acceleratedTypesIn,
  countsOffered,
  devBoxType,
  ec2Types,
  findEc2Type,
  regionsOffering,
  type Ec2Type,
} from './aws-compute.js';
import { accelerator, ACCELERATORS, type AcceleratorId } from './catalog/index.js';
import { awsImageKind, type AwsImageKindId } from './catalog/images.js';
import { EC2_QUOTA_CLASSES, quotaClassOf } from './catalog/quotas.js';
import type { FieldPath } from './problems.js';
import { AwsDevBoxSchema, AwsFleetSchema, AwsQuotasSchema, AwsSweepSchema, ShutdownSchema } from './schema.js';
import { didYouMean, listForMessage } from './suggest.js';
import type { RawProblem } from './validate.js';
import { DEV_BOX_IDLE_MINUTES } from './plan.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Accelerators the catalog offers on AWS in a region, for "use one of" fixes. */
function offeredIn(region: string): AcceleratorId[] {
  return ACCELERATORS.filter((a) => regionsOffering(a.id).includes(region)).map((a) => a.id);
}

interface Accelerated {
  readonly accelerator: AcceleratorId;
  readonly count: number;
  readonly instanceTypes?: readonly string[] | undefined;
}

/** Problems of an accelerator/count/instanceTypes request; returns the types that resolve. */
function checkAccelerated(path: FieldPath, what: string, region: string, item: Accelerated, out: RawProblem[]): Ec2Type[] {
  const kind = accelerator(item.accelerator);
  if (kind.family === 'tpu') {
    out.push({
      path: [...path, 'accelerator'],
      message: `'${item.accelerator}' is a Cloud TPU, and TPUs exist only on Google Cloud`,
      fix: `use an AWS accelerator for the ${what} (offered in ${region}: ${listForMessage(offeredIn(region))}), or move it to gcp:.`,
    });
    return [];
  }
  if (item.instanceTypes === undefined) {
    const types = acceleratedTypesIn(region, item.accelerator, item.count);
    if (types.length > 0) return types;
    const regions = regionsOffering(item.accelerator);
    if (!regions.includes(region)) {
      out.push({
        path: [...path, 'accelerator'],
        message: `'${item.accelerator}' is not offered in ${region} (the catalog has it in ${regions.length > 0 ? regions.join(', ') : 'no AWS region'})`,
        fix: `choose an accelerator offered in ${region} (${listForMessage(offeredIn(region))}), or another aws.region.`,
      });
    } else {
      const counts = countsOffered(region, item.accelerator);
      out.push({
        path: [...path, 'count'],
        message: `no EC2 type in ${region} carries ${item.count} x ${item.accelerator}`,
        fix: `set count to one of ${counts.join(', ')} (accelerators per instance the catalog has).`,
      });
    }
    return [];
  }
  const known = ec2Types().map((t) => t.instanceType);
  const good: Ec2Type[] = [];
  const seen = new Set<string>();
  item.instanceTypes.forEach((name, i) => {
    const at = [...path, 'instanceTypes', i];
    if (seen.has(name)) {
      out.push({ path: at, message: `'${name}' is listed twice`, fix: 'list each instance type once.' });
      return;
    }
    seen.add(name);
    const type = findEc2Type(name);
    const matching = acceleratedTypesIn(region, item.accelerator, item.count).map((t) => t.instanceType);
    const fix = matching.length > 0 ? `use types carrying ${item.count} x ${item.accelerator}: ${listForMessage(matching)}.` : `remove instanceTypes to let the catalog choose.`;
    if (type === undefined) {
      out.push({ path: at, message: `'${name}' is not an instance type gpu-burst's catalog knows${didYouMean(name, known)}`, fix });
    } else if (type.accelerator !== item.accelerator || type.acceleratorCount !== item.count) {
      const carries = type.accelerator ? `${type.acceleratorCount} x ${type.accelerator}` : 'no accelerator';
      out.push({ path: at, message: `'${name}' carries ${carries}, not ${item.count} x ${item.accelerator}`, fix });
    } else if (!type.regions.includes(region)) {
      out.push({ path: at, message: `'${name}' is not offered in ${region}`, fix });
    } else {
      good.push(type);
    }
  });
  return good;
}

function checkImage(path: FieldPath, acceleratorId: AcceleratorId | undefined, image: AwsImageKindId | undefined, out: RawProblem[]): void {
  if (image === undefined) return;
  const family = acceleratorId === undefined ? 'gpu' : accelerator(acceleratorId).family;
  if (family === 'tpu') return;
  const kind = awsImageKind(image);
  if (!kind.serves.includes(family)) {
    out.push({
      path: [...path, 'image'],
      message: `'${image}' (${kind.name}) does not serve ${acceleratorId ?? 'CPU'} hosts`,
      fix: family === 'trainium' ? "use 'dlami-neuron' for Trainium." : "use 'dlami-base-gpu' or 'dlami-pytorch-gpu' for NVIDIA GPUs.",
    });
  }
}

/** A TTL must outlast the idle window (the agent refuses a configuration where it does not). */
export function checkWindows(path: FieldPath, idleMinutes: number, ttlHours: number, out: RawProblem[]): void {
  if (ttlHours * 60 <= idleMinutes) {
    out.push({
      path: [...path, 'ttlHours'],
      message: `a TTL of ${ttlHours} h is not longer than the idle window of ${idleMinutes} min`,
      fix: 'make ttlHours longer than the idle window (idleMinutes), or shorten idleMinutes.',
    });
  }
}

/** vCPUs one item needs at full size, by quota class and market. */
interface Demand {
  readonly label: string;
  readonly instanceType: string;
  readonly onDemand: number;
  readonly spot: number;
}

function checkQuotas(aws: Record<string, unknown>, demands: readonly Demand[], out: RawProblem[]): void {
  const parsed = AwsQuotasSchema.safeParse(aws['quotas']);
  if (!parsed.success || parsed.data === undefined) return;
  const declared = parsed.data;
  for (const qc of EC2_QUOTA_CLASSES) {
    const quota = declared[qc.id as keyof typeof declared];
    if (quota === undefined) continue;
    for (const market of ['onDemand', 'spot'] as const) {
      const limit = quota[market];
      if (limit === undefined) continue;
      const mine = demands.filter((d) => quotaClassOf(d.instanceType)?.id === qc.id && d[market] > 0);
      const total = mine.reduce((sum, d) => sum + d[market], 0);
      if (total <= limit) continue;
      const quotaInfo = market === 'spot' ? qc.spot : qc.onDemand;
      const marketName = market === 'spot' ? 'spot' : 'on-demand';
      out.push({
        path: ['aws', 'quotas', qc.id, market],
        message:
          `the team needs ${total} ${marketName} vCPUs of ${qc.name} at full size (${mine.map((d) => `${d.label}: ${d[market]}`).join('; ')}), ` +
          `more than the ${limit} it declares`,
        fix:
          `lower nodes/maxVCpus, or request more in Service Quotas (EC2, "${quotaInfo.quotaName}"` +
          `${quotaInfo.quotaCode ? `, ${quotaInfo.quotaCode}` : ''}) and raise aws.quotas.${qc.id}.${market}.`,
      });
    }
  }
}

/** Runs the compute rules over a parsed (not yet schema-checked) `aws:` section. */
export function awsComputeProblems(root: Record<string, unknown>, aws: Record<string, unknown>, region: string): RawProblem[] {
  const out: RawProblem[] = [];
  const shutdown = ShutdownSchema.safeParse(root['shutdown']);
  const defaults = shutdown.success ? shutdown.data : { idleMinutes: 30, ttlHours: 12 };
  const demands: Demand[] = [];
  const names = new Map<string, string>();
  let allValid = true;

  const claim = (path: FieldPath, name: string, what: string): void => {
    const previous = names.get(name);
    if (previous !== undefined) {
      out.push({ path: [...path, 'name'], message: `'${name}' is already the name of ${previous}`, fix: 'give every fleet and sweep group its own name.' });
    } else {
      names.set(name, what);
    }
  };

  list(aws['fleets']).forEach((raw, i) => {
    const path: FieldPath = ['aws', 'fleets', i];
    const parsed = AwsFleetSchema.safeParse(raw);
    if (!parsed.success) return void (allValid = false);
    const f = parsed.data;
    if (f.name === 'devbox') {
      out.push({ path: [...path, 'name'], message: "'devbox' names the dev box in `burst start`", fix: 'choose another fleet name.' });
    }
    claim(path, f.name, `fleet ${i}`);
    const types = checkAccelerated(path, 'fleet', region, f, out);
    if (f.efa === true) {
      const without = types.filter((t) => t.efaInterfaces === 0).map((t) => t.instanceType);
      if (without.length > 0) {
        const withEfa = acceleratedTypesIn(region, f.accelerator, f.count).filter((t) => t.efaInterfaces > 0).map((t) => t.instanceType);
        out.push({
          path: [...path, 'efa'],
          message: `EFA is requested but ${listForMessage(without)} ${without.length === 1 ? 'has' : 'have'} no EFA interface`,
          fix: withEfa.length > 0 ? `use instanceTypes with EFA (${listForMessage(withEfa)}), or remove efa: true.` : `remove efa: true (no ${f.count} x ${f.accelerator} type in ${region} has EFA).`,
        });
      }
    }
    if (f.market !== 'mixed' && f.onDemandBase > 0) {
      out.push({ path: [...path, 'onDemandBase'], message: `onDemandBase applies only to market mixed (this fleet is ${f.market})`, fix: 'set market: mixed, or remove onDemandBase.' });
    }
    if (f.market === 'mixed' && (f.onDemandBase < 1 || f.onDemandBase >= f.nodes)) {
      out.push({
        path: [...path, 'onDemandBase'],
        message: `market mixed puts some of the ${f.nodes} nodes on demand and the rest on spot; onDemandBase ${f.onDemandBase} leaves ${f.onDemandBase < 1 ? 'none on demand' : 'none on spot'}`,
        fix:
          f.nodes < 2
            ? 'a one-node fleet is either spot or on-demand: set market accordingly.'
            : f.nodes === 2
              ? 'set onDemandBase: 1, or market: on-demand.'
              : `set onDemandBase between 1 and ${f.nodes - 1}, or market: on-demand.`,
      });
    }
    checkImage(path, f.accelerator, f.image, out);
    checkWindows(path, f.idleMinutes ?? defaults.idleMinutes, f.ttlHours ?? defaults.ttlHours, out);
    const vCpus = Math.max(0, ...types.map((t) => t.vCpus));
    const base = f.market === 'on-demand' ? f.nodes : f.market === 'mixed' ? f.onDemandBase : 0;
    if (types[0]) {
      demands.push({ label: `fleet ${f.name} ${f.nodes} x ${vCpus}`, instanceType: types[0].instanceType, onDemand: base * vCpus, spot: (f.nodes - base) * vCpus });
    }
  });

  list(aws['sweeps']).forEach((raw, i) => {
    const path: FieldPath = ['aws', 'sweeps', i];
    const parsed = AwsSweepSchema.safeParse(raw);
    if (!parsed.success) return void (allValid = false);
    const g = parsed.data;
    claim(path, g.name, `sweep group ${i}`);
    if (accelerator(g.accelerator).family === 'trainium') {
      out.push({
        path: [...path, 'accelerator'],
        message: 'sweep groups schedule NVIDIA GPUs (the Batch GPU resource); Trainium is not supported in a sweep group',
        fix: 'use a GPU accelerator, or a fleet for Trainium.',
      });
      return;
    }
    const types = checkAccelerated(path, 'sweep group', region, g, out);
    const smallest = Math.min(...types.map((t) => t.vCpus));
    if (types.length > 0 && g.maxVCpus < smallest) {
      out.push({
        path: [...path, 'maxVCpus'],
        message: `maxVCpus ${g.maxVCpus} is less than the ${smallest} vCPUs of the smallest type, so no trial could ever start`,
        fix: `set maxVCpus to at least ${smallest}.`,
      });
    }
    if (types[0]) demands.push({ label: `sweep group ${g.name} maxVCpus`, instanceType: types[0].instanceType, onDemand: 0, spot: g.maxVCpus });
  });

  const rawBox = aws['devBox'];
  if (rawBox !== undefined) {
    const path: FieldPath = ['aws', 'devBox'];
    const parsed = AwsDevBoxSchema.safeParse(rawBox);
    if (!parsed.success) {
      allValid = false;
    } else {
      const box = parsed.data;
      let type: Ec2Type | undefined;
      if (box.accelerator !== undefined && accelerator(box.accelerator).family === 'tpu') {
        checkAccelerated(path, 'dev box', region, { accelerator: box.accelerator, count: box.count }, out);
      } else if (box.instanceType !== undefined) {
        type = findEc2Type(box.instanceType);
        const known = ec2Types().map((t) => t.instanceType);
        if (type === undefined) {
          out.push({
            path: [...path, 'instanceType'],
            message: `'${box.instanceType}' is not an instance type gpu-burst's catalog knows${didYouMean(box.instanceType, known)}`,
            fix: 'use a type from `burst catalog --cloud aws` or a CPU type such as m7i.xlarge.',
          });
        } else if (!type.regions.includes(region)) {
          out.push({ path: [...path, 'instanceType'], message: `'${box.instanceType}' is not offered in ${region}`, fix: `choose a type offered in ${region}.` });
          type = undefined;
        } else if (box.accelerator !== undefined && (type.accelerator !== box.accelerator || type.acceleratorCount !== box.count)) {
          const carries = type.accelerator ? `${type.acceleratorCount} x ${type.accelerator}` : 'no accelerator';
          out.push({
            path: [...path, 'instanceType'],
            message: `'${box.instanceType}' carries ${carries}, not ${box.count} x ${box.accelerator}`,
            fix: 'remove instanceType to let the catalog choose, or make accelerator and count match it.',
          });
          type = undefined;
        }
      } else if (box.accelerator !== undefined) {
        const types = checkAccelerated(path, 'dev box', region, { accelerator: box.accelerator, count: box.count }, out);
        type = types.length > 0 ? devBoxType(region, box) : undefined;
      } else {
        type = devBoxType(region, box);
        if (isRecord(rawBox) && rawBox['count'] !== undefined) {
          out.push({ path: [...path, 'count'], message: 'count is the number of accelerators, but the dev box names no accelerator', fix: 'add accelerator:, or remove count.' });
        }
      }
      checkImage(path, type?.accelerator ?? box.accelerator, box.image, out);
      checkWindows(path, box.idleMinutes ?? DEV_BOX_IDLE_MINUTES, box.ttlHours ?? defaults.ttlHours, out);
      if (type) demands.push({ label: `dev box ${type.instanceType}`, instanceType: type.instanceType, onDemand: type.vCpus, spot: 0 });
    }
  }

  if (allValid) checkQuotas(aws, demands, out);
  return out;
}
