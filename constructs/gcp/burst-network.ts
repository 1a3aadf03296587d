import * as gcp from '@pulumi/gcp';
import * as pulumi from '@pulumi/pulumi';

/** Arguments of a {@link BurstNetwork}. */
export interface BurstNetworkArgs {
  /** Region of the subnet, e.g. `us-central1`. */
  readonly region: pulumi.Input<string>;
  /** IPv4 range of the subnet, e.g. `10.65.0.0/20`. */
  readonly cidr: pulumi.Input<string>;
  /**
   * Network tag of the hosts that accept SSH from Identity-Aware Proxy (35.235.240.0/20, tcp:22).
   * @default - no ingress at all
   */
  readonly sshTag?: string;
}

/** Where Identity-Aware Proxy's TCP forwarding connects from (Google's documented range). */
export const IAP_SOURCE_RANGE = '35.235.240.0/20';

/** The network tag of a team's hosts: the IAP SSH rule targets it. */
export function teamHostTag(team: string): string {
  return `gpu-burst-${team}`;
}

/**
 * The burst network: a custom-mode VPC with one private subnet whose hosts reach Cloud Storage
 * through Private Google Access (Cloud Storage, Artifact Registry and every Google API gpu-burst
 * calls, so no NAT). No router or NAT stands; the only ingress is SSH from Identity-Aware Proxy to
 * the team's tagged hosts. Free at rest.
 */
export class BurstNetwork extends pulumi.ComponentResource {
  /** The VPC network. */
  readonly network: gcp.compute.Network;
  /** The burst subnet. */
  readonly subnet: gcp.compute.Subnetwork;
  /** SSH from Identity-Aware Proxy to hosts carrying `sshTag`, when one is given. */
  readonly iapSsh?: gcp.compute.Firewall;

  constructor(name: string, args: BurstNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gpu-burst:gcp:BurstNetwork', name, {}, opts);
    this.network = new gcp.compute.Network(
      name,
      {
        // A fixed name: `burst start` builds TPU requests and Batch jobs outside Pulumi and names the network.
        name,
        autoCreateSubnetworks: false,
        routingMode: 'REGIONAL',
        description: 'gpu-burst burst network (private hosts only)',
      },
      { parent: this },
    );
    this.subnet = new gcp.compute.Subnetwork(
      name,
      {
        name,
        network: this.network.id,
        region: args.region,
        ipCidrRange: args.cidr,
        privateIpGoogleAccess: true,
        stackType: 'IPV4_ONLY',
        description: 'gpu-burst burst subnet (Private Google Access for checkpoints)',
      },
      { parent: this },
    );
    if (args.sshTag !== undefined) {
      this.iapSsh = new gcp.compute.Firewall(
        `${name}-iap-ssh`,
        {
          name: `${name}-iap-ssh`,
          network: this.network.id,
          direction: 'INGRESS',
          description: 'SSH only through Identity-Aware Proxy (gcloud compute ssh --tunnel-through-iap); no other ingress',
          sourceRanges: [IAP_SOURCE_RANGE],
          targetTags: [args.sshTag],
          allows: [{ protocol: 'tcp', ports: ['22'] }],
        },
        { parent: this },
      );
    }
    this.registerOutputs({ network: this.network.id, subnet: this.subnet.id });
  }
}
