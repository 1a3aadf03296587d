/**
 * `burst images pin [team...] [--cloud aws|gcp] [--check] [--json]`: resolves every image kind's
 * public alias (`spec/catalog/images.ts`) and pins the ids in `images/lock.json`, so hosts boot
 * the same image until someone pins again. With `--check` it writes nothing and reports drift.
 *
 * The cloud SDKs are loaded only when the command runs (the Compute client alone takes a second to
 * import), and the clients are injected so tests run against mocks.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { GetParametersCommand, GetParametersCommandOutput } from '@aws-sdk/client-ssm';
import { gcpImageKinds, imageAlias, type AwsImageKind, type GcpImageKind } from '../../spec/catalog/images.js';
import type { Cloud } from '../../spec/catalog/types.js';
import {
  AMI_ID,
  IMAGE_LOCK_FILE,
  awsImageKindsIn,
  imageFor,
  loadImageLock,
  serializeImageLock,
  withAwsPins,
  withGcpPins,
  type ImageLock,
  type ResolvedAmi,
  type ResolvedGceImage,
} from '../../spec/images.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { awsFailure } from '../aws-errors.js';
import { columns, style } from '../output.js';
import { displayPath, loadSelected } from '../teams.js';

/** The part of an SSM client the command uses (an `SSMClient` from @aws-sdk/client-ssm). */
export interface SsmClientLike {
  send(command: GetParametersCommand): Promise<GetParametersCommandOutput>;
  destroy?(): void;
}

/** The part of a Compute Engine image the command reads. */
export interface GceImage {
  readonly name?: string | null;
  readonly selfLink?: string | null;
}

/** The part of an images client the command uses (an `ImagesClient` from @google-cloud/compute). */
export interface ImagesClientLike {
  getFromFamily(request: { project: string; family: string }): Promise<[GceImage, ...unknown[]]>;
  /** Authenticates; the generated client otherwise leaves a start-up failure unhandled in each call. */
  initialize?(): Promise<unknown>;
  close?(): Promise<void>;
}

/** Where the command gets its cloud clients: one SSM client per region, one images client. */
export interface ImageClients {
  ssm(region: string): SsmClientLike | Promise<SsmClientLike>;
  images(): ImagesClientLike | Promise<ImagesClientLike>;
}

/** Everything `runImagesPin` touches outside its arguments. */
export interface PinDeps {
  readonly clients: ImageClients;
  readonly lockFile: string;
  readonly now: () => Date;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Options of `burst images pin`. */
export interface PinOptions {
  readonly cloud?: Cloud;
  readonly check?: boolean;
  readonly json?: boolean;
}

/** One image the command resolved, and what it did with it. */
export interface PinnedImageLine {
  readonly cloud: Cloud;
  /** AWS region; GCP images are global. */
  readonly region?: string;
  readonly kind: string;
  readonly alias: string;
  /** The id in the lock before this run, if any. */
  readonly previous?: string;
  /** The id the alias resolves to now. */
  readonly current: string;
  /** Pinning: `new`, `updated`, `unchanged`. With --check: `current`, `drifted`, `unpinned`. */
  readonly status: 'new' | 'updated' | 'unchanged' | 'current' | 'drifted' | 'unpinned';
}

/** What `burst images pin --json` prints. */
export interface PinReport {
  readonly check: boolean;
  readonly lockFile: string;
  readonly written: boolean;
  readonly images: readonly PinnedImageLine[];
}

/** SSM's GetParameters accepts at most 10 names per call. */
const SSM_BATCH = 10;

const GCP_CREDENTIALS =
  'no Google Cloud credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS';

/** An SSM failure for a person. */
function ssmFailure(err: unknown, region: string): unknown {
  return awsFailure(err, {
    action: 'ssm:GetParameters',
    region,
    needs: `ssm:GetParameters on arn:aws:ssm:${region}::parameter/aws/service/*`,
  });
}

interface GoogleError {
  readonly code?: number | string;
  readonly message?: string;
}

function gcpFailure(err: unknown, kind: GcpImageKind): unknown {
  const e = (err ?? {}) as GoogleError;
  const message = e.message ?? String(err);
  const where = `${kind.project}/${kind.family}`;
  if (/Could not load the default credentials/i.test(message)) return new UserError(GCP_CREDENTIALS);
  if (/invalid_grant|invalid_rapt|reauth/i.test(message)) {
    return new UserError(`Google Cloud credentials were rejected (${message}); run \`gcloud auth application-default login\``);
  }
  if (e.code === 7 || e.code === 403 || /PERMISSION_DENIED/.test(message)) {
    return new UserError(
      `Google Cloud denied compute.images.getFromFamily for ${where} (${message}); the account needs the ` +
        'compute.images.getFromFamily permission (public images grant it to every authenticated account; check that the ' +
        'Compute Engine API is enabled in the quota project of your credentials)',
    );
  }
  if (e.code === 5 || e.code === 404 || /was not found|NOT_FOUND/.test(message)) {
    return new UserError(
      `the image family '${kind.family}' (image kind ${kind.id}) has no image in project ${kind.project}; Google may have ` +
        `retired it: pick a current family from ${kind.source} and update spec/catalog/images.ts`,
    );
  }
  if (e.code === 8 || e.code === 429 || /RESOURCE_EXHAUSTED|rateLimitExceeded/.test(message)) {
    return new UserError(`Google Cloud throttled compute.images.getFromFamily for ${where} (${message}); wait a minute and run it again`);
  }
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ECONNRESET/.test(message)) {
    return new UserError(`cannot reach the Compute Engine API (${message}); check the network or proxy`);
  }
  if (e.code !== undefined) return new UserError(`compute.images.getFromFamily failed for ${where} (${message})`);
  return err;
}

