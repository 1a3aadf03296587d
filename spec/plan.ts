/**
 * The plan: what each cloud builds for a team, derived from the validated spec alone.
 *
 * Plan items are a discriminated union on `kind`. Each cloud turns every kind into resources in an
 * exhaustive switch ending in `assertNever`, so a kind one cloud forgets fails to compile instead of
 * disappearing. Items carry cloud-neutral settings in their units; cloud specifics (a GCS soft-delete
 * window) appear only on the plan of the cloud that has them, never to be silently dropped.
 *
 * `layer` says what an item outlives: `storage` items hold data and survive every teardown (AWS:
 * the <team>-storage stack, retained; GCP: protected, retained on delete); `burst` items are
 * torn down with the burst and cost nothing at rest.
 */
import { findRegion } from './catalog/index.js';
import { teamPrefix } from './layout.js';
import type { TeamSpec } from './schema.js';

/** What an item outlives: `storage` survives teardown, `burst` goes with it. */
export type Layer = 'storage' | 'burst';

/** The artifact bucket: checkpoints, datasets, run manifests. */
export interface ArtifactStoreItem {
  readonly kind: 'artifactStore';
  readonly layer: 'storage';
  /** Logical name, unique in the team. */
  readonly name: 'artifacts';
  /** Key prefix the team writes under (`teams/<team>/`). */
  readonly prefix: string;
  readonly noncurrentVersionDays: number;
  readonly incompleteUploadDays: number;
  /** GCP only: Cloud Storage location of the bucket. */
  readonly location?: string;
  /** GCP only: soft-delete retention, days (7 to 90). */
  readonly softDeleteDays?: number;
}

/** The registry training images are pushed to (tags immutable, untagged images expire). */
export interface ImageRepositoryItem {
  readonly kind: 'imageRepository';
  readonly layer: 'storage';
  readonly name: 'training-images';
  readonly untaggedImageDays: number;
}

/** The burst network: private subnets only, object storage reachable without NAT, no NAT at rest. */
export interface NetworkItem {
  readonly kind: 'network';
  readonly layer: 'burst';
  readonly name: 'network';
  readonly cidr: string;
  /** Zones the subnets span; undefined on AWS means "the region's first two" (Fn::GetAZs). */
  readonly zones?: readonly string[];
}

/** Everything a cloud can be asked to build. */
export type PlanItem = ArtifactStoreItem | ImageRepositoryItem | NetworkItem;

/** Tags (AWS) / labels (GCP) every resource of a team carries. */
export type Tags = Readonly<Record<string, string>>;

/** What gpu-burst builds for one team on AWS. */
export interface AwsPlan {
  readonly cloud: 'aws';
  readonly team: string;
  readonly region: string;
  readonly description: string;
  readonly tags: Tags;
  readonly items: readonly PlanItem[];
}

/** What gpu-burst builds for one team on GCP. */
export interface GcpPlan {
  readonly cloud: 'gcp';
  readonly team: string;
  readonly project: string;
  readonly region: string;
  readonly zones: readonly string[];
  readonly description: string;
  readonly tags: Tags;
  readonly items: readonly PlanItem[];
}

/** A cloud's plan. */
export type CloudPlan = AwsPlan | GcpPlan;

/** A team's plans, one per cloud its file has a section for. */
export interface TeamPlan {
  readonly team: string;
  readonly file: string;
  readonly aws?: AwsPlan;
  readonly gcp?: GcpPlan;
}

/** Compile-time exhaustiveness: a switch over a union ends here. */
export function assertNever(value: never, what = 'plan item'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}

/** The tags every resource of the team carries, gpu-burst's own last so they cannot be overridden. */
export function teamTags(spec: TeamSpec): Tags {
  return { ...spec.tags, team: spec.team, 'cost-center': spec.costCenter ?? spec.team, 'managed-by': 'gpu-burst' };
}

function description(spec: TeamSpec): string {
  return spec.description ?? `gpu-burst team ${spec.team}`;
}

/** Derives what each cloud builds for a validated team. */
export function planTeam(spec: TeamSpec): TeamPlan {
  const tags = teamTags(spec);
  const storage = {
    kind: 'artifactStore',
    layer: 'storage',
    name: 'artifacts',
    prefix: teamPrefix(spec.team),
    noncurrentVersionDays: spec.storage.noncurrentVersionDays,
    incompleteUploadDays: spec.storage.incompleteUploadDays,
  } as const;
  const images: ImageRepositoryItem = {
    kind: 'imageRepository',
    layer: 'storage',
    name: 'training-images',
    untaggedImageDays: spec.storage.untaggedImageDays,
  };

  let aws: AwsPlan | undefined;
  if (spec.aws) {
    aws = {
      cloud: 'aws',
      team: spec.team,
      region: spec.aws.region,
      description: description(spec),
      tags,
      items: [
        storage,
        images,
        {
          kind: 'network',
          layer: 'burst',
          name: 'network',
          cidr: spec.aws.vpcCidr,
          ...(spec.aws.availabilityZones ? { zones: spec.aws.availabilityZones } : {}),
        },
      ],
    };
  }

  let gcp: GcpPlan | undefined;
  if (spec.gcp) {
    const zones = spec.gcp.zones ?? findRegion('gcp', spec.gcp.region)?.zones ?? [];
    gcp = {
      cloud: 'gcp',
      team: spec.team,
      project: spec.gcp.project,
      region: spec.gcp.region,
      zones,
      description: description(spec),
      tags,
      items: [
        {
          ...storage,
          location: (spec.gcp.storage.location ?? spec.gcp.region).toUpperCase(),
          softDeleteDays: spec.gcp.storage.softDeleteDays,
        },
        images,
        { kind: 'network', layer: 'burst', name: 'network', cidr: spec.gcp.subnetCidr, zones },
      ],
    };
  }

  return { team: spec.team, file: spec.file, ...(aws ? { aws } : {}), ...(gcp ? { gcp } : {}) };
}
