/** The GCP dev box: a stopped VM with a retained data disk, Jupyter on localhost through IAP (G1-G6, G8, X4). */
import { spawnSync } from 'node:child_process';
import * as gcp from '@pulumi/gcp';
import type * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEVBOX_IGNORED_CHANGES,
  DEVBOX_JUPYTER_TOKEN_FILE,
  DEVBOX_JUPYTER_URL,
  DevBox,
  devBoxScript,
  iapSshCommand,
  iapTunnelCommand,
  type DevBoxArgs,
} from '../../constructs/gcp/dev-box.js';
import { HOST_SCOPES, NATIVE_DEADLINE_GRACE_SECONDS, hostImage } from '../../constructs/gcp/host.js';
import { checkGraph } from '../../stacks/gcp/rules.js';
import { recordProgram, type RecordedGraph, type RecordedResource } from '../../stacks/gcp/record.js';

/** The team labels the team provider applies (the rules read them). */
const TEAM_LABELS = { team: 'vision', 'cost-center': 'vision', 'managed-by': 'gpu-burst' };

const SPEC_HASH = `sha256:${'cd'.repeat(32)}`;

const BOX: DevBoxArgs = {
  team: 'vision',
  zone: 'us-central1-a',
  machineType: 'g2-standard-8',
  gpus: { acceleratorType: 'nvidia-l4', count: 1, attached: false },
  rootVolumeGiB: 100,
  dataVolumeGiB: 200,
  image: hostImage({ cloud: 'gcp', kind: 'dlvm-cuda' }),
  idleMinutes: 60,
  ttlHours: 12,
  subnetwork: 'projects/vision-ml-1/regions/us-central1/subnetworks/vision-burst',
  serviceAccountEmail: 'vision-burst@vision-ml-1.iam.gserviceaccount.com',
  artifactBucket: 'vision-artifacts-bucket',
  agent: { specHash: SPEC_HASH },
  labels: { team: 'vision' },
};

let graph: RecordedGraph;
const options = new Map<string, pulumi.CustomResourceOptions>();
let vm: RecordedResource;
let disk: RecordedResource;
let script: string;

async function record(args: DevBoxArgs, into?: Map<string, pulumi.CustomResourceOptions>): Promise<RecordedGraph> {
  return recordProgram(args.team, () => {
    const provider = new gcp.Provider('team', { project: 'vision-ml-1', region: 'us-central1', defaultLabels: TEAM_LABELS });
    const box = new DevBox(`${args.team}-devbox`, args, {
      provider,
      transformations: [
        (t) => {
          into?.set(`${t.type}::${t.name}`, t.opts as pulumi.CustomResourceOptions);
          return undefined;
        },
      ],
    });
    return { ssh: box.sshCommand, tunnel: box.tunnelCommand };
  });
}

function only(g: RecordedGraph, type: string): RecordedResource {
  const found = g.resources.filter((r) => r.type === type);
  expect(found, type).toHaveLength(1);
  return found[0] as RecordedResource;
}

function agentConfigs(text: string): Record<string, unknown>[] {
  return [...text.matchAll(/<<'GPU_BURST_CONFIG'\n([\s\S]*?)\nGPU_BURST_CONFIG/g)].map((m) => JSON.parse(m[1] ?? '{}') as Record<string, unknown>);
}

beforeAll(async () => {
  graph = await record(BOX, options);
  vm = only(graph, 'gcp:compute/instance:Instance');
  disk = only(graph, 'gcp:compute/disk:Disk');
  script = (vm.inputs['metadata'] as Record<string, string>)['startup-script'] ?? '';
});

