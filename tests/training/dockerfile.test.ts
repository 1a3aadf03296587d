/**
 * Lints the training image's Dockerfile. Docker cannot run on this machine, so the image is never
 * built here: dockerfile-utils (the VS Code Docker language server's validator) checks syntax and
 * instructions, and the rules below check what reproducibility needs (hadolint's DL3002, DL3006,
 * DL3007, DL3013, DL3025, DL3042 in spirit).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../spec/paths.js';

const DIR = join(PROJECT_ROOT, 'images', 'training');
const text = readFileSync(join(DIR, 'Dockerfile'), 'utf8');
const dockerfile = DockerfileParser.parse(text);
const instructions = dockerfile.getInstructions();

function args(keyword: string): string[] {
  return instructions.filter((i) => i.getKeyword() === keyword).map((i) => i.getArgumentsContent() ?? '');
}

describe('training image Dockerfile', () => {
  it('has no syntax or instruction problems', () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('pins every base image by digest, never by a moving tag (DL3006, DL3007)', () => {
    const froms = args('FROM');
    expect(froms.length).toBeGreaterThan(0);
    for (const from of froms) {
      expect(from).toMatch(/^\S+@sha256:[0-9a-f]{64}(\s+AS\s+\S+)?$/i);
      expect(from).not.toMatch(/:latest\b/);
    }
  });

  it('runs as an unprivileged user (DL3002)', () => {
    const users = args('USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:|$)/);
  });

  it('uses the exec form for ENTRYPOINT and CMD, with burst_entry.py as the entry (DL3025)', () => {
    for (const keyword of ['ENTRYPOINT', 'CMD']) {
      const [value] = args(keyword);
      expect(() => JSON.parse(value ?? '')).not.toThrow();
    }
    expect(JSON.parse(args('ENTRYPOINT')[0] ?? '[]')).toEqual(['python', '/opt/gpu-burst/burst_entry.py']);
  });

  it('installs Python packages without a cache, from a requirements file where every package is pinned (DL3013, DL3042)', () => {
    for (const run of args('RUN').filter((r) => /pip install/.test(r))) expect(run).toContain('--no-cache-dir');
    const requirements = readFileSync(join(DIR, 'requirements.txt'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(requirements.length).toBeGreaterThan(0);
    for (const line of requirements) expect(line).toMatch(/^[A-Za-z0-9_.-]+==[0-9][\w.]*$/);
  });

  it('copies only files that exist in the build context', () => {
    for (const copy of args('COPY')) {
      const sources = copy.split(/\s+/).filter((p) => !p.startsWith('--')).slice(0, -1);
      for (const source of sources) expect(existsSync(join(DIR, source)), source).toBe(true);
    }
  });
});
