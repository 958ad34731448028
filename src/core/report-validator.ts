import { Ajv, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { DefaultRunReportSchema } from './run-report.js';

const ajv = new Ajv({ allErrors: true, strict: false });

/** The JSON Schema of the default run report, as handed to agents that take an output schema. */
export const DEFAULT_REPORT_JSON_SCHEMA = z.toJSONSchema(DefaultRunReportSchema, { target: 'draft-7' });

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
