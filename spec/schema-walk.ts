/**
 * Reading the zod schema itself: which node sits at a field path, what it accepts, and its
 * description and examples. The loader uses this to say what would be right for a bad field.
 */
import { z } from 'zod';
import type { FieldPath } from './problems.js';

type AnySchema = z.core.$ZodType;

interface Found {
  /** The innermost schema at the path, wrappers (default, optional, ...) removed. */
  readonly node: AnySchema;
  readonly description?: string;
  readonly examples?: readonly unknown[];
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);

function def(schema: AnySchema): Record<string, unknown> & { type: string } {
  return schema._zod.def as unknown as Record<string, unknown> & { type: string };
}

/** Strips wrappers, gathering the first description and examples met on the way in. */
function unwrap(schema: AnySchema): Found {
  let node = schema;
  let description: string | undefined;
  let examples: readonly unknown[] | undefined;
  for (;;) {
    const meta = z.globalRegistry.get(node);
    description ??= meta?.description;
    examples ??= meta?.examples as readonly unknown[] | undefined;
    const d = def(node);
    if (WRAPPERS.has(d.type)) node = d['innerType'] as AnySchema;
    else if (d.type === 'pipe') node = d['in'] as AnySchema;
    else break;
  }
  return { node, ...(description === undefined ? {} : { description }), ...(examples === undefined ? {} : { examples }) };
}

/** The schema node at `path`, or undefined when the path leaves the schema. */
export function schemaAt(root: AnySchema, path: FieldPath): Found | undefined {
  let found = unwrap(root);
  for (const part of path) {
    const d = def(found.node);
    if (d.type === 'object' && typeof part === 'string') {
      const shape = d['shape'] as Record<string, AnySchema>;
      const child = shape[part];
      if (child === undefined) return undefined;
      found = unwrap(child);
    } else if (d.type === 'array' && typeof part === 'number') {
      found = unwrap(d['element'] as AnySchema);
    } else if (d.type === 'record') {
      found = unwrap(d['valueType'] as AnySchema);
    } else {
      return undefined;
    }
  }
  return found;
}

/** Field names of the object at `path` (empty when it is not an object). */
export function fieldsAt(root: AnySchema, path: FieldPath): string[] {
  const found = schemaAt(root, path);
  if (found === undefined) return [];
  const d = def(found.node);
  return d.type === 'object' ? Object.keys(d['shape'] as Record<string, AnySchema>) : [];
}

function numberBounds(node: AnySchema): { min?: number; max?: number; integer: boolean } {
  // zod's number schemas expose their checks as getters; unbounded ints report the safe-integer limits.
  const n = node as unknown as { minValue: number | null; maxValue: number | null; format: string | null };
  const bounded = (v: number | null): v is number => v !== null && Math.abs(v) < Number.MAX_SAFE_INTEGER;
  return {
    ...(bounded(n.minValue) ? { min: n.minValue } : {}),
    ...(bounded(n.maxValue) ? { max: n.maxValue } : {}),
    integer: n.format === 'safeint' || n.format === 'int32',
  };
}

function renderExample(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => renderExample(v)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${renderExample(v)}`).join(', ')} }`;
  }
  return String(value);
}

/** Plain words for what a node accepts: `a whole number from 1 to 3650, e.g. 30` (without the example when asked). */
export function expectation(found: Found, withExample = true): string {
  const d = def(found.node);
  let what: string;
  switch (d.type) {
    case 'number': {
      const { min, max, integer } = numberBounds(found.node);
      what = integer ? 'a whole number' : 'a number';
      if (min !== undefined && max !== undefined) what += ` from ${min} to ${max}`;
      else if (min !== undefined) what += ` of at least ${min}`;
      else if (max !== undefined) what += ` of at most ${max}`;
      break;
    }
    case 'string':
      what = 'a string';
      break;
    case 'boolean':
      what = 'true or false';
      break;
    case 'enum': {
      const values = Object.values(d['entries'] as Record<string, string>);
      what = values.length <= 6 ? `one of ${values.join(', ')}` : `one of the ${values.length} known values`;
      break;
    }
    case 'object':
      what = 'a mapping of fields (indented "key: value" lines)';
      break;
    case 'record':
      what = 'a mapping of names to values (indented "name: value" lines)';
      break;
    case 'array':
      what = 'a list ("- item" lines or [a, b])';
      break;
    default:
      what = `a ${d.type}`;
  }
  const example = found.examples?.[0];
  return example === undefined || d.type === 'object' || !withExample ? what : `${what}, e.g. ${renderExample(example)}`;
}

/** The allowed values of an enum node, or undefined. */
export function enumValues(found: Found): string[] | undefined {
  const d = def(found.node);
  return d.type === 'enum' ? Object.values(d['entries'] as Record<string, string>) : undefined;
}
