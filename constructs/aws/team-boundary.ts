import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeResolved } from './host.js';
import { acknowledge } from './nag.js';
import { SESSION_MANAGER_ACTIONS } from './host.js';

/** Properties of a {@link TeamBoundary}. */
export interface TeamBoundaryProps {
  /** The team (named in the policy's description). */
  readonly team: string;
  /** The team's artifact bucket. */
  readonly artifactBucket: s3.IBucket;
  /** Key prefix the team owns in the bucket, ending with `/` (`teams/<team>/`). */
  readonly artifactPrefix: string;
  /**
   * Objects of the CDK asset bucket hosts may read (the on-host agent).
   * @default - objects of any bootstrap asset bucket, `arn:<partition>:s3:::cdk-*-assets-*\/*`
   */
  readonly assetObjectsArn?: string;
  /**
   * Name of the stack the roles may describe and update (the backstop turns the NAT gateway off).
   * @default - the stack the boundary is defined in
   */
  readonly burstStackName?: string;
  /**
   * Services roles may pass a role to (`iam:PassedToService`).
   * @default ['ec2.amazonaws.com', 'batch.amazonaws.com', 'ecs-tasks.amazonaws.com', 'scheduler.amazonaws.com']
   */
  readonly passRoleServices?: readonly string[];
  /**
   * Further Allow statements, for a service a later piece of the burst needs. Each widens every
   * role of the team: keep them as narrow as the role policies they cover.
   * @default - none
   */
  readonly additionalStatements?: readonly iam.PolicyStatement[];
}

/** IAM action prefixes denied outright: every IAM action except `iam:PassRole` (the only `Pass*`). */
const IAM_DENIED = [
  'Add', 'Attach', 'Change', 'Create', 'Deactivate', 'Delete', 'Detach', 'Disable', 'Enable', 'Generate', 'Get',
  'List', 'Put', 'Remove', 'Reset', 'Resync', 'Set', 'Simulate', 'Tag', 'Untag', 'Update', 'Upload',
].map((verb) => `iam:${verb}*`);

/**
 * The permissions boundary of every role a team's burst stack creates (A9): the most any of them
 * may ever do, whatever policy is attached later. It allows only the services a burst uses (the
 * team's own bucket prefix, image pulls, Session Manager, logs and metrics, its Auto Scaling groups,
 * instances, Batch and ECS hosts, its alert topic, its burst stack) and denies IAM changes,
 * Organizations and account settings outright.
 */
export class TeamBoundary extends Construct {
  /** The boundary policy. */
  readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: TeamBoundaryProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const partition = Aws.PARTITION;
    const region = Aws.REGION;
    const account = Aws.ACCOUNT_ID;
    const stackName = props.burstStackName ?? stack.stackName;
    const assetObjects = props.assetObjectsArn ?? `arn:${partition}:s3:::cdk-*-assets-*/*`;
    const teamObjects = props.artifactBucket.arnForObjects(`${props.artifactPrefix}*`);

