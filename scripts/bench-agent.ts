/**
 * `npm run bench:agent`: replays every recorded utilisation trace (images/agent/traces/) through the
 * agent's decision core (`gpu_burst_agent.py replay`, simulated time) and prints, per scenario, the
 * idle window, the sample interval, the decision and how long after the host really went idle it
 * was removed. Prints figures; no assertions (the replay tests assert).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRACES_DIR, agentConfig, replayTrace } from '../tests/agent/fakes.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
const baseConfig = join(dir, 'agent.json');
writeFileSync(baseConfig, JSON.stringify(agentConfig(dir, 'http://127.0.0.1:9')));

const minutes = (seconds: number | null): string => (seconds === null ? '-' : `${(seconds / 60).toFixed(1)} min`);
const rows = readdirSync(TRACES_DIR).filter((f) => f.endsWith('.json')).sort().map((file) => {
  const started = process.hrtime.bigint();
  const result = replayTrace(join(TRACES_DIR, file), baseConfig);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  return [
    result.trace,
    `${result.windowSeconds} s`,
    `${result.sampleSeconds} s`,
    result.decision + (result.expected && result.expected !== result.decision ? ` (expected ${result.expected})` : ''),
    minutes(result.atSeconds),
    result.idleToShutdownSeconds === null ? '-' : `${result.idleToShutdownSeconds} s`,
    result.idleToShutdownSeconds === null ? '-' : `+${(result.idleToShutdownSeconds - result.windowSeconds).toFixed(0)} s`,
    `${wallMs.toFixed(0)} ms`,
  ];
});
rmSync(dir, { recursive: true, force: true });

const header = ['scenario', 'window', 'sample', 'decision', 'at', 'idle->shutdown', 'over window', 'replay wall'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const row of rows) console.log(line(row));
