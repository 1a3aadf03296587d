/** TeamAlerts: encrypted, TLS-only topic (A20), budget alerting at 50/80/100 % on the team tag, nag-clean (A1). */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { TeamAlerts } from '../../constructs/aws/team-alerts.js';

let stack: Stack;
let template: Template;

beforeAll(() => {
  stack = new Stack(new App(), 'Alerts', { env: { region: 'us-east-1' } });
  new TeamAlerts(stack, 'Alerts', { team: 'vision', monthlyUsd: 2500, emails: ['a@example.com', 'b@example.com'] });
  template = Template.fromStack(stack);
});

function statements(type: string): Record<string, unknown>[] {
  const policies = Object.values(template.findResources(type));
  return policies.flatMap((p) => (p.Properties.PolicyDocument?.Statement ?? p.Properties.KeyPolicy?.Statement) as Record<string, unknown>[]);
}

describe('A20 the alert topic', () => {
  it('is encrypted with a rotated customer key', () => {
    const [keyId] = Object.keys(template.findResources('AWS::KMS::Key'));
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
  });

  it('refuses publishing without TLS', () => {
    expect(statements('AWS::SNS::TopicPolicy')).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('lets AWS Budgets publish, for this account only, through both the topic and the key policy', () => {
    const condition = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
    expect(statements('AWS::SNS::TopicPolicy')).toContainEqual(
      expect.objectContaining({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'budgets.amazonaws.com' }, Condition: condition }),
    );
    expect(statements('AWS::KMS::Key')).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'budgets.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Condition: condition,
      }),
    );
  });

  it('lets EventBridge and the Auto Scaling service-linked role use the key, the latter matched by ARN', () => {
    const keyStatements = statements('AWS::KMS::Key');
    expect(keyStatements).toContainEqual(expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' }, Effect: 'Allow' }));
    const slr = keyStatements.find((s) => s['Sid'] === 'AllowAutoScalingServiceLinkedRoleToPublish');
    expect(slr).toMatchObject({ Effect: 'Allow', Action: ['kms:GenerateDataKey*', 'kms:Decrypt'] });
    expect(JSON.stringify(slr?.['Condition'])).toContain('AWSServiceRoleForAutoScaling');
    expect(slr?.['Condition']).toMatchObject({ StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } });
  });

  it('subscribes every email', () => {
    for (const address of ['a@example.com', 'b@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: address });
    }
  });
});

describe('budget', () => {
  it('is a monthly cost budget in USD filtered on the team cost-allocation tag', () => {
    template.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: {
        BudgetName: 'gpu-burst-vision',
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: 2500, Unit: 'USD' },
        CostFilters: { TagKeyValue: ['user:team$vision'] },
      },
    });
  });

  it('alerts the topic and every email at 50, 80 and 100 % of actual spend', () => {
    const budget = Object.values(template.findResources('AWS::Budgets::Budget'))[0];
    const notifications = budget?.Properties.NotificationsWithSubscribers as { Notification: Record<string, unknown>; Subscribers: unknown[] }[];
    expect(notifications.map((n) => n.Notification)).toEqual(
      [50, 80, 100].map((Threshold) => ({ NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold, ThresholdType: 'PERCENTAGE' })),
    );
    for (const n of notifications) {
      expect(n.Subscribers).toEqual([
        { SubscriptionType: 'SNS', Address: { Ref: expect.stringMatching(/AlertsTopic/) } },
        { SubscriptionType: 'EMAIL', Address: 'a@example.com' },
        { SubscriptionType: 'EMAIL', Address: 'b@example.com' },
      ]);
    }
  });

  it('is created after the topic policy that lets Budgets publish', () => {
    const budget = Object.values(template.findResources('AWS::Budgets::Budget'))[0];
    expect(budget?.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/TopicPolicy/)]));
  });

  it('takes other thresholds and a custom tag key', () => {
    const other = new Stack(new App(), 'Other');
    new TeamAlerts(other, 'Alerts', { team: 'nlp', monthlyUsd: 10, thresholdsPercent: [90], costTagKey: 'cost-center' });
    Template.fromStack(other).hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ CostFilters: { TagKeyValue: ['user:cost-center$nlp'] } }),
      NotificationsWithSubscribers: [Match.objectLike({ Notification: Match.objectLike({ Threshold: 90 }) })],
    });
  });

  it('names every problem in its props at once', () => {
    const bad = new Stack(new App(), 'Bad');
    expect(
      () =>
        new TeamAlerts(bad, 'Alerts', {
          team: 'x',
          monthlyUsd: 0,
          thresholdsPercent: [50, 50, -1],
          emails: Array.from({ length: 11 }, (_, i) => `u${i}@example.com`),
        }),
    ).toThrow(/monthlyUsd.*thresholdsPercent: -1.*duplicates.*at most 10/);
  });
});

describe('A1 cdk-nag', () => {
  it.each([new AwsSolutionsChecks(), new NIST80053R5Checks()])('$readPackName: no finding', (pack) => {
    const { violations } = pack.validateScope(stack);
    expect(violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });
});
