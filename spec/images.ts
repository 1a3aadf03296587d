/**
 * Which machine image a host boots, and the lockfile that makes it reproducible.
 *
 * `images/lock.json` pins, per image kind (`spec/catalog/images.ts`), the id its public alias
 * resolved to when `burst images pin` last ran: an AMI id per AWS region, a GCE image per kind on
 * GCP (images are global). A host boots the pinned id when the lock has one and the alias
 * otherwise, so an unpinned host gets whatever the alias points to on the day it starts.
 *
 * The lock is parsed once, here, and every problem is reported at once with the file and field.
 * Nothing in this module reaches a cloud: `burst images pin` resolves aliases and hands the ids to
 * `withAwsPins` / `withGcpPins`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { accelerator, awsRegionIds, offers } from './catalog/index.js';
import {
  AWS_IMAGE_KIND_IDS,
  GCP_IMAGE_KIND_IDS,
  awsImageKind,
  awsImageKinds,
  gcpImageKind,
  imageAlias,
  type AwsImageKind,
  type AwsImageKindId,
  type GcpImageKindId,
  type ImageFamily,
  type ImageKindId,
} from './catalog/images.js';
import { PROJECT_ROOT } from './paths.js';
import type { TeamPlan } from './plan.js';
import { UserError, formatProblem, type FieldPath, type Problem } from './problems.js';
import { didYouMean, listForMessage } from './suggest.js';

/** The committed lockfile. */
export const IMAGE_LOCK_FILE = join(PROJECT_ROOT, 'images', 'lock.json');

/**
 * Days after which a pin counts as stale. `burst plan` is offline and cannot see what an alias
 * points to today, so the age of a pin is its proxy for drift; `burst images pin --check` compares
 * with the clouds for real. DLAMIs and DLVM images are rebuilt every few weeks with security fixes.
 */
export const STALE_AFTER_DAYS = 30;

