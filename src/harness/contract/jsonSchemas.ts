/**
 * The topic and payload contract as JSON Schemas (contracts/*.schema.json, generated from the zod
 * schemas in wire.ts), and a small validator for the subset of JSON Schema they use, so a test
 * can check what the pumps send against the published files without a validator dependency.
 */
import { z } from 'zod';
import { PAYLOADS } from './wire.js';
import type { Leaf } from './topics.js';

export function contractSchemas(): Record<Leaf, object> {
  const out = {} as Record<Leaf, object>;
  for (const [leaf, schema] of Object.entries(PAYLOADS) as [Leaf, z.ZodType][]) {
    out[leaf] = { $id: `urn:infusim:contracts:v1:${leaf}`, title: `infusim/v1/<site>/<unit>/<pump>/${leaf}`, ...z.toJSONSchema(schema, { io: 'input' }) };
  }
  return out;
}

type Schema = Record<string, unknown>;

/** Errors of a value against a JSON Schema (draft 2020-12 subset: type, properties, required,
 * additionalProperties, enum, const, anyOf, oneOf, items, minimum, maximum, minLength, maxLength, pattern). */
export function validate(schema: Schema, value: unknown, path = '$'): string[] {
  const errs: string[] = [];
  const t = schema.type;
  const typeOk = (ty: string): boolean => {
    switch (ty) {
      case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
      case 'array': return Array.isArray(value);
      case 'string': return typeof value === 'string';
      case 'integer': return typeof value === 'number' && Number.isInteger(value);
      case 'number': return typeof value === 'number' && Number.isFinite(value);
      case 'boolean': return typeof value === 'boolean';
      case 'null': return value === null;
      default: return true;
    }
  };
  if (typeof t === 'string' && !typeOk(t)) return [`${path}: expected ${t}`];
  if (Array.isArray(t) && !t.some((x) => typeOk(String(x)))) return [`${path}: expected ${t.join('|')}`];
  if ('const' in schema && value !== schema.const) errs.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errs.push(`${path}: not one of ${JSON.stringify(schema.enum)}`);
  for (const key of ['anyOf', 'oneOf'] as const) {
    const alts = schema[key];
    if (Array.isArray(alts)) {
      const n = alts.filter((a) => validate(a as Schema, value, path).length === 0).length;
      if (key === 'anyOf' ? n === 0 : n !== 1) errs.push(`${path}: matches ${n} of the ${key} alternatives`);
    }
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errs.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errs.push(`${path}: above ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) errs.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) errs.push(`${path}: longer than ${schema.maxLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) errs.push(`${path}: does not match ${schema.pattern}`);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) errs.push(`${path}.${r}: required`);
    for (const [k, v] of Object.entries(obj)) {
      const ps = props[k];
      if (ps) errs.push(...validate(ps, v, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}.${k}: not allowed`);
      else if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) errs.push(...validate(schema.additionalProperties as Schema, v, `${path}.${k}`));
    }
  }
  if (Array.isArray(value) && typeof schema.items === 'object' && schema.items !== null) value.forEach((v, i) => errs.push(...validate(schema.items as Schema, v, `${path}[${i}]`)));
  return errs;
}
