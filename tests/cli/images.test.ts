/**
 * `burst images pin` through its exported function, with aws-sdk-client-mock for SSM and a fake
 * Compute images client; and the Images block of `burst plan` (planReport with an injected lock and
 * clock, and its rendering).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParametersCommand, SSMClient, type GetParametersCommandInput } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runImagesPin, sdkClients, type ImagesClientLike, type PinDeps, type PinOptions, type PinReport } from '../../cli/commands/images.js';
import { imageLines } from '../../cli/commands/plan.js';
import { reportError } from '../../cli/main.js';
import { planReport, type PlanReport } from '../../cli/plan-report.js';
import { awsImageKinds } from '../../spec/catalog/images.js';
import { parseImageLock, serializeImageLock, emptyImageLock, withAwsPins, type ImageLock } from '../../spec/images.js';
import { UserError } from '../../spec/problems.js';
import type { TeamSpec } from '../../spec/schema.js';
import { exampleSpec, hasStackTrace, specFromYaml } from '../helpers.js';

const NOW = new Date('2026-11-26T09:00:00.000Z');
const BASE = '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id';
const PYTORCH = '/aws/service/deeplearning/ami/x86_64/oss-nvidia-driver-gpu-pytorch-2.9-ubuntu-24.04/latest/ami-id';
const NEURON = '/aws/service/neuron/dlami/multi-framework/ubuntu-24.04/latest/image_id';
const AWS_CREDENTIALS = 'no AWS credentials: set AWS_PROFILE, run `aws sso login` or `aws configure`';
const GCP_CREDENTIALS = 'no Google Cloud credentials: run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS';

/** What the public parameters hold today, per region (made-up ids in the AMI format). */
const AMIS: Record<string, Record<string, string>> = {
  'us-east-1': { [BASE]: 'ami-0b1a5e00000000001', [PYTORCH]: 'ami-0b1a5e00000000002', [NEURON]: 'ami-0b1a5e00000000003' },
  'eu-west-1': { [BASE]: 'ami-0e1a5e00000000001', [PYTORCH]: 'ami-0e1a5e00000000002', [NEURON]: 'ami-0e1a5e00000000003' },
};
const FAMILIES: Record<string, string> = {
  'common-cu129-ubuntu-2204-nvidia-580': 'common-cu129-ubuntu-2204-nvidia-580-v20261120',
  'pytorch-2-9-cu129-ubuntu-2204-nvidia-580': 'pytorch-2-9-cu129-ubuntu-2204-nvidia-580-v20261120',
};

const ssm = mockClient(SSMClient);

/** SSM as it answers GetParameters: values for known names, the rest in InvalidParameters. */
function publicParameters(): void {
  ssm.on(GetParametersCommand).callsFake(async (input: GetParametersCommandInput, getClient: () => SSMClient) => {
    const region = await getClient().config.region();
    const known = AMIS[region] ?? {};
    const names = input.Names ?? [];
    return {
      Parameters: names.filter((n) => known[n]).map((n) => ({ Name: n, Value: known[n], Type: 'String' })),
      InvalidParameters: names.filter((n) => !known[n]),
    };
  });
}

interface FakeImages extends ImagesClientLike {
  readonly calls: string[];
}

/** A Compute images client that knows FAMILIES, or fails every call with `failure`. */
function fakeImages(failure?: Error): FakeImages {
  const calls: string[] = [];
  return {
    calls,
    async getFromFamily({ project, family }) {
      calls.push(`${project}/${family}`);
      if (failure) throw failure;
      const name = FAMILIES[family];
      if (!name) throw Object.assign(new Error(`The resource 'projects/${project}/global/images/family/${family}' was not found`), { code: 5 });
      return [{ name, selfLink: `https://www.googleapis.com/compute/v1/projects/${project}/global/images/${name}` }];
    },
    async close() {},
  };
}

interface Run {
  readonly code?: number;
  readonly error?: unknown;
  readonly stdout: string;
  readonly stderr: string;
  readonly lock: string;
  readonly images: FakeImages;
}

