/**
 * The AWS half of the leak report (cli/leaks.ts): Describe calls in the team's region filtered on
 * the team tag (`tag:team`, applied stack-wide by the CDK app), one call family per kind. A denied
 * or failing kind is recorded as not checked and the others go on; missing credentials or an
 * unreachable endpoint stop the report. Throttling is retried by the SDK itself (standard retry
 * mode, `maxAttempts` {@link AWS_MAX_ATTEMPTS} in the real clients).
 */
import type { AutoScalingClient, AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { BatchClient, ComputeEnvironmentDetail } from '@aws-sdk/client-batch';
import type { CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import type { Address, EC2Client, Filter, Instance, NatGateway, NetworkInterface, SpotInstanceRequest, Tag, Volume } from '@aws-sdk/client-ec2';
import { findEc2Type } from '../spec/aws-compute.js';
import { AWS_CPU_INSTANCE_TYPES, AWS_INSTANCE_TYPES, SERVICE_PRICES } from '../spec/catalog/index.js';
import { HOURS_PER_MONTH } from '../spec/cost.js';
import type { AwsPlan } from '../spec/plan.js';
import { UserError } from '../spec/problems.js';
import { AWS_CREDENTIALS, awsErrorName, awsFailure } from './aws-errors.js';
import { CAPABILITIES } from './aws-egress.js';
import type { AwsLeakKind, BurstStackState, CloudCheckContext, CloudLeaks, Disposition, LeakFinding, UncheckedKind } from './leaks.js';
import { awsClients } from './aws-clients.js';

/** Attempts per call of the real clients (standard retry mode: throttling and 5xx back off and retry). */
export { AWS_MAX_ATTEMPTS } from './aws-clients.js';
/** Pages read per listing before the report says it stopped. */
const MAX_PAGES = 50;
/** Instance states that bill or may bill again: stopped instances keep their volumes. */
const LIVE_INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** Where the report gets its AWS clients (one per service, in the team's region). */
export interface AwsLeakClients {
  ec2(region: string): EC2Client | Promise<EC2Client>;
  autoScaling(region: string): AutoScalingClient | Promise<AutoScalingClient>;
  batch(region: string): BatchClient | Promise<BatchClient>;
  cloudFormation(region: string): CloudFormationClient | Promise<CloudFormationClient>;
}

/** The real clients: SDKs imported on first use, credentials found the usual way, {@link AWS_MAX_ATTEMPTS} attempts. */
export function awsLeakClients(): AwsLeakClients {
  const { ec2, autoScaling, batch, cloudFormation } = awsClients;
  return { ec2, autoScaling, batch, cloudFormation };
}

/** True for failures that make every other call fail the same way: report them at once. */
function fatal(err: UserError): boolean {
  return err.message === AWS_CREDENTIALS || /^AWS credentials were rejected|^cannot reach AWS/.test(err.message);
}

const tag = (tags: readonly Tag[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;
const money = (n: number) => `$${n.toFixed(n < 1 ? 3 : 2)}`;

/** On-demand or spot $/h of an EC2 type from the catalog, with its basis. */
function instancePrice(type: string, spot: boolean): { usdPerHour: number; basis: string } | undefined {
  const entry = [...AWS_INSTANCE_TYPES, ...AWS_CPU_INSTANCE_TYPES].find((t) => t.instanceType === type);
  if (!entry) return undefined;
  const p = spot ? entry.prices.spot : entry.prices.onDemand;
  return { usdPerHour: p.usdPerHour, basis: `${type} ${spot ? 'spot' : 'on-demand'} at ${money(p.usdPerHour)}/h (catalog, ${p.region}, ${p.asOf})` };
}

/** Runs the AWS checks for one team. */
export async function awsLeaks(plan: AwsPlan, clients: AwsLeakClients, ctx: CloudCheckContext): Promise<CloudLeaks> {
  const { team } = ctx;
  const region = plan.region;
  const stackName = `${team}-burst`;
  const unchecked: UncheckedKind[] = [];
  const checked: AwsLeakKind[] = [];
  const notes: string[] = [];
  const findings: LeakFinding[] = [];
  const teamFilter: Filter = { Name: 'tag:team', Values: [team] };
  const r = `--region ${region}`;

  async function check<T>(kind: AwsLeakKind, action: string, fn: () => Promise<T>, needs?: string): Promise<T | undefined> {
    ctx.progress(`aws ${region}: checking ${kind}...`);
    try {
      const result = await fn();
      if (!checked.includes(kind)) checked.push(kind);
      return result;
    } catch (err) {
      const mapped = awsFailure(err, { action, region, ...(needs ? { needs } : {}) });
      if (!(mapped instanceof UserError) || fatal(mapped)) throw mapped;
      if (!unchecked.some((u) => u.kind === kind)) unchecked.push({ cloud: 'aws', kind, reason: mapped.message });
      return undefined;
    }
  }

  async function pages<T>(what: string, page: (token?: string) => Promise<{ items?: T[]; next?: string }>): Promise<T[]> {
    const all: T[] = [];
    let token: string | undefined;
    for (let n = 0; n < MAX_PAGES; n++) {
      const out = await page(token);
      all.push(...(out.items ?? []));
      token = out.next;
      if (!token) return all;
    }
    notes.push(`${what}: stopped after ${MAX_PAGES} pages; more may exist`);
    return all;
  }

  const [ec2Api, asgApi, batchApi, cfnApi] = await Promise.all([
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-auto-scaling'),
    import('@aws-sdk/client-batch'),
    import('@aws-sdk/client-cloudformation'),
  ]);
  const ec2 = await clients.ec2(region);

  // --- the burst stack: whether the burst is deployed (at rest) and whether egress is on
  const cfn = await clients.cloudFormation(region);
  const stack = await check('burst-stack', 'cloudformation:DescribeStacks', async (): Promise<Stack | null> => {
    try {
      return (await cfn.send(new cfnApi.DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0] ?? null;
    } catch (err) {
      if (awsErrorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message)) return null;
      throw err;
    }
  });
  const burstStack: BurstStackState | undefined =
    stack === undefined
      ? undefined
      : stack === null
        ? { name: stackName, status: 'absent' }
        : {
            name: stackName,
            status: stack.StackStatus ?? 'UNKNOWN',
            ...(stack.Parameters?.some((p) => p.ParameterKey === 'Egress')
              ? { egress: stack.Parameters.find((p) => p.ParameterKey === 'Egress')?.ParameterValue ?? '' }
              : {}),
          };
  // A stack that could not be described counts as deployed: the dev box is then at rest, and the
  // report is incomplete anyway (exit 3) unless something else leaks.
  const deployed = burstStack === undefined ? true : burstStack.status !== 'absent' && !burstStack.status.startsWith('DELETE_');
  const atRest: Disposition = !ctx.afterTeardown && deployed ? 'at-rest' : 'leak';
  const fromStack = (tags: readonly Tag[] | undefined) => deployed && burstStack !== undefined && tag(tags, 'aws:cloudformation:stack-name') === stackName;
  const egressOff =
    `aws cloudformation update-stack --stack-name ${stackName} --use-previous-template --parameters ` +
    [
      'ParameterKey=Egress,ParameterValue=off',
      ...(stack?.Parameters ?? []).filter((p) => p.ParameterKey && p.ParameterKey !== 'Egress').map((p) => `ParameterKey=${p.ParameterKey},UsePreviousValue=true`),
    ].join(' ') +
    ` --capabilities ${CAPABILITIES.join(' ')} ${r}`;

  // --- instances
  const instances =
    (await check('instance', 'ec2:DescribeInstances', () =>
      pages<Instance>('instances', async (token) => {
        const out = await ec2.send(
          new ec2Api.DescribeInstancesCommand({
            Filters: [teamFilter, { Name: 'instance-state-name', Values: LIVE_INSTANCE_STATES }],
            ...(token ? { NextToken: token } : {}),
          }),
        );
        return { items: (out.Reservations ?? []).flatMap((res) => res.Instances ?? []), ...(out.NextToken ? { next: out.NextToken } : {}) };
      }),
    )) ?? [];
  const instanceDisposition = new Map<string, Disposition>();
  const instanceRemove = new Map<string, string>();
  for (const i of instances) {
    const id = i.InstanceId ?? '?';
    const state = i.State?.Name ?? 'unknown';
    const type = i.InstanceType ?? '?';
    const group = tag(i.Tags, 'aws:autoscaling:groupName');
    const devBox = tag(i.Tags, 'gpu-burst:role') === 'devbox';
    const running = state !== 'stopped';
    const disposition: Disposition = devBox && !running ? atRest : 'leak';
    const price = running ? instancePrice(type, i.InstanceLifecycle === 'spot') : undefined;
    const remove = group
      ? `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${group} --min-size 0 --desired-capacity 0 ${r}`
      : devBox && running && deployed && !ctx.afterTeardown
        ? `aws ec2 stop-instances --instance-ids ${id} ${r}`
        : devBox && disposition === 'at-rest'
          ? `npx burst down ${team} --cloud aws (or npx cdk destroy ${stackName}); its data volume is kept`
          : `aws ec2 terminate-instances --instance-ids ${id} ${r}`;
    instanceDisposition.set(id, disposition);
    instanceRemove.set(id, remove);
    findings.push({
      cloud: 'aws',
      kind: 'instance',
      id,
      ...(tag(i.Tags, 'Name') ? { name: tag(i.Tags, 'Name') } : devBox ? { name: 'dev box' } : {}),
      location: i.Placement?.AvailabilityZone ?? region,
      state: `${state} ${type}`,
      disposition,
      bills: !running
        ? `stopped: no instance charge; its EBS volumes bill (listed as volumes)${devBox && disposition === 'at-rest' ? '; the dev box at rest' : ''}`
        : price
          ? `${price.basis}${group ? `, member of ${group}` : ''}`
          : `${type}: not in the catalog`,
      ...(running ? (price ? { usdPerHour: price.usdPerHour } : {}) : { usdPerHour: 0 }),
      remove,
    });
  }

  // --- volumes
  const volumes = await check('volume', 'ec2:DescribeVolumes', () =>
    pages<Volume>('volumes', async (token) => {
      const out = await ec2.send(
        new ec2Api.DescribeVolumesCommand({ Filters: [teamFilter, { Name: 'status', Values: ['creating', 'available', 'in-use'] }], ...(token ? { NextToken: token } : {}) }),
      );
      return { items: out.Volumes ?? [], ...(out.NextToken ? { next: out.NextToken } : {}) };
    }),
  );
  const rootOf = new Map(instances.map((i) => [i.InstanceId ?? '', i.RootDeviceName ?? '']));
  const gp3 = SERVICE_PRICES.ebsGp3;
  for (const v of volumes ?? []) {
    const id = v.VolumeId ?? '?';
    const size = v.Size ?? 0;
    const attachment = v.Attachments?.find((a) => a.State === 'attached' || a.State === 'attaching') ?? v.Attachments?.[0];
    const owner = attachment?.InstanceId;
    const isRoot = owner !== undefined && attachment?.Device !== undefined && rootOf.get(owner) === attachment.Device;
    const devBoxData = tag(v.Tags, 'gpu-burst:role') === 'devbox' && !isRoot;
    const usdPerHour = (size * gp3.usd) / HOURS_PER_MONTH;
    const priceNote = `${size} GiB ${v.VolumeType ?? 'EBS'} at ${money(gp3.usd)}/GB-month${v.VolumeType === 'gp3' ? '' : ' (gp3 price)'}`;
    let disposition: Disposition = 'leak';
    let bills = `${priceNote}, ${owner ? `attached to ${owner}` : 'attached to nothing'}`;
    let remove = owner
      ? `aws ec2 detach-volume --volume-id ${id} ${r} && aws ec2 delete-volume --volume-id ${id} ${r}`
      : `aws ec2 delete-volume --volume-id ${id} ${r}`;
    if (devBoxData) {
      disposition = 'retained';
      bills = `${priceNote}: the dev box data volume, retained by design: delete it when its data is safe`;
      remove = `aws ec2 create-snapshot --volume-id ${id} ${r} (optional), then aws ec2 delete-volume --volume-id ${id} ${r}${owner ? ' once the dev box is gone' : ''}`;
    } else if (owner && instanceDisposition.has(owner)) {
      disposition = instanceDisposition.get(owner) ?? 'leak';
      const withInstance = attachment?.DeleteOnTermination === true;
      bills = `${priceNote}, ${isRoot ? 'root volume' : 'volume'} of ${owner}`;
      if (withInstance || disposition === 'at-rest') remove = `goes with ${owner}: ${instanceRemove.get(owner) ?? ''}`;
    }
    findings.push({
      cloud: 'aws',
      kind: 'volume',
      id,
      ...(tag(v.Tags, 'Name') ? { name: tag(v.Tags, 'Name') } : devBoxData ? { name: 'dev box data' } : {}),
      location: v.AvailabilityZone ?? region,
      state: v.State ?? 'unknown',
      disposition,
      bills,
      usdPerHour,
      remove,
    });
  }

  // --- network interfaces left behind (detached ones; attached ones belong to instances listed above)
  const enis = await check('network-interface', 'ec2:DescribeNetworkInterfaces', async () => {
    const vpcs = await ec2.send(new ec2Api.DescribeVpcsCommand({ Filters: [teamFilter] }));
    const vpcIds = (vpcs.Vpcs ?? []).map((v) => v.VpcId ?? '').filter((v) => v !== '');
    const list = (filter: Filter) =>
      pages<NetworkInterface>('network interfaces', async (token) => {
        const out = await ec2.send(
          new ec2Api.DescribeNetworkInterfacesCommand({ Filters: [filter, { Name: 'status', Values: ['available'] }], ...(token ? { NextToken: token } : {}) }),
        );
        return { items: out.NetworkInterfaces ?? [], ...(out.NextToken ? { next: out.NextToken } : {}) };
      });
    const found = [...(await list(teamFilter)), ...(vpcIds.length > 0 ? await list({ Name: 'vpc-id', Values: vpcIds }) : [])];
    return [...new Map(found.map((n) => [n.NetworkInterfaceId, n])).values()];
  }, 'ec2:DescribeVpcs and ec2:DescribeNetworkInterfaces');
  for (const n of enis ?? []) {
    // A NAT gateway's, Lambda's or an endpoint's interface is the service's: it goes with its owner.
    if (n.RequesterManaged) continue;
    const id = n.NetworkInterfaceId ?? '?';
    const ip = n.Association?.PublicIp;
    findings.push({
      cloud: 'aws',
      kind: 'network-interface',
      id,
      location: n.AvailabilityZone ?? region,
      state: n.Status ?? 'available',
      disposition: 'leak',
      bills: `detached interface in ${n.VpcId ?? 'a team VPC'}: ${ip ? `its public IPv4 ${ip} bills ${money(SERVICE_PRICES.publicIpv4.usd)}/h` : 'free itself'}, and it blocks deleting its subnet, security group and VPC (cdk destroy fails)`,
      usdPerHour: ip ? SERVICE_PRICES.publicIpv4.usd : 0,
      remove: `aws ec2 delete-network-interface --network-interface-id ${id} ${r}`,
    });
  }

  // --- Elastic IPs
  const addresses = await check('elastic-ip', 'ec2:DescribeAddresses', async () => (await ec2.send(new ec2Api.DescribeAddressesCommand({ Filters: [teamFilter] }))).Addresses ?? []);
  for (const a of (addresses ?? []) as Address[]) {
    const id = a.AllocationId ?? a.PublicIp ?? '?';
    const owned = fromStack(a.Tags);
    findings.push({
      cloud: 'aws',
      kind: 'elastic-ip',
      id,
      ...(a.PublicIp ? { name: a.PublicIp } : {}),
      location: region,
      state: a.AssociationId ? `associated${a.NetworkInterfaceId ? ` to ${a.NetworkInterfaceId}` : ''}` : 'unassociated',
      disposition: 'leak',
      bills: `public IPv4 at ${money(SERVICE_PRICES.publicIpv4.usd)}/h, in use or idle${owned ? ` (the NAT gateway's, Egress=${burstStack?.egress ?? '?'})` : ''}`,
      usdPerHour: SERVICE_PRICES.publicIpv4.usd,
      remove: owned
        ? `turn egress off: ${egressOff}`
        : a.AssociationId
          ? `aws ec2 disassociate-address --association-id ${a.AssociationId} ${r} && aws ec2 release-address --allocation-id ${id} ${r}`
          : `aws ec2 release-address --allocation-id ${id} ${r}`,
    });
  }

  // --- NAT gateways
  const nats = await check('nat-gateway', 'ec2:DescribeNatGateways', () =>
    pages<NatGateway>('NAT gateways', async (token) => {
      const out = await ec2.send(
        new ec2Api.DescribeNatGatewaysCommand({ Filter: [teamFilter, { Name: 'state', Values: ['pending', 'available'] }], ...(token ? { NextToken: token } : {}) }),
      );
      return { items: out.NatGateways ?? [], ...(out.NextToken ? { next: out.NextToken } : {}) };
    }),
  );
  let stackNat = false;
  for (const g of nats ?? []) {
    const id = g.NatGatewayId ?? '?';
    const owned = fromStack(g.Tags);
    stackNat ||= owned;
    findings.push({
      cloud: 'aws',
      kind: 'nat-gateway',
      id,
      location: region,
      state: g.State ?? 'unknown',
      disposition: 'leak',
      bills: `NAT gateway ${money(SERVICE_PRICES.natGatewayHour.usd)}/h + ${money(SERVICE_PRICES.natGatewayData.usd)}/GB processed${owned ? `; the burst stack's egress (Egress=${burstStack?.egress ?? '?'}): the backstop turns it off once nothing runs` : ''}`,
      usdPerHour: SERVICE_PRICES.natGatewayHour.usd,
      remove: owned ? `turn egress off: ${egressOff}` : `aws ec2 delete-nat-gateway --nat-gateway-id ${id} ${r}`,
    });
  }
  if (burstStack?.egress === 'on' && !stackNat) {
    findings.push({
      cloud: 'aws',
      kind: 'burst-stack',
      id: stackName,
      location: region,
      state: `${burstStack.status}, Egress=on`,
      disposition: 'leak',
      bills: `Egress=on keeps a NAT gateway and its public IPv4 (${money(SERVICE_PRICES.natGatewayHour.usd + SERVICE_PRICES.publicIpv4.usd)}/h)${nats === undefined ? '' : ' (none listed yet: being created?)'}`,
      usdPerHour: SERVICE_PRICES.natGatewayHour.usd + SERVICE_PRICES.publicIpv4.usd,
      remove: egressOff,
    });
  }

  // --- Batch compute environments above 0 vCPU (listed whole: Batch has no tag filter)
  const batch = await clients.batch(region);
  const environments = await check('batch-compute-environment', 'batch:DescribeComputeEnvironments', () =>
    pages<ComputeEnvironmentDetail>('Batch compute environments', async (token) => {
      const out = await batch.send(new batchApi.DescribeComputeEnvironmentsCommand({ ...(token ? { nextToken: token } : {}) }));
      return { items: out.computeEnvironments ?? [], ...(out.nextToken ? { next: out.nextToken } : {}) };
    }),
  );
  for (const ce of environments ?? []) {
    const name = ce.computeEnvironmentName ?? '?';
    const ours = ce.tags?.['team'] === team || name.startsWith(`${team}-`);
    const desired = ce.computeResources?.desiredvCpus ?? 0;
    if (!ours || desired <= 0) continue;
    const minimum = ce.computeResources?.minvCpus ?? 0;
    const type = ce.computeResources?.instanceTypes?.[0];
    const ec2Type = type ? findEc2Type(type) : undefined;
    const spot = ce.computeResources?.type === 'SPOT' || ce.computeResources?.type === 'FARGATE_SPOT';
    const price = type && ec2Type ? instancePrice(type, spot) : undefined;
    const hosts = ec2Type ? Math.ceil(desired / ec2Type.vCpus) : 0;
    const ce_ = `--compute-environment ${name} ${r}`;
    findings.push({
      cloud: 'aws',
      kind: 'batch-compute-environment',
      id: name,
      ...(ce.tags?.['gpu-burst:sweep'] ? { name: `sweep ${ce.tags['gpu-burst:sweep']}` } : {}),
      location: region,
      state: `${ce.state ?? '?'}, desiredvCpus ${desired} (min ${minimum})`,
      disposition: 'leak',
      bills: price ? `${desired} vCPUs: about ${hosts} x ${price.basis}` : `${desired} vCPUs of ${type ?? 'its instance types'}`,
      ...(price ? { usdPerHour: hosts * price.usdPerHour } : {}),
      remove:
        minimum > 0
          ? `aws batch update-compute-environment ${ce_} --compute-resources minvCpus=0`
          : deployed
            ? `it scales to 0 once its jobs end: list them (npx burst sweep status ${team}) and end them (aws batch terminate-job --job-id <id> --reason leak ${r})`
            : `aws batch update-compute-environment ${ce_} --state DISABLED && aws batch delete-compute-environment ${ce_}`,
    });
  }

  // --- Auto Scaling groups above 0
  const asg = await clients.autoScaling(region);
  const groups = await check('auto-scaling-group', 'autoscaling:DescribeAutoScalingGroups', () =>
    pages<AutoScalingGroup>('Auto Scaling groups', async (token) => {
      const out = await asg.send(new asgApi.DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag:team', Values: [team] }], ...(token ? { NextToken: token } : {}) }));
      return { items: out.AutoScalingGroups ?? [], ...(out.NextToken ? { next: out.NextToken } : {}) };
    }),
  );
  for (const g of groups ?? []) {
    const desired = g.DesiredCapacity ?? 0;
    if (desired <= 0) continue;
    const name = g.AutoScalingGroupName ?? '?';
    const fleet = g.Tags?.find((t) => t.Key === 'gpu-burst:fleet')?.Value;
    findings.push({
      cloud: 'aws',
      kind: 'auto-scaling-group',
      id: name,
      ...(fleet ? { name: `fleet ${fleet}` } : {}),
      location: region,
      state: `desired ${desired} (min ${g.MinSize ?? 0}, ${g.Instances?.length ?? 0} instances)`,
      disposition: 'leak',
      bills: 'bills through its instances (listed as instances); it replaces any you terminate',
      usdPerHour: 0,
      remove: deployed
        ? `aws autoscaling update-auto-scaling-group --auto-scaling-group-name ${name} --min-size 0 --desired-capacity 0 ${r}`
        : `aws autoscaling delete-auto-scaling-group --auto-scaling-group-name ${name} --force-delete ${r}`,
    });
  }

  // --- spot requests that still wait for capacity or relaunch on their own
  const requests = await check('spot-request', 'ec2:DescribeSpotInstanceRequests', () =>
    pages<SpotInstanceRequest>('spot requests', async (token) => {
      const out = await ec2.send(
        new ec2Api.DescribeSpotInstanceRequestsCommand({ Filters: [teamFilter, { Name: 'state', Values: ['open', 'active'] }], ...(token ? { NextToken: token } : {}) }),
      );
      return { items: out.SpotInstanceRequests ?? [], ...(out.NextToken ? { next: out.NextToken } : {}) };
    }),
  );
  for (const s of requests ?? []) {
    const persistent = s.Type === 'persistent';
    if (s.State === 'active' && !persistent) continue;
    const id = s.SpotInstanceRequestId ?? '?';
    findings.push({
      cloud: 'aws',
      kind: 'spot-request',
      id,
      location: s.LaunchedAvailabilityZone ?? region,
      state: `${s.State ?? '?'} ${s.Type ?? ''}`.trim(),
      disposition: 'leak',
      bills:
        s.State === 'open'
          ? `waiting for capacity: launches ${s.LaunchSpecification?.InstanceType ?? 'an instance'} and bills once granted`
          : `persistent: relaunches ${s.InstanceId ?? 'its instance'} when it is terminated (the instance is listed)`,
      usdPerHour: 0,
      remove: `aws ec2 cancel-spot-instance-requests --spot-instance-request-ids ${id} ${r}${s.InstanceId ? `, then aws ec2 terminate-instances --instance-ids ${s.InstanceId} ${r}` : ''}`,
    });
  }

  return { cloud: 'aws', region, checked, unchecked, findings, ...(burstStack ? { burstStack } : {}), notes };
}
