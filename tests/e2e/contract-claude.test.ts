import { describeAgentAdapter } from './helpers/agent-contract.js';
import { claudeUnderTest } from './helpers/agents-under-test.js';

describeAgentAdapter(claudeUnderTest);