describe('DevBox', () => {
  it('builds the VM <team>-devbox and its data disk <team>-devbox-data, and nothing else', () => {
    expect(graph.resources.map((r) => `${r.type} ${r.name}`)).toEqual([
      'pulumi:providers:gcp team',
      'gpu-burst:gcp:DevBox vision-devbox',
      'gcp:compute/disk:Disk vision-devbox-data',
      'gcp:compute/instance:Instance vision-devbox',
    ]);
    expect(vm.inputs).toMatchObject({ name: 'vision-devbox', zone: 'us-central1-a', machineType: 'g2-standard-8' });
    expect(disk.inputs).toMatchObject({ name: 'vision-devbox-data', zone: 'us-central1-a', size: 200, type: 'pd-balanced' });
  });

  it('passes every GCP rule (G1-G9, labels, X4)', () => {
    expect(checkGraph(graph.resources)).toEqual([]);
  });

  it('X4: the VM is created stopped and a deploy never starts or stops it (ignoreChanges desiredStatus)', () => {
    expect(vm.inputs['desiredStatus']).toBe('TERMINATED');
    const opts = options.get('gcp:compute/instance:Instance::vision-devbox');
    expect(opts?.ignoreChanges).toEqual(['desiredStatus', 'bootDisk.initializeParams.image']);
    expect(DEVBOX_IGNORED_CHANGES).toEqual(['desiredStatus', 'bootDisk.initializeParams.image']);
    expect(opts?.deleteBeforeReplace).toBe(true);
    expect(vm.inputs['allowStoppingForUpdate']).toBe(true);
  });

  it('G8: the data disk is protected, retained on delete and abandoned by the provider; the VM is not protected', () => {
    expect([disk.protect, disk.retainOnDelete, disk.inputs['deletionPolicy']]).toEqual([true, true, 'ABANDON']);
    expect([vm.protect, vm.retainOnDelete]).toEqual([false, false]);
  });

  it('G6: the boot disk goes with the VM; the data disk is attached by device name and never auto-deleted', () => {
    expect(vm.inputs['bootDisk']).toEqual({
      autoDelete: true,
      initializeParams: {
        image: 'projects/deeplearning-platform-release/global/images/family/common-cu129-ubuntu-2204-nvidia-580',
        size: 100,
        type: 'pd-balanced',
        labels: { team: 'vision', 'gpu-burst-role': 'devbox' },
      },
    });
    expect(vm.inputs['attachedDisks']).toEqual([{ source: 'vision-devbox-data', deviceName: 'gpu-burst-data', mode: 'READ_WRITE' }]);
  });

  it('G5: STANDARD, no automatic restart, terminate on maintenance (GPU), and a native deadline that STOPS it', () => {
    expect(vm.inputs['scheduling']).toEqual({
      provisioningModel: 'STANDARD',
      preemptible: false,
      automaticRestart: false,
      onHostMaintenance: 'TERMINATE',
      instanceTerminationAction: 'STOP',
      maxRunDuration: { seconds: 12 * 3600 + NATIVE_DEADLINE_GRACE_SECONDS },
    });
  });

  it('G1-G4: team account with minimal scopes, no external IP, OS Login, vTPM and integrity monitoring', () => {
    expect(vm.inputs['serviceAccount']).toEqual({ email: BOX.serviceAccountEmail, scopes: [...HOST_SCOPES] });
    expect(vm.inputs['networkInterfaces']).toEqual([{ subnetwork: BOX.subnetwork, stackType: 'IPV4_ONLY', nicType: 'GVNIC' }]);
    expect(vm.inputs['metadata']).toMatchObject({ 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE' });
    expect(vm.inputs['shieldedInstanceConfig']).toEqual({ enableVtpm: true, enableIntegrityMonitoring: true, enableSecureBoot: false });
    expect(vm.inputs['guestAccelerators']).toEqual([]);
  });

  it('labels and tags: role, TTL and idle minutes on the VM; only stable labels on its disks; the IAP network tag', () => {
    expect(vm.inputs['labels']).toEqual({ team: 'vision', 'gpu-burst-role': 'devbox', 'gpu-burst-ttl-minutes': '720', 'gpu-burst-idle-minutes': '60' });
    // A changed label in bootDisk.initializeParams would replace the VM (and the home directories on its boot disk).
    expect(disk.inputs['labels']).toEqual({ team: 'vision', 'gpu-burst-role': 'devbox' });
    expect(vm.inputs['tags']).toEqual(['gpu-burst-vision']);
  });

  it('the startup script installs the agent as a dev box, watching Jupyter only when JupyterLab runs', () => {
    const [withJupyter, withoutJupyter] = agentConfigs(script);
    expect(withJupyter).toMatchObject({
      cloud: 'gcp',
      launchKind: 'devbox',
      gpu: true,
      idleWindowSeconds: 3600,
      ttlSeconds: 12 * 3600,
      artifactPrefix: 'gs://vision-artifacts-bucket/teams/vision/',
      jupyter: { url: DEVBOX_JUPYTER_URL, tokenFile: DEVBOX_JUPYTER_TOKEN_FILE },
    });
    expect(withoutJupyter).toMatchObject({ launchKind: 'devbox', jupyter: null });
    expect(Buffer.byteLength(script)).toBeLessThan(256 * 1024);
  });

  it('the data disk is formatted only when blank and mounted at /data; JupyterLab listens on 127.0.0.1:8888 only', () => {
    expect(script).toContain("device='/dev/disk/by-id/google-gpu-burst-data'");
    const format = script.indexOf('mkfs.ext4');
    expect(script.lastIndexOf('blkid -p "$device"', format)).toBeGreaterThan(-1);
    expect(script.slice(script.lastIndexOf('blkid -p', format), format)).toContain('if [ "$?" = 2 ]; then');
    expect(script.match(/mkfs\.ext4 /g)).toHaveLength(1);
    expect(script).toContain('/data ext4 defaults,nofail,discard 0 2');
    expect(script).toContain('--ip=127.0.0.1 --port=8888');
    expect(script).not.toMatch(/--ip=0\.0\.0\.0/);
    expect(script).not.toMatch(/pip install|curl |wget /);
  });

  it('the startup script is valid bash', () => {
    const result = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const bare = devBoxScript({ user: 'devbox', agentWithJupyter: 'true', agentWithoutJupyter: 'true' });
    expect(spawnSync('bash', ['-n'], { input: bare, encoding: 'utf8' }).status).toBe(0);
  });

  it('documents the IAP tunnel and SSH commands', () => {
    expect(graph.outputs).toEqual({
      ssh: 'gcloud compute ssh vision-devbox --tunnel-through-iap --zone us-central1-a',
      tunnel: 'gcloud compute start-iap-tunnel vision-devbox 8888 --local-host-port=localhost:8888 --zone us-central1-a',
    });
    expect(iapSshCommand('a', 'z')).toContain('--tunnel-through-iap');
    expect(iapTunnelCommand('a', 'z')).toContain('8888');
  });

  it('a CPU box has no GPUs, may live-migrate, and its agent does not watch nvidia-smi', async () => {
    const cpu = await record({ ...BOX, machineType: 'n2-standard-4', gpus: undefined });
    const box = only(cpu, 'gcp:compute/instance:Instance');
    expect(box.inputs['guestAccelerators']).toEqual([]);
    expect(box.inputs['scheduling']).toMatchObject({ provisioningModel: 'STANDARD', onHostMaintenance: 'MIGRATE', instanceTerminationAction: 'STOP' });
    expect(box.inputs['networkInterfaces']).toEqual([{ subnetwork: BOX.subnetwork, stackType: 'IPV4_ONLY' }]);
    const text = (box.inputs['metadata'] as Record<string, string>)['startup-script'] ?? '';
    for (const config of agentConfigs(text)) expect(config['gpu']).toBe(false);
    expect(checkGraph(cpu.resources)).toEqual([]);
  });

  it('an N1 GPU box attaches its GPUs', async () => {
    const n1 = await record({ ...BOX, machineType: 'n1-standard-8', gpus: { acceleratorType: 'nvidia-tesla-t4', count: 1, attached: true } });
    expect(only(n1, 'gcp:compute/instance:Instance').inputs['guestAccelerators']).toEqual([{ type: 'nvidia-tesla-t4', count: 1 }]);
  });

  it('reports every problem at once', () => {
    expect(() => new DevBox('bad', { ...BOX, zone: 'us-central1', dataVolumeGiB: 5, user: 'Root' })).toThrow(
      /DevBox bad: zone 'us-central1' is not a zone like us-central1-a; dataVolumeGiB must be a whole number from 10 to 65536, got 5; user 'Root' is not a Linux user name/,
    );
  });
});
