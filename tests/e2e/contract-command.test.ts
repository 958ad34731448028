import { describeAgentAdapter } from './agents/agent-contract.js';
import { commandUnderTest } from './agents/agents-under-test.js';

describeAgentAdapter(commandUnderTest);
