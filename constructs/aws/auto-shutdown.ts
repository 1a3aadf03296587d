import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Aws, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledge } from './nag.js';

/** Directory of the backstop's Lambda code (one plain ESM file; the runtime provides the AWS SDK). */
export const BACKSTOP_CODE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'backstop');

/** EventBridge detail types of the spot notices the backstop handles (A18). */
export const SPOT_DETAIL_TYPES = {
  interruption: 'EC2 Spot Instance Interruption Warning',
  rebalance: 'EC2 Instance Rebalance Recommendation',
} as const;

/** Properties of an {@link AutoShutdown}. */
export interface AutoShutdownProps {
  /** The team: the function only touches resources tagged `team=<team>`. */
  readonly team: string;
  /**
   * Name of the burst stack whose `Egress` parameter the function turns off once nothing runs.
   * @default - the stack this construct is in
   */
  readonly stackName?: string;
  /** Topic the function publishes every shutdown and spot notice to (the team's alert topic). */
  readonly topic: sns.ITopic;
  /**
   * Minutes between scheduled runs.
   * @default 15
   */
  readonly everyMinutes?: number;
  /**
   * A host counts as idle once CloudWatch shows it idle for this many times its idle window
   * (`gpu-burst:idle-minutes`); the on-host agent, which sees the GPUs, acts first.
   * @default 2
   */
  readonly idleGraceFactor?: number;
  /**
   * CPUUtilization (Maximum per 5 minutes, percent) under which CloudWatch counts a host idle.
   * @default 10
   */
  readonly idleCpuPercent?: number;
  /**
   * Batch job queues (`<team>-<group>`) whose active jobs keep egress on.
   * @default - none
   */
  readonly sweepQueues?: readonly string[];
  /**
   * Whether the team has a dev box: the function may then stop instances tagged
   * `team=<team>` and `gpu-burst:role=devbox`, and nothing else.
   * @default false
   */
  readonly hasDevBox?: boolean;
  /**
   * How long the function's decision log is kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Auto-shutdown layer (c) and spot handling on AWS: a serverless backstop that needs neither the
 * hosts nor the network. A Lambda function, outside any VPC, runs every few minutes and scales
 * the team's fleets to zero when their TTL has passed or CloudWatch shows them idle, stops an idle
 * or expired dev box, and turns the burst network's NAT gateway off once nothing has run for 30
 * minutes. EventBridge sends it the EC2 spot interruption warnings and rebalance recommendations
 * (A18), which it publishes for the team's instances. Its role can act only on resources tagged
 * with the team and on its own burst stack.
 */
export class AutoShutdown extends Construct {
  /** The backstop function. */
  readonly function: lambda.Function;
  /** Its execution role. */
  readonly role: iam.Role;
  /** Everything the role may do (a customer-managed policy attached to it). */
  readonly policy: iam.ManagedPolicy;
  /** The schedule that runs it. */
  readonly schedule: events.Rule;
  /** Rules for the spot interruption warning and the rebalance recommendation. */
  readonly spotRules: readonly events.Rule[];