    const statements = [
      new iam.PolicyStatement({
        sid: 'TeamObjects',
        actions: ['s3:GetObject*', 's3:PutObject*', 's3:DeleteObject*', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [teamObjects],
      }),
      new iam.PolicyStatement({
        sid: 'TeamListing',
        actions: ['s3:ListBucket'],
        resources: [props.artifactBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [props.artifactPrefix, `${props.artifactPrefix}*`] } },
      }),
      new iam.PolicyStatement({ sid: 'Assets', actions: ['s3:GetObject'], resources: [assetObjects] }),
      new iam.PolicyStatement({
        sid: 'ImagePull',
        actions: ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'SessionManager',
        actions: [...SESSION_MANAGER_ACTIONS],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        // CloudFormation resolves SSM-typed parameters (CDK's BootstrapVersion) with the caller's
        // credentials when the backstop updates the stack.
        sid: 'BootstrapVersion',
        actions: ['ssm:GetParameters'],
        resources: [`arn:${partition}:ssm:${region}:${account}:parameter/cdk-bootstrap/*`],
      }),
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:PutLogEvents',
          'logs:DescribeLogGroups',
          'logs:DescribeLogStreams',
          'logs:PutRetentionPolicy',
          'logs:DeleteRetentionPolicy',
        ],
        resources: ['*'],
      }),
      new iam.PolicyStatement({ sid: 'Metrics', actions: ['cloudwatch:Get*', 'cloudwatch:List*', 'cloudwatch:Describe*'], resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'AutoScaling',
        actions: [
          'autoscaling:Describe*',
          'autoscaling:UpdateAutoScalingGroup',
          'autoscaling:SetDesiredCapacity',
          'autoscaling:TerminateInstanceInAutoScalingGroup',
          'autoscaling:CompleteLifecycleAction',
          'autoscaling:RecordLifecycleActionHeartbeat',
          'autoscaling:PutScheduledUpdateGroupAction',
          'autoscaling:DeleteScheduledUpdateGroupAction',
        ],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'Instances',
        actions: ['ec2:Describe*', 'ec2:StartInstances', 'ec2:StopInstances', 'ec2:TerminateInstances', 'ec2:CreateTags'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        // CDK's restrictDefaultSecurityGroup custom resource empties the VPC's default group.
        sid: 'SecurityGroupRules',
        actions: [
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupIngress',
          'ec2:RevokeSecurityGroupEgress',
        ],
        resources: [`arn:${partition}:ec2:${region}:${account}:security-group/*`],
      }),
      new iam.PolicyStatement({
        sid: 'Batch',
        actions: ['batch:Describe*', 'batch:List*', 'batch:SubmitJob', 'batch:TerminateJob', 'batch:CancelJob', 'batch:TagResource'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        // What an ECS container instance of a Batch compute environment calls (AmazonEC2ContainerServiceforEC2Role).
        sid: 'BatchHosts',
        actions: [
          'ecs:CreateCluster',
          'ecs:DeregisterContainerInstance',
          'ecs:DiscoverPollEndpoint',
          'ecs:Poll',
          'ecs:RegisterContainerInstance',
          'ecs:StartTelemetrySession',
          'ecs:UpdateContainerInstancesState',
          'ecs:Submit*',
          'ecs:TagResource',
        ],
        resources: ['*'],
      }),
      new iam.PolicyStatement({ sid: 'Alerts', actions: ['sns:Publish'], resources: [`arn:${partition}:sns:${region}:${account}:*`] }),
      new iam.PolicyStatement({ sid: 'Keys', actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resources: ['*'] }),
      new iam.PolicyStatement({
        sid: 'BurstStack',
        actions: ['cloudformation:DescribeStacks', 'cloudformation:UpdateStack'],
        resources: [`arn:${partition}:cloudformation:${region}:${account}:stack/${stackName}/*`],
      }),
      new iam.PolicyStatement({
        sid: 'PassRoleToServices',
        actions: ['iam:PassRole'],
        resources: [`arn:${partition}:iam::${account}:role/*`],
        conditions: {
          StringEquals: {
            'iam:PassedToService': [
              ...(props.passRoleServices ?? ['ec2.amazonaws.com', 'batch.amazonaws.com', 'ecs-tasks.amazonaws.com', 'scheduler.amazonaws.com']),
            ],
          },
        },
      }),
      ...(props.additionalStatements ?? []),
      new iam.PolicyStatement({
        sid: 'NoIdentityChanges',
        effect: iam.Effect.DENY,
        actions: [...IAM_DENIED, 'organizations:*', 'account:*'],
        resources: ['*'],
      }),
    ];

    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `gpu-burst ${props.team}: permissions boundary of every role of the burst`,
      statements,
    });
    const reason = (what: string): string => `Permissions boundary, not a grant: ${what}; role policies narrow it further.`;
    for (const action of ['s3:GetObject*', 's3:PutObject*', 's3:DeleteObject*']) {
      acknowledge(this.policy, `AwsSolutions-IAM5[Action::${action}]`, reason('object actions on the team prefix only'));
    }
    acknowledge(this.policy, 'AwsSolutions-IAM5[Action::cloudwatch:Get*]', reason('metric reads for the idle backstop'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Action::cloudwatch:List*]', reason('metric reads for the idle backstop'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Action::cloudwatch:Describe*]', reason('alarm reads for the idle backstop'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Action::autoscaling:Describe*]', reason('Auto Scaling reads'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Action::ec2:Describe*]', reason('EC2 reads'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Action::batch:Describe*]', reason('Batch reads'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Action::batch:List*]', reason('Batch reads'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Action::ecs:Submit*]', reason('ECS agent state reports of Batch hosts'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', reason('envelope encryption with keys whose policies allow it'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Resource::*]', reason('actions without resource-level permissions, or resources created at run time'));
    acknowledge(this.policy, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]', reason('PassRole only to the listed services'));
    acknowledge(
      this.policy,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:security-group/*]',
      reason('security-group rule changes in this account and region'),
    );
    acknowledge(this.policy, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:*]', reason('publishing to topics of this account and region'));
    acknowledge(
      this.policy,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:<AWS::Region>:<AWS::AccountId>:parameter/cdk-bootstrap/*]',
      reason('reads of the CDK bootstrap version parameter'),
    );
    if (props.assetObjectsArn === undefined) {
      acknowledge(this.policy, 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-*-assets-*/*]', reason('reads of CDK bootstrap asset objects (the on-host agent)'));
    }
    acknowledge(
      this.policy,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/${stackName}/*]`,
      reason('the burst stack, whose id suffix CloudFormation generates'),
    );
    // The bucket usually lives in the storage stack: its ARN is known only once references are wired.
    acknowledgeResolved(this.policy, 'AwsSolutions-IAM5', teamObjects, reason('object actions on the team prefix only'));
  }
}

/** Makes `boundary` the permissions boundary of every role and user under `scope` (A9). */
export function applyTeamBoundary(scope: IConstruct, boundary: TeamBoundary | iam.IManagedPolicy): void {
  iam.PermissionsBoundary.of(scope).apply(boundary instanceof TeamBoundary ? boundary.policy : boundary);
}

// ---- actionsOutsideBoundary: a pure check over a synthesized template ------------------------

type Json = Record<string, unknown>;

/** Actions of AWS managed policies roles commonly attach (contents cannot be read from a template). */
const AWS_MANAGED_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  AWSLambdaBasicExecutionRole: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
  AmazonEC2ContainerServiceforEC2Role: [
    'ec2:DescribeTags',
    'ecs:CreateCluster',
    'ecs:DeregisterContainerInstance',
    'ecs:DiscoverPollEndpoint',
    'ecs:Poll',
    'ecs:RegisterContainerInstance',
    'ecs:StartTelemetrySession',
    'ecs:UpdateContainerInstancesState',
    'ecs:Submit*',
    'ecr:GetAuthorizationToken',
    'ecr:BatchCheckLayerAvailability',
    'ecr:GetDownloadUrlForLayer',
    'ecr:BatchGetImage',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
    'ecs:TagResource',
  ],
};

