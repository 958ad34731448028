import { describeAgentAdapter } from './helpers/agent-contract.js';
import { geminiUnderTest } from './helpers/agents-under-test.js';

describeAgentAdapter(geminiUnderTest);
