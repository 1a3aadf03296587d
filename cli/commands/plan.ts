import type { Command } from 'commander';
import { STALE_AFTER_DAYS, loadImageLock } from '../../spec/images.js';
import { columns, printJson, style, usd } from '../output.js';
import type { PlannedCloud, PlannedImage, PlannedTeam } from '../plan-report.js';
import { loadSelected } from '../teams.js';

function cloudLines(cloud: 'aws' | 'gcp', planned: PlannedCloud): string[] {
  const where = cloud === 'aws' ? `region ${planned.region}` : `project ${planned.project ?? '?'}, region ${planned.region}`;
  const tool = cloud === 'aws' ? 'CDK' : 'Pulumi';
  const out = [`  ${style.heading(cloud.toUpperCase())} ${style.dim(`(${tool}, ${where})`)}`];
  for (const stack of planned.stacks) {
    const count = `${stack.resources.length} resource${stack.resources.length === 1 ? '' : 's'}`;
    out.push(
      `    ${style.heading(stack.name)}  ${count}  standing ${usd(stack.cost.usdPerHour, '/h')}  ${usd(stack.cost.usdPerMonth, '/month')}`,
    );
    out.push(...columns(stack.resources.map((r) => [r.type, r.name]), '      '));
  }
  return out;
}

function imageState(image: PlannedImage): string {
  if (image.status === 'unpinned') return `${style.warn('unpinned')}  boots ${image.alias}`;
  const id = image.id ?? '?';
  if (image.staleBecause === 'alias') return `${style.warn('stale')}  ${id} was pinned from another alias than ${image.alias}`;
  return `${style.warn('stale')}  ${id} resolved ${image.resolvedAt?.slice(0, 10) ?? '?'}, ${image.ageDays ?? '?'} days ago`;
}

/** The Images block of a team: every unpinned or stale image, and how to pin it. */
export function imageLines(team: PlannedTeam): string[] {
  const images = [...(team.clouds.aws?.images ?? []), ...(team.clouds.gcp?.images ?? [])];
  if (images.length === 0) return [];
  const off = images.filter((i) => i.status !== 'pinned');
  if (off.length === 0) return [`  ${style.heading('Images')}: all ${images.length} pinned in images/lock.json`];
  const unpinned = off.filter((i) => i.status === 'unpinned').length;
  const stale = off.length - unpinned;
  const what = [
    unpinned > 0 ? `${unpinned} unpinned` : '',
    stale > 0 ? `${stale} stale: pinned over ${STALE_AFTER_DAYS} days ago or from an old alias` : '',
  ]
    .filter((w) => w !== '')
    .join(', ');
  return [
    `  ${style.heading('Images')}: ${off.length} of ${images.length} need pinning (${what}); an unpinned host boots whatever ` +
      `its alias points to that day. Pin them: npx burst images pin ${team.team}`,
    ...columns(off.map((i) => [i.cloud, i.region ?? 'global', i.kind, imageState(i)]), '    '),
  ];
}

function teamLines(team: PlannedTeam): string[] {
  const out = [`${style.heading(`team ${team.team}`)} ${style.dim(team.file)}`];
  if (team.clouds.aws) out.push(...cloudLines('aws', team.clouds.aws));
  if (team.clouds.gcp) out.push(...cloudLines('gcp', team.clouds.gcp));
  out.push(...imageLines(team));
  out.push(
    `  ${style.heading('At rest')}: ${usd(team.cost.standingUsdPerHour, '/h')}, ${usd(team.cost.standingUsdPerMonth, '/month')} ` +
      'standing; nothing else bills until data is stored or a burst runs. Usage rates:',
  );
  out.push(
    ...columns(
      team.cost.usage.map((u) => [u.cloud, u.what, usd(u.usd, `/${u.unit}`), style.dim(`${u.asOf} ${u.source}`)]),
      '    ',
    ),
  );
  if (team.cost.running.length > 0) {
    out.push(`  ${style.heading('While a burst runs')} (at full size, each item only while it runs):`);
    out.push(
      ...columns(
        team.cost.running.map((r) => [r.cloud, r.item, usd(r.usdPerHour, '/h'), style.dim(`on-demand ${usd(r.onDemandUsdPerHour, '/h')}`), r.basis]),
        '    ',
      ),
    );
  }
  return out;
}

/** `burst plan [team...] [--json]`. */
export async function planCommand(teams: string[], opts: { json?: boolean }, cmd: Command): Promise<number> {
  const specs = loadSelected(teams, cmd);
  const lock = loadImageLock();
  if (!opts.json) process.stderr.write(style.dim(`planning ${specs.length} team${specs.length === 1 ? '' : 's'} (CDK synth + Pulumi mocks, offline)...\n`));
  // Team files are valid before CDK and Pulumi load (seconds), so a typo fails fast.
  const { planReport } = await import('../plan-report.js');
  const report = await planReport(specs, { lock });
  if (opts.json) {
    printJson(report);
    return 0;
  }
  const blocks = report.teams.map((t) => teamLines(t).join('\n'));
  process.stdout.write(`${blocks.join('\n\n')}\n`);
  return 0;
}
