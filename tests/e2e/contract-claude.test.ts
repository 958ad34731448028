import { describeAgentAdapter } from './agents/agent-contract.js';
import { claudeUnderTest } from './agents/agents-under-test.js';

describeAgentAdapter(claudeUnderTest);
