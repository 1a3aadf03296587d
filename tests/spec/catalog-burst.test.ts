/** Catalog facts the AWS burst compute needs: CPU dev-box types, service prices and EC2 vCPU quota classes. */
import { describe, expect, it } from 'vitest';
import { AWS_CPU_INSTANCE_TYPES } from '../../spec/catalog/aws-cpu-instance-types.js';
import { AWS_INSTANCE_TYPES } from '../../spec/catalog/aws-instance-types.js';
import { EC2_QUOTA_CLASSES, EC2_QUOTA_CLASS_IDS, familyLetters, quotaClassOf, quotaFor } from '../../spec/catalog/quotas.js';
import { AWS_REGIONS } from '../../spec/catalog/regions.js';
import { SERVICE_PRICES } from '../../spec/catalog/service-prices.js';

/** The session's "today" (2026-11-26) or the real clock, whichever is later: no fact may be dated after it. */
const TODAY = ['2026-11-26', new Date().toISOString().slice(0, 10)].sort().at(-1) as string;
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const awsRegions = new Set(AWS_REGIONS.map((r) => r.id));

function expectDated(what: string, asOf: string, source: string): void {
  expect(asOf, what).toMatch(ISO_DATE);
  expect(Number.isNaN(Date.parse(asOf)), `${what}: ${asOf} is not a date`).toBe(false);
  expect(asOf <= TODAY, `${what} is dated in the future (${asOf})`).toBe(true);
  expect(source, what).toMatch(/^https:\/\/\S+$/);
}

describe('AWS CPU instance types (dev box)', () => {
  it('are unique, sized, sourced and offered only in catalog regions', () => {
    const names = AWS_CPU_INSTANCE_TYPES.map((t) => t.instanceType);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['m7i.large', 'm7i.xlarge', 'm7i.2xlarge', 'm7i.4xlarge']));
    for (const t of AWS_CPU_INSTANCE_TYPES) {
      expect(t.vCpus, t.instanceType).toBeGreaterThan(0);
      expect(t.memoryGiB, t.instanceType).toBeGreaterThan(0);
      expect(t.source, t.instanceType).toMatch(/^https:\/\//);
      expect(t.regions.length, t.instanceType).toBeGreaterThan(0);
      for (const r of t.regions) expect(awsRegions.has(r), `${t.instanceType} in ${r}`).toBe(true);
      expect(AWS_INSTANCE_TYPES.some((g) => g.instanceType === t.instanceType), `${t.instanceType} is also a GPU type`).toBe(false);
    }
  });

  it('m7i sizes double: 4 GiB per vCPU, 2 to 16 vCPUs', () => {
    const m7i = AWS_CPU_INSTANCE_TYPES.filter((t) => t.instanceType.startsWith('m7i.'));
    expect(m7i.map((t) => [t.instanceType, t.vCpus, t.memoryGiB])).toEqual([
      ['m7i.large', 2, 8],
      ['m7i.xlarge', 4, 16],
      ['m7i.2xlarge', 8, 32],
      ['m7i.4xlarge', 16, 64],
    ]);
  });

  it('every price is positive, dated, sourced and priced in a region where the type is offered; spot < on-demand', () => {
    for (const t of AWS_CPU_INSTANCE_TYPES) {
      for (const [market, price] of Object.entries(t.prices)) {
        const what = `${t.instanceType} ${market}`;
        expect(price.usdPerHour, what).toBeGreaterThan(0);
        expectDated(what, price.asOf, price.source);
        expect(t.regions, what).toContain(price.region);
      }
      expect(t.prices.spot.usdPerHour, t.instanceType).toBeLessThan(t.prices.onDemand.usdPerHour);
    }
  });
});

