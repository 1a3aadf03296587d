/**
 * Rules that span fields or need the catalog: zones belong to the region, network ranges are
 * private and well formed, storage locations exist, reserved tags stay reserved.
 *
 * They run on the file as parsed from YAML, before and independently of the schema, so that one
 * run reports every problem; a rule skips values the schema already reported.
 */
import { findRegion, GCP_REGIONS } from './catalog/index.js';
import type { Cloud } from './catalog/index.js';
import { formatCidr, isPrivate, networkOf, parseCidr } from './cidr.js';
import type { FieldPath } from './problems.js';
import { RESERVED_TAG_KEYS } from './schema.js';
import { didYouMean, listForMessage } from './suggest.js';
import { awsComputeProblems } from './validate-aws.js';
import { gcpComputeProblems } from './validate-gcp.js';

/** A problem before it is tied to a file and a line. */
export interface RawProblem {
  readonly path: FieldPath;
  readonly message: string;
  readonly fix?: string;
}

/** Default regions, as in schema.ts, for rules that need the region when the file leaves it out. */
const DEFAULT_REGION: Record<Cloud, string> = { aws: 'us-east-1', gcp: 'us-central1' };

/** GCS multi-regions accepted as a bucket location. */
export const GCS_MULTI_REGIONS = ['US', 'EU', 'ASIA'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function checkZones(cloud: Cloud, section: Record<string, unknown>, key: string, out: RawProblem[]): void {
  const zones = section[key];
  const regionId = section['region'] ?? DEFAULT_REGION[cloud];
  if (!Array.isArray(zones) || typeof regionId !== 'string') return;
  const region = findRegion(cloud, regionId);
  if (region === undefined) return; // the schema reports the region
  const seen = new Set<string>();
  zones.forEach((zone, i) => {
    if (typeof zone !== 'string') return;
    const path = [cloud, key, i];
    if (seen.has(zone)) {
      out.push({ path, message: `'${zone}' is listed twice`, fix: 'list each zone once.' });
    }
    seen.add(zone);
    if (!region.zones.includes(zone)) {
      out.push({
        path,
        message: `'${zone}' is not a zone of ${regionId}${didYouMean(zone, region.zones)}`,
        fix: `use zones of ${regionId}: ${listForMessage(region.zones)}.`,
      });
    }
  });
}

function checkCidr(path: FieldPath, value: unknown, out: RawProblem[]): void {
  if (typeof value !== 'string') return;
  const cidr = parseCidr(value);
  if (cidr === undefined) return; // the schema's pattern reports malformed text
  const network = networkOf(cidr);
  if (network.address !== cidr.address) {
    out.push({
      path,
      message: `'${value}' has host bits set`,
      fix: `write the network address: ${formatCidr(network)}.`,
    });
  }
  if (cidr.prefix < 16 || cidr.prefix > 24) {
    out.push({
      path,
      message: `'${value}' is a /${cidr.prefix}; the burst network must be between /16 and /24`,
      fix: 'use a /16 to /24 block, e.g. 10.64.0.0/16.',
    });
  }
  if (!isPrivate(cidr)) {
    out.push({
      path,
      message: `'${value}' is not a private (RFC 1918) range`,
      fix: 'use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.',
    });
  }
}

function checkLocation(gcp: Record<string, unknown>, out: RawProblem[]): void {
  const storage = gcp['storage'];
  if (!isRecord(storage) || typeof storage['location'] !== 'string') return;
  const location = storage['location'];
  const known = [...GCS_MULTI_REGIONS, ...GCP_REGIONS.map((r) => r.id)];
  if (!known.some((k) => k.toLowerCase() === location.toLowerCase())) {
    out.push({
      path: ['gcp', 'storage', 'location'],
      message: `'${location}' is not a Cloud Storage location gpu-burst knows${didYouMean(location, known)}`,
      fix: `use a region such as ${GCP_REGIONS[0]?.id ?? 'us-central1'} or a multi-region (${GCS_MULTI_REGIONS.join(', ')}).`,
    });
  }
}

function checkTags(root: Record<string, unknown>, out: RawProblem[]): void {
  const tags = root['tags'];
  if (!isRecord(tags)) return;
  for (const key of Object.keys(tags)) {
    if ((RESERVED_TAG_KEYS as readonly string[]).includes(key)) {
      out.push({
        path: ['tags', key],
        message: `'${key}' is set by gpu-burst itself`,
        fix: key === 'cost-center' ? 'set costCenter: instead.' : `remove it; gpu-burst reserves ${listForMessage(RESERVED_TAG_KEYS)}.`,
      });
    }
  }
}

/** Runs every cross-field rule over a parsed (not yet schema-checked) team file. */
export function crossFieldProblems(root: unknown): RawProblem[] {
  const out: RawProblem[] = [];
  if (!isRecord(root)) return out;
  if (root['aws'] === undefined && root['gcp'] === undefined) {
    out.push({
      path: [],
      message: 'the file has neither an aws: nor a gcp: section, so it builds nothing',
      fix: "add at least one, e.g. 'aws:' with 'region: us-east-1' under it.",
    });
  }
  checkTags(root, out);
  const aws = root['aws'];
  if (isRecord(aws)) {
    checkZones('aws', aws, 'availabilityZones', out);
    checkCidr(['aws', 'vpcCidr'], aws['vpcCidr'], out);
    const region = aws['region'] ?? DEFAULT_REGION.aws;
    if (typeof region === 'string' && findRegion('aws', region)) out.push(...awsComputeProblems(root, aws, region));
  }
  const gcp = root['gcp'];
  if (isRecord(gcp)) {
    checkZones('gcp', gcp, 'zones', out);
    checkCidr(['gcp', 'subnetCidr'], gcp['subnetCidr'], out);
    checkLocation(gcp, out);
    const region = gcp['region'] ?? DEFAULT_REGION.gcp;
    const regionEntry = typeof region === 'string' ? findRegion('gcp', region) : undefined;
    if (regionEntry) {
      const zones = Array.isArray(gcp['zones']) ? gcp['zones'].filter((z): z is string => typeof z === 'string') : regionEntry.zones;
      out.push(...gcpComputeProblems(root, gcp, regionEntry.id, zones));
    }
  }
  return out;
}
