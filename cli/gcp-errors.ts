/**
 * Google Cloud client failures (gRPC and REST) as messages for a person: credentials missing or
 * rejected, an API not enabled, quota exceeded (naming the quota), permission denied (naming the
 * permission), not found (deploy first), already exists, throttled, unreachable. Every command that
 * calls Google Cloud maps its errors through `gcpFailure`, so none reaches the user as a stack trace.
 */
import { UserError } from '../spec/problems.js';

/** What to do when there are no Google Cloud credentials at all. */
export const GCP_CREDENTIALS =
  'no Google Cloud credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS';

interface GoogleError {
  readonly code?: number | string;
  readonly message?: string;
  readonly reason?: string;
  readonly errorInfoMetadata?: Readonly<Record<string, string>>;
}

/** Where a Google API call failed. */
export interface GcpCall {
  /** The permission-like action, e.g. `compute.instanceGroupManagers.update`. */
  readonly action: string;
  /** The project, named in messages when given. */
  readonly project?: string;
  /** What the identity needs, for a denied call. @default - the permission the error names, else the action */
  readonly needs?: string;
  /** The team: a missing resource means its stack is not deployed (`pulumi up -s <team>`). */
  readonly team?: string;
  /** What to say when the resource does not exist. @default - deploy first */
  readonly notFound?: string;
}

/** The gRPC status or HTTP code of a Google client error. */
export function gcpErrorCode(err: unknown): number | undefined {
  const code = ((err ?? {}) as GoogleError).code;
  return typeof code === 'number' ? code : undefined;
}

/** The quota a quota error names (`Quota 'NVIDIA_L4_GPUS' exceeded`, `quota metric '...'`), if any. */
export function quotaName(message: string, metadata?: Readonly<Record<string, string>>): string | undefined {
  const fromMeta = metadata?.['quota_metric'] ?? metadata?.['quota_limit'];
  if (fromMeta) return fromMeta;
  const m = /quota(?: limit| metric)? '([^']+)'/i.exec(message) ?? /'([^']+)' quota/i.exec(message);
  return m?.[1];
}

/** A Google API failure as a UserError; returns the error unchanged when it is not Google's. */
export function gcpFailure(err: unknown, call: GcpCall | string): unknown {
  if (err instanceof UserError) return err;
  const c: GcpCall = typeof call === 'string' ? { action: call } : call;
  const e = (err ?? {}) as GoogleError;
  const message = e.message ?? String(err);
  const code = e.code;
  const inProject = c.project ? ` in project ${c.project}` : '';
  if (/Could not load the default credentials|Could not refresh access token|Unable to detect a Project Id/i.test(message)) {
    return new UserError(GCP_CREDENTIALS);
  }
  if (code === 16 || code === 401 || /invalid_grant|invalid_rapt|reauth|UNAUTHENTICATED/i.test(message)) {
    return new UserError(`Google Cloud credentials were rejected for ${c.action} (${message}); run \`gcloud auth application-default login\``);
  }
  if (e.reason === 'SERVICE_DISABLED' || /SERVICE_DISABLED|has not been used in project|is disabled/i.test(message)) {
    const api = /\b([a-z]+\.googleapis\.com)\b/.exec(message)?.[1];
    return new UserError(
      `${api ?? 'a required'} API is not enabled${inProject} (${c.action}); enable it: gcloud services enable ${api ?? '<api>'}` +
        (c.project ? ` --project ${c.project}` : ''),
    );
  }
  // A per-minute API quota is throttling, not capacity: retrying later fixes it.
  const rate = /per (minute|second|100 seconds)|rateLimitExceeded/i.test(message);
  if (/quota/i.test(message) && /exceed/i.test(message) && !rate) {
    const quota = quotaName(message, e.errorInfoMetadata);
    return new UserError(
      `Google Cloud quota exceeded for ${c.action}${quota ? `: ${quota}` : ''}${inProject} (${message}); ask for more ` +
        `(IAM & Admin > Quotas${quota ? `, quota ${quota}` : ''}) or ask for less`,
    );
  }
  if (code === 7 || code === 403 || /PERMISSION_DENIED|permission .*denied|Required '[^']+' permission/i.test(message)) {
    const named =
      e.errorInfoMetadata?.['permission'] ??
      /(?:Permission|Required) '([a-z]+\.[A-Za-z]+\.[A-Za-z]+)'/.exec(message)?.[1] ??
      /does not have ([a-z]+\.[a-zA-Z.]+) access/.exec(message)?.[1];
    return new UserError(
      `Google Cloud denied ${c.action}${inProject} (${message}); the account needs ${named ? `the permission ${named}` : (c.needs ?? c.action)}`,
    );
  }
  if (code === 5 || code === 404 || /was not found|NOT_FOUND/.test(message)) {
    const fix = c.notFound ?? (c.team ? `deploy first: pulumi up -s ${c.team}` : 'check the name and the project');
    return new UserError(`${c.action}: not found (${message}); ${fix}`);
  }
  if (code === 6 || code === 409 || /ALREADY_EXISTS|already exists/i.test(message)) {
    return new UserError(`${c.action}: it already exists (${message})`);
  }
  if (rate || code === 8 || code === 429 || /RESOURCE_EXHAUSTED/.test(message)) {
    return new UserError(`Google Cloud throttled ${c.action}${inProject} (${message}); wait a minute and run it again`);
  }
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ECONNRESET/.test(message)) {
    return new UserError(`cannot reach Google Cloud for ${c.action} (${message}); check the network or proxy`);
  }
  if (code !== undefined) return new UserError(`${c.action} failed${inProject} (${message})`);
  return err;
}
