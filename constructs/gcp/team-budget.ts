import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** Notification channels a budget may alert (Cloud Billing: at most 5). */
export const MAX_BUDGET_CHANNELS = 5;

/** Arguments of a {@link TeamBudget}. */
export interface TeamBudgetArgs {
  /** The team: its label `team=<team>` scopes the budget. */
  readonly team: string;
  /** Project id of the team (the notification channels live there). */
  readonly project: string;
  /**
   * Project number of `project`: the budget filter names projects by number (an id is accepted on
   * create but comes back as a number, so every later update would fail or show a diff).
   * @default - looked up from `project` through the provider (`gcp.organizations.getProject`);
   *   offline mocks, which return no number, show the project id instead
   */
  readonly projectNumber?: pulumi.Input<string>;
  /** Billing account that pays for the project, `XXXXXX-XXXXXX-XXXXXX`. */
  readonly billingAccount: string;
  /** Monthly budget, in `currencyCode` units. */
  readonly monthlyUsd: number;
  /**
   * Percentages of the budget (current spend) that alert.
   * @default [50, 80, 100]
   */
  readonly thresholdsPercent?: readonly number[];
  /**
   * Addresses alerted at each threshold, one Cloud Monitoring email channel each (at most 5).
   * @default - none: only the billing account's administrators and users are alerted
   */
  readonly emails?: readonly string[];
  /**
   * The one label (key and value) whose spend the budget counts. Spend without labels (some
   * network egress, support) is not counted; `{}` counts the whole project.
   * @default { team: <team> }
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Currency of the amount; it must be the billing account's currency.
   * @default 'USD'
   */
  readonly currencyCode?: string;
  /**
   * Display name of the budget (at most 60 characters).
   * @default `gpu-burst-<team>`
   */
  readonly displayName?: string;
}

/**
 * The team's monthly budget on GCP: a Cloud Billing budget on the billing account, counting the
 * spend of the team's project labelled `team=<team>`, alerting at 50/80/100 % of current spend
 * (by default) to one Cloud Monitoring email channel per address and to the billing account's
 * administrators and users. It alerts; it never stops anything (the auto-shutdown layers do).
 */
export class TeamBudget extends pulumi.ComponentResource {
  /** The budget. */
  readonly budget: gcp.billing.Budget;
  /** One email channel per address, in the order given. */
  readonly channels: readonly gcp.monitoring.NotificationChannel[];

  constructor(name: string, args: TeamBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gpu-burst:gcp:TeamBudget', name, {}, opts);
    const thresholds = args.thresholdsPercent ?? [50, 80, 100];
    const emails = args.emails ?? [];
    const labels = args.labels ?? { team: args.team };
    validate(name, args, thresholds, emails, labels);

    this.channels = emails.map(
      (email) =>
        new gcp.monitoring.NotificationChannel(
          `${name}-${email.toLowerCase()}`,
          {
            project: args.project,
            displayName: `gpu-burst ${args.team} budget: ${email}`,
            description: `Budget alerts of gpu-burst team ${args.team}`,
            type: 'email',
            labels: { email_address: email },
          },
          { parent: this },
        ),
    );

    // A real lookup always returns the number; offline mocks (`burst plan`) return none, and the
    // plan then shows the project id in its place.
    const projectNumber =
      args.projectNumber ?? gcp.organizations.getProjectOutput({ projectId: args.project }, { parent: this }).number.apply((n) => n || args.project);

    const units = Math.trunc(args.monthlyUsd);
    const nanos = Math.round((args.monthlyUsd - units) * 1e9);
    this.budget = new gcp.billing.Budget(
      name,
      {
        billingAccount: args.billingAccount,
        displayName: args.displayName ?? `gpu-burst-${args.team}`,
        amount: {
          specifiedAmount: { currencyCode: args.currencyCode ?? 'USD', units: String(units), ...(nanos > 0 ? { nanos } : {}) },
        },
        budgetFilter: {
          projects: [pulumi.interpolate`projects/${projectNumber}`],
          ...(Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
          calendarPeriod: 'MONTH',
          creditTypesTreatment: 'INCLUDE_ALL_CREDITS',
        },
        thresholdRules: thresholds.map((percent) => ({ thresholdPercent: percent / 100, spendBasis: 'CURRENT_SPEND' })),
        allUpdatesRule: {
          monitoringNotificationChannels: this.channels.map((c) => c.id),
          disableDefaultIamRecipients: false,
        },
      },
      { parent: this },
    );
    this.registerOutputs({ budget: this.budget.name, channels: this.channels.map((c) => c.id) });
  }
}

function validate(name: string, args: TeamBudgetArgs, thresholds: readonly number[], emails: readonly string[], labels: Readonly<Record<string, string>>): void {
  const problems: string[] = [];
  if (!(args.monthlyUsd > 0)) problems.push(`monthlyUsd must be a positive amount, got ${args.monthlyUsd}`);
  if (!/^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$/.test(args.billingAccount)) problems.push(`billingAccount '${args.billingAccount}' is not a billing account ID (XXXXXX-XXXXXX-XXXXXX, hex digits)`);
  if (thresholds.length === 0) problems.push('thresholdsPercent needs at least one threshold');
  for (const t of thresholds) if (!(t > 0 && t <= 1000)) problems.push(`thresholdsPercent: ${t} is not a percentage in (0, 1000]`);
  if (new Set(thresholds).size !== thresholds.length) problems.push('thresholdsPercent has duplicates');
  if (emails.length > MAX_BUDGET_CHANNELS) problems.push(`emails: a Cloud Billing budget alerts at most ${MAX_BUDGET_CHANNELS} notification channels, got ${emails.length}`);
  if (new Set(emails.map((e) => e.toLowerCase())).size !== emails.length) problems.push('emails has duplicates');
  if (Object.keys(labels).length > 1) problems.push(`labels: a budget filters on one label at most, got ${Object.keys(labels).join(', ')}`);
  const displayName = args.displayName ?? `gpu-burst-${args.team}`;
  if (displayName.length > 60) problems.push(`displayName '${displayName}' is longer than 60 characters`);
  if (problems.length > 0) throw new Error(`TeamBudget ${name}: ${problems.join('; ')}`);
}
