/**
 * EC2 vCPU quota classes. AWS meters running On-Demand instances and Spot requests per Region in
 * vCPUs, per class of instance families ("Running On-Demand G and VT instances", "All G and VT Spot
 * Instance Requests", ...), whatever the instance sizes
 * (https://github.com/awsdocs/amazon-ec2-user-guide/blob/0f17a814957a4cbcdb23d8ebfcda3cd7f0febb15/doc_source/ec2-on-demand-instances.md).
 * A team declares its quotas per class (`aws.quotas`), and validation sums the vCPUs of everything
 * it plans per class and market (A24).
 *
 * Quota codes and names: the Service Quotas listing of EC2 in gruntwork-io/terraform-aws-utilities
 * `docs/quotas.md` (a dump of ListServiceQuotas: service, quota name, code, default). Codes are the
 * same in every Region. The family letters of the standard class are those of its quota name.
 */

/** Quota classes this catalog knows. */
export const EC2_QUOTA_CLASS_IDS = ['standard', 'f', 'g', 'p', 'inf', 'trn', 'dl', 'x'] as const;

/** A quota class id, as `aws.quotas` names it. */
export type Ec2QuotaClassId = (typeof EC2_QUOTA_CLASS_IDS)[number];

/** One Service Quotas quota (service code `ec2`). */
export interface Ec2Quota {
  /** Service Quotas code, e.g. `L-DB2E81BA`; undefined when no source gave it. */
  readonly quotaCode?: string;
  /** Quota name as the Service Quotas console shows it. */
  readonly quotaName: string;
}

/** A class of instance families that shares one On-Demand and one Spot vCPU quota. */
export interface Ec2QuotaClass {
  readonly id: Ec2QuotaClassId;
  /** Human name, e.g. `G and VT instances`. */
  readonly name: string;
  /**
   * Instance family prefixes (the letters before the generation digit: `g` for g5, `vt` for vt1,
   * `trn` for trn1). The standard class lists single letters: any family whose letters start with
   * one of them belongs to it unless another class lists its letters exactly (`inf`, `dl`, `trn`).
   */
  readonly instanceFamilies: readonly string[];
  readonly onDemand: Ec2Quota;
  readonly spot: Ec2Quota;
  /** URL the codes and names were read from. */
  readonly source: string;
  readonly note?: string;
}

const QUOTAS_MD =
  'https://github.com/gruntwork-io/terraform-aws-utilities/blob/3dd9fcba32ce9d83b631e9648a827a838a460e0f/docs/quotas.md';

