/**
 * AWS SDK v3 failures as messages for a person: missing or rejected credentials, a denied action,
 * throttling that outlasted the SDK's retries, an unreachable endpoint. Every command that calls
 * AWS maps its errors through `awsFailure`, so none reaches the user as a stack trace.
 */
import { UserError } from '../spec/problems.js';

/** What to do when there are no AWS credentials at all. */
export const AWS_CREDENTIALS = 'no AWS credentials: set AWS_PROFILE, run `aws sso login` or `aws configure`';

interface AwsSdkError {
  readonly name?: string;
  readonly message?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

/** Where a call failed: the action (`autoscaling:UpdateAutoScalingGroup`) and its region. */
export interface AwsCall {
  readonly action: string;
  readonly region: string;
  /** What the identity needs, for a denied call. @default - the action on the resources named */
  readonly needs?: string;
}

/** The name an SDK error carries (`ThrottlingException`, `ValidationError`, ...). */
export function awsErrorName(err: unknown): string {
  return ((err ?? {}) as AwsSdkError).name ?? '';
}

/** True when the error comes from an AWS service response (not from our code or the network). */
export function isAwsServiceError(err: unknown): boolean {
  return ((err ?? {}) as AwsSdkError).$metadata !== undefined;
}

/** Turns an SDK failure into a UserError; returns the error unchanged when it is not the cloud's. */
export function awsFailure(err: unknown, call: AwsCall): unknown {
  if (err instanceof UserError) return err;
  const e = (err ?? {}) as AwsSdkError;
  const name = e.name ?? '';
  const message = e.message ?? String(err);
  const { action, region } = call;
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) return new UserError(AWS_CREDENTIALS);
  const rejected = /ExpiredToken|TokenRefreshRequired|UnrecognizedClient|InvalidClientTokenId/.test(name);
  if (rejected || /token .*expired|sso session .*expired/i.test(message)) {
    return new UserError(
      `AWS credentials were rejected in ${region} (${name}: ${message}); run \`aws sso login\` or refresh your profile, then try again`,
    );
  }
  if (/AccessDenied|UnauthorizedOperation/.test(name) || e.$metadata?.httpStatusCode === 403) {
    return new UserError(`AWS denied ${action} in ${region} (${message}); the identity needs ${call.needs ?? action}`);
  }
  if (/Throttl|TooManyRequests|RequestLimitExceeded/.test(name) || e.$metadata?.httpStatusCode === 429) {
    const attempts = e.$metadata?.attempts;
    return new UserError(
      `AWS throttled ${action} in ${region}${attempts ? ` after ${attempts} attempts` : ''} (${name}: ${message}); wait a minute and run it again`,
    );
  }
  if (/ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ECONNRESET/.test(`${e.code ?? ''} ${message}`) || name === 'TimeoutError') {
    return new UserError(`cannot reach AWS for ${action} in ${region} (${message}); check the network or proxy`);
  }
  if (e.$metadata !== undefined) return new UserError(`${action} failed in ${region} (${name}: ${message})`);
  return err;
}
