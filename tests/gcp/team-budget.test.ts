/** TeamBudget on GCP: a Cloud Billing budget scoped to the team, alerting at 50/80/100 % by email. */
import * as gcp from '@pulumi/gcp';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_BUDGET_CHANNELS, TeamBudget, type TeamBudgetArgs } from '../../constructs/gcp/team-budget.js';
import { recordProgram, type RecordedGraph, type RecordedResource } from '../../stacks/gcp/record.js';
import { checkGraph } from '../../stacks/gcp/rules.js';

const ARGS: TeamBudgetArgs = {
  team: 'vision',
  project: 'vision-ml',
  projectNumber: '123456789012',
  billingAccount: '012345-6789AB-CDEF01',
  monthlyUsd: 1500,
  emails: ['ml-team@example.com', 'lead@example.com'],
};

function record(args: TeamBudgetArgs): Promise<RecordedGraph> {
  return recordProgram(args.team, () => {
    const provider = new gcp.Provider('team', { project: args.project, region: 'us-central1', defaultLabels: { team: args.team, 'cost-center': args.team, 'managed-by': 'gpu-burst' } });
    new TeamBudget(`${args.team}-budget`, args, { provider });
  });
}

function budgetOf(g: RecordedGraph): RecordedResource {
  const found = g.resources.filter((r) => r.type === 'gcp:billing/budget:Budget');
  expect(found).toHaveLength(1);
  return found[0]!;
}

let graph: RecordedGraph;

beforeAll(async () => {
  graph = await record(ARGS);
});

describe('TeamBudget', () => {
  it('alerts at 50, 80 and 100 % of current spend by default', () => {
    expect(budgetOf(graph).inputs['thresholdRules']).toEqual([
      { thresholdPercent: 0.5, spendBasis: 'CURRENT_SPEND' },
      { thresholdPercent: 0.8, spendBasis: 'CURRENT_SPEND' },
      { thresholdPercent: 1, spendBasis: 'CURRENT_SPEND' },
    ]);
  });

  it('is a monthly USD amount on the billing account', () => {
    expect(budgetOf(graph).inputs).toMatchObject({
      billingAccount: '012345-6789AB-CDEF01',
      displayName: 'gpu-burst-vision',
      amount: { specifiedAmount: { currencyCode: 'USD', units: '1500' } },
    });
  });

  it('counts only the team: its project (by number) and its team label', () => {
    expect(budgetOf(graph).inputs['budgetFilter']).toEqual({
      projects: ['projects/123456789012'],
      labels: { team: 'vision' },
      calendarPeriod: 'MONTH',
      creditTypesTreatment: 'INCLUDE_ALL_CREDITS',
    });
  });

  it('alerts one email channel per address and the billing account administrators', () => {
    const channels = graph.resources.filter((r) => r.type === 'gcp:monitoring/notificationChannel:NotificationChannel');
    expect(channels.map((c) => [c.name, c.inputs['type'], c.inputs['labels'], c.inputs['project']])).toEqual([
      ['vision-budget-ml-team@example.com', 'email', { email_address: 'ml-team@example.com' }, 'vision-ml'],
      ['vision-budget-lead@example.com', 'email', { email_address: 'lead@example.com' }, 'vision-ml'],
    ]);
    // Mocks give each channel the id `<name>-id`.
    expect(budgetOf(graph).inputs['allUpdatesRule']).toEqual({
      monitoringNotificationChannels: ['vision-budget-ml-team@example.com-id', 'vision-budget-lead@example.com-id'],
      disableDefaultIamRecipients: false,
    });
  });

  it('takes other thresholds, a fractional amount, no label filter and no emails', async () => {
    const g = await record({ ...ARGS, thresholdsPercent: [25, 90], monthlyUsd: 99.5, labels: {}, emails: [] });
    const budget = budgetOf(g);
    expect(budget.inputs['thresholdRules']).toEqual([
      { thresholdPercent: 0.25, spendBasis: 'CURRENT_SPEND' },
      { thresholdPercent: 0.9, spendBasis: 'CURRENT_SPEND' },
    ]);
    expect(budget.inputs['amount']).toEqual({ specifiedAmount: { currencyCode: 'USD', units: '99', nanos: 500_000_000 } });
    expect(budget.inputs['budgetFilter']).not.toHaveProperty('labels');
    expect(budget.inputs['allUpdatesRule']).toEqual({ monitoringNotificationChannels: [], disableDefaultIamRecipients: false });
    expect(g.resources.filter((r) => r.type === 'gcp:monitoring/notificationChannel:NotificationChannel')).toEqual([]);
  });

  it('without a project number it looks the number up through the provider (offline mocks have none: the id stands in)', async () => {
    const { projectNumber: _omitted, ...rest } = ARGS;
    const g = await record(rest);
    expect(budgetOf(g).inputs['budgetFilter']).toMatchObject({ projects: [expect.stringMatching(/^projects\/(\d+|vision-ml)$/)] });
  });

  it('passes every GCP rule; at rest it costs nothing', () => {
    expect(checkGraph(graph.resources)).toEqual([]);
  });

  it('reports every bad argument at once', () => {
    const emails = Array.from({ length: MAX_BUDGET_CHANNELS + 1 }, (_, i) => `a${i}@example.com`);
    expect(
      () =>
        new TeamBudget('b', {
          ...ARGS,
          monthlyUsd: 0,
          billingAccount: '0123-45',
          thresholdsPercent: [50, 50, 0],
          emails,
          labels: { team: 'vision', 'cost-center': 'x' },
        }),
    ).toThrow(
      "TeamBudget b: monthlyUsd must be a positive amount, got 0; billingAccount '0123-45' is not a billing account ID (XXXXXX-XXXXXX-XXXXXX, hex digits); " +
        'thresholdsPercent: 0 is not a percentage in (0, 1000]; thresholdsPercent has duplicates; ' +
        'emails: a Cloud Billing budget alerts at most 5 notification channels, got 6; labels: a budget filters on one label at most, got team, cost-center',
    );
  });
});
