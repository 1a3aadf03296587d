/** Shared test helpers: the example team, synthesized stacks, sanitized templates, the CLI. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildAwsApp, type TeamStacks } from '../stacks/aws/build.js';
import { loadTeamFile, parseTeamFile } from '../spec/load.js';
import { PROJECT_ROOT } from '../spec/paths.js';
import { planTeam, type TeamPlan } from '../spec/plan.js';
import type { TeamSpec } from '../spec/schema.js';

export const EXAMPLE_FILE = join(PROJECT_ROOT, 'teams', 'example.yaml');

/** The shipped example team, validated. */
export function exampleSpec(): TeamSpec {
  return loadTeamFile(EXAMPLE_FILE);
}

/** A team spec from YAML text (throws with the problems when it is invalid). */
export function specFromYaml(team: string, yaml: string): TeamSpec {
  const result = parseTeamFile(`teams/${team}.yaml`, yaml);
  if (!result.spec) throw new Error(result.problems.map((p) => p.message).join('\n'));
  return result.spec;
}

/** The example team's plan. */
export function examplePlan(): TeamPlan {
  return planTeam(exampleSpec());
}

/** Synthesized teams, by spec: files in one worker share them (the shared vitest project keeps modules between files). */
const synthesized = new Map<string, TeamStacks & { storageTemplate: Template; burstTemplate: Template }>();

/**
 * The example team's two stacks and their templates, built without cdk-nag (tests run the packs
 * themselves). A synthesis takes seconds, so each spec is synthesized once per worker; callers only read.
 */
export function synthTeam(spec: TeamSpec = exampleSpec()): TeamStacks & { storageTemplate: Template; burstTemplate: Template } {
  const key = JSON.stringify(spec);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const plan = planTeam(spec);
  if (!plan.aws) throw new Error(`${spec.team} has no aws section`);
  const { teams } = buildAwsApp([plan.aws], { nag: false });
  const stacks = teams.get(spec.team);
  if (!stacks) throw new Error('no stacks');
  const result = { ...stacks, storageTemplate: Template.fromStack(stacks.storage), burstTemplate: Template.fromStack(stacks.burst) };
  synthesized.set(key, result);
  return result;
}

/**
 * A template without what churns between CDK versions: the bootstrap version parameter and rule,
 * asset hashes of CDK's custom-resource code, the Lambda runtime CDK picks for that code, and the
 * construct-path and asset metadata only the CLI writes.
 */
export function sanitizeTemplate(template: unknown): unknown {
  const clone = JSON.parse(JSON.stringify(template)) as Record<string, Record<string, unknown> | undefined>;
  if (clone['Parameters']) delete clone['Parameters']['BootstrapVersion'];
  if (clone['Parameters'] && Object.keys(clone['Parameters']).length === 0) delete clone['Parameters'];
  if (clone['Rules']) delete clone['Rules']['CheckBootstrapVersion'];
  if (clone['Rules'] && Object.keys(clone['Rules']).length === 0) delete clone['Rules'];
  // The CDK CLI adds construct paths and asset locations as metadata; in-memory synthesis does not.
  for (const resource of Object.values(clone['Resources'] ?? {}) as { Metadata?: Record<string, unknown> }[]) {
    for (const key of Object.keys(resource.Metadata ?? {})) {
      if (/^aws:(cdk:path|asset:)/.test(key)) delete resource.Metadata?.[key];
    }
    if (resource.Metadata && Object.keys(resource.Metadata).length === 0) delete resource.Metadata;
  }
  return JSON.parse(
    JSON.stringify(clone)
      .replace(/[0-9a-f]{64}/g, '<asset-hash>')
      .replace(/"nodejs\d+\.x"/g, '"nodejs<current>.x"'),
  );
}

/** Result of running the CLI. */
export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `burst` exactly as a user would (`node bin/burst.js ...`), with colours off. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'burst.js'), ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', BURST_DEBUG: '', ...options.env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** True when text looks like it carries a JavaScript stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+(\(|:\d+:\d+)/m.test(text) || /node:internal/.test(text);
}

/**
 * A recorded Pulumi graph as a snapshot: the embedded agent payload (gzip + base64, it changes with
 * every agent edit and is tested on its own) and SHA-256 digests (spec hash, agent hash) replaced
 * by placeholders, so the snapshot shows what is built, not what churns.
 */
export function sanitizeGraph(graph: unknown): string {
  return JSON.stringify(graph, null, 2)
    .replace(/(base64 -d <<'GPU_BURST_AGENT' \| gunzip > [^\n]*?\\n)[A-Za-z0-9+/=\\n]+?(\\nGPU_BURST_AGENT)/g, '$1<agent payload>$2')
    .replace(/[0-9a-f]{64}/g, '<sha256>');
}
