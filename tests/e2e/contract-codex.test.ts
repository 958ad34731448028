import { describeAgentAdapter } from './agents/agent-contract.js';
import { codexUnderTest } from './agents/agents-under-test.js';

describeAgentAdapter(codexUnderTest);
