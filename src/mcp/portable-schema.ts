import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { portableJsonSchema } from '../core/index.js';

/**
 * A zod schema as the SDK takes a tool's or prompt's schema, validating with zod but publishing
 * its JSON Schema in portable form (portableJsonSchema) wherever the SDK lists it. The SDK asks
 * the schema itself for its JSON Schema (Standard Schema's `jsonSchema` converter), so this is
 * the one seam: no list handler is replaced.
 */
export function portable<S extends z.ZodType>(schema: S): StandardSchemaWithJSON<z.input<S>, z.output<S>> {
  const standard = schema['~standard'];
  return {
    '~standard': {
      version: standard.version,
      vendor: standard.vendor,
      validate: standard.validate,
      jsonSchema: {
        input: (options) => portableJsonSchema(standard.jsonSchema.input(options)),
        output: (options) => portableJsonSchema(standard.jsonSchema.output(options)),
      },
    },
  } as StandardSchemaWithJSON<z.input<S>, z.output<S>>;
}
