/** The training image's entry, run here with a file:// checkpoint store (Docker cannot run on this machine). */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../spec/paths.js';

const ENTRY = join(PROJECT_ROOT, 'images', 'training', 'burst_entry.py');

/** A trainer that records what it was given, writes checkpoint step-<n+1>, and checkpoints on SIGTERM. */
const TRAINER = `
import json, os, signal, sys, time
local = os.environ["BURST_LOCAL_CHECKPOINT_DIR"]
resume = os.environ.get("BURST_RESUME_FROM", "")
step = int(open(os.path.join(resume, "step.txt")).read()) if resume else 0
def save(n):
    d = os.path.join(local, "step-%d" % n)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "step.txt"), "w").write(str(n))
def stop(signum, frame):
    save(step + 100)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
# The checkpoint first, then the report the test waits for: a SIGTERM after the report finds step+1 saved.
save(step + 1)
with open(os.environ["TRAINER_REPORT"], "a") as f:
    f.write(json.dumps({"resume": os.path.basename(resume), "step": step, "params": json.loads(os.environ["BURST_PARAMS"]),
                        "lr": os.environ.get("BURST_PARAM_LR"), "trial": os.environ["BURST_TRIAL_INDEX"]}) + "\\n")
if os.environ.get("TRAINER_WAIT"):
    time.sleep(30)
`;

interface Trial {
  readonly store: string;
  readonly report: string;
  readonly trainer: string;
  readonly done: string;
}

function trial(): Trial {
  const dir = mkdtempSync(join(tmpdir(), 'trial-'));
  const trainer = join(dir, 'train.py');
  writeFileSync(trainer, TRAINER);
  mkdirSync(join(dir, 'store'));
  return { store: join(dir, 'store'), report: join(dir, 'report.jsonl'), trainer, done: join(dir, 'run', 'checkpoint-synced') };
}

function env(t: Trial, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BURST_CHECKPOINT_PREFIX: `file://${t.store}/`,
    BURST_LOCAL_CHECKPOINT_DIR: mkdtempSync(join(tmpdir(), 'local-ckpt-')),
    BURST_SYNC_DONE_FILE: t.done,
    TRAINER_REPORT: t.report,
    ...extra,
  };
}

function reports(t: Trial): { resume: string; step: number; params: unknown; lr: string | null; trial: string }[] {
  return readFileSync(t.report, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as never);
}

/**
 * Stand-ins for boto3 and google-cloud-storage (neither is installed here): objects are files under
 * `root/<bucket>/<key>`; a missing one fails the way the real clients do, with an exception.
 */
function fakeObjectStores(): { root: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'fake-stores-'));
  const root = join(dir, 'objects');
  mkdirSync(join(dir, 'site', 'boto3'), { recursive: true });
  mkdirSync(join(dir, 'site', 'google', 'cloud'), { recursive: true });
  mkdirSync(root);
  const open = `
import io, os
def _path(bucket, key):
    path = os.path.join(os.environ["FAKE_OBJECT_ROOT"], bucket, key)
    if not os.path.exists(path):
        raise Exception("An error occurred (NoSuchKey): The specified key does not exist: %s/%s" % (bucket, key))
    return path
`;
  writeFileSync(
    join(dir, 'site', 'boto3', '__init__.py'),
    `${open}
class _S3:
    def get_object(self, Bucket, Key):
        return {"Body": io.BytesIO(open(_path(Bucket, Key), "rb").read())}
def client(name):
    assert name == "s3", name
    return _S3()
`,
  );
  writeFileSync(join(dir, 'site', 'google', '__init__.py'), '');
  writeFileSync(join(dir, 'site', 'google', 'cloud', '__init__.py'), '');
  writeFileSync(
    join(dir, 'site', 'google', 'cloud', 'storage.py'),
    `${open}
class _Blob:
    def __init__(self, bucket, key):
        self.bucket, self.key = bucket, key
    def download_as_text(self):
        return open(_path(self.bucket, self.key)).read()
class _Bucket:
    def __init__(self, name):
        self.name = name
    def blob(self, key):
        return _Blob(self.name, key)
class Client:
    def bucket(self, name):
        return _Bucket(name)
`,
  );
  return { root, env: { PYTHONPATH: join(dir, 'site'), FAKE_OBJECT_ROOT: root } };
}