/** Resolves every AWS image kind's SSM parameter in one region. */
async function resolveAws(client: SsmClientLike, region: string, kinds: readonly AwsImageKind[]): Promise<ResolvedAmi[]> {
  const { GetParametersCommand } = await import('@aws-sdk/client-ssm');
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (let i = 0; i < kinds.length; i += SSM_BATCH) {
    const names = kinds.slice(i, i + SSM_BATCH).map((k) => k.ssmParameter);
    let out: GetParametersCommandOutput;
    try {
      out = await client.send(new GetParametersCommand({ Names: names }));
    } catch (err) {
      throw ssmFailure(err, region);
    }
    missing.push(...(out.InvalidParameters ?? []));
    for (const p of out.Parameters ?? []) if (p.Name !== undefined && p.Value !== undefined) values.set(p.Name, p.Value);
  }
  for (const k of kinds) if (!values.has(k.ssmParameter) && !missing.includes(k.ssmParameter)) missing.push(k.ssmParameter);
  if (missing.length > 0) {
    const owners = kinds.filter((k) => missing.includes(k.ssmParameter)).map((k) => k.id);
    throw new UserError(
      `SSM in ${region} has no parameter ${missing.join(', ')} (image kind ${owners.join(', ')}); the image is not published ` +
        'in that region or AWS renamed it: check the source in spec/catalog/images.ts',
    );
  }
  return kinds.map((k) => {
    const imageId = values.get(k.ssmParameter) ?? '';
    if (!AMI_ID.test(imageId)) throw new UserError(`SSM parameter ${k.ssmParameter} in ${region} holds '${imageId}', which is not an AMI id`);
    return { kind: k.id, imageId };
  });
}

/** Resolves one GCP image kind's family to its current image. */
async function resolveGcp(client: ImagesClientLike, kind: GcpImageKind): Promise<ResolvedGceImage> {
  let image: GceImage;
  try {
    [image] = await client.getFromFamily({ project: kind.project, family: kind.family });
  } catch (err) {
    throw gcpFailure(err, kind);
  }
  if (!image.name || !image.selfLink) {
    throw new UserError(`compute.images.getFromFamily returned no image name for ${kind.project}/${kind.family}`);
  }
  return { kind: kind.id, image: image.name, project: kind.project, selfLink: image.selfLink };
}

function statusOf(check: boolean, previous: string | undefined, current: string): PinnedImageLine['status'] {
  if (check) return previous === undefined ? 'unpinned' : previous === current ? 'current' : 'drifted';
  return previous === undefined ? 'new' : previous === current ? 'unchanged' : 'updated';
}

/**
 * Resolves the aliases for the selected teams and either pins them (writes the lock) or, with
 * `check`, compares them with the lock. Progress goes to `deps.stderr`; the result is returned.
 */
