/** cdk-nag AwsSolutions and NIST 800-53 R5: no unacknowledged finding (A1), every acknowledgment narrow and reasoned (A2). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations, type Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, NIST80053R5Checks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { acknowledge, MIN_REASON_LENGTH } from '../../constructs/aws/nag.js';
import { buildAwsApp } from '../../stacks/aws/build.js';
import { loadTeamFile } from '../../spec/load.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { examplePlan, synthTeam } from '../helpers.js';

let stacks: Stack[];

beforeAll(() => {
  const { storage, burst } = synthTeam();
  // A second team with every AWS feature (multi-node EFA, on-demand, Trainium, CPU dev box).
  const research = synthTeam(loadTeamFile(join(PROJECT_ROOT, 'tests', 'fixtures', 'teams', 'research.yaml')));
  stacks = [storage, burst, research.storage, research.burst];
});

const packs = (): NagPack[] => [new AwsSolutionsChecks(), new NIST80053R5Checks()];

/** A pack that ignores acknowledgments, to see every raw finding. */
function rawPack<T extends NagPack>(pack: T): T {
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack;
}

interface Ack {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

function acknowledgments(scope: IConstruct): Ack[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('A1 zero unacknowledged findings', () => {
  it.each(['AwsSolutions', 'NIST.800.53.R5'])('%s: no error or warning on any stack of the example and the every-feature team', (packName) => {
    for (const stack of stacks) {
      const pack = packs().find((p) => p.readPackName === packName) as NagPack;
      const report = pack.validateScope(stack);
      expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(',')}`), stack.stackName).toEqual([]);
    }
  });

  it('the app registers both packs: the example synthesizes, a non-compliant resource fails synthesis', () => {
    const plan = examplePlan().aws;
    if (!plan) throw new Error('example has no aws section');
    const clean = buildAwsApp([plan], { outdir: mkdtempSync(join(tmpdir(), 'nag-ok-')) });
    expect(() => clean.app.synth()).not.toThrow();

    const dirty = buildAwsApp([plan], { outdir: mkdtempSync(join(tmpdir(), 'nag-bad-')) });
    new s3.Bucket(dirty.teams.get('example')?.burst as Stack, 'Unlogged');
    expect(() => dirty.app.synth()).toThrow(/server access logs disabled/);
  });
});

describe('A2 acknowledgments', () => {
  it('use bare rule ids, give a reason of 20+ characters, and each matches a real finding on that construct', () => {
    // CDK's own CloudFormation-Validate plugin records acknowledgments too (W3010 for explicit zones); A2 is about cdk-nag's.
    const recorded = stacks.flatMap(acknowledgments);
    for (const ack of recorded) expect(ack.id, ack.path).not.toMatch(/^(AwsSolutions|NIST\.800\.53\.R5)::/);
    const all = recorded.filter((a) => /^(AwsSolutions|NIST\.800\.53\.R5)/.test(a.id));
    expect(all.length).toBeGreaterThan(0);
    const raw = stacks.flatMap((stack) => packs().map(rawPack).flatMap((p) => p.validateScope(stack).violations));
    for (const ack of all) {
      expect(ack.id.split('[')[0], ack.path).not.toContain('::');
      expect(ack.id, ack.path).toMatch(/^(AwsSolutions|NIST\.800\.53\.R5)-/);
      expect(ack.reason.trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
      const finding = raw.find(
        (v) => v.ruleName === ack.id && v.violatingResources.some((r) => r.constructPath === ack.path || (r.constructPath ?? '').startsWith(`${ack.path}/`)),
      );
      expect(finding, `${ack.id} at ${ack.path} acknowledges nothing`).toBeDefined();
    }
  });

  it('acknowledge() refuses the Pack::Rule form and short reasons', () => {
    const stack = stacks[0] as Stack;
    expect(() => acknowledge(stack, 'AwsSolutions::AwsSolutions-S1', 'a reason long enough to pass')).toThrow(/bare rule id/);
    expect(() => acknowledge(stack, 'AwsSolutions-S1', 'too short')).toThrow(/20\+ characters/);
  });
});
