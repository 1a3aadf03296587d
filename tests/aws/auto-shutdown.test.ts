/**
 * AutoShutdown: the scheduled backstop outside the VPC (A22), the spot rules (A18), a role scoped
 * to the team's tagged resources and its own stack, nag-clean (A1, A2).
 */
import { readdirSync } from 'node:fs';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, NIST80053R5Checks, type NagPack } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoShutdown, BACKSTOP_CODE_DIR } from '../../constructs/aws/auto-shutdown.js';
import { TeamAlerts } from '../../constructs/aws/team-alerts.js';

let burst: Stack;
let shutdown: AutoShutdown;
let template: Template;

beforeAll(() => {
  const app = new App();
  const storage = new Stack(app, 'vision-storage', { env: { region: 'us-east-1' } });
  const alerts = new TeamAlerts(storage, 'Alerts', { team: 'vision', monthlyUsd: 100 });
  burst = new Stack(app, 'vision-burst', { env: { region: 'us-east-1' } });
  shutdown = new AutoShutdown(burst, 'AutoShutdown', {
    team: 'vision',
    topic: alerts.topic,
    everyMinutes: 10,
    idleGraceFactor: 3,
    idleCpuPercent: 7,
    sweepQueues: ['vision-hpo', 'vision-ablation'],
    hasDevBox: true,
  });
  template = Template.fromStack(burst);
});

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };

