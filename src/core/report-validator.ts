import { Ajv, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { canonicalJson } from './canonical-json.js';
import { DefaultRunReportSchema } from './run-report.js';

// Formats errors only; schemas are compiled by compileSchema, each in an Ajv of its own.
const formatter = new Ajv();
export const AJV_OPTIONS = { allErrors: true, strict: false };
// Compiled schemas, newest use last; a few hundred distinct output schemas is more than any root holds at once.
const compiled = new Map<string, ValidateFunction>();
export const MAX_COMPILED = 256;

/** The JSON Schema reports are validated against when a step names no output_schema (extra keys allowed). */
export const DEFAULT_REPORT_JSON_SCHEMA = z.toJSONSchema(DefaultRunReportSchema, { target: 'draft-7' });

/**
 * The same report as handed to a model as its output schema: strict structured output (as the
 * OpenAI API wants it) needs every property required and no others.
 */
export const DEFAULT_REPORT_STRICT_JSON_SCHEMA = z.toJSONSchema(z.strictObject(DefaultRunReportSchema.shape), { target: 'draft-7' });

/** A report's check: it passed, it broke the schema (`error`), or it could not be checked in time (`unchecked`). */
export type ReportCheck = { ok: true } | { ok: false; error: string; unchecked?: true };
export type ReportValidator = (report: unknown) => ReportCheck;

/**
 * A validator for run reports: against the step's output_schema when it has one, else the
 * default report schema. Throws when the schema itself does not compile (checked at submit).
 */
export function createReportValidator(outputSchema: Record<string, unknown> | null): ReportValidator {
  const validate = compileSchema(outputSchema ?? DEFAULT_REPORT_JSON_SCHEMA);
  return (report) =>
    validate(report) ? { ok: true } : { ok: false, error: formatter.errorsText(validate.errors, { dataVar: 'report' }) };
}

/** Why a JSON Schema does not compile, or undefined when it does. */
export function reportSchemaProblem(outputSchema: Record<string, unknown>): string | undefined {
  try {
    compileSchema(outputSchema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * The validator of a schema, compiled once per distinct content. Each schema gets an Ajv of its
 * own: one instance refuses a second schema with an `$id` it holds already, so a schema that
 * passed submit would fail to compile for a later step, batch or restart.
 */
function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = canonicalJson(schema);
  let validate = compiled.get(key);
  if (validate) {
    compiled.delete(key);
  } else {
    validate = new Ajv(AJV_OPTIONS).compile(schema);
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  }
  compiled.set(key, validate);
  return validate;
}
