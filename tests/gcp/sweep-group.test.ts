/** SweepGroup (Google Cloud Batch) under recording mocks: the instance template Batch jobs run on (G1–G6, X4). */
import * as gcp from '@pulumi/gcp';
import { beforeAll, describe, expect, it } from 'vitest';
import { gcpSweepJobDefaults, resolveGcpGroup } from '../../cli/commands/sweep-gcp.js';
import { BATCH_COS_IMAGE, PREEMPTION_EXIT_CODE, SweepGroup, type SweepGroupArgs } from '../../constructs/gcp/sweep-group.js';
import { recordProgram, type RecordedGraph, type RecordedResource } from '../../stacks/gcp/record.js';
import { checkGraph } from '../../stacks/gcp/rules.js';
import type { GcpPlan, GcpSweepGroupItem } from '../../spec/plan.js';
import { specFromYaml } from '../helpers.js';

const TEAM_SA = 'gb-vision@vision-ml-project.iam.gserviceaccount.com';
const SUBNET = 'projects/vision-ml-project/regions/us-central1/subnetworks/vision-burst';

const SPEC = specFromYaml(
  'vision',
  `
costCenter: ml
gcp:
  project: vision-ml-project
  region: us-central1
  subnetCidr: 10.65.0.0/20
  sweeps:
    - name: hparams
      accelerator: l4
      parallelism: 4
      trialHours: 2
      imageTag: v1
    - name: t4-grid
      accelerator: t4
      imageTag: v2
      command: [python, train.py, --epochs, "3"]
`,
);

/** Component args from a plan item, as the lead's program maps them. */
function argsOf(plan: GcpPlan, item: GcpSweepGroupItem): SweepGroupArgs {
  return {
    team: plan.team,
    groupName: item.name,
    project: plan.project,
    region: plan.region,
    machineType: item.machineType,
    acceleratorType: item.acceleratorType,
    acceleratorCount: item.count,
    attachedAccelerators: item.attached,
    parallelism: item.parallelism,
    trialHours: item.trialHours,
    attempts: item.attempts,
    imageTag: item.imageTag,
    ...(item.command ? { command: item.command } : {}),
    subnetwork: SUBNET,
    serviceAccountEmail: TEAM_SA,
  };
}

const l4 = resolveGcpGroup(SPEC, 'hparams');
const t4 = resolveGcpGroup(SPEC, 't4-grid');

let graph: RecordedGraph;
const groups: SweepGroup[] = [];

function templates(): RecordedResource[] {
  return graph.resources.filter((r) => r.type === 'gcp:compute/instanceTemplate:InstanceTemplate');
}

function template(name: string): Record<string, unknown> {
  const found = templates().find((r) => r.name === name);
  if (!found) throw new Error(`no template ${name}`);
  return found.inputs;
}

beforeAll(async () => {
  graph = await recordProgram('vision', () => {
    const provider = new gcp.Provider('vision-gcp', {
      project: 'vision-ml-project',
      region: 'us-central1',
      defaultLabels: { team: 'vision', 'cost-center': 'ml', 'managed-by': 'gpu-burst' },
    });
    groups.push(new SweepGroup('vision-hparams', argsOf(l4.plan, l4.item), { provider }));
    groups.push(new SweepGroup('vision-t4-grid', argsOf(t4.plan, t4.item), { provider }));
    return {};
  });
});