function statements(): Statement[] {
  return Object.values(template.findResources('AWS::IAM::ManagedPolicy')).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

function bySid(sid: string): Statement {
  const found = statements().find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid}`);
  return found;
}

describe('A22 the backstop function', () => {
  it('runs on the newest Node.js runtime, one run at a time, with a bounded timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Handler: 'handler.handler',
      Timeout: 120,
      ReservedConcurrentExecutions: 1,
    });
    // The asset is the handler alone: the runtime provides the AWS SDK.
    expect(readdirSync(BACKSTOP_CODE_DIR)).toEqual(['handler.mjs']);
  });

  it('is not in a VPC, so it works when the burst network is broken', () => {
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(fn?.Properties.VpcConfig).toBeUndefined();
  });

  it('gets its settings from the environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          TEAM: 'vision',
          STACK_NAME: 'vision-burst',
          TOPIC_ARN: Match.anyValue(),
          IDLE_GRACE_FACTOR: '3',
          IDLE_CPU_PERCENT: '7',
          SWEEP_QUEUES: 'vision-hpo,vision-ablation',
        },
      },
    });
  });

  it('runs on a schedule of everyMinutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(10 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AutoShutdownFunction'), 'Arn'] } })],
    });
  });

  it('writes to its own log group with a retention', () => {
    const groups = Object.entries(template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(1);
    const [logId, log] = groups[0] ?? [];
    expect(log?.Properties.RetentionInDays).toBe(90);
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logId } } });
  });
});

describe('A18 spot interruption and rebalance rules', () => {
  it.each([['EC2 Spot Instance Interruption Warning'], ['EC2 Instance Rebalance Recommendation']])('%s reaches the function', (detailType) => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.ec2'], 'detail-type': [detailType] },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('AutoShutdownFunction'), 'Arn'] } })],
    });
  });

  it('EventBridge may invoke the function only from these three rules', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission'));
    expect(permissions).toHaveLength(3);
    for (const p of permissions) {
      expect(p.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com' });
      expect(p.Properties.SourceArn).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    }
  });
});

describe('least privilege', () => {
  it('scales only groups tagged with the team and the fleet role', () => {
    expect(bySid('ScaleTeamFleetsToZero')).toMatchObject({
      Action: 'autoscaling:UpdateAutoScalingGroup',
      Condition: { StringEquals: { 'autoscaling:ResourceTag/team': 'vision', 'autoscaling:ResourceTag/gpu-burst:role': 'fleet' } },
    });
  });

  it("stops only the team's dev box", () => {
    expect(bySid('StopTeamDevBox')).toMatchObject({
      Action: 'ec2:StopInstances',
      Condition: { StringEquals: { 'ec2:ResourceTag/team': 'vision', 'ec2:ResourceTag/gpu-burst:role': 'devbox' } },
    });
  });

  it('describes and updates its own burst stack only, without iam:PassRole', () => {
    const s = bySid('TurnEgressOff');
    expect(s.Action).toEqual(['cloudformation:DescribeStacks', 'cloudformation:UpdateStack']);
    expect(JSON.stringify(s.Resource)).toContain(':stack/vision-burst/*');
    expect(statements().flatMap((x) => [x.Action].flat())).not.toContain('iam:PassRole');
    expect(JSON.stringify(bySid('ResolveBootstrapVersion').Resource)).toContain('parameter/cdk-bootstrap/hnb659fds/version');
  });

  it('publishes to the team topic and uses its key, nothing else', () => {
    expect(bySid('PublishToTeamTopic').Action).toBe('sns:Publish');
    expect(JSON.stringify(bySid('PublishToTeamTopic').Resource)).toMatch(/AlertsTopic/);
    expect(bySid('EncryptForTeamTopic').Action).toEqual(['kms:GenerateDataKey*', 'kms:Decrypt']);
    expect(JSON.stringify(bySid('EncryptForTeamTopic').Resource)).toMatch(/AlertsKey/);
  });

  it('no write action on "*", no wildcard action but the KMS data-key one', () => {
    const reads = new Set(['autoscaling:DescribeAutoScalingGroups', 'ec2:DescribeInstances', 'cloudwatch:GetMetricData', 'batch:ListJobs']);
    for (const s of statements()) {
      const actions = [s.Action].flat();
      if (s.Resource === '*') for (const a of actions) expect(reads.has(a), a).toBe(true);
      for (const a of actions) if (a.includes('*')) expect(a).toBe('kms:GenerateDataKey*');
    }
  });

  it('without a dev box or sweep queues it cannot stop instances or list jobs', () => {
    const app = new App();
    const stack = new Stack(app, 'small-burst');
    const alerts = new TeamAlerts(stack, 'Alerts', { team: 'small', monthlyUsd: 10 });
    new AutoShutdown(stack, 'AutoShutdown', { team: 'small', topic: alerts.topic });
    const actions = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy')).flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Statement[]).flatMap((s) => [s.Action].flat()),
    );
    expect(actions).not.toContain('ec2:StopInstances');
    expect(actions).not.toContain('batch:ListJobs');
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
  });

  it('names every problem in its props at once', () => {
    const stack = new Stack(new App(), 'bad');
    const alerts = new TeamAlerts(stack, 'Alerts', { team: 'bad', monthlyUsd: 10 });
    expect(() => new AutoShutdown(stack, 'AutoShutdown', { team: 'bad', topic: alerts.topic, everyMinutes: 0, idleGraceFactor: 0.5, idleCpuPercent: 100 })).toThrow(
      /everyMinutes.*idleGraceFactor.*idleCpuPercent/,
    );
  });
});

describe('A1/A2 cdk-nag', () => {
  const packs = (): NagPack[] => [new AwsSolutionsChecks(), new NIST80053R5Checks()];

  it.each(packs())('$readPackName: no unacknowledged finding', (pack) => {
    const { violations } = pack.validateScope(burst);
    expect(violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`)).toEqual([]);
  });

  it('every acknowledgment matches a real finding on its construct', () => {
    const raw = packs().flatMap((p) => {
      (p as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
      return p.validateScope(burst).violations;
    });
    const acks = shutdown.node.findAll().flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.keys(m.data as Record<string, string>).map((id) => ({ path: c.node.path, id: id.replace(/^annotation::/i, '') }))),
    );
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      const hit = raw.find((v) => v.ruleName === ack.id && v.violatingResources.some((r) => (r.constructPath ?? '').startsWith(ack.path)));
      expect(hit, `${ack.id} at ${ack.path}`).toBeDefined();
    }
  });
});
