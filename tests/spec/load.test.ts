import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCidr, isPrivate, networkOf, parseCidr } from '../../spec/cidr.js';
import { loadTeamFiles, resolveTeamArgs, suggestTeam, teamFilesIn } from '../../spec/load.js';
import { TeamFileError, formatPath, formatProblem } from '../../spec/problems.js';
import { closest, didYouMean, listForMessage } from '../../spec/suggest.js';
import { EXAMPLE_FILE } from '../helpers.js';

function dirWithExample(): string {
  const dir = mkdtempSync(join(tmpdir(), 'teams-'));
  copyFileSync(EXAMPLE_FILE, join(dir, 'example.yaml'));
  return dir;
}

describe('finding team files', () => {
  it('lists *.yaml in a directory, sorted; a missing directory has none', () => {
    const dir = dirWithExample();
    writeFileSync(join(dir, 'alpha.yaml'), 'aws: {}\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a team');
    expect(teamFilesIn(dir).map((f) => f.slice(dir.length + 1))).toEqual(['alpha.yaml', 'example.yaml']);
    expect(teamFilesIn(join(dir, 'nope'))).toEqual([]);
  });

  it('resolves bare names in the teams directory and keeps paths as given', () => {
    expect(resolveTeamArgs(['vision', 'other/x.yaml', 'y.yml'], '/t')).toEqual(['/t/vision.yaml', 'other/x.yaml', 'y.yml']);
    expect(suggestTeam('exampel', dirWithExample())).toBe('example');
    expect(suggestTeam('zzzzzz', dirWithExample())).toBeUndefined();
  });

  it('reports a missing file and a team defined twice', () => {
    const dir = dirWithExample();
    writeFileSync(join(dir, 'twin.yaml'), 'aws: {}\n');
    const other = mkdtempSync(join(tmpdir(), 'teams-'));
    writeFileSync(join(other, 'twin.yaml'), 'aws: {}\n');
    try {
      loadTeamFiles([join(dir, 'missing.yaml'), join(dir, 'twin.yaml'), join(other, 'twin.yaml')]);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(TeamFileError);
      const lines = (err as TeamFileError).problems.map(formatProblem);
      expect(lines[0]).toMatch(/missing\.yaml {2}no such file Fix: check the path, or run `burst fork <team>`/);
      expect(lines[1]).toMatch(/twin\.yaml {2}team 'twin' is also defined by .*twin\.yaml Fix: give each team one file\./);
    }
  });
});

describe('messages', () => {
  it('formats field paths as written in YAML', () => {
    expect(formatPath(['aws', 'availabilityZones', 1])).toBe('aws.availabilityZones[1]');
    expect(formatPath([])).toBe('');
  });

  it('suggests close names only', () => {
    expect(closest('regoin', ['region', 'vpcCidr'])).toBe('region');
    expect(closest('us-est-1', ['us-east-1', 'eu-west-1'])).toBe('us-east-1');
    expect(closest('banana', ['region', 'vpcCidr'])).toBeUndefined();
    expect(didYouMean('tpus', ['region'])).toBe('');
    expect(listForMessage(['a', 'b', 'c'], 2)).toBe("'a', 'b', ... (3 in all)");
  });
});

describe('CIDR arithmetic', () => {
  it('parses, normalizes and classifies blocks', () => {
    expect(parseCidr('10.64.0.0/16')).toEqual({ address: 10 * 2 ** 24 + 64 * 2 ** 16, prefix: 16 });
    expect(parseCidr('10.300.0.0/16')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(formatCidr(networkOf(parseCidr('10.64.7.9/20')!))).toBe('10.64.0.0/20');
    expect(isPrivate(parseCidr('172.20.0.0/16')!)).toBe(true);
    expect(isPrivate(parseCidr('172.32.0.0/16')!)).toBe(false);
    expect(isPrivate(parseCidr('192.168.4.0/24')!)).toBe(true);
    expect(isPrivate(parseCidr('8.8.0.0/16')!)).toBe(false);
  });
});
