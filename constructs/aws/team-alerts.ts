import { Aws, Stack } from 'aws-cdk-lib';
import * as budgets from 'aws-cdk-lib/aws-budgets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Subscribers a budget notification may have (AWS Budgets: at most 11, one of them the topic). */
const MAX_BUDGET_EMAILS = 10;

/** Properties of a {@link TeamAlerts}. */
export interface TeamAlertsProps {
  /** The team: its cost-allocation tag `team=<team>` scopes the budget. */
  readonly team: string;
  /** Monthly budget, USD. */
  readonly monthlyUsd: number;
  /**
   * Percentages of the budget (actual spend) that alert.
   * @default [50, 80, 100]
   */
  readonly thresholdsPercent?: readonly number[];
  /**
   * Addresses subscribed to the topic (each confirms by mail) and to the budget's alerts.
   * @default - none: the topic only
   */
  readonly emails?: readonly string[];
  /**
   * Cost-allocation tag key the budget filters on. It must be activated as a cost allocation tag in
   * the Billing console before the budget sees any cost.
   * @default 'team'
   */
  readonly costTagKey?: string;
  /**
   * Name of the budget (unique in the account; budgets are global, not regional).
   * @default `gpu-burst-<team>`
   */
  readonly budgetName?: string;
}

/**
 * Where a team hears about money and about its burst: a KMS key (rotated), an SNS topic encrypted
 * with it and reachable only over TLS (A20), email subscriptions, and a monthly AWS Budget
 * filtered on the team's cost-allocation tag that alerts the topic and the emails at each
 * threshold of actual spend (50/80/100 % by default).
 *
 * Who may publish: AWS Budgets (topic policy and key policy, both limited to this account),
 * EventBridge rules (key policy; the rule target adds its own topic-policy statement), the Auto
 * Scaling service-linked role (fleet launch/terminate notifications), and any role granted through
 * {@link TeamAlerts.topic}'s `grantPublish` (the backstop function).
 */
export class TeamAlerts extends Construct {
  /** The team's notification topic. */
  readonly topic: sns.ITopic;
  /** The key that encrypts the topic. */
  readonly key: kms.IKey;
  /** The monthly budget. */
  readonly budget: budgets.CfnBudget;

  constructor(scope: Construct, id: string, props: TeamAlertsProps) {
    super(scope, id);
    const thresholds = props.thresholdsPercent ?? [50, 80, 100];
    const emails = props.emails ?? [];
    validate(this, props, thresholds, emails);
    const account = Stack.of(this).account;

    const key = new kms.Key(this, 'Key', {
      description: `gpu-burst ${props.team}: encrypts the team's alert topic`,
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsToPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    // EventBridge does not pass aws:SourceAccount/SourceArn to KMS when it delivers to an encrypted
    // topic; a condition here would silently drop every event. The topic policy holds the limit.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeToPublish',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
      }),
    );
    // The Auto Scaling service-linked role only exists once the account's first group exists, and a
    // key policy naming a missing principal fails to deploy: match it by ARN instead of naming it.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowAutoScalingServiceLinkedRoleToPublish',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:PrincipalAccount': account },
          ArnEquals: {
            'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
          },
        },
      }),
    );

    const topic = new sns.Topic(this, 'Topic', {
      displayName: `gpu-burst ${props.team}`,
      masterKey: key,
      enforceSSL: true,
    });
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowBudgetsToPublish',
        principals: [new iam.ServicePrincipal('budgets.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    for (const email of emails) topic.addSubscription(new subscriptions.EmailSubscription(email));

    const tagKey = props.costTagKey ?? 'team';
    this.budget = new budgets.CfnBudget(this, 'Budget', {
      budget: {
        budgetName: props.budgetName ?? `gpu-burst-${props.team}`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: props.monthlyUsd, unit: 'USD' },
        // Cost-allocation tags appear to Budgets as `user:<key>`; a filter value is `user:<key>$<value>`.
        costFilters: { TagKeyValue: [`user:${tagKey}$${props.team}`] },
      },
      notificationsWithSubscribers: thresholds.map((threshold) => ({
        notification: {
          notificationType: 'ACTUAL',
          comparisonOperator: 'GREATER_THAN',
          threshold,
          thresholdType: 'PERCENTAGE',
        },
        subscribers: [
          { subscriptionType: 'SNS', address: topic.topicArn },
          ...emails.map((address) => ({ subscriptionType: 'EMAIL', address })),
        ],
      })),
    });
    // Budgets checks that it may publish when the budget is created.
    const topicPolicy = topic.node.tryFindChild('Policy');
    if (topicPolicy) this.budget.node.addDependency(topicPolicy);

    this.topic = topic;
    this.key = key;
  }
}

function validate(scope: Construct, props: TeamAlertsProps, thresholds: readonly number[], emails: readonly string[]): void {
  const problems: string[] = [];
  if (!(props.monthlyUsd > 0)) problems.push(`monthlyUsd must be a positive amount, got ${props.monthlyUsd}`);
  if (thresholds.length === 0) problems.push('thresholdsPercent needs at least one threshold');
  for (const t of thresholds) if (!(t > 0 && t <= 1000)) problems.push(`thresholdsPercent: ${t} is not a percentage in (0, 1000]`);
  if (new Set(thresholds).size !== thresholds.length) problems.push('thresholdsPercent has duplicates');
  if (emails.length > MAX_BUDGET_EMAILS) problems.push(`emails: AWS Budgets takes at most ${MAX_BUDGET_EMAILS} addresses, got ${emails.length}`);
  if (problems.length > 0) throw new Error(`TeamAlerts ${scope.node.path}: ${problems.join('; ')}`);
}
