/**
 * The on-host agent's Python: parses as Python 3.8 (the oldest python3 on the images it runs on),
 * pyflakes3 reports nothing, and its unittest suite passes. pyflakes3 is required, never skipped.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../spec/paths.js';

const AGENT_DIR = join(PROJECT_ROOT, 'images', 'agent');
const PYTHON_FILES = readdirSync(AGENT_DIR).filter((f) => f.endsWith('.py')).sort();

function run(command: string, args: string[]): { status: number | null; output: string; missing: boolean } {
  const result = spawnSync(command, args, { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 60_000 });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { status: result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}`, missing };
}

describe.concurrent('images/agent Python', () => {
  it('has the agent and its tests', () => {
    expect(PYTHON_FILES).toEqual(['gpu_burst_agent.py', 'test_agent.py']);
  });

  it.for(PYTHON_FILES)('%s parses as Python 3.8', (file) => {
    const check = 'import ast, sys; ast.parse(open(sys.argv[1]).read(), filename=sys.argv[1], feature_version=(3, 8))';
    const result = run('python3', ['-c', check, join(AGENT_DIR, file)]);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('pyflakes3 reports nothing', () => {
    const result = run('pyflakes3', PYTHON_FILES.map((f) => join(AGENT_DIR, f)));
    if (result.missing) throw new Error('pyflakes3 is not installed: apt-get install pyflakes3');
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  });

  it('python3 -m unittest discover passes', () => {
    const result = run('python3', ['-m', 'unittest', 'discover', '-s', 'images/agent', '-p', 'test_*.py']);
    expect(result.output).toMatch(/^OK$/m);
    expect(result.status, result.output).toBe(0);
  });
});
