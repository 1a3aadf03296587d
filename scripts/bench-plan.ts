/**
 * `npm run bench:plan [-- 1 25]`: how long `burst plan` takes for N copies of the example team
 * (each a forked team file), spawned as a user runs it, and what it builds per stack. Prints
 * figures; no assertions (timed tests are not tests).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanReport } from '../cli/plan-report.js';
import { PROJECT_ROOT } from '../spec/paths.js';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const runs = counts.length > 0 ? counts : [1, 25];

function teamsDirWith(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), `bench-${n}-`));
  const example = readFileSync(join(PROJECT_ROOT, 'teams', 'example.yaml'), 'utf8');
  copyFileSync(join(PROJECT_ROOT, 'teams', 'example.yaml'), join(dir, 'example.yaml'));
  for (let i = 2; i <= n; i++) writeFileSync(join(dir, `team-${String(i).padStart(2, '0')}.yaml`), example);
  return dir;
}

for (const n of runs) {
  const dir = teamsDirWith(n);
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [join(PROJECT_ROOT, 'bin', 'burst.js'), 'plan', '--json', '--teams-dir', dir], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(dir, { recursive: true, force: true });
  if (result.status !== 0) {
    console.error(result.stderr);
    process.exit(1);
  }
  const report = JSON.parse(result.stdout) as PlanReport;
  const first = report.teams[0];
  const perStack = [...(first?.clouds.aws?.stacks ?? []), ...(first?.clouds.gcp?.stacks ?? [])]
    .map((s) => `${s.name.replace(first?.team ?? '', '<team>')}=${s.resources.length}`)
    .join(', ');
  const total = report.teams.reduce(
    (sum, t) => sum + [...(t.clouds.aws?.stacks ?? []), ...(t.clouds.gcp?.stacks ?? [])].reduce((s, st) => s + st.resources.length, 0),
    0,
  );
  console.log(
    `${String(n).padStart(3)} team(s): burst plan ${seconds.toFixed(2)} s wall (${(seconds / n).toFixed(2)} s/team); ` +
      `resources per team: ${perStack}; ${total} resources in all`,
  );
}