/** Runs the pin command against the mocks with a lock file holding `lock`. */
async function pin(specs: readonly TeamSpec[], opts: PinOptions = {}, lock: ImageLock = emptyImageLock(), images = fakeImages()): Promise<Run> {
  const lockFile = join(mkdtempSync(join(tmpdir(), 'burst-images-')), 'lock.json');
  writeFileSync(lockFile, serializeImageLock(lock));
  let stdout = '';
  let stderr = '';
  const deps: PinDeps = {
    clients: { ssm: (region) => new SSMClient({ region, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } }), images: () => images },
    lockFile,
    now: () => NOW,
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  };
  try {
    const code = await runImagesPin(specs, opts, deps);
    return { code, stdout, stderr, lock: readFileSync(lockFile, 'utf8'), images };
  } catch (error) {
    return { error, stdout, stderr, lock: readFileSync(lockFile, 'utf8'), images };
  }
}

/** What the CLI prints for an error and the exit code it returns. */
function reported(error: unknown): { code: number; stderr: string } {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: reportError(error), stderr };
  } finally {
    spy.mockRestore();
  }
}

const awsError = (name: string, message: string, metadata: object = {}) => Object.assign(new Error(message), { name, $metadata: metadata });

beforeEach(() => {
  ssm.reset();
  publicParameters();
});

afterEach(() => vi.restoreAllMocks());

