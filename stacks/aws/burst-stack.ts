import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { BurstNetwork } from '../../constructs/aws/burst-network.js';
import { assertNever, type AwsPlan } from '../../spec/plan.js';
import type { StorageStack } from './storage-stack.js';

/** Properties of a {@link BurstStack}. */
export interface BurstStackProps extends StackProps {
  readonly plan: AwsPlan;
  /** The team's storage stack, whose buckets the burst writes to. */
  readonly storage: StorageStack;
}

/**
 * `<team>-burst`: everything billable, torn down after a burst (`cdk destroy <team>-burst`) without
 * touching data. Today the network; fleets, sweep groups, the dev box and auto-shutdown join it.
 */
export class BurstStack extends Stack {
  /** The burst VPC. */
  readonly network: BurstNetwork;

  constructor(scope: Construct, id: string, props: BurstStackProps) {
    super(scope, id, props);
    let network: BurstNetwork | undefined;
    for (const item of props.plan.items) {
      if (item.layer !== 'burst') continue;
      switch (item.kind) {
        case 'network':
          network = new BurstNetwork(this, 'Network', {
            cidr: item.cidr,
            ...(item.zones ? { availabilityZones: item.zones } : {}),
            flowLogs: props.storage.logs.bucket,
          });
          break;
        default:
          assertNever(item);
      }
    }
    if (!network) throw new Error(`${id}: the plan has no network`);
    this.network = network;
  }
}
