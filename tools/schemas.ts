import { z } from 'zod';
import {
  AttemptMetaSchema,
  AttemptsIndexSchema,
  AttemptStateSchema,
  BatchMetaSchema,
  BatchScoreboardSchema,
  BranchChangeSchema,
  BudgetOverridesSchema,
  ChangeRecordSchema,
  LandedFileSchema,
  CurrentIndexSchema,
  FinalReportSchema,
  HarnessConfigFileSchema,
  HarnessConfigSchema,
  LaunchTableSchema,
  LeftBranchesSchema,
  McpTaskRecordSchema,
  PoolsFileSchema,
  SystemScoreboardSchema,
  AttemptEventSchema,
  portableJsonSchema,
} from '../src/core/index.js';

/** Every file on disk and the launch table, by the name of its schema file in schemas/. */
export const SCHEMAS: Record<string, { schema: z.ZodType; io: 'input' | 'output' }> = {
  'launch-table': { schema: LaunchTableSchema, io: 'input' },
  'harness-config.input': { schema: HarnessConfigSchema, io: 'input' },
  harness_config: { schema: HarnessConfigFileSchema, io: 'output' },
  batch_meta: { schema: BatchMetaSchema, io: 'output' },
  state: { schema: AttemptStateSchema, io: 'output' },
  meta: { schema: AttemptMetaSchema, io: 'output' },
  final: { schema: FinalReportSchema, io: 'output' },
  changes: { schema: ChangeRecordSchema, io: 'output' },
  landed: { schema: LandedFileSchema, io: 'output' },
  branch: { schema: BranchChangeSchema, io: 'output' },
  current: { schema: CurrentIndexSchema, io: 'output' },
  attempts_index: { schema: AttemptsIndexSchema, io: 'output' },
  budgets: { schema: BudgetOverridesSchema, io: 'output' },
  branches_left: { schema: LeftBranchesSchema, io: 'output' },
  pools: { schema: PoolsFileSchema, io: 'output' },
  task: { schema: McpTaskRecordSchema, io: 'output' },
  event: { schema: AttemptEventSchema, io: 'output' },
  'scoreboard.batch': { schema: BatchScoreboardSchema, io: 'output' },
  'scoreboard.system': { schema: SystemScoreboardSchema, io: 'output' },
};

/** The text of schemas/<name>.schema.json as generated from zod, in the portable form tools/list publishes too. */
export function renderSchema(name: string): string {
  const { schema, io } = SCHEMAS[name]!;
  const json = portableJsonSchema(z.toJSONSchema(schema, { io, unrepresentable: 'any' }));
  return `${JSON.stringify({ title: name, ...json }, null, 2)}\n`;
}
