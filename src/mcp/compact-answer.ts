import { z } from 'zod';

// Claude Code hands a tool's structuredContent to the model as JSON and drops the text, so every
// null and empty list of an answer is paid for in tokens on every poll. A compact answer leaves
// them out; its schema (omittable) says which fields may be missing, for clients that check.

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** `value` without nulls, empty lists and objects left empty by that, at every depth. */
export function compactJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(compactJson) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    const compacted = compactJson(field);
    if (!isEmpty(compacted)) out[key] = compacted;
  }
  return out as T;
}

/** Whether compactJson may leave a field of this schema out. */
function mayBeLeftOut(schema: z.ZodType): boolean {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return true;
  // A default fills in a field older files lack; what it wraps says whether it may be empty.
  if (schema instanceof z.ZodDefault) return mayBeLeftOut(schema.unwrap() as z.ZodType);
  if (schema instanceof z.ZodArray || schema instanceof z.ZodRecord) return true;
  if (schema instanceof z.ZodObject) return Object.values(schema.shape as Record<string, z.ZodType>).every(mayBeLeftOut);
  return false;
}

function withMetaOf<T extends z.ZodType>(next: T, old: z.ZodType): T {
  const meta = z.globalRegistry.get(old);
  return meta ? next.meta(meta) : next;
}

/**
 * The schema of `schema`'s values as they are and as compactJson leaves them: every field it
 * may leave out is optional, at every depth. Parts with nothing to leave out are kept as they are.
 */
export function omittable(schema: z.ZodObject): z.ZodObject {
  return omittableType(schema) as z.ZodObject;
}

function omittableType(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) {
    const inner = omittableType(schema.unwrap() as z.ZodType);
    if (inner === schema.unwrap()) return schema;
    return withMetaOf(schema instanceof z.ZodOptional ? inner.optional() : inner.nullable(), schema);
  }
  // Answers are outputs: a default (for older files) has done its work, what it wraps is what is sent.
  if (schema instanceof z.ZodDefault) {
    const inner = omittableType(schema.unwrap() as z.ZodType);
    return inner === schema.unwrap() ? schema : withMetaOf(inner.optional(), schema);
  }
  // A clone keeps the checks and the mode (a partial record stays partial).
  if (schema instanceof z.ZodArray) {
    const element = omittableType(schema.element as z.ZodType);
    return element === schema.element ? schema : withMetaOf(schema.clone({ ...schema._zod.def, element }), schema);
  }
  if (schema instanceof z.ZodRecord) {
    const valueType = omittableType(schema.valueType as z.ZodType);
    return valueType === schema.valueType ? schema : withMetaOf(schema.clone({ ...schema._zod.def, valueType }), schema);
  }
  if (schema instanceof z.ZodObject) {
    const changed: Record<string, z.ZodType> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const next = omittableType(field);
      if (mayBeLeftOut(field) && !(next instanceof z.ZodOptional)) changed[key] = next.optional();
      else if (next !== field) changed[key] = next;
    }
    return Object.keys(changed).length === 0 ? schema : withMetaOf(schema.extend(changed), schema);
  }
  return schema;
}
