/**
 * Turning a burst's egress on: the `<team>-burst` stack's `Egress` parameter set to `on` (a NAT
 * gateway for the private subnets), every other parameter and the template unchanged, then waiting
 * for CloudFormation. `burst start` and `burst sweep submit` both need it before hosts boot; the
 * serverless backstop turns it off again once nothing runs.
 */
import type { CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import { UserError } from '../spec/problems.js';
import { awsErrorName, awsFailure } from './aws-errors.js';
import { style } from './output.js';

/** Capabilities an UpdateStack of the burst stack needs (it holds IAM roles). */
export const CAPABILITIES = ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'] as const;

/** How long to wait for the update, and how often to look. */
export const EGRESS_WAIT_MS = 20 * 60_000;
export const EGRESS_POLL_MS = 5_000;

/** What turning egress on needs from its caller. */
export interface EgressContext {
  readonly team: string;
  readonly region: string;
  readonly stackName: string;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Progress for a person (stderr). */
  readonly progress: (text: string) => void;
  /** What did not happen when this fails, e.g. `nothing was started`. */
  readonly outcome: string;
  /** The command's flag that skips egress, for fixes (`--no-egress`). */
  readonly skipFlag: string;
}

function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

async function describe(cfn: CloudFormationClient, ctx: EgressContext): Promise<Stack | undefined> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: ctx.stackName }))).Stacks?.[0];
  } catch (err) {
    if (awsErrorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message)) return undefined;
    throw awsFailure(err, { action: 'cloudformation:DescribeStacks', region: ctx.region });
  }
}

/** The oldest resource failure of this update, as `; first failure: Id (Type): reason`, or ''. */
async function firstFailure(cfn: CloudFormationClient, since: Date, ctx: EgressContext): Promise<string> {
  const { DescribeStackEventsCommand } = await import('@aws-sdk/client-cloudformation');
  try {
    const out = await cfn.send(new DescribeStackEventsCommand({ StackName: ctx.stackName }));
    // Events come newest first; allow a minute of clock skew between this machine and AWS.
    const failed = (out.StackEvents ?? []).filter(
      (e) =>
        /FAILED$/.test(e.ResourceStatus ?? '') &&
        e.ResourceType !== 'AWS::CloudFormation::Stack' &&
        !/cancelled/i.test(e.ResourceStatusReason ?? '') &&
        (e.Timestamp?.getTime() ?? 0) >= since.getTime() - 60_000,
    );
    const first = failed[failed.length - 1];
    return first ? `; first failure: ${first.LogicalResourceId} (${first.ResourceType}): ${first.ResourceStatusReason ?? first.ResourceStatus}` : '';
  } catch {
    return '';
  }
}

/**
 * Turns the NAT gateway on (stack parameter Egress=on, everything else as it is) and waits for it.
 * `stack` is the burst stack as last described, settled (not in progress).
 */
export async function turnEgressOn(cfn: CloudFormationClient, stack: Stack, ctx: EgressContext): Promise<'turned-on' | 'already-on'> {
  const params = stack.Parameters ?? [];
  const current = params.find((p) => p.ParameterKey === 'Egress');
  if (!current) {
    throw new UserError(
      `the deployed ${ctx.stackName} has no Egress parameter (an older deploy); deploy the current team file ` +
        `(npx cdk deploy ${ctx.stackName}), or add ${ctx.skipFlag} to go without a NAT gateway`,
    );
  }
  if (current.ParameterValue === 'on') return 'already-on';
  ctx.progress(style.dim(`turning egress on: ${ctx.stackName} Egress=on creates a NAT gateway for this burst (a few minutes)...`));
  const startedAt = ctx.now();
  const { UpdateStackCommand } = await import('@aws-sdk/client-cloudformation');
  try {
    await cfn.send(
      new UpdateStackCommand({
        StackName: ctx.stackName,
        UsePreviousTemplate: true,
        Parameters: params.map((p) =>
          p.ParameterKey === 'Egress' ? { ParameterKey: 'Egress', ParameterValue: 'on' } : { ParameterKey: p.ParameterKey, UsePreviousValue: true },
        ),
        Capabilities: [...CAPABILITIES],
      }),
    );
  } catch (err) {
    if (awsErrorName(err) === 'ValidationError' && /No updates are to be performed/i.test((err as Error).message)) return 'already-on';
    throw awsFailure(err, {
      action: 'cloudformation:UpdateStack',
      region: ctx.region,
      needs: `cloudformation:UpdateStack on ${ctx.stackName} (CloudFormation reuses the role the stack was deployed with)`,
    });
  }
  const until = startedAt.getTime() + EGRESS_WAIT_MS;
  let lastStatus = '';
  for (;;) {
    await ctx.sleep(EGRESS_POLL_MS);
    const now = await describe(cfn, ctx);
    if (!now) throw new UserError(`${ctx.stackName} disappeared while egress was being turned on; deploy it again`);
    const status = now.StackStatus ?? 'UNKNOWN';
    const took = elapsed(ctx.now().getTime() - startedAt.getTime());
    if (status === 'UPDATE_COMPLETE') {
      ctx.progress(style.dim(`egress on (${took})`));
      return 'turned-on';
    }
    if (status === 'UPDATE_IN_PROGRESS' || status === 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS') {
      if (ctx.now().getTime() >= until) {
        throw new UserError(
          `${ctx.stackName} is still ${status} after ${elapsed(EGRESS_WAIT_MS)}; ${ctx.outcome}. ` +
            `Check its events (aws cloudformation describe-stack-events --stack-name ${ctx.stackName} --region ${ctx.region})`,
        );
      }
      if (status !== lastStatus) ctx.progress(style.dim(`waiting for ${ctx.stackName}: ${status} (${took})`));
      lastStatus = status;
      continue;
    }
    const reason = now.StackStatusReason ? `: ${now.StackStatusReason}` : '';
    const cause = await firstFailure(cfn, startedAt, ctx);
    throw new UserError(
      `turning egress on failed: ${ctx.stackName} is ${status}${reason}${cause}; ${ctx.outcome}. Its events: ` +
        `aws cloudformation describe-stack-events --stack-name ${ctx.stackName} --region ${ctx.region} (or add ${ctx.skipFlag})`,
    );
  }
}
