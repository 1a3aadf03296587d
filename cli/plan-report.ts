/**
 * `burst plan` without printing: builds the real CDK app in memory (cdk-nag included) and runs the
 * real Pulumi program under recording mocks, then reports per team and cloud every stack, its
 * resources, what stands costs and whether the images its hosts would boot are pinned. No
 * credentials, no Pulumi CLI, no network.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAwsApp } from '../stacks/aws/build.js';
import { gcpProgram } from '../stacks/gcp/program.js';
import { recordProgram } from '../stacks/gcp/record.js';
import { checkGraph } from '../stacks/gcp/rules.js';
import { HOURS_PER_MONTH, standingCost, type CloudCost } from '../spec/cost.js';
import { imageStatus, loadImageLock, teamImageHosts, type ImageLock, type ImageStatus } from '../spec/images.js';
import { planTeam, type CloudPlan, type TeamPlan } from '../spec/plan.js';
import { PolicyValidationError } from '../spec/problems.js';
import type { TeamSpec } from '../spec/schema.js';

/** One resource of a stack, as `burst plan --json` prints it. */
export interface PlannedResource {
  /** CloudFormation type or Pulumi type token. */
  readonly type: string;
  /** CloudFormation logical id or Pulumi name. */
  readonly name: string;
  /** CloudFormation Properties or Pulumi inputs. */
  readonly properties: Record<string, unknown>;
}

/** One stack: a CloudFormation stack or a Pulumi stack. */
export interface PlannedStack {
  readonly name: string;
  readonly resources: readonly PlannedResource[];
  /** Standing cost of what this stack holds at rest. */
  readonly cost: { readonly usdPerHour: number; readonly usdPerMonth: number };
}

/** A machine image the team's hosts would boot, and whether `images/lock.json` pins it. */
export type PlannedImage = ImageStatus;

/** A cloud's part of a team's plan. */
export interface PlannedCloud {
  readonly region: string;
  readonly project?: string;
  readonly stacks: readonly PlannedStack[];
  /** The images the team's hosts on this cloud would boot (`spec/images.ts`, `teamImageHosts`). */
  readonly images: readonly PlannedImage[];
}

/** Usage-based rates that apply on top of the standing cost. */
export interface UsageLine {
  readonly cloud: 'aws' | 'gcp';
  readonly item: string;
  readonly what: string;
  readonly usd: number;
  /** `GB-month` (stored), `GB` (delivered or processed), ... */
  readonly unit: string;
  readonly asOf: string;
  readonly source: string;
}

/** What one item bills while a burst runs at full size. */
export interface RunningLine {
  readonly cloud: 'aws' | 'gcp';
  readonly kind: string;
  readonly item: string;
  /** As configured (spot, on-demand or mixed). */
  readonly usdPerHour: number;
  /** The same capacity on demand. */
  readonly onDemandUsdPerHour: number;
  readonly basis: string;
  readonly asOf: string;
  readonly source: string;
}

/** A team's plan as `burst plan --json` prints it. */
export interface PlannedTeam {
  readonly team: string;
  readonly file: string;
  readonly clouds: { readonly aws?: PlannedCloud; readonly gcp?: PlannedCloud };
  readonly cost: {
    readonly standingUsdPerHour: number;
    readonly standingUsdPerMonth: number;
    readonly usage: readonly UsageLine[];
    readonly notes: readonly string[];
    /** Per compute item (and on-demand egress): $/h while a burst runs at full size. */
    readonly running: readonly RunningLine[];
  };
}

/** The whole `burst plan --json` document. */
export interface PlanReport {
  readonly teams: readonly PlannedTeam[];
}

function usageLines(plan: CloudPlan, cost: CloudCost): UsageLine[] {
  return cost.lines.flatMap((line) =>
    line.usage.map((u) => ({
      cloud: plan.cloud,
      item: line.name,
      what: u.price.item,
      usd: u.price.usd,
      unit: u.price.unit,
      asOf: u.price.asOf,
      source: u.price.source,
    })),
  );
}

function stackCost(plan: CloudPlan, layer: 'storage' | 'burst' | 'all'): { usdPerHour: number; usdPerMonth: number } {
  const cost = standingCost(plan);
  const usdPerHour = cost.lines
    .filter((_, i) => layer === 'all' || plan.items[i]?.layer === layer)
    .reduce((sum, l) => sum + l.fixedUsdPerHour, 0);
  return { usdPerHour, usdPerMonth: usdPerHour * HOURS_PER_MONTH };
}

interface ValidationReport {
  pluginReports?: {
    pluginName: string;
    violations?: { ruleName: string; description: string; violatingConstructs?: { constructPath: string }[] }[];
  }[];
}

