/** `<team>-storage`: the artifact store that must never be lost (A10–A15, X1, X3). */
import { CfnResource, Stack, TagManager } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { teamPrefix } from '../../spec/layout.js';
import { sanitizeTemplate, specFromYaml, synthTeam } from '../helpers.js';

type Synth = ReturnType<typeof synthTeam>;
let example: Synth;

beforeAll(() => {
  example = synthTeam();
});

function cfnResources(scope: IConstruct): CfnResource[] {
  return scope.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}

/** Resources of a template as { logicalId: resource }. */
function resources(stack: Stack): Record<string, { Type: string; Properties?: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }> {
  return (example.storage === stack ? example.storageTemplate : example.burstTemplate).toJSON()['Resources'];
}

/** A resource's tags as a map, whichever way its type writes them (list, map, Budgets' ResourceTags). */
function tagsOf(properties: Record<string, unknown> | undefined): Record<string, string> {
  const raw = properties?.['Tags'] ?? properties?.['ResourceTags'] ?? [];
  if (Array.isArray(raw)) return Object.fromEntries((raw as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]));
  return raw as Record<string, string>;
}

describe('A10 team and cost-allocation tags on every taggable resource', () => {
  it.each(['storage', 'burst'] as const)('%s stack', (which) => {
    const stack = example[which];
    const template = resources(stack);
    const taggable = cfnResources(stack).filter((r) => TagManager.isTaggable(r) || TagManager.isTaggableV2(r));
    expect(taggable.length).toBeGreaterThan(0);
    const want = { team: 'example', 'cost-center': 'ml-research', 'managed-by': 'gpu-burst', project: 'example' };
    const untagged = taggable
      .filter((resource) => {
        const tags = tagsOf(template[stack.resolve(resource.logicalId) as string]?.Properties);
        return Object.entries(want).some(([k, v]) => tags[k] !== v);
      })
      .map((r) => r.node.path);
    expect(untagged).toEqual([]);
  });
});

describe('A11 buckets: public access blocked, encrypted, versioned, TLS only', () => {
  it('every bucket blocks all four kinds of public access, is versioned and encrypted', () => {
    const buckets = example.storageTemplate.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(2);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration).toHaveLength(1);
      expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    }
  });

  it('the artifact bucket is encrypted with KMS and an S3 bucket key', () => {
    example.storageTemplate.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true }],
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'artifacts/' },
    });
  });

  it('every bucket policy denies requests without TLS and below TLS 1.2', () => {
    const policies = Object.values(example.storageTemplate.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      const statements = policy.Properties.PolicyDocument.Statement as Record<string, unknown>[];
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      );
    }
  });
});

describe('A12 stateful resources are retained on delete and on replacement', () => {
  it('buckets and the image repository carry DeletionPolicy and UpdateReplacePolicy Retain', () => {
    const stateful = Object.entries(resources(example.storage)).filter(([, r]) =>
      ['AWS::S3::Bucket', 'AWS::ECR::Repository'].includes(r.Type),
    );
    expect(stateful).toHaveLength(3);
    for (const [id, r] of stateful) {
      expect(r.DeletionPolicy, id).toBe('Retain');
      expect(r.UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('the storage stack is termination-protected; the burst stack is not', () => {
    expect(example.storage.terminationProtection).toBe(true);
    expect(example.burst.terminationProtection).toBe(false);
  });
});

describe('A13 nothing empties a data bucket', () => {
  it.each(['storage', 'burst'] as const)('%s stack has no auto-delete custom resource', (which) => {
    const template = which === 'storage' ? example.storageTemplate : example.burstTemplate;
    expect(template.findResources('Custom::S3AutoDeleteObjects')).toEqual({});
    const tags = JSON.stringify(template.toJSON());
    expect(tags).not.toContain('aws-cdk:auto-delete-objects');
  });
});

describe('A14 lifecycle: incomplete uploads aborted, old versions expired', () => {
  it('uses the team file retention (defaults 30 and 7 days)', () => {
    example.storageTemplate.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, ExpiredObjectDeleteMarker: true }),
          Match.objectLike({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
        ]),
      },
    });
  });

  it('follows other values from the team file', () => {
    const custom = synthTeam(
      specFromYaml('retention', 'storage:\n  noncurrentVersionDays: 45\n  incompleteUploadDays: 2\n  untaggedImageDays: 3\naws: {}\n'),
    );
    custom.storageTemplate.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 45 } }),
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } }),
        ]),
      },
    });
    custom.storageTemplate.hasResourceProperties('AWS::ECR::Repository', {
      LifecyclePolicy: { LifecyclePolicyText: Match.stringLikeRegexp('"countNumber":3') },
    });
  });
});