describe('training entry', () => {
  it('starts fresh, then a retried trial resumes from its own latest checkpoint', () => {
    const t = trial();
    for (let i = 0; i < 2; i++) {
      const run = spawnSync('python3', [ENTRY, 'python3', t.trainer], { env: env(t), encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
    }
    expect(reports(t).map((r) => [r.resume, r.step])).toEqual([
      ['', 0],
      ['step-1', 1],
    ]);
    expect(readdirSync(t.store).sort()).toEqual(['step-1', 'step-2']);
    expect(existsSync(t.done)).toBe(true);
  });

  it('picks the trial parameters by array index and a per-trial prefix', () => {
    const t = trial();
    const params = join(t.store, '..', 'params.json');
    writeFileSync(params, JSON.stringify([{ lr: 0.1 }, { lr: 0.01, 'batch-size': 64 }]));
    const run = spawnSync('python3', [ENTRY, 'python3', t.trainer], {
      env: env(t, { BURST_PARAMS_FILE: params, AWS_BATCH_JOB_ARRAY_INDEX: '1', BURST_CHECKPOINT_PREFIX: `file://${t.store}/trial-{trial}/` }),
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    expect(reports(t)[0]).toMatchObject({ params: { lr: 0.01, 'batch-size': 64 }, lr: '0.01', trial: '1' });
    expect(readdirSync(t.store)).toEqual(['trial-1']);
  });

  it('reads the parameters of its array index from an s3:// or gs:// params file, as a sweep submits them', () => {
    for (const scheme of ['s3', 'gs']) {
      const t = trial();
      const fakes = fakeObjectStores();
      const key = join(fakes.root, 'team-bucket', 'teams', 'example', 'runs', 'r1');
      mkdirSync(key, { recursive: true });
      writeFileSync(join(key, 'params.json'), JSON.stringify([{ lr: 0.1 }, { lr: 0.01 }, { lr: 0.001, layers: 4 }]));
      const run = spawnSync('python3', [ENTRY, 'python3', t.trainer], {
        env: env(t, {
          ...fakes.env,
          BURST_PARAMS_FILE: `${scheme}://team-bucket/teams/example/runs/r1/params.json`,
          AWS_BATCH_JOB_ARRAY_INDEX: '2',
        }),
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      expect(reports(t)[0], scheme).toMatchObject({ params: { lr: 0.001, layers: 4 }, lr: '0.001', trial: '2' });
    }
  });

  it('stops with the params file named, not a traceback, when the object is missing or the trial is not an object', () => {
    const t = trial();
    const fakes = fakeObjectStores();
    const missing = spawnSync('python3', [ENTRY, 'true'], {
      env: env(t, { ...fakes.env, BURST_PARAMS_FILE: 's3://team-bucket/teams/example/runs/r1/params.json' }),
      encoding: 'utf8',
    });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('cannot read the trial parameters in BURST_PARAMS_FILE s3://team-bucket/teams/example/runs/r1/params.json: ');
    expect(missing.stderr).toContain('NoSuchKey');
    expect(missing.stderr).not.toContain('Traceback');
    const params = join(t.store, '..', 'params.json');
    writeFileSync(params, JSON.stringify([1, 2]));
    const notObject = spawnSync('python3', [ENTRY, 'true'], { env: env(t, { BURST_PARAMS_FILE: params }), encoding: 'utf8' });
    expect(notObject.status).toBe(1);
    expect(notObject.stderr).toContain(`trial 0 in ${params} is not an object of parameters`);
  });

  it('forwards SIGTERM (a spot reclaim), uploads the checkpoint written on the way out and touches the sync-done file', async () => {
    const t = trial();
    const child = spawn('python3', [ENTRY, 'python3', t.trainer], { env: env(t, { TRAINER_WAIT: '1' }) });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve) => {
      const wait = setInterval(() => {
        if (existsSync(t.report)) {
          clearInterval(wait);
          resolve();
        }
      }, 50);
    });
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(readdirSync(t.store).sort()).toEqual(['step-1', 'step-100']);
    expect(existsSync(t.done)).toBe(true);
    expect(output).toContain('"signal": "SIGTERM"');
  });

  it('refuses a missing command or a bad prefix with a message, not a traceback', () => {
    const t = trial();
    const noCommand = spawnSync('python3', [ENTRY], { env: env(t), encoding: 'utf8' });
    expect(noCommand.status).toBe(1);
    expect(noCommand.stderr).toContain('give the training command as arguments');
    const badPrefix = spawnSync('python3', [ENTRY, 'true'], { env: env(t, { BURST_CHECKPOINT_PREFIX: 's3://bucket/no-slash' }), encoding: 'utf8' });
    expect(badPrefix.status).toBe(1);
    expect(badPrefix.stderr).toContain("must be s3://, gs:// or file:// and end with '/'");
    expect(badPrefix.stderr).not.toContain('Traceback');
  });
});