/** EC2 vCPU quota classes with their On-Demand and Spot quotas. */
export const EC2_QUOTA_CLASSES: readonly Ec2QuotaClass[] = [
  {
    id: 'standard',
    name: 'Standard (A, C, D, H, I, M, R, T, Z) instances',
    instanceFamilies: ['a', 'c', 'd', 'h', 'i', 'm', 'r', 't', 'z'],
    onDemand: { quotaCode: 'L-1216C47A', quotaName: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances' },
    spot: { quotaCode: 'L-34B43A08', quotaName: 'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests' },
    source: QUOTAS_MD,
  },
  {
    id: 'f',
    name: 'F instances',
    instanceFamilies: ['f'],
    onDemand: { quotaCode: 'L-74FC7D96', quotaName: 'Running On-Demand F instances' },
    spot: { quotaCode: 'L-88CF9481', quotaName: 'All F Spot Instance Requests' },
    source: QUOTAS_MD,
  },
  {
    id: 'g',
    name: 'G and VT instances',
    instanceFamilies: ['g', 'gr', 'vt'],
    onDemand: { quotaCode: 'L-DB2E81BA', quotaName: 'Running On-Demand G and VT instances' },
    spot: { quotaCode: 'L-3819A6DF', quotaName: 'All G and VT Spot Instance Requests' },
    source: QUOTAS_MD,
    note: 'gr (gr6) is a G family; it is listed so that its letters match exactly.',
  },
  {
    id: 'p',
    name: 'P instances',
    instanceFamilies: ['p'],
    onDemand: { quotaCode: 'L-417A185B', quotaName: 'Running On-Demand P instances' },
    spot: { quotaCode: 'L-7212CCBC', quotaName: 'All P Spot Instance Requests' },
    source: QUOTAS_MD,
    note:
      'The Spot quota is "All P Spot Instance Requests" in the EC2 User Guide\'s list of Spot quota types ' +
      '(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-spot-limits.html). The Service Quotas listing in the ' +
      'source named L-7212CCBC "All P4, P3 and P2 Spot Instance Requests" and had a separate "All P5 Spot Instance ' +
      'Requests" (L-C4BD4855) at the time; an account that still shows L-C4BD4855 meters p5/p5e/p5en Spot there, not ' +
      'in L-7212CCBC. Check the account before relying on the P spot figure for p5 types (not verifiable offline).',
  },
  {
    id: 'inf',
    name: 'Inf instances',
    instanceFamilies: ['inf'],
    onDemand: { quotaCode: 'L-1945791B', quotaName: 'Running On-Demand Inf instances' },
    spot: { quotaCode: 'L-B5D1601B', quotaName: 'All Inf Spot Instance Requests' },
    source: QUOTAS_MD,
  },
  {
    id: 'trn',
    name: 'Trn instances',
    instanceFamilies: ['trn'],
    onDemand: { quotaCode: 'L-2C3B7624', quotaName: 'Running On-Demand Trn instances' },
    spot: { quotaCode: 'L-6B0D517C', quotaName: 'All Trn Spot Instance Requests' },
    source: QUOTAS_MD,
    note:
      'Some public tools give L-5480EFD2 for Trn Spot; in the Service Quotas listing that code is "Running Dedicated inf ' +
      'Hosts". L-6B0D517C is the one named "All Trn Spot Instance Requests".',
  },
  {
    id: 'dl',
    name: 'DL instances',
    instanceFamilies: ['dl'],
    onDemand: { quotaCode: 'L-6E869C2A', quotaName: 'Running On-Demand DL instances' },
    spot: { quotaCode: 'L-85EED4F7', quotaName: 'All DL Spot Instance Requests' },
    source: QUOTAS_MD,
  },
  {
    id: 'x',
    name: 'X instances',
    instanceFamilies: ['x'],
    onDemand: { quotaCode: 'L-7295265B', quotaName: 'Running On-Demand X instances' },
    spot: { quotaCode: 'L-E3A00192', quotaName: 'All X Spot Instance Requests' },
    source: QUOTAS_MD,
  },
];

/**
 * Family letters that belong to no class here although they start with a standard letter: HPC
 * (`hpc7g`, "Running On-Demand HPC instances", no Spot quota in the source), High Memory (`u-6tb1`,
 * `u7i`, "Running On-Demand High Memory instances", no Spot quota in the source) and Mac (dedicated
 * hosts only). `quotaClassOf` returns undefined for them rather than a wrong class.
 */
const UNCLASSED_FAMILIES: readonly string[] = ['hpc', 'u', 'mac'];

/** The letters an instance type's family starts with: `p5en.48xlarge` → `p`, `trn1.2xlarge` → `trn`. */
export function familyLetters(instanceType: string): string {
  return /^[a-z]*/.exec(instanceType.toLowerCase())?.[0] ?? '';
}

/**
 * The quota class that meters `instanceType`, or undefined for a family no class here covers.
 * Exact letters first (`trn`, `inf`, `dl`, `vt`, `gr`), so `trn1` is not taken for a T family and
 * `dl1` not for a D family; then the standard class by first letter (`m7i`, `im4gn`, `c7gn`).
 */
export function quotaClassOf(instanceType: string): Ec2QuotaClass | undefined {
  const letters = familyLetters(instanceType);
  if (letters === '' || UNCLASSED_FAMILIES.includes(letters)) return undefined;
  const exact = EC2_QUOTA_CLASSES.find((c) => c.instanceFamilies.includes(letters));
  if (exact !== undefined) return exact;
  const standard = EC2_QUOTA_CLASSES.find((c) => c.id === 'standard');
  return standard?.instanceFamilies.includes(letters.charAt(0)) ? standard : undefined;
}

/** The quota that meters `instanceType` bought on `market`, or undefined for an unclassed family. */
export function quotaFor(instanceType: string, market: 'onDemand' | 'spot'): Ec2Quota | undefined {
  return quotaClassOf(instanceType)?.[market];
}
