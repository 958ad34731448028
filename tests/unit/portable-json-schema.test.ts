import { Ajv } from 'ajv';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { portableJsonSchema } from '../../src/core/index.js';

describe('portableJsonSchema', () => {
  const zodSchema = z.object({
    note: z.string().nullable(),
    default: z.number().nullable().describe('a property named like a keyword'),
    setting: z.union([z.string(), z.number(), z.boolean()]),
    extra: z.record(z.string(), z.unknown()),
    kind: z.enum(['a', 'b']).default('a'),
  });
  // draft-7, as the SDK converts tool schemas.
  const zodJson = z.toJSONSchema(zodSchema, { target: 'draft-7' });
  const portable = portableJsonSchema(zodJson) as any;

  it('spells what zod writes as a type array as anyOf of single types, and an empty additionalProperties as true', () => {
    expect(JSON.stringify(zodJson)).toContain('"type":["string","null"]');
    expect(portable.properties.note).toEqual({ anyOf: [{ type: 'string' }, { type: 'null' }] });
    expect(portable.properties.default).toEqual({ anyOf: [{ type: 'number' }, { type: 'null' }], description: 'a property named like a keyword' });
    expect(portable.properties.setting).toEqual({ anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] });
    expect(portable.properties.extra.additionalProperties).toBe(true);
    expect(portable.properties.kind).toEqual((zodJson as any).properties.kind);
    expect(JSON.stringify(portable)).not.toMatch(/"type":\[|"additionalProperties":\{\}/);
  });

  it('accepts and refuses exactly the values the zod schema does', () => {
    const validate = new Ajv({ strict: false }).compile(portable);
    const values = [
      { note: null, default: null, setting: true, extra: {}, kind: 'a' },
      { note: 'x', default: 3, setting: 'on', extra: { a: [1] }, kind: 'b' },
      { note: 5, default: 3, setting: 1, extra: {}, kind: 'a' },
      { note: null, default: 'x', setting: 1, extra: {}, kind: 'a' },
      { note: null, default: null, setting: null, extra: {}, kind: 'a' },
      { note: null, default: null, setting: 1, extra: [], kind: 'c' },
    ];
    for (const value of values) expect(validate(value), JSON.stringify(value)).toBe(zodSchema.safeParse(value).success);
  });
});
