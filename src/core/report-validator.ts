import { Ajv, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { DefaultRunReportSchema } from './run-report.js';

const ajv = new Ajv({ allErrors: true, strict: false });

/** The JSON Schema reports are validated against when a step names no output_schema (extra keys allowed). */
export const DEFAULT_REPORT_JSON_SCHEMA = z.toJSONSchema(DefaultRunReportSchema, { target: 'draft-7' });

/**
 * The same report as handed to a model as its output schema: strict structured output (as the
 * OpenAI API wants it) needs every property required and no others.
 */
export const DEFAULT_REPORT_STRICT_JSON_SCHEMA = z.toJSONSchema(z.strictObject(DefaultRunReportSchema.shape), { target: 'draft-7' });

export type ReportCheck = { ok: true } | { ok: false; error: string };
export type ReportValidator = (report: unknown) => ReportCheck;

/**
 * A validator for run reports: against the step's output_schema when it has one, else the
 * default report schema. Throws when the schema itself does not compile (checked at submit).
 */
export function createReportValidator(outputSchema: Record<string, unknown> | null): ReportValidator {
  const validate: ValidateFunction = ajv.compile(outputSchema ?? DEFAULT_REPORT_JSON_SCHEMA);
  return (report) =>
    validate(report) ? { ok: true } : { ok: false, error: ajv.errorsText(validate.errors, { dataVar: 'report' }) };
}

/** Why a JSON Schema does not compile, or undefined when it does. */
export function reportSchemaProblem(outputSchema: Record<string, unknown>): string | undefined {
  try {
    ajv.compile(outputSchema);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
