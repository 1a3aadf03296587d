/**
 * The corpus of broken team files (checklist X2): each file in tests/fixtures/broken/ with every
 * message it must produce, exactly. Messages name the file, line, field, what is wrong and the fix.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTeamFiles, parseTeamFile } from '../../spec/load.js';
import { TeamFileError, formatProblem } from '../../spec/problems.js';
import { hasStackTrace, runCli } from '../helpers.js';

const DIR = 'tests/fixtures/broken';

/** Every broken file and the exact lines `burst validate` prints for it (file prefix omitted). */
const EXPECTED: Record<string, string[]> = {
  '9lives.yaml': [
    "9lives.yaml  '9lives' is not a valid team name (the team name is the file name) Fix: a team name is 2 to 30 lowercase letters, digits and dashes, starting with a letter and not ending with a dash; rename the file to lives.yaml.",
  ],
  'Bad_Team.yaml': [
    "Bad_Team.yaml  'Bad_Team' is not a valid team name (the team name is the file name) Fix: a team name is 2 to 30 lowercase letters, digits and dashes, starting with a letter and not ending with a dash; rename the file to bad-team.yaml.",
  ],
  'aws-zone-not-in-region.yaml': [
    "aws-zone-not-in-region.yaml:3:35  aws.availabilityZones[1]: 'us-west-2b' is not a zone of us-east-1; did you mean 'us-east-1b'? Fix: use zones of us-east-1: 'us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'.",
  ],
  'bad-cidr.yaml': [
    "bad-cidr.yaml:2:12  aws.vpcCidr: '10.64.0.0' is not an IPv4 CIDR block (address/prefix length) Fix: e.g. 10.64.0.0/16.",
  ],
  'bad-cost-center.yaml': [
    "bad-cost-center.yaml:1:13  costCenter: 'ML Research' must be lowercase letters, digits, \"_\" or \"-\" (at most 63), so that GCP labels accept it Fix: e.g. ml-research.",
  ],
  'bad-gcp-project.yaml': [
    "bad-gcp-project.yaml:2:12  gcp.project: 'My_Project' is not a GCP project ID: 6 to 30 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen Fix: e.g. acme-ml-training.",
  ],
  'bad-tag-key.yaml': [
    "bad-tag-key.yaml:2:3  tags.Project: the key 'Project' must start with a lowercase letter and use only lowercase letters, digits, \"_\" or \"-\" (at most 63) Fix: rename the key.",
  ],
  'bool-for-string.yaml': [
    "bool-for-string.yaml:2:12  gcp.project: expected a string, got the value true Fix: write a string, e.g. acme-ml-training.",
  ],
  'cidr-host-bits.yaml': [
    "cidr-host-bits.yaml:2:12  aws.vpcCidr: '10.64.1.0/16' has host bits set Fix: write the network address: 10.64.0.0/16.",
  ],
  'cidr-too-big.yaml': [
    "cidr-too-big.yaml:3:15  gcp.subnetCidr: '10.0.0.0/8' is a /8; the burst network must be between /16 and /24 Fix: use a /16 to /24 block, e.g. 10.64.0.0/16.",
  ],
  'comments-only.yaml': [
    "comments-only.yaml  the file is empty Fix: a team file needs at least an aws: or gcp: section; copy teams/example.yaml to start.",
  ],
  'duplicate-keys.yaml': [
    "duplicate-keys.yaml:3:3  YAML: the key 'region' appears twice in the same mapping Fix: keep one of them.",
  ],
  'duplicate-zone.yaml': [
    "duplicate-zone.yaml:2:35  aws.availabilityZones[1]: 'us-east-1a' is listed twice Fix: list each zone once.",
  ],
  'empty-section.yaml': [
    "empty-section.yaml:1:5  aws: expected a mapping of fields (indented \"key: value\" lines), got nothing Fix: write a mapping of fields (indented \"key: value\" lines).",
  ],
  'empty.yaml': [
    "empty.yaml  the file is empty Fix: a team file needs at least an aws: or gcp: section; copy teams/example.yaml to start.",
  ],
  'gcp-project-too-short.yaml': [
    "gcp-project-too-short.yaml:2:12  gcp.project: 'abc' is not a GCP project ID: 6 to 30 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen Fix: e.g. acme-ml-training.",
  ],
  'gcp-zone-typo.yaml': [
    "gcp-zone-typo.yaml:4:26  gcp.zones[1]: 'us-centrl1-b' is not a zone of us-central1; did you mean 'us-central1-b'? Fix: use zones of us-central1: 'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'.",
  ],
  'list-for-mapping.yaml': [
    "list-for-mapping.yaml:2:3  aws: expected a mapping of fields (indented \"key: value\" lines), got a list Fix: write a mapping of fields (indented \"key: value\" lines).",
  ],
  'many-problems.yaml': [
    "many-problems.yaml:1:1  stroage: unknown field 'stroage' in a team file; did you mean 'storage'? Fix: remove it, or use one of 'description', 'costCenter', 'tags', 'storage', 'shutdown', 'budget', 'aws', 'gcp'.",
    "many-problems.yaml:3:13  costCenter: 'ML' must be lowercase letters, digits, \"_\" or \"-\" (at most 63), so that GCP labels accept it Fix: e.g. ml-research.",
    "many-problems.yaml:5:11  aws.region: 'us-est-1' is not an AWS region gpu-burst knows; did you mean 'us-east-1'? Fix: use one of 'us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'eu-north-1', 'ap-northeast-1', 'ap-southeast-2'.",
    "many-problems.yaml:6:12  aws.vpcCidr: '8.8.0.0/16' is not a private (RFC 1918) range Fix: use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.",
    "many-problems.yaml:8:12  gcp.project: 'X' is not a GCP project ID: 6 to 30 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen Fix: e.g. acme-ml-training.",
    "many-problems.yaml:10:21  gcp.storage.softDeleteDays: 3 is out of range: it must be at least 7 Fix: write a whole number from 7 to 90, e.g. 7.",
  ],
  'mapping-for-list.yaml': [
    "mapping-for-list.yaml:4:5  aws.availabilityZones: expected a list (\"- item\" lines or [a, b]), got a mapping Fix: write a list (\"- item\" lines or [a, b]), e.g. [us-east-1a, us-east-1b, us-east-1c].",
  ],
  'missing-gcp-project.yaml': [
    "missing-gcp-project.yaml:2:3  gcp.project: is required Fix: add it: a string, e.g. acme-ml-training.",
  ],
  'no-cloud.yaml': [
    "no-cloud.yaml:1:1  the file has neither an aws: nor a gcp: section, so it builds nothing Fix: add at least one, e.g. 'aws:' with 'region: us-east-1' under it.",
  ],
  'one-zone.yaml': [
    "one-zone.yaml:2:22  aws.availabilityZones: has 1 entry; it needs at least 2 Fix: write a list (\"- item\" lines or [a, b]), e.g. [us-east-1a, us-east-1b, us-east-1c].",
  ],
  'public-cidr.yaml': [
    "public-cidr.yaml:2:12  aws.vpcCidr: '8.8.0.0/16' is not a private (RFC 1918) range Fix: use a block inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.",
  ],
  'reserved-tag.yaml': [
    "reserved-tag.yaml:2:9  tags.team: 'team' is set by gpu-burst itself Fix: remove it; gpu-burst reserves 'team', 'cost-center', 'managed-by'.",
  ],
  'retention-fraction.yaml': [
    "retention-fraction.yaml:2:22  storage.untaggedImageDays: expected a whole number from 1 to 3650, got the number 2.5 Fix: write a whole number from 1 to 3650, e.g. 14.",
  ],
  'retention-too-long.yaml': [
    "retention-too-long.yaml:2:26  storage.noncurrentVersionDays: 5000 is out of range: it must be at most 3650 Fix: write a whole number from 1 to 3650, e.g. 30.",
  ],
  'retention-zero.yaml': [
    "retention-zero.yaml:2:25  storage.incompleteUploadDays: 0 is out of range: it must be at least 1 Fix: write a whole number from 1 to 365, e.g. 7.",
  ],
  'scalar-file.yaml': [
    "scalar-file.yaml:1:1  the file holds the string 'hello', not a mapping of fields Fix: write \"field: value\" lines at the top level, as in teams/example.yaml.",
  ],
  'soft-delete-too-long.yaml': [
    "soft-delete-too-long.yaml:4:21  gcp.storage.softDeleteDays: 120 is out of range: it must be at most 90 Fix: write a whole number from 7 to 90, e.g. 7.",
  ],
  'soft-delete-too-short.yaml': [
    "soft-delete-too-short.yaml:4:21  gcp.storage.softDeleteDays: 3 is out of range: it must be at least 7 Fix: write a whole number from 7 to 90, e.g. 7.",
  ],
  'tab-indent.yaml': [
    "tab-indent.yaml:2:1  YAML syntax: Tabs are not allowed as indentation Fix: correct the YAML (indent with spaces, \"key: value\", \"- item\" for lists).",
  ],
  'team-.yaml': [
    "team-.yaml  'team-' is not a valid team name (the team name is the file name) Fix: a team name is 2 to 30 lowercase letters, digits and dashes, starting with a letter and not ending with a dash; rename the file to team.yaml.",
  ],
  'team-field.yaml': [
    "team-field.yaml:1:1  team: 'team' is not a field of a team file Fix: the team name is the file name (teams/<team>.yaml); remove this field.",
  ],
  'top-level-list.yaml': [
    "top-level-list.yaml:1:1  the file holds a list, not a mapping of fields Fix: write \"field: value\" lines at the top level, as in teams/example.yaml.",
  ],
  'tpus-under-aws.yaml': [
    "tpus-under-aws.yaml:3:3  aws.tpus: 'tpus' is not a field of aws: Fix: TPUs exist only on Google Cloud; remove the block from aws: (TPU nodes belong under gcp:).",
  ],
  'unknown-aws-field.yaml': [
    "unknown-aws-field.yaml:2:3  aws.regoin: unknown field 'regoin' in aws:; did you mean 'region'? Fix: remove it, or use one of 'region', 'availabilityZones', 'vpcCidr', 'quotas', 'fleets', 'sweeps', 'devBox'.",
  ],
  'unknown-aws-region.yaml': [
    "unknown-aws-region.yaml:2:11  aws.region: 'us-est-1' is not an AWS region gpu-burst knows; did you mean 'us-east-1'? Fix: use one of 'us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-central-1', 'eu-north-1', 'ap-northeast-1', 'ap-southeast-2'.",
  ],
  'unknown-field-and-bad-zone.yaml': [
    "unknown-field-and-bad-zone.yaml:2:3  aws.regoin: unknown field 'regoin' in aws:; did you mean 'region'? Fix: remove it, or use one of 'region', 'availabilityZones', 'vpcCidr', 'quotas', 'fleets', 'sweeps', 'devBox'.",
    "unknown-field-and-bad-zone.yaml:3:35  aws.availabilityZones[1]: 'us-west-2b' is not a zone of us-east-1; did you mean 'us-east-1b'? Fix: use zones of us-east-1: 'us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1e', 'us-east-1f'.",
  ],
  'unknown-gcp-region.yaml': [
    "unknown-gcp-region.yaml:3:11  gcp.region: 'us-centrl1' is not a GCP region gpu-burst knows; did you mean 'us-central1'? Fix: use one of 'us-central1', 'us-central2', 'us-east1', 'us-east4', 'us-east5', 'us-south1', 'us-west1', 'us-west4', 'europe-west4', 'europe-west1', 'asia-northeast1', 'asia-southeast1'.",
  ],
  'unknown-storage-location.yaml': [
    "unknown-storage-location.yaml:4:15  gcp.storage.location: 'moon' is not a Cloud Storage location gpu-burst knows Fix: use a region such as us-central1 or a multi-region (US, EU, ASIA).",
  ],
  'unknown-top-field.yaml': [
    "unknown-top-field.yaml:1:1  stroage: unknown field 'stroage' in a team file; did you mean 'storage'? Fix: remove it, or use one of 'description', 'costCenter', 'tags', 'storage', 'shutdown', 'budget', 'aws', 'gcp'.",
  ],
  'wrong-extension.yml': [
    "wrong-extension.yml  a team file must end in .yaml Fix: rename it to wrong-extension.yaml.",
  ],
  'wrong-type-number.yaml': [
    "wrong-type-number.yaml:2:26  storage.noncurrentVersionDays: expected a whole number from 1 to 3650, got the string 'thirty' Fix: write a whole number from 1 to 3650, e.g. 30.",
  ],
  'yaml-syntax.yaml': [
    "yaml-syntax.yaml:3:1  YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ] Fix: correct the YAML (indent with spaces, \"key: value\", \"- item\" for lists).",
  ],
  'zones-on-aws.yaml': [
    "zones-on-aws.yaml:3:3  aws.zones: 'zones' is not a field of aws: Fix: AWS calls them availabilityZones: rename the field.",
  ],
  'fleet-tpu-on-aws.yaml': [
    "fleet-tpu-on-aws.yaml:5:20  aws.fleets[0].accelerator: 'tpu-v5e' is a Cloud TPU, and TPUs exist only on Google Cloud Fix: use an AWS accelerator for the fleet (offered in us-east-1: 't4', 'v100', 'a10g', 'l4', 'l40s', 'a100-40gb', 'a100-80gb', 'h100', ... (10 in all)), or move it to gcp:.",
  ],
  'fleet-not-in-region.yaml': [
    "fleet-not-in-region.yaml:5:20  aws.fleets[0].accelerator: 'a100-40gb' is not offered in eu-north-1 (the catalog has it in ap-northeast-1, ap-southeast-2, eu-central-1, eu-west-1, us-east-1, us-east-2, us-west-2) Fix: choose an accelerator offered in eu-north-1 ('t4', 'a10g', 'l4', 'l40s', 'h100', 'h200'), or another aws.region.",
  ],
  'fleet-count-not-offered.yaml': [
    "fleet-count-not-offered.yaml:6:14  aws.fleets[0].count: no EC2 type in us-east-1 carries 3 x a10g Fix: set count to one of 1, 4, 8 (accelerators per instance the catalog has).",
  ],
  'fleet-type-wrong-accelerator.yaml': [
    "fleet-type-wrong-accelerator.yaml:6:36  aws.fleets[0].instanceTypes[1]: 'g5.xlarge' carries 1 x a10g, not 1 x t4 Fix: use types carrying 1 x t4: 'g4dn.xlarge', 'g4dn.2xlarge', 'g4dn.4xlarge'.",
  ],
  'fleet-type-typo.yaml': [
    "fleet-type-typo.yaml:6:23  aws.fleets[0].instanceTypes[0]: 'g5.xlarg' is not an instance type gpu-burst's catalog knows; did you mean 'g5.xlarge'? Fix: use types carrying 1 x a10g: 'g5.xlarge', 'g5.2xlarge'.",
  ],
  'fleet-efa-unsupported.yaml': [
    "fleet-efa-unsupported.yaml:7:12  aws.fleets[0].efa: EFA is requested but 'g6.xlarge', 'g6.2xlarge', 'g6.4xlarge' have no EFA interface Fix: remove efa: true (no 1 x l4 type in us-east-1 has EFA).",
  ],
  'fleet-base-without-mixed.yaml': [
    "fleet-base-without-mixed.yaml:7:21  aws.fleets[0].onDemandBase: onDemandBase applies only to market mixed (this fleet is spot) Fix: set market: mixed, or remove onDemandBase.",
  ],
  'fleet-mixed-base-too-big.yaml': [
    "fleet-mixed-base-too-big.yaml:8:21  aws.fleets[0].onDemandBase: market mixed puts some of the 2 nodes on demand and the rest on spot; onDemandBase 2 leaves none on spot Fix: set onDemandBase: 1, or market: on-demand.",
  ],
  'fleet-image-wrong-family.yaml': [
    "fleet-image-wrong-family.yaml:6:14  aws.fleets[0].image: 'dlami-neuron' (Deep Learning AMI Neuron (Ubuntu 24.04)) does not serve a10g hosts Fix: use 'dlami-base-gpu' or 'dlami-pytorch-gpu' for NVIDIA GPUs.",
  ],
  'fleet-ttl-not-longer-than-idle.yaml': [
    "fleet-ttl-not-longer-than-idle.yaml:8:17  aws.fleets[0].ttlHours: a TTL of 0.5 h is not longer than the idle window of 45 min Fix: make ttlHours longer than the idle window (idleMinutes), or shorten idleMinutes.",
  ],
  'compute-duplicate-names.yaml': [
    "compute-duplicate-names.yaml:7:13  aws.sweeps[0].name: 'train' is already the name of fleet 0 Fix: give every fleet and sweep group its own name.",
  ],
  'fleet-named-devbox.yaml': [
    "fleet-named-devbox.yaml:4:13  aws.fleets[0].name: 'devbox' names the dev box in `burst start` Fix: choose another fleet name.",
  ],
  'fleet-unknown-market.yaml': [
    "fleet-unknown-market.yaml:6:15  aws.fleets[0].market: 'spott' is not an allowed value; did you mean 'spot'? Fix: use one of 'spot', 'on-demand', 'mixed'.",
  ],
  'fleet-missing-accelerator.yaml': [
    "fleet-missing-accelerator.yaml:4:7  aws.fleets[0].accelerator: is required Fix: add it: one of 't4', 'v100', 'a10g', 'l4', 'l40s', 'a100-40gb', 'a100-80gb', 'h100', 'h200', 'trainium', 'tpu-v4', 'tpu-v5e', ... (14 in all).",
  ],
  'quota-exceeded.yaml': [
    "quota-exceeded.yaml:4:31  aws.quotas.p.onDemand: the team needs 192 on-demand vCPUs of P instances at full size (fleet dist 4 x 96: 192), more than the 96 it declares Fix: lower nodes/maxVCpus, or request more in Service Quotas (EC2, \"Running On-Demand P instances\", L-417A185B) and raise aws.quotas.p.onDemand.",
  ],
  'sweep-max-vcpus-too-small.yaml': [
    "sweep-max-vcpus-too-small.yaml:6:17  aws.sweeps[0].maxVCpus: maxVCpus 2 is less than the 4 vCPUs of the smallest type, so no trial could ever start Fix: set maxVCpus to at least 4.",
  ],
  'sweep-missing-image-tag.yaml': [
    "sweep-missing-image-tag.yaml:4:7  aws.sweeps[0].imageTag: is required Fix: add it: a string, e.g. v1.",
  ],
  'sweep-trainium.yaml': [
    "sweep-trainium.yaml:5:20  aws.sweeps[0].accelerator: sweep groups schedule NVIDIA GPUs (the Batch GPU resource); Trainium is not supported in a sweep group Fix: use a GPU accelerator, or a fleet for Trainium.",
  ],
  'devbox-unknown-type.yaml': [
    "devbox-unknown-type.yaml:4:19  aws.devBox.instanceType: 'm7i.xlarg' is not an instance type gpu-burst's catalog knows; did you mean 'm7i.xlarge'? Fix: use a type from `burst catalog --cloud aws` or a CPU type such as m7i.xlarge.",
  ],
  'devbox-type-mismatch.yaml': [
    "devbox-type-mismatch.yaml:5:19  aws.devBox.instanceType: 'g6.xlarge' carries 1 x l4, not 1 x a10g Fix: remove instanceType to let the catalog choose, or make accelerator and count match it.",
  ],
  'devbox-count-no-accel.yaml': [
    "devbox-count-no-accel.yaml:4:12  aws.devBox.count: count is the number of accelerators, but the dev box names no accelerator Fix: add accelerator:, or remove count.",
  ],
  'devbox-bad-volume-id.yaml': [
    "devbox-bad-volume-id.yaml:4:19  aws.devBox.dataVolumeId: 'volume-1' is not an EBS volume id (vol-...) Fix: e.g. vol-0123456789abcdef0.",
  ],
  'budget-bad-email.yaml': [
    "budget-bad-email.yaml:3:12  budget.emails[0]: 'ml-team-at-example.com' is not an email address Fix: e.g. ml-team@example.com.",
  ],
  'fleet-zero-nodes.yaml': [
    "fleet-zero-nodes.yaml:6:14  aws.fleets[0].nodes: 0 is out of range: it must be at least 1 Fix: write a whole number from 1 to 64, e.g. 1.",
  ],
  'gcp-fleet-tpu.yaml': [
    "gcp-fleet-tpu.yaml:6:20  gcp.fleets[0].accelerator: 'tpu-v5e' is a Cloud TPU; a fleet runs on GPUs Fix: declare the TPU under gcp.tpus (type e.g. v5litepod-1), or use a GPU here.",
  ],
  'gcp-fleet-a10g.yaml': [
    "gcp-fleet-a10g.yaml:6:20  gcp.fleets[0].accelerator: 'a10g' is not offered on Google Cloud Fix: use a GPU Google offers (in us-central1: 't4', 'v100', 'l4', 'a100-40gb', 'a100-80gb', 'h100', 'h200'), or move the fleet to aws:.",
  ],
  'gcp-fleet-count.yaml': [
    "gcp-fleet-count.yaml:7:14  gcp.fleets[0].count: no machine type in us-central1 carries 3 x l4 Fix: set count to one of 1, 2, 4, 8 (GPUs per VM the catalog has).",
  ],
  'gcp-fleet-wrong-series.yaml': [
    "gcp-fleet-wrong-series.yaml:7:20  gcp.fleets[0].machineType: 'a2-highgpu-1g' does not carry 1 x l4 (it carries 1 x a100-40gb) Fix: use 'g2-standard-4', 'g2-standard-8', or remove machineType to let the catalog choose.",
  ],
  'gcp-fleet-mixed.yaml': [
    "gcp-fleet-mixed.yaml:8:15  gcp.fleets[0].market: 'mixed' is not an allowed value Fix: use one of 'spot', 'on-demand'.",
  ],
  'gcp-tpu-type-typo.yaml': [
    "gcp-tpu-type-typo.yaml:6:13  gcp.tpus[0].type: 'v5e-8' is not a TPU type gpu-burst's catalog knows; did you mean 'v5litepod-8'? Fix: use a type from `burst catalog --cloud gcp`, e.g. 'v4-8', 'v4-16', 'v4-32', 'v5litepod-1', 'v5litepod-4', 'v5litepod-8'.",
  ],
  'gcp-tpu-zone.yaml': [
    "gcp-tpu-zone.yaml:7:13  gcp.tpus[0].zone: v5litepod-8 (tpu-v5e) is not offered in us-central1-c Fix: use one of the zones that offer it: 'us-central1-a', 'us-south1-a', 'us-west1-c', 'us-west4-a', 'europe-west4-b'.",
  ],
  'gcp-tpu-runtime.yaml': [
    "gcp-tpu-runtime.yaml:7:23  gcp.tpus[0].runtimeVersion: 'tpu-ubuntu2204-base' is the runtime of tpu-v4, not of v5litepod-8 (tpu-v5e) Fix: use v2-alpha-tpuv5-lite, or remove runtimeVersion to take the catalog's.",
  ],
  'gcp-tpu-region.yaml': [
    "gcp-tpu-region.yaml:6:13  gcp.tpus[0].type: v5litepod-8 (tpu-v5e) is not offered in any zone of us-east4 Fix: use a region with tpu-v5e (zones: 'us-central1-a', 'us-south1-a', 'us-west1-c', 'us-west4-a', 'europe-west4-b'), or a TPU generation offered in us-east4.",
  ],
  'gcp-tpu-quota.yaml': [
    "gcp-tpu-quota.yaml:5:34  gcp.quotas.tpuChips.tpu-v5e.spot: the team needs 8 spot tpu-v5e chips at full size (TPU tpu v5litepod-8: 8), more than the 4 it declares Fix: use a smaller slice or fewer TPU nodes, or request more in IAM & Admin > Quotas (per zone) and raise gcp.quotas.tpuChips.tpu-v5e.spot.",
  ],
  'gcp-gpu-quota.yaml': [
    "gcp-gpu-quota.yaml:5:25  gcp.quotas.gpus.l4.spot: the team needs 6 spot l4 GPUs at full size (fleet train 2 x 1: 2; sweep group hpo 4 x 1: 4), more than the 2 it declares Fix: lower nodes or parallelism, or request more in IAM & Admin > Quotas (per region) and raise gcp.quotas.gpus.l4.spot.",
  ],
  'gcp-bad-billing-account.yaml': [
    "gcp-bad-billing-account.yaml:4:19  gcp.billingAccount: '1234-5678' is not a billing account ID (XXXXXX-XXXXXX-XXXXXX, hex digits) Fix: e.g. 012345-6789AB-CDEF01.",
  ],
  'gcp-devbox-zone.yaml': [
    "gcp-devbox-zone.yaml:5:11  gcp.devBox.zone: 'us-east1-b' is not a zone of us-central1 Fix: use one of 'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-central1-f'.",
  ],
};

