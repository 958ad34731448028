import type { z } from 'zod';
import {
  DefaultsSchema,
  IdSchema,
  JobSchema,
  ResumeFromSchema,
  StepSchema,
  type Defaults,
  type Job,
  type Step,
} from '../core/index.js';

/**
 * The fields of an object that are well-formed on their own, and the names of those present
 * but broken. A broken field's problem is the whole-table parse's to report; keeping the rest
 * lets the field checks (ids, paths, dependencies) run in the same round.
 */
export interface Draft<T> {
  fields: Partial<T>;
  broken: ReadonlySet<string>;
}

export interface ResumeDraft extends Draft<z.infer<typeof ResumeFromSchema>> {}

export interface StepDraft extends Draft<Step> {
  /** depends_on item by item, in place: undefined where an item is not an id. */
  dependsOn: (string | undefined)[];
  resumeFrom: ResumeDraft | undefined;
  /** The names in `env`, the ill-formed ones too. */
  envNames: string[];
}

export interface JobDraft extends Draft<Job> {
  /** steps in place: undefined where a step is not an object at all. */
  steps: (StepDraft | undefined)[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses each known field of `raw` on its own; undefined when `raw` is not an object. */
export function draftOf<S extends z.ZodObject>(schema: S, raw: unknown): Draft<z.infer<S>> | undefined {
  if (!isRecord(raw)) return undefined;
  const fields: Record<string, unknown> = {};
  const broken = new Set<string>();
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    if (raw[key] === undefined) continue;
    const parsed = field.safeParse(raw[key]);
    if (parsed.success) fields[key] = parsed.data;
    else broken.add(key);
  }
  return { fields: fields as Partial<z.infer<S>>, broken };
}

export function draftDefaults(raw: unknown): Draft<Defaults> {
  return draftOf(DefaultsSchema, raw) ?? { fields: {}, broken: new Set() };
}

function draftStep(raw: unknown): StepDraft | undefined {
  const draft = draftOf(StepSchema, raw);
  if (!draft || !isRecord(raw)) return undefined;
  const dependsOn = Array.isArray(raw.depends_on) ? raw.depends_on.map((d) => (IdSchema.safeParse(d).success ? (d as string) : undefined)) : [];
  return {
    ...draft,
    dependsOn,
    resumeFrom: draftOf(ResumeFromSchema, raw.resume_from),
    envNames: isRecord(raw.env) ? Object.keys(raw.env) : [],
  };
}

export function draftJob(raw: unknown): JobDraft | undefined {
  const draft = draftOf(JobSchema, raw);
  if (!draft || !isRecord(raw)) return undefined;
  return { ...draft, steps: Array.isArray(raw.steps) ? raw.steps.map(draftStep) : [] };
}