describe('A15 retained resources have no hard-coded physical names', () => {
  it('CloudFormation names every bucket and repository', () => {
    for (const bucket of Object.values(example.storageTemplate.findResources('AWS::S3::Bucket'))) {
      expect(bucket.Properties.BucketName).toBeUndefined();
    }
    for (const repo of Object.values(example.storageTemplate.findResources('AWS::ECR::Repository'))) {
      expect(repo.Properties.RepositoryName).toBeUndefined();
    }
  });
});

describe('training image repository', () => {
  it('has immutable tags, scan on push, KMS encryption, and expires only untagged images', () => {
    example.storageTemplate.hasResourceProperties('AWS::ECR::Repository', {
      ImageTagMutability: 'IMMUTABLE',
      ImageScanningConfiguration: { ScanOnPush: true },
      EncryptionConfiguration: { EncryptionType: 'KMS' },
      EmptyOnDelete: false,
    });
    const repo = Object.values(example.storageTemplate.findResources('AWS::ECR::Repository'))[0];
    const policy = JSON.parse(repo?.Properties.LifecyclePolicy.LifecyclePolicyText as string) as {
      rules: { selection: { tagStatus: string; countType: string; countNumber: number } }[];
    };
    expect(policy.rules.map((r) => r.selection)).toEqual([
      { tagStatus: 'untagged', countType: 'sinceImagePushed', countNumber: 14, countUnit: 'days' },
    ]);
  });
});

describe('X1 artifacts use the team-scoped layout', () => {
  it('the stack outputs the s3:// prefix teams/<team>/', () => {
    const outputs = example.storageTemplate.toJSON()['Outputs'] as Record<string, { Value: unknown }>;
    const prefix = Object.entries(outputs).find(([id]) => id.startsWith('ArtifactsPrefix'))?.[1];
    const bucketId = Object.keys(example.storageTemplate.findResources('AWS::S3::Bucket')).find((id) => id.startsWith('Artifacts'));
    expect(prefix?.Value).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: bucketId }, `/${teamPrefix('example')}`]] });
    expect(teamPrefix('example')).toBe('teams/example/');
  });
});

describe('X3 tearing down the burst deletes no artifact', () => {
  it('every bucket and repository lives in the storage stack, none in the burst stack', () => {
    for (const type of ['AWS::S3::Bucket', 'AWS::ECR::Repository', 'AWS::EFS::FileSystem']) {
      expect(example.burstTemplate.findResources(type), type).toEqual({});
    }
  });

  it("the burst stack's only stateful resource, the dev box data volume, is retained on delete and replacement (A12)", () => {
    const volumes = Object.values(example.burstTemplate.findResources('AWS::EC2::Volume'));
    expect(volumes).toHaveLength(1);
    expect(volumes[0]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { Encrypted: true } });
  });
});

describe('snapshot', () => {
  it('example-storage template (sanitized)', async () => {
    await expect(JSON.stringify(sanitizeTemplate(example.storageTemplate.toJSON()), null, 2)).toMatchFileSnapshot(
      '__snapshots__/example-storage.template.json',
    );
  });
});
