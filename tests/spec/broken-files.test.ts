/**
 * The corpus of broken team files (checklist X2): each file in tests/fixtures/broken/ with every
 * message it must produce, exactly. Messages name the file, line, field, what is wrong and the fix.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTeamFiles, parseTeamFile } from '../../spec/load.js';
import { TeamFileError, formatProblem } from '../../spec/problems.js';
import { hasStackTrace, runCli } from '../helpers.js';

const DIR = 'tests/fixtures/broken';

/** Every broken file and the exact lines `burst validate` prints for it (file prefix omitted). */
const EXPECTED: Record<string, string[]> = {
  '9lives.yaml': [
    "9lives.yaml  '9lives' is not a valid team name (the team name is the file name) Fix: a team name is 2 to 30 lowercase letters, digits and dashes, starting with a letter and not ending with a dash; rename the file to lives.yaml.",
  ],
  'Bad_Team.yaml': [
    "Bad_Team.yaml  'Bad_Team' is not a valid team name (the team name is the file name) Fix: a team name is 2 to 30 lowercase letters, digits and dashes, starting with a letter and not ending with a dash; rename the file to bad-team.yaml.",
  ],
  'aws-zone-not-in-region.yaml': [
    "aws-zone-not-in-region.yaml:3:35  aws.availabilityZones[1]: 'us-west-2b' is not a zone of us-east-1; did you mean 'us-east-1b'? Fix: use zones of us-east-1: 'us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'.",
  ],
  'bad-cidr.yaml': [
    "bad-cidr.yaml:2:12  aws.vpcCidr: '10.64.0.0' is not an IPv4 CIDR block (address/prefix length) Fix: e.g. 10.64.0.0/16.",
  ],
  'bad-cost-center.yaml': [
    "bad-cost-center.yaml:1:13  costCenter: 'ML Research' must be lowercase letters, digits, \"_\" or \"-\" (at most 63), so that GCP labels accept it Fix: e.g. ml-research.",
  ],
  'bad-gcp-project.yaml': [
    "bad-gcp-project.yaml:2:12  gcp.project: 'My_Project' is not a GCP project ID: 6 to 30 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen Fix: e.g. acme-ml-training.",
  ],
  'bad-tag-key.yaml': [
    "bad-tag-key.yaml:2:3  tags.Project: the key 'Project' must start with a lowercase letter and use only lowercase letters, digits, \"_\" or \"-\" (at most 63) Fix: rename the key.",
  ],
  'bool-for-string.yaml': [
    "bool-for-string.yaml:2:12  gcp.project: expected a string, got the value true Fix: write a string, e.g. acme-ml-training.",
  ],
  'cidr-host-bits.yaml': [
    "cidr-host-bits.yaml:2:12  aws.vpcCidr: '10.64.1.0/16' has host bits set Fix: write the network address: 10.64.0.0/16.",
  ],
  'cidr-too-big.yaml': [
    "cidr-too-big.yaml:3:15  gcp.subnetCidr: '10.0.0.0/8' is a /8; the burst network must be between /16 and /24 Fix: use a /16 to /24 block, e.g. 10.64.0.0/16.",
  ],
  'comments-only.yaml': [
    "comments-only.yaml  the file is empty Fix: a team file needs at least an aws: or gcp: section; copy teams/example.yaml to start.",
  ],
  'duplicate-keys.yaml': [
    "duplicate-keys.yaml:3:3  YAML: the key 'region' appears twice in the same mapping Fix: keep one of them.",
  ],
  'duplicate-zone.yaml': [
    "duplicate-zone.yaml:2:35  aws.availabilityZones[1]: 'us-east-1a' is listed twice Fix: list each zone once.",
  ],
  'empty-section.yaml': [
    "empty-section.yaml:1:5  aws: expected a mapping of fields (indented \"key: value\" lines), got nothing Fix: write a mapping of fields (indented \"key: value\" lines).",
  ],
  'empty.yaml': [
    "empty.yaml  the file is empty Fix: a team file needs at least an aws: or gcp: section; copy teams/example.yaml to start.",
  ],
  'gcp-project-too-short.yaml': [
    "gcp-project-too-short.yaml:2:12  gcp.project: 'abc' is not a GCP project ID: 6 to 30 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen Fix: e.g. acme-ml-training.",
  ],
  'gcp-zone-typo.yaml': [
    "gcp-zone-typo.yaml:4:26  gcp.zones[1]: 'us-centrl1-b' is not a zone of us-central1; did you mean 'us-central1-b'? Fix: use zones of us-central1: 'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'.",
  ],
  'list-for-mapping.yaml': [
    "list-for-mapping.yaml:2:3  aws: expected a mapping of fields (indented \"key: value\" lines), got a list Fix: write a mapping of fields (indented \"key: value\" lines).",
  ],
  'many-problems.yaml': [
    "many-problems.yaml:1:1  stroage: unknown field 'stroage' in a team file; did you mean 'storage'? Fix: remove it, or use one of 'description', 'costCenter', 'tags', 'storage', 'aws', 'gcp'.",
    "many-problems.yaml:3:13  costCenter: 'ML' must be lowercase letters, digits, \"_\" or \"-\" (at most 63), so that GCP labels accept it Fix: e.g. ml-research.",
    "many-problems.yaml:5:11  aws.region: 'us-est-1' is not an AWS region gpu-burst knows; did you mean 'us-east-1'? Fix: use one of 'us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'eu-north-1', 'ap-northeast-1', 'ap-southeast-2'.",
    "many-problems.yaml:6:12  aws.vpcCidr: '8.8.0.0/16' is not a private (RFC 1918) range Fix: use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.",
    "many-problems.yaml:8:12  gcp.project: 'X' is not a GCP project ID: 6 to 30 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen Fix: e.g. acme-ml-training.",
    "many-problems.yaml:10:21  gcp.storage.softDeleteDays: 3 is out of range: it must be at least 7 Fix: write a whole number from 7 to 90, e.g. 7.",
  ],
  'mapping-for-list.yaml': [
    "mapping-for-list.yaml:4:5  aws.availabilityZones: expected a list (\"- item\" lines or [a, b]), got a mapping Fix: write a list (\"- item\" lines or [a, b]), e.g. [us-east-1a, us-east-1b, us-east-1c].",
  ],
  'missing-gcp-project.yaml': [
    "missing-gcp-project.yaml:2:3  gcp.project: is required Fix: add it: a string, e.g. acme-ml-training.",
  ],
  'no-cloud.yaml': [
    "no-cloud.yaml:1:1  the file has neither an aws: nor a gcp: section, so it builds nothing Fix: add at least one, e.g. 'aws:' with 'region: us-east-1' under it.",
  ],
  'one-zone.yaml': [
    "one-zone.yaml:2:22  aws.availabilityZones: has 1 entry; it needs at least 2 Fix: write a list (\"- item\" lines or [a, b]), e.g. [us-east-1a, us-east-1b, us-east-1c].",
  ],
  'public-cidr.yaml': [
    "public-cidr.yaml:2:12  aws.vpcCidr: '8.8.0.0/16' is not a private (RFC 1918) range Fix: use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.",
  ],
  'reserved-tag.yaml': [
    "reserved-tag.yaml:2:9  tags.team: 'team' is set by gpu-burst itself Fix: remove it; gpu-burst reserves 'team', 'cost-center', 'managed-by'.",
  ],
  'retention-fraction.yaml': [
    "retention-fraction.yaml:2:22  storage.untaggedImageDays: expected a whole number from 1 to 3650, got the number 2.5 Fix: write a whole number from 1 to 3650, e.g. 14.",
  ],
  'retention-too-long.yaml': [
    "retention-too-long.yaml:2:26  storage.noncurrentVersionDays: 5000 is out of range: it must be at most 3650 Fix: write a whole number from 1 to 3650, e.g. 30.",
  ],
  'retention-zero.yaml': [
    "retention-zero.yaml:2:25  storage.incompleteUploadDays: 0 is out of range: it must be at least 1 Fix: write a whole number from 1 to 365, e.g. 7.",
  ],
  'scalar-file.yaml': [
    "scalar-file.yaml:1:1  the file holds the string 'hello', not a mapping of fields Fix: write \"field: value\" lines at the top level, as in teams/example.yaml.",
  ],
  'soft-delete-too-long.yaml': [
    "soft-delete-too-long.yaml:4:21  gcp.storage.softDeleteDays: 120 is out of range: it must be at most 90 Fix: write a whole number from 7 to 90, e.g. 7.",
  ],
  'soft-delete-too-short.yaml': [
    "soft-delete-too-short.yaml:4:21  gcp.storage.softDeleteDays: 3 is out of range: it must be at least 7 Fix: write a whole number from 7 to 90, e.g. 7.",
  ],
  'tab-indent.yaml': [
    "tab-indent.yaml:2:1  YAML syntax: Tabs are not allowed as indentation Fix: correct the YAML (indent with spaces, \"key: value\", \"- item\" for lists).",
  ],
  'team-.yaml': [
    "team-.yaml  'team-' is not a valid team name (the team name is the file name) Fix: a team name is 2 to 30 lowercase letters, digits and dashes, starting with a letter and not ending with a dash; rename the file to team.yaml.",
  ],
  'team-field.yaml': [
    "team-field.yaml:1:1  team: 'team' is not a field of a team file Fix: the team name is the file name (teams/<team>.yaml); remove this field.",
  ],
  'top-level-list.yaml': [
    "top-level-list.yaml:1:1  the file holds a list, not a mapping of fields Fix: write \"field: value\" lines at the top level, as in teams/example.yaml.",
  ],
  'tpus-under-aws.yaml': [
    "tpus-under-aws.yaml:3:3  aws.tpus: 'tpus' is not a field of aws: Fix: TPUs exist only on Google Cloud; remove the block from aws: (TPU nodes belong under gcp:).",
  ],
  'unknown-aws-field.yaml': [
    "unknown-aws-field.yaml:2:3  aws.regoin: unknown field 'regoin' in aws:; did you mean 'region'? Fix: remove it, or use one of 'region', 'availabilityZones', 'vpcCidr'.",
  ],
  'unknown-aws-region.yaml': [
    "unknown-aws-region.yaml:2:11  aws.region: 'us-est-1' is not an AWS region gpu-burst knows; did you mean 'us-east-1'? Fix: use one of 'us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'eu-north-1', 'ap-northeast-1', 'ap-southeast-2'.",
  ],
  'unknown-field-and-bad-zone.yaml': [
    "unknown-field-and-bad-zone.yaml:2:3  aws.regoin: unknown field 'regoin' in aws:; did you mean 'region'? Fix: remove it, or use one of 'region', 'availabilityZones', 'vpcCidr'.",
    "unknown-field-and-bad-zone.yaml:3:35  aws.availabilityZones[1]: 'us-west-2b' is not a zone of us-east-1; did you mean 'us-east-1b'? Fix: use zones of us-east-1: 'us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'.",
  ],
  'unknown-gcp-region.yaml': [
    "unknown-gcp-region.yaml:3:11  gcp.region: 'us-centrl1' is not a GCP region gpu-burst knows; did you mean 'us-central1'? Fix: use one of 'us-central1', 'us-central2', 'us-east1', 'us-east4', 'us-east5', 'us-south1', 'us-west1', 'us-west4', 'europe-west4', 'europe-west1', 'asia-northeast1', 'asia-southeast1'.",
  ],
  'unknown-storage-location.yaml': [
    "unknown-storage-location.yaml:4:15  gcp.storage.location: 'moon' is not a Cloud Storage location gpu-burst knows Fix: use a region such as us-central1 or a multi-region (US, EU, ASIA).",
  ],
  'unknown-top-field.yaml': [
    "unknown-top-field.yaml:1:1  stroage: unknown field 'stroage' in a team file; did you mean 'storage'? Fix: remove it, or use one of 'description', 'costCenter', 'tags', 'storage', 'aws', 'gcp'.",
  ],
  'wrong-extension.yml': [
    "wrong-extension.yml  a team file must end in .yaml Fix: rename it to wrong-extension.yaml.",
  ],
  'wrong-type-number.yaml': [
    "wrong-type-number.yaml:2:26  storage.noncurrentVersionDays: expected a whole number from 1 to 3650, got the string 'thirty' Fix: write a whole number from 1 to 3650, e.g. 30.",
  ],
  'yaml-syntax.yaml': [
    "yaml-syntax.yaml:3:1  YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ] Fix: correct the YAML (indent with spaces, \"key: value\", \"- item\" for lists).",
  ],
  'zones-on-aws.yaml': [
    "zones-on-aws.yaml:3:3  aws.zones: 'zones' is not a field of aws: Fix: AWS calls them availabilityZones: rename the field.",
  ],
};

