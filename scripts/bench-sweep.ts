/**
 * `npm run bench:sweep [-- 10 10000]`: what a sweep of N trials costs gpu-burst. A sweep is one
 * AWS Batch array job, so the burst stack's resources do not depend on N; this prints the resource
 * count of the example team's burst stack (synthesized once: there is no trial input to vary), and
 * for each N the time `burst sweep submit` takes to parse the params file, upload it and submit, the
 * number of AWS calls and the size of the uploaded params, against in-process mocks of
 * CloudFormation, S3 and Batch (aws-sdk-client-mock). Prints figures; asserts nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SubmitJobCommand, BatchClient } from '@aws-sdk/client-batch';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { submitSweep } from '../cli/commands/sweep.js';
import { loadTeamFile } from '../spec/load.js';
import { PROJECT_ROOT } from '../spec/paths.js';
import { planTeam } from '../spec/plan.js';
import { buildAwsApp } from '../stacks/aws/build.js';

const counts = process.argv.slice(2).map(Number).filter((n) => n > 0);
const runs = counts.length > 0 ? counts : [10, 10_000];
const spec = loadTeamFile(join(PROJECT_ROOT, 'teams', 'example.yaml'));

const synthStarted = process.hrtime.bigint();
const { app } = buildAwsApp([planTeam(spec).aws!], { nag: false });
const template = app.synth().getStackByName('example-burst').template as { Resources: Record<string, { Type: string }> };
const synthSeconds = Number(process.hrtime.bigint() - synthStarted) / 1e9;
const batchResources = Object.values(template.Resources).filter((r) => r.Type.startsWith('AWS::Batch::')).length;
console.log(
  `example-burst: ${Object.keys(template.Resources).length} resources (${batchResources} AWS Batch) whatever the trial count; ` +
    `synth ${synthSeconds.toFixed(2)} s`,
);

const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const batch = mockClient(BatchClient);
const dir = mkdtempSync(join(tmpdir(), 'bench-sweep-'));
try {
  for (const n of runs) {
    cfn.reset();
    s3.reset();
    batch.reset();
    cfn.on(DescribeStacksCommand).callsFake((input: { StackName?: string }) => ({
      Stacks: [
        {
          StackName: input.StackName,
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Parameters: [{ ParameterKey: 'Egress', ParameterValue: 'on' }],
          Outputs: [{ OutputKey: 'BucketName', OutputValue: 'example-artifacts' }],
        },
      ],
    }));
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('not found'), { name: 'NoSuchKey', $metadata: {} }));
    s3.on(PutObjectCommand).resolves({});
    batch.on(SubmitJobCommand).resolves({ jobId: 'job-1', jobName: 'bench', jobArn: 'arn:aws:batch:us-east-1:0:job/job-1' });
    const file = join(dir, `params-${n}.json`);
    writeFileSync(file, JSON.stringify(Array.from({ length: n }, (_, i) => ({ lr: 10 ** -(2 + (i % 4)), seed: i, layers: 12 + (i % 3) * 12 }))));

    const started = process.hrtime.bigint();
    await submitSweep(spec, 'hparams', { params: file, name: `bench-${n}`, json: true }, {
      clients: { batch: () => new BatchClient({ region: 'us-east-1' }), cloudFormation: () => new CloudFormationClient({ region: 'us-east-1' }), s3: () => new S3Client({ region: 'us-east-1' }) },
      now: () => new Date('2026-11-26T12:00:00Z'),
      sleep: async () => undefined,
      stdout: () => undefined,
      stderr: () => undefined,
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const body = s3.commandCalls(PutObjectCommand)[0]?.args[0].input.Body;
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : 0;
    const submitted = batch.commandCalls(SubmitJobCommand)[0]?.args[0].input;
    const calls = cfn.calls().length + s3.calls().length + batch.calls().length;
    console.log(
      `${String(n).padStart(6)} trials: submit ${(seconds * 1000).toFixed(0)} ms (mocked AWS), ${calls} AWS calls ` +
        `(1 SubmitJob, array size ${submitted?.arrayProperties?.size ?? 1}), params.json ${(bytes / 1024).toFixed(1)} KiB; resources added: 0`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