/** `ami-` and 8 or 17 lowercase hex digits (EC2 ids are 8 hex digits before 2016, 17 since). */
export const AMI_ID = /^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
/** A Compute Engine resource name (RFC 1035 label, up to 63 characters). */
const GCE_NAME = /^[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const GCP_PROJECT = /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/;
const SELF_LINK = /^https:\/\/(?:www|compute)\.googleapis\.com\/compute\/(?:v1|beta|alpha)\/projects\/[^/]+\/global\/images\/[^/]+$/;
/** `2026-11-26T09:30:00.000Z` (what `pin` writes) or a bare `2026-11-26`. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z)?$/;

const resolvedAt = z
  .string()
  .regex(ISO_TIME, { error: 'is not an ISO 8601 UTC time' })
  .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'is not a real date' });

const AwsPinSchema = z.strictObject({
  imageId: z.string().regex(AMI_ID, { error: 'is not an AMI id (ami- and 8 or 17 lowercase hex digits)' }),
  alias: z.string().min(1, { error: 'is empty' }),
  resolvedAt,
});

const GcpPinSchema = z.strictObject({
  image: z.string().regex(GCE_NAME, { error: 'is not a Compute Engine image name' }),
  project: z.string().regex(GCP_PROJECT, { error: 'is not a GCP project ID' }),
  selfLink: z.string().regex(SELF_LINK, { error: 'is not an image self-link (https://www.googleapis.com/compute/v1/projects/<p>/global/images/<name>)' }),
  alias: z.string().min(1, { error: 'is empty' }),
  resolvedAt,
});

/** The lockfile's schema (version 1). */
export const ImageLockSchema = z.strictObject({
  version: z.literal(1),
  aws: z.partialRecord(z.enum(awsRegionIds()), z.partialRecord(z.enum(AWS_IMAGE_KIND_IDS), AwsPinSchema)),
  gcp: z.partialRecord(z.enum(GCP_IMAGE_KIND_IDS), GcpPinSchema),
});

/** A pinned AMI: the id an SSM parameter held in one region at `resolvedAt`. */
export type AwsPin = z.output<typeof AwsPinSchema>;
/** A pinned GCE image: the image a family pointed to at `resolvedAt`. */
export type GcpPin = z.output<typeof GcpPinSchema>;
/** The parsed lockfile. */
export type ImageLock = z.output<typeof ImageLockSchema>;

/** A lock that pins nothing. */
export function emptyImageLock(): ImageLock {
  return { version: 1, aws: {}, gcp: {} };
}

/** Thrown when the lockfile is unreadable or invalid; carries every problem. */
export class ImageLockError extends UserError {
  readonly problems: readonly Problem[];

  constructor(file: string, problems: readonly Problem[]) {
    super(
      `${file} is not a valid image lock (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'ImageLockError';
    this.problems = problems;
  }
}

const PIN_FIELDS = { aws: ['imageId', 'alias', 'resolvedAt'], gcp: ['image', 'project', 'selfLink', 'alias', 'resolvedAt'] };
const REPIN = 'or remove the entry and run `npx burst images pin`.';

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value === 'string' ? `the string '${value}'` : `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>((cur, part) => (cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[part] : undefined), root);
}

/** An unknown key, named by where it appears. */
function unknownKey(file: string, at: FieldPath, key: string): Problem {
  const path = [...at, key];
  const known = (what: string, values: readonly string[], fix: string): Problem => ({
    file,
    path,
    message: `'${key}' is not ${what}${didYouMean(key, values)}`,
    fix,
  });
  if (at.length === 0) return known('a field of the lock', ['version', 'aws', 'gcp'], "a lock has only 'version', 'aws' and 'gcp'; remove it.");
  if (at.length === 1 && at[0] === 'aws') {
    const regions = awsRegionIds();
    return known('an AWS region gpu-burst knows', regions, `use one of ${listForMessage(regions, 12)}, ${REPIN}`);
  }
  if (at.length === 2 && at[0] === 'aws') {
    return known('an AWS image kind', AWS_IMAGE_KIND_IDS, `use one of ${listForMessage(AWS_IMAGE_KIND_IDS)} (spec/catalog/images.ts), ${REPIN}`);
  }
  if (at.length === 1 && at[0] === 'gcp') {
    return known('a GCP image kind', GCP_IMAGE_KIND_IDS, `use one of ${listForMessage(GCP_IMAGE_KIND_IDS)} (spec/catalog/images.ts), ${REPIN}`);
  }
  const fields = at[0] === 'gcp' ? PIN_FIELDS.gcp : PIN_FIELDS.aws;
  return known('a field of a pin', fields, `a pin has ${listForMessage(fields)}; remove it.`);
}

function issueProblems(file: string, issue: z.core.$ZodIssue, root: unknown): Problem[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const value = valueAt(root, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKey(file, path, key));
    case 'invalid_type': {
      if (value === undefined) {
        const fix = path.length === 1 ? 'add it; an empty lock is {"version":1,"aws":{},"gcp":{}}.' : `add it, ${REPIN}`;
        return [{ file, path, message: 'is required', fix }];
      }
      const expected = issue.expected === 'object' || issue.expected === 'record' ? 'an object' : `a ${issue.expected}`;
      return [{ file, path, message: `expected ${expected}, got ${describe(value)}`, fix: `correct it, ${REPIN}` }];
    }
    case 'invalid_value':
      return [{ file, path, message: `${describe(value)} is not a lock version gpu-burst reads`, fix: 'write "version": 1.' }];
    default:
      return [{ file, path, message: `${describe(value)} ${issue.message}`, fix: `correct it, ${REPIN}` }];
  }
}

/** Parses a lockfile's text; `file` names it in messages. Throws ImageLockError with every problem. */
export function parseImageLock(file: string, text: string): ImageLock {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    throw new ImageLockError(file, [
      {
        file,
        path: [],
        message: `is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
        fix: 'restore it with `git checkout`, or start over from {"version":1,"aws":{},"gcp":{}} and run `npx burst images pin`.',
      },
    ]);
  }
  if (root === null || typeof root !== 'object' || Array.isArray(root)) {
    throw new ImageLockError(file, [
      { file, path: [], message: `holds ${describe(root)}, not a lock object`, fix: 'an empty lock is {"version":1,"aws":{},"gcp":{}}.' },
    ]);
  }
  const parsed = ImageLockSchema.safeParse(root);
  if (!parsed.success) throw new ImageLockError(file, parsed.error.issues.flatMap((i) => issueProblems(file, i, root)));
  return parsed.data;
}

/** How a file is named in messages: relative to the working directory when it is inside it. */
function displayName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

/** Reads the lockfile; a missing file is an empty lock (every host boots its alias). */
export function loadImageLock(file: string = IMAGE_LOCK_FILE): ImageLock {
  if (!existsSync(file)) return emptyImageLock();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const name = displayName(file);
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ImageLockError(name, [{ file: name, path: [], message: `cannot be read (${code})`, fix: 'check its permissions.' }]);
  }
  return parseImageLock(displayName(file), text);
}

function sortedKeys<T>(record: Partial<Record<string, T>>, order?: readonly string[]): [string, T][] {
  const keys = Object.keys(record).sort((a, b) => (order ? order.indexOf(a) - order.indexOf(b) : a.localeCompare(b)));
  return keys.flatMap((k) => (record[k] === undefined ? [] : [[k, record[k] as T] as [string, T]]));
}

/** The lock as it is written: regions sorted, kinds in catalog order, fields in a fixed order, trailing newline. */
export function serializeImageLock(lock: ImageLock): string {
  const aws = Object.fromEntries(
    sortedKeys(lock.aws).map(([region, pins]) => [
      region,
      Object.fromEntries(
        sortedKeys(pins, AWS_IMAGE_KIND_IDS).map(([kind, p]) => [kind, { imageId: p.imageId, alias: p.alias, resolvedAt: p.resolvedAt }]),
      ),
    ]),
  );
  const gcp = Object.fromEntries(
    sortedKeys(lock.gcp, GCP_IMAGE_KIND_IDS).map(([kind, p]) => [
      kind,
      { image: p.image, project: p.project, selfLink: p.selfLink, alias: p.alias, resolvedAt: p.resolvedAt },
    ]),
  );
  return `${JSON.stringify({ version: lock.version, aws, gcp }, null, 2)}\n`;
}

/** An AMI a pin run resolved, for `withAwsPins`. */
export interface ResolvedAmi {
  readonly kind: AwsImageKindId;
  readonly imageId: string;
}

/** A GCE image a pin run resolved, for `withGcpPins`. */
export interface ResolvedGceImage {
  readonly kind: GcpImageKindId;
  readonly image: string;
  readonly project: string;
  readonly selfLink: string;
}

/** The lock with `region`'s AMIs replaced by `resolved`; other regions and kinds are kept. */
export function withAwsPins(lock: ImageLock, region: string, resolved: readonly ResolvedAmi[], at: Date): ImageLock {
  const pins = { ...lock.aws[region as keyof ImageLock['aws']] };
  for (const r of resolved) pins[r.kind] = { imageId: r.imageId, alias: imageAlias(awsImageKind(r.kind)), resolvedAt: at.toISOString() };
  return { ...lock, aws: { ...lock.aws, [region]: pins } };
}

/** The lock with the resolved GCE images replaced; other kinds are kept. */
export function withGcpPins(lock: ImageLock, resolved: readonly ResolvedGceImage[], at: Date): ImageLock {
  const gcp = { ...lock.gcp };
  for (const r of resolved) {
    gcp[r.kind] = { image: r.image, project: r.project, selfLink: r.selfLink, alias: imageAlias(gcpImageKind(r.kind)), resolvedAt: at.toISOString() };
  }
  return { ...lock, gcp };
}

/** A host on AWS: its region and the image kind it boots. */
export interface AwsImageHost {
  readonly cloud: 'aws';
  readonly region: string;
  readonly kind: AwsImageKindId;
}

/** A host on GCP: the image kind it boots (GCE images are global). */
export interface GcpImageHost {
  readonly cloud: 'gcp';
  readonly kind: GcpImageKindId;
}

/** A host that boots a machine image. */
export type ImageHost = AwsImageHost | GcpImageHost;

/** What an AWS host boots: a pinned AMI, or the SSM parameter EC2 resolves at launch (`resolve:ssm:`). */
export type AwsImageChoice =
  | { readonly cloud: 'aws'; readonly source: 'pinned'; readonly imageId: string; readonly resolvedAt: string; readonly alias: string }
  | { readonly cloud: 'aws'; readonly source: 'alias'; readonly ssmParameter: string };

/** What a GCP host boots: a pinned image, or the newest image of a family at creation. */
export type GcpImageChoice =
  | {
      readonly cloud: 'gcp';
      readonly source: 'pinned';
      readonly image: string;
      readonly project: string;
      readonly selfLink: string;
      readonly resolvedAt: string;
      readonly alias: string;
    }
  | { readonly cloud: 'gcp'; readonly source: 'alias'; readonly project: string; readonly family: string };

/** What a host boots on either cloud. */
export type ImageChoice = AwsImageChoice | GcpImageChoice;

/**
 * Which image a host boots: the pinned id when the lock has one for its kind (and region, on AWS),
 * else the public alias. Every construct that starts a host asks this function, so a lock entry
 * changes what every host of that kind boots and nothing else does.
 */
export function imageFor(host: AwsImageHost, lock: ImageLock): AwsImageChoice;
export function imageFor(host: GcpImageHost, lock: ImageLock): GcpImageChoice;
export function imageFor(host: ImageHost, lock: ImageLock): ImageChoice;
export function imageFor(host: ImageHost, lock: ImageLock): ImageChoice {
  if (host.cloud === 'aws') {
    const pin = lock.aws[host.region as keyof ImageLock['aws']]?.[host.kind];
    if (pin) return { cloud: 'aws', source: 'pinned', imageId: pin.imageId, resolvedAt: pin.resolvedAt, alias: pin.alias };
    return { cloud: 'aws', source: 'alias', ssmParameter: awsImageKind(host.kind).ssmParameter };
  }
  const pin = lock.gcp[host.kind];
  if (pin) {
    const { image, project, selfLink, resolvedAt, alias } = pin;
    return { cloud: 'gcp', source: 'pinned', image, project, selfLink, resolvedAt, alias };
  }
  const kind = gcpImageKind(host.kind);
  return { cloud: 'gcp', source: 'alias', project: kind.project, family: kind.family };
}

/** How a host's image stands in the lock, for `burst plan`. */
export interface ImageStatus {
  readonly cloud: 'aws' | 'gcp';
  /** AWS only: the region the AMI is pinned for. */
  readonly region?: string;
  readonly kind: ImageKindId;
  /**
   * `pinned`: the lock names the image. `unpinned`: the host boots the alias. `stale`: pinned, but
   * resolved more than STALE_AFTER_DAYS ago or from an alias the catalog no longer uses.
   */
  readonly status: 'pinned' | 'unpinned' | 'stale';
  /** The pinned AMI id or GCE image name (pinned and stale). */
  readonly id?: string;
  /** The alias the catalog resolves this kind from today. */
  readonly alias: string;
  readonly resolvedAt?: string;
  /** Whole days since `resolvedAt`. */
  readonly ageDays?: number;
  /** Why a pin is stale: its age, or an alias that differs from the catalog's. */
  readonly staleBecause?: 'age' | 'alias';
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The lock status of a host's image; `now` is the clock staleness is measured against. */
export function imageStatus(host: ImageHost, lock: ImageLock, now: Date = new Date()): ImageStatus {
  const where = host.cloud === 'aws' ? { cloud: 'aws' as const, region: host.region } : { cloud: 'gcp' as const };
  const alias = imageAlias(host.cloud === 'aws' ? awsImageKind(host.kind) : gcpImageKind(host.kind));
  const choice = imageFor(host, lock);
  if (choice.source === 'alias') return { ...where, kind: host.kind, status: 'unpinned', alias };
  const id = choice.cloud === 'aws' ? choice.imageId : choice.image;
  const ageDays = Math.max(0, Math.floor((now.getTime() - Date.parse(choice.resolvedAt)) / DAY_MS));
  const staleBecause = choice.alias !== alias ? 'alias' : ageDays > STALE_AFTER_DAYS ? 'age' : undefined;
  return {
    ...where,
    kind: host.kind,
    status: staleBecause === undefined ? 'pinned' : 'stale',
    id,
    alias,
    resolvedAt: choice.resolvedAt,
    ageDays,
    ...(staleBecause === undefined ? {} : { staleBecause }),
  };
}

/** Accelerator families with a machine image that the catalog offers in a region of a cloud. */
export function familiesOfferedIn(cloud: 'aws' | 'gcp', region: string): Set<ImageFamily> {
  const found = new Set<ImageFamily>();
  for (const offer of offers(cloud)) {
    const family = accelerator(offer.accelerator).family;
    if (family !== 'tpu' && offer.offeredIn.includes(region)) found.add(family);
  }
  return found;
}

/**
 * The AWS image kinds worth resolving in a region: those serving an accelerator family the catalog
 * offers there (no Neuron DLAMI where there is no Trainium, whose SSM parameter AWS may not publish).
 */
export function awsImageKindsIn(region: string): AwsImageKind[] {
  const offered = familiesOfferedIn('aws', region);
  return awsImageKinds().filter((k) => k.serves.some((f) => offered.has(f)));
}

/**
 * The hosts a team's plan would boot, one per image kind (and region, on AWS): the images its
 * fleets and dev box name. A team with neither boots no machine image: TPU VMs boot runtime
 * versions, and GCP sweep VMs boot Batch's own Container-Optimized OS image.
 */
export function teamImageHosts(plan: TeamPlan): ImageHost[] {
  const hosts: ImageHost[] = [];
  const seen = new Set<string>();
  const add = (host: ImageHost) => {
    const key = host.cloud === 'aws' ? `aws/${host.region}/${host.kind}` : `gcp/${host.kind}`;
    if (seen.has(key)) return;
    seen.add(key);
    hosts.push(host);
  };
  for (const item of plan.aws?.items ?? []) if (item.kind === 'gpuFleet' || item.kind === 'devBox') add(item.image);
  for (const item of plan.gcp?.items ?? []) if (item.kind === 'gpuFleet' || item.kind === 'devBox') add(item.image);
  return hosts;
}