function list<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

/** Glob match of IAM action patterns, case-insensitive: `*` any run, `?` one character. */
function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * True when every action `action` can stand for is matched by `pattern`: a plain action is matched
 * as usual; a wildcard action (`s3:Get*`) only by a pattern that matches it taken literally
 * (`s3:*`, `s3:Get*`), the conservative reading.
 */
function covers(pattern: string, action: string): boolean {
  return globToRegExp(pattern).test(action);
}

function refTarget(value: unknown): string | undefined {
  if (value && typeof value === 'object' && 'Ref' in (value as Json)) return String((value as Json)['Ref']);
  return undefined;
}

/** The name after `:policy/` in an AWS managed policy ARN written as a string, Fn::Join or Fn::Sub. */
function managedPolicyName(value: unknown): string | undefined {
  const flat = flattenCfnReference(value);
  const match = /:iam::aws:policy\/(?:.*\/)?([^/"]+)$/.exec(flat);
  return match?.[1];
}

function allowedActions(document: unknown): string[] {
  const statements = list<Json>((document as Json | undefined)?.['Statement'] as Json | Json[] | undefined);
  return statements.filter((s) => s['Effect'] === 'Allow').flatMap((s) => {
    if (s['NotAction'] !== undefined) return ['NotAction(' + list(s['NotAction'] as string[]).join(',') + ')'];
    return list(s['Action'] as string | string[]);
  });
}

/**
 * Every action a role of `template` is allowed that its permissions boundary does not allow, as
 * `"<Role logical id>: <action>"`, sorted. Walks roles with a `PermissionsBoundary` that is a
 * customer-managed policy of the same template, and their inline policies, `AWS::IAM::Policy` and
 * `AWS::IAM::ManagedPolicy` attachments (by `Roles` or `ManagedPolicyArns`) and the AWS managed
 * policies it knows. Action patterns match as IAM globs (case-insensitive); resources and
 * conditions are not compared. Also reports a role without a boundary (`<Role>: no permissions
 * boundary`), a boundary outside the template, and managed policies it cannot read.
 */
export function actionsOutsideBoundary(template: object): string[] {
  const resources = ((template as Json)['Resources'] ?? {}) as Record<string, Json>;
  const props = (id: string): Json => (resources[id]?.['Properties'] ?? {}) as Json;
  const out = new Set<string>();
  const roles = Object.keys(resources).filter((id) => resources[id]?.['Type'] === 'AWS::IAM::Role');

  for (const role of roles) {
    const roleProps = props(role);
    const boundaryId = refTarget(roleProps['PermissionsBoundary']);
    if (roleProps['PermissionsBoundary'] === undefined) {
      out.add(`${role}: no permissions boundary`);
      continue;
    }
    if (!boundaryId || resources[boundaryId]?.['Type'] !== 'AWS::IAM::ManagedPolicy') {
      out.add(`${role}: permissions boundary not in this template`);
      continue;
    }
    const boundaryDoc = props(boundaryId)['PolicyDocument'] as Json;
    const boundaryStatements = list<Json>(boundaryDoc['Statement'] as Json | Json[]);
    const allowPatterns = boundaryStatements.filter((s) => s['Effect'] === 'Allow').flatMap((s) => list(s['Action'] as string | string[]));
    const denyPatterns = boundaryStatements
      .filter((s) => s['Effect'] === 'Deny' && s['Condition'] === undefined)
      .flatMap((s) => list(s['Action'] as string | string[]));

    const actions: string[] = [];
    for (const inline of list(roleProps['Policies'] as Json[])) actions.push(...allowedActions(inline['PolicyDocument']));
    for (const arn of list(roleProps['ManagedPolicyArns'] as unknown[])) {
      const local = refTarget(arn);
      if (local && resources[local]?.['Type'] === 'AWS::IAM::ManagedPolicy') {
        actions.push(...allowedActions(props(local)['PolicyDocument']));
        continue;
      }
      const name = managedPolicyName(arn);
      const known = name ? AWS_MANAGED_ACTIONS[name] : undefined;
      if (known) actions.push(...known);
      else out.add(`${role}: managed policy ${name ?? flattenCfnReference(arn)} (contents unknown)`);
    }
    for (const [id, resource] of Object.entries(resources)) {
      const type = resource['Type'];
      if (type !== 'AWS::IAM::Policy' && type !== 'AWS::IAM::ManagedPolicy') continue;
      if (id === boundaryId) continue;
      const attached = list(props(id)['Roles'] as unknown[]).some((r) => refTarget(r) === role);
      if (attached) actions.push(...allowedActions(props(id)['PolicyDocument']));
    }

    for (const action of new Set(actions)) {
      const allowed = allowPatterns.some((p) => covers(p, action));
      const denied = denyPatterns.some((p) => globToRegExp(p).test(action) || globToRegExp(action).test(p));
      if (!allowed || denied) out.add(`${role}: ${action}`);
    }
  }
  return [...out].sort();
}
