/**
 * Schema-breaking calls for the 2.0.1 fuzz, derived from the very schemas ocpp-rpc validates with (so every action
 * the station handles is covered, and a new one is covered the day it is handled): a minimal valid request is built
 * from the schema, then broken in exactly one place. The expected CALLERROR comes from the kind of break, as OCPP-J
 * 2.0.1 (Part 4, 4.3) names it, never from the validator:
 * - a required field missing, an array with too few or too many items: OccurrenceConstraintViolation;
 * - a field of the wrong JSON type (a number for a string, an object for a number …): TypeConstraintViolation;
 * - a field with an invalid value (not in its enum, too long, out of range, not a date-time) or a property the
 *   schema does not have: PropertyConstraintViolation ("syntactically correct but … contains an invalid value").
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface JsonSchema {
  readonly $ref?: string;
  readonly type?: string;
  readonly enum?: readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly format?: string;
  readonly definitions?: Readonly<Record<string, JsonSchema>>;
}

const ALL = require('ocpp-rpc/lib/schemas/ocpp2_0_1.json') as (JsonSchema & { $id: string })[];

export type SchemaCode = 'OccurrenceConstraintViolation' | 'TypeConstraintViolation' | 'PropertyConstraintViolation';

export interface SchemaBreaker {
  readonly action: string;
  /** What was broken, e.g. "evseId: wrong type". */
  readonly what: string;
  readonly params: unknown;
  readonly code: SchemaCode;
}

export function requestSchema(action: string): JsonSchema & { $id: string } {
  const schema = ALL.find((s) => s.$id === `urn:${action}.req`);
  if (!schema) throw new Error(`no 2.0.1 schema for ${action}.req`);
  return schema;
}

function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/definitions/', '');
  const target = root.definitions?.[name];
  if (!target) throw new Error(`unresolved ${schema.$ref}`);
  return resolve(target, root);
}

/** The smallest value valid against `schema`: required properties only, one item per required array. */
export function minimalValue(schema: JsonSchema, root: JsonSchema): unknown {
  const s = resolve(schema, root);
  if (s.enum) return s.enum[0];
  switch (s.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = minimalValue(s.properties?.[key] ?? {}, root);
      return out;
    }
    case 'array':
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => minimalValue(s.items ?? {}, root));
    case 'string':
      return s.format === 'date-time' ? new Date(Date.UTC(2030, 0, 1)).toISOString() : 'x';
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

/** A value of another JSON type than `type`. */
function wrongType(type: string | undefined): unknown {
  switch (type) {
    case 'string':
      return 12;
    case 'integer':
    case 'number':
      return '1';
    case 'boolean':
      return 'true';
    case 'array':
      return {};
    default:
      return 'x';
  }
}

type Path = readonly (string | number)[];

function withAt(base: unknown, path: Path, change: (parent: Record<string | number, unknown>, key: string | number) => void): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (last === undefined) throw new Error('empty path');
  change(node, last);
  return copy;
}

/** Every one-place break of the minimal request of `action`. */
export function schemaBreakers(action: string): SchemaBreaker[] {
  const root = requestSchema(action);
  const base = minimalValue(root, root);
  const out: SchemaBreaker[] = [];
  const add = (what: string, params: unknown, code: SchemaCode): void => void out.push({ action, what, params, code });
  add('payload: a string', 'x', 'TypeConstraintViolation');
  add('payload: an array', [base], 'TypeConstraintViolation');
  const set = (path: Path, value: unknown): unknown =>
    withAt(base, path, (parent, key) => {
      parent[key] = value;
    });
  const walk = (schema: JsonSchema, path: Path, value: unknown): void => {
    const s = resolve(schema, root);
    const name = path.length === 0 ? 'payload' : path.join('.');
    if (path.length > 0 && s.type) add(`${name}: wrong type`, set(path, wrongType(s.type)), 'TypeConstraintViolation');
    if (s.enum) add(`${name}: not in the enum`, set(path, `${s.enum[0] ?? ''}Nope`), 'PropertyConstraintViolation');
    if (s.type === 'string' && s.maxLength !== undefined) add(`${name}: one character too long`, set(path, 'x'.repeat(s.maxLength + 1)), 'PropertyConstraintViolation');
    if (s.type === 'string' && s.format === 'date-time') add(`${name}: not a date-time`, set(path, 'tomorrow'), 'PropertyConstraintViolation');
    if ((s.type === 'integer' || s.type === 'number') && s.minimum !== undefined) add(`${name}: below its minimum`, set(path, s.minimum - 1), 'PropertyConstraintViolation');
    if ((s.type === 'integer' || s.type === 'number') && s.maximum !== undefined) add(`${name}: above its maximum`, set(path, s.maximum + 1), 'PropertyConstraintViolation');
    if (s.type === 'integer') add(`${name}: a fraction`, set(path, 1.5), 'TypeConstraintViolation');
    if (s.type === 'array' && Array.isArray(value)) {
      const item: unknown = value[0];
      if ((s.minItems ?? 0) >= 1) add(`${name}: no items`, set(path, []), 'OccurrenceConstraintViolation');
      if (s.maxItems !== undefined && s.maxItems < 1000) add(`${name}: too many items`, set(path, Array.from({ length: s.maxItems + 1 }, () => item)), 'OccurrenceConstraintViolation');
      if (value.length > 0) walk(s.items ?? {}, [...path, 0], item);
    }
    if (s.type === 'object' && value !== null && typeof value === 'object') {
      const obj = value as Record<string, unknown>;
      if (s.additionalProperties === false) {
        const extra = path.length === 0 ? { ...obj, fuzzExtra: 1 } : set(path, { ...obj, fuzzExtra: 1 });
        add(`${name}: a property the schema does not have`, extra, 'PropertyConstraintViolation');
      }
      for (const key of s.required ?? []) {
        add(
          `${path.length === 0 ? key : `${name}.${key}`}: missing`,
          withAt(base, [...path, key], (parent, k) => {
            delete parent[k];
          }),
          'OccurrenceConstraintViolation',
        );
        walk(s.properties?.[key] ?? {}, [...path, key], obj[key]);
      }
    }
  };
  walk(root, [], base);
  return out;
}
