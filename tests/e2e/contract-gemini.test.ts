import { describeAgentAdapter } from './agents/agent-contract.js';
import { geminiUnderTest } from './agents/agents-under-test.js';

describeAgentAdapter(geminiUnderTest);