function findingsOf(reportFile: string): string[] {
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ValidationReport;
  return (report.pluginReports ?? []).flatMap((plugin) =>
    (plugin.violations ?? []).flatMap((v) =>
      (v.violatingConstructs ?? [{ constructPath: '?' }]).map((c) => `${v.ruleName} at ${c.constructPath}: ${v.description}`),
    ),
  );
}

/** Synthesizes every AWS plan in one app and returns each team's stacks. */
function planAws(plans: TeamPlan[]): Map<string, PlannedCloud> {
  const awsPlans = plans.flatMap((p) => (p.aws ? [p.aws] : []));
  const result = new Map<string, PlannedCloud>();
  if (awsPlans.length === 0) return result;
  const outdir = mkdtempSync(join(tmpdir(), 'burst-plan-'));
  try {
    const { app } = buildAwsApp(awsPlans, { outdir });
    let assembly: ReturnType<typeof app.synth>;
    try {
      assembly = app.synth();
    } catch (err) {
      const report = join(outdir, 'validation-report.json');
      if (existsSync(report)) throw new PolicyValidationError(findingsOf(report));
      throw err;
    }
    for (const plan of awsPlans) {
      const stacks = (['storage', 'burst'] as const).map((layer) => {
        const name = `${plan.team}-${layer}`;
        const template = assembly.getStackByName(name).template as {
          Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
        };
        const resources = Object.entries(template.Resources ?? {}).map(([logicalId, r]) => ({
          type: r.Type,
          name: logicalId,
          properties: r.Properties ?? {},
        }));
        return { name, resources, cost: stackCost(plan, layer) };
      });
      result.set(plan.team, { region: plan.region, stacks, images: [] });
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
  return result;
}

/** Runs each GCP plan through the Pulumi program under mocks, one team after another. */
async function planGcp(plans: TeamPlan[], lock: ImageLock): Promise<Map<string, PlannedCloud>> {
  const result = new Map<string, PlannedCloud>();
  for (const team of plans) {
    const plan = team.gcp;
    if (!plan) continue;
    const graph = await recordProgram(plan.team, () => gcpProgram(plan, lock));
    const findings = checkGraph(graph.resources);
    if (findings.length > 0) {
      throw new PolicyValidationError(findings.map((f) => `${f.rule} at ${plan.team}/${f.resource}: ${f.reasons.join('; ')}`));
    }
    result.set(plan.team, {
      region: plan.region,
      project: plan.project,
      stacks: [
        {
          name: plan.team,
          resources: graph.resources.map((r) => ({ type: r.type, name: r.name, properties: r.inputs })),
          cost: stackCost(plan, 'all'),
        },
      ],
      images: [],
    });
  }
  return result;
}

/** What `planReport` reads besides the team files. */
export interface PlanReportOptions {
  /** The image lock; default: `images/lock.json`. */
  readonly lock?: ImageLock;
  /** The clock image staleness is measured against; default: now. */
  readonly now?: Date;
}

/** Plans every team: what each cloud builds, what it costs at rest, and which images its hosts boot. */
export async function planReport(specs: readonly TeamSpec[], options: PlanReportOptions = {}): Promise<PlanReport> {
  const lock = options.lock ?? loadImageLock();
  const now = options.now ?? new Date();
  const plans = specs.map(planTeam);
  const aws = planAws(plans);
  const gcp = await planGcp(plans, lock);
  return {
    teams: plans.map((plan) => {
      const clouds = [plan.aws, plan.gcp].filter((p): p is CloudPlan => p !== undefined);
      const costs = clouds.map((p) => ({ plan: p, cost: standingCost(p) }));
      const standingUsdPerHour = costs.reduce((sum, c) => sum + c.cost.fixedUsdPerHour, 0);
      const images = teamImageHosts(plan).map((host) => imageStatus(host, lock, now));
      const withImages = (cloud: PlannedCloud | undefined, which: 'aws' | 'gcp') =>
        cloud && { ...cloud, images: images.filter((i) => i.cloud === which) };
      const awsCloud = withImages(aws.get(plan.team), 'aws');
      const gcpCloud = withImages(gcp.get(plan.team), 'gcp');
      return {
        team: plan.team,
        file: plan.file,
        clouds: { ...(awsCloud ? { aws: awsCloud } : {}), ...(gcpCloud ? { gcp: gcpCloud } : {}) },
        cost: {
          standingUsdPerHour,
          standingUsdPerMonth: standingUsdPerHour * HOURS_PER_MONTH,
          usage: costs.flatMap((c) => usageLines(c.plan, c.cost)),
          notes: costs.flatMap((c) => c.cost.lines.map((l) => `${c.plan.cloud} ${l.name}: ${l.note}`)),
          running: costs.flatMap((c) =>
            c.cost.lines.flatMap((l) => (l.running ? [{ cloud: c.plan.cloud, kind: l.kind, item: l.name, ...l.running }] : [])),
          ),
        },
      };
    }),
  };
}