  constructor(scope: Construct, id: string, props: AutoShutdownProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const everyMinutes = props.everyMinutes ?? 15;
    const idleGraceFactor = props.idleGraceFactor ?? 2;
    const idleCpuPercent = props.idleCpuPercent ?? 10;
    const sweepQueues = props.sweepQueues ?? [];
    validate(this, everyMinutes, idleGraceFactor, idleCpuPercent);
    const stackName = props.stackName ?? stack.stackName;
    const arn = (service: string, resource: string): string => `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;

    const logGroup = new logs.LogGroup(this, 'Log', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `gpu-burst ${props.team}: serverless backstop (auto-shutdown)`,
    });
    // A customer-managed policy rather than the role's inline default policy (NIST.800.53.R5-IAMNoInlinePolicy).
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `gpu-burst ${props.team}: what the backstop may do`,
      roles: [this.role],
    });
    const allow = (sid: string, actions: string[], resources: string[], conditions?: Record<string, unknown>): void => {
      this.policy.addStatements(new iam.PolicyStatement({ sid, actions, resources, ...(conditions ? { conditions } : {}) }));
    };
    allow('WriteOwnLog', ['logs:CreateLogStream', 'logs:PutLogEvents'], [logGroup.logGroupArn]);
    // Describe and metric reads have no resource-level permissions.
    allow('Observe', ['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances', 'cloudwatch:GetMetricData'], ['*']);
    allow('ScaleTeamFleetsToZero', ['autoscaling:UpdateAutoScalingGroup'], [arn('autoscaling', 'autoScalingGroup:*:autoScalingGroupName/*')], {
      StringEquals: { 'autoscaling:ResourceTag/team': props.team, 'autoscaling:ResourceTag/gpu-burst:role': 'fleet' },
    });
    if (props.hasDevBox) {
      allow('StopTeamDevBox', ['ec2:StopInstances'], [arn('ec2', 'instance/*')], {
        StringEquals: { 'ec2:ResourceTag/team': props.team, 'ec2:ResourceTag/gpu-burst:role': 'devbox' },
      });
    }
    if (sweepQueues.length > 0) {
      // batch:ListJobs has no resource-level permissions; the function names the queues itself.
      allow('ListSweepJobs', ['batch:ListJobs'], ['*']);
    }
    // UpdateStack reuses the stack's CloudFormation execution role; CloudFormation does not ask the
    // caller for iam:PassRole on a role already associated with the stack (UpdateStack RoleARN docs).
    allow('TurnEgressOff', ['cloudformation:DescribeStacks', 'cloudformation:UpdateStack'], [arn('cloudformation', `stack/${stackName}/*`)]);
    // CloudFormation resolves SSM-typed parameters (CDK's BootstrapVersion) with the caller's credentials.
    const qualifier = stack.synthesizer instanceof DefaultStackSynthesizer ? stack.synthesizer.bootstrapQualifier : undefined;
    allow('ResolveBootstrapVersion', ['ssm:GetParameters'], [arn('ssm', `parameter/cdk-bootstrap/${qualifier ?? '*'}/version`)]);
    allow('PublishToTeamTopic', ['sns:Publish'], [props.topic.topicArn]);
    if (props.topic.masterKey) allow('EncryptForTeamTopic', ['kms:GenerateDataKey*', 'kms:Decrypt'], [props.topic.masterKey.keyArn]);

    this.function = new lambda.Function(this, 'Function', {
      description: `gpu-burst ${props.team}: scales idle or expired burst compute to zero, turns egress off, reports spot notices`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'handler.handler',
      code: lambda.Code.fromAsset(BACKSTOP_CODE_DIR),
      timeout: Duration.minutes(2),
      memorySize: 256,
      // One run at a time: a slow run never races the next one over the same groups.
      reservedConcurrentExecutions: 1,
      role: this.role,
      logGroup,
      environment: {
        TEAM: props.team,
        STACK_NAME: stackName,
        TOPIC_ARN: props.topic.topicArn,
        IDLE_GRACE_FACTOR: String(idleGraceFactor),
        IDLE_CPU_PERCENT: String(idleCpuPercent),
        SWEEP_QUEUES: sweepQueues.join(','),
      },
    });
    // The first scheduled run must not beat the policy attachment.
    this.function.node.addDependency(this.policy);

    this.schedule = new events.Rule(this, 'Schedule', {
      description: `gpu-burst ${props.team}: backstop run every ${everyMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(everyMinutes)),
      targets: [new targets.LambdaFunction(this.function)],
    });
    this.spotRules = [
      new events.Rule(this, 'SpotInterruption', {
        description: `gpu-burst ${props.team}: spot interruption warnings`,
        eventPattern: { source: ['aws.ec2'], detailType: [SPOT_DETAIL_TYPES.interruption] },
        targets: [new targets.LambdaFunction(this.function)],
      }),
      new events.Rule(this, 'RebalanceRecommendation', {
        description: `gpu-burst ${props.team}: instance rebalance recommendations`,
        eventPattern: { source: ['aws.ec2'], detailType: [SPOT_DETAIL_TYPES.rebalance] },
        targets: [new targets.LambdaFunction(this.function)],
      }),
    ];

    this.acknowledgeFindings(props, sweepQueues.length > 0, qualifier);
  }

  private acknowledgeFindings(props: AutoShutdownProps, listsJobs: boolean, qualifier: string | undefined): void {
    const policy = this.policy;
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'Describe calls and CloudWatch GetMetricData have no resource-level permissions' +
        (listsJobs ? ', nor does batch:ListJobs (the function names the team queues)' : '') +
        '; they only read.',
    );
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:autoscaling:<AWS::Region>:<AWS::AccountId>:autoScalingGroup:*:autoScalingGroupName/*]',
      'Group names are generated; the statement is conditioned on the tags team=<team> and gpu-burst:role=fleet.',
    );
    if (props.hasDevBox) {
      acknowledge(
        policy,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*]',
        'Instance ids change on every launch; StopInstances is conditioned on the tags team=<team> and gpu-burst:role=devbox.',
      );
    }
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/${props.stackName ?? Stack.of(this).stackName}/*]`,
      'The burst stack only; CloudFormation appends a generated id to a stack ARN.',
    );
    if (qualifier === undefined) {
      acknowledge(
        policy,
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/cdk-bootstrap/*/version]',
        'The CDK bootstrap version parameter of an unknown qualifier, read by CloudFormation during UpdateStack.',
      );
    }
    if (props.topic.masterKey) acknowledge(policy, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', 'SNS envelope encryption (data keys) with the alert topic key only.');
    acknowledge(
      this.function,
      'NIST.800.53.R5-LambdaInsideVPC',
      'Deliberately outside the VPC: the backstop must shut compute down even when the burst network is broken or has no egress.',
    );
    acknowledge(
      this.function,
      'NIST.800.53.R5-LambdaDLQ',
      'Runs are idempotent and the schedule retries every few minutes; every failure is logged, and failed shutdowns are published.',
    );
    acknowledge(
      this.node.findChild('Log'),
      'NIST.800.53.R5-CloudWatchLogGroupEncrypted',
      'CloudWatch Logs encrypts at rest by default; the log holds only shutdown decisions (ids, reasons), no data.',
    );
  }
}

function validate(scope: Construct, everyMinutes: number, idleGraceFactor: number, idleCpuPercent: number): void {
  const problems: string[] = [];
  if (!Number.isInteger(everyMinutes) || everyMinutes < 1 || everyMinutes > 60) problems.push(`everyMinutes must be a whole number from 1 to 60, got ${everyMinutes}`);
  if (!(idleGraceFactor >= 1)) problems.push(`idleGraceFactor must be at least 1 (the agent acts first), got ${idleGraceFactor}`);
  if (!(idleCpuPercent > 0 && idleCpuPercent < 100)) problems.push(`idleCpuPercent must be between 0 and 100, got ${idleCpuPercent}`);
  if (problems.length > 0) throw new Error(`AutoShutdown ${scope.node.path}: ${problems.join('; ')}`);
}