describe('SweepGroup', () => {
  it('X4: one instance template per group and nothing billable; trials are not an input, so nothing grows with them', () => {
    expect(graph.resources.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'pulumi:providers:gcp vision-gcp',
      'gpu-burst:gcp:SweepGroup vision-hparams',
      'gcp:compute/instanceTemplate:InstanceTemplate vision-hparams',
      'gpu-burst:gcp:SweepGroup vision-t4-grid',
      'gcp:compute/instanceTemplate:InstanceTemplate vision-t4-grid',
    ].sort());
    expect(checkGraph(graph.resources)).toEqual([]);
  });

  it('names templates <team>-<group>- by prefix, from the Batch Container-Optimized OS image, boot disk deleted with the VM (G6)', () => {
    expect(template('vision-hparams')).toMatchObject({
      namePrefix: 'vision-hparams-',
      machineType: 'g2-standard-4',
      disks: [{ boot: true, autoDelete: true, sourceImage: BATCH_COS_IMAGE, diskSizeGb: 100, diskType: 'pd-balanced' }],
    });
    expect(BATCH_COS_IMAGE).toBe('projects/batch-custom-image/global/images/family/batch-cos-stable-official');
  });

  it('G5: spot, no automatic restart, GPUs terminate on host maintenance, a termination action; no VM deadline (Batch reuses VMs)', () => {
    const scheduling = template('vision-hparams')['scheduling'];
    expect(scheduling).toEqual({
      provisioningModel: 'SPOT',
      preemptible: true,
      automaticRestart: false,
      onHostMaintenance: 'TERMINATE',
      instanceTerminationAction: 'STOP',
    });
    expect(scheduling).not.toHaveProperty('maxRunDuration');
  });

  it('G2: the only network interface is on the team subnet with no access config (no external IP); gVNIC on G2', () => {
    const nics = template('vision-hparams')['networkInterfaces'] as Record<string, unknown>[];
    expect(nics).toEqual([{ subnetwork: SUBNET, stackType: 'IPV4_ONLY', nicType: 'GVNIC' }]);
    expect(nics[0]).not.toHaveProperty('accessConfigs');
    expect(template('vision-t4-grid')['networkInterfaces']).toEqual([{ subnetwork: SUBNET, stackType: 'IPV4_ONLY' }]);
  });

  it('G4: Shielded VM with vTPM and integrity monitoring; Secure Boot off unless asked for', () => {
    expect(template('vision-hparams')['shieldedInstanceConfig']).toEqual({ enableVtpm: true, enableIntegrityMonitoring: true, enableSecureBoot: false });
  });

  it('G3: OS Login on, project-wide SSH keys blocked', () => {
    expect(template('vision-hparams')['metadata']).toEqual({ 'enable-oslogin': 'TRUE', 'block-project-ssh-keys': 'TRUE' });
  });

  it('G1: the VMs run as the team service account, never the default compute account', () => {
    expect(template('vision-hparams')['serviceAccount']).toEqual({ email: TEAM_SA, scopes: ['cloud-platform'] });
    expect(() => new SweepGroup('bad', { ...argsOf(l4.plan, l4.item), serviceAccountEmail: '123456789-compute@developer.gserviceaccount.com' })).toThrow(
      /default compute service account.*G1/,
    );
  });

  it('labels: gpu-burst-role sweep and gpu-burst-sweep, through the team provider', () => {
    for (const r of templates()) {
      expect(r.inputs['labels']).toEqual({ 'gpu-burst-role': 'sweep', 'gpu-burst-sweep': r.name.replace('vision-', '') });
      expect(r.provider).toMatch(/::vision-gcp::/);
    }
  });

  it('lists guest accelerators only for N1 (attached T4); G2 carries its L4', () => {
    expect(template('vision-t4-grid')).toMatchObject({ machineType: 'n1-standard-8', guestAccelerators: [{ type: 'nvidia-tesla-t4', count: 1 }] });
    expect(template('vision-hparams')).not.toHaveProperty('guestAccelerators');
  });

  it('job defaults: the same values the CLI derives from the team file (one source of truth)', () => {
    const [hparams, grid] = groups;
    expect(hparams?.jobDefaults).toEqual({
      group: 'hparams',
      templateNamePrefix: 'vision-hparams-',
      machineType: 'g2-standard-4',
      acceleratorType: 'nvidia-l4',
      acceleratorCount: 1,
      parallelism: 4,
      trialSeconds: 7200,
      attempts: 3,
      retryExitCodes: [PREEMPTION_EXIT_CODE],
      imageUri: 'us-central1-docker.pkg.dev/vision-ml-project/vision-training-images/training:v1',
      installGpuDrivers: true,
    });
    expect(hparams?.jobDefaults).toEqual(gcpSweepJobDefaults(l4.plan, l4.item));
    expect(grid?.jobDefaults).toEqual(gcpSweepJobDefaults(t4.plan, t4.item));
    expect(grid?.jobDefaults.command).toEqual(['python', 'train.py', '--epochs', '3']);
  });

  it('rejects bad arguments with every problem at once', () => {
    expect(
      () =>
        new SweepGroup('bad', {
          ...argsOf(l4.plan, l4.item),
          groupName: 'Bad_Group',
          parallelism: 0,
          attempts: 11,
          trialHours: 0.001,
          imageTag: 'no tags!',
        }),
    ).toThrow(
      /SweepGroup bad: 'vision-Bad_Group-' .*is not a Compute Engine name prefix.*parallelism must be an integer from 1 to 1000, got 0.*attempts must be an integer from 1 to 10, got 11.*trialHours must be at least 1 minute.*imageTag 'no tags!' is not an image tag/,
    );
  });

  it('options: on-demand VMs carry no spot settings; DELETE and Secure Boot when asked for', async () => {
    const g = await recordProgram('vision', () => {
      new SweepGroup('vision-od', { ...argsOf(l4.plan, l4.item), groupName: 'od', spot: false, secureBoot: true });
      new SweepGroup('vision-del', { ...argsOf(l4.plan, l4.item), groupName: 'del', terminationAction: 'DELETE', networkTags: ['gpu-burst-vision'] });
      return {};
    });
    const byName = (n: string) => g.resources.find((r) => r.name === n && r.custom)?.inputs ?? {};
    expect(byName('vision-od')['scheduling']).toEqual({ provisioningModel: 'STANDARD', automaticRestart: false, onHostMaintenance: 'TERMINATE' });
    expect(byName('vision-od')['shieldedInstanceConfig']).toMatchObject({ enableSecureBoot: true });
    expect(byName('vision-del')['scheduling']).toMatchObject({ instanceTerminationAction: 'DELETE' });
    expect(byName('vision-del')['tags']).toEqual(['gpu-burst-vision']);
  });
});
