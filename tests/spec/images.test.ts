/** Image kinds, the image lock (parsing, every problem at once), imageFor, staleness, a team's default images. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTeamFile } from '../../spec/load.js';
import { PROJECT_ROOT } from '../../spec/paths.js';
import { describe, expect, it } from 'vitest';
import { AWS_INSTANCE_TYPES, GCP_MACHINE_TYPES, GCP_TPU_TYPES, accelerator } from '../../spec/catalog/index.js';
import {
  AWS_IMAGE_KIND_IDS,
  GCP_IMAGE_KIND_IDS,
  IMAGE_KINDS,
  awsImageKinds,
  defaultImageKind,
  gcpImageKinds,
  imageAlias,
} from '../../spec/catalog/images.js';
import {
  IMAGE_LOCK_FILE,
  ImageLockError,
  STALE_AFTER_DAYS,
  awsImageKindsIn,
  emptyImageLock,
  familiesOfferedIn,
  imageFor,
  imageStatus,
  loadImageLock,
  parseImageLock,
  serializeImageLock,
  teamImageHosts,
  withAwsPins,
  withGcpPins,
  type ImageLock,
} from '../../spec/images.js';
import { planTeam } from '../../spec/plan.js';
import { UserError } from '../../spec/problems.js';
import { exampleSpec, specFromYaml } from '../helpers.js';

const BASE = '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id';
const NEURON = '/aws/service/neuron/dlami/multi-framework/ubuntu-24.04/latest/image_id';
const CUDA_FAMILY = 'projects/deeplearning-platform-release/global/images/family/common-cu129-ubuntu-2204-nvidia-580';
const RESOLVED = '2026-11-01T12:00:00.000Z';
const DAY = 24 * 60 * 60 * 1000;
const daysAfter = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY);

/** A lock pinning two AMIs in us-east-1, one in eu-west-1 and the CUDA image family. */
function sampleLock(): ImageLock {
  return {
    version: 1,
    aws: {
      'us-east-1': {
        'dlami-base-gpu': { imageId: 'ami-0123456789abcdef0', alias: BASE, resolvedAt: RESOLVED },
        'dlami-neuron': { imageId: 'ami-0fedcba9876543210', alias: NEURON, resolvedAt: RESOLVED },
      },
      'eu-west-1': { 'dlami-base-gpu': { imageId: 'ami-12345678', alias: BASE, resolvedAt: '2026-10-01' } },
    },
    gcp: {
      'dlvm-cuda': {
        image: 'common-cu129-ubuntu-2204-nvidia-580-v20261020',
        project: 'deeplearning-platform-release',
        selfLink:
          'https://www.googleapis.com/compute/v1/projects/deeplearning-platform-release/global/images/common-cu129-ubuntu-2204-nvidia-580-v20261020',
        alias: CUDA_FAMILY,
        resolvedAt: RESOLVED,
      },
    },
  };
}

/** The problems a broken lock produces, formatted as the CLI prints them. */
function problemsOf(lock: unknown): string[] {
  const text = typeof lock === 'string' ? lock : JSON.stringify(lock);
  try {
    parseImageLock('images/lock.json', text);
  } catch (err) {
    if (err instanceof ImageLockError) return err.message.split('\n').slice(1).map((l) => l.trim());
    throw err;
  }
  throw new Error('the lock parsed');
}

