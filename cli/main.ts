/**
 * The `burst` command line. Every command validates its input first and reports problems as
 * `file:line:col  field: what is wrong. Fix: what would be right`; nothing reaches the user as a
 * stack trace (set BURST_DEBUG=1 to see one for an internal error).
 */
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../spec/paths.js';
import { PolicyValidationError, TeamFileError, UserError, formatProblem } from '../spec/problems.js';
import { catalogCommand } from './commands/catalog.js';
import { costCommand } from './commands/cost.js';
import { downCommand } from './commands/down.js';
import { forkCommand } from './commands/fork.js';
import { leaksCommand } from './commands/leaks.js';
import { imagesPinCommand } from './commands/images.js';
import { planCommand } from './commands/plan.js';
import { startCommand } from './commands/start.js';
import { sweepStatusCommand, sweepSubmitCommand } from './commands/sweep-commands.js';
import { validateCommand } from './commands/validate.js';
import { style } from './output.js';

/** Exit codes: 0 ok, 1 invalid team files, findings or leaks, 2 usage errors, 3 leak report incomplete, 70 internal errors. */
export const EXIT = { ok: 0, invalid: 1, usage: 2, incomplete: 3, internal: 70 } as const;

function version(): string {
  return (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** A command's action: receives commander's arguments, returns an exit code. */
type Action = (...args: never[]) => Promise<number> | number;

/** Builds the command tree; `onExit` receives each action's exit code. */
export function program(onExit: (code: number) => void = () => undefined): Command {
  const run =
    (action: Action) =>
    async (...args: unknown[]): Promise<void> => {
      onExit(await (action as (...a: unknown[]) => Promise<number> | number)(...args));
    };
  const cli = new Command('burst')
    .description('Burst GPU/TPU training environments as code: one YAML file per team, AWS (CDK) and GCP (Pulumi).')
    .version(version())
    .addOption(new Option('--teams-dir <dir>', 'directory of team files').env('BURST_TEAMS_DIR'))
    .showHelpAfterError('(run `burst --help` for usage)')
    .exitOverride();

  cli
    .command('validate')
    .description('check team files; exit 0 when all are valid, 1 with every problem otherwise')
    .argument('[team...]', 'team names or paths to team files (default: every file in teams/)')
    .option('--json', 'print the result as JSON')
    .action(run(validateCommand));

  cli
    .command('plan')
    .description('show what each cloud builds per team and what it costs at rest (offline, no credentials)')
    .argument('[team...]', 'team names or paths to team files (default: every file in teams/)')
    .option('--json', 'print one JSON document with every resource and its properties')
    .action(run(planCommand));

  cli
    .command('cost')
    .description(
      'what a burst costs per team and cloud, offline: $/h at full size (spot and on-demand), worst-case burn, sweep estimate, ' +
        'idle waste, standing cost at rest, each price with its date and source; --compare-buy: rent or buy a GPU rig',
    )
    .argument('[team...]', 'team names or paths to team files (default: every file in teams/); --compare-buy takes exactly one')
    .option('--json', 'print one JSON document')
    .option('--trials <n>', 'sweep estimate: trials per sweep (default 100)')
    .option('--trial-hours <h>', "sweep estimate: hours per trial (default: each group's trialHours)")
    .option('--overhead <fraction>', 'sweep estimate: spot interruption/retry overhead, 0.15 = 15 % (default 0.1)')
    .option('--compare-buy', 'compare renting on demand, renting spot and buying a rig over its lifetime')
    .option('--rig-price <usd>', 'purchase price of the whole rig (default 3000: an RTX 4090 workstation)')
    .option('--rig-gpus <n>', 'GPUs in the rig (default 1)')
    .option('--power-watts <w>', 'draw of the whole rig while it trains (default 600)')
    .option('--usd-per-kwh <usd>', 'electricity price (default 0.17)')
    .option('--lifetime-years <years>', 'years before the rig is replaced (default 3)')
    .option('--resale <usd>', 'what the rig sells for at the end of its lifetime (default 900)')
    .option('--gpu-hours-per-month <h>', "the team's GPU-hours a month (default 200)")
    .option('--accelerator <id>', "GPU to rent (default: the team's fleet with the lowest on-demand $/GPU-hour)")
    .addOption(new Option('--cloud <cloud>', 'rent on this cloud only').choices(['aws', 'gcp']))
    .option('--chart <file>', 'write the cumulative-cost chart to file.svg or file.png')
    .action(run(costCommand));

  cli
    .command('catalog')
    .description('list accelerator kinds, their instance/machine/TPU types per cloud, where offered and $/h')
    .addOption(new Option('--cloud <cloud>', 'only this cloud').choices(['aws', 'gcp']))
    .option('--accelerator <id>', 'only this accelerator kind (e.g. a100-40gb)')
    .option('--json', 'print the catalog as JSON')
    .action(run(catalogCommand));

  cli
    .command('fork')
    .description('create teams/<new-team>.yaml as a copy of an existing team')
    .argument('<new-team>', 'name of the new team (lowercase letters, digits, dashes)')
    .option('--from <team>', 'team to copy', 'example')
    .option('--force', 'overwrite an existing team file')
    .action(run(forkCommand));

  const images = cli
    .command('images')
    .description('machine images hosts boot (DLAMI, Deep Learning VM): pin them in images/lock.json');
  images
    .command('pin')
    .description(
      'resolve each image alias (DLAMI SSM parameter, DLVM image family) for the teams\' regions and pin the ids in ' +
        'images/lock.json; --check writes nothing and exits 1 on drift (needs AWS and Google Cloud credentials)',
    )
    .argument('[team...]', 'team names or paths to team files (default: every file in teams/)')
    .addOption(new Option('--cloud <cloud>', 'only this cloud').choices(['aws', 'gcp']))
    .option('--check', 'compare the lock with what the aliases resolve to now; write nothing, exit 1 on drift')
    .option('--json', 'print the result as JSON')
    .action(run(imagesPinCommand));

  cli
    .command('start')
    .description(
      "start a burst on a deployed team: on AWS size a fleet's Auto Scaling group or start the dev box, set its deadline " +
        "and turn egress on; on GCP resize a fleet's managed instance group, start the dev box or queue a TPU node; prints " +
        'how to reach the hosts (needs cloud credentials)',
    )
    .argument('<team>', 'team name or path to its team file')
    .argument('<target>', "a fleet or TPU node name from the team file, or 'devbox'")
    .option('--nodes <n>', "nodes to start, 1 to the fleet's nodes (default: all)")
    .option('--no-egress', 'leave the NAT gateway off (hosts reach S3 only, through the gateway endpoint)')
    .option('--no-wait', 'return once the burst is requested, without waiting for the hosts')
    .option('--json', 'print the result as one JSON document (progress stays on stderr)')
    .addOption(new Option('--cloud <cloud>', "which cloud's target to start when both have one of that name (default: aws)").choices(['aws', 'gcp']))
    .action(run(startCommand));

  const sweep = cli
    .command('sweep')
    .description('hyperparameter sweeps on a sweep group: AWS Batch array jobs or Google Cloud Batch jobs (needs cloud credentials)');
  sweep
    .command('submit')
    .description(
      'submit N trials to <team>-<group> as one array job; each trial reads its parameters by array index and checkpoints under its own prefix',
    )
    .argument('<team>', 'team name or path to its team file')
    .argument('<group>', 'sweep group (aws.sweeps[].name or gcp.sweeps[].name)')
    .option('--trials <n>', 'trials, 1 to 10000 (default: one per entry of --params)')
    .option('--params <file>', 'JSON array, YAML list or JSON lines: one object of parameters per trial')
    .option('--name <run>', 'run name (default <group>-<yyyymmdd-hhmmss>, UTC); an existing run is resubmitted and its trials resume')
    .option('--no-egress', "(AWS only) do not turn the burst stack's NAT gateway on first")
    .option('--json', 'print the result as JSON')
    .action(run(sweepSubmitCommand));
  sweep
    .command('status')
    .description("a team's sweeps of the last 7 days, or one sweep's trial counts and failed trials")
    .argument('<team>', 'team name or path to its team file')
    .argument('[job]', 'job id or run name')
    .option('--json', 'print the result as JSON')
    .action(run(sweepStatusCommand));

  cli
    .command('down')
    .description(
      "tear a team's burst down and keep its data: running hosts sync their checkpoints, <team>-burst is destroyed (cdk destroy) " +
        'and the Pulumi stack <team> minus its protected resources; then the leak report, exit 1 if anything billable remains (needs cloud credentials)',
    )
    .argument('<team>', 'team name or path to its team file')
    .addOption(new Option('--cloud <cloud>', 'only this cloud (default: every cloud the team file has)').choices(['aws', 'gcp']))
    .option('--yes', 'destroy without asking (required without a terminal)')
    .option('--force', 'destroy even while a sweep runs (its jobs stop)')
    .option('--json', 'print the result as one JSON document (progress stays on stderr)')
    .action(run(downCommand));

  cli
    .command('leaks')
    .description(
      'list everything billable still tagged (AWS) or labelled (GCP) with the team: what it bills and the command that removes it; ' +
        'read-only; exit 0 clean, 1 leaks, 3 some kinds could not be checked (needs cloud credentials)',
    )
    .argument('<team>', 'team name or path to its team file')
    .addOption(new Option('--cloud <cloud>', 'only this cloud (default: every cloud the team file has)').choices(['aws', 'gcp']))
    .option('--json', 'print the report as one JSON document (progress stays on stderr)')
    .action(run(leaksCommand));

  return cli;
}

/** Runs the CLI with `argv` (process.argv form) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const cli = program((c) => (code = c));
  try {
    await cli.parseAsync([...argv]);
    return code;
  } catch (err) {
    return reportError(err);
  }
}

/** Prints an error for a person and returns the exit code. */
export function reportError(err: unknown): number {
  if (err instanceof CommanderError) {
    // Commander has already printed help, version or the usage error.
    return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof TeamFileError) {
    process.stderr.write(`${style.bad('invalid team files')}\n`);
    for (const p of err.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
    return EXIT.invalid;
  }
  if (err instanceof PolicyValidationError) {
    process.stderr.write(`burst: ${err.message}; a team file setting or a gpu-burst construct breaks a rule:\n`);
    for (const f of err.findings) process.stderr.write(`  ${f}\n`);
    return EXIT.invalid;
  }
  if (err instanceof UserError) {
    process.stderr.write(`burst: ${err.message}\n`);
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`burst: internal error: ${message}\n`);
  if (process.env['BURST_DEBUG'] && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  else process.stderr.write('(this is a bug in gpu-burst; set BURST_DEBUG=1 to see where it happened)\n');
  return EXIT.internal;
}