describe('service prices', () => {
  it('every item has a non-negative figure, a unit, a catalog region, an ISO date not in the future and a source URL', () => {
    const units = new Set(['hour', 'GB-month', 'GB', 'month', 'day', 'request-million', 'GB-second']);
    for (const [key, price] of Object.entries(SERVICE_PRICES)) {
      expect(price.item.length, key).toBeGreaterThan(0);
      expect(price.usd, key).toBeGreaterThanOrEqual(0);
      expect(units.has(price.unit), `${key}: ${price.unit}`).toBe(true);
      expect(awsRegions.has(price.region), `${key}: ${price.region}`).toBe(true);
      expectDated(key, price.asOf, price.source);
    }
  });

  it('a free item says in its note within which limits it is free', () => {
    for (const [key, price] of Object.entries(SERVICE_PRICES)) {
      if (price.usd === 0) expect(price.note?.length ?? 0, key).toBeGreaterThan(20);
    }
  });

  it('arm64 Lambda duration is cheaper than x86_64, and a NAT gateway bills per hour and per GB', () => {
    expect(SERVICE_PRICES.lambdaArmDuration.usd).toBeLessThan(SERVICE_PRICES.lambdaX86Duration.usd);
    expect(SERVICE_PRICES.natGatewayHour.unit).toBe('hour');
    expect(SERVICE_PRICES.natGatewayData.unit).toBe('GB');
    expect(SERVICE_PRICES.publicIpv4.unit).toBe('hour');
  });
});

describe('EC2 vCPU quota classes', () => {
  it('A24: every class has a unique id, both quotas named, codes in L-XXXXXXXX form and unique, and a source', () => {
    expect(EC2_QUOTA_CLASSES.map((c) => c.id)).toEqual([...EC2_QUOTA_CLASS_IDS]);
    const codes: string[] = [];
    for (const c of EC2_QUOTA_CLASSES) {
      expect(c.source, c.id).toMatch(/^https:\/\//);
      expect(c.instanceFamilies.length, c.id).toBeGreaterThan(0);
      for (const q of [c.onDemand, c.spot]) {
        expect(q.quotaName.length, c.id).toBeGreaterThan(0);
        if (q.quotaCode !== undefined) {
          expect(q.quotaCode, c.id).toMatch(/^L-[0-9A-F]{8}$/);
          codes.push(q.quotaCode);
        }
      }
    }
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('A24: the well-known codes are the ones catalogued', () => {
    const byId = Object.fromEntries(EC2_QUOTA_CLASSES.map((c) => [c.id, [c.onDemand.quotaCode, c.spot.quotaCode]]));
    expect(byId).toMatchObject({
      standard: ['L-1216C47A', 'L-34B43A08'],
      g: ['L-DB2E81BA', 'L-3819A6DF'],
      p: ['L-417A185B', 'L-7212CCBC'],
      trn: ['L-2C3B7624', 'L-6B0D517C'],
    });
  });

  it('A24: quotaClassOf maps every catalog instance type (GPU, Trainium and CPU) to a class', () => {
    for (const t of [...AWS_INSTANCE_TYPES, ...AWS_CPU_INSTANCE_TYPES]) {
      expect(quotaClassOf(t.instanceType), t.instanceType).toBeDefined();
    }
  });

  it('A24: quotaClassOf picks the class by family letters', () => {
    const cases: Record<string, string | undefined> = {
      'g4dn.xlarge': 'g',
      'g6e.48xlarge': 'g',
      'gr6.4xlarge': 'g',
      'vt1.3xlarge': 'g',
      'p3.2xlarge': 'p',
      'p4d.24xlarge': 'p',
      'p5en.48xlarge': 'p',
      'trn1.32xlarge': 'trn',
      'trn1n.32xlarge': 'trn',
      'inf2.xlarge': 'inf',
      'dl1.24xlarge': 'dl',
      'd3.xlarge': 'standard',
      'm7i.xlarge': 'standard',
      't3.xlarge': 'standard',
      'im4gn.large': 'standard',
      'f1.2xlarge': 'f',
      'x2idn.16xlarge': 'x',
      'hpc7g.16xlarge': undefined,
      'u-6tb1.112xlarge': undefined,
      'mac2.metal': undefined,
      'nonsense': undefined,
      '': undefined,
    };
    for (const [type, id] of Object.entries(cases)) expect(quotaClassOf(type)?.id, type).toBe(id);
  });

  it('A24: quotaFor gives the quota of a market; family letters ignore generation and size', () => {
    expect(quotaFor('g5.xlarge', 'spot')?.quotaCode).toBe('L-3819A6DF');
    expect(quotaFor('p5.48xlarge', 'onDemand')?.quotaName).toBe('Running On-Demand P instances');
    expect(quotaFor('hpc7g.16xlarge', 'spot')).toBeUndefined();
    expect(familyLetters('P5EN.48xlarge')).toBe('p');
    expect(familyLetters('u-6tb1.112xlarge')).toBe('u');
  });
});
