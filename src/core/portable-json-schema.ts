/**
 * A JSON Schema rewritten into the spellings every client reads, accepting exactly the same
 * values. zod 4's toJSONSchema folds `anyOf: [{type: "string"}, {type: "null"}]` (every
 * `.nullable()`) into `type: ["string", "null"]`, and writes a record of unknown values as
 * `additionalProperties: {}`. Both are legal, but a client that maps tool schemas onto a
 * single-`type` dialect (the OpenAPI subset of Gemini function declarations) rejects the first,
 * and the MCP Inspector's `--strict` portability check warns on both. So here a type array
 * becomes `anyOf` of single types, and an empty `additionalProperties` becomes `true`.
 */
export function portableJsonSchema<T>(schema: T): T {
  return rewrite(schema) as T;
}

// Keywords whose values are data, not schemas: a `type` array inside them is a value to keep.
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);
// Keywords whose values map names to schemas: a property may be called `default`.
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (DATA_KEYWORDS.has(key)) out[key] = value;
    else if (SCHEMA_MAPS.has(key) && isObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, schema]) => [name, rewrite(schema)]));
    else out[key] = rewrite(value);
  }
  if (isObject(out.additionalProperties) && Object.keys(out.additionalProperties).length === 0) out.additionalProperties = true;
  // zod writes a type array only where it removed an anyOf, so a node never holds both.
  if (!Array.isArray(out.type) || out.anyOf !== undefined) return out;
  const { type, ...rest } = out;
  return { ...rest, anyOf: type.map((t: unknown) => ({ type: t })) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
