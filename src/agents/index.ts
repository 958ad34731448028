// What the other floors may use of agents/; everything else in it is its own (docs/architecture.md).
export { type AgentAdapter, type AgentEvent, type AttemptContext, type LimitSignal, type ReportReading, type ResumeSource, type UsageFollower } from './agent-adapter.js';
export { createAgentRegistry } from './agent-registry.js';
