/**
 * Every recorded utilisation trace in images/agent/traces/ replays (`gpu_burst_agent.py replay`)
 * to its expected decision, and every idle decision comes within the idle window plus one sample of
 * the moment the host really went idle (never more than window + 10 s).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TRACES_DIR, agentConfig, replayTrace } from './fakes.js';

const TRACE_FILES = readdirSync(TRACES_DIR).filter((f) => f.endsWith('.json')).sort();

describe.concurrent('recorded traces', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpu-burst-replay-'));
  const baseConfig = join(dir, 'agent.json');
  writeFileSync(baseConfig, JSON.stringify(agentConfig(dir, 'http://127.0.0.1:9')));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('cover the scenarios the benchmark reports', () => {
    expect(TRACE_FILES).toEqual(expect.arrayContaining([
      'steady-training-then-idle.json', 'stalled-loop-holding-memory.json', 'bursty-short-gaps.json',
      'interactive-session-then-idle.json', 'nvidia-smi-failure-ttl.json',
    ]));
  });

  it.for(TRACE_FILES)('%s replays to its expected decision', (file) => {
    const trace = JSON.parse(readFileSync(join(TRACES_DIR, file), 'utf8')) as { name: string; expect: { decision: string } };
    const result = replayTrace(join(TRACES_DIR, file), baseConfig);
    expect(result.trace).toBe(trace.name);
    expect(result.decision).toBe(trace.expect.decision);
    if (result.decision === 'idle') {
      expect(result.idleToShutdownSeconds).toBeGreaterThanOrEqual(result.windowSeconds);
      expect(result.idleToShutdownSeconds).toBeLessThanOrEqual(result.windowSeconds + result.sampleSeconds);
      expect(result.idleToShutdownSeconds).toBeLessThanOrEqual(result.windowSeconds + 10);
    }
    if (result.decision === 'ttl') expect(result.idleToShutdownSeconds).toBeNull();
  });
});