describe('burst images pin', () => {
  it("writes the lock for the example team's region and the GCP families, with progress on stderr", async () => {
    const run = await pin([exampleSpec()]);
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(0);
    const lock = parseImageLock('lock.json', run.lock);
    expect(lock.aws['us-east-1']).toEqual({
      'dlami-base-gpu': { imageId: 'ami-0b1a5e00000000001', alias: BASE, resolvedAt: NOW.toISOString() },
      'dlami-pytorch-gpu': { imageId: 'ami-0b1a5e00000000002', alias: PYTORCH, resolvedAt: NOW.toISOString() },
      'dlami-neuron': { imageId: 'ami-0b1a5e00000000003', alias: NEURON, resolvedAt: NOW.toISOString() },
    });
    expect(Object.keys(lock.aws)).toEqual(['us-east-1']);
    expect(lock.gcp['dlvm-cuda']).toEqual({
      image: 'common-cu129-ubuntu-2204-nvidia-580-v20261120',
      project: 'deeplearning-platform-release',
      selfLink: 'https://www.googleapis.com/compute/v1/projects/deeplearning-platform-release/global/images/common-cu129-ubuntu-2204-nvidia-580-v20261120',
      alias: 'projects/deeplearning-platform-release/global/images/family/common-cu129-ubuntu-2204-nvidia-580',
      resolvedAt: NOW.toISOString(),
    });
    expect(lock.gcp['dlvm-pytorch']?.image).toBe('pytorch-2-9-cu129-ubuntu-2204-nvidia-580-v20261120');
    expect(run.lock).toBe(serializeImageLock(lock));

    // One GetParameters call per region with every AWS kind (at most 10 names per call).
    const calls = ssm.commandCalls(GetParametersCommand);
    expect(calls.map((c) => c.args[0].input.Names)).toEqual([[BASE, PYTORCH, NEURON]]);
    expect(run.images.calls).toEqual([
      'deeplearning-platform-release/common-cu129-ubuntu-2204-nvidia-580',
      'deeplearning-platform-release/pytorch-2-9-cu129-ubuntu-2204-nvidia-580',
    ]);

    expect(run.stderr.trim().split('\n')).toEqual([
      'resolving 3 AWS images in us-east-1 (ssm:GetParameters)...',
      'resolving GCP image family deeplearning-platform-release/common-cu129-ubuntu-2204-nvidia-580 (compute.images.getFromFamily)...',
      'resolving GCP image family deeplearning-platform-release/pytorch-2-9-cu129-ubuntu-2204-nvidia-580 (compute.images.getFromFamily)...',
    ]);
    const out = run.stdout.replace(/\u001b\[[0-9;]*m/g, '');
    expect(out).toMatch(/^pinned {2}5 images in .*lock\.json \(5 new, 0 updated, 0 unchanged\)$/m);
    expect(out).toMatch(/^ {2}aws {2}us-east-1 {2}dlami-base-gpu +new +ami-0b1a5e00000000001$/m);
    expect(out).toMatch(/^ {2}gcp {2}global +dlvm-cuda +new +common-cu129-ubuntu-2204-nvidia-580-v20261120$/m);
  });

  it('keeps entries for regions it did not touch and says what changed', async () => {
    const before = withAwsPins(
      withAwsPins(emptyImageLock(), 'eu-west-1', [{ kind: 'dlami-base-gpu', imageId: 'ami-0e1a5e00000000001' }], new Date('2026-10-01T00:00:00Z')),
      'us-east-1',
      [{ kind: 'dlami-base-gpu', imageId: 'ami-0b1a5e00000000001' }, { kind: 'dlami-neuron', imageId: 'ami-00000000000000099' }],
      new Date('2026-10-01T00:00:00Z'),
    );
    const run = await pin([exampleSpec()], { cloud: 'aws' }, before);
    expect(run.code).toBe(0);
    const lock = parseImageLock('lock.json', run.lock);
    expect(lock.aws['eu-west-1']).toEqual(before.aws['eu-west-1']);
    expect(lock.aws['us-east-1']?.['dlami-neuron']?.imageId).toBe('ami-0b1a5e00000000003');
    expect(lock.gcp).toEqual({});
    expect(run.images.calls).toEqual([]);
    const out = run.stdout.replace(/\u001b\[[0-9;]*m/g, '');
    expect(out).toContain('(1 new, 1 updated, 1 unchanged)');
    expect(out).toMatch(/dlami-neuron +updated +ami-00000000000000099 -> ami-0b1a5e00000000003/);
    expect(out).toMatch(/dlami-base-gpu +unchanged +ami-0b1a5e00000000001/);
  });

  it('resolves each team region once, and only the clouds the teams use', async () => {
    const teams = [exampleSpec(), specFromYaml('dublin', 'aws:\n  region: eu-west-1\n'), specFromYaml('twin', 'aws:\n  region: us-east-1\n')];
    const run = await pin(teams, { cloud: 'aws' });
    const lock = parseImageLock('lock.json', run.lock);
    expect(Object.keys(lock.aws)).toEqual(['eu-west-1', 'us-east-1']);
    // No Trainium in eu-west-1 in the catalog, so no Neuron DLAMI to pin there.
    expect(Object.keys(lock.aws['eu-west-1'] ?? {})).toEqual(['dlami-base-gpu', 'dlami-pytorch-gpu']);
    expect(ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names?.length)).toEqual([2, 3]);
    expect(run.stderr).toContain('resolving 2 AWS images in eu-west-1 (ssm:GetParameters)...');
    const gcpOnly = await pin([specFromYaml('dublin', 'aws:\n  region: eu-west-1\n')], { cloud: 'gcp' });
    expect(gcpOnly.error).toBeInstanceOf(UserError);
    expect((gcpOnly.error as Error).message).toBe('no selected team has a gcp: section; there is nothing to pin');
  });

  it('--check writes nothing, reports drift and exits 1; a current lock exits 0', async () => {
    const first = await pin([exampleSpec()]);
    const current = parseImageLock('lock.json', first.lock);
    const ok = await pin([exampleSpec()], { check: true }, current);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('all 5 images match what their aliases resolve to now');

    const old = withAwsPins(current, 'us-east-1', [{ kind: 'dlami-base-gpu', imageId: 'ami-0000000000000dead' }], new Date('2026-09-01T00:00:00Z'));
    const { 'dlvm-pytorch': _dropped, ...gcp } = old.gcp;
    const drifted = { ...old, gcp };
    const run = await pin([exampleSpec()], { check: true }, drifted);
    expect(run.code).toBe(1);
    expect(run.lock).toBe(serializeImageLock(drifted));
    const out = run.stdout.replace(/\u001b\[[0-9;]*m/g, '');
    expect(out).toMatch(/^drift {2}.*lock\.json: 1 drifted, 1 not pinned, 3 current$/m);
    expect(out).toMatch(/dlami-base-gpu +drifted +ami-0000000000000dead -> ami-0b1a5e00000000001/);
    expect(out).toMatch(/dlvm-pytorch +unpinned +\(not pinned\) -> pytorch-2-9-cu129-ubuntu-2204-nvidia-580-v20261120/);
    expect(out).toContain('Run `npx burst images pin`');

    const json = await pin([exampleSpec()], { check: true, json: true }, drifted);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('');
    const report = JSON.parse(json.stdout) as PinReport;
    expect(report).toMatchObject({ check: true, written: false });
    expect(report.images.find((i) => i.kind === 'dlami-base-gpu')).toEqual({
      cloud: 'aws',
      region: 'us-east-1',
      kind: 'dlami-base-gpu',
      alias: BASE,
      previous: 'ami-0000000000000dead',
      current: 'ami-0b1a5e00000000001',
      status: 'drifted',
    });
  });

  it('missing AWS credentials: one readable line, exit 2, no stack trace, nothing written', async () => {
    ssm.on(GetParametersCommand).rejects(awsError('CredentialsProviderError', 'Could not load credentials from any providers'));
    const run = await pin([exampleSpec()]);
    expect(run.error).toBeInstanceOf(UserError);
    expect((run.error as Error).message).toBe(AWS_CREDENTIALS);
    expect(run.lock).toBe(serializeImageLock(emptyImageLock()));
    const { code, stderr } = reported(run.error);
    expect(code).toBe(2);
    expect(stderr).toBe(`burst: ${AWS_CREDENTIALS}\n`);
    expect(hasStackTrace(stderr)).toBe(false);
  });

  it('missing Google Cloud credentials: one readable line, whether the client fails on start-up or on the call', async () => {
    const noAdc = new Error('Could not load the default credentials. Browse to https://cloud.google.com/docs/authentication/getting-started for more information.');
    const onCall = await pin([exampleSpec()], { cloud: 'gcp' }, emptyImageLock(), fakeImages(noAdc));
    expect((onCall.error as Error).message).toBe(GCP_CREDENTIALS);
    const onStart: FakeImages = { ...fakeImages(), initialize: () => Promise.reject(noAdc) };
    const started = await pin([exampleSpec()], { cloud: 'gcp' }, emptyImageLock(), onStart);
    expect((started.error as Error).message).toBe(GCP_CREDENTIALS);
    expect(onStart.calls).toEqual([]);
    const { code, stderr } = reported(started.error);
    expect(code).toBe(2);
    expect(stderr).toBe(`burst: ${GCP_CREDENTIALS}\n`);
    expect(hasStackTrace(stderr)).toBe(false);
  });

  it('a parameter SSM does not have (InvalidParameters) is named, with its image kind, and nothing is written', async () => {
    const us = AMIS['us-east-1'] ?? {};
    ssm.on(GetParametersCommand).resolves({
      Parameters: [BASE, PYTORCH].map((n) => ({ Name: n, Value: us[n], Type: 'String' })),
      InvalidParameters: [NEURON],
    });
    const run = await pin([exampleSpec()]);
    expect((run.error as Error).message).toBe(
      `SSM in us-east-1 has no parameter ${NEURON} (image kind dlami-neuron); ` +
        'the image is not published in that region or AWS renamed it: check the source in spec/catalog/images.ts',
    );
    expect(run.lock).toBe(serializeImageLock(emptyImageLock()));
  });

  it('access denied names the permission on each cloud', async () => {
    ssm
      .on(GetParametersCommand)
      .rejects(awsError('AccessDeniedException', 'User: arn:aws:iam::111122223333:user/dev is not authorized to perform: ssm:GetParameters', { httpStatusCode: 400 }));
    const aws = await pin([exampleSpec()], { cloud: 'aws' });
    expect((aws.error as Error).message).toBe(
      'AWS denied ssm:GetParameters in us-east-1 (User: arn:aws:iam::111122223333:user/dev is not authorized to perform: ssm:GetParameters); ' +
        'the identity needs ssm:GetParameters on arn:aws:ssm:us-east-1::parameter/aws/service/*',
    );
    const denied = Object.assign(new Error("Required 'compute.images.getFromFamily' permission for 'projects/deeplearning-platform-release'"), { code: 7 });
    const gcp = await pin([exampleSpec()], { cloud: 'gcp' }, emptyImageLock(), fakeImages(denied));
    expect((gcp.error as Error).message).toMatch(
      /^Google Cloud denied compute\.images\.getFromFamily for deeplearning-platform-release\/common-cu129-ubuntu-2204-nvidia-580 \(Required .*\); the account needs the compute\.images\.getFromFamily permission/,
    );
  });

  it('throttling that outlasts the SDK retries surfaces as one line with the attempts', async () => {
    ssm.on(GetParametersCommand).rejects(awsError('ThrottlingException', 'Rate exceeded', { httpStatusCode: 400, attempts: 5 }));
    const run = await pin([exampleSpec()], { cloud: 'aws' });
    expect((run.error as Error).message).toBe(
      'AWS throttled ssm:GetParameters in us-east-1 after 5 attempts (ThrottlingException: Rate exceeded); wait a minute and run it again',
    );
    expect(hasStackTrace(reported(run.error).stderr)).toBe(false);
  });

  it('a retired image family is named with where to pick a current one', async () => {
    const retired = Object.assign(new Error("The resource 'projects/deeplearning-platform-release/global/images/family/x' was not found"), { code: 5 });
    const run = await pin([exampleSpec()], { cloud: 'gcp' }, emptyImageLock(), fakeImages(retired));
    expect((run.error as Error).message).toBe(
      "the image family 'common-cu129-ubuntu-2204-nvidia-580' (image kind dlvm-cuda) has no image in project deeplearning-platform-release; " +
        'Google may have retired it: pick a current family from https://docs.cloud.google.com/deep-learning-vm/docs/images and update spec/catalog/images.ts',
    );
  });

  it('the real clients: one SSM client per region with more retries than the default', async () => {
    const client = (await sdkClients().ssm('eu-west-1')) as SSMClient;
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.maxAttempts()).toBe(5);
    expect(awsImageKinds().length).toBeLessThanOrEqual(10); // one GetParameters call per region today
  });
});

describe('burst plan: the Images block', () => {
  let report: PlanReport;
  beforeAll(async () => {
    const at = new Date('2026-10-01T00:00:00.000Z');
    // The example's fleet and dev box boot the base GPU DLAMI, pinned 56 days ago (stale); the
    // Neuron pin is fresh but boots nothing in this team, so the plan does not list it.
    let lock = withAwsPins(emptyImageLock(), 'us-east-1', [{ kind: 'dlami-base-gpu', imageId: 'ami-0b1a5e00000000001' }], at);
    lock = withAwsPins(lock, 'us-east-1', [{ kind: 'dlami-neuron', imageId: 'ami-0b1a5e00000000003' }], new Date('2026-11-20T00:00:00.000Z'));
    report = await planReport([exampleSpec()], { lock, now: NOW });
  });

  it('lists, per cloud, the images the hosts would boot with their lock status', () => {
    const team = report.teams[0];
    expect(team?.clouds.aws?.images).toEqual([
      { cloud: 'aws', region: 'us-east-1', kind: 'dlami-base-gpu', status: 'stale', id: 'ami-0b1a5e00000000001', alias: BASE, resolvedAt: '2026-10-01T00:00:00.000Z', ageDays: 56, staleBecause: 'age' },
    ]);
    expect(team?.clouds.gcp?.images).toEqual([
      { cloud: 'gcp', kind: 'dlvm-cuda', status: 'unpinned', alias: 'projects/deeplearning-platform-release/global/images/family/common-cu129-ubuntu-2204-nvidia-580' },
    ]);
  });

  it('names every unpinned or stale image and how to pin it; says so when all are pinned', () => {
    const team = report.teams[0];
    if (!team) throw new Error('no team');
    const text = imageLines(team).map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''));
    expect(text[0]).toBe(
      '  Images: 2 of 2 need pinning (1 unpinned, 1 stale: pinned over 30 days ago or from an old alias); an unpinned host boots ' +
        'whatever its alias points to that day. Pin them: npx burst images pin example',
    );
    expect(text.slice(1)).toEqual([
      '    aws  us-east-1  dlami-base-gpu  stale  ami-0b1a5e00000000001 resolved 2026-10-01, 56 days ago',
      '    gcp  global     dlvm-cuda       unpinned  boots projects/deeplearning-platform-release/global/images/family/common-cu129-ubuntu-2204-nvidia-580',
    ]);
    const pinned = {
      ...team,
      clouds: { aws: { ...team.clouds.aws!, images: team.clouds.aws!.images.map((i) => ({ ...i, status: 'pinned' as const })) } },
    };
    expect(imageLines(pinned).map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''))).toEqual(['  Images: all 1 pinned in images/lock.json']);
  });
});