describe('image kinds (spec/catalog/images.ts)', () => {
  it('has one entry per kind id, each with a name, contents and an https source', () => {
    expect(IMAGE_KINDS.map((k) => k.id)).toEqual([...AWS_IMAGE_KIND_IDS, ...GCP_IMAGE_KIND_IDS]);
    for (const kind of IMAGE_KINDS) {
      expect(kind.source, kind.id).toMatch(/^https:\/\/\S+$/);
      expect(kind.name.length, kind.id).toBeGreaterThan(10);
      expect(kind.contents.length, kind.id).toBeGreaterThan(10);
      expect(kind.serves.length, kind.id).toBeGreaterThan(0);
    }
  });

  it('DLAMI parameters follow AWS naming: x86_64, the -gpu- the find-dlami-id example drops, /latest/ami-id', () => {
    const dlamis = awsImageKinds().filter((k) => k.serves.includes('gpu'));
    expect(dlamis.map((k) => k.id)).toEqual(['dlami-base-gpu', 'dlami-pytorch-gpu']);
    for (const k of dlamis) {
      expect(k.ssmParameter).toMatch(/^\/aws\/service\/deeplearning\/ami\/x86_64\/[a-z0-9.-]*-gpu-[a-z0-9.-]*\/latest\/ami-id$/);
    }
    expect(awsImageKinds().find((k) => k.id === 'dlami-base-gpu')?.ssmParameter).toBe(BASE);
    expect(awsImageKinds().every((k) => !k.ssmParameter.includes('base-oss-nvidia-driver-ubuntu'))).toBe(true);
  });

  it('the Neuron DLAMI comes from the Neuron SSM namespace, which ends in image_id, and serves Trainium', () => {
    const neuron = awsImageKinds().find((k) => k.id === 'dlami-neuron');
    expect(neuron?.ssmParameter).toBe(NEURON);
    expect(neuron?.serves).toEqual(['trainium']);
  });

  it('DLVM kinds are families of deeplearning-platform-release on Ubuntu 22.04 with their CUDA and driver lines', () => {
    for (const k of gcpImageKinds()) {
      expect(k.project).toBe('deeplearning-platform-release');
      expect(k.family).toMatch(/^(common|pytorch-\d+-\d+)-cu\d{3}-ubuntu-2204-nvidia-\d{3}$/);
      expect(imageAlias(k)).toBe(`projects/deeplearning-platform-release/global/images/family/${k.family}`);
    }
  });

  it('one default per cloud and accelerator family: the base images for GPUs, the Neuron DLAMI for Trainium', () => {
    expect(defaultImageKind('aws', 'gpu')?.id).toBe('dlami-base-gpu');
    expect(defaultImageKind('aws', 'trainium')?.id).toBe('dlami-neuron');
    expect(defaultImageKind('gcp', 'gpu')?.id).toBe('dlvm-cuda');
    expect(defaultImageKind('gcp', 'trainium')).toBeUndefined();
    for (const cloud of ['aws', 'gcp'] as const) {
      for (const family of ['gpu', 'trainium'] as const) {
        const defaults = IMAGE_KINDS.filter((k) => k.cloud === cloud && k.default && k.serves.includes(family));
        expect(defaults.length, `${cloud} ${family}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('every accelerated type the catalog offers has a default image on its cloud; TPUs boot runtime versions instead', () => {
    for (const t of AWS_INSTANCE_TYPES) {
      const family = accelerator(t.accelerator).family;
      expect(family, t.instanceType).not.toBe('tpu');
      if (family !== 'tpu') expect(defaultImageKind('aws', family), t.instanceType).toBeDefined();
    }
    for (const t of GCP_MACHINE_TYPES) expect(defaultImageKind('gcp', 'gpu'), t.machineType).toBeDefined();
    for (const t of GCP_TPU_TYPES) expect(t.runtimeVersion, t.acceleratorType).toMatch(/^[a-z0-9.-]+$/);
  });
});

describe('the image lock', () => {
  it('the committed images/lock.json is valid and written the way pin writes it', () => {
    const text = readFileSync(IMAGE_LOCK_FILE, 'utf8');
    expect(serializeImageLock(parseImageLock('images/lock.json', text))).toBe(text);
    expect(text).not.toMatch(/ami-[0-9a-f]/); // nothing resolved offline; pins come from `burst images pin`
  });

  it('parses AWS pins per region and kind, GCP pins per kind, and writes them in a stable order', () => {
    const lock = sampleLock();
    const shuffled = {
      gcp: lock.gcp,
      aws: { 'us-east-1': { 'dlami-neuron': lock.aws['us-east-1']?.['dlami-neuron'], 'dlami-base-gpu': lock.aws['us-east-1']?.['dlami-base-gpu'] }, 'eu-west-1': lock.aws['eu-west-1'] },
      version: 1,
    };
    const text = serializeImageLock(parseImageLock('images/lock.json', JSON.stringify(shuffled)));
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toBe(serializeImageLock(lock));
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['version', 'aws', 'gcp']);
    expect(Object.keys((JSON.parse(text) as ImageLock).aws)).toEqual(['eu-west-1', 'us-east-1']);
    expect(Object.keys((JSON.parse(text) as ImageLock).aws['us-east-1'] ?? {})).toEqual(['dlami-base-gpu', 'dlami-neuron']);
    expect(parseImageLock('images/lock.json', text)).toEqual(lock);
  });

  it('reports a lock that is not JSON, naming the file', () => {
    const [problem] = problemsOf('{"version": 1,');
    expect(problem).toMatch(/^images\/lock\.json {2}is not valid JSON \(.+\) Fix: restore it with `git checkout`/);
  });

  it('reports every problem at once, each with the file, the field, what is wrong and what would be right', () => {
    const lock = sampleLock() as unknown as { version: number; aws: Record<string, Record<string, Record<string, unknown>>>; gcp: Record<string, unknown> };
    lock.version = 2;
    (lock.aws['us-east-1'] as Record<string, Record<string, unknown>>)['dlami-base-gpu'] = { imageId: 'ami-XYZ', alias: BASE, resolvedAt: '2026-13-45' };
    lock.aws['us-east-9'] = {};
    (lock.aws['eu-west-1'] as Record<string, unknown>)['dlami-base'] = {};
    lock.gcp['dlvm-cuda'] = { ...(lock.gcp['dlvm-cuda'] as object), selflink: 'x' };
    expect(problemsOf(lock)).toEqual([
      "images/lock.json  version: number 2 is not a lock version gpu-burst reads Fix: write \"version\": 1.",
      "images/lock.json  aws.us-east-1.dlami-base-gpu.imageId: the string 'ami-XYZ' is not an AMI id (ami- and 8 or 17 lowercase hex digits) " +
        'Fix: correct it, or remove the entry and run `npx burst images pin`.',
      "images/lock.json  aws.us-east-1.dlami-base-gpu.resolvedAt: the string '2026-13-45' is not a real date " +
        'Fix: correct it, or remove the entry and run `npx burst images pin`.',
      "images/lock.json  aws.eu-west-1.dlami-base: 'dlami-base' is not an AWS image kind; did you mean 'dlami-base-gpu'? " +
        "Fix: use one of 'dlami-base-gpu', 'dlami-pytorch-gpu', 'dlami-neuron' (spec/catalog/images.ts), or remove the entry and run `npx burst images pin`.",
      "images/lock.json  aws.us-east-9: 'us-east-9' is not an AWS region gpu-burst knows; did you mean 'us-east-1'? Fix: use one of " +
        "'us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'eu-north-1', 'ap-northeast-1', 'ap-southeast-2', " +
        'or remove the entry and run `npx burst images pin`.',
      "images/lock.json  gcp.dlvm-cuda.selflink: 'selflink' is not a field of a pin; did you mean 'selfLink'? " +
        "Fix: a pin has 'image', 'project', 'selfLink', 'alias', 'resolvedAt'; remove it.",
    ]);
  });

  it('names a missing section, an unknown top-level field and a field of the wrong type', () => {
    expect(problemsOf({ version: 1, aws: {}, gpc: {} })).toEqual([
      "images/lock.json  gcp: is required Fix: add it; an empty lock is {\"version\":1,\"aws\":{},\"gcp\":{}}.",
      "images/lock.json  gpc: 'gpc' is not a field of the lock; did you mean 'gcp'? Fix: a lock has only 'version', 'aws' and 'gcp'; remove it.",
    ]);
    expect(problemsOf({ version: 1, aws: [], gcp: {} })).toEqual([
      'images/lock.json  aws: expected an object, got a list Fix: correct it, or remove the entry and run `npx burst images pin`.',
    ]);
    expect(problemsOf('[]')).toEqual(['images/lock.json  holds a list, not a lock object Fix: an empty lock is {"version":1,"aws":{},"gcp":{}}.']);
  });

  it('a broken lock is a user error (exit 2 in the CLI) whose first line names the file and the count', () => {
    let caught: unknown;
    try {
      parseImageLock('images/lock.json', '{"version":1,"aws":{},"gcp":{"dlvm-cuda":{}}}');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as Error).message.split('\n')[0]).toBe('images/lock.json is not a valid image lock (5 problems):');
  });

  it('a missing lockfile pins nothing', () => {
    expect(loadImageLock(join(mkdtempSync(join(tmpdir(), 'burst-lock-')), 'lock.json'))).toEqual(emptyImageLock());
  });

  it('pinning one region keeps the others; pinning GCP keeps AWS', () => {
    const at = new Date('2026-11-26T08:00:00.000Z');
    const lock = withAwsPins(sampleLock(), 'us-east-1', [{ kind: 'dlami-base-gpu', imageId: 'ami-0aaaaaaaaaaaaaaaa' }], at);
    expect(lock.aws['us-east-1']?.['dlami-base-gpu']).toEqual({ imageId: 'ami-0aaaaaaaaaaaaaaaa', alias: BASE, resolvedAt: at.toISOString() });
    expect(lock.aws['us-east-1']?.['dlami-neuron']).toEqual(sampleLock().aws['us-east-1']?.['dlami-neuron']);
    expect(lock.aws['eu-west-1']).toEqual(sampleLock().aws['eu-west-1']);
    const gcp = withGcpPins(lock, [{ kind: 'dlvm-pytorch', image: 'pytorch-x-v1', project: 'deeplearning-platform-release', selfLink: 'https://x' }], at);
    expect(gcp.gcp['dlvm-cuda']).toEqual(sampleLock().gcp['dlvm-cuda']);
    expect(gcp.gcp['dlvm-pytorch']?.alias).toBe('projects/deeplearning-platform-release/global/images/family/pytorch-2-9-cu129-ubuntu-2204-nvidia-580');
    expect(gcp.aws).toEqual(lock.aws);
  });
});

describe('imageFor: which image a host boots', () => {
  const lock = sampleLock();

  it('AWS: the pinned AMI of its region, else the SSM parameter', () => {
    expect(imageFor({ cloud: 'aws', region: 'us-east-1', kind: 'dlami-base-gpu' }, lock)).toEqual({
      cloud: 'aws',
      source: 'pinned',
      imageId: 'ami-0123456789abcdef0',
      resolvedAt: RESOLVED,
      alias: BASE,
    });
    expect(imageFor({ cloud: 'aws', region: 'us-west-2', kind: 'dlami-base-gpu' }, lock)).toEqual({ cloud: 'aws', source: 'alias', ssmParameter: BASE });
    expect(imageFor({ cloud: 'aws', region: 'eu-west-1', kind: 'dlami-neuron' }, lock)).toEqual({ cloud: 'aws', source: 'alias', ssmParameter: NEURON });
  });

  it('GCP: the pinned image (global), else the project and family', () => {
    expect(imageFor({ cloud: 'gcp', kind: 'dlvm-cuda' }, lock)).toMatchObject({
      cloud: 'gcp',
      source: 'pinned',
      image: 'common-cu129-ubuntu-2204-nvidia-580-v20261020',
      project: 'deeplearning-platform-release',
      resolvedAt: RESOLVED,
    });
    expect(imageFor({ cloud: 'gcp', kind: 'dlvm-pytorch' }, lock)).toEqual({
      cloud: 'gcp',
      source: 'alias',
      project: 'deeplearning-platform-release',
      family: 'pytorch-2-9-cu129-ubuntu-2204-nvidia-580',
    });
  });
});

describe('imageStatus: pinned, unpinned or stale', () => {
  const lock = sampleLock();
  const base = { cloud: 'aws', region: 'us-east-1', kind: 'dlami-base-gpu' } as const;

  it('a fresh pin is pinned, up to and including the staleness limit', () => {
    expect(imageStatus(base, lock, daysAfter(RESOLVED, 3))).toEqual({
      cloud: 'aws',
      region: 'us-east-1',
      kind: 'dlami-base-gpu',
      status: 'pinned',
      id: 'ami-0123456789abcdef0',
      alias: BASE,
      resolvedAt: RESOLVED,
      ageDays: 3,
    });
    expect(imageStatus(base, lock, daysAfter(RESOLVED, STALE_AFTER_DAYS)).status).toBe('pinned');
  });

  it(`a pin older than ${STALE_AFTER_DAYS} days is stale, with its age`, () => {
    expect(imageStatus(base, lock, daysAfter(RESOLVED, STALE_AFTER_DAYS + 1))).toMatchObject({ status: 'stale', staleBecause: 'age', ageDays: 31 });
    expect(imageStatus({ cloud: 'gcp', kind: 'dlvm-cuda' }, lock, daysAfter(RESOLVED, 90))).toMatchObject({ status: 'stale', ageDays: 90 });
  });

  it('a pin resolved from another alias than the catalog uses now is stale at any age', () => {
    const moved = withAwsPins(emptyImageLock(), 'us-east-1', [{ kind: 'dlami-pytorch-gpu', imageId: 'ami-87654321' }], new Date(RESOLVED));
    const pin = moved.aws['us-east-1']?.['dlami-pytorch-gpu'];
    if (pin) moved.aws['us-east-1'] = { 'dlami-pytorch-gpu': { ...pin, alias: pin.alias.replace('pytorch-2.9', 'pytorch-2.7') } };
    expect(imageStatus({ cloud: 'aws', region: 'us-east-1', kind: 'dlami-pytorch-gpu' }, moved, daysAfter(RESOLVED, 1))).toMatchObject({
      status: 'stale',
      staleBecause: 'alias',
      id: 'ami-87654321',
    });
  });

  it('no pin is unpinned and names the alias the host would boot', () => {
    expect(imageStatus({ cloud: 'gcp', kind: 'dlvm-pytorch' }, lock)).toEqual({
      cloud: 'gcp',
      kind: 'dlvm-pytorch',
      status: 'unpinned',
      alias: 'projects/deeplearning-platform-release/global/images/family/pytorch-2-9-cu129-ubuntu-2204-nvidia-580',
    });
  });
});

describe("teamImageHosts: the images a team's hosts boot", () => {
  it('the images its fleets and dev box name, once each per cloud (and region on AWS)', () => {
    expect(teamImageHosts(planTeam(exampleSpec()))).toEqual([
      { cloud: 'aws', region: 'us-east-1', kind: 'dlami-base-gpu' },
      { cloud: 'gcp', kind: 'dlvm-cuda' },
    ]);
    const research = planTeam(loadTeamFile(join(PROJECT_ROOT, 'tests', 'fixtures', 'teams', 'research.yaml')));
    expect(teamImageHosts(research)).toEqual([
      { cloud: 'aws', region: 'us-west-2', kind: 'dlami-pytorch-gpu' },
      { cloud: 'aws', region: 'us-west-2', kind: 'dlami-base-gpu' },
      { cloud: 'aws', region: 'us-west-2', kind: 'dlami-neuron' },
      { cloud: 'gcp', kind: 'dlvm-pytorch' },
      { cloud: 'gcp', kind: 'dlvm-cuda' },
    ]);
  });

  it('a team with no fleet or dev box boots no image: TPUs boot runtimes, Batch its own OS', () => {
    expect(teamImageHosts(planTeam(specFromYaml('solo', 'aws:\n  region: eu-west-1\n')))).toEqual([]);
    expect(teamImageHosts(planTeam(specFromYaml('gpus', 'gcp:\n  project: acme-ml-training\n')))).toEqual([]);
    const tpuOnly = 'gcp:\n  project: acme-ml-training\n  tpus:\n    - name: pod\n      type: v5litepod-8\n';
    expect(teamImageHosts(planTeam(specFromYaml('tpus', tpuOnly)))).toEqual([]);
  });

  it('pin resolves, per AWS region, the kinds serving what the region offers', () => {
    expect(familiesOfferedIn('aws', 'us-east-1')).toEqual(new Set(['gpu', 'trainium']));
    expect(awsImageKindsIn('us-east-1').map((k) => k.id)).toEqual(['dlami-base-gpu', 'dlami-pytorch-gpu', 'dlami-neuron']);
    expect(awsImageKindsIn('eu-west-1').map((k) => k.id)).toEqual(['dlami-base-gpu', 'dlami-pytorch-gpu']);
  });
});
