export * from './agent-adapter.js';
export * from './agent-registry.js';
export * from './command-agent.js';
export * from './codex/codex-agent.js';
export * from './codex/codex-events.js';
