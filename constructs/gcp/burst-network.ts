import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** Arguments of a {@link BurstNetwork}. */
export interface BurstNetworkArgs {
  /** Region of the subnet, e.g. `us-central1`. */
  readonly region: pulumi.Input<string>;
  /** IPv4 range of the subnet, e.g. `10.65.0.0/20`. */
  readonly cidr: pulumi.Input<string>;
}

/**
 * The burst network: a custom-mode VPC with one private subnet whose hosts reach Cloud Storage
 * through Private Google Access (checkpoints skip NAT). No router, NAT or firewall opening stands:
 * the implied rules deny all ingress. Free at rest.
 */
export class BurstNetwork extends pulumi.ComponentResource {
  /** The VPC network. */
  readonly network: gcp.compute.Network;
  /** The burst subnet. */
  readonly subnet: gcp.compute.Subnetwork;

  constructor(name: string, args: BurstNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gpu-burst:gcp:BurstNetwork', name, {}, opts);
    this.network = new gcp.compute.Network(
      name,
      {
        autoCreateSubnetworks: false,
        routingMode: 'REGIONAL',
        description: 'gpu-burst burst network (private hosts only)',
      },
      { parent: this },
    );
    this.subnet = new gcp.compute.Subnetwork(
      name,
      {
        network: this.network.id,
        region: args.region,
        ipCidrRange: args.cidr,
        privateIpGoogleAccess: true,
        stackType: 'IPV4_ONLY',
        description: 'gpu-burst burst subnet (Private Google Access for checkpoints)',
      },
      { parent: this },
    );
    this.registerOutputs({ network: this.network.id, subnet: this.subnet.id });
  }
}