export async function pinImages(specs: readonly TeamSpec[], opts: PinOptions, deps: PinDeps): Promise<PinReport> {
  const lock: ImageLock = loadImageLock(deps.lockFile);
  const wantAws = opts.cloud === undefined || opts.cloud === 'aws';
  const wantGcp = opts.cloud === undefined || opts.cloud === 'gcp';
  const regions = wantAws ? [...new Set(specs.flatMap((s) => (s.aws ? [s.aws.region] : [])))].sort() : [];
  const gcp = wantGcp && specs.some((s) => s.gcp !== undefined);
  if (regions.length === 0 && !gcp) {
    const which = opts.cloud === undefined ? 'an aws: or gcp:' : `a ${opts.cloud}:`;
    throw new UserError(`no selected team has ${which} section; there is nothing to pin`);
  }
  const progress = (line: string) => {
    if (!opts.json) deps.stderr(style.dim(`${line}\n`));
  };
  const lines: PinnedImageLine[] = [];
  let next = lock;
  const at = deps.now();

  for (const region of regions) {
    const awsKinds = awsImageKindsIn(region);
    if (awsKinds.length === 0) {
      progress(`no accelerators gpu-burst knows in ${region}; no AWS image to pin there`);
      continue;
    }
    progress(`resolving ${awsKinds.length} AWS image${awsKinds.length === 1 ? '' : 's'} in ${region} (ssm:GetParameters)...`);
    const client = await deps.clients.ssm(region);
    try {
      const resolved = await resolveAws(client, region, awsKinds);
      for (const r of resolved) {
        const before = imageFor({ cloud: 'aws', region, kind: r.kind }, lock);
        const previous = before.source === 'pinned' ? before.imageId : undefined;
        const alias = imageAlias(awsKinds.find((k) => k.id === r.kind) as AwsImageKind);
        const status = statusOf(!!opts.check, previous, r.imageId);
        lines.push({ cloud: 'aws', region, kind: r.kind, alias, ...(previous ? { previous } : {}), current: r.imageId, status });
      }
      next = withAwsPins(next, region, resolved, at);
    } finally {
      client.destroy?.();
    }
  }

  if (gcp) {
    const client = await deps.clients.images();
    try {
      const resolved: ResolvedGceImage[] = [];
      for (const kind of gcpImageKinds()) {
        progress(`resolving GCP image family ${kind.project}/${kind.family} (compute.images.getFromFamily)...`);
        if (resolved.length === 0 && client.initialize) {
          try {
            await client.initialize();
          } catch (err) {
            throw gcpFailure(err, kind);
          }
        }
        const r = await resolveGcp(client, kind);
        resolved.push(r);
        const before = imageFor({ cloud: 'gcp', kind: r.kind }, lock);
        const previous = before.source === 'pinned' ? before.image : undefined;
        const status = statusOf(!!opts.check, previous, r.image);
        lines.push({ cloud: 'gcp', kind: r.kind, alias: imageAlias(kind), ...(previous ? { previous } : {}), current: r.image, status });
      }
      next = withGcpPins(next, resolved, at);
    } finally {
      // close() waits for the client's own start-up, which fails the same way the call did (no
      // credentials); that failure is already reported.
      await client.close?.()?.catch(() => undefined);
    }
  }

  if (!opts.check) writeFileSync(deps.lockFile, serializeImageLock(next));
  return { check: !!opts.check, lockFile: displayPath(deps.lockFile), written: !opts.check, images: lines };
}

function renderLines(report: PinReport): string[] {
  return columns(
    report.images.map((l) => {
      const change =
        l.status === 'updated' || l.status === 'drifted'
          ? `${l.previous ?? ''} -> ${l.current}`
          : l.status === 'unpinned'
            ? `(not pinned) -> ${l.current}`
            : l.current;
      return [l.cloud, l.region ?? 'global', l.kind, l.status, change];
    }),
    '  ',
  );
}

/** The summary `burst images pin` prints for a person. */
export function renderPinReport(report: PinReport): string {
  const n = report.images.length;
  const count = (s: PinnedImageLine['status']) => report.images.filter((l) => l.status === s).length;
  if (report.check) {
    const off = count('drifted') + count('unpinned');
    const head =
      off === 0
        ? `${style.ok('current')}  ${report.lockFile}: all ${n} image${n === 1 ? '' : 's'} match what their aliases resolve to now`
        : `${style.bad('drift')}  ${report.lockFile}: ${count('drifted')} drifted, ${count('unpinned')} not pinned, ${count('current')} current`;
    const tail = off === 0 ? [] : ['Run `npx burst images pin` to pin what the aliases resolve to now, then review and commit the lock.'];
    return [head, ...renderLines(report), ...tail].join('\n');
  }
  const head =
    `${style.ok('pinned')}  ${n} image${n === 1 ? '' : 's'} in ${report.lockFile} ` +
    `(${count('new')} new, ${count('updated')} updated, ${count('unchanged')} unchanged)`;
  return [head, ...renderLines(report), 'Review the diff and commit the lock: hosts boot these ids until the next pin.'].join('\n');
}

/** Runs the command with injected dependencies; returns the exit code (1 when --check found drift). */
export async function runImagesPin(specs: readonly TeamSpec[], opts: PinOptions, deps: PinDeps): Promise<number> {
  const report = await pinImages(specs, opts, deps);
  if (opts.json) deps.stdout(`${JSON.stringify(report, null, 2)}\n`);
  else deps.stdout(`${renderPinReport(report)}\n`);
  return report.check && report.images.some((l) => l.status === 'drifted' || l.status === 'unpinned') ? 1 : 0;
}

/** The real clients: the SDKs are imported on first use, and each reads credentials the usual way. */
export function sdkClients(): ImageClients {
  return {
    async ssm(region) {
      const { SSMClient } = await import('@aws-sdk/client-ssm');
      // Standard retry mode with a few more attempts than the default 3: public parameters are read
      // by every DLAMI user, and GetParameters throttles per account.
      return new SSMClient({ region, maxAttempts: 5 });
    },
    async images() {
      const { ImagesClient } = await import('@google-cloud/compute');
      return new ImagesClient();
    },
  };
}

/** `burst images pin [team...] [--cloud aws|gcp] [--check] [--json]`. */
export async function imagesPinCommand(teams: string[], opts: PinOptions, cmd: Command): Promise<number> {
  const specs = loadSelected(teams, cmd);
  return runImagesPin(specs, opts, {
    clients: sdkClients(),
    lockFile: IMAGE_LOCK_FILE,
    now: () => new Date(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}