function problemsOf(name: string): string[] {
  const file = join(DIR, name);
  const result = parseTeamFile(file, readFileSync(file, 'utf8'));
  expect(result.spec).toBeUndefined();
  return result.problems.map((p) => formatProblem(p).replace(`${DIR}/`, ''));
}

describe('broken team files (X2)', () => {
  it('has at least 30 broken files, each with its expected messages', () => {
    const files = readdirSync(DIR).sort();
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
  });

  it.each(Object.entries(EXPECTED))('%s', (name, expected) => {
    expect(expected.length).toBeGreaterThan(0);
    expect(problemsOf(name)).toEqual(expected);
  });

  it('every message names the file and gives a fix', () => {
    for (const name of Object.keys(EXPECTED)) {
      for (const line of problemsOf(name)) {
        expect(line.startsWith(name)).toBe(true);
        expect(line).toContain(' Fix: ');
      }
    }
  });

  it('reports every problem of a file at once, in file order', () => {
    const lines = problemsOf('many-problems.yaml');
    expect(lines).toHaveLength(6);
    const lineNumbers = lines.map((l) => Number(/:(\d+):/.exec(l)?.[1]));
    expect(lineNumbers).toEqual([...lineNumbers].sort((a, b) => a - b));
  });

  it('loading several files throws one error carrying every problem of every file', () => {
    const files = ['unknown-aws-region.yaml', 'public-cidr.yaml'].map((f) => join(DIR, f));
    let caught: unknown;
    try {
      loadTeamFiles(files);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TeamFileError);
    const error = caught as TeamFileError;
    expect(new Set(error.problems.map((p) => p.file))).toEqual(new Set(files));
    expect(error.message).toContain('2 problems in');
  });

  it('reaches the user through the CLI with no stack trace and exit code 1', () => {
    const files = Object.keys(EXPECTED).map((f) => join(DIR, f));
    const result = runCli(['validate', ...files]);
    expect(result.status).toBe(1);
    expect(hasStackTrace(result.stdout + result.stderr)).toBe(false);
    for (const [name, expected] of Object.entries(EXPECTED)) {
      for (const line of expected) expect(result.stdout).toContain(`${DIR}/${line}`);
    }
  });
});