function problemsOf(name: string): string[] {
  const file = join(DIR, name);
  const result = parseTeamFile(file, readFileSync(file, 'utf8'));
  expect(result.spec).toBeUndefined();
  return result.problems.map((p) => formatProblem(p).replace(`${DIR}/`, ''));
}

describe('broken team files (X2)', () => {
  it('has at least 30 broken files, each with its expected messages', () => {
    const files = readdirSync(DIR).sort();
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(Object.keys(EXPECTED).sort()).toEqual(files);
  });

  it.each(Object.entries(EXPECTED))('%s', (name, expected) => {
    expect(expected.length).toBeGreaterThan(0);
    expect(problemsOf(name)).toEqual(expected);
  });

  it('every message names the file and gives a fix', () => {
    for (const name of Object.keys(EXPECTED)) {
      for (const line of problemsOf(name)) {
        expect(line.startsWith(name)).toBe(true);
        expect(line).toContain(' Fix: ');
      }
    }
  });

  it('reports every problem of a file at once, in file order', () => {
    const lines = problemsOf('many-problems.yaml');
    expect(lines).toHaveLength(6);
    const lineNumbers = lines.map((l) => Number(/:(\d+):/.exec(l)?.[1]));
    expect(lineNumbers).toEqual([...lineNumbers].sort((a, b) => a - b));
  });

  it('loading several files throws one error carrying every problem of every file', () => {
    const files = ['unknown-aws-region.yaml', 'public-cidr.yaml'].map((f) => join(DIR, f));
    let caught: unknown;
    try {
      loadTeamFiles(files);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TeamFileError);
    const error = caught as TeamFileError;
    expect(new Set(error.problems.map((p) => p.file))).toEqual(new Set(files));
    expect(error.message).toContain('2 problems in');
  });

  it('reaches the user through the CLI with no stack trace and exit code 1', () => {
    const files = Object.keys(EXPECTED).map((f) => join(DIR, f));
    const result = runCli(['validate', ...files]);
    expect(result.status).toBe(1);
    expect(hasStackTrace(result.stdout + result.stderr)).toBe(false);
    for (const [name, expected] of Object.entries(EXPECTED)) {
      for (const line of expected) expect(result.stdout).toContain(`${DIR}/${line}`);
    }
  });
});
