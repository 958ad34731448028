import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { portableJsonSchema } from '../core/index.js';

// One wrapper per schema, for the life of the process: a 2026-07-28 HTTP request gets a server
// of its own, and the SDK converts a tool's schemas anew on each server it is registered with.
const wrappers = new WeakMap<z.ZodType, StandardSchemaWithJSON>();

type ConverterOptions = Parameters<StandardSchemaWithJSON['~standard']['jsonSchema']['input']>[0];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const field of Object.values(value)) deepFreeze(field);
    Object.freeze(value);
  }
  return value;
}

/**
 * A zod schema as the SDK takes a tool's or prompt's schema, validating with zod but publishing
 * its JSON Schema in portable form (portableJsonSchema) wherever the SDK lists it. The SDK asks
 * the schema itself for its JSON Schema (Standard Schema's `jsonSchema` converter), so this is
 * the one seam: no list handler is replaced. Each conversion is made once per schema and kept,
 * so the schemas must be made once too (at module level, not in a register function).
 */
export function portable<S extends z.ZodType>(schema: S): StandardSchemaWithJSON<z.input<S>, z.output<S>> {
  const known = wrappers.get(schema);
  if (known) return known as StandardSchemaWithJSON<z.input<S>, z.output<S>>;
  const standard = schema['~standard'];
  const converted = new Map<string, Record<string, unknown>>();
  const once = (io: 'input' | 'output') => (options: ConverterOptions) => {
    const key = `${io} ${options.target}`;
    let json = converted.get(key);
    // Frozen: every server shares it, so none may change it (the SDK copies what it adds to).
    if (!json) converted.set(key, (json = deepFreeze(portableJsonSchema(standard.jsonSchema[io](options)))));
    return json;
  };
  const wrapper = {
    '~standard': { version: standard.version, vendor: standard.vendor, validate: standard.validate, jsonSchema: { input: once('input'), output: once('output') } },
  } as StandardSchemaWithJSON<z.input<S>, z.output<S>>;
  wrappers.set(schema, wrapper);
  return wrapper;
}

/** The input schema of a tool that takes no arguments. */
export const NoArguments = z.object({});
